//! Prometheus metrics: every series wirecopy exports is named and described
//! here, and [`serve_metrics`] answers `GET /metrics` on its own HTTP port
//! (`--metrics-listen`).
//!
//! Counters and histograms are recorded where things happen (see
//! [`crate::api::observe`]) through the `metrics` facade; gauges that
//! describe state (store size, subscriber lag, stream head) are read fresh
//! on each scrape, so they cost nothing between scrapes.

use std::{path::PathBuf, sync::Arc};

use axum::{http, response::IntoResponse};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::{api::observe::SubscriberPositions, engine::Engine};

/// The exported series.
pub mod names {
    /// Counter, labels `rpc` (`package.Service/Method`, or `other`) and
    /// `code` (gRPC status, e.g. `Ok`, `InvalidArgument`): calls that
    /// ended, by the status they ended with (`Cancelled` when the client
    /// went away first).
    pub const RPC_REQUESTS: &str = "wirecopy_rpc_requests_total";
    /// Histogram, label `rpc`: seconds from the call's arrival until its
    /// status was sent (for streams, the whole stream).
    pub const RPC_SECONDS: &str = "wirecopy_rpc_duration_seconds";
    /// Gauge, label `rpc`: calls started and not yet ended (open streams
    /// included).
    pub const RPC_IN_FLIGHT: &str = "wirecopy_rpc_in_flight";
    /// Counter, label `verdict`: submitted articles by verdict.
    pub const ARTICLES: &str = "wirecopy_articles_total";
    /// Counter, label `kind`: paragraphs of stored articles by match kind.
    pub const PARAGRAPHS: &str = "wirecopy_paragraphs_total";
    /// Counter: facts seen for the first time.
    pub const FACTS_CREATED: &str = "wirecopy_facts_created_total";
    /// Counter: facts seen again in another article.
    pub const FACTS_CORROBORATED: &str = "wirecopy_facts_corroborated_total";
    /// Gauge: open fact subscriptions.
    pub const SUBSCRIBERS: &str = "wirecopy_subscribers";
    /// Gauge: events the slowest subscriber has yet to take.
    pub const SUBSCRIBER_LAG_MAX: &str = "wirecopy_subscriber_lag_max_events";
    /// Gauge: events all subscribers together have yet to take.
    pub const SUBSCRIBER_LAG_TOTAL: &str = "wirecopy_subscriber_lag_events";
    /// Gauge: sequence of the newest fact event.
    pub const FACT_HEAD: &str = "wirecopy_fact_stream_head";
    /// Gauge: articles stored.
    pub const STORED_ARTICLES: &str = "wirecopy_stored_articles";
    /// Counter: group commits that stored articles since the server
    /// started; articles stored over it is the mean group size.
    pub const COMMIT_GROUPS: &str = "wirecopy_commit_groups_total";
    /// Counter, label `at`: analyses of stored articles by where they were
    /// made: `parallel` (on the prepare threads, and still valid at admit)
    /// or `admit` (made again by the writer: something it read changed).
    pub const ANALYSES: &str = "wirecopy_analyses_total";
    /// Gauge: bytes the data directory takes on disk.
    pub const STORE_BYTES: &str = "wirecopy_store_bytes";
}

/// Duration buckets, in seconds: from sub-millisecond reads to submits
/// waiting behind a full queue, and streams open for minutes to an hour.
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 300.0, 3600.0,
];

/// Installs the process-wide recorder and describes every series. Call
/// once, before serving.
pub fn install_recorder() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(names::RPC_SECONDS.to_owned()),
            SECONDS_BUCKETS,
        )?
        .install_recorder()?;
    describe();
    crate::api::observe::start_counters_at_zero();
    Ok(handle)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        names::RPC_REQUESTS,
        "gRPC calls ended, by RPC and final status code"
    );
    describe_histogram!(
        names::RPC_SECONDS,
        Unit::Seconds,
        "gRPC call duration until the status was sent, by RPC"
    );
    describe_gauge!(
        names::RPC_IN_FLIGHT,
        "gRPC calls in progress, open streams included, by RPC"
    );
    describe_counter!(names::ARTICLES, "Submitted articles by verdict");
    describe_counter!(
        names::PARAGRAPHS,
        "Paragraphs of stored articles by match kind"
    );
    describe_counter!(names::FACTS_CREATED, "Facts seen for the first time");
    describe_counter!(
        names::FACTS_CORROBORATED,
        "Facts seen again in another article"
    );
    describe_counter!(
        names::COMMIT_GROUPS,
        "Group commits that stored articles; stored articles over it is the mean group size"
    );
    describe_counter!(
        names::ANALYSES,
        "Analyses of submitted articles by where they were made: parallel (kept at admit) or admit (made again)"
    );
    describe_gauge!(names::SUBSCRIBERS, "Open fact subscriptions");
    describe_gauge!(
        names::SUBSCRIBER_LAG_MAX,
        "Events the slowest subscriber has not taken yet"
    );
    describe_gauge!(
        names::SUBSCRIBER_LAG_TOTAL,
        "Events all subscribers have not taken yet"
    );
    describe_gauge!(names::FACT_HEAD, "Sequence of the newest fact event");
    describe_gauge!(names::STORED_ARTICLES, "Articles stored");
    describe_gauge!(
        names::STORE_BYTES,
        Unit::Bytes,
        "Bytes the data directory takes on disk"
    );
}

/// What a scrape reads.
pub struct MetricsSources {
    /// The installed recorder's handle.
    pub handle: PrometheusHandle,
    /// The engine, for the stream head and stored articles.
    pub engine: Arc<Engine>,
    /// Open subscriptions' positions.
    pub subscribers: Arc<SubscriberPositions>,
    /// The store's directory, measured on disk (none for a store in
    /// memory).
    pub data_dir: Option<PathBuf>,
}

impl MetricsSources {
    /// Updates the state gauges and renders the text exposition format.
    fn render(&self) -> String {
        let head = self.engine.fact_head();
        let positions = self.subscribers.positions();
        let lags = positions
            .iter()
            .map(|&position| head.saturating_sub(position));
        metrics::gauge!(names::SUBSCRIBERS).set(positions.len() as f64);
        metrics::gauge!(names::SUBSCRIBER_LAG_MAX).set(lags.clone().max().unwrap_or(0) as f64);
        metrics::gauge!(names::SUBSCRIBER_LAG_TOTAL).set(lags.sum::<u64>() as f64);
        metrics::gauge!(names::FACT_HEAD).set(head as f64);
        metrics::counter!(names::COMMIT_GROUPS).absolute(self.engine.commit_groups());
        let analyses = self.engine.analyses();
        metrics::counter!(names::ANALYSES, "at" => "parallel").absolute(analyses.parallel);
        metrics::counter!(names::ANALYSES, "at" => "admit").absolute(analyses.at_admit);
        if let Ok(stored) = self.engine.last_sequence() {
            metrics::gauge!(names::STORED_ARTICLES).set(stored as f64);
        }
        if let Some(dir) = &self.data_dir {
            metrics::gauge!(names::STORE_BYTES).set(directory_bytes(dir) as f64);
        }
        self.handle.run_upkeep();
        self.handle.render()
    }
}

/// Sum of the sizes of the files under `dir` (unreadable entries count 0).
fn directory_bytes(dir: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|entry| entry.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|metadata| metadata.len())
        .sum()
}

/// Serves `GET /metrics` on `listener` (until the task is dropped).
pub async fn serve_metrics(listener: TcpListener, sources: MetricsSources) -> std::io::Result<()> {
    let sources = Arc::new(sources);
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let sources = Arc::clone(&sources);
            async move {
                // Walking the data directory and reading the store block.
                match tokio::task::spawn_blocking(move || sources.render()).await {
                    Ok(text) => (
                        [(
                            http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8",
                        )],
                        text,
                    )
                        .into_response(),
                    Err(error) => (
                        http::StatusCode::INTERNAL_SERVER_ERROR,
                        format!("metrics failed: {error}"),
                    )
                        .into_response(),
                }
            }
        }),
    );
    axum::serve(listener, app).await
}
