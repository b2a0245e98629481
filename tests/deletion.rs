//! Deleting an article over gRPC: it is gone everywhere, what copied it
//! names the next surviving source, its facts are retracted or lose a
//! corroboration on the stream, and all of it holds across a restart; and
//! the retention policy, which deletes the same way by age.

mod common;

use std::collections::{BTreeSet, HashSet};

use common::*;
use tonic::Code;
use wirecopy::api::pb::{self, fact_event::Kind, fact_service_client::FactServiceClient};

/// The seed's paragraphs without the last one, joined as a body.
fn without_last(body: &str) -> String {
    let mut kept = paragraphs(body);
    kept.pop();
    kept.join("\n\n")
}

/// True when the store's value log (where texts and facts live) holds
/// `text` anywhere, in use or not: as it is, or in any zstd frame the log
/// holds (long values are stored compressed).
fn value_log_holds(dir: &std::path::Path, text: &str) -> bool {
    use std::io::Read;
    let log = std::fs::read(dir.join("values.log")).expect("the value log");
    let found = |bytes: &[u8]| memchr::memmem::find(bytes, text.as_bytes()).is_some();
    const FRAME_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
    found(&log)
        || memchr::memmem::find_iter(&log, &FRAME_MAGIC).any(|start| {
            let mut plain = Vec::new();
            zstd::stream::read::Decoder::new(&log[start..])
                .map(|decoder| decoder.single_frame().read_to_end(&mut plain).is_ok())
                .unwrap_or(false)
                && found(&plain)
        })
}

async fn article(server: &mut TestServer, id: &str) -> Result<pb::GetArticleResponse, Code> {
    server
        .client
        .get_article(pb::GetArticleRequest { id: id.into() })
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| status.code())
}

/// What must hold once "original" is deleted, before and after a restart.
async fn assert_deleted(
    server: &mut TestServer,
    bodies: &[(&str, String)],
    deleted: &pb::DeleteArticleResponse,
    facts_of_original: &BTreeSet<Vec<u8>>,
) {
    assert_eq!(
        article(server, "original").await.err(),
        Some(Code::NotFound)
    );
    let status = server
        .client
        .get_duplicates(pb::GetDuplicatesRequest {
            id: "original".into(),
        })
        .await
        .expect_err("deleted");
    assert_eq!(status.code(), Code::NotFound);
    let mut facts = FactServiceClient::new(server.channel().await);
    let status = facts
        .list_facts(pb::ListFactsRequest {
            article_id: "original".into(),
        })
        .await
        .expect_err("deleted");
    assert_eq!(status.code(), Code::NotFound);

    // The copies read back byte for byte and name the next surviving
    // article of the text: copy-a for copy-b, copy-a itself for copy-a.
    for (id, body) in bodies {
        let stored = article(server, id).await.expect("a copy is still stored");
        assert_eq!(&stored.article.expect("article").body, body, "{id}");
        let analysis = stored.analysis.expect("analysis");
        assert!(
            analysis
                .paragraphs
                .iter()
                .all(|p| p.source_article_id != "original" && p.origin_article_id != "original"),
            "{id} still names the deleted article"
        );
        let expected = if *id == "copy-b" { "copy-a" } else { id };
        assert_eq!(analysis.canonical_id, expected, "{id}");
        let listed = facts
            .list_facts(pb::ListFactsRequest {
                article_id: (*id).into(),
            })
            .await
            .expect("a copy's facts read")
            .into_inner();
        assert!(!listed.facts.is_empty() && listed.facts.iter().all(|f| f.body.is_some()));
    }
    let related = server
        .client
        .get_duplicates(pb::GetDuplicatesRequest {
            id: "copy-a".into(),
        })
        .await
        .expect("duplicates")
        .into_inner();
    let ids: Vec<&str> = related
        .related
        .iter()
        .map(|r| r.article_id.as_str())
        .collect();
    assert_eq!(ids, ["copy-b"]);

    // The stream: none of the deleted article's own events, one notice per
    // fact it carried, every sequence once and in order.
    let events = stream_until(server.channel().await, deleted.last_event_sequence).await;
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let notices: Vec<&pb::FactEvent> = events
        .iter()
        .filter(|e| e.article_id == "original")
        .collect();
    assert!(notices.iter().all(|e| e.fact.is_none()
        && (e.kind == Kind::FactRetracted as i32
            || e.kind == Kind::CorroborationWithdrawn as i32)));
    let noticed: BTreeSet<Vec<u8>> = notices.iter().map(|e| e.fact_id.clone()).collect();
    assert_eq!(&noticed, facts_of_original);
    assert_eq!(
        notices.len() as u32,
        deleted.facts_retracted + deleted.corroborations_withdrawn
    );
    // A retracted fact is carried by no other article; a withdrawn one is.
    let carried: HashSet<Vec<u8>> = events
        .iter()
        .filter(|e| e.article_id != "original")
        .filter_map(|e| e.fact.as_ref().map(|f| f.id.clone()))
        .collect();
    for notice in notices {
        let retracted = notice.kind == Kind::FactRetracted as i32;
        assert_eq!(retracted, !carried.contains(&notice.fact_id));
    }
}

#[tokio::test]
async fn a_deleted_article_is_gone_its_copies_name_the_next_source_and_it_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::start(dir.path()).await;
    let (_, original) = seed(SEED_TALKS);
    let copy_a = format!("YEREVAN, Dec 1 (Reuters) -\n\n{}", without_last(&original));
    let copy_b = without_last(&original);
    let (_, other) = seed(SEED_SPUTNIK);
    submit(&mut server, "original", "armenpress.am", &original).await;
    submit(&mut server, "copy-a", "reuters.com", &copy_a).await;
    let b = submit(&mut server, "copy-b", "agency.example", &copy_b).await;
    assert_eq!(b.canonical_id, "original");
    submit(&mut server, "other", "sputniknews.com", &other).await;

    let facts_of_original = fact_ids(&mut server, "original").await;
    let only_in_original = paragraphs(&original).pop().expect("a last paragraph");
    assert!(value_log_holds(dir.path(), &only_in_original));
    let deleted = delete(&mut server, "original").await;
    // A takedown leaves its words nowhere in the value log.
    assert!(!value_log_holds(dir.path(), &only_in_original));
    assert_eq!((deleted.id.as_str(), deleted.sequence), ("original", 1));
    // Its last paragraph is in no copy: freed.
    assert!(deleted.texts_freed >= 1, "{deleted:?}");
    assert!(deleted.facts_retracted >= 1 && deleted.corroborations_withdrawn >= 1);
    assert_eq!(
        (deleted.facts_retracted + deleted.corroborations_withdrawn) as usize,
        facts_of_original.len()
    );
    let again = server
        .client
        .delete_article(pb::DeleteArticleRequest {
            id: "original".into(),
        })
        .await
        .expect_err("already deleted");
    assert_eq!(again.code(), Code::NotFound);

    let bodies = [("copy-a", copy_a.clone()), ("copy-b", copy_b.clone())];
    assert_deleted(&mut server, &bodies, &deleted, &facts_of_original).await;
    server.stop().await;

    let mut server = TestServer::start(dir.path()).await;
    assert_deleted(&mut server, &bodies, &deleted, &facts_of_original).await;

    // The id is free again; the text is now first held by copy-a, and the
    // new article takes a sequence never given before.
    let back = submit(&mut server, "original", "armenpress.am", &original).await;
    assert_ne!(verdict(&back), pb::Verdict::Resubmitted);
    assert_eq!(back.sequence, 5);
    assert_eq!(back.canonical_id, "copy-a");
    let mut export = server
        .client
        .export(pb::ExportRequest::default())
        .await
        .expect("export")
        .into_inner();
    let mut exported = Vec::new();
    while let Some(stored) = export.message().await.expect("export stream") {
        exported.push(stored.article.expect("article").id);
    }
    assert_eq!(exported, ["copy-a", "copy-b", "other", "original"]);
    let of_copy_b = fact_ids(&mut server, "copy-b").await;
    let of_other = fact_ids(&mut server, "other").await;
    server.stop().await;

    // How many articles carry each fact is known again when the window is
    // rebuilt from the store alone: once the others carrying copy-b's
    // facts are gone, those "other" also carries are withdrawn, the rest
    // retracted.
    std::fs::remove_file(dir.path().join(wirecopy::store::WINDOW_FILE)).expect("saved window");
    let mut server = TestServer::start(dir.path()).await;
    for id in ["original", "copy-a"] {
        delete(&mut server, id).await;
    }
    let last = delete(&mut server, "copy-b").await;
    let shared = of_copy_b.intersection(&of_other).count();
    assert!(
        shared >= 1 && shared < of_copy_b.len(),
        "{shared} of {}",
        of_copy_b.len()
    );
    assert_eq!(
        (
            last.corroborations_withdrawn as usize,
            last.facts_retracted as usize
        ),
        (shared, of_copy_b.len() - shared)
    );
    server.stop().await;
}

/// Deletes the article `id`, which must be stored.
async fn delete(server: &mut TestServer, id: &str) -> pb::DeleteArticleResponse {
    server
        .client
        .delete_article(pb::DeleteArticleRequest { id: id.into() })
        .await
        .expect("deletes")
        .into_inner()
}

/// The ids of the facts of the article `id`.
async fn fact_ids(server: &mut TestServer, id: &str) -> BTreeSet<Vec<u8>> {
    FactServiceClient::new(server.channel().await)
        .list_facts(pb::ListFactsRequest {
            article_id: id.into(),
        })
        .await
        .expect("facts")
        .into_inner()
        .facts
        .into_iter()
        .map(|f| f.id)
        .collect()
}

/// A submit request published at `seconds` since the epoch (none: undated).
fn dated(id: &str, body: &str, seconds: Option<i64>) -> pb::SubmitRequest {
    let mut request = request(id, "outlet.example", body);
    if let Some(article) = request.article.as_mut() {
        article.published_at = seconds.map(|seconds| prost_types::Timestamp { seconds, nanos: 0 });
    }
    request
}

/// Waits until `id` answers NOT_FOUND (the sweep runs every 100 ms here).
async fn until_gone(server: &mut TestServer, id: &str) {
    for _ in 0..200 {
        if article(server, id).await.err() == Some(Code::NotFound) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{id} was not deleted by the retention policy");
}

#[tokio::test]
async fn retention_deletes_what_is_older_than_kept_at_start_up_and_while_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let (_, talks) = seed(SEED_TALKS);
    let (_, sputnik) = seed(SEED_SPUTNIK);
    // Stored without a policy: an article from 2019, an undated one (it
    // goes by when it was stored: now), and today's copy of the old one.
    let mut server = TestServer::start(dir.path()).await;
    for request in [
        dated("old", &talks, Some(1_560_000_000)),
        dated("undated", &sputnik, None),
        dated("copy-of-old", &without_last(&talks), Some(now)),
    ] {
        server.client.submit(request).await.expect("stored");
    }
    server.stop().await;

    let config = wirecopy::engine::EngineConfig {
        retention: Some(wirecopy::engine::Retention {
            keep: std::time::Duration::from_secs(30 * 86_400),
            every: std::time::Duration::from_millis(100),
        }),
        ..wirecopy::engine::EngineConfig::default()
    };
    let options = wirecopy::server::ServeOptions::default();
    let mut server = TestServer::start_with(dir.path(), config, options.clone()).await;
    // At start-up: what aged while the server was down goes.
    until_gone(&mut server, "old").await;
    for id in ["undated", "copy-of-old"] {
        article(&mut server, id).await.expect("younger than kept");
    }
    let copy = article(&mut server, "copy-of-old").await.expect("stored");
    assert_eq!(copy.analysis.expect("analysis").canonical_id, "copy-of-old");
    // While running: a backfilled article dated 40 days ago.
    server
        .client
        .submit(dated("backfill", &sputnik, Some(now - 40 * 86_400)))
        .await
        .expect("stored");
    until_gone(&mut server, "backfill").await;
    article(&mut server, "undated").await.expect("still kept");
    server.stop().await;

    // The deletions stand across a restart, and the stream holds a notice
    // for each fact the deleted articles carried, none of their own events.
    let mut server = TestServer::start_with(dir.path(), config, options).await;
    for id in ["old", "backfill"] {
        assert_eq!(article(&mut server, id).await.err(), Some(Code::NotFound));
    }
    let mut stream = replay(server.channel().await).await;
    let mut notices = 0;
    while let Ok(Ok(Some(event))) =
        tokio::time::timeout(std::time::Duration::from_secs(2), stream.message()).await
    {
        if ["old", "backfill"].contains(&event.article_id.as_str()) {
            assert!(
                event.fact.is_none(),
                "a deleted article's event is replayed"
            );
            notices += 1;
        }
    }
    assert!(notices > 0);
    server.stop().await;
}
