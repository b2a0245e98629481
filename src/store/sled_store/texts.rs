//! Paragraph texts in sled: each distinct text once, filed with the
//! article that first stored it.
//!
//! `t`, article sequence (u64 BE) → the texts that article stored first
//! and that are still stored: (paragraph, [`StoredText`]) pairs, by
//! paragraph. A commit writes one key per new article with new text,
//! where format 4 wrote one per paragraph (seven or eight an article);
//! keys grow with the sequence, so sled appends them at the right edge of
//! its tree. Reading one text reads its article's texts (a few KB). A
//! text freed by a deletion, or stored again under a newer article when
//! it re-enters the match window, is taken out of its article's value,
//! and the key goes with the last one.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{
    decode, decode_origin, encode, key_number, numbered_key, origin_bytes,
    value_log::{LogWrites, ValueLog},
    TEXT,
};
use crate::{
    matching::Origin,
    store::{ParagraphRecord, StoreError},
    text::Fingerprint,
};

/// A paragraph's text as stored at the place it was first stored. Its
/// count lives under its fingerprint (`P`), so counting another copy does
/// not rewrite the text.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredText {
    pub fingerprint: Fingerprint,
    pub offset: u32,
    pub origin: Origin,
    pub text: String,
    /// Written empty since format 6: the match window computes a text's
    /// anchors again when it reads it (they were some 1.3 KB an article,
    /// random numbers that do not compress). Older values' anchors are
    /// read and ignored.
    pub anchors: Vec<u64>,
}

/// The texts an article stored first, by paragraph.
type ArticleTexts = Vec<(u32, StoredText)>;

fn texts_key(article: u64) -> [u8; 9] {
    numbered_key(TEXT, article)
}

fn read_article(db: &sled::Db, log: &ValueLog, article: u64) -> Result<ArticleTexts, StoreError> {
    match log.get(db, &texts_key(article))? {
        Some(raw) => decode(|| format!("texts of article {article}"), &raw),
        None => Ok(Vec::new()),
    }
}

/// The text first stored at `place`.
pub(super) fn text_at(
    db: &sled::Db,
    log: &ValueLog,
    place: Origin,
) -> Result<Option<StoredText>, StoreError> {
    Ok(read_article(db, log, place.article)?
        .into_iter()
        .find(|(paragraph, _)| *paragraph == place.paragraph)
        .map(|(_, text)| text))
}

/// Calls `visit` with every text first stored by the article
/// `first_article` or a later one, in order of place.
pub(super) fn each_since(
    db: &sled::Db,
    log: &ValueLog,
    first_article: u64,
    visit: &mut dyn FnMut(Origin, StoredText) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for entry in db.range(texts_key(first_article)..=texts_key(u64::MAX)) {
        let (key, value) = entry?;
        let article = key_number(&key, "texts of an article")?;
        let value = log.resolve(value)?;
        let texts: ArticleTexts = decode(|| format!("texts of article {article}"), &value)?;
        for (paragraph, text) in texts {
            visit(Origin { article, paragraph }, text)?;
        }
    }
    Ok(())
}

/// Adds the writes that store `added` and take the texts at `removed` out,
/// the values going to the value log. The texts of an article of this
/// batch (`new_articles`) make a new key; any other article's value is
/// read and rewritten (a freed or relocated text, the rare case), and its
/// old value released.
pub(super) fn write(
    db: &sled::Db,
    log: &ValueLog,
    writes: &mut sled::Batch,
    logged: &mut LogWrites,
    added: &[(Fingerprint, ParagraphRecord)],
    removed: &[Origin],
    new_articles: std::ops::Range<u64>,
) -> Result<(), StoreError> {
    let mut changes: BTreeMap<u64, (ArticleTexts, BTreeSet<u32>)> = BTreeMap::new();
    for (fingerprint, paragraph) in added {
        let text = StoredText {
            fingerprint: *fingerprint,
            offset: paragraph.offset,
            origin: paragraph.origin,
            text: paragraph.text.clone(),
            anchors: Vec::new(),
        };
        let (adds, _) = changes.entry(paragraph.first.article).or_default();
        adds.push((paragraph.first.paragraph, text));
    }
    for place in removed {
        let (_, removes) = changes.entry(place.article).or_default();
        removes.insert(place.paragraph);
    }
    for (article, (adds, removes)) in changes {
        let key = texts_key(article);
        let mut texts = Vec::new();
        if !new_articles.contains(&article) {
            if let Some(old) = db.get(key)? {
                texts = decode(
                    || format!("texts of article {article}"),
                    &log.resolve(old.clone())?,
                )?;
                logged.release(&old);
            }
        }
        texts.retain(|(paragraph, _)| !removes.contains(paragraph));
        merge(&mut texts, adds);
        if texts.is_empty() {
            writes.remove(&key[..]);
        } else {
            logged.insert(writes, &key, &encode(&texts)?)?;
        }
    }
    Ok(())
}

/// Adds `adds` to `texts`, each replacing a text at the same paragraph,
/// keeping them by paragraph.
fn merge(texts: &mut ArticleTexts, adds: ArticleTexts) {
    for (paragraph, text) in adds {
        texts.retain(|(other, _)| *other != paragraph);
        texts.push((paragraph, text));
    }
    texts.sort_by_key(|(paragraph, _)| *paragraph);
}

/// Format 4's key of one text: `t`, first article (u64 BE), paragraph
/// (u32 BE); the value a [`StoredText`]. Formats 1 and 2 are moved to it
/// first, then on by [`upgrade_from_format4`].
pub(super) fn format4_key(first: Origin) -> [u8; 13] {
    let mut key = [0u8; 13];
    key[0] = TEXT;
    key[1..].copy_from_slice(&origin_bytes(first));
    key
}

/// Moves format 4's texts (a key each) into their articles' keys,
/// `chunk` at a time; see [`super::upgrade::regroup`].
pub(super) fn upgrade_from_format4(db: &sled::Db, chunk: usize) -> Result<(), StoreError> {
    super::upgrade::regroup(db, TEXT, 13, chunk, |old, writes| {
        let mut by_article: BTreeMap<u64, ArticleTexts> = BTreeMap::new();
        for (key, value) in old {
            let place = format4_place(key).ok_or_else(|| StoreError::Corrupt {
                key: format!("text key {key:?}"),
                reason: "not a format-4 text key".into(),
            })?;
            let text: StoredText = decode(|| format!("text at {place:?}"), value)?;
            by_article
                .entry(place.article)
                .or_default()
                .push((place.paragraph, text));
        }
        for (article, adds) in by_article {
            // An article's texts may come in two chunks, or again after a
            // crash: merged with what its key holds.
            // Stores before format 6 hold every value inline.
            let mut texts: ArticleTexts = match db.get(texts_key(article))? {
                Some(raw) => decode(|| format!("texts of article {article}"), &raw)?,
                None => Vec::new(),
            };
            merge(&mut texts, adds);
            writes.insert(&texts_key(article)[..], encode(&texts)?);
        }
        Ok(())
    })
}

fn format4_place(key: &[u8]) -> Option<Origin> {
    decode_origin(key.get(1..)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(article: u64, paragraph: u32) -> Origin {
        Origin { article, paragraph }
    }

    fn record(first: Origin, text: &str) -> (Fingerprint, ParagraphRecord) {
        let fingerprint = Fingerprint(*blake3::hash(text.as_bytes()).as_bytes());
        let paragraph = ParagraphRecord {
            text: text.into(),
            first,
            offset: 0,
            origin: first,
            article_count: 1,
        };
        (fingerprint, paragraph)
    }

    fn stored(
        db: &sled::Db,
        log: &ValueLog,
        since: u64,
    ) -> Result<Vec<(Origin, String)>, StoreError> {
        let mut found = Vec::new();
        each_since(db, log, since, &mut |place, text| {
            found.push((place, text.text));
            Ok(())
        })?;
        Ok(found)
    }

    /// Writes a batch the way a commit does: values first, then sled.
    fn commit(
        db: &sled::Db,
        log: &ValueLog,
        end: &mut u64,
        added: &[(Fingerprint, ParagraphRecord)],
        removed: &[Origin],
        new_articles: std::ops::Range<u64>,
    ) -> Result<usize, StoreError> {
        let mut writes = sled::Batch::default();
        let mut logged = LogWrites::new(*end);
        write(
            db,
            log,
            &mut writes,
            &mut logged,
            added,
            removed,
            new_articles,
        )?;
        log.write(&logged)?;
        db.apply_batch(writes)?;
        log.release(logged.released())?;
        *end = logged.end();
        Ok(logged.released().len())
    }

    #[test]
    fn texts_are_filed_by_article_and_taken_out_one_by_one() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Io(e.to_string()))?;
        let db = sled::Config::new().temporary(true).open()?;
        let log = ValueLog::open(dir.path(), 0)?;
        let mut end = 0;
        let added = [
            record(at(1, 0), "one"),
            record(at(1, 2), "two"),
            record(at(2, 1), "three"),
        ];
        assert_eq!(commit(&db, &log, &mut end, &added, &[], 1..3)?, 0);
        assert_eq!(db.scan_prefix([TEXT]).count(), 2, "one key per article");
        assert_eq!(
            text_at(&db, &log, at(1, 2))?.map(|t| t.text),
            Some("two".to_owned())
        );
        assert!(text_at(&db, &log, at(1, 1))?.is_none());
        assert_eq!(stored(&db, &log, 2)?, [(at(2, 1), "three".to_owned())]);

        // Article 1's first text moves to article 3; article 2's is freed:
        // both old values are released.
        let released = commit(
            &db,
            &log,
            &mut end,
            &[record(at(3, 0), "one")],
            &[at(1, 0), at(2, 1)],
            3..4,
        )?;
        assert_eq!(released, 2);
        assert_eq!(
            stored(&db, &log, 1)?,
            [(at(1, 2), "two".to_owned()), (at(3, 0), "one".to_owned())]
        );
        assert_eq!(db.scan_prefix([TEXT]).count(), 2, "article 2's key went");
        Ok(())
    }

    #[test]
    fn format4_texts_move_to_their_articles_keys() -> Result<(), StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        for article in 1..=3 {
            for paragraph in 0..5 {
                let (fingerprint, record) =
                    record(at(article, paragraph), &format!("{article}.{paragraph}"));
                let text = StoredText {
                    fingerprint,
                    offset: record.offset,
                    origin: record.origin,
                    text: record.text,
                    anchors: vec![7],
                };
                db.insert(format4_key(at(article, paragraph)), encode(&text)?)?;
            }
        }
        // Small chunks, so that an article's texts come from several.
        upgrade_from_format4(&db, 4)?;
        assert_eq!(db.scan_prefix([TEXT]).count(), 3);
        // The moved values are inline, read as they are.
        let dir = tempfile::tempdir().map_err(|e| StoreError::Io(e.to_string()))?;
        let log = ValueLog::open(dir.path(), 0)?;
        let all = stored(&db, &log, 1)?;
        assert_eq!(all.len(), 15);
        assert_eq!(all[7], (at(2, 2), "2.2".to_owned()));
        upgrade_from_format4(&db, 4)?;
        assert_eq!(stored(&db, &log, 1)?, all, "moving again changes nothing");
        Ok(())
    }
}
