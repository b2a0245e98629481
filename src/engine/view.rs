//! One read view of everything stored before an article: the committed
//! window plus the group being assembled.
//!
//! The writer matches each article of a group against the articles ahead
//! of it in the same group as well as against what is committed, so the
//! tenth article of a group commit already sees the first nine. Every
//! "pending, else committed" question is answered here and nowhere else.
//! Matching and corroboration read only memory ([`Recent`] and
//! [`Pending`]); the store is asked only for what lies outside the window
//! and is rarely needed (a resubmitted article, the id or facts of an
//! origin older than the window).

use std::{
    collections::HashMap,
    convert::Infallible,
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use lru::LruCache;
use rustc_hash::FxHashMap;

use super::{
    read_set::{self, ReadSet},
    recent::{fact_key, Recent, RecentParagraph, WindowFact},
    report::{id_or_gone, Names},
};
use crate::{
    facts::FactId,
    matching::{
        passages::StoredText, AnchorIndex, BoilerplateConfig, Candidate, KnownParagraph, Origin,
        ParagraphSource, Proposal,
    },
    store::{ParagraphRecord, Store, StoreError},
    text::{Fingerprint, TextConfig},
};

/// An article of the group being assembled, as later articles see it.
pub(crate) struct PendingArticle {
    pub sequence: u64,
    pub id: Arc<str>,
    pub facts: Arc<[WindowFact]>,
}

/// What the writer has analysed but not yet committed, in the form the
/// window takes it once committed.
#[derive(Default)]
pub(crate) struct Pending {
    /// Paragraph texts first stored by this group, with their anchors
    /// (empty for texts that are not evidence), in the order stored.
    pub new_paragraphs: Vec<(Fingerprint, RecentParagraph, Vec<u64>)>,
    new_positions: FxHashMap<Fingerprint, usize>,
    /// New article counts of window paragraphs this group contains, with
    /// where each was first stored.
    pub counted: FxHashMap<Fingerprint, (Origin, u64)>,
    /// Where archived texts that this group stores again were stored.
    pub relocated: Vec<Origin>,
    /// Anchors of the new paragraphs, for matching within the group.
    pub index: AnchorIndex,
    /// The group's articles, in order.
    pub articles: Vec<PendingArticle>,
    /// Position in `articles` (and in the group's batch) by article id.
    by_id: HashMap<Arc<str>, usize>,
    /// Facts this group found first, by [`fact_key`], with the events
    /// that created them.
    pub created_facts: FxHashMap<u64, u64>,
    /// Boilerplate evidence counts (lines found isolated, template
    /// fillings) this group changed: totals, including the committed ones.
    pub isolated: FxHashMap<Fingerprint, u32>,
    /// Aligned texts of the new evidence paragraphs, to cache once
    /// committed.
    pub new_texts: Vec<(Fingerprint, Arc<StoredText>)>,
}

impl Pending {
    /// True when nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Adds a paragraph text first stored by this group.
    pub fn add_paragraph(
        &mut self,
        fingerprint: Fingerprint,
        paragraph: RecentParagraph,
        anchors: Vec<u64>,
    ) {
        if !anchors.is_empty() {
            self.index.insert(fingerprint, &anchors);
        }
        self.new_positions
            .insert(fingerprint, self.new_paragraphs.len());
        self.new_paragraphs.push((fingerprint, paragraph, anchors));
    }

    /// Sets the article count of a known paragraph, first stored at
    /// `first`, to `count`.
    pub fn count_paragraph(&mut self, fingerprint: Fingerprint, first: Origin, count: u64) {
        match self.new_positions.get(&fingerprint) {
            Some(position) => self.new_paragraphs[*position].1.article_count = count,
            None => {
                self.counted.insert(fingerprint, (first, count));
            }
        }
    }

    /// Adds an article of the group.
    pub fn add_article(&mut self, article: PendingArticle) {
        self.by_id
            .insert(Arc::clone(&article.id), self.articles.len());
        self.articles.push(article);
    }

    /// The position in the group of the article `id`.
    pub fn position_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Notes a fact this group found first, created by the event
    /// `creation`.
    pub fn add_created_fact(&mut self, id: FactId, creation: u64) {
        self.created_facts.insert(fact_key(&id), creation);
    }

    /// The event that created the fact: in this group, else in the
    /// committed window (when known).
    pub fn fact_creation(&self, recent: &Recent, id: &FactId) -> Option<u64> {
        match self.created_facts.get(&fact_key(id)) {
            Some(creation) => Some(*creation),
            None => recent.fact_creation(id),
        }
    }

    fn article(&self, sequence: u64) -> Option<&PendingArticle> {
        let first = self.articles.first()?.sequence;
        let position = usize::try_from(sequence.checked_sub(first)?).ok()?;
        self.articles.get(position)
    }
}

/// Aligned texts of recently matched paragraphs. Aligning a candidate
/// needs its shingles in order; recomputing them means normalising the
/// text again, which was a quarter of the writer's time. Wire stories are
/// copied in bursts, so recent paragraphs are the ones asked for again.
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

/// What one article is matched and classified against: the committed
/// window, and in the writer the group ahead of it.
#[derive(Clone)]
pub(crate) struct StoreView<'a> {
    pub store: &'a dyn Store,
    pub recent: &'a Recent,
    pub pending: Option<&'a Pending>,
    pub text: &'a TextConfig,
    pub texts: &'a TextCache,
    pub boilerplate: BoilerplateConfig,
    /// Where an analysis on the prepare threads notes what it reads (see
    /// [`read_set`]).
    pub reads: Option<&'a ReadSet>,
}

impl StoreView<'_> {
    fn note(&self, key: u64) {
        if let Some(reads) = self.reads {
            reads.note(key);
        }
    }

    /// Notes that the analysis asked whether the article `id` is stored.
    pub fn note_article(&self, id: &str) {
        self.note(read_set::article_key(id));
    }

    /// The paragraph with `fingerprint` and how many articles have it.
    pub fn paragraph(&self, fingerprint: &Fingerprint) -> Option<(&RecentParagraph, u64)> {
        self.note(read_set::paragraph_key(fingerprint));
        if let Some(pending) = self.pending {
            if let Some(position) = pending.new_positions.get(fingerprint) {
                let paragraph = &pending.new_paragraphs[*position].1;
                return Some((paragraph, paragraph.article_count));
            }
        }
        let paragraph = self.recent.paragraph(fingerprint)?;
        let count = self
            .pending
            .and_then(|p| p.counted.get(fingerprint))
            .map_or(paragraph.article_count, |(_, count)| *count);
        Some((paragraph, count))
    }

    /// The text with `fingerprint` as the archive holds it from before the
    /// window, if it does: asked only of a text that is neither pending
    /// nor in the window, and of the store only when the window's filter
    /// of stored texts says it may be there.
    pub fn archived_paragraph(
        &self,
        fingerprint: &Fingerprint,
    ) -> Result<Option<ParagraphRecord>, StoreError> {
        if !self.recent.may_have_text(fingerprint) {
            return Ok(None);
        }
        self.store.paragraph(fingerprint)
    }

    /// How often a line was found isolated (or a template key filled).
    pub fn evidence_count(&self, key: &Fingerprint) -> u32 {
        self.note(read_set::evidence_key(key));
        self.pending
            .and_then(|p| p.isolated.get(key))
            .or_else(|| self.recent.isolated().get(key))
            .copied()
            .unwrap_or(0)
    }

    /// True when the fact was found before.
    pub fn knows_fact(&self, id: &FactId) -> bool {
        self.note(read_set::fact_key(id));
        self.pending
            .is_some_and(|p| p.created_facts.contains_key(&fact_key(id)))
            || self.recent.knows_fact(id)
    }

    /// The id of the article with `sequence`. Origins outside the window
    /// are rare (a text kept since long ago) and asked of the store.
    pub fn article_id(&self, sequence: u64) -> Result<Option<String>, StoreError> {
        if let Some(article) = self.pending.and_then(|p| p.article(sequence)) {
            return Ok(Some(article.id.to_string()));
        }
        match self.recent.article_id(sequence) {
            Some(id) => Ok(Some(id.to_string())),
            None => self.store.article_id(sequence),
        }
    }

    /// The facts of the article with `sequence` (see [`Self::article_id`]
    /// for the store).
    pub fn article_facts(&self, sequence: u64) -> Result<Arc<[WindowFact]>, StoreError> {
        if let Some(article) = self.pending.and_then(|p| p.article(sequence)) {
            return Ok(Arc::clone(&article.facts));
        }
        match self.recent.article_facts(sequence) {
            Some(facts) => Ok(Arc::clone(facts)),
            None => Ok(self
                .store
                .article_facts(sequence)?
                .unwrap_or_default()
                .iter()
                .map(|f| WindowFact::from(&f.fact))
                .collect()),
        }
    }

    fn known(&self, paragraph: &RecentParagraph, count: u64, boilerplate: bool) -> KnownParagraph {
        KnownParagraph {
            first: paragraph.first,
            origin: paragraph.origin,
            article_count: count,
            boilerplate,
            offset: paragraph.offset,
            text_bytes: u32::try_from(paragraph.text.len()).unwrap_or(u32::MAX),
        }
    }

    fn known_paragraph(&self, fingerprint: &Fingerprint) -> Option<(KnownParagraph, Arc<str>)> {
        let (paragraph, count) = self.paragraph(fingerprint)?;
        let boilerplate = self
            .boilerplate
            .is_learned(self.evidence_count(fingerprint));
        Some((
            self.known(paragraph, count, boilerplate),
            Arc::clone(&paragraph.text),
        ))
    }
}

impl ParagraphSource for StoreView<'_> {
    type Error = Infallible;

    fn exact(&mut self, fingerprint: &Fingerprint) -> Result<Option<KnownParagraph>, Infallible> {
        Ok(self.known_paragraph(fingerprint).map(|(known, _)| known))
    }

    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal> {
        // The group's paragraphs rank as if they were already in the
        // window: the result must not depend on where group commits split.
        if let Some(reads) = self.reads {
            reads.note_all(anchors.iter().map(|anchor| read_set::anchor_key(*anchor)));
        }
        let [older, current] = self.recent.indexes();
        match self.pending {
            Some(pending) => {
                AnchorIndex::candidates_across(&[older, current, &pending.index], anchors, limit)
            }
            None => AnchorIndex::candidates_across(&[older, current], anchors, limit),
        }
    }

    fn candidate(&mut self, fingerprint: &Fingerprint) -> Result<Option<Candidate>, Infallible> {
        let Some((known, text)) = self.known_paragraph(fingerprint) else {
            return Ok(None);
        };
        let aligned = self.texts.get_or_compute(fingerprint, || {
            StoredText::from_text(&text, self.text.shingles)
        });
        Ok(Some((known, aligned)))
    }

    fn is_template(&mut self, key: &Fingerprint) -> bool {
        self.boilerplate.is_template(self.evidence_count(key))
    }
}

/// Names for reports of what is analysed against the view: a deleted
/// article is gone (see [`super::report`]).
impl Names for StoreView<'_> {
    fn id(&self, sequence: u64) -> Result<Option<String>, StoreError> {
        id_or_gone(self.store, sequence, self.article_id(sequence)?)
    }

    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError> {
        self.store.copies_of(origin)
    }
}
