//! The fact events of the latest commits, kept in memory for subscribers.
//!
//! One ring shared by every subscription: the writer appends each durable
//! group's events in sequence order, and a subscription reads the events
//! after its own cursor, as many as it likes, without a copy per
//! subscriber. A subscription whose cursor is older than the ring's oldest
//! event reads from the store instead, which costs far more (each event's
//! article and facts decoded again), so the ring is what keeps a hundred
//! subscribers at the pace of ingest: a subscriber that falls a little
//! behind catches up from memory instead of falling further behind.
//!
//! Events of a deleted article leave the ring with it, as they are not
//! replayed from the store either (its words are gone); the notices its
//! deletion published stay. While nobody subscribes the ring keeps
//! nothing: a subscription that starts later reads what came before it
//! from the store, and a server without subscribers does not hold some
//! 50 MB of events no one reads.

use std::{
    collections::{HashSet, VecDeque},
    sync::{Arc, RwLock},
};

use tokio::sync::watch;

use super::subscription::FactEvent;

/// What a read of the ring found after a cursor.
#[derive(Debug, PartialEq)]
pub(crate) enum LiveRead {
    /// The next events after the cursor, in sequence order.
    Events(Vec<Arc<FactEvent>>),
    /// Nothing has been published after the cursor yet.
    UpToDate,
    /// The events after the cursor have left the ring: read the store.
    InStoreOnly,
}

struct LiveEvent {
    /// The article whose fact it is (none for a deletion's notice).
    article: Option<u64>,
    event: Arc<FactEvent>,
}

struct Ring {
    events: VecDeque<LiveEvent>,
    capacity: usize,
    /// Every event up to here is stored but no longer (or never was) in
    /// the ring.
    evicted_through: u64,
}

/// The shared ring and the signal that it grew.
pub(crate) struct LiveEvents {
    ring: RwLock<Ring>,
    published: watch::Sender<u64>,
}

impl LiveEvents {
    /// An empty ring of `capacity` events over a store whose events run up
    /// to `head`.
    pub(crate) fn new(capacity: usize, head: u64) -> Self {
        LiveEvents {
            ring: RwLock::new(Ring {
                events: VecDeque::with_capacity(capacity.min(4096)),
                capacity: capacity.max(1),
                evicted_through: head,
            }),
            published: watch::Sender::new(head),
        }
    }

    /// A receiver that changes whenever events are published (its value is
    /// the last published sequence).
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// A durable group's events up to `last` with no subscription open:
    /// the ring is emptied and keeps none of them (the caller need not
    /// build them), so a subscription that starts later reads them from the
    /// store.
    pub(crate) fn pass(&self, last: u64) {
        {
            let mut ring = self.ring.write().unwrap_or_else(|p| p.into_inner());
            ring.events.clear();
            ring.evicted_through = last;
        }
        self.published.send_replace(last);
    }

    /// Appends a durable group's events (each with its article's sequence,
    /// none for a notice), then takes out every event of the articles in
    /// `deleted`, and wakes the subscriptions.
    pub(crate) fn publish(
        &self,
        mut events: Vec<(Option<u64>, Arc<FactEvent>)>,
        deleted: &HashSet<u64>,
    ) {
        let Some(last) = events.iter().map(|(_, event)| event.sequence).max() else {
            return;
        };
        // A group may number a deletion's notices before the facts of an
        // article queued after it; readers rely on sequence order.
        events.sort_unstable_by_key(|(_, event)| event.sequence);
        {
            let mut ring = self.ring.write().unwrap_or_else(|p| p.into_inner());
            ring.events.extend(
                events
                    .into_iter()
                    .map(|(article, event)| LiveEvent { article, event }),
            );
            if !deleted.is_empty() {
                ring.events
                    .retain(|e| e.article.is_none_or(|article| !deleted.contains(&article)));
            }
            while ring.events.len() > ring.capacity {
                if let Some(oldest) = ring.events.pop_front() {
                    ring.evicted_through = oldest.event.sequence;
                }
            }
        }
        self.published.send_replace(last);
    }

    /// Up to `limit` events after `cursor`.
    pub(crate) fn after(&self, cursor: u64, limit: usize) -> LiveRead {
        let ring = self.ring.read().unwrap_or_else(|p| p.into_inner());
        if cursor < ring.evicted_through {
            return LiveRead::InStoreOnly;
        }
        let start = ring.events.partition_point(|e| e.event.sequence <= cursor);
        if start == ring.events.len() {
            return LiveRead::UpToDate;
        }
        LiveRead::Events(
            ring.events
                .range(start..)
                .take(limit)
                .map(|e| Arc::clone(&e.event))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{engine::subscription::EventKind, facts::FactId};

    fn event(sequence: u64) -> Arc<FactEvent> {
        Arc::new(FactEvent {
            sequence,
            kind: EventKind::Created,
            fact_id: FactId([0; 32]),
            fact: None,
            article_id: format!("a{sequence}"),
            source: "s".into(),
            encoded: Default::default(),
        })
    }

    fn sequences(read: LiveRead) -> Vec<u64> {
        match read {
            LiveRead::Events(events) => events.iter().map(|e| e.sequence).collect(),
            other => panic!("expected events, got {other:?}"),
        }
    }

    #[test]
    fn reads_after_a_cursor_and_sends_old_cursors_to_the_store() {
        let live = LiveEvents::new(4, 10);
        assert_eq!(live.after(10, 8), LiveRead::UpToDate);
        assert_eq!(live.after(9, 8), LiveRead::InStoreOnly);
        // Out of order within a group, as a deletion's notices can be.
        let group = [13, 11, 12].map(|s| (Some(s), event(s)));
        live.publish(group.into(), &HashSet::new());
        assert_eq!(*live.watch().borrow(), 13);
        assert_eq!(sequences(live.after(10, 8)), [11, 12, 13]);
        assert_eq!(sequences(live.after(11, 1)), [12]);
        assert_eq!(live.after(13, 8), LiveRead::UpToDate);
        // Two more overflow the ring: 11 leaves it.
        live.publish(
            vec![(Some(14), event(14)), (None, event(15))],
            &HashSet::new(),
        );
        assert_eq!(live.after(10, 8), LiveRead::InStoreOnly);
        assert_eq!(sequences(live.after(11, 8)), [12, 13, 14, 15]);
        // Nobody subscribed: nothing kept, everything in the store.
        live.pass(16);
        assert_eq!(live.after(15, 8), LiveRead::InStoreOnly);
        assert_eq!(live.after(16, 8), LiveRead::UpToDate);
    }

    #[test]
    fn a_deleted_articles_events_leave_but_notices_stay() {
        let live = LiveEvents::new(8, 0);
        live.publish(
            vec![(Some(1), event(1)), (Some(2), event(2))],
            &HashSet::new(),
        );
        live.publish(vec![(None, event(3))], &HashSet::from([1]));
        assert_eq!(sequences(live.after(0, 8)), [2, 3]);
        assert_eq!(sequences(live.after(1, 8)), [2, 3]);
    }
}
