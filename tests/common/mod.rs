//! Shared test harness: a real wirecopy server on a loopback port with a
//! temporary sled store, and a real gRPC client to it.

#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod metrics;
pub mod process;

use std::{net::SocketAddr, path::Path, sync::Arc};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;
use wirecopy::{
    api::pb::{
        self, article_service_client::ArticleServiceClient, fact_service_client::FactServiceClient,
    },
    engine::EngineConfig,
    server::{open_engine, serve, ServeError, ServeOptions},
    store::StoreConfig,
};

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub client: ArticleServiceClient<Channel>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

impl TestServer {
    /// Starts a server with default settings on `data_dir`.
    pub async fn start(data_dir: &Path) -> TestServer {
        TestServer::start_with(data_dir, EngineConfig::default(), ServeOptions::default()).await
    }

    /// Starts a server with the given settings on `data_dir`.
    pub async fn start_with(
        data_dir: &Path,
        config: EngineConfig,
        options: ServeOptions,
    ) -> TestServer {
        let engine = open_engine(&StoreConfig::sled(data_dir), config).expect("store opens");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port 0 binds");
        let addr = listener.local_addr().expect("bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, Arc::new(engine), options, async {
            let _ = stopped.await;
        }));
        let client = ArticleServiceClient::connect(format!("http://{addr}"))
            .await
            .expect("client connects");
        TestServer {
            addr,
            client,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A fresh channel to the server.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .expect("valid uri")
            .connect()
            .await
            .expect("channel connects")
    }

    /// Shuts the server down gracefully and waits until the store is closed.
    pub async fn stop(mut self) {
        drop(self.client);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task joins")
                .expect("server stops cleanly");
        }
    }
}

/// Reads a seed article from the repository's fixtures: (title, body).
pub fn seed(name: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("seed fixture is readable");
    if name.starts_with("003") {
        let (title, body) = text.split_once('\n').expect("seed has a title line");
        (title.trim().to_owned(), body.trim_start().to_owned())
    } else {
        (String::new(), text)
    }
}

pub const SEED_TALKS: &str = "000_98a7db490f32b566.txt";
pub const SEED_SPUTNIK: &str = "003_a57d7082810f3afc.txt";

/// A submit request for an article with `id`, `source` and `body`.
pub fn request(id: &str, source: &str, body: &str) -> pb::SubmitRequest {
    pb::SubmitRequest {
        article: Some(pb::Article {
            id: id.to_owned(),
            source: source.to_owned(),
            body: body.to_owned(),
            ..Default::default()
        }),
    }
}

/// Submits and unwraps.
pub async fn submit(
    server: &mut TestServer,
    id: &str,
    source: &str,
    body: &str,
) -> pb::SubmitResponse {
    server
        .client
        .submit(request(id, source, body))
        .await
        .unwrap_or_else(|status| panic!("submit {id} failed: {status:?}"))
        .into_inner()
}

/// The non-blank lines of a body.
pub fn paragraphs(body: &str) -> Vec<String> {
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn verdict(response: &pb::SubmitResponse) -> pb::Verdict {
    pb::Verdict::try_from(response.verdict).expect("known verdict")
}

pub fn kind(paragraph: &pb::ParagraphMatch) -> pb::MatchKind {
    pb::MatchKind::try_from(paragraph.kind).expect("known kind")
}

/// The whole fact stream from the start, corroborations included.
pub async fn replay(channel: Channel) -> tonic::Streaming<pb::FactEvent> {
    FactServiceClient::new(channel)
        .subscribe(pb::SubscribeRequest {
            include_corroborations: true,
            ..Default::default()
        })
        .await
        .expect("subscribes")
        .into_inner()
}

/// Every event of the stream from the start up to `last`, corroborations
/// included.
pub async fn stream_until(channel: Channel, last: u64) -> Vec<pb::FactEvent> {
    let mut stream = replay(channel).await;
    let mut events = Vec::new();
    while events
        .last()
        .is_none_or(|e: &pb::FactEvent| e.sequence < last)
    {
        let next = tokio::time::timeout(std::time::Duration::from_secs(20), stream.message())
            .await
            .expect("the stream goes on")
            .expect("stream")
            .expect("an event");
        if next.kind != pb::fact_event::Kind::Heartbeat as i32 {
            events.push(next);
        }
    }
    events
}
