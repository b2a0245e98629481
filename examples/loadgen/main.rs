//! wirecopy's load generator: drives a real `wirecopy serve` process over
//! loopback with a realistic corpus and reports throughput, latency, fact
//! delivery latency, memory and disk, next to the transport's own ceiling.
//!
//! The corpus is the BBC articles in `../shared/data/bbc` (synthetic text of
//! the same shape when they are absent, and for articles beyond the
//! corpus), with about a third wire copies: variants of earlier articles
//! with the edits real copies have (`examples/common/variants.rs`).
//!
//! The ceiling is a bare tonic service in this process that answers the
//! same messages without doing anything, over the same loopback.
//!
//! Build the server first, then run:
//! `cargo build --release && cargo run --release --example loadgen -- --json perf.json`
//! Options: `--corpus DIR`, `--server-binary PATH`, `--articles N` (per
//! throughput phase, default 6000), `--rate R` and `--seconds S` (fixed-rate
//! latency phase, default 2000/s for 10 s), `--subscribers N` (default 100),
//! `--concurrency C` (unary, default 64), `--streams S` (default 4).
//! `--scale N [--window W]` instead runs the scale test: N articles at
//! full speed, reported every W (default 100,000); see `scale.rs`.
//! `--flood N [--subscribers S]` instead opens S subscriptions and then N
//! concurrent Submits at once, watching health and memory; see `flood.rs`.

// Shared with eval_bbc, which also reads the ids and the ground truth.
#[allow(dead_code)]
#[path = "../common/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../common/variants.rs"]
mod variants;

mod flood;
mod scale;

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    pin::Pin,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_stream::{Stream, StreamExt};
use tonic::{transport::Channel, Request, Response, Status, Streaming};
use wirecopy::api::pb::{
    self,
    article_service_client::ArticleServiceClient,
    article_service_server::{ArticleService, ArticleServiceServer},
};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

struct Options {
    corpus: PathBuf,
    server_binary: PathBuf,
    articles: usize,
    rate: u64,
    seconds: u64,
    subscribers: usize,
    concurrency: usize,
    streams: usize,
    json: Option<PathBuf>,
    scale: Option<u64>,
    window: u64,
    flood: Option<usize>,
}

fn options() -> Result<Options, AnyError> {
    let exe = std::env::current_exe()?;
    let release_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut options = Options {
        corpus: PathBuf::from("../shared/data/bbc"),
        server_binary: release_dir.join("wirecopy"),
        articles: 6000,
        rate: 2000,
        seconds: 10,
        subscribers: 100,
        concurrency: 64,
        streams: 4,
        json: None,
        scale: None,
        window: 100_000,
        flood: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--corpus" => options.corpus = value.into(),
            "--server-binary" => options.server_binary = value.into(),
            "--articles" => options.articles = value.parse()?,
            "--rate" => options.rate = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--subscribers" => options.subscribers = value.parse()?,
            "--concurrency" => options.concurrency = value.parse()?,
            "--streams" => options.streams = value.parse()?,
            "--json" => options.json = Some(value.into()),
            "--scale" => options.scale = Some(value.parse()?),
            "--flood" => options.flood = Some(value.parse()?),
            "--window" => options.window = value.parse::<u64>()?.max(1),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(options)
}

/// Produces articles: about two in three new, one in three a wire copy of
/// an earlier one.
struct Workload {
    documents: Vec<String>,
    rng: fastrand::Rng,
    vocabulary: Vec<String>,
    /// The most recent originals, which wire copies are made from: real
    /// copying follows the news, and a million-article run must not keep
    /// every original in the generator's memory.
    originals: std::collections::VecDeque<Vec<String>>,
    originals_made: usize,
    produced: usize,
}

/// How many recent originals wire copies are drawn from.
const RECENT_ORIGINALS: usize = 20_000;

impl Workload {
    fn new(corpus: &Path) -> Workload {
        let documents: Vec<String> = corpus::load_bbc(corpus)
            .map(|docs| docs.into_iter().map(|d| d.body).collect())
            .unwrap_or_default();
        let mut vocabulary: Vec<String> = documents
            .iter()
            .flat_map(|d| d.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .take(200_000)
            .collect();
        if vocabulary.is_empty() {
            vocabulary = "the minister said talks on the ceasefire would resume in the capital next week after officials agreed terms for an exchange of prisoners and the return of refugees to the region"
                .split(' ')
                .map(str::to_owned)
                .collect();
        }
        Workload {
            documents,
            rng: fastrand::Rng::with_seed(7),
            vocabulary,
            originals: std::collections::VecDeque::new(),
            originals_made: 0,
            produced: 0,
        }
    }

    /// An original: the next corpus article while they last, then text of
    /// the same shape made of corpus words.
    fn original(&mut self) -> Vec<String> {
        let index = self.originals_made;
        self.originals_made += 1;
        if let Some(document) = self.documents.get(index) {
            return variants::lines(document);
        }
        let paragraphs = self.rng.usize(6..14);
        (0..paragraphs)
            .map(|_| {
                let words = self.rng.usize(20..80);
                let mut text: Vec<&str> = (0..words)
                    .map(|_| self.vocabulary[self.rng.usize(..self.vocabulary.len())].as_str())
                    .collect();
                text.push("said.");
                text.join(" ")
            })
            .collect()
    }

    fn next(&mut self, prefix: &str) -> (pb::Article, bool) {
        self.produced += 1;
        let id = format!("{prefix}-{}", self.produced);
        let copy = self.produced % 3 == 0 && !self.originals.is_empty();
        let body = if copy {
            let source = self.rng.usize(..self.originals.len());
            let lines = self.originals[source].clone();
            {
                let variant = variants::make_variant(&mut self.rng, &lines);
                let texts: Vec<&str> = variant.paragraphs.iter().map(|p| p.text.as_str()).collect();
                texts.join(&variant.separator)
            }
        } else {
            let lines = self.original();
            let body = lines.join("\n\n");
            if self.originals.len() == RECENT_ORIGINALS {
                self.originals.pop_front();
            }
            self.originals.push_back(lines);
            body
        };
        let article = pb::Article {
            id: id.clone(),
            url: format!("https://example.com/{id}"),
            source: if copy {
                "reprint.example"
            } else {
                "agency.example"
            }
            .into(),
            title: "Load test".into(),
            body,
            published_at: Some(prost_types::Timestamp {
                seconds: 1_606_780_800,
                nanos: 0,
            }),
            ..Default::default()
        };
        (article, copy)
    }

    fn batch(&mut self, prefix: &str, count: usize) -> Vec<pb::Article> {
        (0..count).map(|_| self.next(prefix).0).collect()
    }
}

/// The transport ceiling: answers every request at once.
struct Echo;

#[tonic::async_trait]
impl ArticleService for Echo {
    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let id = request
            .into_inner()
            .article
            .map(|a| a.id)
            .unwrap_or_default();
        Ok(Response::new(pb::SubmitResponse {
            article_id: id,
            ..Default::default()
        }))
    }

    type SubmitStreamStream =
        Pin<Box<dyn Stream<Item = Result<pb::SubmitResponse, Status>> + Send + 'static>>;

    async fn submit_stream(
        &self,
        request: Request<Streaming<pb::SubmitRequest>>,
    ) -> Result<Response<Self::SubmitStreamStream>, Status> {
        let responses = request.into_inner().map(|item| {
            item.map(|r| pb::SubmitResponse {
                article_id: r.article.map(|a| a.id).unwrap_or_default(),
                ..Default::default()
            })
        });
        Ok(Response::new(Box::pin(responses)))
    }

    async fn analyze(
        &self,
        _: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        Err(Status::unimplemented("echo"))
    }

    async fn get_article(
        &self,
        _: Request<pb::GetArticleRequest>,
    ) -> Result<Response<pb::GetArticleResponse>, Status> {
        Err(Status::unimplemented("echo"))
    }

    async fn get_duplicates(
        &self,
        _: Request<pb::GetDuplicatesRequest>,
    ) -> Result<Response<pb::GetDuplicatesResponse>, Status> {
        Err(Status::unimplemented("echo"))
    }

    type ExportStream = tokio_stream::Empty<Result<pb::GetArticleResponse, Status>>;

    async fn export(
        &self,
        _: Request<pb::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        Err(Status::unimplemented("echo"))
    }

    async fn delete_article(
        &self,
        _: Request<pb::DeleteArticleRequest>,
    ) -> Result<Response<pb::DeleteArticleResponse>, Status> {
        Err(Status::unimplemented("echo"))
    }
}

async fn start_echo() -> Result<String, AnyError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(ArticleServiceServer::new(Echo).max_decoding_message_size(4 << 20))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    Ok(format!("http://{address}"))
}

/// A `wirecopy serve` child process on a fresh data directory.
struct ServerProcess {
    child: Child,
    url: String,
    data_dir: tempfile::TempDir,
}

impl ServerProcess {
    fn start(binary: &Path) -> Result<ServerProcess, AnyError> {
        if !binary.exists() {
            return Err(format!(
                "{} not found: run `cargo build --release` first, or pass --server-binary",
                binary.display()
            )
            .into());
        }
        ServerProcess::spawn(binary, tempfile::tempdir()?)
    }

    /// Stops the server (SIGTERM, so it flushes) and starts it again on the
    /// same data; returns it and the time from start until health checks
    /// answer SERVING, which includes rebuilding the in-memory index.
    fn restart(mut self, binary: &Path) -> Result<(ServerProcess, Duration), AnyError> {
        let status = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.child.id())])
            .status()?;
        if !status.success() {
            return Err("cannot signal the server".into());
        }
        self.child.wait()?;
        let data_dir = tempfile::TempDir::new()?;
        let data_dir = std::mem::replace(&mut self.data_dir, data_dir);
        let started = Instant::now();
        let server = ServerProcess::spawn(binary, data_dir)?;
        server.wait_serving()?;
        Ok((server, started.elapsed()))
    }

    /// Polls the standard health service until it answers SERVING.
    fn wait_serving(&self) -> Result<(), AnyError> {
        let url = self.url.clone();
        let check = async move {
            let mut health =
                tonic_health::pb::health_client::HealthClient::new(channel(&url).await?);
            loop {
                let status = health
                    .check(tonic_health::pb::HealthCheckRequest::default())
                    .await
                    .map(|r| r.into_inner().status);
                if status.ok()
                    == Some(tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
                {
                    return Ok::<(), AnyError>(());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(check))
    }

    fn spawn(binary: &Path, data_dir: tempfile::TempDir) -> Result<ServerProcess, AnyError> {
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir.path())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // What start-up spent its time on, and anything wrong.
                if ["store opened", "match window loaded", "WARN", "ERROR"]
                    .iter()
                    .any(|mark| line.contains(mark))
                {
                    eprintln!("server: {line}");
                }
                if let Some(at) = line.find("listen=") {
                    let _ = found.send(
                        line[at + 7..]
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
        });
        // A large store takes a while to reopen (the index is rebuilt from
        // every stored paragraph).
        let address = match address.recv_timeout(Duration::from_secs(900)) {
            Ok(address) => address,
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(error.into());
            }
        };
        Ok(ServerProcess {
            child,
            url: format!("http://{address}"),
            data_dir,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (RSS, peak RSS) of the server, in KiB.
    fn memory_kib(&self) -> (u64, u64) {
        ServerProcess::memory_kib_of(self.pid())
    }

    fn memory_kib_of(pid: u32) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// CPU time the server process has used so far (user and system), in
    /// seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks = |n: usize| {
            fields
                .get(n)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of the line, 12 and 13 here;
        // the kernel counts in USER_HZ, 100 on Linux.
        (ticks(11) + ticks(12)) / 100.0
    }

    fn disk_bytes(&self) -> u64 {
        fn walk(path: &Path) -> u64 {
            std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| match e.metadata() {
                            Ok(m) if m.is_dir() => walk(&e.path()),
                            Ok(m) => m.len(),
                            Err(_) => 0,
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(self.data_dir.path())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn channel(url: &str) -> Result<Channel, AnyError> {
    Ok(Channel::from_shared(url.to_owned())?.connect().await?)
}

/// Sends `articles` over `streams` SubmitStreams; returns seconds taken.
async fn stream_ingest(
    url: &str,
    articles: Vec<pb::Article>,
    streams: usize,
) -> Result<f64, AnyError> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    let per_stream = articles.len().div_ceil(streams.max(1)).max(1);
    let mut chunks: Vec<Vec<pb::Article>> = Vec::new();
    let mut rest = articles;
    while !rest.is_empty() {
        let tail = rest.split_off(per_stream.min(rest.len()));
        chunks.push(rest);
        rest = tail;
    }
    for chunk in chunks {
        let mut client =
            ArticleServiceClient::new(channel(url).await?).max_decoding_message_size(64 << 20);
        tasks.push(tokio::spawn(async move {
            let requests = tokio_stream::iter(
                chunk
                    .into_iter()
                    .map(|a| pb::SubmitRequest { article: Some(a) }),
            );
            let mut responses = client.submit_stream(requests).await?.into_inner();
            while let Some(response) = responses.message().await? {
                if let Some(error) = response.error {
                    return Err::<(), AnyError>(
                        format!("{}: {}", response.article_id, error.message).into(),
                    );
                }
            }
            Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Sends `articles` as unary Submits, `concurrency` at a time.
async fn unary_ingest(
    url: &str,
    articles: Vec<pb::Article>,
    concurrency: usize,
) -> Result<f64, AnyError> {
    let queue = Arc::new(Mutex::new(articles));
    let started = Instant::now();
    let channel = channel(url).await?;
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let queue = Arc::clone(&queue);
        let mut client = ArticleServiceClient::new(channel.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().map_err(|_| "queue poisoned")?.pop();
                let Some(article) = next else {
                    return Ok::<(), AnyError>(());
                };
                client
                    .submit(pb::SubmitRequest {
                        article: Some(article),
                    })
                    .await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Offers unary Submits at `rate` per second (open loop) and records each
/// latency from its scheduled start, in microseconds.
async fn latency_at_rate(
    url: &str,
    articles: Vec<pb::Article>,
    rate: u64,
) -> Result<(Histogram<u64>, f64, u64), AnyError> {
    let channel = channel(url).await?;
    let histogram = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(articles.len());
    for (n, article) in articles.into_iter().enumerate() {
        let scheduled = started + interval * n as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let mut client = ArticleServiceClient::new(channel.clone());
        let histogram = Arc::clone(&histogram);
        tasks.push(tokio::spawn(async move {
            let request = pb::SubmitRequest {
                article: Some(article),
            };
            match client.submit(request).await {
                Ok(_) => {}
                // Overload is an answer, counted apart from latencies.
                Err(status) if status.code() == tonic::Code::ResourceExhausted => return Ok(true),
                Err(status) => return Err(AnyError::from(status)),
            }
            let micros = u64::try_from(scheduled.elapsed().as_micros()).unwrap_or(u64::MAX);
            histogram
                .lock()
                .map_err(|_| "histogram poisoned")?
                .record(micros.max(1))?;
            Ok::<bool, AnyError>(false)
        }));
    }
    let mut refused = 0;
    for task in tasks {
        if task.await?? {
            refused += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let histogram = histogram.lock().map_err(|_| "histogram poisoned")?.clone();
    Ok((histogram, elapsed, refused))
}

/// The head of a `FactEvent`: what the delivery phase reads of each event.
/// Prost skips the other fields without decoding them, so that a hundred
/// subscribers on the server's own two cores measure the server's delivery
/// rather than the cost of decoding every fact a hundred times.
#[derive(Clone, PartialEq, prost::Message)]
struct EventHead {
    #[prost(uint64, tag = "1")]
    sequence: u64,
    #[prost(string, tag = "4")]
    article_id: String,
}

/// Subscribes from now, corroborations included, reading event heads.
async fn subscribe_heads(channel: Channel) -> Result<Streaming<EventHead>, AnyError> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await?;
    let request = pb::SubscribeRequest {
        from_now: true,
        include_corroborations: true,
        ..Default::default()
    };
    let path =
        tonic::codegen::http::uri::PathAndQuery::from_static("/wirecopy.v1.FactService/Subscribe");
    let codec = tonic_prost::ProstCodec::<pb::SubscribeRequest, EventHead>::default();
    Ok(grpc
        .server_streaming(Request::new(request), path, codec)
        .await?
        .into_inner())
}

/// What the fact-delivery phase measured.
struct FactDelivery {
    /// Per article and subscriber: from the article's acknowledgement to
    /// the arrival of its first event (0 when the event arrives first).
    latency: Histogram<u64>,
    /// Events received, all subscribers together.
    events: u64,
    /// Events whose sequence did not follow the one before (should be 0).
    gaps: u64,
    /// How long the ingest took.
    ingest_seconds: f64,
}

/// Ingests `articles` at full speed with `subscribers` following the fact
/// stream (corroborations included), timing each article's first event at
/// each subscriber against the article's acknowledgement.
async fn fact_latency(
    url: &str,
    articles: Vec<pb::Article>,
    subscribers: usize,
) -> Result<FactDelivery, AnyError> {
    let acked: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let events_received = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let gaps = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let arrivals: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let (ready, mut ready_rx) = mpsc::channel::<()>(subscribers.max(1));
    let mut tasks = Vec::new();
    let expected_articles = articles.len();
    for _ in 0..subscribers {
        let channel = channel(url).await?;
        let arrivals = Arc::clone(&arrivals);
        let events_received = Arc::clone(&events_received);
        let gaps = Arc::clone(&gaps);
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            let mut events = subscribe_heads(channel).await?;
            ready.send(()).await.map_err(|_| "ready channel closed")?;
            let mut seen_articles = std::collections::HashSet::new();
            let mut previous = String::new();
            let mut received = 0u64;
            let mut last_sequence = None;
            let mut out_of_order = 0u64;
            // Articles without facts send no event: stop after a quiet spell.
            let quiet = tokio::time::sleep(Duration::from_secs(5));
            tokio::pin!(quiet);
            loop {
                let event = tokio::select! {
                    biased;
                    message = events.message() => match message {
                        Ok(Some(event)) => event,
                        _ => break,
                    },
                    () = &mut quiet => break,
                };
                received += 1;
                // Unfiltered, the stream is every event once, in order.
                if last_sequence.is_some_and(|last| event.sequence != last + 1) {
                    out_of_order += 1;
                }
                last_sequence = Some(event.sequence);
                // An article's events are consecutive: the clock is read
                // once per article, not once per event.
                if event.article_id == previous {
                    continue;
                }
                let now = Instant::now();
                quiet
                    .as_mut()
                    .reset(tokio::time::Instant::now() + Duration::from_secs(5));
                if seen_articles.insert(event.article_id.clone()) {
                    arrivals
                        .lock()
                        .map_err(|_| "arrivals poisoned")?
                        .push((event.article_id.clone(), now));
                }
                previous = event.article_id;
                if seen_articles.len() >= expected_articles {
                    break;
                }
            }
            events_received.fetch_add(received, std::sync::atomic::Ordering::Relaxed);
            gaps.fetch_add(out_of_order, std::sync::atomic::Ordering::Relaxed);
            Ok::<(), AnyError>(())
        }));
    }
    for _ in 0..subscribers {
        ready_rx.recv().await;
    }
    let mut client = ArticleServiceClient::new(channel(url).await?);
    let requests = tokio_stream::iter(
        articles
            .into_iter()
            .map(|a| pb::SubmitRequest { article: Some(a) }),
    );
    let started = Instant::now();
    let mut responses = client.submit_stream(requests).await?.into_inner();
    while let Some(response) = responses.message().await? {
        acked
            .lock()
            .map_err(|_| "acks poisoned")?
            .insert(response.article_id, Instant::now());
    }
    let ingest_seconds = started.elapsed().as_secs_f64();
    for task in tasks {
        task.await??;
    }
    let acked = acked.lock().map_err(|_| "acks poisoned")?;
    let mut histogram = Histogram::<u64>::new(3)?;
    let arrivals = arrivals.lock().map_err(|_| "arrivals poisoned")?;
    for (article, arrived) in arrivals.iter() {
        if let Some(ack) = acked.get(article) {
            let micros = u64::try_from(arrived.saturating_duration_since(*ack).as_micros())
                .unwrap_or(u64::MAX);
            histogram.record(micros.max(1))?;
        }
    }
    Ok(FactDelivery {
        latency: histogram,
        events: events_received.load(std::sync::atomic::Ordering::Relaxed),
        gaps: gaps.load(std::sync::atomic::Ordering::Relaxed),
        ingest_seconds,
    })
}

fn bytes_of(articles: &[pb::Article]) -> usize {
    articles.iter().map(|a| a.body.len()).sum()
}

fn quantiles(histogram: &Histogram<u64>) -> Value {
    json!({
        "p50_ms": histogram.value_at_quantile(0.5) as f64 / 1000.0,
        "p99_ms": histogram.value_at_quantile(0.99) as f64 / 1000.0,
        "p999_ms": histogram.value_at_quantile(0.999) as f64 / 1000.0,
        "max_ms": histogram.max() as f64 / 1000.0,
        "count": histogram.len(),
    })
}

#[tokio::main]
async fn main() -> Result<(), AnyError> {
    let options = options()?;
    if let Some(submits) = options.flood {
        let report = flood::run(
            &options.server_binary,
            &options.corpus,
            options.subscribers,
            submits,
        )
        .await?;
        if let Some(path) = &options.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        }
        return Ok(());
    }
    if let Some(total) = options.scale {
        let report = scale::run(
            &options.server_binary,
            &options.corpus,
            total,
            options.window,
            options.streams,
        )
        .await?;
        if let Some(path) = &options.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        }
        return Ok(());
    }
    let mut workload = Workload::new(&options.corpus);
    let machine = format!(
        "{} vCPU, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_owned())
            )
            .unwrap_or_else(|| "unknown CPU".into())
    );
    eprintln!(
        "machine: {machine}; corpus: {} BBC articles",
        workload.documents.len()
    );
    let mut report = json!({ "machine": machine, "corpus_articles": workload.documents.len() });

    // The ceiling: the same messages to a service that does nothing.
    let echo = start_echo().await?;
    let sample = workload.batch("echo", options.articles);
    let megabytes = bytes_of(&sample) as f64 / 1e6;
    let echo_stream = stream_ingest(&echo, sample.clone(), options.streams).await?;
    let echo_unary = unary_ingest(&echo, sample, options.concurrency).await?;
    let echo_stream_rate = options.articles as f64 / echo_stream;
    let echo_unary_rate = options.articles as f64 / echo_unary;
    eprintln!("echo: stream {echo_stream_rate:.0}/s, unary {echo_unary_rate:.0}/s");

    let server = ServerProcess::start(&options.server_binary)?;
    let (idle_rss, _) = server.memory_kib();

    // Disk: originals, then wire copies of them.
    let mut disk_workload = Workload::new(&options.corpus);
    let mut originals = Vec::new();
    let mut copies = Vec::new();
    while originals.len() < 1000 || copies.len() < 500 {
        let (article, copy) = disk_workload.next("disk");
        if copy {
            copies.push(article)
        } else {
            originals.push(article)
        }
    }
    let before = server.disk_bytes();
    stream_ingest(&server.url, originals.clone(), 1).await?;
    let after_originals = server.disk_bytes();
    stream_ingest(&server.url, copies.clone(), 1).await?;
    let after_copies = server.disk_bytes();
    // Verbatim wire copies: an original's body as it is, under another
    // outlet's id and URL.
    let verbatim: Vec<pb::Article> = originals
        .iter()
        .take(copies.len())
        .map(|original| pb::Article {
            id: format!("{}-verbatim", original.id),
            url: format!("{}-verbatim", original.url),
            source: "reprint.example".into(),
            ..original.clone()
        })
        .collect();
    stream_ingest(&server.url, verbatim.clone(), 1).await?;
    let after_verbatim = server.disk_bytes();
    let per_original = after_originals.saturating_sub(before) as f64 / originals.len() as f64;
    let per_copy = after_copies.saturating_sub(after_originals) as f64 / copies.len() as f64;
    let per_verbatim = after_verbatim.saturating_sub(after_copies) as f64 / verbatim.len() as f64;
    eprintln!(
        "disk: {per_original:.0} B per original, {per_copy:.0} B per edited wire copy, \
         {per_verbatim:.0} B per verbatim copy"
    );

    let stream_articles = workload.batch("stream", options.articles);
    let stream_mb = bytes_of(&stream_articles) as f64 / 1e6;
    let cpu_before = server.cpu_seconds();
    let stream_seconds = stream_ingest(&server.url, stream_articles, options.streams).await?;
    let stream_rate = options.articles as f64 / stream_seconds;
    // CPU per article is steadier than a rate on a machine shared with
    // the load generator and with neighbours.
    let stream_cpu_us = (server.cpu_seconds() - cpu_before) * 1e6 / options.articles as f64;
    eprintln!(
        "SubmitStream: {stream_rate:.0} articles/s, server CPU {stream_cpu_us:.0} us per article"
    );

    let unary_articles = workload.batch("unary", options.articles);
    let unary_seconds = unary_ingest(&server.url, unary_articles, options.concurrency).await?;
    let unary_rate = options.articles as f64 / unary_seconds;
    eprintln!(
        "Submit x{}: {unary_rate:.0} articles/s",
        options.concurrency
    );

    let latency_articles = workload.batch("latency", (options.rate * options.seconds) as usize);
    let (latency, latency_elapsed, refused) =
        latency_at_rate(&server.url, latency_articles, options.rate).await?;
    eprintln!(
        "Submit at {}/s: p50 {:.2} ms, p99 {:.2} ms",
        options.rate,
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0
    );

    let fact_articles = workload.batch("facts", options.articles / 2);
    let fact_count = fact_articles.len();
    let facts = fact_latency(&server.url, fact_articles, options.subscribers).await?;
    let delivery = &facts.latency;
    let fact_ingest_rate = fact_count as f64 / facts.ingest_seconds;
    eprintln!(
        "fact delivery to {} subscribers: p50 {:.2} ms, p99 {:.2} ms; {} events delivered, {} out of sequence; ingest meanwhile {fact_ingest_rate:.0} articles/s",
        options.subscribers,
        delivery.value_at_quantile(0.5) as f64 / 1000.0,
        delivery.value_at_quantile(0.99) as f64 / 1000.0,
        facts.events,
        facts.gaps,
    );
    let (rss, peak_rss) = server.memory_kib();
    let stored_articles = workload.produced + disk_workload.produced;
    let (server, restart) = server.restart(&options.server_binary)?;
    eprintln!(
        "restart with {stored_articles} articles stored: {:.2} s to SERVING",
        restart.as_secs_f64()
    );
    drop(server);

    report["echo"] = json!({ "submit_stream_articles_per_s": echo_stream_rate, "unary_articles_per_s": echo_unary_rate, "mb_per_s": megabytes / echo_stream });
    report["submit_stream"] = json!({
        "articles": options.articles, "streams": options.streams,
        "articles_per_s": stream_rate, "mb_per_s": stream_mb / stream_seconds,
        "server_cpu_us_per_article": stream_cpu_us,
        "ratio_to_echo": stream_rate / echo_stream_rate,
    });
    report["unary_submit"] = json!({
        "articles": options.articles, "concurrency": options.concurrency,
        "articles_per_s": unary_rate, "ratio_to_echo": unary_rate / echo_unary_rate,
    });
    report["latency_at_fixed_rate"] = json!({
        "offered_per_s": options.rate, "achieved_per_s": latency.len() as f64 / latency_elapsed,
        "refused_resource_exhausted": refused, "latency": quantiles(&latency),
    });
    report["fact_delivery"] = json!({
        "subscribers": options.subscribers, "articles_timed": delivery.len(),
        "events_delivered": facts.events, "events_out_of_sequence": facts.gaps,
        "ingest_articles_per_s": fact_ingest_rate,
        "latency": quantiles(delivery),
    });
    report["restart"] =
        json!({ "stored_articles": stored_articles, "seconds_to_serving": restart.as_secs_f64() });
    report["server_memory"] = json!({ "idle_rss_mib": idle_rss as f64 / 1024.0, "rss_mib": rss as f64 / 1024.0, "peak_rss_mib": peak_rss as f64 / 1024.0 });
    report["disk"] = json!({
        "bytes_per_original": per_original, "bytes_per_wire_copy": per_copy,
        "copy_to_original": per_copy / per_original.max(1.0),
        "bytes_per_verbatim_copy": per_verbatim,
        "verbatim_to_original": per_verbatim / per_original.max(1.0),
    });

    println!(
        "wirecopy load test on {}",
        report["machine"].as_str().unwrap_or("")
    );
    println!("{:<44} {:>14}", "measure", "value");
    let rows = [
        (
            "echo ceiling, SubmitStream (articles/s)",
            format!("{echo_stream_rate:.0}"),
        ),
        (
            "echo ceiling, unary x concurrency (articles/s)",
            format!("{echo_unary_rate:.0}"),
        ),
        ("SubmitStream (articles/s)", format!("{stream_rate:.0}")),
        (
            "SubmitStream server CPU per article (us)",
            format!("{stream_cpu_us:.0}"),
        ),
        (
            "SubmitStream (MB/s)",
            format!("{:.2}", stream_mb / stream_seconds),
        ),
        (
            "SubmitStream / echo",
            format!("{:.3}", stream_rate / echo_stream_rate),
        ),
        ("unary Submit (articles/s)", format!("{unary_rate:.0}")),
        (
            "unary Submit / echo",
            format!("{:.3}", unary_rate / echo_unary_rate),
        ),
        (
            "Submit latency p50 at fixed rate (ms)",
            format!("{:.2}", latency.value_at_quantile(0.5) as f64 / 1000.0),
        ),
        (
            "Submit latency p99 at fixed rate (ms)",
            format!("{:.2}", latency.value_at_quantile(0.99) as f64 / 1000.0),
        ),
        (
            "Submits refused as overload at fixed rate",
            format!("{refused}"),
        ),
        (
            "Submit latency p99.9 at fixed rate (ms)",
            format!("{:.2}", latency.value_at_quantile(0.999) as f64 / 1000.0),
        ),
        (
            "fact delivery p50 (ms)",
            format!("{:.2}", delivery.value_at_quantile(0.5) as f64 / 1000.0),
        ),
        (
            "fact delivery p99 (ms)",
            format!("{:.2}", delivery.value_at_quantile(0.99) as f64 / 1000.0),
        ),
        (
            "server RSS after the run (MiB)",
            format!("{:.1}", rss as f64 / 1024.0),
        ),
        (
            "restart to SERVING (s)",
            format!("{:.2}", restart.as_secs_f64()),
        ),
        (
            "server peak RSS (MiB)",
            format!("{:.1}", peak_rss as f64 / 1024.0),
        ),
        ("disk per original (bytes)", format!("{per_original:.0}")),
        (
            "disk per edited wire copy (bytes)",
            format!("{per_copy:.0}"),
        ),
        (
            "disk per verbatim copy (bytes)",
            format!("{per_verbatim:.0}"),
        ),
    ];
    for (name, value) in rows {
        println!("{name:<44} {value:>14}");
    }
    println!(
        "offered rate {}/s for {} s; {} subscribers",
        options.rate, options.seconds, options.subscribers
    );
    if let Some(path) = &options.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
