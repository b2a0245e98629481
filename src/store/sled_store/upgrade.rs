//! Moves a store of an earlier format to the current one, at open.
//!
//! Format 5 dropped format 4's index of which articles carry each fact
//! (`G`): its keys are removed, in chunks, so a crash in the middle only
//! means removing the rest at the next open. It also files the copy
//! relations (`c`) by pair of articles and the texts (`t`) by article,
//! instead of one key each ([`super::copies`] and [`super::texts`] move
//! them, through [`regroup`]). Format 4 added the index of
//! articles by retention date (`D`); for a store of format 3 or older it is
//! built from the articles in chunks of blind inserts, so a crash in the
//! middle only means building it again.
//!
//! Formats 1 and 2 kept each article under its id (`r`, with its id again
//! under its sequence, `a`) and each paragraph text under its fingerprint
//! (`p`, with its article count under `n`). Format 3 keeps them under
//! their sequences (`A`, `t`), with small pointers by id and fingerprint
//! (`i`, `P`). Every other key is the same in all three.
//!
//! The move runs in chunks, each one atomic batch that writes the new keys
//! and removes the old ones, so a crash in the middle leaves a store that
//! reads as format 2 for what is not moved yet, and opening it again goes
//! on where it stopped. Only when nothing old is left is the store marked
//! format 3 (by the caller).

use serde::{Deserialize, Serialize};

use super::{
    article_key, dated_key, decode_evolved, encode, encode_place, id_key, key_number, legacy,
    numbered_key, place_key, texts, ARTICLE,
};
use crate::{
    matching::Origin,
    store::{ArticleRecord, StoreError},
    text::Fingerprint,
};

const ARTICLE_BY_ID: u8 = b'r';
const ID_BY_SEQUENCE: u8 = b'a';
const PARAGRAPH: u8 = b'p';
const PARAGRAPH_COUNT: u8 = b'n';
/// Format 4's index of the articles carrying each fact.
pub(super) const FACT_CARRIER: u8 = b'G';

/// Keys moved per batch: bounds the memory the move takes.
const CHUNK: usize = 4096;

/// A paragraph as format 2 stored it, under its fingerprint.
#[derive(Serialize, Deserialize)]
pub(super) struct ParagraphV2 {
    pub text: String,
    pub first: Origin,
    pub offset: u32,
    pub origin: Origin,
    pub anchors: Vec<u64>,
}

/// Brings a store of format `found` to the current format.
pub(super) fn upgrade(db: &sled::Db, found: u32) -> Result<(), StoreError> {
    if found < 3 {
        move_layout(db)?;
    }
    if found < 4 {
        index_dates(db)?;
    }
    if found < 5 {
        remove_all(db, FACT_CARRIER)?;
        super::copies::upgrade_from_format4(db, CHUNK)?;
        super::texts::upgrade_from_format4(db, CHUNK)?;
    }
    // Formats 6 to 8 move nothing: values written before them stay where
    // they are and are read there (see `value_log`), and format 8 only
    // stops writing fact records (`F`).
    Ok(())
}

/// Moves the keys under `prefix` that are `old_length` bytes long (an
/// older format's), `chunk` at a time in key order: `regroup` adds the
/// writes that file a chunk's entries in the new layout, and the chunk's
/// old keys are removed in the same atomic batch. Keys of the new layout
/// (another length) are passed over, so a crash in the middle leaves old
/// keys that the next open moves; `regroup` must merge what it files with
/// what a new key already holds.
pub(super) fn regroup(
    db: &sled::Db,
    prefix: u8,
    old_length: usize,
    chunk: usize,
    mut regroup: impl FnMut(&[(sled::IVec, sled::IVec)], &mut sled::Batch) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut from = vec![prefix];
    loop {
        let mut old = Vec::new();
        let mut last = None;
        for entry in db.range(from.clone()..) {
            let (key, value) = entry?;
            if key.first() != Some(&prefix) || old.len() >= chunk {
                break;
            }
            if key.len() == old_length {
                old.push((key.clone(), value));
            }
            last = Some(key);
        }
        let Some(last) = last else {
            return Ok(());
        };
        let mut writes = sled::Batch::default();
        regroup(&old, &mut writes)?;
        for (key, _) in &old {
            writes.remove(key.clone());
        }
        db.apply_batch(writes)?;
        // The next key after the last one read.
        from = last.to_vec();
        from.push(0);
    }
}

/// Writes the `D` key of every stored article.
fn index_dates(db: &sled::Db) -> Result<(), StoreError> {
    index_each(db, ARTICLE, "article", |sequence, value, writes| {
        let record: ArticleRecord =
            decode_evolved::<_, legacy::ArticleRecordV1>(|| format!("article {sequence}"), value)?;
        writes.insert(&dated_key(record.retention_date(), sequence)[..], &[][..]);
        Ok(())
    })
}

/// Calls `index` with the sequence and value of every key under the
/// numbered `prefix`, a chunk at a time, applying each chunk's writes as
/// one batch. The writes are blind inserts, so a crash only means running
/// it again.
fn index_each(
    db: &sled::Db,
    prefix: u8,
    what: &str,
    mut index: impl FnMut(u64, &[u8], &mut sled::Batch) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut from = numbered_key(prefix, 0);
    loop {
        let chunk = db
            .range(from..=numbered_key(prefix, u64::MAX))
            .take(CHUNK)
            .collect::<Result<Vec<_>, _>>()?;
        let Some((last, _)) = chunk.last() else {
            return Ok(());
        };
        let last = key_number(last, what)?;
        let mut writes = sled::Batch::default();
        for (key, value) in &chunk {
            index(key_number(key, what)?, value, &mut writes)?;
        }
        db.apply_batch(writes)?;
        match last.checked_add(1) {
            Some(next) => from = numbered_key(prefix, next),
            None => return Ok(()),
        }
    }
}

/// Moves everything stored in the layout of formats 1 and 2.
fn move_layout(db: &sled::Db) -> Result<(), StoreError> {
    move_paragraphs(db)?;
    move_articles(db)?;
    // Counts and ids left without their paragraph or article (none are
    // written that way; removed so nothing of the old layout remains).
    remove_all(db, PARAGRAPH_COUNT)?;
    remove_all(db, ID_BY_SEQUENCE)?;
    Ok(())
}

fn move_paragraphs(db: &sled::Db) -> Result<(), StoreError> {
    loop {
        let chunk = db
            .scan_prefix([PARAGRAPH])
            .take(CHUNK)
            .collect::<Result<Vec<_>, _>>()?;
        if chunk.is_empty() {
            return Ok(());
        }
        let mut writes = sled::Batch::default();
        for (key, value) in chunk {
            let fingerprint = key
                .get(1..33)
                .and_then(|b| b.try_into().ok())
                .map(Fingerprint)
                .ok_or_else(|| StoreError::Corrupt {
                    key: "paragraph".into(),
                    reason: format!("key of {} bytes", key.len()),
                })?;
            let old: ParagraphV2 = decode_evolved::<_, legacy::StoredParagraphV1>(
                || format!("paragraph {fingerprint:?}"),
                &value,
            )?;
            let count_key = count_key(&fingerprint);
            let count = match db.get(count_key)? {
                Some(raw) => {
                    let bytes: [u8; 8] =
                        raw.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                            key: format!("count of paragraph {fingerprint:?}"),
                            reason: format!("{} bytes, expected 8", raw.len()),
                        })?;
                    u64::from_be_bytes(bytes)
                }
                None => 0,
            };
            let text = texts::StoredText {
                fingerprint,
                offset: old.offset,
                origin: old.origin,
                text: old.text,
                anchors: old.anchors,
            };
            writes.insert(&texts::format4_key(old.first)[..], encode(&text)?);
            writes.insert(
                &place_key(&fingerprint)[..],
                &encode_place(old.first, count)[..],
            );
            writes.remove(key);
            writes.remove(&count_key[..]);
        }
        db.apply_batch(writes)?;
    }
}

fn move_articles(db: &sled::Db) -> Result<(), StoreError> {
    loop {
        let chunk = db
            .scan_prefix([ARTICLE_BY_ID])
            .take(CHUNK)
            .collect::<Result<Vec<_>, _>>()?;
        if chunk.is_empty() {
            return Ok(());
        }
        let mut writes = sled::Batch::default();
        for (key, value) in chunk {
            let record: ArticleRecord = decode_evolved::<_, legacy::ArticleRecordV1>(
                || format!("article key {key:?}"),
                &value,
            )?;
            writes.insert(&article_key(record.sequence)[..], encode(&record)?);
            writes.insert(id_key(&record.id), &record.sequence.to_be_bytes()[..]);
            writes.remove(&old_sequence_key(record.sequence)[..]);
            writes.remove(key);
        }
        db.apply_batch(writes)?;
    }
}

fn remove_all(db: &sled::Db, prefix: u8) -> Result<(), StoreError> {
    loop {
        let keys = db
            .scan_prefix([prefix])
            .keys()
            .take(CHUNK)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Ok(());
        }
        let mut writes = sled::Batch::default();
        for key in keys {
            writes.remove(key);
        }
        db.apply_batch(writes)?;
    }
}

fn count_key(fingerprint: &Fingerprint) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = PARAGRAPH_COUNT;
    key[1..].copy_from_slice(&fingerprint.0);
    key
}

fn old_sequence_key(sequence: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = ID_BY_SEQUENCE;
    key[1..].copy_from_slice(&sequence.to_be_bytes());
    key
}

/// Writes format-2 keys, for the tests of the move.
#[cfg(test)]
pub(super) mod format2 {
    use super::*;

    /// A value as version 2 encoded it.
    fn version_2<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
        let mut bytes = encode(value)?;
        bytes[0] = 2;
        Ok(bytes)
    }

    pub fn article(db: &sled::Db, record: &ArticleRecord) -> Result<(), StoreError> {
        let mut key = vec![ARTICLE_BY_ID];
        key.extend_from_slice(record.id.as_bytes());
        db.insert(key, version_2(record)?)?;
        db.insert(&old_sequence_key(record.sequence)[..], record.id.as_bytes())?;
        Ok(())
    }

    pub fn paragraph(
        db: &sled::Db,
        fingerprint: &Fingerprint,
        paragraph: &ParagraphV2,
        count: u64,
    ) -> Result<(), StoreError> {
        let mut key = vec![PARAGRAPH];
        key.extend_from_slice(&fingerprint.0);
        db.insert(key, version_2(paragraph)?)?;
        db.insert(&count_key(fingerprint)[..], &count.to_be_bytes()[..])?;
        Ok(())
    }

    pub fn v1_paragraph(
        db: &sled::Db,
        fingerprint: &Fingerprint,
        value: Vec<u8>,
    ) -> Result<(), StoreError> {
        let mut key = vec![PARAGRAPH];
        key.extend_from_slice(&fingerprint.0);
        db.insert(key, value)?;
        Ok(())
    }
}
