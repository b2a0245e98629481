//! The scale run (`--scale N`): ingests N articles through SubmitStream at
//! full speed into one fresh server, and reports throughput, server memory
//! and disk window by window, then the time a restart takes to answer
//! SERVING on health checks with everything stored.
//!
//! Articles are generated while they are sent, so the generator's memory
//! does not grow with N; wire copies come from the most recent originals.

use std::{
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_stream::{wrappers::ReceiverStream, StreamExt};
use wirecopy::api::pb::{self, article_service_client::ArticleServiceClient};

use super::{channel, AnyError, ServerProcess, Workload};

/// One window of the run.
struct Window {
    articles: u64,
    seconds: f64,
    rss_mib: f64,
    disk_mib: f64,
}

/// Runs the scale test; returns its JSON report.
pub async fn run(
    binary: &Path,
    corpus: &Path,
    total: u64,
    window: u64,
    streams: usize,
) -> Result<Value, AnyError> {
    let server = ServerProcess::start(binary)?;
    let acked = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..streams.max(1) {
        let (sender, receiver) = mpsc::channel::<pb::Article>(256);
        senders.push(sender);
        let mut client = ArticleServiceClient::new(channel(&server.url).await?);
        let acked = Arc::clone(&acked);
        tasks.push(tokio::spawn(async move {
            let requests = ReceiverStream::new(receiver).map(|article| pb::SubmitRequest {
                article: Some(article),
            });
            let mut responses = client.submit_stream(requests).await?.into_inner();
            while let Some(response) = responses.message().await? {
                if let Some(error) = response.error {
                    return Err::<(), AnyError>(
                        format!("{}: {}", response.article_id, error.message).into(),
                    );
                }
                acked.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }));
    }
    let corpus = corpus.to_path_buf();
    let generator = std::thread::spawn(move || {
        let mut workload = Workload::new(&corpus);
        for n in 0..total {
            let (article, _) = workload.next("scale");
            let sender = &senders[n as usize % senders.len()];
            if sender.blocking_send(article).is_err() {
                break;
            }
        }
    });

    eprintln!("scale run: {total} articles in windows of {window}");
    let started = Instant::now();
    let mut windows = Vec::new();
    let mut window_started = started;
    let mut next_boundary = window.min(total);
    // The highest RSS seen, sampled with every poll, and how many articles
    // were acknowledged then: the kernel's peak says how high, not when.
    let mut highest = (0u64, 0u64);
    while next_boundary > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (rss_now, _) = server.memory_kib();
        if rss_now > highest.0 {
            highest = (rss_now, acked.load(Ordering::Relaxed));
        }
        if acked.load(Ordering::Relaxed) < next_boundary {
            // Streams that all ended short of the boundary failed: their
            // errors are reported below.
            if tasks.iter().all(|task| task.is_finished()) {
                break;
            }
            continue;
        }
        let now = Instant::now();
        let (rss, _) = server.memory_kib();
        let row = Window {
            articles: next_boundary,
            seconds: (now - window_started).as_secs_f64(),
            rss_mib: rss as f64 / 1024.0,
            disk_mib: server.disk_bytes() as f64 / (1 << 20) as f64,
        };
        eprintln!(
            "{:>9} articles: {:>7.0} articles/s in this window, RSS {:>7.1} MiB, disk {:>8.1} MiB",
            row.articles,
            window as f64 / row.seconds,
            row.rss_mib,
            row.disk_mib
        );
        windows.push(row);
        window_started = now;
        next_boundary = if next_boundary >= total {
            0
        } else {
            (next_boundary + window).min(total)
        };
    }
    for task in tasks {
        task.await??;
    }
    generator.join().map_err(|_| "generator panicked")?;
    let elapsed = started.elapsed().as_secs_f64();
    let (_, peak_rss) = server.memory_kib();
    let disk = server.disk_bytes();
    let (server, restart) = server.restart(binary)?;
    let (rss_after_restart, _) = server.memory_kib();
    drop(server);

    let rate = |w: &Window| window as f64 / w.seconds;
    let first = windows.first().map(rate).unwrap_or(0.0);
    let last = windows.last().map(rate).unwrap_or(0.0);
    println!("scale run: {total} articles, {streams} SubmitStreams");
    println!("{:<44} {:>14}", "measure", "value");
    let rows = [
        (
            "articles/s overall",
            format!("{:.0}", total as f64 / elapsed),
        ),
        ("articles/s, first window", format!("{first:.0}")),
        ("articles/s, last window", format!("{last:.0}")),
        (
            "last window / first window",
            format!("{:.3}", last / first.max(1e-9)),
        ),
        (
            "server peak RSS (MiB)",
            format!("{:.1}", peak_rss as f64 / 1024.0),
        ),
        (
            "highest sampled RSS (MiB), at articles",
            format!("{:.1} at {}", highest.0 as f64 / 1024.0, highest.1),
        ),
        (
            "disk per article (bytes)",
            format!("{:.0}", disk as f64 / total.max(1) as f64),
        ),
        (
            "restart to SERVING (s)",
            format!("{:.2}", restart.as_secs_f64()),
        ),
        (
            "RSS after restart (MiB)",
            format!("{:.1}", rss_after_restart as f64 / 1024.0),
        ),
    ];
    for (name, value) in rows {
        println!("{name:<44} {value:>14}");
    }
    Ok(json!({
        "articles": total,
        "streams": streams,
        "articles_per_s": total as f64 / elapsed,
        "windows": windows.iter().map(|w| json!({
            "articles": w.articles, "articles_per_s": rate(w),
            "rss_mib": w.rss_mib, "disk_mib": w.disk_mib,
        })).collect::<Vec<_>>(),
        "last_to_first_window": last / first.max(1e-9),
        "peak_rss_mib": peak_rss as f64 / 1024.0,
        "highest_sampled_rss_mib": highest.0 as f64 / 1024.0,
        "highest_sampled_rss_at_articles": highest.1,
        "disk_bytes_per_article": disk as f64 / total.max(1) as f64,
        "restart_to_serving_s": restart.as_secs_f64(),
        "rss_after_restart_mib": rss_after_restart as f64 / 1024.0,
    }))
}
