//! Fact extraction and the fact stream over real gRPC: what the seeds
//! yield, corroboration by wire copies, and a stream that delivers every
//! event exactly once across disconnects, restarts and slow readers.

mod common;

use std::{collections::BTreeSet, time::Duration};

use common::*;
use tonic::{transport::Channel, Code, Streaming};
use wirecopy::{
    api::pb::{self, fact::Body, fact_event::Kind, fact_service_client::FactServiceClient},
    engine::EngineConfig,
    server::ServeOptions,
};

/// A submit request with a publication time (RFC 3339).
fn dated(id: &str, source: &str, body: &str, published: &str) -> pb::SubmitRequest {
    let mut request = request(id, source, body);
    if let Some(article) = request.article.as_mut() {
        article.published_at = Some(published.parse().expect("valid RFC 3339"));
    }
    request
}

async fn facts_of(channel: &Channel, id: &str) -> Vec<pb::Fact> {
    FactServiceClient::new(channel.clone())
        .list_facts(pb::ListFactsRequest {
            article_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .facts
}

fn quotes(facts: &[pb::Fact]) -> Vec<&pb::Quote> {
    facts
        .iter()
        .filter_map(|f| match &f.body {
            Some(Body::Quote(q)) => Some(q),
            _ => None,
        })
        .collect()
}

fn entity<'a>(facts: &'a [pb::Fact], name: &str) -> Option<&'a pb::Entity> {
    facts.iter().find_map(|f| match &f.body {
        Some(Body::Entity(e)) if e.name == name => Some(e),
        _ => None,
    })
}

fn time_value(facts: &[pb::Fact], text: &str) -> Option<String> {
    facts.iter().find_map(|f| match &f.body {
        Some(Body::Time(t)) if t.text == text => Some(t.value.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn the_seeds_yield_speakers_titles_dates_and_organisations() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (title, sputnik) = seed(SEED_SPUTNIK);
    let (_, talks) = seed(SEED_TALKS);
    let mut sputnik_request = dated("sputnik", "urdupoint.com", &sputnik, "2020-12-01T23:32:00Z");
    if let Some(article) = sputnik_request.article.as_mut() {
        article.title = title;
    }
    server.client.submit(sputnik_request).await.unwrap();
    server
        .client
        .submit(dated(
            "talks",
            "other.example",
            &talks,
            "2020-12-01T18:00:00Z",
        ))
        .await
        .unwrap();
    let channel = server.channel().await;

    let sputnik_facts = facts_of(&channel, "sputnik").await;
    let lavrov: Vec<_> = quotes(&sputnik_facts)
        .into_iter()
        .filter(|q| q.speaker == "Sergey Lavrov")
        .collect();
    assert!(
        lavrov.iter().any(|q| q.direct) && lavrov.iter().any(|q| !q.direct),
        "{lavrov:?}"
    );
    assert!(lavrov
        .iter()
        .all(|q| q.speaker_title == "Russian Foreign Minister"));
    assert_eq!(
        time_value(&sputnik_facts, "November 9").as_deref(),
        Some("2020-11-09")
    );
    assert_eq!(
        time_value(&sputnik_facts, "Tuesday").as_deref(),
        Some("2020-12-01")
    );
    assert!(entity(&sputnik_facts, "ICRC").is_some_and(|e| e.r#type == pb::EntityType::Org as i32));
    assert!(entity(&sputnik_facts, "International Committee of the Red Cross").is_some());

    let listed = FactServiceClient::new(channel.clone())
        .list_facts(pb::ListFactsRequest {
            article_id: "talks".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let talks_facts = listed.facts.clone();
    let ayvazian = quotes(&talks_facts)
        .into_iter()
        .find(|q| q.speaker == "Ara Ayvazian" && q.direct)
        .expect("a direct quote by Ara Ayvazian");
    assert_eq!(
        ayvazian.speaker_title, "Amenian counterpart",
        "the seed's own spelling"
    );
    assert!(ayvazian
        .text
        .starts_with("We hope that there will be no obstacles"));
    let putin = entity(&talks_facts, "Vladimir Putin").expect("Putin");
    assert_eq!(putin.titles, vec!["Russian President"]);
    assert!(entity(&talks_facts, "OSCE Minsk Group")
        .is_some_and(|e| e.r#type == pb::EntityType::Org as i32));
    assert_eq!(
        time_value(&talks_facts, "September 27").as_deref(),
        Some("2020-09-27")
    );

    // Provenance is in code points: Python's body[start:end]. (A
    // corroboration carries the fact as first created, whose wording may
    // differ from this article's: "today" for "Tuesday".)
    let chars: Vec<char> = talks.chars().collect();
    let created = talks_facts
        .iter()
        .zip(&listed.corroborated)
        .filter(|(_, c)| !**c);
    for (fact, _) in created {
        let provenance = fact.provenance.clone().unwrap();
        assert_eq!(provenance.article_id, "talks");
        let span: String = chars[provenance.start as usize..provenance.end as usize]
            .iter()
            .collect();
        let expected = match &fact.body {
            Some(Body::Quote(q)) => q.text.clone(),
            Some(Body::Entity(e)) if e.r#type != pb::EntityType::Person as i32 => e.name.clone(),
            Some(Body::Time(t)) => t.text.clone(),
            Some(Body::Quantity(q)) => q.text.clone(),
            _ => continue,
        };
        assert_eq!(span, expected);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_wire_copy_corroborates_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, talks) = seed(SEED_TALKS);
    let original = server
        .client
        .submit(dated("talks", "agency", &talks, "2020-12-01T18:00:00Z"))
        .await
        .unwrap()
        .into_inner();
    assert!(original.facts_created > 10);
    assert_eq!(original.facts_corroborated, 0);
    let copy = format!(
        "By Jane Doe | Reuters\n\nMOSCOW (Reuters) - {}",
        talks
            .replace("progress", "progres")
            .replace(['\u{201C}', '\u{201D}'], "\"")
            .replace('\u{2019}', "'")
    );
    let reprint = server
        .client
        .submit(dated(
            "reprint",
            "reprint.example",
            &copy,
            "2020-12-01T19:00:00Z",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reprint.verdict(), pb::Verdict::WireCopy);
    assert_eq!(reprint.facts_created, 0, "a wire copy brings no new facts");
    assert!(
        reprint.facts_corroborated >= original.facts_created - 1,
        "{reprint:?}"
    );
    // The typo'd quote is the same fact as the original's.
    let channel = server.channel().await;
    let ids = |facts: Vec<pb::Fact>| facts.into_iter().map(|f| f.id).collect::<BTreeSet<_>>();
    let reprint_ids = ids(facts_of(&channel, "reprint").await);
    assert!(reprint_ids.is_subset(&ids(facts_of(&channel, "talks").await)));
    server.stop().await;
}

/// Reads events until `want` sequences are seen or the stream pauses.
async fn read(stream: &mut Streaming<pb::FactEvent>, want: usize) -> Vec<pb::FactEvent> {
    let mut events = Vec::new();
    while events.len() < want {
        match tokio::time::timeout(Duration::from_secs(20), stream.message()).await {
            Ok(Ok(Some(event))) if event.kind != Kind::Heartbeat as i32 => events.push(event),
            Ok(Ok(Some(_))) => {}
            other => panic!(
                "stream ended early after {} events: {other:?}",
                events.len()
            ),
        }
    }
    events
}

async fn subscribe(channel: &Channel, after: u64) -> Streaming<pb::FactEvent> {
    FactServiceClient::new(channel.clone())
        .subscribe(pb::SubscribeRequest {
            after_sequence: after,
            include_corroborations: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// Stores `count` articles; each is seed 000 with a line of its own, so
/// each yields new facts and corroborations.
async fn ingest(server: &mut TestServer, from: usize, count: usize) -> u64 {
    let (_, talks) = seed(SEED_TALKS);
    let mut events = 0;
    for n in from..from + count {
        let body = format!("{talks}\nOfficials in city number {n} counted {n} ballots on Tuesday, Mayor Anna Smith{n} said.");
        let response = server
            .client
            .submit(dated(
                &format!("a{n}"),
                "wire",
                &body,
                "2020-12-01T18:00:00Z",
            ))
            .await
            .unwrap()
            .into_inner();
        events += u64::from(response.facts_created + response.facts_corroborated);
    }
    events
}

fn assert_exactly_once(events: &[pb::FactEvent], total: u64) {
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    let expected: Vec<u64> = (1..=total).collect();
    assert_eq!(sequences, expected, "every event exactly once, in order");
}

#[tokio::test]
async fn a_subscriber_resumes_after_disconnects_and_a_restart_with_every_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let mut total = ingest(&mut server, 0, 5).await;
    let channel = server.channel().await;

    // Disconnect at a random point, resume from the last sequence seen.
    let cut = 1 + (std::process::id() as usize % (total as usize - 1));
    let mut stream = subscribe(&channel, 0).await;
    let mut seen = read(&mut stream, cut).await;
    drop(stream);
    let mut stream = subscribe(&channel, seen.last().map_or(0, |e| e.sequence)).await;
    // Live events while the resumed stream replays: no gap at the switch.
    total += ingest(&mut server, 5, 3).await;
    seen.extend(read(&mut stream, total as usize - seen.len()).await);
    assert_exactly_once(&seen, total);
    drop(stream);

    // Across a restart: the cursor stays valid and numbering continues.
    server.stop().await;
    let mut server = TestServer::start(dir.path()).await;
    let channel = server.channel().await;
    let after = seen.last().map_or(0, |e| e.sequence);
    let mut stream = subscribe(&channel, after).await;
    total += ingest(&mut server, 8, 2).await;
    seen.extend(read(&mut stream, total as usize - seen.len()).await);
    assert_exactly_once(&seen, total);

    // A cursor beyond the head is OUT_OF_RANGE.
    let status = FactServiceClient::new(channel.clone())
        .subscribe(pb::SubscribeRequest {
            after_sequence: total + 1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange);
    assert!(status.message().starts_with("after_sequence:"));
    server.stop().await;
}

#[tokio::test]
async fn a_slow_subscriber_does_not_stall_ingest_and_still_gets_everything() {
    let dir = tempfile::tempdir().unwrap();
    // A small live buffer, so that the subscriber surely falls behind it and
    // has to catch up from the store.
    let config = EngineConfig {
        live_buffer: 512,
        ..EngineConfig::default()
    };
    let mut server = TestServer::start_with(dir.path(), config, ServeOptions::default()).await;
    let channel = server.channel().await;
    // Subscribed, but not reading: its queues fill while ingest goes on.
    let mut slow = subscribe(&channel, 0).await;
    let total = tokio::time::timeout(Duration::from_secs(120), ingest(&mut server, 0, 250))
        .await
        .expect("ingest is not held up by a subscriber that does not read");
    assert!(
        total > 4096 + 512,
        "enough events to overflow the live buffer: {total}"
    );
    let events = read(&mut slow, total as usize).await;
    assert_exactly_once(&events, total);
    server.stop().await;
}

#[tokio::test]
async fn filters_heartbeats_and_list_facts_errors() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        heartbeat: Duration::from_millis(200),
        ..ServeOptions::default()
    };
    let mut server = TestServer::start_with(dir.path(), EngineConfig::default(), options).await;
    let total = ingest(&mut server, 0, 2).await;
    let channel = server.channel().await;
    let mut client = FactServiceClient::new(channel.clone());

    let mut quotes_by_ayvazian = client
        .subscribe(pb::SubscribeRequest {
            kinds: vec![pb::FactKind::Quote as i32],
            entity: "ayvazian".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let first = read(&mut quotes_by_ayvazian, 1).await;
    match &first[0].fact.as_ref().and_then(|f| f.body.clone()) {
        Some(Body::Quote(q)) => assert_eq!(q.speaker, "Ara Ayvazian"),
        other => panic!("expected a quote, got {other:?}"),
    }

    let mut nothing = client
        .subscribe(pb::SubscribeRequest {
            entity: "Nobody Atall".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let heartbeat = tokio::time::timeout(Duration::from_secs(20), nothing.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(heartbeat.kind, Kind::Heartbeat as i32);
    assert_eq!(
        heartbeat.sequence, total,
        "a heartbeat carries the scanned head"
    );

    // Another source's facts only: nothing matches, heartbeats flow.
    let mut other_source = client
        .subscribe(pb::SubscribeRequest {
            sources: vec!["elsewhere.example".into()],
            include_corroborations: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let silence = tokio::time::timeout(Duration::from_secs(20), other_source.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (silence.kind, silence.sequence),
        (Kind::Heartbeat as i32, total)
    );

    // `from_now` starts at the head: the first event is the next one stored.
    let mut from_now = client
        .subscribe(pb::SubscribeRequest {
            from_now: true,
            include_corroborations: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    ingest(&mut server, 2, 1).await;
    let next = read(&mut from_now, 1).await;
    assert_eq!(next[0].sequence, total + 1);
    assert_eq!(next[0].article_id, "a2");

    let status = client
        .list_facts(pb::ListFactsRequest {
            article_id: "missing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = client
        .subscribe(pb::SubscribeRequest {
            kinds: vec![42],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    server.stop().await;
}

#[tokio::test]
async fn two_hundred_subscribers_each_get_every_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let mut channels = Vec::new();
    for _ in 0..4 {
        channels.push(server.channel().await);
    }
    // Half subscribe before ingest (they follow live), half after (they
    // replay from the store first).
    let mut early = Vec::new();
    for n in 0..100 {
        early.push(subscribe(&channels[n % 4], 0).await);
    }
    let total = ingest(&mut server, 0, 4).await;
    let mut late = Vec::new();
    for n in 0..100 {
        late.push(subscribe(&channels[n % 4], 0).await);
    }
    let readers: Vec<_> = early
        .into_iter()
        .chain(late)
        .map(|mut stream| tokio::spawn(async move { read(&mut stream, total as usize).await }))
        .collect();
    for reader in readers {
        assert_exactly_once(&reader.await.unwrap(), total);
    }
    server.stop().await;
}
