//! A store that keeps everything in the process's memory.
//!
//! It answers every read exactly as the sled store does (the contract suite
//! in `tests/store_contract.rs` runs both), so tests, evaluations and
//! throwaway runs can use it, and it is the second backend that keeps the
//! [`Store`] trait honest: nothing in it may depend on sled's layout. It is
//! not durable: what it holds is gone when the process ends.
//!
//! One lock guards the whole state; a commit takes it for writing, so a
//! reader sees a batch entirely or not at all, as the trait requires.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{PoisonError, RwLock, RwLockReadGuard},
};

use super::{
    ArticleFact, ArticleRecord, CommitBatch, Committed, FactEventKind, Instant, ParagraphRecord,
    Store, StoreError, StoredEvent,
};
use crate::{
    facts::{FactBody, FactId},
    matching::Origin,
    text::Fingerprint,
};

/// The archive in memory.
#[derive(Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

/// Everything stored, in the order the trait's scans visit it.
#[derive(Default)]
struct State {
    articles: BTreeMap<u64, ArticleRecord>,
    sequence_by_id: BTreeMap<String, u64>,
    /// Texts by the place they were first stored.
    texts: BTreeMap<Origin, Text>,
    /// Where each text is stored and in how many articles.
    places: HashMap<Fingerprint, (Origin, u64)>,
    /// (origin, copy) pairs.
    copies: BTreeSet<(Origin, Origin)>,
    /// Facts by article sequence, as committed: a corroboration's content
    /// is read from its creation, as in every backend.
    article_facts: BTreeMap<u64, Vec<ArticleFact>>,
    /// (fact, article sequence) for every fact an article carries.
    carriers: BTreeSet<(FactId, u64)>,
    /// The content of facts whose creating article was deleted.
    kept_contents: BTreeMap<FactId, FactBody>,
    /// Events and notices by sequence.
    events: BTreeMap<u64, StoredEvent>,
    isolated: BTreeMap<Fingerprint, u32>,
    /// Ids of deleted articles, by sequence.
    deleted: BTreeMap<u64, String>,
    /// (retention date, sequence) of every stored article.
    dates: BTreeSet<(i64, u64)>,
}

/// A paragraph text at its place; its count lives in `places`.
struct Text {
    fingerprint: Fingerprint,
    offset: u32,
    origin: Origin,
    text: String,
}

/// An instant as a retention key: to the second, as in every backend.
fn date_key(instant: Instant) -> i64 {
    instant.seconds
}

impl MemoryStore {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied batch
        // (a commit builds nothing in place before it has checked the
        // batch), so the state behind a poisoned lock is still whole.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn paragraph_at(&self, first: Origin, article_count: u64) -> Option<ParagraphRecord> {
        self.texts.get(&first).map(|text| ParagraphRecord {
            text: text.text.clone(),
            first,
            offset: text.offset,
            origin: text.origin,
            article_count,
        })
    }

    /// An article's facts with each corroboration's content taken from
    /// the article that created the fact.
    fn resolved_facts(&self, sequence: u64) -> Result<Option<Vec<ArticleFact>>, StoreError> {
        let Some(facts) = self.article_facts.get(&sequence) else {
            return Ok(None);
        };
        let mut resolved = facts.clone();
        for fact in &mut resolved {
            if fact.event == FactEventKind::Corroborated {
                fact.fact.body = self.created_body(&fact.fact.id, fact.creation)?;
            }
        }
        Ok(Some(resolved))
    }

    /// The content of fact `id` as the event `creation` created it: from
    /// its creating article, or kept once that article is deleted.
    fn created_body(&self, id: &FactId, creation: Option<u64>) -> Result<FactBody, StoreError> {
        let missing = |reason: String| StoreError::Corrupt {
            key: format!("fact {id:?}"),
            reason,
        };
        let creation = creation.ok_or_else(|| missing("its creation is not known".into()))?;
        let Some(StoredEvent::Fact(event)) = self.events.get(&creation) else {
            return Err(missing(format!("no fact event {creation}")));
        };
        let Some(created) = self.article_facts.get(&event.article) else {
            // Its creating article was deleted; others carry it.
            return self.kept_contents.get(id).cloned().ok_or_else(|| {
                missing(format!(
                    "article {} has no facts and no content is kept",
                    event.article
                ))
            });
        };
        match created.get(event.index as usize) {
            Some(created) if created.event == FactEventKind::Created && created.fact.id == *id => {
                Ok(created.fact.body.clone())
            }
            _ => Err(missing(format!(
                "fact {} of article {} is not its creation",
                event.index, event.article
            ))),
        }
    }

    fn next_sequences(&self) -> (u64, u64) {
        let last = |keys: Option<&u64>| keys.copied().unwrap_or(0);
        (
            last(self.articles.keys().next_back()).max(last(self.deleted.keys().next_back())) + 1,
            last(self.events.keys().next_back()) + 1,
        )
    }

    fn apply(&mut self, batch: &CommitBatch) {
        for article in &batch.articles {
            self.dates
                .insert((date_key(article.retention_date()), article.sequence));
            self.sequence_by_id
                .insert(article.id.clone(), article.sequence);
            self.articles.insert(article.sequence, article.clone());
        }
        for old in &batch.relocated {
            self.texts.remove(old);
        }
        for (fingerprint, paragraph) in &batch.paragraphs {
            self.texts.insert(
                paragraph.first,
                Text {
                    fingerprint: *fingerprint,
                    offset: paragraph.offset,
                    origin: paragraph.origin,
                    text: paragraph.text.clone(),
                },
            );
            self.places
                .insert(*fingerprint, (paragraph.first, paragraph.article_count));
        }
        for (fingerprint, first, count) in &batch.paragraph_counts {
            self.places.insert(*fingerprint, (*first, *count));
        }
        self.copies.extend(batch.copies.iter().copied());
        for (sequence, facts) in &batch.article_facts {
            self.carriers
                .extend(facts.iter().map(|fact| (fact.fact.id, *sequence)));
            self.article_facts.insert(*sequence, facts.clone());
        }
        self.events.extend(
            batch
                .events
                .iter()
                .map(|(sequence, event)| (*sequence, StoredEvent::Fact(*event))),
        );
        self.isolated.extend(batch.isolated.iter().copied());
        self.apply_deletions(batch);
    }

    fn apply_deletions(&mut self, batch: &CommitBatch) {
        for deletion in &batch.deletions {
            self.articles.remove(&deletion.sequence);
            self.sequence_by_id.remove(&deletion.id);
            self.article_facts.remove(&deletion.sequence);
            self.deleted.insert(deletion.sequence, deletion.id.clone());
            self.dates
                .remove(&(date_key(deletion.date), deletion.sequence));
            for copy in &deletion.copies {
                self.copies.remove(copy);
            }
            for fact in &deletion.facts {
                self.carriers.remove(&(*fact, deletion.sequence));
            }
        }
        for (fingerprint, place) in &batch.freed_texts {
            self.places.remove(fingerprint);
            self.texts.remove(place);
        }
        for (id, _) in &batch.retracted_facts {
            self.kept_contents.remove(id);
        }
        for (id, _, body) in &batch.kept_contents {
            self.kept_contents.insert(*id, body.clone());
        }
        for (sequence, notice) in &batch.notices {
            self.events
                .insert(*sequence, StoredEvent::Notice(notice.clone()));
        }
    }
}

impl Store for MemoryStore {
    fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError> {
        let state = self.read();
        Ok(state
            .sequence_by_id
            .get(id)
            .and_then(|sequence| state.articles.get(sequence))
            .cloned())
    }

    fn article_id(&self, sequence: u64) -> Result<Option<String>, StoreError> {
        Ok(self.read().articles.get(&sequence).map(|a| a.id.clone()))
    }

    fn last_sequence(&self) -> Result<u64, StoreError> {
        Ok(self.read().next_sequences().0 - 1)
    }

    fn dated_before(&self, before: Instant, limit: usize) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .read()
            .dates
            .range(..(date_key(before), 0))
            .take(limit)
            .map(|(_, sequence)| *sequence)
            .collect())
    }

    fn deletions(&self) -> Result<u64, StoreError> {
        Ok(self.read().deleted.len() as u64)
    }

    fn is_deleted(&self, sequence: u64) -> Result<bool, StoreError> {
        Ok(self.read().deleted.contains_key(&sequence))
    }

    fn paragraph(&self, fingerprint: &Fingerprint) -> Result<Option<ParagraphRecord>, StoreError> {
        let state = self.read();
        let Some(&(first, article_count)) = state.places.get(fingerprint) else {
            return Ok(None);
        };
        state
            .paragraph_at(first, article_count)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt {
                key: format!("paragraph {fingerprint:?}"),
                reason: format!("no text stored at {first:?}"),
            })
    }

    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError> {
        let first = Origin {
            article: 0,
            paragraph: 0,
        };
        Ok(self
            .read()
            .copies
            .range((origin, first)..)
            .take_while(|(of, _)| *of == origin)
            .map(|(_, copy)| *copy)
            .collect())
    }

    fn each_paragraph_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(Fingerprint, ParagraphRecord),
    ) -> Result<(), StoreError> {
        let state = self.read();
        let from = Origin {
            article: first_article,
            paragraph: 0,
        };
        for (first, text) in state.texts.range(from..) {
            let (_, article_count) =
                state
                    .places
                    .get(&text.fingerprint)
                    .ok_or_else(|| StoreError::Corrupt {
                        key: format!("text at {first:?}"),
                        reason: "its fingerprint has no place".into(),
                    })?;
            if let Some(paragraph) = state.paragraph_at(*first, *article_count) {
                visit(text.fingerprint, paragraph);
            }
        }
        Ok(())
    }

    fn each_article_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(&ArticleRecord, Vec<ArticleFact>),
    ) -> Result<(), StoreError> {
        let state = self.read();
        for (sequence, article) in state.articles.range(first_article..) {
            let facts = state.resolved_facts(*sequence)?.unwrap_or_default();
            visit(article, facts);
        }
        Ok(())
    }

    fn each_text_fingerprint(&self, visit: &mut dyn FnMut(&Fingerprint)) -> Result<(), StoreError> {
        self.read().places.keys().for_each(visit);
        Ok(())
    }

    fn each_article_id(&self, visit: &mut dyn FnMut(&str)) -> Result<(), StoreError> {
        self.read().sequence_by_id.keys().for_each(|id| visit(id));
        Ok(())
    }

    fn each_fact_carrier(
        &self,
        visit: &mut dyn FnMut(&FactId, u64, Option<u64>),
    ) -> Result<(), StoreError> {
        let state = self.read();
        for (fact, sequence) in &state.carriers {
            let creation = state
                .article_facts
                .get(sequence)
                .and_then(|facts| facts.iter().find(|f| f.fact.id == *fact))
                .and_then(|f| f.creation);
            visit(fact, *sequence, creation);
        }
        Ok(())
    }

    fn article_facts(&self, sequence: u64) -> Result<Option<Vec<ArticleFact>>, StoreError> {
        self.read().resolved_facts(sequence)
    }

    fn last_event_sequence(&self) -> Result<u64, StoreError> {
        Ok(self.read().next_sequences().1 - 1)
    }

    fn events_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, StoredEvent)>, StoreError> {
        let Some(first) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        Ok(self
            .read()
            .events
            .range(first..)
            .take(limit)
            .map(|(sequence, event)| (*sequence, event.clone()))
            .collect())
    }

    fn isolated_lines(&self) -> Result<Vec<(Fingerprint, u32)>, StoreError> {
        Ok(self
            .read()
            .isolated
            .iter()
            .map(|(line, count)| (*line, *count))
            .collect())
    }

    fn commit(&self, batch: &CommitBatch) -> Result<Committed, StoreError> {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let (article, event) = state.next_sequences();
        let committed = batch.takes_sequences(article, event)?;
        state.apply(batch);
        Ok(committed)
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
