//! The matcher's view of stored paragraphs.
//!
//! [`Lookup`] implements the pure matcher's [`ParagraphSource`] on top of
//! the store and the shared anchor index, plus, inside the writer, the
//! batch still being assembled, so that the tenth article of a group
//! commit already sees the first nine, and the boilerplate lines learned
//! so far.

use std::{
    collections::{HashMap, HashSet},
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use lru::LruCache;
use rustc_hash::FxHashMap;

use super::Shared;
use crate::{
    facts::FactId,
    matching::{
        passages::StoredText, AnchorIndex, BoilerplateConfig, Candidate, KnownParagraph,
        ParagraphSource, Proposal,
    },
    store::{ArticleFact, ArticleRecord, FactRecord, ParagraphRecord, Store, StoreError},
    text::{Fingerprint, TextConfig},
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
    /// Aligned texts of the new paragraphs, to cache once committed.
    pub new_texts: Vec<(Fingerprint, Arc<StoredText>)>,
    /// Boilerplate evidence counts (lines found isolated, template
    /// fillings) this batch changed: totals, including the stored counts.
    pub isolated: FxHashMap<Fingerprint, u32>,
    /// Fingerprints of the paragraphs first stored by this batch.
    pub new_paragraphs: HashSet<Fingerprint>,
    /// Fingerprints of earlier paragraphs whose count this batch raised.
    pub counted: HashSet<Fingerprint>,
    /// Facts of the new articles, by article sequence.
    pub article_facts: HashMap<u64, Vec<ArticleFact>>,
    /// New or updated fact records, in their final state.
    pub facts: HashMap<FactId, FactRecord>,
}

/// How often a line was found isolated (or a template key filled): the
/// pending group's total when it changed the count, else the committed one.
pub(crate) fn evidence_count(
    pending: Option<&Pending>,
    committed: &FxHashMap<Fingerprint, u32>,
    key: &Fingerprint,
) -> u32 {
    pending
        .and_then(|p| p.isolated.get(key))
        .or_else(|| committed.get(key))
        .copied()
        .unwrap_or(0)
}

impl Pending {
    /// Counts one more piece of boilerplate evidence for `key`.
    pub fn count_evidence(&mut self, committed: &FxHashMap<Fingerprint, u32>, key: Fingerprint) {
        let count = evidence_count(Some(self), committed, &key);
        self.isolated.insert(key, count.saturating_add(1));
    }

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
    pub texts: &'a TextCache,
    /// Isolation counts of lines, as committed before this batch.
    pub isolated: &'a FxHashMap<Fingerprint, u32>,
    /// What the counts mean.
    pub boilerplate: BoilerplateConfig,
}

/// Aligned texts of recently matched paragraphs. Aligning a candidate
/// needs its shingles in order; recomputing them means normalising the
/// stored text again, which was a quarter of the writer's time. Wire
/// stories are copied in bursts, so recent paragraphs are the ones asked
/// for again.
pub(crate) struct TextCache {
    texts: Mutex<LruCache<Fingerprint, Arc<StoredText>>>,
}

impl TextCache {
    /// A cache of up to `capacity` texts.
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        TextCache {
            texts: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The cached text of `fingerprint`, or `compute`'s, cached.
    pub fn get_or_compute(
        &self,
        fingerprint: &Fingerprint,
        compute: impl FnOnce() -> StoredText,
    ) -> Arc<StoredText> {
        if let Some(found) = self.lock().get(fingerprint) {
            return Arc::clone(found);
        }
        let text = Arc::new(compute());
        self.insert(*fingerprint, Arc::clone(&text));
        text
    }

    /// Caches the text of a paragraph just stored.
    pub fn insert(&self, fingerprint: Fingerprint, text: Arc<StoredText>) {
        self.lock().put(fingerprint, text);
    }

    // A poisoned cache is still a valid cache.
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Fingerprint, Arc<StoredText>>> {
        self.texts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<'a> Lookup<'a> {
    /// A source over the store, `index`, and (in the writer) the pending
    /// group.
    pub fn new(
        shared: &'a Shared,
        index: &'a AnchorIndex,
        isolated: &'a FxHashMap<Fingerprint, u32>,
        pending: Option<&'a Pending>,
    ) -> Self {
        Lookup {
            store: shared.store.as_ref(),
            index,
            pending,
            text: &shared.config.text,
            texts: &shared.texts,
            isolated,
            boilerplate: shared.config.matching.boilerplate,
        }
    }

    fn evidence_count(&self, key: &Fingerprint) -> u32 {
        evidence_count(self.pending, self.isolated, key)
    }

    fn known(&self, fingerprint: &Fingerprint, record: &ParagraphRecord) -> KnownParagraph {
        let boilerplate = self
            .boilerplate
            .is_learned(self.evidence_count(fingerprint));
        KnownParagraph {
            first: record.first,
            origin: record.origin,
            article_count: record.article_count,
            boilerplate,
            offset: record.offset,
            text_bytes: u32::try_from(record.text.len()).unwrap_or(u32::MAX),
        }
    }

    fn record(&self, fingerprint: &Fingerprint) -> Result<Option<ParagraphRecord>, StoreError> {
        match self.pending {
            Some(pending) => pending.paragraph(self.store, fingerprint),
            None => self.store.paragraph(fingerprint),
        }
    }
}

impl ParagraphSource for Lookup<'_> {
    type Error = StoreError;

    fn exact(&mut self, fingerprint: &Fingerprint) -> Result<Option<KnownParagraph>, StoreError> {
        Ok(self
            .record(fingerprint)?
            .map(|record| self.known(fingerprint, &record)))
    }

    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal> {
        // The pending group's paragraphs rank as if they were already in
        // the shared index: the result must not depend on where group
        // commits happen to split.
        self.index
            .candidates_with(self.pending.map(|p| &p.index), anchors, limit)
    }

    fn candidate(&mut self, fingerprint: &Fingerprint) -> Result<Option<Candidate>, StoreError> {
        let Some(record) = self.record(fingerprint)? else {
            return Ok(None);
        };
        let text = self.texts.get_or_compute(fingerprint, || {
            StoredText::from_text(&record.text, self.text.shingles)
        });
        Ok(Some((self.known(fingerprint, &record), text)))
    }

    fn is_template(&mut self, key: &Fingerprint) -> bool {
        self.boilerplate.is_template(self.evidence_count(key))
    }
}
