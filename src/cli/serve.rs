//! `wirecopy serve`: options, logging, signals.

use std::{io::IsTerminal, net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc};

use anyhow::Context;
use clap::Args;

use crate::{
    api::auth::Tokens,
    article::Limits,
    engine::{EngineConfig, Retention},
    matching::MatchConfig,
    metrics::{serve_metrics, MetricsSources},
    server::{open_engine, serve, ServeOptions, TlsFiles},
    store::StoreConfig,
    text::TextConfig,
};

/// Options of `wirecopy serve`. Each can also be set with the environment
/// variable named in `--help`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML file of options, with the names of the flags (`listen =
    /// "0.0.0.0:50051"`, `max-subscribers = 64`, `fsync = true`). Flags and
    /// environment variables override it. None by default.
    #[arg(long, env = "WIRECOPY_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "WIRECOPY_LISTEN", default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    /// Where the archive is kept: `sled` in --data-dir (durable), or
    /// `memory` (gone when the server stops; for tests and trials).
    #[arg(long, env = "WIRECOPY_STORE", value_enum, default_value_t = Backend::Sled)]
    store: Backend,
    /// Directory of the sled store (created if missing).
    #[arg(long, env = "WIRECOPY_DATA_DIR", default_value = "./wirecopy-data")]
    data_dir: PathBuf,
    /// copy_ratio at or above which an article is a WIRE_COPY.
    #[arg(long, env = "WIRECOPY_WIRE_COPY_THRESHOLD", default_value_t = 0.5, value_parser = ratio)]
    wire_copy_threshold: f64,
    /// Shingle overlap at or above which a paragraph is a NEAR copy.
    #[arg(long, env = "WIRECOPY_NEAR_SIMILARITY", default_value_t = 0.6, value_parser = ratio)]
    near_similarity: f64,
    /// Paragraphs with fewer words are SKIPPED (not evidence).
    #[arg(long, env = "WIRECOPY_MIN_PARAGRAPH_WORDS", default_value_t = 8)]
    min_paragraph_words: usize,
    /// A paragraph found in this many articles is boilerplate (SKIPPED).
    #[arg(long, env = "WIRECOPY_BOILERPLATE_ARTICLES", default_value_t = 100)]
    boilerplate_articles: u64,
    /// Largest article body accepted, in bytes.
    #[arg(long, env = "WIRECOPY_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Most paragraphs accepted in one body.
    #[arg(long, env = "WIRECOPY_MAX_PARAGRAPHS", default_value_t = 10_000)]
    max_paragraphs: usize,
    /// Largest gRPC message, in bytes; larger requests get OUT_OF_RANGE.
    #[arg(long, env = "WIRECOPY_MAX_MESSAGE_BYTES", default_value_t = 4 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Fact events kept in memory for live subscribers (shared by all).
    #[arg(long, env = "WIRECOPY_LIVE_BUFFER_EVENTS", default_value_t = 32_768)]
    live_buffer_events: usize,
    /// Articles whose paragraphs are matched: the most recent ones, between
    /// half this many and this many (see README, "Match window"). A copy of
    /// an older article is not detected; memory grows with this, not with
    /// the archive.
    #[arg(long, env = "WIRECOPY_MATCH_WINDOW", default_value_t = EngineConfig::default().match_window, value_parser = clap::value_parser!(u64).range(2..))]
    match_window: u64,
    /// Delete articles published more than this many days ago (those
    /// without a publication date: stored that long ago), checked at
    /// start-up and every ten minutes. Off by default: nothing is deleted.
    #[arg(long, env = "WIRECOPY_RETAIN_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    retain_days: Option<u32>,
    /// sled page cache, in MiB (sled uses some memory beyond it).
    #[arg(long, env = "WIRECOPY_CACHE_MIB", default_value_t = 64)]
    cache_mib: u64,
    /// After every group commit, also `syncfs` the data directory's
    /// filesystem, so acknowledged writes survive power loss and not only a
    /// crash of the process (costs a device flush per group commit). Off by
    /// default; the environment variable takes `true` or `false`.
    #[arg(long, env = "WIRECOPY_FSYNC")]
    fsync: bool,
    /// Seconds a filtered fact stream stays silent before a heartbeat.
    #[arg(long, env = "WIRECOPY_HEARTBEAT_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    heartbeat_seconds: u64,
    /// Articles waiting for analysis at once; more get RESOURCE_EXHAUSTED.
    #[arg(long, env = "WIRECOPY_ANALYSIS_QUEUE", default_value_t = 512)]
    analysis_queue: usize,
    /// Fact subscriptions open at once; more get RESOURCE_EXHAUSTED.
    #[arg(long, env = "WIRECOPY_MAX_SUBSCRIBERS", default_value_t = 1024)]
    max_subscribers: usize,
    /// Concurrent RPCs (HTTP/2 streams) on one client connection.
    #[arg(
        long,
        env = "WIRECOPY_MAX_STREAMS_PER_CONNECTION",
        default_value_t = 256
    )]
    max_streams_per_connection: u32,
    /// Seconds a unary RPC may take before it fails with CANCELLED
    /// (streams are not cut; clients may ask for less with grpc-timeout).
    #[arg(long, env = "WIRECOPY_REQUEST_TIMEOUT_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_seconds: u64,
    /// Bearer tokens and their scopes, one `TOKEN submit,read,subscribe`
    /// per line (`#` comments). None by default: every RPC is open, and the
    /// server only listens on loopback unless --insecure.
    #[arg(long, env = "WIRECOPY_TOKENS")]
    tokens: Option<PathBuf>,
    /// Serve TLS with this certificate chain (PEM); needs --tls-key.
    /// Plaintext by default.
    #[arg(long, env = "WIRECOPY_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "WIRECOPY_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM); needs TLS.
    /// By default no client certificate is asked for.
    #[arg(long, env = "WIRECOPY_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Listen on a non-loopback address without --tokens: anyone who can
    /// reach the port may submit and read. Off by default; the environment
    /// variable takes `true` or `false`.
    #[arg(long, env = "WIRECOPY_INSECURE")]
    insecure: bool,
    /// Serve Prometheus metrics at http://ADDR/metrics (off by default).
    #[arg(long, env = "WIRECOPY_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Log lines as `text` or `json` (one object per line); levels and
    /// targets from RUST_LOG (default `info`).
    #[arg(long, env = "WIRECOPY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// The storage backends `--store` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    /// The embedded sled store in --data-dir.
    Sled,
    /// Everything in memory, gone when the server stops.
    Memory,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines (coloured on a terminal).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logs to stderr in `format`, filtered by RUST_LOG (default `info`).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.json().init(),
    }
}

fn ratio(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be between 0 and 1, got {value}"))
    }
}

impl ServeArgs {
    /// The transport settings: limits, tokens and TLS files, read now so
    /// that a bad file stops the server before it opens the store.
    fn serve_options(&self) -> anyhow::Result<ServeOptions> {
        let tokens = match &self.tokens {
            Some(path) => Some(Arc::new(Tokens::load(path)?)),
            None if self.listen.ip().is_loopback() || self.insecure => None,
            None => anyhow::bail!(
                "refusing to listen on {} without --tokens: anyone who can reach it could \
                 submit and read. Pass --tokens FILE, or --insecure to accept that.",
                self.listen
            ),
        };
        let read = |path: &PathBuf| {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        };
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(certificate), Some(key)) => Some(TlsFiles {
                certificate: read(certificate)?,
                key: read(key)?,
                client_ca: self.tls_client_ca.as_ref().map(read).transpose()?,
            }),
            _ => None,
        };
        Ok(ServeOptions {
            max_message_bytes: self.max_message_bytes,
            heartbeat: std::time::Duration::from_secs(self.heartbeat_seconds),
            max_streams_per_connection: self.max_streams_per_connection,
            request_timeout: std::time::Duration::from_secs(self.request_timeout_seconds),
            tokens,
            tls,
            subscribers: Arc::default(),
        })
    }

    fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            text: TextConfig {
                min_words: self.min_paragraph_words,
                ..TextConfig::default()
            },
            matching: MatchConfig {
                near_similarity: self.near_similarity,
                boilerplate_articles: self.boilerplate_articles.max(1),
                wire_copy_threshold: self.wire_copy_threshold,
                ..MatchConfig::default()
            },
            limits: Limits {
                max_body_bytes: self.max_body_bytes,
                max_paragraphs: self.max_paragraphs,
                ..Limits::default()
            },
            live_buffer: self.live_buffer_events.max(1),
            match_window: self.match_window,
            max_subscribers: self.max_subscribers,
            analysis_queue: self.analysis_queue.max(1),
            retention: self.retain_days.map(Retention::days),
            ..EngineConfig::default()
        }
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format);
    let options = args.serve_options()?;
    let config = args.engine_config();
    let store = match args.store {
        Backend::Sled => StoreConfig::Sled {
            dir: args.data_dir.clone(),
            cache_bytes: args.cache_mib.saturating_mul(1024 * 1024),
            sync_filesystem: args.fsync,
        },
        Backend::Memory => StoreConfig::Memory,
    };
    let data_dir = store.is_durable().then(|| args.data_dir.clone());
    let engine = tokio::task::spawn_blocking(move || open_engine(&store, config))
        .await
        .context("opening the store failed")?
        .with_context(|| match args.store {
            Backend::Sled => format!("cannot open the store in {}", args.data_dir.display()),
            Backend::Memory => "cannot open the store in memory".to_owned(),
        })?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let engine = Arc::new(engine);
    let metrics = match args.metrics_listen {
        Some(address) => {
            let handle =
                crate::metrics::install_recorder().context("cannot start the metrics recorder")?;
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen for metrics on {address}"))?;
            let bound = listener.local_addr()?;
            let sources = MetricsSources {
                handle,
                engine: Arc::clone(&engine),
                subscribers: Arc::clone(&options.subscribers),
                data_dir: data_dir.clone(),
            };
            let task = tokio::spawn(async move {
                if let Err(error) = serve_metrics(listener, sources).await {
                    tracing::error!(%error, "the metrics endpoint stopped");
                }
            });
            Some((bound, task))
        }
        None => None,
    };
    tracing::info!(
        listen = %listener.local_addr()?,
        metrics = %metrics.as_ref().map_or_else(|| "off".to_owned(), |(bound, _)| bound.to_string()),
        store = ?args.store,
        data_dir = %data_dir.as_ref().map_or_else(|| "none (in memory)".into(), |dir| dir.display().to_string()),
        tls = options.tls.is_some(),
        tokens = options.tokens.is_some(),
        "wirecopy serving"
    );
    let served = serve(listener, engine, options, shutdown_signal()).await;
    if let Some((_, task)) = metrics {
        task.abort();
    }
    served?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on the first SIGINT or SIGTERM; a second one exits at once.
async fn shutdown_signal() {
    wait_for_signal().await;
    tokio::spawn(async {
        wait_for_signal().await;
        eprintln!("second signal: exiting without draining");
        std::process::exit(130);
    });
}

async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
