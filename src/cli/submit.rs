//! `wirecopy submit`: streams files, directories, JSON exports of
//! news-please or trafilatura, and saved pages through one `SubmitStream`,
//! with progress while it runs and a summary table at the end.
//!
//! A reader thread parses the inputs (see [`super::input`]) into a bounded
//! channel, so memory stays flat however large the backfill; the responses
//! come back in request order, which is how each one is matched to the
//! input it answers. One line per article goes to stdout (text or
//! `--json`); progress and the summary go to stderr.

use std::{
    collections::{BTreeMap, VecDeque},
    io::IsTerminal,
    path::PathBuf,
    process::ExitCode,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::{Duration, Instant},
};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::mpsc;
use tokio_stream::{wrappers::ReceiverStream, StreamExt};

use super::{
    client::{connect, status_error, ClientArgs},
    input::{input_files, read_file, Input, InputKind},
    output,
};
use crate::api::pb;

/// Options of `wirecopy submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Files or directories to submit.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Source (outlet) for articles that do not name one.
    #[arg(long)]
    source: Option<String>,
    /// Print no progress (the summary is still printed).
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    client: ClientArgs,
}

/// Inputs read ahead of the server's answers.
const READ_AHEAD: usize = 256;

/// An article sent and not yet answered.
struct InFlight {
    bytes: u64,
    kind: InputKind,
}

/// What the run did, for the summary.
#[derive(Default)]
struct Tally {
    by_kind: BTreeMap<InputKind, u64>,
    by_verdict: BTreeMap<&'static str, u64>,
    facts_created: u64,
    facts_corroborated: u64,
    /// (id or place, message), in the order they happened.
    errors: Vec<(String, String)>,
}

/// Streams the inputs through SubmitStream.
pub async fn submit(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let files = input_files(&args.paths)?;
    let total_bytes: u64 = files.iter().map(|(_, size)| size).sum();
    let mut client = connect(&args.client).await?;
    let started = Instant::now();
    let progress = Progress::new(total_bytes, args.quiet);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let in_flight = Arc::new(Mutex::new(VecDeque::<InFlight>::new()));

    let (inputs, received) = mpsc::channel::<Input>(READ_AHEAD);
    let source = args.source.clone();
    let reader = tokio::task::spawn_blocking(move || {
        for (path, _) in files {
            let mut open = true;
            let read = read_file(&path, source.as_deref(), &mut |input| {
                open = inputs.blocking_send(input).is_ok();
                open
            });
            if let Err(error) = read {
                let unreadable = Input::Unreadable {
                    place: path.display().to_string(),
                    message: format!("{error:#}"),
                };
                open = inputs.blocking_send(unreadable).is_ok();
            }
            if !open {
                break;
            }
        }
    });

    let requests = {
        let tally = Arc::clone(&tally);
        let in_flight = Arc::clone(&in_flight);
        let progress = progress.clone();
        ReceiverStream::new(received).filter_map(move |input| match input {
            Input::Article {
                article,
                bytes,
                kind,
            } => {
                lock(&in_flight).push_back(InFlight { bytes, kind });
                Some(pb::SubmitRequest {
                    article: Some(*article),
                })
            }
            Input::Unreadable { place, message } => {
                progress.println(&format!("{place}\tUNREADABLE: {message}"));
                lock(&tally).errors.push((place, message));
                None
            }
        })
    };
    let mut responses = client
        .submit_stream(requests)
        .await
        .map_err(status_error)?
        .into_inner();
    let mut stream_error = None;
    loop {
        let response = match responses.message().await {
            Ok(Some(response)) => response,
            Ok(None) => break,
            Err(status) => {
                stream_error = Some(status_error(status));
                break;
            }
        };
        let sent = lock(&in_flight).pop_front();
        let line = if args.client.json {
            output::submit_json(&response).to_string()
        } else {
            output::submit_line(&response)
        };
        progress.println(&line);
        let mut tally = lock(&tally);
        if let Some(sent) = sent {
            *tally.by_kind.entry(sent.kind).or_default() += 1;
            progress.advance(sent.bytes);
        }
        if let Some(error) = &response.error {
            let code = tonic::Code::from_i32(error.code);
            tally.errors.push((
                response.article_id.clone(),
                format!("{code:?}: {}", error.message),
            ));
            *tally.by_verdict.entry("ERROR").or_default() += 1;
        } else {
            *tally
                .by_verdict
                .entry(output::verdict_name(response.verdict))
                .or_default() += 1;
            tally.facts_created += u64::from(response.facts_created);
            tally.facts_corroborated += u64::from(response.facts_corroborated);
        }
    }
    drop(responses);
    // The reader stops on its own once the request stream is dropped.
    let _ = reader.await;
    progress.finish();
    let tally = lock(&tally);
    eprint!("{}", summary(&tally, started.elapsed()));
    if let Some(error) = stream_error {
        return Err(error);
    }
    Ok(if tally.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Locks a mutex even if a holder panicked: the tallies stay usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Most errors listed one by one in the summary.
const ERRORS_LISTED: usize = 20;

/// The summary table.
fn summary(tally: &Tally, elapsed: Duration) -> String {
    use std::fmt::Write as _;
    let articles: u64 = tally.by_verdict.values().sum();
    let rate = articles as f64 / elapsed.as_secs_f64().max(1e-3);
    let mut out = String::from("\nsummary\n");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<26}{value:>12}");
    };
    for (kind, count) in &tally.by_kind {
        row(&format!("read as {}", kind.name()), count.to_string());
    }
    for verdict in [
        "ORIGINAL",
        "PARTIAL_COPY",
        "WIRE_COPY",
        "RESUBMITTED",
        "ERROR",
    ] {
        row(
            verdict,
            tally
                .by_verdict
                .get(verdict)
                .copied()
                .unwrap_or(0)
                .to_string(),
        );
    }
    let unreadable =
        tally.errors.len() as u64 - tally.by_verdict.get("ERROR").copied().unwrap_or(0);
    row("UNREADABLE (not sent)", unreadable.to_string());
    row("facts created", tally.facts_created.to_string());
    row("facts corroborated", tally.facts_corroborated.to_string());
    row("seconds", format!("{:.1}", elapsed.as_secs_f64()));
    row("articles/s", format!("{rate:.1}"));
    if !tally.errors.is_empty() {
        let _ = writeln!(out, "errors ({}):", tally.errors.len());
        for (id, message) in tally.errors.iter().take(ERRORS_LISTED) {
            let _ = writeln!(out, "  {id}\t{message}");
        }
        if tally.errors.len() > ERRORS_LISTED {
            let _ = writeln!(out, "  ... and {} more", tally.errors.len() - ERRORS_LISTED);
        }
    }
    out
}

/// Progress on stderr: a bar with rate and ETA on a terminal, a plain line
/// every few seconds otherwise (logs, CI), nothing with `--quiet`.
#[derive(Clone)]
struct Progress {
    bar: Option<ProgressBar>,
    /// Articles answered, for the bar's message (the bar counts bytes).
    articles: Arc<AtomicU64>,
    plain: Option<Arc<Mutex<PlainProgress>>>,
}

struct PlainProgress {
    total_bytes: u64,
    done_bytes: u64,
    articles: u64,
    started: Instant,
    last_line: Instant,
}

/// How often plain progress lines are printed.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    fn new(total_bytes: u64, quiet: bool) -> Progress {
        if quiet {
            return Progress {
                bar: None,
                articles: Arc::default(),
                plain: None,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total_bytes);
            let style = ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} {msg} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
            bar.enable_steady_tick(Duration::from_millis(200));
            return Progress {
                bar: Some(bar),
                articles: Arc::default(),
                plain: None,
            };
        }
        let now = Instant::now();
        Progress {
            bar: None,
            articles: Arc::default(),
            plain: Some(Arc::new(Mutex::new(PlainProgress {
                total_bytes,
                done_bytes: 0,
                articles: 0,
                started: now,
                last_line: now,
            }))),
        }
    }

    /// Prints a result line on stdout without tearing the bar.
    fn println(&self, line: &str) {
        let print = || {
            if let Err(error) = output::emit(line) {
                // A closed pipe (`| head`) ends the output, not the run.
                if error.kind() != std::io::ErrorKind::BrokenPipe {
                    eprintln!("cannot write output: {error}");
                }
            }
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Records one more answered article of `bytes` input bytes.
    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
            let articles = self.articles.fetch_add(1, Ordering::Relaxed) + 1;
            let elapsed = bar.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{articles} articles, {:.0}/s",
                articles as f64 / elapsed
            ));
        }
        if let Some(plain) = &self.plain {
            let mut plain = lock(plain);
            plain.done_bytes += bytes;
            plain.articles += 1;
            if plain.last_line.elapsed() >= PLAIN_EVERY {
                plain.last_line = Instant::now();
                eprintln!("{}", plain.line());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl PlainProgress {
    fn line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.articles as f64 / elapsed;
        let byte_rate = self.done_bytes as f64 / elapsed;
        let left = self.total_bytes.saturating_sub(self.done_bytes) as f64;
        let eta = if byte_rate > 0.0 {
            format!("{:.0} s", left / byte_rate)
        } else {
            "unknown".to_owned()
        };
        format!(
            "progress: {} articles, {:.1} of {:.1} MB, {rate:.0} articles/s, ETA {eta}",
            self.articles,
            self.done_bytes as f64 / 1e6,
            self.total_bytes as f64 / 1e6,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_every_outcome() {
        let mut tally = Tally::default();
        tally.by_kind.insert(InputKind::Text, 3);
        tally.by_verdict.insert("ORIGINAL", 2);
        tally.by_verdict.insert("ERROR", 1);
        tally.facts_created = 7;
        tally
            .errors
            .push(("a".into(), "INVALID_ARGUMENT: x".into()));
        tally.errors.push(("f.jsonl:3".into(), "not JSON".into()));
        let text = summary(&tally, Duration::from_secs(2));
        let row = |name: &str| {
            text.lines()
                .find(|line| line.trim_start().starts_with(name))
                .and_then(|line| line.split_whitespace().last())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(row("read as plain text"), "3", "{text}");
        assert_eq!(row("WIRE_COPY"), "0", "{text}");
        assert_eq!(row("ERROR"), "1", "{text}");
        assert_eq!(row("UNREADABLE"), "1", "{text}");
        assert_eq!(row("facts created"), "7", "{text}");
        assert_eq!(row("articles/s"), "1.5", "{text}");
        assert!(text.contains("f.jsonl:3\tnot JSON"), "{text}");
    }

    #[test]
    fn plain_progress_has_rate_and_eta() {
        let progress = PlainProgress {
            total_bytes: 2_000_000,
            done_bytes: 1_000_000,
            articles: 10,
            started: Instant::now() - Duration::from_secs(10),
            last_line: Instant::now(),
        };
        let line = progress.line();
        assert!(
            line.contains("10 articles, 1.0 of 2.0 MB, 1 articles/s, ETA 10 s"),
            "{line}"
        );
    }
}
