//! "What duplicates article X?": articles sharing copied text with X.
//!
//! Every stored paragraph that is not skipped is filed under the origin of
//! its text (see [`crate::matching::Origin`]): its own position when it is
//! new, the position it copied from otherwise. Articles filed under the
//! same origin share that text, whether one copied the other or both
//! copied a third (siblings), so the answer is one prefix scan per
//! paragraph of X.

use std::collections::{BTreeMap, BTreeSet};

use super::report::{Duplicates, RelatedArticle, Relation};
use crate::{
    error::Error,
    matching::{MatchConfig, MatchKind, Origin},
    store::{ArticleRecord, Store, StoreError},
};

/// Lists the articles related to `record`.
pub(crate) fn related_articles(
    store: &dyn Store,
    record: &ArticleRecord,
    matching: &MatchConfig,
) -> Result<Duplicates, Error> {
    let analysis = &record.analysis;
    let evidence_words: u64 = analysis
        .paragraphs
        .iter()
        .filter(|p| p.kind != MatchKind::Skipped)
        .map(|p| u64::from(p.word_count))
        .sum();
    // Related article sequence → indexes of the queried paragraphs it shares.
    let mut shared: BTreeMap<u64, BTreeSet<u32>> = BTreeMap::new();
    for (position, entry) in analysis.paragraphs.iter().enumerate() {
        if entry.kind == MatchKind::Skipped || is_boilerplate_now(store, entry, matching)? {
            continue;
        }
        let index = u32::try_from(position).unwrap_or(u32::MAX);
        let own = Origin {
            article: record.sequence,
            paragraph: index,
        };
        let origins = entry
            .source
            .into_iter()
            .chain(entry.other_sources.iter().copied())
            .chain(entry.source.is_none().then_some(own));
        for origin in origins {
            for copy in store.copies_of(origin)? {
                if copy.article != record.sequence {
                    shared.entry(copy.article).or_default().insert(index);
                }
            }
        }
    }
    let mut related = Vec::with_capacity(shared.len());
    for (sequence, paragraphs) in shared {
        let other = load_by_sequence(store, sequence)?;
        let shared_words: u64 = paragraphs
            .iter()
            .filter_map(|i| analysis.paragraphs.get(*i as usize))
            .map(|p| u64::from(p.word_count))
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
    let canonical_id = match analysis.canonical {
        Some(sequence) => load_by_sequence(store, sequence)?.id,
        None => record.id.clone(),
    };
    Ok(Duplicates {
        article_id: record.id.clone(),
        canonical_id,
        related,
    })
}

/// A paragraph that has since turned up in so many articles that it is
/// boilerplate no longer relates anything.
fn is_boilerplate_now(
    store: &dyn Store,
    entry: &crate::store::ParagraphEntry,
    matching: &MatchConfig,
) -> Result<bool, StoreError> {
    Ok(store
        .paragraph(&entry.fingerprint)?
        .is_some_and(|p| p.article_count >= matching.boilerplate_articles))
}

fn load_by_sequence(store: &dyn Store, sequence: u64) -> Result<ArticleRecord, StoreError> {
    let missing = || StoreError::Corrupt {
        key: format!("article sequence {sequence}"),
        reason: "referenced but not stored".into(),
    };
    let id = store.article_id(sequence)?.ok_or_else(missing)?;
    store.article(&id)?.ok_or_else(missing)
}
