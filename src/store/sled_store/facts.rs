//! An article's facts as sled's value log holds them, and how a
//! corroboration gets its content back.
//!
//! `f`, article sequence (u64 BE) → the article's facts. A fact it created
//! is stored whole. A corroboration is stored by the event that created
//! its fact (a varint of 4 or 5 bytes, with 4 bytes of the fact's id to
//! check it against) where format 6 stored the 32-byte id: corroborations
//! are most of an article's facts, and their ids were half of what the
//! facts cost on disk, random bytes that do not compress. Its content is
//! read back from the creating article, found through the event run that
//! holds the creation (`e`), or, once that article is deleted, from the
//! copy kept under (article, position) (`k`). The facts' own events
//! follow each other, so only the first one's sequence is stored.
//!
//! Values of version 3 and older (format 6 and before) hold one record per
//! fact with its event sequence, and corroborations by id, resolved
//! through the fact's record (`F`) and, for a deleted creator, its content
//! kept by id (`K`); they are read as they are.

use std::collections::{hash_map::Entry, HashMap};

use serde::{Deserialize, Serialize};

use super::{
    decode, encode, fact_key_with, numbered_key, split_version, SledStore, ARTICLE_FACTS,
    KEPT_CONTENT, VALUE_VERSION,
};
use crate::{
    facts::{Fact, FactBody, FactId, Provenance},
    store::{ArticleFact, FactEventKind, StoreError},
};

/// Where format 7 keeps the content of a fact whose creating article was
/// deleted while others carry it: by that article and the fact's position
/// in it, which the creation's event run gives.
const KEPT_BY_PLACE: u8 = b'k';

/// An article's facts as format 7 writes them.
#[derive(Serialize, Deserialize)]
struct CompactFacts<F> {
    /// The event sequence of the first fact; each next one has the next.
    first_sequence: u64,
    facts: Vec<CompactFact<F>>,
}

#[derive(Serialize, Deserialize)]
enum CompactFact<F> {
    /// The article created it.
    Created(F),
    /// It corroborates the fact the event `creation` created. `check` is
    /// bytes 8 to 12 of the fact's id: the match window knows facts by
    /// their first 8 bytes, so a content that does not match is refused
    /// as corrupt rather than shown for another fact.
    Corroborated {
        creation: u64,
        check: u32,
        confidence: f32,
        provenance: Provenance,
    },
    /// It corroborates a fact whose creation was not known when it was
    /// stored (see [`ArticleFact::creation`]).
    CorroboratedById {
        id: FactId,
        confidence: f32,
        provenance: Provenance,
    },
}

/// How format 6 and earlier stored one fact (value versions 1 to 3).
#[derive(Deserialize)]
enum FactV3 {
    Created(CreatedV3),
    Corroborated {
        id: FactId,
        confidence: f32,
        provenance: Provenance,
        sequence: u64,
    },
}

#[derive(Deserialize)]
struct CreatedV3 {
    fact: Fact,
    /// Always `Created`: read only to get past it.
    _event: FactEventKind,
    sequence: u64,
}

/// An article's fact as read, before a corroboration gets its content.
pub(super) enum StoredFact {
    Created {
        fact: Fact,
        sequence: u64,
    },
    ById {
        id: FactId,
        confidence: f32,
        provenance: Provenance,
        sequence: u64,
    },
    ByCreation {
        creation: u64,
        check: u32,
        confidence: f32,
        provenance: Provenance,
        sequence: u64,
    },
}

/// A corroboration as read back, with the content of its creation.
fn corroboration(fact: Fact, sequence: u64, creation: Option<u64>) -> ArticleFact {
    ArticleFact {
        fact,
        event: FactEventKind::Corroborated,
        sequence,
        creation,
    }
}

fn id_check(id: &FactId) -> u32 {
    u32::from_le_bytes([id.0[8], id.0[9], id.0[10], id.0[11]])
}

/// The value that stores `facts`, the facts of the article at `sequence`.
pub(super) fn encode_facts(sequence: u64, facts: &[ArticleFact]) -> Result<Vec<u8>, StoreError> {
    let first_sequence = facts.first().map_or(0, |fact| fact.sequence);
    let mut compact = Vec::with_capacity(facts.len());
    for (position, fact) in facts.iter().enumerate() {
        if fact.sequence != first_sequence + position as u64 {
            return Err(StoreError::Corrupt {
                key: format!("facts of article {sequence}"),
                reason: format!(
                    "event {} at position {position} does not follow event {first_sequence}",
                    fact.sequence
                ),
            });
        }
        let (confidence, provenance) = (fact.fact.confidence, fact.fact.provenance);
        compact.push(match (fact.event, fact.creation) {
            (FactEventKind::Created, _) => CompactFact::Created(&fact.fact),
            (FactEventKind::Corroborated, Some(creation)) => CompactFact::Corroborated {
                creation,
                check: id_check(&fact.fact.id),
                confidence,
                provenance,
            },
            (FactEventKind::Corroborated, None) => CompactFact::CorroboratedById {
                id: fact.fact.id,
                confidence,
                provenance,
            },
        });
    }
    encode(&CompactFacts {
        first_sequence,
        facts: compact,
    })
}

/// The facts of the article at `sequence` from their stored value.
pub(super) fn decode_facts(sequence: u64, bytes: &[u8]) -> Result<Vec<StoredFact>, StoreError> {
    let key = || format!("facts of article {sequence}");
    let (version, _) = split_version(&key, bytes)?;
    if version < VALUE_VERSION {
        let facts: Vec<FactV3> = decode(key, bytes)?;
        return Ok(facts
            .into_iter()
            .map(|fact| match fact {
                FactV3::Created(created) => StoredFact::Created {
                    fact: created.fact,
                    sequence: created.sequence,
                },
                FactV3::Corroborated {
                    id,
                    confidence,
                    provenance,
                    sequence,
                } => StoredFact::ById {
                    id,
                    confidence,
                    provenance,
                    sequence,
                },
            })
            .collect());
    }
    let stored: CompactFacts<Fact> = decode(key, bytes)?;
    Ok(stored
        .facts
        .into_iter()
        .zip(stored.first_sequence..)
        .map(|(fact, sequence)| match fact {
            CompactFact::Created(fact) => StoredFact::Created { fact, sequence },
            CompactFact::Corroborated {
                creation,
                check,
                confidence,
                provenance,
            } => StoredFact::ByCreation {
                creation,
                check,
                confidence,
                provenance,
                sequence,
            },
            CompactFact::CorroboratedById {
                id,
                confidence,
                provenance,
            } => StoredFact::ById {
                id,
                confidence,
                provenance,
                sequence,
            },
        })
        .collect())
}

/// The key of a fact's content kept by its creating article and position.
pub(super) fn kept_by_place_key(article: u64, index: u32) -> [u8; 13] {
    let mut key = [0u8; 13];
    key[..9].copy_from_slice(&numbered_key(KEPT_BY_PLACE, article));
    key[9..].copy_from_slice(&index.to_be_bytes());
    key
}

/// The kept content of a fact, as stored under [`kept_by_place_key`].
#[derive(Serialize, Deserialize)]
pub(super) struct KeptFact {
    pub id: FactId,
    pub body: FactBody,
}

/// Fact contents already read while resolving corroborations, and the
/// stored facts of the creating articles read for them.
#[derive(Default)]
pub(super) struct FactContents {
    by_id: HashMap<FactId, FactBody>,
    by_creation: HashMap<u64, (FactId, FactBody)>,
    creators: HashMap<u64, Option<Vec<StoredFact>>>,
}

impl SledStore {
    /// The facts of the article at `sequence` as stored (none when it has
    /// none).
    pub(super) fn stored_facts(&self, sequence: u64) -> Result<Vec<StoredFact>, StoreError> {
        Ok(self.creator_facts(sequence)?.unwrap_or_default())
    }

    /// The stored facts of the article at `sequence`; `None` when it has
    /// no facts value (it was deleted, or carried none).
    fn creator_facts(&self, sequence: u64) -> Result<Option<Vec<StoredFact>>, StoreError> {
        self.values
            .get(&self.db, &numbered_key(ARTICLE_FACTS, sequence))?
            .map(|raw| decode_facts(sequence, &raw))
            .transpose()
    }

    /// An article's facts as stored, with the content of each
    /// corroboration read from its creation.
    pub(super) fn resolve_facts(
        &self,
        stored: Vec<StoredFact>,
        contents: &mut FactContents,
    ) -> Result<Vec<ArticleFact>, StoreError> {
        let mut facts = Vec::with_capacity(stored.len());
        for fact in stored {
            facts.push(match fact {
                StoredFact::Created { fact, sequence } => {
                    contents.by_id.insert(fact.id, fact.body.clone());
                    contents
                        .by_creation
                        .insert(sequence, (fact.id, fact.body.clone()));
                    ArticleFact {
                        fact,
                        event: FactEventKind::Created,
                        sequence,
                        creation: Some(sequence),
                    }
                }
                StoredFact::ById {
                    id,
                    confidence,
                    provenance,
                    sequence,
                } => {
                    let body = match contents.by_id.get(&id) {
                        Some(body) => body.clone(),
                        None => {
                            let found = self.created_by_id(&id, &mut contents.creators)?;
                            contents.by_id.insert(id, found.clone());
                            found
                        }
                    };
                    let fact = Fact {
                        body,
                        id,
                        confidence,
                        provenance,
                    };
                    corroboration(fact, sequence, None)
                }
                StoredFact::ByCreation {
                    creation,
                    check,
                    confidence,
                    provenance,
                    sequence,
                } => {
                    let (id, body) = match contents.by_creation.get(&creation) {
                        Some(found) => found.clone(),
                        None => {
                            let found = self.created_by_event(creation, &mut contents.creators)?;
                            contents.by_creation.insert(creation, found.clone());
                            found
                        }
                    };
                    if id_check(&id) != check {
                        return Err(StoreError::Corrupt {
                            key: format!("fact created by event {creation}"),
                            reason: format!(
                                "a corroboration of it names another fact ({check:08x})"
                            ),
                        });
                    }
                    let fact = Fact {
                        body,
                        id,
                        confidence,
                        provenance,
                    };
                    corroboration(fact, sequence, Some(creation))
                }
            });
        }
        Ok(facts)
    }

    /// The stored facts of the article at `sequence`, read once per
    /// resolution.
    fn cached_creator<'c>(
        &self,
        sequence: u64,
        creators: &'c mut HashMap<u64, Option<Vec<StoredFact>>>,
    ) -> Result<Option<&'c [StoredFact]>, StoreError> {
        let facts = match creators.entry(sequence) {
            Entry::Occupied(slot) => slot.into_mut(),
            Entry::Vacant(slot) => slot.insert(self.creator_facts(sequence)?),
        };
        Ok(facts.as_deref())
    }

    /// The id and content of the fact the event `creation` created: from
    /// its creating article, or kept under its place once that article
    /// is deleted.
    fn created_by_event(
        &self,
        creation: u64,
        creators: &mut HashMap<u64, Option<Vec<StoredFact>>>,
    ) -> Result<(FactId, FactBody), StoreError> {
        let missing = |reason: String| StoreError::Corrupt {
            key: format!("fact created by event {creation}"),
            reason,
        };
        let event = match self.fact_events_from(creation, 1)?.first() {
            Some((sequence, event)) if *sequence == creation => *event,
            _ => return Err(missing("no such event".into())),
        };
        let Some(facts) = self.cached_creator(event.article, creators)? else {
            // Its creating article was deleted; others carry it.
            return match self.db.get(kept_by_place_key(event.article, event.index))? {
                Some(raw) => {
                    let kept: KeptFact = decode(|| format!("kept fact {creation}"), &raw)?;
                    Ok((kept.id, kept.body))
                }
                None => Err(missing(format!(
                    "article {} has no facts and no content is kept",
                    event.article
                ))),
            };
        };
        match facts.get(event.index as usize) {
            Some(StoredFact::Created { fact, .. }) => Ok((fact.id, fact.body.clone())),
            _ => Err(missing(format!(
                "fact {} of article {} is not its creation",
                event.index, event.article
            ))),
        }
    }

    /// The content of a fact stored by id: from the article that created
    /// it (through the fact's record), or kept by id once that article is
    /// deleted.
    fn created_by_id(
        &self,
        id: &FactId,
        creators: &mut HashMap<u64, Option<Vec<StoredFact>>>,
    ) -> Result<FactBody, StoreError> {
        let missing = |reason: String| StoreError::Corrupt {
            key: format!("fact {id:?}"),
            reason,
        };
        let record = self
            .fact(id)?
            .ok_or_else(|| missing("no fact record".into()))?;
        let Some(facts) = self.cached_creator(record.first_article, creators)? else {
            return match self.db.get(fact_key_with(KEPT_CONTENT, id))? {
                Some(raw) => decode(|| format!("kept content of fact {id:?}"), &raw),
                None => Err(missing(format!(
                    "article {} has no facts and no content is kept",
                    record.first_article
                ))),
            };
        };
        match facts.get(record.index as usize) {
            Some(StoredFact::Created { fact, .. }) => Ok(fact.body.clone()),
            _ => Err(missing(format!(
                "fact {} of article {} is not its creation",
                record.index, record.first_article
            ))),
        }
    }

    /// The id of every fact the article at `sequence` carries, with its
    /// creation when stored by it: what [`crate::store::Store::each_fact_carrier`]
    /// reports. `ids` remembers the ids of creations seen so far (a
    /// creation is always stored before its corroborations).
    pub(super) fn carried_facts(
        &self,
        stored: Vec<StoredFact>,
        ids: &mut HashMap<u64, FactId>,
        creators: &mut HashMap<u64, Option<Vec<StoredFact>>>,
    ) -> Result<Vec<(FactId, Option<u64>)>, StoreError> {
        let mut carried = Vec::with_capacity(stored.len());
        for fact in stored {
            carried.push(match fact {
                StoredFact::Created { fact, sequence } => {
                    ids.insert(sequence, fact.id);
                    (fact.id, Some(sequence))
                }
                StoredFact::ById { id, .. } => (id, None),
                StoredFact::ByCreation { creation, .. } => match ids.get(&creation) {
                    Some(id) => (*id, Some(creation)),
                    None => (self.created_by_event(creation, creators)?.0, Some(creation)),
                },
            });
        }
        Ok(carried)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TimeExpr;

    fn time_fact(text: &str) -> Fact {
        let body = FactBody::Time(TimeExpr {
            text: text.into(),
            value: Some("2020-12-01".into()),
        });
        Fact {
            id: body.id(),
            body,
            confidence: 0.9,
            provenance: Provenance {
                paragraph_index: 1,
                start: 4,
                end: 11,
            },
        }
    }

    fn article_fact(
        fact: Fact,
        event: FactEventKind,
        sequence: u64,
        creation: Option<u64>,
    ) -> ArticleFact {
        ArticleFact {
            fact,
            event,
            sequence,
            creation,
        }
    }

    #[test]
    fn corroborations_are_kept_by_their_creation_with_a_check_of_the_id() -> Result<(), StoreError>
    {
        let own = time_fact("Tuesday");
        let other = time_fact("today");
        let facts = [
            article_fact(own.clone(), FactEventKind::Created, 40, Some(40)),
            article_fact(other.clone(), FactEventKind::Corroborated, 41, Some(7)),
            article_fact(other.clone(), FactEventKind::Corroborated, 42, None),
        ];
        let bytes = encode_facts(5, &facts)?;
        let decoded = decode_facts(5, &bytes)?;
        assert!(matches!(
            &decoded[..],
            [
                StoredFact::Created { fact, sequence: 40 },
                StoredFact::ByCreation { creation: 7, check, sequence: 41, .. },
                StoredFact::ById { id, sequence: 42, .. },
            ] if *fact == own && *check == id_check(&other.id) && *id == other.id
        ));
        // Stored by creation, a corroboration costs a few bytes, not its id.
        let by_id = encode_facts(5, &facts[2..])?;
        let by_creation = encode_facts(5, &facts[1..2])?;
        assert!(
            by_creation.len() + 24 <= by_id.len(),
            "{} vs {}",
            by_creation.len(),
            by_id.len()
        );
        Ok(())
    }

    #[test]
    fn facts_whose_events_do_not_follow_each_other_are_refused() {
        let fact = time_fact("Tuesday");
        let facts = [
            article_fact(fact.clone(), FactEventKind::Created, 3, Some(3)),
            article_fact(fact, FactEventKind::Corroborated, 5, Some(1)),
        ];
        assert!(matches!(
            encode_facts(9, &facts),
            Err(StoreError::Corrupt { .. })
        ));
    }

    /// How format 6 wrote an article's facts, for the test that reads it.
    #[derive(Serialize)]
    enum WrittenV3<'a> {
        Created((&'a Fact, FactEventKind, u64)),
        Corroborated {
            id: FactId,
            confidence: f32,
            provenance: Provenance,
            sequence: u64,
        },
    }

    #[test]
    fn format_6_facts_read_as_they_are() -> Result<(), Box<dyn std::error::Error>> {
        let own = time_fact("Tuesday");
        let other = time_fact("today");
        let mut bytes = vec![3u8];
        bytes.extend(postcard::to_allocvec(&vec![
            WrittenV3::Created((&own, FactEventKind::Created, 12)),
            WrittenV3::Corroborated {
                id: other.id,
                confidence: 0.7,
                provenance: other.provenance,
                sequence: 30,
            },
        ])?);
        let decoded = decode_facts(2, &bytes)?;
        assert!(matches!(
            &decoded[..],
            [
                StoredFact::Created { fact, sequence: 12 },
                StoredFact::ById { id, sequence: 30, .. },
            ] if *fact == own && *id == other.id
        ));
        Ok(())
    }
}
