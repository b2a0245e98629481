//! "What duplicates article X?": articles sharing copied text with X.
//!
//! Every stored paragraph that is not skipped is filed under the origin of
//! each passage it reuses (where that passage first appeared, see
//! [`crate::matching::Passage`]) and, when its own text is new, under its
//! own position. Articles filed under the same origin share that text,
//! whether one copied the other or both copied a third (siblings), so the
//! answer is one prefix scan per origin of X's paragraphs.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    report::{self, Duplicates, RelatedArticle, Relation, StoredNames},
    Shared,
};
use crate::{
    error::Error,
    matching::{MatchKind, Origin},
    store::{ArticleRecord, Store, StoreError},
};

/// The origins a paragraph at `own` is filed under: that of every passage
/// it reuses and, when its own text is new (not an exact or near copy),
/// its own position. A skipped paragraph is filed nowhere.
pub(crate) fn filing_origins(
    kind: MatchKind,
    passages: impl Iterator<Item = Origin>,
    own: Origin,
) -> Vec<Origin> {
    if kind == MatchKind::Skipped {
        return Vec::new();
    }
    let new_text = !matches!(kind, MatchKind::Exact | MatchKind::Near);
    let mut origins: Vec<Origin> = passages.chain(new_text.then_some(own)).collect();
    origins.sort_unstable();
    origins.dedup();
    origins
}

/// Lists the articles related to `record`.
pub(crate) fn related_articles(
    shared: &Shared,
    record: &ArticleRecord,
) -> Result<Duplicates, Error> {
    let store = shared.store.as_ref();
    let analysis = &record.analysis;
    let evidence_words: u64 = analysis
        .paragraphs
        .iter()
        .filter(|p| p.kind != MatchKind::Skipped)
        .map(|p| u64::from(p.word_count))
        .sum();
    // Related article sequence → indexes of the queried paragraphs it shares.
    let mut sharing: BTreeMap<u64, BTreeSet<u32>> = BTreeMap::new();
    for (position, entry) in analysis.paragraphs.iter().enumerate() {
        if entry.kind == MatchKind::Skipped || is_boilerplate_now(shared, entry)? {
            continue;
        }
        let index = u32::try_from(position).unwrap_or(u32::MAX);
        let own = Origin {
            article: record.sequence,
            paragraph: index,
        };
        for origin in filing_origins(entry.kind, entry.passages.iter().map(|p| p.origin), own) {
            for copy in store.copies_of(origin)? {
                if copy.article != record.sequence {
                    sharing.entry(copy.article).or_default().insert(index);
                }
            }
        }
    }
    let mut related = Vec::with_capacity(sharing.len());
    for (sequence, paragraphs) in sharing {
        let other = load_by_sequence(store, sequence)?;
        let shared_words: u64 = paragraphs
            .iter()
            .filter_map(|i| analysis.paragraphs.get(*i as usize))
            .map(|p| {
                // A paragraph that reused passages shares those words; one
                // whose own text was copied later shares all of it.
                u64::from(if p.kind == MatchKind::Partial {
                    p.copied_words
                } else {
                    p.word_count
                })
            })
            .sum();
        related.push(RelatedArticle {
            article_id: other.id,
            source: other.source,
            url: other.url,
            relation: if sequence < record.sequence {
                Relation::Earlier
            } else {
                Relation::Later
            },
            shared_paragraphs: u32::try_from(paragraphs.len()).unwrap_or(u32::MAX),
            copy_ratio: if evidence_words == 0 {
                0.0
            } else {
                shared_words as f64 / evidence_words as f64
            },
            first_seen: other.first_seen,
            verdict: other.analysis.verdict,
        });
    }
    let canonical_id =
        report::canonical_id(&record.id, record.sequence, analysis, &StoredNames(store))?;
    Ok(Duplicates {
        article_id: record.id.clone(),
        canonical_id,
        related,
    })
}

/// A paragraph that has since been learned to be boilerplate, or turned up
/// in so many articles that it is, no longer relates anything.
fn is_boilerplate_now(
    shared: &Shared,
    entry: &crate::store::ParagraphEntry,
) -> Result<bool, StoreError> {
    if shared.is_learned_boilerplate(&entry.fingerprint) {
        return Ok(true);
    }
    let threshold = shared.config.matching.boilerplate_articles;
    Ok(shared
        .store
        .paragraph(&entry.fingerprint)?
        .is_some_and(|p| p.article_count >= threshold))
}

fn load_by_sequence(store: &dyn Store, sequence: u64) -> Result<ArticleRecord, StoreError> {
    let missing = || StoreError::Corrupt {
        key: format!("article sequence {sequence}"),
        reason: "referenced but not stored".into(),
    };
    let id = store.article_id(sequence)?.ok_or_else(missing)?;
    store.article(&id)?.ok_or_else(missing)
}
