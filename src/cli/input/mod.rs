//! Finds and reads the articles `wirecopy submit` and `wirecopy import`
//! send.
//!
//! Arguments may be files or directories (walked recursively, in name
//! order, hidden entries skipped; inside a directory only the extensions
//! below are read). What a file holds is decided by its extension, and for
//! JSON by each record's keys (see [`records`]):
//! - `.json`, `.jsonl`, `.ndjson`: one JSON object, an array of them, or
//!   JSON Lines; wirecopy, news-please or trafilatura records;
//! - `.html`, `.htm`: one saved web page, sent as `html` for the server to
//!   extract; the path is the id;
//! - anything else (`.txt` in a directory): plain text, the first non-blank
//!   line is the title, the rest the body, the path is the id.
//!
//! A JSON record with neither an id nor a URL takes its file's path as id,
//! `path#N` for the N-th record (or line) of a file of several.
//!
//! A record that cannot be read is reported with its place (file and line)
//! and skipped, so that one bad line does not stop a night's backfill.

mod records;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
};

use anyhow::Context;
use serde_json::Value;

use crate::api::pb;

pub use records::RecordFormat;

/// Extensions read when walking a directory.
const KNOWN_EXTENSIONS: &[&str] = &["txt", "text", "json", "jsonl", "ndjson", "html", "htm"];

/// Where an article came from, for the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    /// A plain-text file.
    Text,
    /// A saved web page.
    Html,
    /// A JSON record of the given shape.
    Json(RecordFormat),
}

impl InputKind {
    /// The name shown in the summary.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Text => "plain text",
            InputKind::Html => "HTML page",
            InputKind::Json(format) => format.name(),
        }
    }
}

/// One thing read from the inputs.
#[derive(Debug)]
pub enum Input {
    /// An article to submit, with the input bytes it came from (for
    /// progress) and its kind.
    Article {
        article: Box<pb::Article>,
        bytes: u64,
        kind: InputKind,
    },
    /// A record that could not be read: where, and why.
    Unreadable { place: String, message: String },
}

/// The files named by `paths`, directories expanded, with their sizes.
pub fn input_files(paths: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !metadata.is_dir() {
            files.push((path.clone(), metadata.len()));
            continue;
        }
        let walk = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
        for entry in walk {
            let entry = entry.with_context(|| format!("cannot walk {}", path.display()))?;
            if entry.file_type().is_file() && has_known_extension(entry.path()) {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                files.push((entry.into_path(), size));
            }
        }
    }
    Ok(files)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| name.starts_with('.'))
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn has_known_extension(path: &Path) -> bool {
    KNOWN_EXTENSIONS.contains(&extension(path).as_str())
}

/// Reads `path` and hands every article or unreadable record to `emit`,
/// stopping early when it returns false. `source` fills in articles that
/// name none. Fails only when the file itself cannot be read.
pub fn read_file(
    path: &Path,
    source: Option<&str>,
    emit: &mut dyn FnMut(Input) -> bool,
) -> anyhow::Result<()> {
    let mut fill_source = |mut input: Input| {
        if let (Input::Article { article, .. }, Some(source)) = (&mut input, source) {
            if article.source.is_empty() {
                source.clone_into(&mut article.source);
            }
        }
        emit(input)
    };
    match extension(path).as_str() {
        "json" | "jsonl" | "ndjson" => read_json(path, &mut fill_source),
        extension => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let size = bytes.len() as u64;
            let text = decode_text(bytes);
            let (article, kind) = if matches!(extension, "html" | "htm") {
                (html_page(path, text), InputKind::Html)
            } else {
                (plain_text(path, &text), InputKind::Text)
            };
            fill_source(Input::Article {
                article: Box::new(article),
                bytes: size,
                kind,
            });
            Ok(())
        }
    }
}

/// A JSON file: one object or an array of them (news-please writes one
/// pretty-printed object per file), or else JSON Lines, read line by line
/// so that a large export never sits in memory whole.
fn read_json(path: &Path, emit: &mut dyn FnMut(Input) -> bool) -> anyhow::Result<()> {
    let open =
        || std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()));
    let mut start = [0u8; 256];
    let read = std::io::Read::read(&mut open()?, &mut start)?;
    let first = start[..read]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let whole: Option<Vec<Value>> = match first {
        Some(b'[') => Some(
            serde_json::from_reader(BufReader::new(open()?))
                .map_err(|e| anyhow::anyhow!("{}: not a JSON array: {e}", path.display()))?,
        ),
        // One object spread over several lines, or JSON Lines: try the
        // first, fall back to the second.
        Some(b'{') => serde_json::from_reader::<_, Value>(BufReader::new(open()?))
            .ok()
            .map(|record| vec![record]),
        _ => None,
    };
    if let Some(records) = whole {
        let share = size / records.len().max(1) as u64;
        let single = records.len() == 1;
        for (index, record) in records.into_iter().enumerate() {
            let place = format!("{} record {}", path.display(), index + 1);
            let fallback_id = if single {
                path.display().to_string()
            } else {
                format!("{}#{}", path.display(), index + 1)
            };
            if !emit(json_input(record, &fallback_id, place, share)) {
                break;
            }
        }
        return Ok(());
    }
    for (number, line) in BufReader::new(open()?).lines().enumerate() {
        let place = format!("{}:{}", path.display(), number + 1);
        let line = line.with_context(|| place.clone())?;
        if line.trim().is_empty() {
            continue;
        }
        let bytes = line.len() as u64 + 1;
        let input = match serde_json::from_str::<Value>(&line) {
            Ok(record) => {
                let fallback_id = format!("{}#{}", path.display(), number + 1);
                json_input(record, &fallback_id, place, bytes)
            }
            Err(error) => Input::Unreadable {
                place,
                message: format!("not JSON: {error}"),
            },
        };
        if !emit(input) {
            break;
        }
    }
    Ok(())
}

fn json_input(record: Value, fallback_id: &str, place: String, bytes: u64) -> Input {
    match records::article_from_json(record, Some(fallback_id)) {
        Ok((format, article)) => Input::Article {
            article: Box::new(article),
            bytes,
            kind: InputKind::Json(format),
        },
        Err(message) => Input::Unreadable { place, message },
    }
}

/// Parses line `line_number` of a JSON Lines file as `wirecopy export`
/// writes it: an article, or `None` for a blank line.
pub fn article_line(line: &str, line_number: usize) -> anyhow::Result<Option<pb::Article>> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let record: Value = serde_json::from_str(line)
        .with_context(|| format!("line {line_number}: not an article"))?;
    records::article_from_json(record, None)
        .map(|(_, article)| Some(article))
        .map_err(|message| anyhow::anyhow!("line {line_number}: {message}"))
}

/// UTF-8, or Latin-1 for the odd legacy file that is not.
fn decode_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

fn plain_text(path: &Path, text: &str) -> pb::Article {
    let trimmed = text.trim_start();
    let (title, body) = match trimmed.find('\n') {
        Some(end) => (
            trimmed[..end].trim(),
            trimmed[end + 1..].trim_start_matches(['\n', '\r']),
        ),
        None => (trimmed.trim(), ""),
    };
    pb::Article {
        id: path.display().to_string(),
        title: title.to_owned(),
        body: body.to_owned(),
        ..Default::default()
    }
}

fn html_page(path: &Path, html: String) -> pb::Article {
    pb::Article {
        id: path.display().to_string(),
        html,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &Path) -> anyhow::Result<Vec<Input>> {
        let mut inputs = Vec::new();
        read_file(path, Some("cli"), &mut |input| {
            inputs.push(input);
            true
        })?;
        Ok(inputs)
    }

    fn ids(inputs: &[Input]) -> Vec<String> {
        inputs
            .iter()
            .map(|input| match input {
                Input::Article { article, .. } => article.id.clone(),
                Input::Unreadable { place, .. } => format!("unreadable {place}"),
            })
            .collect()
    }

    #[test]
    fn plain_text_takes_the_first_line_as_title() {
        let article = plain_text(Path::new("a.txt"), "\n \t\nHeadline\n\nFirst.\n\nSecond.\n");
        assert_eq!(article.title, "Headline");
        assert_eq!(article.body, "First.\n\nSecond.\n");
        assert_eq!(article.id, "a.txt");
    }

    #[test]
    fn json_files_of_every_layout() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let lines = dir.path().join("a.jsonl");
        std::fs::write(
            &lines,
            "{\"url\":\"https://x/1\",\"body\":\"b\"}\n\nnot json\n{\"maintext\":\"m\",\"url\":\"https://x/2\"}\n",
        )?;
        let inputs = read_all(&lines)?;
        assert_eq!(ids(&inputs)[0], "https://x/1");
        assert!(ids(&inputs)[1].starts_with("unreadable") && ids(&inputs)[1].ends_with(":3"));
        assert_eq!(ids(&inputs)[2], "https://x/2");
        let pretty = dir.path().join("np.json");
        std::fs::write(
            &pretty,
            "{\n  \"maintext\": \"m\",\n  \"url\": \"https://x/3\"\n}\n",
        )?;
        assert_eq!(ids(&read_all(&pretty)?), ["https://x/3"]);
        let array = dir.path().join("t.json");
        std::fs::write(
            &array,
            "[{\"text\":\"t\",\"url\":\"https://x/4\"},{\"id\":\"5\",\"body\":\"b\"},{\"text\":\"t\",\"source\":null}]",
        )?;
        let inputs = read_all(&array)?;
        let numbered = format!("{}#3", array.display());
        assert_eq!(ids(&inputs), ["https://x/4", "5", numbered.as_str()]);
        let lone = dir.path().join("lone.json");
        std::fs::write(&lone, "{\"text\":\"t\",\"source\":null}")?;
        assert_eq!(ids(&read_all(&lone)?), [lone.display().to_string()]);
        if let Input::Article { article, kind, .. } = &inputs[0] {
            assert_eq!(article.source, "cli");
            assert_eq!(*kind, InputKind::Json(RecordFormat::Trafilatura));
        }
        Ok(())
    }

    #[test]
    fn directories_are_walked_in_order_skipping_hidden_and_unknown_files() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("b/.cache"))?;
        for name in [
            "b/2.txt",
            "a.html",
            "b/.cache/x.txt",
            "notes.md",
            "b/1.json",
        ] {
            std::fs::write(dir.path().join(name), "x")?;
        }
        let files = input_files(&[dir.path().to_owned()])?;
        let names: Vec<String> = files
            .iter()
            .map(|(path, _)| {
                path.strip_prefix(dir.path())
                    .map(|p| p.display().to_string())
            })
            .collect::<Result<_, _>>()?;
        assert_eq!(names, ["a.html", "b/1.json", "b/2.txt"]);
        assert!(input_files(&[dir.path().join("missing")]).is_err());
        Ok(())
    }

    #[test]
    fn latin1_files_are_read() {
        assert_eq!(decode_text(vec![0xA3, b'5']), "£5");
    }
}
