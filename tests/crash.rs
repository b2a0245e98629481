//! Crash safety of the real binary: a client ingests continuously (and
//! deletes an earlier article now and then) and a subscriber follows the
//! fact stream while the server is killed with SIGKILL at random moments.
//! After every restart, each acknowledged article reads back byte for byte
//! with all its facts, each acknowledged deletion stands, and the
//! subscriber, resuming from its last sequence, has received every stored
//! event exactly once. A second run, with a small match window, restarts
//! from the saved window and the tail after it, and matches as a server
//! that read its window from the store alone.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{process::ServeProcess, seed, SEED_SPUTNIK, SEED_TALKS};
use tonic::transport::Channel;
use wirecopy::api::pb::{
    self, article_service_client::ArticleServiceClient, fact_service_client::FactServiceClient,
};

/// What the client was told: acknowledged articles and their fact counts,
/// and acknowledged deletions.
#[derive(Default)]
struct Acknowledged {
    articles: Vec<(pb::Article, u32)>,
    deleted: Vec<pb::DeleteArticleResponse>,
    /// Deletions in flight when the server died: done or not.
    maybe_deleted: BTreeSet<String>,
}

/// What the subscriber received: event sequences with their article, and
/// the cursor it resumes from.
#[derive(Default)]
struct Received {
    events: BTreeMap<u64, String>,
    cursor: u64,
    duplicates: Vec<u64>,
    gaps: Vec<(u64, u64)>,
}

/// The n-th article: the seeds in turn, each with a sentence of its own,
/// so that every article both corroborates known facts and brings new ones.
fn article(n: usize, seeds: &[String; 2]) -> pb::Article {
    let body = format!(
        "{}\n\nOfficials in Yerevan said on Monday that {} people attended meeting number {n}.",
        seeds[n % 2],
        1000 + n
    );
    pb::Article {
        id: format!("crash-{n}"),
        source: format!("outlet-{}.example", n % 5),
        body,
        ..Default::default()
    }
}

async fn connect(url: &str) -> Channel {
    for _ in 0..100 {
        if let Ok(channel) = Channel::from_shared(url.to_owned())
            .expect("valid url")
            .connect()
            .await
        {
            return channel;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot connect to {url}");
}

/// Submits articles one after another until the server goes away,
/// deleting an earlier one now and then if `deleting`.
async fn ingest(
    channel: Channel,
    next: Arc<Mutex<usize>>,
    acked: Arc<Mutex<Acknowledged>>,
    deleting: bool,
) {
    let seeds = [seed(SEED_TALKS).1, seed(SEED_SPUTNIK).1];
    let mut client = ArticleServiceClient::new(channel);
    loop {
        let n = *next.lock().expect("counter");
        let article = article(n, &seeds);
        let Ok(response) = client
            .submit(pb::SubmitRequest {
                article: Some(article.clone()),
            })
            .await
        else {
            return;
        };
        let response = response.into_inner();
        let facts = response.facts_created + response.facts_corroborated;
        acked.lock().expect("acks").articles.push((article, facts));
        *next.lock().expect("counter") = n + 1;
        if deleting && n % 6 == 5 && !delete(&mut client, &format!("crash-{}", n - 2), &acked).await
        {
            return;
        }
    }
}

/// Deletes an acknowledged article; false when the server went away.
async fn delete(
    client: &mut ArticleServiceClient<Channel>,
    id: &str,
    acked: &Mutex<Acknowledged>,
) -> bool {
    {
        let mut acked = acked.lock().expect("acks");
        let Some(position) = acked.articles.iter().position(|(a, _)| a.id == id) else {
            return true;
        };
        acked.articles.remove(position);
        acked.maybe_deleted.insert(id.to_owned());
    }
    let Ok(response) = client
        .delete_article(pb::DeleteArticleRequest { id: id.to_owned() })
        .await
    else {
        return false;
    };
    let mut acked = acked.lock().expect("acks");
    acked.maybe_deleted.remove(id);
    acked.deleted.push(response.into_inner());
    true
}

/// Follows the fact stream from the saved cursor until the server goes
/// away, recording every event and any duplicate or gap (a gap is fine
/// only where a deleted article's events were).
async fn follow(channel: Channel, received: Arc<Mutex<Received>>) {
    let after = received.lock().expect("received").cursor;
    let mut client = FactServiceClient::new(channel);
    let Ok(stream) = client
        .subscribe(pb::SubscribeRequest {
            after_sequence: after,
            include_corroborations: true,
            ..Default::default()
        })
        .await
    else {
        return;
    };
    let mut stream = stream.into_inner();
    while let Ok(Some(event)) = stream.message().await {
        if event.kind == pb::fact_event::Kind::Heartbeat as i32 {
            continue;
        }
        let mut received = received.lock().expect("received");
        if received.events.contains_key(&event.sequence) {
            received.duplicates.push(event.sequence);
        } else if event.sequence != received.cursor + 1 {
            let expected = received.cursor + 1;
            received.gaps.push((expected, event.sequence));
        }
        received.events.insert(event.sequence, event.article_id);
        received.cursor = event.sequence;
    }
}

/// Every acknowledged article reads back exactly, with as many facts as
/// its acknowledgement reported; every acknowledged deletion stands.
async fn check_acknowledged(channel: Channel, acked: &Mutex<Acknowledged>) {
    let (acked, deleted) = {
        let acked = acked.lock().expect("acks");
        (acked.articles.clone(), acked.deleted.clone())
    };
    let mut articles = ArticleServiceClient::new(channel.clone());
    let mut facts = FactServiceClient::new(channel);
    for gone in &deleted {
        let status = articles
            .get_article(pb::GetArticleRequest {
                id: gone.id.clone(),
            })
            .await
            .expect_err("an acknowledged deletion stands");
        assert_eq!(status.code(), tonic::Code::NotFound, "{}", gone.id);
    }
    for (article, fact_count) in &acked {
        let stored = articles
            .get_article(pb::GetArticleRequest {
                id: article.id.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("acknowledged {} lost: {status:?}", article.id))
            .into_inner()
            .article
            .expect("article present");
        assert_eq!(&stored, article, "{} changed", article.id);
        let listed = facts
            .list_facts(pb::ListFactsRequest {
                article_id: article.id.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("facts of {} lost: {status:?}", article.id))
            .into_inner();
        assert_eq!(
            listed.facts.len() as u32,
            *fact_count,
            "facts of {}",
            article.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_work_survives_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let received = Arc::new(Mutex::new(Received::default()));
    let next = Arc::new(Mutex::new(0usize));
    let mut rng = fastrand::Rng::with_seed(5);
    const CRASHES: usize = 4;

    for crash in 0..CRASHES {
        // Every other run also syncs the filesystem after each commit.
        let extra: &[&str] = if crash % 2 == 1 { &["--fsync"] } else { &[] };
        let server = ServeProcess::start_with(dir.path(), extra);
        let channel = connect(&server.url).await;
        check_acknowledged(channel.clone(), &acked).await;
        let subscriber = tokio::spawn(follow(channel.clone(), Arc::clone(&received)));
        let client = tokio::spawn(ingest(channel, Arc::clone(&next), Arc::clone(&acked), true));
        // Let some work be acknowledged, then kill at a random moment.
        let before = acked.lock().expect("acks").articles.len();
        while acked.lock().expect("acks").articles.len() < before + 5 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(0..600))).await;
        server.crash();
        let _ = client.await;
        let _ = subscriber.await;
        let acknowledged = acked.lock().expect("acks").articles.len();
        assert!(acknowledged > before, "crash {crash}: nothing acknowledged");
        // The submit in flight when the server died may or may not have
        // been stored; either way the next round goes on after it.
        *next.lock().expect("counter") += 1;
    }

    // After the last crash: everything acknowledged is there, and the
    // subscriber catches up on the rest of the stream exactly once.
    let server = ServeProcess::start(dir.path());
    let channel = connect(&server.url).await;
    check_acknowledged(channel.clone(), &acked).await;
    let subscriber = tokio::spawn(follow(channel.clone(), Arc::clone(&received)));
    let mut everything = common::replay(channel).await;
    let mut stored = Vec::new();
    while let Ok(Ok(Some(event))) =
        tokio::time::timeout(Duration::from_secs(3), everything.message()).await
    {
        if event.kind != pb::fact_event::Kind::Heartbeat as i32 {
            stored.push(event);
        }
    }
    let replayed: Vec<u64> = stored.iter().map(|e| e.sequence).collect();
    assert!(
        replayed.windows(2).all(|w| w[0] < w[1]),
        "fact sequences repeat or go back"
    );
    let (deleted, maybe_deleted) = {
        let acked = acked.lock().expect("acks");
        (acked.deleted.clone(), acked.maybe_deleted.clone())
    };
    assert!(!deleted.is_empty(), "no deletion was acknowledged");
    // Each acknowledged deletion left one event per fact it carried, and
    // none of its own.
    for gone in &deleted {
        let notices = stored
            .iter()
            .filter(|e| e.article_id == gone.id)
            .inspect(|e| assert!(e.fact.is_none(), "{} is still replayed", gone.id))
            .count();
        assert_eq!(
            notices as u32,
            gone.facts_retracted + gone.corroborations_withdrawn,
            "{}",
            gone.id
        );
    }
    // Every acknowledged fact is in the stream.
    let acknowledged_facts: u32 = acked
        .lock()
        .expect("acks")
        .articles
        .iter()
        .map(|(_, facts)| facts)
        .sum();
    assert!(replayed.len() as u64 >= u64::from(acknowledged_facts));
    server.terminate();
    let _ = subscriber.await;
    let received = received.lock().expect("received");
    let articles = acked.lock().expect("acks").articles.len();
    eprintln!(
        "{CRASHES} crashes: {articles} articles acknowledged, {} deletions, {} fact events, {} received live",
        deleted.len(),
        replayed.len(),
        received.events.len()
    );
    assert!(received.duplicates.is_empty(), "{:?}", received.duplicates);
    // The resuming subscriber got every stored event; what it did not get
    // live was a deleted article's, skipped by a replay after the deletion.
    let missed: Vec<u64> = replayed
        .iter()
        .filter(|s| !received.events.contains_key(s))
        .copied()
        .collect();
    assert!(
        missed.is_empty(),
        "the resuming subscriber missed {missed:?}"
    );
    let gone: BTreeSet<&str> = deleted
        .iter()
        .map(|d| d.id.as_str())
        .chain(maybe_deleted.iter().map(String::as_str))
        .collect();
    let stored_sequences: BTreeSet<u64> = replayed.iter().copied().collect();
    for (sequence, article) in received.events.iter() {
        assert!(
            stored_sequences.contains(sequence) || gone.contains(article.as_str()),
            "event {sequence} of {article} was delivered but is not stored"
        );
    }
    for (expected, found) in &received.gaps {
        assert!(
            (*expected..*found).all(|s| !stored_sequences.contains(&s)),
            "the subscriber skipped stored events {expected}..{found}"
        );
    }
}

/// The `wirecopy serve` option for a window of 8 articles: it is saved
/// every 4 articles, so every crash leaves a saved window and a tail.
const SMALL_WINDOW: [&str; 2] = ["--match-window", "8"];

/// Copies the data directory `from` (of a stopped server) to `to`, without
/// its saved match window.
fn copy_store(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("data dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("creates");
            copy_store(&entry.path(), &target);
        } else if entry.file_name() != wirecopy::store::WINDOW_FILE {
            std::fs::copy(entry.path(), target).expect("copies");
        }
    }
}

/// The startup log line that says where the match window came from.
fn window_source(server: &ServeProcess) -> String {
    server
        .startup_log
        .iter()
        .find(|line| line.contains("match window loaded"))
        .cloned()
        .unwrap_or_else(|| panic!("no window line in {:?}", server.startup_log))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_sigkill_resumes_the_saved_window_and_its_tail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let next = Arc::new(Mutex::new(0usize));
    let mut rng = fastrand::Rng::with_seed(7);
    let mut resumed = 0;
    let mut tails = Vec::new();
    for crash in 0..3 {
        let server = ServeProcess::start_with(dir.path(), &SMALL_WINDOW);
        if crash > 0 {
            let source = window_source(&server);
            resumed += usize::from(source.contains("saved file"));
            tails.push(source);
        }
        let channel = connect(&server.url).await;
        check_acknowledged(channel.clone(), &acked).await;
        let client = tokio::spawn(ingest(
            channel,
            Arc::clone(&next),
            Arc::clone(&acked),
            false,
        ));
        let before = acked.lock().expect("acks").articles.len();
        while acked.lock().expect("acks").articles.len() < before + 6 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(0..300))).await;
        server.crash();
        let _ = client.await;
        *next.lock().expect("counter") += 1;
    }
    assert_eq!(
        resumed, 2,
        "each restart after a crash resumed the saved window"
    );

    // The same store twice: one server resumes the saved window and its
    // tail, the other reads the window from the store alone. Both answer
    // the next articles alike.
    let alone = tempfile::tempdir().expect("temp dir");
    copy_store(dir.path(), alone.path());
    let resuming = ServeProcess::start_with(dir.path(), &SMALL_WINDOW);
    assert!(window_source(&resuming).contains("saved file"));
    let reading = ServeProcess::start_with(alone.path(), &SMALL_WINDOW);
    assert!(!window_source(&reading).contains("saved file"));
    check_acknowledged(connect(&resuming.url).await, &acked).await;
    let seeds = [seed(SEED_TALKS).1, seed(SEED_SPUTNIK).1];
    let mut answers = Vec::new();
    for server in [&resuming, &reading] {
        let mut client = ArticleServiceClient::new(connect(&server.url).await);
        let first = *next.lock().expect("counter");
        let mut responses = Vec::new();
        for n in first..first + 3 {
            let response = client
                .submit(pb::SubmitRequest {
                    article: Some(article(n, &seeds)),
                })
                .await
                .expect("stored")
                .into_inner();
            responses.push(response);
        }
        answers.push(responses);
    }
    assert!(
        answers[0].iter().any(|r| !r.canonical_id.is_empty()),
        "the next articles copy the window: {:?}",
        answers[0]
    );
    assert_eq!(answers[0], answers[1]);
    resuming.terminate();
    reading.terminate();
}
