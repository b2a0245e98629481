//! The copy relations in sled: which paragraphs of later articles carry
//! the text that first appeared at a paragraph of an earlier one.
//!
//! One key per (origin article, copy article) holds every paragraph pair
//! between the two: `c`, origin sequence, copy sequence (u64 BE each) →
//! the (origin paragraph, copy paragraph) pairs, in order. A copy is filed
//! with all its relations when it is stored, so its commit writes one key
//! per article it copies from (and one for its own new texts), where
//! format 4 wrote one per paragraph pair, eight or nine an article; a
//! deletion removes the deleted copy's keys whole. The copies of a
//! paragraph are a prefix scan over its article's keys, filtered by
//! paragraph: a wire story copied forty times is forty keys.

use std::collections::BTreeMap;

use super::{decode, decode_origin, encode, numbered_key, COPY};
use crate::{matching::Origin, store::StoreError};

/// The key of the relations between an origin article and a copy.
fn copy_key(origin_article: u64, copy_article: u64) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[..9].copy_from_slice(&origin_prefix(origin_article));
    key[9..].copy_from_slice(&copy_article.to_be_bytes());
    key
}

/// The prefix of the keys of every copy of an origin article.
fn origin_prefix(origin_article: u64) -> [u8; 9] {
    numbered_key(COPY, origin_article)
}

/// (origin paragraph, copy paragraph) pairs under one key.
type Pairs = Vec<(u32, u32)>;

/// Groups (origin, copy) relations by the key they are filed under.
fn by_key(copies: impl IntoIterator<Item = (Origin, Origin)>) -> BTreeMap<(u64, u64), Pairs> {
    let mut keys: BTreeMap<(u64, u64), Pairs> = BTreeMap::new();
    for (origin, copy) in copies {
        keys.entry((origin.article, copy.article))
            .or_default()
            .push((origin.paragraph, copy.paragraph));
    }
    for pairs in keys.values_mut() {
        pairs.sort_unstable();
        pairs.dedup();
    }
    keys
}

fn read_pairs(db: &sled::Db, key: &[u8; 17]) -> Result<Pairs, StoreError> {
    match db.get(key)? {
        Some(raw) => decode(|| describe(key), &raw),
        None => Ok(Vec::new()),
    }
}

fn describe(key: &[u8]) -> String {
    format!("copy relations {key:?}")
}

/// Adds the writes that file `copies`. Relations of a copy stored by this
/// batch (every one the engine writes) make a new key; any other is merged
/// with what its key holds.
pub(super) fn write(
    db: &sled::Db,
    writes: &mut sled::Batch,
    copies: &[(Origin, Origin)],
    new_articles: std::ops::Range<u64>,
) -> Result<(), StoreError> {
    for ((origin_article, copy_article), mut pairs) in by_key(copies.iter().copied()) {
        let key = copy_key(origin_article, copy_article);
        if !new_articles.contains(&copy_article) {
            pairs.extend(read_pairs(db, &key)?);
            pairs.sort_unstable();
            pairs.dedup();
        }
        writes.insert(&key[..], encode(&pairs)?);
    }
    Ok(())
}

/// Adds the writes that remove a deleted copy's relations.
pub(super) fn remove(writes: &mut sled::Batch, copies: &[(Origin, Origin)]) {
    for (origin_article, copy_article) in by_key(copies.iter().copied()).into_keys() {
        writes.remove(&copy_key(origin_article, copy_article)[..]);
    }
}

/// Every paragraph filed as carrying the text first seen at `origin`, in
/// order.
pub(super) fn copies_of(db: &sled::Db, origin: Origin) -> Result<Vec<Origin>, StoreError> {
    let mut copies = Vec::new();
    for entry in db.scan_prefix(origin_prefix(origin.article)) {
        let (key, value) = entry?;
        let copy_article = key
            .get(9..)
            .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| StoreError::Corrupt {
                key: describe(&key),
                reason: format!("key of {} bytes, expected 17", key.len()),
            })?;
        let pairs: Pairs = decode(|| describe(&key), &value)?;
        copies.extend(
            pairs
                .into_iter()
                .filter(|(of, _)| *of == origin.paragraph)
                .map(|(_, paragraph)| Origin {
                    article: copy_article,
                    paragraph,
                }),
        );
    }
    Ok(copies)
}

/// Format 4's key of one relation: `c`, origin (sequence, paragraph), copy
/// (sequence, paragraph), all BE; no value.
#[cfg(test)]
pub(super) fn format4_key(origin: Origin, copy: Origin) -> [u8; 25] {
    let mut key = [0u8; 25];
    key[0] = COPY;
    key[1..13].copy_from_slice(&super::origin_bytes(origin));
    key[13..].copy_from_slice(&super::origin_bytes(copy));
    key
}

fn format4_relation(key: &[u8]) -> Option<(Origin, Origin)> {
    Some((
        decode_origin(key.get(1..13)?)?,
        decode_origin(key.get(13..)?)?,
    ))
}

/// Moves format 4's relations (a key each) to their keys by article pair,
/// `chunk` at a time; see [`super::upgrade::regroup`].
pub(super) fn upgrade_from_format4(db: &sled::Db, chunk: usize) -> Result<(), StoreError> {
    super::upgrade::regroup(db, COPY, 25, chunk, |old, writes| {
        let relations = old
            .iter()
            .map(|(key, _)| {
                format4_relation(key).ok_or_else(|| StoreError::Corrupt {
                    key: describe(key),
                    reason: "not a format-4 copy key".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Merged with what a key already holds: a key may take relations
        // from two chunks, or again after a crash.
        write(db, writes, &relations, 0..0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(article: u64, paragraph: u32) -> Origin {
        Origin { article, paragraph }
    }

    #[test]
    fn relations_are_filed_by_article_pair_and_read_by_paragraph() -> Result<(), StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        let copies = [
            (at(1, 0), at(1, 0)),
            (at(1, 1), at(1, 1)),
            (at(1, 0), at(3, 2)),
            (at(1, 1), at(3, 0)),
            (at(2, 0), at(3, 1)),
        ];
        let mut writes = sled::Batch::default();
        write(&db, &mut writes, &copies, 1..4)?;
        db.apply_batch(writes)?;
        assert_eq!(
            db.scan_prefix([COPY]).count(),
            3,
            "one key per article pair"
        );
        assert_eq!(copies_of(&db, at(1, 0))?, [at(1, 0), at(3, 2)]);
        assert_eq!(copies_of(&db, at(1, 1))?, [at(1, 1), at(3, 0)]);
        assert_eq!(copies_of(&db, at(2, 0))?, [at(3, 1)]);
        assert_eq!(copies_of(&db, at(2, 1))?, []);

        // A relation of an article stored earlier joins its key.
        let mut writes = sled::Batch::default();
        write(&db, &mut writes, &[(at(1, 2), at(3, 5))], 4..5)?;
        db.apply_batch(writes)?;
        assert_eq!(copies_of(&db, at(1, 0))?, [at(1, 0), at(3, 2)]);
        assert_eq!(copies_of(&db, at(1, 2))?, [at(3, 5)]);

        let mut writes = sled::Batch::default();
        remove(&mut writes, &copies[2..]);
        db.apply_batch(writes)?;
        assert_eq!(copies_of(&db, at(1, 0))?, [at(1, 0)]);
        assert_eq!(copies_of(&db, at(2, 0))?, []);
        Ok(())
    }

    #[test]
    fn format4_relations_move_to_their_article_pair_keys() -> Result<(), StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        let relations: Vec<(Origin, Origin)> = (0..10)
            .flat_map(|paragraph| {
                [
                    (at(1, paragraph), at(1, paragraph)),
                    (at(1, paragraph), at(2, paragraph + 1)),
                    (at(2, paragraph), at(5, paragraph)),
                ]
            })
            .collect();
        for (origin, copy) in &relations {
            db.insert(format4_key(*origin, *copy), &[][..])?;
        }
        // Small chunks, so that a key's relations come from several.
        upgrade_from_format4(&db, 4)?;
        assert_eq!(db.scan_prefix([COPY]).count(), 3);
        for paragraph in 0..10 {
            assert_eq!(
                copies_of(&db, at(1, paragraph))?,
                [at(1, paragraph), at(2, paragraph + 1)]
            );
            assert_eq!(copies_of(&db, at(2, paragraph))?, [at(5, paragraph)]);
        }
        // Nothing old is left: moving again changes nothing.
        upgrade_from_format4(&db, 4)?;
        assert_eq!(copies_of(&db, at(2, 3))?, [at(5, 3)]);
        Ok(())
    }
}
