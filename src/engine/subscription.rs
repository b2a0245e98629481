//! The fact stream: replay from the store, then follow live, with no gap
//! and no duplicate at the switch-over.
//!
//! Every subscriber is a task with a cursor: the last sequence it has
//! scanned. It reads the events after its cursor from the shared ring of
//! recent events ([`super::live_events`]) when the ring still holds them,
//! else from the store in batches, and waits for the next publish when it
//! has seen everything. Ingest never waits for a subscriber, and no
//! subscriber holds more than its own small output queue. While a filtered
//! stream has nothing to send, it sends heartbeats carrying its cursor.
//!
//! A deleted article's own events are not replayed (its words are gone);
//! what its deletion did to each of its facts follows as events of their
//! own, retracted or withdrawn, which name the fact by id and pass every
//! filter but the source (a withdrawal, like a corroboration, only with
//! `include_corroborations`).

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
    time::Duration,
};

use bytes::Bytes;

use tokio::{
    sync::{mpsc, watch, OwnedSemaphorePermit},
    time::Instant,
};

use super::{live_events::LiveRead, Shared};
use crate::{
    facts::{Fact, FactId, FactKind},
    store::{ArticleFact, FactEventKind, NoticeKind, StoreError, StoredEvent},
};

/// What an event of the stream says of its fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// An article brought it first.
    Created,
    /// A later article confirmed it.
    Corroborated,
    /// The last article carrying it was deleted.
    Retracted,
    /// An article carrying it was deleted; others still do.
    Withdrawn,
}

impl From<FactEventKind> for EventKind {
    fn from(kind: FactEventKind) -> Self {
        match kind {
            FactEventKind::Created => EventKind::Created,
            FactEventKind::Corroborated => EventKind::Corroborated,
        }
    }
}

impl From<NoticeKind> for EventKind {
    fn from(kind: NoticeKind) -> Self {
        match kind {
            NoticeKind::Retracted => EventKind::Retracted,
            NoticeKind::Withdrawn => EventKind::Withdrawn,
        }
    }
}

/// One event of the fact stream.
#[derive(Clone, Debug, PartialEq)]
pub struct FactEvent {
    /// Contiguous sequence number, from 1.
    pub sequence: u64,
    /// Created, corroborated, retracted or withdrawn.
    pub kind: EventKind,
    /// The fact's id.
    pub fact_id: FactId,
    /// The fact, with its provenance in `article_id`; none when the event
    /// is what a delete did to it (retracted, withdrawn).
    pub fact: Option<Fact>,
    /// The article it was found in (for a delete, the deleted article).
    pub article_id: String,
    /// That article's source.
    pub source: String,
    /// The event as the API sends it, encoded by the first stream that
    /// sends it and shared by all the others (the engine never reads it).
    pub encoded: OnceLock<Bytes>,
}

/// What a subscriber wants to see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactFilter {
    /// Only these kinds (all when empty).
    pub kinds: Vec<FactKind>,
    /// Only from articles of these sources (all when empty).
    pub sources: Vec<String>,
    /// Only facts naming this entity or speaker (case-insensitive; a whole
    /// word or words of the name, so "Lavrov" matches "Sergey Lavrov").
    pub entity: Option<String>,
    /// Corroborations too, not only new facts.
    pub include_corroborations: bool,
}

impl FactFilter {
    /// True when `event` passes the filter.
    pub fn matches(&self, event: &FactEvent) -> bool {
        let corroboration = matches!(event.kind, EventKind::Corroborated | EventKind::Withdrawn);
        if corroboration && !self.include_corroborations {
            return false;
        }
        if !self.sources.is_empty()
            && !self
                .sources
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&event.source))
        {
            return false;
        }
        // A retraction or withdrawal names no content to filter on.
        let Some(fact) = &event.fact else {
            return true;
        };
        if !self.kinds.is_empty() && !self.kinds.contains(&fact.body.kind()) {
            return false;
        }
        match &self.entity {
            None => true,
            Some(wanted) => fact
                .body
                .names()
                .is_some_and(|name| names_match(name, wanted)),
        }
    }
}

/// "Lavrov" or "sergey lavrov" matches "Sergey Lavrov": the wanted words
/// appear in order as whole words of the name, ignoring case.
fn names_match(name: &str, wanted: &str) -> bool {
    let name: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    let wanted: Vec<String> = wanted.split_whitespace().map(str::to_lowercase).collect();
    !wanted.is_empty()
        && name
            .windows(wanted.len())
            .any(|window| window == wanted.as_slice())
}

/// What a subscription delivers.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// A matching event.
    Event(Arc<FactEvent>),
    /// Nothing matched for a while; the stream has scanned up to here.
    Heartbeat(u64),
}

/// Events read from the store, or taken from the ring, per step.
const CATCH_UP_BATCH: usize = 512;
/// Batches of deliveries (each up to [`CATCH_UP_BATCH`]) a subscriber may
/// have queued for its client. Batches, so that a hundred streams cost one
/// channel operation per batch each rather than one per event.
const OUTPUT_QUEUE: usize = 4;

/// Stored events read after a cursor.
pub(crate) struct Replay {
    /// The events, deleted articles' own left out.
    pub events: Vec<FactEvent>,
    /// The last sequence read, left out or not (none: nothing after the
    /// cursor is stored).
    pub scanned: Option<u64>,
}

/// Reads up to `limit` stored events after `after`, with their facts and
/// articles.
pub(crate) fn stored_events_after(
    shared: &Shared,
    after: u64,
    limit: usize,
) -> Result<Replay, StoreError> {
    let store = shared.store.as_ref();
    let mut scanned = None;
    // By article sequence; none for a deleted article.
    let mut articles: HashMap<u64, Option<(String, String, Vec<ArticleFact>)>> = HashMap::new();
    let mut events = Vec::new();
    for (sequence, stored) in store.events_after(after, limit)? {
        scanned = Some(sequence);
        let record = match stored {
            StoredEvent::Fact(record) => record,
            StoredEvent::Notice(notice) => {
                events.push(FactEvent {
                    sequence,
                    kind: notice.kind.into(),
                    fact_id: notice.fact,
                    fact: None,
                    article_id: notice.article_id,
                    source: notice.source,
                    encoded: OnceLock::new(),
                });
                continue;
            }
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = articles.entry(record.article) {
            let missing = || StoreError::Corrupt {
                key: format!("event {sequence}"),
                reason: format!("article {} is not stored", record.article),
            };
            slot.insert(match store.article_id(record.article)? {
                Some(id) => {
                    let source = store.article(&id)?.ok_or_else(missing)?.source;
                    let facts = store.article_facts(record.article)?.ok_or_else(missing)?;
                    Some((id, source, facts))
                }
                None if store.is_deleted(record.article)? => None,
                None => return Err(missing()),
            });
        }
        let Some(Some((id, source, facts))) = articles.get(&record.article) else {
            continue;
        };
        let fact = facts
            .get(record.index as usize)
            .ok_or_else(|| StoreError::Corrupt {
                key: format!("event {sequence}"),
                reason: format!("article {} has no fact {}", record.article, record.index),
            })?;
        events.push(FactEvent {
            sequence,
            kind: fact.event.into(),
            fact_id: fact.fact.id,
            fact: Some(fact.fact.clone()),
            article_id: id.clone(),
            source: source.clone(),
            encoded: OnceLock::new(),
        });
    }
    Ok(Replay { events, scanned })
}

/// Starts a subscription task; deliveries arrive on the returned channel,
/// in batches, in sequence order; it closes when the server stops or a
/// store read fails.
pub(crate) fn start(
    shared: Arc<Shared>,
    after: u64,
    filter: FactFilter,
    heartbeat: Duration,
    permit: OwnedSemaphorePermit,
) -> mpsc::Receiver<Vec<Delivery>> {
    let (out, deliveries) = mpsc::channel(OUTPUT_QUEUE);
    tokio::spawn(async move {
        if let Err(error) = follow(shared, after, filter, heartbeat, out).await {
            tracing::error!(%error, "fact subscription ended by a storage error");
        }
        // The subscription's slot is free once it has ended.
        drop(permit);
    });
    deliveries
}

/// Where a subscription stands: its cursor, and when it last told its
/// client anything.
struct Cursor {
    scanned: u64,
    last_sent: Instant,
}

async fn follow(
    shared: Arc<Shared>,
    after: u64,
    filter: FactFilter,
    heartbeat: Duration,
    out: mpsc::Sender<Vec<Delivery>>,
) -> Result<(), StoreError> {
    let mut stopping = shared.stopping.subscribe();
    if *stopping.borrow_and_update() {
        return Ok(());
    }
    let mut published = shared.live.watch();
    let mut cursor = Cursor {
        scanned: after,
        last_sent: Instant::now(),
    };
    loop {
        // Marked seen before the read, so a publish after it wakes us.
        published.borrow_and_update();
        match shared.live.after(cursor.scanned, CATCH_UP_BATCH) {
            LiveRead::Events(events) => {
                if !deliver(events, &filter, &mut cursor, &out).await {
                    return Ok(());
                }
            }
            LiveRead::InStoreOnly => {
                let reader = Arc::clone(&shared);
                let from = cursor.scanned;
                let replay = tokio::task::spawn_blocking(move || {
                    stored_events_after(&reader, from, CATCH_UP_BATCH)
                })
                .await
                .map_err(|e| StoreError::Io(format!("replay task failed: {e}")))??;
                match replay.scanned {
                    Some(scanned) => {
                        let events = replay.events.into_iter().map(Arc::new).collect();
                        if !deliver(events, &filter, &mut cursor, &out).await {
                            return Ok(());
                        }
                        // Past the deleted articles' events too.
                        cursor.scanned = cursor.scanned.max(scanned);
                    }
                    // The ring starts where the stored events end, so this
                    // does not happen; waiting is the safe answer if it does.
                    None => {
                        if !idle(&mut cursor, heartbeat, &mut published, &mut stopping, &out).await
                        {
                            return Ok(());
                        }
                    }
                }
            }
            LiveRead::UpToDate => {
                if !idle(&mut cursor, heartbeat, &mut published, &mut stopping, &out).await {
                    return Ok(());
                }
            }
        }
        // A filtered stream scanning events it does not want still says
        // how far it has got.
        if cursor.last_sent.elapsed() >= heartbeat && !send_heartbeat(&mut cursor, &out).await {
            return Ok(());
        }
    }
}

/// Sends the events that pass `filter`, moving the cursor over all of
/// them; false when the client has gone.
async fn deliver(
    events: Vec<Arc<FactEvent>>,
    filter: &FactFilter,
    cursor: &mut Cursor,
    out: &mpsc::Sender<Vec<Delivery>>,
) -> bool {
    let Some(last) = events.last().map(|event| event.sequence) else {
        return true;
    };
    let batch: Vec<Delivery> = events
        .into_iter()
        .filter(|event| filter.matches(event))
        .map(Delivery::Event)
        .collect();
    if !batch.is_empty() {
        if out.send(batch).await.is_err() {
            return false;
        }
        cursor.last_sent = Instant::now();
    }
    cursor.scanned = last;
    true
}

/// Waits for a publish, sending a heartbeat if one falls due first; false
/// when the server stops or the client has gone.
async fn idle(
    cursor: &mut Cursor,
    heartbeat: Duration,
    published: &mut watch::Receiver<u64>,
    stopping: &mut watch::Receiver<bool>,
    out: &mpsc::Sender<Vec<Delivery>>,
) -> bool {
    tokio::select! {
        changed = published.changed() => changed.is_ok(),
        () = tokio::time::sleep_until(cursor.last_sent + heartbeat) => {
            send_heartbeat(cursor, out).await
        }
        // Only ever set once, to true: any change means stop.
        _ = stopping.changed() => false,
        () = out.closed() => false,
    }
}

async fn send_heartbeat(cursor: &mut Cursor, out: &mpsc::Sender<Vec<Delivery>>) -> bool {
    cursor.last_sent = Instant::now();
    out.send(vec![Delivery::Heartbeat(cursor.scanned)])
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Entity, EntityType, FactBody, FactId, Provenance};

    fn event(name: &str, kind: EventKind, source: &str) -> FactEvent {
        FactEvent {
            sequence: 1,
            kind,
            fact_id: FactId([0; 32]),
            fact: Some(Fact {
                id: FactId([0; 32]),
                body: FactBody::Entity(Entity {
                    name: name.into(),
                    entity_type: EntityType::Person,
                    titles: vec![],
                }),
                confidence: 0.9,
                provenance: Provenance {
                    paragraph_index: 0,
                    start: 0,
                    end: 1,
                },
            }),
            article_id: "a".into(),
            source: source.into(),
            encoded: OnceLock::new(),
        }
    }

    #[test]
    fn filters_by_kind_source_entity_and_corroboration() {
        let created = event("Sergey Lavrov", EventKind::Created, "tass.ru");
        let corroborated = event("Sergey Lavrov", EventKind::Corroborated, "tass.ru");
        let all = FactFilter::default();
        assert!(all.matches(&created) && !all.matches(&corroborated));
        let with = FactFilter {
            include_corroborations: true,
            ..FactFilter::default()
        };
        assert!(with.matches(&corroborated));
        let by_name = FactFilter {
            entity: Some("lavrov".into()),
            ..FactFilter::default()
        };
        assert!(by_name.matches(&created));
        let other = FactFilter {
            entity: Some("Lavro".into()),
            ..FactFilter::default()
        };
        assert!(!other.matches(&created));
        let quotes = FactFilter {
            kinds: vec![FactKind::Quote],
            ..FactFilter::default()
        };
        assert!(!quotes.matches(&created));
        let source = FactFilter {
            sources: vec!["TASS.ru".into()],
            ..FactFilter::default()
        };
        assert!(source.matches(&created));
        // What a delete did names no content: only the source and
        // corroborations filter it.
        let notice = |kind| FactEvent {
            fact: None,
            ..event("", kind, "tass.ru")
        };
        let (retracted, withdrawn) = (notice(EventKind::Retracted), notice(EventKind::Withdrawn));
        assert!(quotes.matches(&retracted) && other.matches(&retracted));
        assert!(!all.matches(&withdrawn) && with.matches(&withdrawn));
        let elsewhere = FactFilter {
            sources: vec!["reuters.com".into()],
            ..FactFilter::default()
        };
        assert!(!elsewhere.matches(&retracted));
    }
}
