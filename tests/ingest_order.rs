//! Parallel analysis and group commit must not change what ingest decides.
//! The same corpus goes to two servers: one gets each article alone (a
//! unary Submit awaited before the next, so every analysis sees all that
//! came before and every group commit holds one article), the other gets
//! all of it at once on one SubmitStream, so that articles are analysed in
//! parallel against a window that moves meanwhile, many of those analyses
//! are found stale at admit and made again, and articles are committed in
//! groups, copies often in the same group as their source. Every answer,
//! every duplicate list and the whole fact stream must be the same.

mod common;

use common::{metrics, process::ServeProcess, request, stream_until};
use tonic::transport::Channel;
use wirecopy::api::pb::{self, article_service_client::ArticleServiceClient};

/// BBC politics articles from `../shared/data/bbc` (research use only, so
/// not copied into the repository). After every third comes an edited
/// copy of it (a dateline, a typo, its last paragraph cut), after every
/// fifth a verbatim copy of the article two before it from another outlet,
/// after every seventh a copy of the last edited copy, and now and then a
/// resubmission: exact and near copies, copies of copies, corroborations
/// and resubmissions, most within a few articles of their source.
fn corpus() -> Vec<pb::SubmitRequest> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc/politics");
    let mut originals: Vec<(String, String)> = Vec::new();
    let mut requests = Vec::new();
    let mut last_copy: Option<(String, String)> = None;
    for n in 1..=150 {
        let path = dir.join(format!("{n:03}.txt"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", path.display()));
        let body = text
            .split_once('\n')
            .map_or(&*text, |(_, body)| body)
            .trim();
        let id = format!("bbc-{n}");
        requests.push(request(&id, "bbc.co.uk", body));
        originals.push((id, body.to_owned()));
        if n % 3 == 0 {
            let paragraphs: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
            let kept = &paragraphs[..paragraphs.len().saturating_sub(1).max(1)];
            let copy = format!(
                "LONDON (Reuters) -\n{}",
                kept.join("\n").replacen(" the ", " teh ", 1)
            );
            let copy_id = format!("reuters-{n}");
            requests.push(request(&copy_id, "reuters.com", &copy));
            last_copy = Some((copy_id, copy));
        }
        if n % 5 == 0 {
            let (source_id, source) = &originals[originals.len() - 3];
            requests.push(request(
                &format!("verbatim-{source_id}"),
                "outlet.example",
                source,
            ));
        }
        if n % 7 == 0 {
            if let Some((copy_id, copy)) = &last_copy {
                let again = format!("{copy}\nAdvertisement");
                requests.push(request(
                    &format!("of-{copy_id}"),
                    "aggregator.example",
                    &again,
                ));
            }
        }
        if n % 11 == 0 {
            let (id, body) = &originals[originals.len() / 2];
            requests.push(request(id, "bbc.co.uk", body));
        }
    }
    requests
}

async fn connect(server: &ServeProcess) -> Channel {
    Channel::from_shared(server.url.clone())
        .expect("url")
        .connect()
        .await
        .expect("connects")
}

/// What a server says about every article after the ingest: its duplicate
/// lists, by id, and the whole fact stream.
async fn afterwards(
    channel: Channel,
    requests: &[pb::SubmitRequest],
    events: u64,
) -> (Vec<pb::GetDuplicatesResponse>, Vec<pb::FactEvent>) {
    let mut client = ArticleServiceClient::new(channel.clone());
    let mut duplicates = Vec::new();
    for request in requests {
        let id = request.article.as_ref().expect("an article").id.clone();
        let mut answer = client
            .get_duplicates(pb::GetDuplicatesRequest { id })
            .await
            .expect("duplicates")
            .into_inner();
        // When each server stored it: the one thing that differs by design.
        for related in &mut answer.related {
            related.first_seen = None;
        }
        duplicates.push(answer);
    }
    (duplicates, stream_until(channel, events).await)
}

/// What a server's metrics say about how it ingested.
struct Ingest {
    groups: f64,
    stored: f64,
    /// Analyses made in parallel and kept, and those made again at admit.
    parallel: f64,
    at_admit: f64,
}

fn ingest_metrics(server: &ServeProcess) -> Ingest {
    let text = metrics::scrape(server.metrics.as_deref().expect("metrics on"));
    Ingest {
        groups: metrics::value(&text, "wirecopy_commit_groups_total"),
        stored: metrics::value(&text, "wirecopy_stored_articles"),
        parallel: metrics::value(&text, "wirecopy_analyses_total{at=\"parallel\"}"),
        at_admit: metrics::value(&text, "wirecopy_analyses_total{at=\"admit\"}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_parallel_ingest_answers_exactly_as_one_article_at_a_time() {
    let requests = corpus();
    let dirs = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let options = ["--metrics-listen", "127.0.0.1:0"];
    let serial = ServeProcess::start_with(&dirs.0.path().join("data"), &options);
    let grouped = ServeProcess::start_with(&dirs.1.path().join("data"), &options);

    let mut one_by_one = Vec::new();
    let mut client = ArticleServiceClient::new(connect(&serial).await);
    for request in &requests {
        one_by_one.push(
            client
                .submit(request.clone())
                .await
                .expect("submit")
                .into_inner(),
        );
    }
    let mut streamed = Vec::new();
    let mut answers = ArticleServiceClient::new(connect(&grouped).await)
        .submit_stream(tokio_stream::iter(requests.clone()))
        .await
        .expect("stream opens")
        .into_inner();
    while let Some(answer) = answers.message().await.expect("stream answers") {
        streamed.push(answer);
    }

    // The two runs did what they are meant to compare: one article per
    // group commit, each analysed against all before it, against groups of
    // many, analysed in parallel and some of them again.
    let serial_ingest = ingest_metrics(&serial);
    let stored = serial_ingest.stored;
    assert_eq!(
        serial_ingest.groups, stored,
        "each serial submit is its own group"
    );
    assert_eq!(
        (serial_ingest.parallel, serial_ingest.at_admit),
        (stored, 0.0),
        "alone, every early analysis stands"
    );
    let grouped_ingest = ingest_metrics(&grouped);
    assert_eq!(grouped_ingest.stored, stored);
    // How large groups get depends on how fast preparing runs against
    // committing (about two articles a group in a debug build here): ask
    // only that many groups held more than one.
    assert!(
        grouped_ingest.groups < stored * 0.8,
        "{} group commits for {stored} articles",
        grouped_ingest.groups
    );
    // Copies close behind their sources find what they read changed; the
    // rest keep their parallel analysis.
    assert_eq!(grouped_ingest.parallel + grouped_ingest.at_admit, stored);
    assert!(
        grouped_ingest.parallel > 0.0 && grouped_ingest.at_admit > 0.0,
        "{} analyses kept, {} made again",
        grouped_ingest.parallel,
        grouped_ingest.at_admit
    );
    let verdicts = |wanted: pb::Verdict| {
        one_by_one
            .iter()
            .filter(|answer| answer.verdict == wanted as i32)
            .count()
    };
    assert!(verdicts(pb::Verdict::WireCopy) >= 40 && verdicts(pb::Verdict::Resubmitted) >= 10);

    assert_eq!(one_by_one.len(), streamed.len());
    for (serial_answer, grouped_answer) in one_by_one.iter().zip(&streamed) {
        assert_eq!(
            serial_answer, grouped_answer,
            "article {}",
            serial_answer.article_id
        );
    }
    // A resubmission repeats its stored article's counts; it adds no event.
    let events: u64 = one_by_one
        .iter()
        .filter(|a| a.verdict != pb::Verdict::Resubmitted as i32)
        .map(|a| u64::from(a.facts_created + a.facts_corroborated))
        .sum();
    let serial_after = afterwards(connect(&serial).await, &requests, events).await;
    let grouped_after = afterwards(connect(&grouped).await, &requests, events).await;
    assert_eq!(serial_after.0, grouped_after.0, "duplicate lists");
    assert_eq!(serial_after.1.len() as u64, events);
    assert_eq!(serial_after.1, grouped_after.1, "fact streams");
}
