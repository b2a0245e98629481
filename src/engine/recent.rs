//! The match window: everything matching and corroboration read, in
//! memory.
//!
//! Matching an article needs, for each of its paragraphs, whether the text
//! is known and where it first appeared, the paragraphs sharing anchors
//! with it, their texts, the facts of the articles it copies and whether
//! each of its own facts is known. Reading those from the store one key at
//! a time was what capped ingest. [`Recent`] holds them for the most recent
//! articles only, so its memory is set by configuration, not by the size
//! of the archive: articles are grouped into generations of
//! `match_window / 2` consecutive sequences, and the window is the current
//! generation and the one before it. When a new generation starts, the
//! oldest one leaves: its paragraphs are no longer matched (a copy of them
//! is stored as new text), though the articles stay stored and readable.
//!
//! The window is saved to a file now and then ([`snapshot`]) so that a
//! restart reads from the store only what was committed after it.
//!
//! Three things are kept for the whole archive because they are small and
//! because forgetting them would be wrong rather than merely blind: which
//! article ids exist (8 bytes each) and which facts are known, with how
//! many stored articles carry each (12 bytes each), so a resubmission is
//! still recognised, a known fact is never announced as new again, and a
//! deletion knows, without asking the store, whether it takes a fact's
//! last carrier; and which paragraph texts the store may hold, in a
//! fixed-size filter ([`stored_texts`]), so that a new text is known to be
//! new without asking the store.

mod known_facts;
mod packed;
mod snapshot;
mod stored_texts;

use std::{collections::hash_map::Entry, path::Path, sync::Arc};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::view::Pending;
use crate::{
    facts::{Fact, FactBody, FactId},
    matching::{AnchorIndex, Origin},
    store::{ParagraphRecord, Store, StoreError},
    text::{paragraph_anchors, Fingerprint, TextConfig},
};
use known_facts::KnownFacts;
use stored_texts::StoredTexts;

/// What the window keeps of a paragraph text.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct RecentParagraph {
    /// Where this exact text was first stored.
    pub first: Origin,
    /// Where the passage it carries first appeared.
    pub origin: Origin,
    /// Byte offset of the text in the body of the article at `first`.
    pub offset: u32,
    /// Articles in the window that contain it.
    pub article_count: u64,
    /// The text as stored, for alignment and byte-for-byte comparison.
    pub text: Arc<str>,
}

/// What the window keeps of one fact of one of its articles: what settling
/// a later copy's facts compares ([`super::fact_events`]). The content is
/// shared by every window article whose fact has the same id and the same
/// content: a fact reprinted by forty articles is held once, not forty
/// times. (A corroboration worded differently keeps its own wording, which
/// is what a copy of it is compared with.)
#[derive(Clone, Debug)]
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct WindowFact {
    pub id: FactId,
    /// The paragraph of the article it was found in.
    pub paragraph: u32,
    pub body: Arc<FactBody>,
}

impl From<&Fact> for WindowFact {
    fn from(fact: &Fact) -> Self {
        WindowFact {
            id: fact.id,
            paragraph: fact.provenance.paragraph_index,
            body: Arc::new(fact.body.clone()),
        }
    }
}

/// One generation of the window: the paragraphs first stored by a run of
/// consecutive articles, and their anchors.
#[derive(Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(PartialEq))]
struct Generation {
    number: u64,
    index: AnchorIndex,
    paragraphs: Vec<Fingerprint>,
    articles: Vec<u64>,
}

/// The committed state matching reads (see the module documentation).
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct Recent {
    /// Articles per generation.
    generation_articles: u64,
    /// The highest article sequence the window has seen committed.
    last_article: u64,
    /// The store's deletion count ([`Store::deletions`]) the window
    /// reflects.
    deletions: u64,
    /// The generation before the current one (empty at first), then the
    /// current one.
    older: Generation,
    current: Generation,
    paragraphs: FxHashMap<Fingerprint, RecentParagraph>,
    /// Ids of the articles in the window, by sequence.
    ids: FxHashMap<u64, Arc<str>>,
    /// Facts of the articles in the window, by sequence.
    article_facts: FxHashMap<u64, Arc<[WindowFact]>>,
    /// The shared content of the facts in `article_facts`, by fact key.
    fact_bodies: FxHashMap<u64, Arc<FactBody>>,
    /// Every stored article id, hashed.
    known_articles: FxHashSet<u64>,
    /// Every known fact, with how many stored articles carry it and the
    /// event that created it.
    known_facts: KnownFacts,
    /// How often each line was found isolated (see
    /// [`crate::matching::BoilerplateConfig`]): a few lines per outlet.
    isolated: FxHashMap<Fingerprint, u32>,
    /// Every paragraph text the store has held, as a filter.
    stored_texts: StoredTexts,
}

/// The key of an article id in [`Recent`]'s set of known ids.
pub(crate) fn article_key(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// The key of a fact id in [`Recent`]'s set of known facts. Fact ids are
/// blake3 hashes: 8 of their bytes collide once in about 2^32 facts
/// squared over 2^64, never in an archive of this size.
pub(crate) fn fact_key(id: &FactId) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&id.0[..8]);
    u64::from_le_bytes(bytes)
}

impl Recent {
    /// An empty window of `match_window` articles.
    pub fn new(match_window: u64) -> Recent {
        Recent {
            generation_articles: (match_window / 2).max(1),
            last_article: 0,
            deletions: 0,
            older: Generation::default(),
            current: Generation::default(),
            paragraphs: FxHashMap::default(),
            ids: FxHashMap::default(),
            article_facts: FxHashMap::default(),
            fact_bodies: FxHashMap::default(),
            known_articles: FxHashSet::default(),
            known_facts: KnownFacts::default(),
            isolated: FxHashMap::default(),
            stored_texts: StoredTexts::new(),
        }
    }

    /// The window over what `store` holds: from the file the window was
    /// saved to, if there is one that fits the store, and the tail
    /// committed after it; else read from the store alone.
    pub fn open(
        store: &dyn Store,
        match_window: u64,
        text: &TextConfig,
        file: Option<&Path>,
    ) -> Result<Recent, StoreError> {
        let started = std::time::Instant::now();
        let mut resumed = None;
        if let Some(path) = file {
            match snapshot::resume(store, match_window, text, path) {
                Ok(found) => resumed = Some(found),
                Err(snapshot::Unusable::Missing) => {}
                Err(snapshot::Unusable::Store(error)) => return Err(error),
                Err(why) => tracing::warn!(
                    file = %path.display(),
                    %why,
                    "the saved match window is not used; reading it from the store"
                ),
            }
        }
        let from = if resumed.is_some() {
            "its saved file and the store's tail"
        } else {
            "the store"
        };
        let (recent, tail_articles) = match resumed {
            Some(found) => found,
            None => (Recent::read_from(store, match_window, text)?, 0),
        };
        let size = recent.size();
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            ms,
            tail_articles,
            window_articles = size.articles,
            window_paragraphs = size.paragraphs,
            known_articles = size.known_articles,
            known_facts = size.known_facts,
            "match window loaded from {from}"
        );
        Ok(recent)
    }

    /// The window read from what `store` holds alone: the paragraphs first
    /// stored by the window's articles, with those articles' ids and
    /// facts, and the ids of every article and fact.
    pub fn read_from(
        store: &dyn Store,
        match_window: u64,
        text: &TextConfig,
    ) -> Result<Recent, StoreError> {
        // How long each part takes, for the restart's debug log.
        let mut lap = std::time::Instant::now();
        let mut took = move || {
            let part = lap.elapsed().as_millis();
            lap = std::time::Instant::now();
            part
        };
        let mut recent = Recent::new(match_window);
        recent.deletions = store.deletions()?;
        let next = store.last_sequence()? + 1;
        recent.last_article = next - 1;
        let generation = recent.generation_of(next);
        recent.current.number = generation;
        recent.older.number = generation.saturating_sub(1);
        let start = recent.first_sequence(recent.older.number);
        recent.read_texts_since(store, start, text)?;
        let texts_ms = took();
        store.each_article_since(start, &mut |record, facts| {
            recent.add_article(
                record.sequence,
                record.id.as_str().into(),
                facts.iter().map(|f| WindowFact::from(&f.fact)).collect(),
            );
        })?;
        let articles_ms = took();
        store.each_article_id(&mut |id| {
            recent.known_articles.insert(article_key(id));
        })?;
        let ids_ms = took();
        store.each_fact_carrier(&mut |id, _, creation| {
            let key = fact_key(id);
            recent.known_facts.add_carrier(key);
            if let Some(creation) = creation {
                recent.known_facts.set_creation(key, creation);
            }
        })?;
        let facts_ms = took();
        store.each_text_fingerprint(&mut |fingerprint| recent.stored_texts.insert(fingerprint))?;
        let stored_texts_ms = took();
        recent.isolated = store.isolated_lines()?.into_iter().collect();
        tracing::debug!(
            texts_ms,
            articles_ms,
            ids_ms,
            facts_ms,
            stored_texts_ms,
            "match window read from the store"
        );
        Ok(recent)
    }

    /// Adds the texts first stored by the article with sequence `start`
    /// or a later one, each to the generation of the article that first
    /// stored it (the current one or the one before).
    fn read_texts_since(
        &mut self,
        store: &dyn Store,
        start: u64,
        text: &TextConfig,
    ) -> Result<(), StoreError> {
        let mut paragraphs = Vec::new();
        store.each_paragraph_since(start, &mut |fingerprint, record| {
            paragraphs.push((fingerprint, record));
        })?;
        // Indexed in the order they were first stored, as they were then,
        // so that candidates rank as they did before the restart.
        paragraphs.sort_unstable_by_key(|(_, record)| record.first);
        for (fingerprint, record) in paragraphs {
            self.add_stored_paragraph(fingerprint, record, text);
        }
        Ok(())
    }

    fn add_stored_paragraph(
        &mut self,
        fingerprint: Fingerprint,
        record: ParagraphRecord,
        text: &TextConfig,
    ) {
        let generation = self.generation_of(record.first.article);
        let target = if generation == self.current.number {
            &mut self.current
        } else {
            &mut self.older
        };
        // The store keeps no anchors: computed again, as when first stored.
        let anchors = paragraph_anchors(&record.text, text);
        if !anchors.is_empty() {
            target.index.insert(fingerprint, &anchors);
        }
        target.paragraphs.push(fingerprint);
        self.stored_texts.insert(&fingerprint);
        self.paragraphs.insert(
            fingerprint,
            RecentParagraph {
                first: record.first,
                origin: record.origin,
                offset: record.offset,
                article_count: record.article_count,
                text: record.text.into(),
            },
        );
    }

    /// The generation of the article with `sequence`.
    pub fn generation_of(&self, sequence: u64) -> u64 {
        sequence.saturating_sub(1) / self.generation_articles
    }

    fn first_sequence(&self, generation: u64) -> u64 {
        generation * self.generation_articles + 1
    }

    /// The generation new articles join.
    pub fn current_generation(&self) -> u64 {
        self.current.number
    }

    /// The highest article sequence the window has seen committed.
    pub fn last_article(&self) -> u64 {
        self.last_article
    }

    /// The deletions the window reflects.
    pub fn deletions(&self) -> u64 {
        self.deletions
    }

    /// Starts generation `number` (later than the current one): the
    /// generations before the current one leave the window.
    pub fn start_generation(&mut self, number: u64) {
        if number <= self.current.number {
            return;
        }
        let ended = std::mem::take(&mut self.current);
        let kept = if ended.number + 1 == number {
            ended
        } else {
            // No article was stored for a whole generation: both leave.
            self.forget(ended);
            Generation {
                number: number - 1,
                ..Generation::default()
            }
        };
        let leaving = std::mem::replace(&mut self.older, kept);
        self.forget(leaving);
        self.current.number = number;
    }

    fn forget(&mut self, generation: Generation) {
        for fingerprint in &generation.paragraphs {
            self.paragraphs.remove(fingerprint);
        }
        for sequence in &generation.articles {
            self.forget_article(*sequence);
        }
    }

    /// Drops the id and facts of the window article with `sequence`.
    pub(super) fn forget_article(&mut self, sequence: u64) {
        self.ids.remove(&sequence);
        let Some(facts) = self.article_facts.remove(&sequence) else {
            return;
        };
        for fact in facts.iter() {
            let key = fact_key(&fact.id);
            // Held by the table and by this article alone: no other
            // window article shares it any more.
            if self
                .fact_bodies
                .get(&key)
                .is_some_and(|body| Arc::ptr_eq(body, &fact.body) && Arc::strong_count(body) <= 2)
            {
                self.fact_bodies.remove(&key);
            }
        }
    }

    /// Drops the text with `fingerprint` stored at `place`: it can no
    /// longer be matched (its anchors stay in their generation's index,
    /// where they lead nowhere, until the generation leaves).
    pub(super) fn forget_text(&mut self, fingerprint: &Fingerprint, place: Origin) {
        if self
            .paragraphs
            .get(fingerprint)
            .is_some_and(|paragraph| paragraph.first == place)
        {
            self.paragraphs.remove(fingerprint);
        }
    }

    /// Sets how many stored articles contain the text, if in the window.
    pub(super) fn set_text_count(&mut self, fingerprint: &Fingerprint, count: u64) {
        if let Some(paragraph) = self.paragraphs.get_mut(fingerprint) {
            paragraph.article_count = count;
        }
    }

    /// Counts a deletion the store has committed, as [`Store::deletions`]
    /// does.
    pub(super) fn count_deletion(&mut self) {
        self.deletions += 1;
    }

    /// Forgets a fact no stored article carries any more.
    pub(super) fn forget_fact(&mut self, id: &FactId) {
        self.known_facts.forget(id);
    }

    /// Counts one carrier less for a fact others still carry.
    pub(super) fn withdraw_carrier(&mut self, id: &FactId) {
        self.known_facts.withdraw_carrier(id);
    }

    /// Counts one carrier more for each distinct fact of an article just
    /// stored.
    fn add_carrier<'a>(&mut self, facts: impl IntoIterator<Item = &'a FactId>) {
        let mut counted = FxHashSet::default();
        for id in facts {
            let key = fact_key(id);
            if counted.insert(key) {
                self.known_facts.add_carrier(key);
            }
        }
    }

    fn add_article(&mut self, sequence: u64, id: Arc<str>, facts: Vec<WindowFact>) {
        let generation = if self.generation_of(sequence) == self.current.number {
            &mut self.current
        } else {
            &mut self.older
        };
        generation.articles.push(sequence);
        self.ids.insert(sequence, id);
        let shared: Arc<[WindowFact]> = facts
            .into_iter()
            .map(|fact| {
                let body = match self.fact_bodies.entry(fact_key(&fact.id)) {
                    Entry::Occupied(shared) if **shared.get() == *fact.body => {
                        Arc::clone(shared.get())
                    }
                    Entry::Occupied(_) => fact.body,
                    Entry::Vacant(slot) => Arc::clone(slot.insert(fact.body)),
                };
                WindowFact { body, ..fact }
            })
            .collect();
        self.article_facts.insert(sequence, shared);
    }

    /// Adds what a committed group stored. The group's articles all belong
    /// to the current generation (the writer starts a new group where a
    /// generation starts).
    pub fn apply(&mut self, pending: Pending) {
        for (fingerprint, (_, count)) in pending.counted {
            if let Some(paragraph) = self.paragraphs.get_mut(&fingerprint) {
                paragraph.article_count = count;
            }
        }
        for (fingerprint, paragraph, anchors) in pending.new_paragraphs {
            if !anchors.is_empty() {
                self.current.index.insert(fingerprint, &anchors);
            }
            self.current.paragraphs.push(fingerprint);
            self.stored_texts.insert(&fingerprint);
            self.paragraphs.insert(fingerprint, paragraph);
        }
        for (key, creation) in pending.created_facts {
            self.known_facts.set_creation(key, creation);
        }
        for article in pending.articles {
            self.last_article = self.last_article.max(article.sequence);
            self.known_articles.insert(article_key(&article.id));
            self.add_carrier(article.facts.iter().map(|fact| &fact.id));
            self.add_article(article.sequence, article.id, article.facts.to_vec());
        }
        self.isolated.extend(pending.isolated);
    }

    /// The paragraph with `fingerprint`, if in the window.
    pub fn paragraph(&self, fingerprint: &Fingerprint) -> Option<&RecentParagraph> {
        self.paragraphs.get(fingerprint)
    }

    /// False when the store has certainly never held the text with
    /// `fingerprint` (see [`stored_texts`]).
    pub fn may_have_text(&self, fingerprint: &Fingerprint) -> bool {
        self.stored_texts.may_hold(fingerprint)
    }

    /// The indexes of the window, oldest first.
    pub fn indexes(&self) -> [&AnchorIndex; 2] {
        [&self.older.index, &self.current.index]
    }

    /// The id of the article with `sequence`, if in the window.
    pub fn article_id(&self, sequence: u64) -> Option<&Arc<str>> {
        self.ids.get(&sequence)
    }

    /// The facts of the article with `sequence`, if in the window.
    pub fn article_facts(&self, sequence: u64) -> Option<&Arc<[WindowFact]>> {
        self.article_facts.get(&sequence)
    }

    /// True when an article with this id may be stored (a hash matched:
    /// the store says for sure).
    pub fn may_have_article(&self, id: &str) -> bool {
        self.known_articles.contains(&article_key(id))
    }

    /// True when the fact is known.
    pub fn knows_fact(&self, id: &FactId) -> bool {
        self.known_facts.contains(id)
    }

    /// How many stored articles carry the fact (0 when it is unknown).
    pub fn carriers(&self, id: &FactId) -> u32 {
        self.known_facts.carriers(id)
    }

    /// The event that created the fact, when known.
    pub fn fact_creation(&self, id: &FactId) -> Option<u64> {
        self.known_facts.creation(id)
    }

    /// Boilerplate evidence counts of lines.
    pub fn isolated(&self) -> &FxHashMap<Fingerprint, u32> {
        &self.isolated
    }

    /// What the window holds, for logs and metrics.
    pub fn size(&self) -> WindowSize {
        WindowSize {
            articles: self.ids.len(),
            paragraphs: self.paragraphs.len(),
            known_articles: self.known_articles.len(),
            known_facts: self.known_facts.len(),
        }
    }
}

/// How much the window holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WindowSize {
    pub articles: usize,
    pub paragraphs: usize,
    pub known_articles: usize,
    pub known_facts: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::PendingArticle;

    fn fingerprint(byte: u8) -> Fingerprint {
        Fingerprint([byte; 32])
    }

    /// A group of one article with one new paragraph text.
    fn group(sequence: u64, byte: u8) -> Pending {
        let mut pending = Pending::default();
        let first = Origin {
            article: sequence,
            paragraph: 0,
        };
        pending.add_paragraph(
            fingerprint(byte),
            RecentParagraph {
                first,
                origin: first,
                offset: 0,
                article_count: 1,
                text: "text".into(),
            },
            vec![u64::from(byte)],
        );
        pending.add_article(PendingArticle {
            sequence,
            id: format!("a{sequence}").into(),
            facts: Arc::from(Vec::new()),
        });
        pending
    }

    #[test]
    fn the_oldest_generation_leaves_and_ids_stay_known() {
        let mut recent = Recent::new(4);
        for sequence in 1..=5u64 {
            recent.start_generation(recent.generation_of(sequence));
            recent.apply(group(sequence, u8::try_from(sequence).unwrap_or(0)));
        }
        // Generations of two: {1, 2} left when {5} started.
        assert!(recent.paragraph(&fingerprint(1)).is_none());
        assert!(recent.paragraph(&fingerprint(2)).is_none());
        assert!(recent.article_id(2).is_none());
        for kept in 3..=5u8 {
            assert!(recent.paragraph(&fingerprint(kept)).is_some(), "{kept}");
        }
        assert_eq!(recent.article_id(3).map(|id| &**id), Some("a3"));
        let [older, current] = recent.indexes();
        assert_eq!((older.len(), current.len()), (2, 1));
        assert!(recent.may_have_article("a1"), "ids outlive the window");
        assert_eq!(recent.size().known_articles, 5);
    }

    fn time_fact(value: &str) -> WindowFact {
        let body = FactBody::Time(crate::facts::TimeExpr {
            text: value.into(),
            value: Some(value.into()),
        });
        WindowFact {
            id: body.id(),
            paragraph: 0,
            body: Arc::new(body),
        }
    }

    #[test]
    fn a_fact_in_many_window_articles_is_held_once_until_the_last_leaves() {
        let mut recent = Recent::new(4);
        for sequence in 1..=3u64 {
            let mut pending = Pending::default();
            pending.add_article(PendingArticle {
                sequence,
                id: format!("a{sequence}").into(),
                facts: Arc::from(vec![
                    time_fact("2020-12-01"),
                    time_fact(&format!("200{sequence}")),
                ]),
            });
            recent.start_generation(recent.generation_of(sequence));
            recent.apply(pending);
        }
        let shared = |sequence| {
            recent
                .article_facts(sequence)
                .map(|facts| Arc::clone(&facts[0].body))
        };
        let (Some(first), Some(third)) = (shared(1), shared(3)) else {
            panic!("articles 1 and 3 are in the window");
        };
        assert!(Arc::ptr_eq(&first, &third));
        assert_eq!(recent.fact_bodies.len(), 4);
        drop((first, third));
        // {1, 2} leave: article 3 still has the shared fact, not theirs.
        recent.start_generation(2);
        assert_eq!(recent.fact_bodies.len(), 2);
        recent.start_generation(4);
        assert!(recent.fact_bodies.is_empty());
    }

    #[test]
    fn a_fact_worded_differently_keeps_its_own_wording() {
        let mut recent = Recent::new(10);
        for (sequence, text) in [(1u64, "on Tuesday"), (2, "Tuesday")] {
            let mut fact = time_fact("2020-12-01");
            fact.body = Arc::new(FactBody::Time(crate::facts::TimeExpr {
                text: text.into(),
                value: Some("2020-12-01".into()),
            }));
            let mut pending = Pending::default();
            pending.add_article(PendingArticle {
                sequence,
                id: format!("a{sequence}").into(),
                facts: Arc::from(vec![fact]),
            });
            recent.apply(pending);
        }
        let text = |sequence| match recent.article_facts(sequence).map(|f| &*f[0].body) {
            Some(FactBody::Time(time)) => time.text.clone(),
            _ => String::new(),
        };
        assert_eq!((text(1), text(2)), ("on Tuesday".into(), "Tuesday".into()));
    }

    #[test]
    fn a_generation_with_no_articles_empties_the_window() {
        let mut recent = Recent::new(4);
        recent.apply(group(1, 1));
        recent.start_generation(3);
        assert!(recent.paragraph(&fingerprint(1)).is_none());
        assert_eq!(recent.indexes().map(AnchorIndex::len), [0, 0]);
    }
}
