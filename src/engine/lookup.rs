//! The matcher's view of stored paragraphs.
//!
//! [`Lookup`] implements the pure matcher's [`ParagraphSource`] on top of
//! the store and the shared anchor index, plus, inside the writer, the
//! batch still being assembled, so that the tenth article of a group
//! commit already sees the first nine.

use std::collections::{HashMap, HashSet};

use crate::{
    facts::FactId,
    matching::{AnchorIndex, KnownParagraph, ParagraphSource},
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
}

impl Lookup<'_> {
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

    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Fingerprint> {
        let mut found = self.index.candidates(anchors, limit);
        if let Some(pending) = self.pending {
            // Rank the pending group's paragraphs as if they were already
            // in the shared index, after everything there: the result must
            // not depend on where group commits happen to split.
            found.extend(pending.index.candidates(anchors, limit));
            found.sort_by_key(|candidate| std::cmp::Reverse(candidate.1));
            found.truncate(limit);
        }
        found
            .into_iter()
            .map(|(fingerprint, _)| fingerprint)
            .collect()
    }

    fn candidate(
        &mut self,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(KnownParagraph, Vec<u64>)>, StoreError> {
        Ok(self.record(fingerprint)?.map(|record| {
            let shingles = shingle_hashes(&normalize(&record.text), self.text.shingles);
            (known(&record), shingle_set(&shingles))
        }))
    }
}
