//! The flood run (`--flood`): thousands of fact subscriptions and thousands
//! of concurrent unary Submits thrown at one fresh server at once, while a
//! health check runs every 50 ms. Reports what was accepted and refused,
//! whether health checks kept being answered, and the server's memory, to
//! show that overload is refused rather than buffered.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tonic::Code;
use wirecopy::api::pb::{
    self, article_service_client::ArticleServiceClient, fact_service_client::FactServiceClient,
};

use super::{channel, AnyError, ServerProcess, Workload};

/// Calls share connections in groups this large (under the server's
/// per-connection stream limit).
const CALLS_PER_CONNECTION: usize = 200;

/// Runs the flood; returns its JSON report.
pub async fn run(
    binary: &Path,
    corpus: &Path,
    subscribers: usize,
    submits: usize,
) -> Result<Value, AnyError> {
    let server = ServerProcess::start(binary)?;
    let (idle_rss, _) = server.memory_kib();
    let url = server.url.clone();

    // Health checks and memory samples all along.
    let samples: Arc<Mutex<(u64, u64, Duration, u64)>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let samples = Arc::clone(&samples);
        let done = Arc::clone(&done);
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel(&url).await?);
        let pid = server.pid();
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let answered = health
                    .check(tonic_health::pb::HealthCheckRequest::default())
                    .await
                    .is_ok();
                let took = started.elapsed();
                let rss = ServerProcess::memory_kib_of(pid).0;
                if let Ok(mut s) = samples.lock() {
                    s.0 += u64::from(answered);
                    s.1 += u64::from(!answered);
                    s.2 = s.2.max(took);
                    s.3 = s.3.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let started = Instant::now();
    let mut open = Vec::new();
    let mut subscriptions_refused = 0u64;
    let mut fact_channel = channel(&url).await?;
    for n in 0..subscribers {
        if n % CALLS_PER_CONNECTION == 0 {
            fact_channel = channel(&url).await?;
        }
        match FactServiceClient::new(fact_channel.clone())
            .subscribe(pb::SubscribeRequest::default())
            .await
        {
            Ok(stream) => open.push(stream.into_inner()),
            Err(status) if status.code() == Code::ResourceExhausted => subscriptions_refused += 1,
            Err(status) => return Err(status.into()),
        }
    }

    let mut workload = Workload::new(corpus);
    let mut tasks = Vec::with_capacity(submits);
    let mut submit_channel = channel(&url).await?;
    for n in 0..submits {
        if n % CALLS_PER_CONNECTION == 0 {
            submit_channel = channel(&url).await?;
        }
        let mut client = ArticleServiceClient::new(submit_channel.clone());
        let article = workload.next("flood").0;
        tasks.push(tokio::spawn(async move {
            client
                .submit(pb::SubmitRequest {
                    article: Some(article),
                })
                .await
                .map(|_| ())
                .map_err(|status| status.code())
        }));
    }
    let (mut stored, mut refused, mut other) = (0u64, 0u64, 0u64);
    for task in tasks {
        match task.await? {
            Ok(()) => stored += 1,
            Err(Code::ResourceExhausted) => refused += 1,
            Err(_) => other += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    drop(open);
    tokio::time::sleep(Duration::from_millis(500)).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    watcher.await?;
    let (after_rss, _) = server.memory_kib();
    let (answered, failed, slowest, peak_rss) = *samples.lock().map_err(|_| "samples poisoned")?;

    println!("flood: {subscribers} subscriptions, then {submits} concurrent Submits");
    println!("{:<44} {:>14}", "measure", "value");
    let rows = [
        (
            "subscriptions open",
            format!("{}", subscribers as u64 - subscriptions_refused),
        ),
        (
            "subscriptions refused (RESOURCE_EXHAUSTED)",
            format!("{subscriptions_refused}"),
        ),
        ("submits stored", format!("{stored}")),
        ("submits refused (RESOURCE_EXHAUSTED)", format!("{refused}")),
        ("submits failed otherwise", format!("{other}")),
        ("flood duration (s)", format!("{elapsed:.1}")),
        (
            "health checks answered / failed",
            format!("{answered} / {failed}"),
        ),
        (
            "slowest health check (ms)",
            format!("{:.1}", slowest.as_secs_f64() * 1000.0),
        ),
        (
            "server RSS idle (MiB)",
            format!("{:.1}", idle_rss as f64 / 1024.0),
        ),
        (
            "server RSS peak during flood (MiB)",
            format!("{:.1}", peak_rss as f64 / 1024.0),
        ),
        (
            "server RSS after (MiB)",
            format!("{:.1}", after_rss as f64 / 1024.0),
        ),
    ];
    for (name, value) in rows {
        println!("{name:<44} {value:>14}");
    }
    Ok(json!({
        "subscribers": subscribers, "subscriptions_refused": subscriptions_refused,
        "submits": submits, "stored": stored, "refused": refused, "other_errors": other,
        "seconds": elapsed, "health_answered": answered, "health_failed": failed,
        "slowest_health_ms": slowest.as_secs_f64() * 1000.0,
        "idle_rss_mib": idle_rss as f64 / 1024.0, "peak_rss_mib": peak_rss as f64 / 1024.0,
        "after_rss_mib": after_rss as f64 / 1024.0,
    }))
}
