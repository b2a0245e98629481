//! Which facts of an article are news and which corroborate known ones.
//!
//! A fact whose id is already stored is a corroboration. Facts found in a
//! paragraph that copies an earlier one are corroborations by construction:
//! when the copy's edits (a typo, a surname where the source had the full
//! name) change a fact's id, the fact takes the id of the matching fact of
//! the source paragraph, so forty reprints of a quote are one fact with
//! forty corroborations.

use std::collections::{HashMap, HashSet};

use std::sync::Arc;

use super::{recent::WindowFact, view::StoreView};
use crate::{
    facts::{same_fact, Fact},
    matching::{ArticleMatch, MatchKind},
    store::{FactEventKind, StoreError},
};

/// The facts of an article with ids settled and each marked new or known.
pub(crate) fn classify_facts(
    view: &StoreView<'_>,
    facts: &[Fact],
    matched: &ArticleMatch,
) -> Result<Vec<(Fact, FactEventKind)>, StoreError> {
    let mut source_facts: HashMap<u64, Arc<[WindowFact]>> = HashMap::new();
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
                    slot.insert(view.article_facts(origin.article)?);
                }
                let source = source_facts
                    .get(&origin.article)
                    .into_iter()
                    .flat_map(|facts| facts.iter());
                if let Some(same) = source
                    .filter(|known| known.paragraph == origin.paragraph)
                    .find(|known| known.id == fact.id || same_fact(&fact.body, &known.body))
                {
                    fact.id = same.id;
                }
            }
        }
        if !seen.insert(fact.id) {
            continue;
        }
        let event = if view.knows_fact(&fact.id) {
            FactEventKind::Corroborated
        } else {
            FactEventKind::Created
        };
        classified.push((fact, event));
    }
    Ok(classified)
}
