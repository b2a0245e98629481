//! Assembles and runs the gRPC server: wirecopy's service, health,
//! reflection, compression, message limits, TLS, bearer tokens and
//! graceful shutdown.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::net::TcpListener;
use tonic::{
    codec::CompressionEncoding,
    transport::{server::TcpIncoming, Certificate, Identity, ServerTlsConfig},
};
use tonic_health::ServingStatus;

use crate::{
    api::{
        auth::{AuthLayer, Tokens},
        fact_stream::server::fact_service_server::FactServiceServer,
        observe::{RpcMetricsLayer, SubscriberPositions},
        pb::article_service_server::ArticleServiceServer,
        ArticleApi, FactApi, FILE_DESCRIPTOR_SET,
    },
    engine::{Engine, EngineConfig},
    error::Error,
    store::StoreConfig,
};

/// Transport settings.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Largest request or response message, in bytes. Larger requests are
    /// refused by tonic with OUT_OF_RANGE.
    pub max_message_bytes: usize,
    /// How long a filtered fact stream stays silent before a heartbeat.
    pub heartbeat: Duration,
    /// Concurrent RPCs on one client connection (HTTP/2 streams).
    pub max_streams_per_connection: u32,
    /// Longest a unary RPC may run before it is cancelled.
    pub request_timeout: Duration,
    /// Bearer tokens every wirecopy RPC must present (none: open).
    pub tokens: Option<Arc<Tokens>>,
    /// Serve TLS with this identity (none: plaintext).
    pub tls: Option<TlsFiles>,
    /// Where fact subscribers are, shared with the metrics endpoint.
    pub subscribers: Arc<SubscriberPositions>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_message_bytes: 4 * 1024 * 1024,
            heartbeat: Duration::from_secs(5),
            max_streams_per_connection: 256,
            request_timeout: Duration::from_secs(60),
            tokens: None,
            tls: None,
            subscribers: Arc::default(),
        }
    }
}

/// PEM contents for TLS.
#[derive(Clone)]
pub struct TlsFiles {
    /// The server's certificate chain.
    pub certificate: Vec<u8>,
    /// Its private key.
    pub key: Vec<u8>,
    /// When set, clients must present a certificate signed by this CA.
    pub client_ca: Option<Vec<u8>>,
}

// Key material stays out of logs and debug output.
impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("client_certificates_required", &self.client_ca.is_some())
            .finish_non_exhaustive()
    }
}

impl TlsFiles {
    fn server_config(&self) -> ServerTlsConfig {
        let config =
            ServerTlsConfig::new().identity(Identity::from_pem(&self.certificate, &self.key));
        match &self.client_ca {
            Some(ca) => config.client_ca_root(Certificate::from_pem(ca)),
            None => config,
        }
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Opening the store or the engine failed.
    #[error(transparent)]
    Engine(#[from] Error),
    /// The reflection service could not load the descriptors.
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("gRPC transport failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Applies what every service we serve shares (ours, health and
/// reflection): the message size limit and gzip and zstd compression both
/// ways. (The generated servers share these
/// methods but no trait, hence a macro.)
macro_rules! with_limits_and_compression {
    ($service:expr, $options:expr) => {
        $service
            .max_decoding_message_size($options.max_message_bytes)
            .max_encoding_message_size($options.max_message_bytes)
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd)
            .send_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Zstd)
    };
}

/// Opens the store `store` names and an engine over it.
pub fn open_engine(store: &StoreConfig, config: EngineConfig) -> Result<Engine, Error> {
    let started = std::time::Instant::now();
    let opened = crate::store::open(store)?;
    // With the window's own log line, what a slow start-up spent its time on.
    tracing::info!(
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "store opened"
    );
    Engine::open(opened, config, store.window_file())
}

/// Serves on `listener` until `shutdown` completes, then reports
/// NOT_SERVING, lets in-flight requests finish, and closes the engine
/// (which flushes the store).
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<ArticleServiceServer<ArticleApi>>()
        .await;

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    // grpcurl and many other tools still speak only v1alpha.
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let articles = with_limits_and_compression!(
        ArticleServiceServer::new(ArticleApi::new(Arc::clone(&engine))),
        options
    );

    let facts = with_limits_and_compression!(
        FactServiceServer::new(FactApi::new(
            Arc::clone(&engine),
            options.heartbeat,
            Arc::clone(&options.subscribers)
        )),
        options
    );
    health.set_serving::<FactServiceServer<FactApi>>().await;

    let streams = Arc::clone(&engine);
    let stopping = async move {
        shutdown.await;
        tracing::info!("shutting down: draining in-flight requests");
        // Fact streams never end on their own; end them so the drain can.
        streams.end_subscriptions();
        health
            .set_not_serving::<ArticleServiceServer<ArticleApi>>()
            .await;
        health.set_not_serving::<FactServiceServer<FactApi>>().await;
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
    };

    let mut builder = tonic::transport::Server::builder()
        .max_concurrent_streams(options.max_streams_per_connection)
        .timeout(options.request_timeout);
    if let Some(tls) = &options.tls {
        builder = builder.tls_config(tls.server_config())?;
    }
    builder
        // Outside the token check, so refused calls are counted too. tonic's
        // own timeout wraps every layer: a call it cuts off is dropped
        // mid-flight, which the metrics layer counts as Cancelled.
        .layer(RpcMetricsLayer::new(&[
            FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
        ]))
        .layer(AuthLayer::new(options.tokens.clone()))
        .add_service(with_limits_and_compression!(health_service, options))
        .add_service(with_limits_and_compression!(reflection_v1, options))
        .add_service(with_limits_and_compression!(reflection_v1alpha, options))
        .add_service(articles)
        .add_service(facts)
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), stopping)
        .await?;

    tokio::task::spawn_blocking(move || engine.close())
        .await
        .map_err(|e| Error::task_failed("close task", e))??;
    tracing::info!("stopped; store flushed");
    Ok(())
}
