//! The client subcommands: `submit`, `get`, `dupes`.

use std::{collections::BTreeMap, path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Args;
use tonic::transport::Channel;

use super::{input::read_articles, output};
use crate::api::pb::{self, article_service_client::ArticleServiceClient};

/// Where the server is and how to print.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Server URL.
    #[arg(
        long,
        env = "WIRECOPY_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    server: String,
    /// Print JSON (one object per line) instead of readable text.
    #[arg(long)]
    json: bool,
}

/// Options of `wirecopy submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Files to submit.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Source (outlet) for articles that do not name one.
    #[arg(long)]
    source: Option<String>,
    #[command(flatten)]
    client: ClientArgs,
}

/// Options of `wirecopy get` and `wirecopy dupes`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The article's id.
    id: String,
    #[command(flatten)]
    client: ClientArgs,
}

async fn connect(args: &ClientArgs) -> anyhow::Result<ArticleServiceClient<Channel>> {
    let client = ArticleServiceClient::connect(args.server.clone())
        .await
        .with_context(|| format!("cannot connect to {}", args.server))?;
    Ok(client.max_decoding_message_size(64 * 1024 * 1024))
}

fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{:?}: {}", status.code(), status.message())
}

/// Streams the files' articles through SubmitStream.
pub async fn submit(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let mut articles = Vec::new();
    for path in &args.files {
        articles.extend(read_articles(path, args.source.as_deref())?);
    }
    let mut client = connect(&args.client).await?;
    let requests = articles.into_iter().map(|article| pb::SubmitRequest {
        article: Some(article),
    });
    let mut responses = client
        .submit_stream(tokio_stream::iter(requests))
        .await
        .map_err(status_error)?
        .into_inner();
    let mut verdicts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut failures = 0;
    while let Some(response) = responses.message().await.map_err(status_error)? {
        if response.error.is_some() {
            failures += 1;
            *verdicts.entry("ERROR").or_default() += 1;
        } else {
            *verdicts
                .entry(output::verdict_name(response.verdict))
                .or_default() += 1;
        }
        if args.client.json {
            println!("{}", output::submit_json(&response));
        } else {
            println!("{}", output::submit_line(&response));
        }
    }
    if !args.client.json {
        let summary: Vec<String> = verdicts.iter().map(|(v, n)| format!("{v} {n}")).collect();
        eprintln!("submitted: {}", summary.join(", "));
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints one stored article.
pub async fn get(args: GetArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.client).await?;
    let response = client
        .get_article(pb::GetArticleRequest { id: args.id })
        .await
        .map_err(status_error)?
        .into_inner();
    if args.client.json {
        println!("{}", output::article_json(&response));
    } else {
        print!("{}", output::article_text(&response));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the articles related to one article.
pub async fn dupes(args: GetArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.client).await?;
    let response = client
        .get_duplicates(pb::GetDuplicatesRequest { id: args.id })
        .await
        .map_err(status_error)?
        .into_inner();
    if args.client.json {
        println!("{}", output::duplicates_json(&response));
    } else {
        print!("{}", output::duplicates_text(&response));
    }
    Ok(ExitCode::SUCCESS)
}
