//! The engine's whole ingest path without gRPC: prepare, match, classify
//! facts, commit, on the sled store and on the in-memory store, so that
//! the difference is what storage costs.
//!
//! Each iteration opens a fresh engine on an empty store and submits the
//! BBC corpus with an edited copy (a dateline and one sentence cut) of
//! every third article, 64 submissions in flight, as a SubmitStream
//! would. It runs with the server's allocator settings (mimalloc, no
//! transparent huge pages; see `wirecopy::huge_pages`), which change the figures by
//! a fifth. Run: `cargo bench --bench ingest`.

mod common;

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wirecopy::{
    article::Article,
    engine::{Engine, EngineConfig, Ticket},
    store::{self, StoreConfig},
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const IN_FLIGHT: usize = 64;

/// The corpus as articles, with an edited copy after every third.
fn articles() -> Vec<Article> {
    let mut articles = Vec::new();
    for (n, text) in common::corpus(usize::MAX).into_iter().enumerate() {
        let (title, body) = text.split_once('\n').unwrap_or(("", &text));
        let original = Article {
            id: format!("bbc-{n}"),
            source: "bbc.co.uk".into(),
            title: title.trim().into(),
            body: body.trim().into(),
            ..Article::default()
        };
        if n % 3 == 2 {
            let mut copy = original.clone();
            copy.id = format!("wire-{n}");
            copy.source = "wire.example".into();
            copy.body = format!("LONDON (Wire) - {}", copy.body);
            if let Some(cut) = copy.body.rfind(". ") {
                copy.body.truncate(cut + 1);
            }
            articles.push(original);
            articles.push(copy);
        } else {
            articles.push(original);
        }
    }
    articles
}

/// Submits `articles` to a fresh engine over `config`; the time from the
/// first submission to the last one stored.
async fn ingest(config: &StoreConfig, articles: &[Article]) -> Duration {
    let store = store::open(config).expect("the benchmark's store opens");
    let engine = Engine::open(store, EngineConfig::default(), None).expect("the engine opens");
    let started = Instant::now();
    let mut waiting: VecDeque<Ticket> = VecDeque::new();
    for article in articles {
        if waiting.len() == IN_FLIGHT {
            if let Some(ticket) = waiting.pop_front() {
                ticket.outcome().await.expect("stored");
            }
        }
        waiting.push_back(engine.enqueue(article.clone()).await.expect("queued"));
    }
    for ticket in waiting {
        ticket.outcome().await.expect("stored");
    }
    let took = started.elapsed();
    engine.close().expect("the engine closes");
    took
}

fn benchmarks(c: &mut Criterion) {
    wirecopy::huge_pages::turn_off();
    let articles = articles();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let mut group = c.benchmark_group(format!("ingest {} articles", articles.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function(BenchmarkId::new("engine", "memory store"), |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| runtime.block_on(ingest(&StoreConfig::Memory, &articles)))
                .sum()
        })
    });
    group.bench_function(BenchmarkId::new("engine", "sled store"), |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    let dir = tempfile::tempdir().expect("a temporary directory");
                    runtime.block_on(ingest(
                        &StoreConfig::sled(dir.path().join("store")),
                        &articles,
                    ))
                })
                .sum()
        })
    });
    group.finish();
}

criterion_group!(ingest_benches, benchmarks);
criterion_main!(ingest_benches);
