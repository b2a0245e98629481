//! The client subcommands `get`, `dupes`, `facts`, `subscribe` and
//! `delete` (`submit` has its own module).

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Args;
use tonic::{
    metadata::{Ascii, MetadataValue},
    service::{interceptor::InterceptedService, Interceptor},
    transport::{Certificate, Channel, ClientTlsConfig},
};

use super::{output, passages};
use crate::api::pb::{
    self, article_service_client::ArticleServiceClient, fact_service_client::FactServiceClient,
};

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
    pub(super) json: bool,
    /// Bearer token, for a server started with --tokens.
    #[arg(long, env = "WIRECOPY_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// CA certificate (PEM) to trust for an https:// server.
    #[arg(long, env = "WIRECOPY_CA_CERT")]
    ca_cert: Option<PathBuf>,
}

/// A connection that sends the bearer token, if any, with every call.
pub(super) type Connection = InterceptedService<Channel, BearerToken>;

/// Adds `authorization: Bearer …` to each request.
#[derive(Clone)]
pub(super) struct BearerToken(Option<MetadataValue<Ascii>>);

impl Interceptor for BearerToken {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// Options of `wirecopy get` and `wirecopy dupes`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The article's id.
    id: String,
    #[command(flatten)]
    client: ClientArgs,
}

async fn channel(args: &ClientArgs) -> anyhow::Result<Connection> {
    let mut endpoint = Channel::from_shared(args.server.clone())
        .with_context(|| format!("{} is not a valid server URL", args.server))?;
    if args.server.starts_with("https://") {
        let mut tls = ClientTlsConfig::new();
        if let Some(path) = &args.ca_cert {
            let pem =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            tls = tls.ca_certificate(Certificate::from_pem(pem));
        }
        endpoint = endpoint.tls_config(tls).context("invalid TLS settings")?;
    }
    let token = match &args.token {
        Some(token) => Some(
            format!("Bearer {token}")
                .parse()
                .context("the token must be printable ASCII")?,
        ),
        None => None,
    };
    let channel = endpoint
        .connect()
        .await
        .with_context(|| format!("cannot connect to {}", args.server))?;
    Ok(InterceptedService::new(channel, BearerToken(token)))
}

pub(super) async fn connect(args: &ClientArgs) -> anyhow::Result<ArticleServiceClient<Connection>> {
    Ok(ArticleServiceClient::new(channel(args).await?).max_decoding_message_size(64 * 1024 * 1024))
}

/// Options of `wirecopy subscribe`.
#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// Resume after this event sequence (0: from the beginning).
    #[arg(long, default_value_t = 0, conflicts_with = "from_now")]
    after: u64,
    /// Only events from now on.
    #[arg(long)]
    from_now: bool,
    /// Only these kinds (quote, entity, time, quantity); repeatable.
    #[arg(long = "kind", value_parser = ["quote", "entity", "time", "quantity"])]
    kinds: Vec<String>,
    /// Only facts from articles of this source; repeatable.
    #[arg(long = "source")]
    sources: Vec<String>,
    /// Only entities and quote speakers with this name ("Lavrov").
    #[arg(long)]
    entity: Option<String>,
    /// Show corroborations too, not only new facts.
    #[arg(long)]
    corroborations: bool,
    /// Show heartbeats (JSON Lines always includes them).
    #[arg(long)]
    heartbeats: bool,
    #[command(flatten)]
    client: ClientArgs,
}

/// Prints fact events as they arrive, until interrupted or the server
/// stops.
pub async fn subscribe(args: SubscribeArgs) -> anyhow::Result<ExitCode> {
    let mut client = FactServiceClient::new(channel(&args.client).await?);
    let kinds = args
        .kinds
        .iter()
        .map(|kind| match kind.as_str() {
            "quote" => pb::FactKind::Quote,
            "entity" => pb::FactKind::Entity,
            "time" => pb::FactKind::Time,
            _ => pb::FactKind::Quantity,
        } as i32)
        .collect();
    let request = pb::SubscribeRequest {
        after_sequence: args.after,
        from_now: args.from_now,
        kinds,
        sources: args.sources,
        entity: args.entity.unwrap_or_default(),
        include_corroborations: args.corroborations,
    };
    let mut events = client
        .subscribe(request)
        .await
        .map_err(status_error)?
        .into_inner();
    while let Some(event) = events.message().await.map_err(status_error)? {
        if args.client.json {
            output::emit(output::fact_event_json(&event))?;
        } else if event.kind != pb::fact_event::Kind::Heartbeat as i32 || args.heartbeats {
            output::emit(output::fact_event_line(&event))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the facts of one article.
pub async fn facts(args: GetArgs) -> anyhow::Result<ExitCode> {
    let mut client = FactServiceClient::new(channel(&args.client).await?);
    let response = client
        .list_facts(pb::ListFactsRequest {
            article_id: args.id,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    for (fact, corroborated) in response.facts.iter().zip(&response.corroborated) {
        if args.client.json {
            output::emit(output::fact_json(fact, *corroborated))?;
        } else {
            let note = if *corroborated {
                "  (corroborates)"
            } else {
                ""
            };
            output::emit(format_args!("{}{note}", output::fact_line(fact)))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{:?}: {}", status.code(), status.message())
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
        output::emit(output::article_json(&response))?;
    } else {
        let copied = copied_passages(&mut client, &response).await;
        output::emit(output::article_text(&response, &copied).trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The copied passages of a stored article beside their sources.
async fn copied_passages(
    client: &mut ArticleServiceClient<Connection>,
    stored: &pb::GetArticleResponse,
) -> String {
    let (Some(article), Some(analysis)) = (&stored.article, &stored.analysis) else {
        return String::new();
    };
    let sources = passages::source_bodies(client, analysis).await;
    passages::side_by_side(&article.body, analysis, &sources)
}

/// Options of `wirecopy delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The ids of the articles to delete.
    #[arg(required = true)]
    ids: Vec<String>,
    #[command(flatten)]
    client: ClientArgs,
}

/// Deletes articles one by one, printing what each deletion did. Goes on
/// past an id that fails (unknown, say) and exits with failure if any did.
pub async fn delete(args: DeleteArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.client).await?;
    let mut failed = false;
    for id in args.ids {
        match client
            .delete_article(pb::DeleteArticleRequest { id: id.clone() })
            .await
        {
            Ok(response) => {
                let deleted = response.into_inner();
                if args.client.json {
                    output::emit(output::deleted_json(&deleted))?;
                } else {
                    output::emit(output::deleted_line(&deleted))?;
                }
            }
            Err(status) => {
                failed = true;
                eprintln!("{id}: {}", status_error(status));
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints the articles related to one article.
pub async fn dupes(args: GetArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.client).await?;
    let response = client
        .get_duplicates(pb::GetDuplicatesRequest {
            id: args.id.clone(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if args.client.json {
        output::emit(output::duplicates_json(&response))?;
    } else {
        let mut text = output::duplicates_text(&response);
        let stored = client
            .get_article(pb::GetArticleRequest { id: args.id })
            .await
            .map_err(status_error)?
            .into_inner();
        let copied = copied_passages(&mut client, &stored).await;
        if !copied.is_empty() {
            text.push_str("\ncopied passages, beside their sources:\n");
            text.push_str(&copied);
        }
        output::emit(text.trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}
