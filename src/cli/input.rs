//! Reads articles for `wirecopy submit` from files.
//!
//! Plain-text files hold one article: the first non-blank line is the
//! title, the rest the body, and the path is the id. JSON Lines files
//! (`.jsonl`, `.ndjson`, `.json`) hold one `Article` per line, with the
//! field names of the proto; an article without an id takes its URL.

use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

use crate::api::pb;

/// An article as written in JSON Lines input.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ArticleLine {
    id: String,
    source: String,
    url: String,
    title: String,
    body: String,
    html: String,
    /// RFC 3339, e.g. "2020-12-01T23:32:00Z".
    published_at: Option<String>,
    language: String,
    labels: std::collections::HashMap<String, String>,
}

/// Reads the articles in `path`; `source` fills in articles without one.
pub fn read_articles(path: &Path, source: Option<&str>) -> anyhow::Result<Vec<pb::Article>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = decode_text(bytes);
    let is_json_lines = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json"));
    let mut articles = if is_json_lines {
        json_lines(&text).with_context(|| format!("in {}", path.display()))?
    } else {
        vec![plain_text(path, &text)]
    };
    if let Some(source) = source {
        for article in articles.iter_mut().filter(|a| a.source.is_empty()) {
            article.source = source.to_owned();
        }
    }
    Ok(articles)
}

/// UTF-8, or Latin-1 for the odd legacy file that is not.
fn decode_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

fn plain_text(path: &Path, text: &str) -> pb::Article {
    let trimmed = text.trim_start_matches(['\n', '\r']);
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

fn json_lines(text: &str) -> anyhow::Result<Vec<pb::Article>> {
    let mut articles = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if let Some(article) = article_line(line, number + 1)? {
            articles.push(article);
        }
    }
    Ok(articles)
}

/// Parses line `line_number` of a JSON Lines file: an article, or `None`
/// for a blank line.
pub fn article_line(line: &str, line_number: usize) -> anyhow::Result<Option<pb::Article>> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let parsed: ArticleLine = serde_json::from_str(line)
        .with_context(|| format!("line {line_number}: not an article"))?;
    let published_at = match parsed.published_at.as_deref() {
        Some(time) if !time.is_empty() => Some(
            time.parse::<prost_types::Timestamp>()
                .map_err(|e| anyhow::anyhow!("line {line_number}: published_at {time:?}: {e}"))?,
        ),
        _ => None,
    };
    let id = if parsed.id.is_empty() {
        parsed.url.clone()
    } else {
        parsed.id
    };
    if id.is_empty() {
        bail!("line {line_number}: the article has neither an id nor a url");
    }
    Ok(Some(pb::Article {
        id,
        source: parsed.source,
        url: parsed.url,
        title: parsed.title,
        body: parsed.body,
        html: parsed.html,
        published_at,
        language: parsed.language,
        labels: parsed.labels,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_takes_the_first_line_as_title() {
        let article = plain_text(Path::new("a.txt"), "\nHeadline\n\nFirst.\n\nSecond.\n");
        assert_eq!(article.title, "Headline");
        assert_eq!(article.body, "First.\n\nSecond.\n");
        assert_eq!(article.id, "a.txt");
    }

    #[test]
    fn json_lines_fall_back_to_the_url_and_parse_times() -> anyhow::Result<()> {
        let articles = json_lines(
            "{\"url\":\"https://x/1\",\"body\":\"b\",\"published_at\":\"2020-12-01T23:32:00Z\"}\n\n{\"id\":\"2\",\"body\":\"c\"}",
        )?;
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].id, "https://x/1");
        assert_eq!(
            articles[0].published_at.map(|t| t.seconds),
            Some(1_606_865_520)
        );
        assert!(json_lines("{\"body\":\"b\"}").is_err());
        Ok(())
    }

    #[test]
    fn latin1_files_are_read() {
        assert_eq!(decode_text(vec![0xA3, b'5']), "£5");
    }
}
