//! The matcher's view of stored paragraphs.
//!
//! [`Lookup`] implements the pure matcher's [`ParagraphSource`] on top of
//! the store and the shared anchor index, plus, inside the writer, the
//! batch still being assembled, so that the tenth article of a group
//! commit already sees the first nine.

use std::{
    collections::{HashMap, HashSet},
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use lru::LruCache;

use super::Shared;
use crate::{
    facts::FactId,
    matching::{AnchorIndex, Candidate, KnownParagraph, ParagraphSource, Proposal},
    store::{ArticleFact, ArticleRecord, FactRecord, ParagraphRecord, Store, StoreError},
    text::{
        normalize::normalize,
        shingles::{shingle_hashes, shingle_set},
        Fingerprint, TextConfig,
    },
};

/// What the writer has analysed but not yet committed.
#[derive(Default)]
pub(crate) struct Pending {
    /// New articles by id.
    pub articles: HashMap<String, ArticleRecord>,
    /// Ids of new articles by sequence.
    pub ids: HashMap<u64, String>,
    /// New or updated paragraphs, in their final state.
    pub paragraphs: HashMap<Fingerprint, ParagraphRecord>,
    /// Anchors of the new paragraphs, for matching within the batch.
    pub index: AnchorIndex,
    /// New paragraphs and their anchors, to add to the shared index once
    /// committed.
    pub new_anchors: Vec<(Fingerprint, Vec<u64>)>,
    /// Shingle sets of the new paragraphs, to cache once committed.
    pub new_shingles: Vec<(Fingerprint, Arc<[u64]>)>,
    /// Fingerprints of the paragraphs first stored by this batch.
    pub new_paragraphs: HashSet<Fingerprint>,
    /// Fingerprints of earlier paragraphs whose count this batch raised.
    pub counted: HashSet<Fingerprint>,
    /// Facts of the new articles, by article sequence.
    pub article_facts: HashMap<u64, Vec<ArticleFact>>,
    /// New or updated fact records, in their final state.
    pub facts: HashMap<FactId, FactRecord>,
}

impl Pending {
    /// The id of the article with `sequence`, pending or stored.
    pub fn article_id(
        &self,
        store: &dyn Store,
        sequence: u64,
    ) -> Result<Option<String>, StoreError> {
        match self.ids.get(&sequence) {
            Some(id) => Ok(Some(id.clone())),
            None => store.article_id(sequence),
        }
    }

    /// The paragraph with `fingerprint`, pending or stored.
    pub fn paragraph(
        &self,
        store: &dyn Store,
        fingerprint: &Fingerprint,
    ) -> Result<Option<ParagraphRecord>, StoreError> {
        match self.paragraphs.get(fingerprint) {
            Some(record) => Ok(Some(record.clone())),
            None => store.paragraph(fingerprint),
        }
    }
}

/// Paragraph source over the store, the shared index and (in the writer)
/// the pending batch.
pub(crate) struct Lookup<'a> {
    pub store: &'a dyn Store,
    pub index: &'a AnchorIndex,
    pub pending: Option<&'a Pending>,
    pub text: &'a TextConfig,
    pub shingles: &'a ShingleCache,
}

/// Shingle sets of recently matched paragraphs. Verifying a candidate
/// needs its full shingle set; recomputing it means normalising the stored
/// text again, which was a quarter of the writer's time. Wire stories are
/// copied in bursts, so recent paragraphs are the ones asked for again.
pub(crate) struct ShingleCache {
    sets: Mutex<LruCache<Fingerprint, Arc<[u64]>>>,
}

impl ShingleCache {
    /// A cache of up to `capacity` shingle sets.
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        ShingleCache {
            sets: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The cached set of `fingerprint`, or `compute`'s, cached.
    pub fn get_or_compute(
        &self,
        fingerprint: &Fingerprint,
        compute: impl FnOnce() -> Vec<u64>,
    ) -> Arc<[u64]> {
        if let Some(found) = self.lock().get(fingerprint) {
            return Arc::clone(found);
        }
        let set: Arc<[u64]> = compute().into();
        self.insert(*fingerprint, Arc::clone(&set));
        set
    }

    /// Caches the set of a paragraph just stored.
    pub fn insert(&self, fingerprint: Fingerprint, set: Arc<[u64]>) {
        self.lock().put(fingerprint, set);
    }

    // A poisoned cache is still a valid cache.
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Fingerprint, Arc<[u64]>>> {
        self.sets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<'a> Lookup<'a> {
    /// A source over the store, `index`, and (in the writer) the pending
    /// group.
    pub fn new(shared: &'a Shared, index: &'a AnchorIndex, pending: Option<&'a Pending>) -> Self {
        Lookup {
            store: shared.store.as_ref(),
            index,
            pending,
            text: &shared.config.text,
            shingles: &shared.shingles,
        }
    }

    fn record(&self, fingerprint: &Fingerprint) -> Result<Option<ParagraphRecord>, StoreError> {
        match self.pending {
            Some(pending) => pending.paragraph(self.store, fingerprint),
            None => self.store.paragraph(fingerprint),
        }
    }
}

fn known(record: &ParagraphRecord) -> KnownParagraph {
    KnownParagraph {
        origin: record.origin,
        article_count: record.article_count,
    }
}

impl ParagraphSource for Lookup<'_> {
    type Error = StoreError;

    fn exact(&mut self, fingerprint: &Fingerprint) -> Result<Option<KnownParagraph>, StoreError> {
        Ok(self.record(fingerprint)?.as_ref().map(known))
    }

    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal> {
        let mut found = self.index.candidates(anchors, limit);
        if let Some(pending) = self.pending {
            // Rank the pending group's paragraphs as if they were already
            // in the shared index, after everything there: the result must
            // not depend on where group commits happen to split.
            found.extend(pending.index.candidates(anchors, limit));
            found.sort_by_key(|proposal| std::cmp::Reverse(proposal.shared_anchors));
            found.truncate(limit);
        }
        found
    }

    fn candidate(&mut self, fingerprint: &Fingerprint) -> Result<Option<Candidate>, StoreError> {
        let Some(record) = self.record(fingerprint)? else {
            return Ok(None);
        };
        let shingles = self.shingles.get_or_compute(fingerprint, || {
            shingle_set(&shingle_hashes(
                &normalize(&record.text),
                self.text.shingles,
            ))
        });
        Ok(Some((known(&record), shingles)))
    }
}
