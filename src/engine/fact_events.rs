//! Which facts of an article are news and which corroborate known ones.
//!
//! A fact whose id is already stored is a corroboration. Facts found in a
//! paragraph that copies an earlier one are corroborations by construction:
//! when the copy's edits (a typo, a surname where the source had the full
//! name) change a fact's id, the fact takes the id of the matching fact of
//! the source paragraph, so forty reprints of a quote are one fact with
//! forty corroborations.

use std::collections::{HashMap, HashSet};

use super::lookup::Pending;
use crate::{
    facts::{same_fact, Fact},
    matching::{ArticleMatch, MatchKind},
    store::{ArticleFact, FactEventKind, Store, StoreError},
};

/// The facts of an article with ids settled and each marked new or known.
pub(crate) fn classify_facts(
    store: &dyn Store,
    pending: Option<&Pending>,
    facts: &[Fact],
    matched: &ArticleMatch,
) -> Result<Vec<(Fact, FactEventKind)>, StoreError> {
    let mut source_facts: HashMap<u64, Vec<ArticleFact>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut classified = Vec::with_capacity(facts.len());
    for fact in facts {
        let mut fact = fact.clone();
        let paragraph = matched
            .paragraphs
            .get(fact.provenance.paragraph_index as usize);
        if let Some(paragraph) =
            paragraph.filter(|p| matches!(p.kind, MatchKind::Exact | MatchKind::Near))
        {
            if let Some(origin) = paragraph.source() {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    source_facts.entry(origin.article)
                {
                    let stored = match pending.and_then(|p| p.article_facts.get(&origin.article)) {
                        Some(facts) => facts.clone(),
                        None => store.article_facts(origin.article)?.unwrap_or_default(),
                    };
                    slot.insert(stored);
                }
                let source = source_facts.get(&origin.article).into_iter().flatten();
                if let Some(same) = source
                    .filter(|known| known.fact.provenance.paragraph_index == origin.paragraph)
                    .find(|known| {
                        known.fact.id == fact.id || same_fact(&fact.body, &known.fact.body)
                    })
                {
                    fact.id = same.fact.id;
                }
            }
        }
        if !seen.insert(fact.id) {
            continue;
        }
        let known = match pending.and_then(|p| p.facts.get(&fact.id)) {
            Some(_) => true,
            None => store.fact(&fact.id)?.is_some(),
        };
        let event = if known {
            FactEventKind::Corroborated
        } else {
            FactEventKind::Created
        };
        classified.push((fact, event));
    }
    Ok(classified)
}
