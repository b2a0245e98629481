//! What lets analysis run in parallel and still answer as a serial run.
//!
//! A submit is analysed (matched, its facts classified) on the prepare
//! threads against the committed window alone, while the writer admits
//! other articles. Every key the analysis reads is noted in a [`ReadSet`]
//! (paragraph fingerprints, anchors, boilerplate evidence lines, fact ids,
//! the article's own id), with the [`ViewPoint`] it read: how far the
//! window had got. The writer notes the keys each admitted article writes
//! ([`RecentWrites`]). At admit, an analysis stands when no article
//! admitted after its view point wrote a key it read, and the window has
//! neither started a generation nor seen a deletion since: it then read
//! exactly what a serial analysis at that point would have read, and
//! decides the same. Otherwise the writer analyses the article again
//! against the window and the group ahead of it. Keys are 64-bit hashes:
//! two keys sharing a hash only cost a needless second analysis, never a
//! different answer.

use std::{cell::RefCell, collections::VecDeque};

use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::recent::Recent;
use crate::{facts::FactId, text::Fingerprint};

/// What a key names; its value seeds the key's hash, so that equal bytes
/// of different kinds make different keys.
#[derive(Clone, Copy)]
enum KeyKind {
    Paragraph = 1,
    Anchor = 2,
    Evidence = 3,
    Fact = 4,
    Article = 5,
}

fn key(kind: KeyKind, bytes: &[u8]) -> u64 {
    xxh3_64_with_seed(bytes, kind as u64)
}

/// The key of a paragraph text (its record, its article count).
pub(crate) fn paragraph_key(fingerprint: &Fingerprint) -> u64 {
    key(KeyKind::Paragraph, &fingerprint.0)
}

/// The key of an anchor's postings in the window's index.
pub(crate) fn anchor_key(anchor: u64) -> u64 {
    key(KeyKind::Anchor, &anchor.to_le_bytes())
}

/// The key of a line's (or template's) boilerplate evidence count.
pub(crate) fn evidence_key(line: &Fingerprint) -> u64 {
    key(KeyKind::Evidence, &line.0)
}

/// The key of a fact id: whether the fact is known.
pub(crate) fn fact_key(id: &FactId) -> u64 {
    key(KeyKind::Fact, &id.0)
}

/// The key of an article id: whether it is stored.
pub(crate) fn article_key(id: &str) -> u64 {
    key(KeyKind::Article, id.as_bytes())
}

/// How far the window had got when an analysis read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ViewPoint {
    /// The first article sequence the window did not hold.
    pub next_article: u64,
    /// The window's current generation.
    pub generation: u64,
    /// Deletions the window reflected.
    pub deletions: u64,
}

impl ViewPoint {
    /// Where `recent` stands.
    pub fn of(recent: &Recent) -> ViewPoint {
        ViewPoint {
            next_article: recent.last_article() + 1,
            generation: recent.current_generation(),
            deletions: recent.deletions(),
        }
    }
}

/// The keys one analysis read, noted as it reads them.
#[derive(Default)]
pub(crate) struct ReadSet {
    keys: RefCell<Vec<u64>>,
}

impl ReadSet {
    /// Notes a key read.
    pub fn note(&self, key: u64) {
        self.keys.borrow_mut().push(key);
    }

    /// Notes several keys read.
    pub fn note_all(&self, keys: impl IntoIterator<Item = u64>) {
        self.keys.borrow_mut().extend(keys);
    }

    /// The keys read, sorted, without repeats.
    pub fn into_keys(self) -> Vec<u64> {
        let mut keys = self.keys.into_inner();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// The keys written by the articles the writer admitted lately, each with
/// the sequence of the last article that wrote it. Kept for the most
/// recent `capacity` articles: an analysis whose view is older than that
/// is simply done again.
pub(crate) struct RecentWrites {
    last_writer: FxHashMap<u64, u64>,
    by_article: VecDeque<(u64, Vec<u64>)>,
    /// Every article admitted with this sequence or later has its writes
    /// here.
    complete_from: u64,
    capacity: usize,
}

impl RecentWrites {
    /// Nothing admitted yet; the next article will have `next_article`.
    pub fn new(next_article: u64, capacity: usize) -> RecentWrites {
        RecentWrites {
            last_writer: FxHashMap::default(),
            by_article: VecDeque::new(),
            complete_from: next_article,
            capacity: capacity.max(1),
        }
    }

    /// Notes the keys written by the article admitted as `sequence`.
    pub fn record(&mut self, sequence: u64, keys: Vec<u64>) {
        for key in &keys {
            self.last_writer.insert(*key, sequence);
        }
        self.by_article.push_back((sequence, keys));
        while self.by_article.len() > self.capacity {
            let Some((oldest, keys)) = self.by_article.pop_front() else {
                break;
            };
            for key in keys {
                if self.last_writer.get(&key) == Some(&oldest) {
                    self.last_writer.remove(&key);
                }
            }
            self.complete_from = self.complete_from.max(oldest + 1);
        }
    }

    /// Forgets everything: a group was not committed, and its sequences
    /// will be given again. Analyses made before are done again.
    pub fn reset(&mut self, next_article: u64) {
        self.last_writer.clear();
        self.by_article.clear();
        self.complete_from = next_article;
    }

    /// True when an analysis that read `reads` at `point` reads the same
    /// against `now`: nothing it read was written by an article admitted
    /// after its point, and the window changed in no other way.
    pub fn still_valid(&self, point: &ViewPoint, reads: &[u64], now: &ViewPoint) -> bool {
        point.generation == now.generation
            && point.deletions == now.deletions
            && point.next_article >= self.complete_from
            && reads.iter().all(|key| {
                self.last_writer
                    .get(key)
                    .is_none_or(|writer| *writer < point.next_article)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(next_article: u64) -> ViewPoint {
        ViewPoint {
            next_article,
            generation: 0,
            deletions: 0,
        }
    }

    #[test]
    fn an_analysis_stands_unless_a_later_article_wrote_what_it_read() {
        let mut writes = RecentWrites::new(1, 16);
        writes.record(1, vec![10, 11]);
        writes.record(2, vec![12]);
        let now = point(3);
        // Read at 2: article 1 was in its view, article 2 was not.
        assert!(writes.still_valid(&point(2), &[10, 11, 99], &now));
        assert!(!writes.still_valid(&point(2), &[99, 12], &now));
        assert!(writes.still_valid(&point(3), &[12], &now));
    }

    #[test]
    fn a_new_generation_or_a_deletion_invalidates_every_analysis_before_it() {
        let writes = RecentWrites::new(1, 16);
        let before = point(1);
        let generation = ViewPoint {
            generation: 1,
            ..before
        };
        let deletion = ViewPoint {
            deletions: 1,
            ..before
        };
        assert!(writes.still_valid(&before, &[1], &before));
        assert!(!writes.still_valid(&before, &[1], &generation));
        assert!(!writes.still_valid(&before, &[1], &deletion));
    }

    #[test]
    fn an_analysis_older_than_the_kept_writes_is_done_again() {
        let mut writes = RecentWrites::new(1, 2);
        for sequence in 1..=3 {
            writes.record(sequence, vec![100 + sequence]);
        }
        let now = point(4);
        // Article 1's writes are forgotten: a view from before it cannot
        // be checked any more.
        assert!(!writes.still_valid(&point(1), &[7], &now));
        assert!(writes.still_valid(&point(2), &[7], &now));
        assert!(!writes.still_valid(&point(2), &[102], &now));
        writes.reset(4);
        assert!(!writes.still_valid(&point(3), &[7], &now));
        assert!(writes.still_valid(&point(4), &[7], &now));
    }

    #[test]
    fn keys_of_different_kinds_differ() {
        let fingerprint = Fingerprint([7; 32]);
        assert_ne!(paragraph_key(&fingerprint), evidence_key(&fingerprint));
        assert_ne!(anchor_key(5), anchor_key(6));
    }
}
