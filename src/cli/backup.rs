//! `wirecopy export` and `wirecopy import`: a store as JSON Lines and back.
//!
//! An export is every stored article, in storage order, one JSON object per
//! line in the shape `wirecopy submit` reads. Importing it into an empty
//! server submits the articles again in that order, which rebuilds the
//! same analyses and the same fact stream: the way to back up, and to move
//! to a future store format. Both stream, so their memory does not grow
//! with the store.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, BufWriter, Write},
    path::PathBuf,
    process::ExitCode,
};

use anyhow::Context;
use clap::Args;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{
    client::{connect, status_error, ClientArgs},
    input::article_line,
    output,
};
use crate::api::pb;

/// Options of `wirecopy export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Start after the article with this sequence (resumes an export).
    #[arg(long, default_value_t = 0)]
    after: u64,
    #[command(flatten)]
    client: ClientArgs,
}

/// Options of `wirecopy import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// JSON Lines files written by `wirecopy export`, imported in order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    client: ClientArgs,
}

/// Writes every stored article as a JSON line.
pub async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.client).await?;
    let mut stream = client
        .export(pb::ExportRequest {
            after_sequence: args.after,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut exported = 0u64;
    let mut last = args.after;
    while let Some(stored) = stream.message().await.map_err(|status| {
        status_error(status).context(format!(
            "export stopped after sequence {last}; resume with --after {last}"
        ))
    })? {
        if let Some(article) = &stored.article {
            writeln!(out, "{}", output::article_fields(article))?;
        }
        last = stored.analysis.map_or(last, |a| a.sequence);
        exported += 1;
    }
    out.flush()?;
    eprintln!("exported {exported} articles (last sequence {last})");
    Ok(ExitCode::SUCCESS)
}

/// Submits the exported articles, in order, through one SubmitStream.
pub async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.client).await?;
    let (requests, queue) = mpsc::channel::<pb::SubmitRequest>(256);
    // Files are read on a blocking thread, a line at a time, as fast as the
    // server takes the articles.
    let files = args.files.clone();
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for path in files {
            let file = std::fs::File::open(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for (number, line) in BufReader::new(file).lines().enumerate() {
                let line = line.with_context(|| format!("cannot read {}", path.display()))?;
                let article = article_line(&line, number + 1)
                    .with_context(|| format!("in {}", path.display()))?;
                if let Some(article) = article {
                    let request = pb::SubmitRequest {
                        article: Some(article),
                    };
                    if requests.blocking_send(request).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    });
    let mut responses = client
        .submit_stream(ReceiverStream::new(queue))
        .await
        .map_err(status_error)?
        .into_inner();
    let mut verdicts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut failed = 0u64;
    while let Some(response) = responses.message().await.map_err(status_error)? {
        match &response.error {
            Some(error) => {
                failed += 1;
                eprintln!("{}: {}", response.article_id, error.message);
            }
            None => {
                *verdicts
                    .entry(output::verdict_name(response.verdict))
                    .or_default() += 1
            }
        }
    }
    reader.await.context("the reader thread failed")??;
    let summary: Vec<String> = verdicts.iter().map(|(v, n)| format!("{v} {n}")).collect();
    eprintln!("imported: {}; failed {failed}", summary.join(", "));
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
