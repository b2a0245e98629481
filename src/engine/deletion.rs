//! Deleting an article: what it takes out of the archive, the match
//! window and the fact stream.
//!
//! The writer runs a deletion between two groups, so it sees every
//! article committed before it and none after. It reads what the article
//! holds once (its record, its facts, the counts of its texts) and how
//! many articles carry each of its facts (counted in the match window),
//! decides everything, and commits one atomic batch:
//!
//! - the article's record, id, facts and copy relations go; a tombstone
//!   keeps its sequence taken, so references to it read as "gone";
//! - each of its texts loses one article; a text no other article contains
//!   is freed (a text others share stays where it is stored, since their
//!   bodies refer to it);
//! - each of its facts gets an event: retracted when no other article
//!   carries it (the fact is forgotten, and is new again if it turns up
//!   later), withdrawn when others do; if the article created the fact, its
//!   content is kept for those others.
//!
//! Articles that copied it keep their stored analyses; their reports name
//! the next surviving article of the same text instead ([`super::report`]).

use std::collections::BTreeSet;

use super::{duplicates::filing_origins, recent::Recent};
use crate::{
    error::Error,
    facts::FactId,
    matching::Origin,
    store::{CommitBatch, Deletion, FactEventKind, Notice, NoticeKind, Store},
    text::Fingerprint,
};

/// What a deletion did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The deleted article's id.
    pub id: String,
    /// The sequence it had.
    pub sequence: u64,
    /// Texts no other article contains, freed.
    pub texts_freed: u32,
    /// Facts no other article carries: retracted.
    pub facts_retracted: u32,
    /// Facts others still carry: one corroboration withdrawn.
    pub corroborations_withdrawn: u32,
    /// The sequence of the last event it added (0 when none).
    pub last_event_sequence: u64,
}

/// A deletion, decided: the batch that stores it, what the caller hears,
/// and what the match window forgets once it is committed.
pub(crate) struct DeletionPlan {
    pub batch: CommitBatch,
    pub deleted: Deleted,
    pub window: WindowRemoval,
}

/// What the match window drops when a deletion is committed.
#[derive(Default)]
pub(crate) struct WindowRemoval {
    /// The deleted article's sequence.
    pub sequence: u64,
    /// Texts freed, with the place they were stored at.
    pub freed: Vec<(Fingerprint, Origin)>,
    /// New article counts of the texts others still contain.
    pub counts: Vec<(Fingerprint, u64)>,
    /// Facts retracted.
    pub retracted: Vec<FactId>,
    /// Facts others still carry: one carrier less.
    pub withdrawn: Vec<FactId>,
}

/// Decides the deletion of the article `id`, whose events take sequences
/// from `next_event` on; `recent` says how many articles carry each fact.
pub(crate) fn plan(
    store: &dyn Store,
    recent: &Recent,
    id: &str,
    next_event: u64,
) -> Result<DeletionPlan, Error> {
    let record = store
        .article(id)?
        .ok_or_else(|| Error::NotFound(id.to_owned()))?;
    let sequence = record.sequence;
    let mut batch = CommitBatch::default();
    let mut window = WindowRemoval {
        sequence,
        ..WindowRemoval::default()
    };

    // Its texts, each counted once per article. A paragraph without words
    // may be a credit line that was never counted as a text: it is left
    // alone (at worst a wordless text outlives its last article).
    let fingerprints: BTreeSet<Fingerprint> = record
        .analysis
        .paragraphs
        .iter()
        .filter(|entry| entry.word_count > 0)
        .map(|entry| entry.fingerprint)
        .collect();
    for fingerprint in fingerprints {
        let Some(text) = store.paragraph(&fingerprint)? else {
            continue;
        };
        match text.article_count.saturating_sub(1) {
            0 => {
                batch.freed_texts.push((fingerprint, text.first));
                window.freed.push((fingerprint, text.first));
            }
            left => {
                batch.paragraph_counts.push((fingerprint, text.first, left));
                window.counts.push((fingerprint, left));
            }
        }
    }

    // The copy relations it is filed under, as a copy.
    let mut copies = Vec::new();
    for (position, entry) in record.analysis.paragraphs.iter().enumerate() {
        let own = Origin {
            article: sequence,
            paragraph: u32::try_from(position).unwrap_or(u32::MAX),
        };
        let origins = filing_origins(entry.kind, entry.passages.iter().map(|p| p.origin), own);
        copies.extend(origins.into_iter().map(|origin| (origin, own)));
    }

    // Its facts, and what becomes of each.
    let facts = store.article_facts(sequence)?.unwrap_or_default();
    let mut next = next_event;
    let mut seen = BTreeSet::new();
    let mut deleted = Deleted {
        id: record.id.clone(),
        sequence,
        texts_freed: u32::try_from(batch.freed_texts.len()).unwrap_or(u32::MAX),
        facts_retracted: 0,
        corroborations_withdrawn: 0,
        last_event_sequence: 0,
    };
    for fact in &facts {
        let fact_id = fact.fact.id;
        if !seen.insert(fact_id) {
            continue;
        }
        // This article is one of the carriers.
        let kind = if recent.carriers(&fact_id) > 1 {
            if fact.event == FactEventKind::Created {
                batch
                    .kept_contents
                    .push((fact_id, fact.creation, fact.fact.body.clone()));
            }
            window.withdrawn.push(fact_id);
            deleted.corroborations_withdrawn += 1;
            NoticeKind::Withdrawn
        } else {
            batch.retracted_facts.push((fact_id, fact.creation));
            window.retracted.push(fact_id);
            deleted.facts_retracted += 1;
            NoticeKind::Retracted
        };
        batch.notices.push((
            next,
            Notice {
                kind,
                fact: fact_id,
                article_id: record.id.clone(),
                source: record.source.clone(),
            },
        ));
        deleted.last_event_sequence = next;
        next += 1;
    }
    batch.deletions.push(Deletion {
        sequence,
        date: record.retention_date(),
        id: record.id,
        copies,
        facts: seen.into_iter().collect(),
    });
    Ok(DeletionPlan {
        batch,
        deleted,
        window,
    })
}

impl Recent {
    /// Forgets a deleted article: it is no source, its freed texts can no
    /// longer be matched, and its retracted facts are unknown again.
    pub(crate) fn remove_deleted(&mut self, removal: &WindowRemoval) {
        self.count_deletion();
        self.forget_article(removal.sequence);
        for (fingerprint, place) in &removal.freed {
            self.forget_text(fingerprint, *place);
        }
        for (fingerprint, count) in &removal.counts {
            self.set_text_count(fingerprint, *count);
        }
        for fact in &removal.retracted {
            self.forget_fact(fact);
        }
        for fact in &removal.withdrawn {
            self.withdraw_carrier(fact);
        }
    }
}
