//! The embedded store on sled 0.34, and the one place that knows its
//! on-disk layout.
//!
//! Everything lives in sled's default tree under one-byte key prefixes, so
//! that a group commit is a single `apply_batch` (atomic in sled only
//! within one tree) followed by one flush:
//!
//! | key                                          | value                         |
//! |----------------------------------------------|-------------------------------|
//! | `m` `format`                                 | format version, u32 BE        |
//! | `m` `deletions`                              | articles deleted since it was added, u64 BE (absent: none) |
//! | `m` `values_end`                             | where the value log ends, u64 BE |
//! | `m` `values_released`                        | value log extents the last commit stopped using, until punched out |
//! | `A` sequence (u64 BE)                        | [`ArticleRecord`], in the value log |
//! | `i` id                                       | its sequence, u64 BE          |
//! | `t` first seq (u64 BE)                       | the texts that article stored first ([`texts`]), in the value log |
//! | `P` fingerprint (32 bytes)                   | that place (12 bytes) and the articles containing it (u64 BE) |
//! | `c` origin seq, copy seq (u64 BE)            | their (origin para, copy para) pairs ([`copies`]) |
//! | `f` article sequence (u64 BE)                | the article's facts ([`facts`]), in the value log |
//! | `F` fact id (32 bytes)                       | [`FactRecord`] (its creation), written by formats 7 and before |
//! | `K` fact id (32 bytes)                       | its content, once its creating article is deleted |
//! | `k` creating article seq (u64 BE), position (u32 BE) | the same, with the fact's id ([`facts`]) |
//! | `d` article sequence (u64 BE)                | the id of a deleted article    |
//! | `D` retention date (seconds, sign-flipped u64 BE), article seq (BE) | empty: the article's date for retention |
//! | `x` event sequence (u64 BE)                  | a [`Notice`]: what a delete did to a fact |
//! | `e` first event sequence (u64 BE)            | a run of one article's events |
//! | `b` fingerprint (32 bytes)                   | times the line was isolated, u32 BE |
//!
//! Big-endian integers keep keys in numeric order, so the last `A` (or `e`)
//! key is the highest sequence, a range scan from an `e` key replays the
//! fact stream, a `t` range scan from a sequence lists the texts the match
//! window loads, and a `c` prefix scan lists the copies of one origin.
//!
//! The bulk of what is written (articles and texts) goes under keys that
//! grow with the sequence, so sled appends it at the right edge of its
//! tree instead of rewriting pages all over it; keys by hash (`i`, `P`,
//! `c`) hold only small values. Format 8 stops writing `F`, a random key
//! for every new fact, a third of sled's keys: a corroboration is stored
//! by its creation's event since format 7, and the event run (`e`) says
//! where that creation is; `F` is read only for corroborations older
//! formats stored by id. Format 2 kept articles and texts
//! under their id and fingerprint; a store of format 1 or 2 is moved to
//! this layout at open ([`upgrade`]). Format 4 added `D`, built at open
//! for a store of an earlier format, and an index of which articles carry
//! each fact that format 5 drops: it was some thirty keys per article,
//! almost half of what a commit wrote, to answer one question at deletion
//! (does anyone else carry this fact?) that the match window's count of
//! each fact's carriers answers without reading the store.
//!
//! The bulk (texts, facts and article records) lives in the value log
//! beside sled ([`value_log`]), compressed; sled holds a 13-byte pointer in
//! its place. Format 6 added the log for texts and facts; format 7 puts
//! article records there too and compresses what it writes. Values
//! written before stay where they are and are read there (a record held
//! in sled, a pointer to bytes stored as they are), so a store of format 5
//! or 6 is not moved.
//!
//! Record values are a value-version byte followed by postcard. Version 2
//! changed articles (passages and skip reasons in the analysis) and
//! paragraphs (where the text was first stored); their version-1 values
//! are read through [`legacy`]. Version 3 encodes every record as version
//! 2 did; it marks values written in the format-3 layout. Version 4 (format
//! 7) changed only an article's facts ([`facts`]). A store written by a
//! newer format is refused at open, never misread.

mod copies;
mod facts;
mod legacy;
mod texts;
mod upgrade;
mod value_log;

use std::{collections::HashMap, path::Path, sync::Mutex, time::Duration};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use facts::{decode_facts, encode_facts, kept_by_place_key, FactContents, KeptFact};
use value_log::{LogWrites, ValueLog};

use super::{
    ArticleFact, ArticleRecord, CommitBatch, Committed, EventRecord, Instant, Notice,
    ParagraphRecord, Store, StoreError, StoredEvent,
};
use crate::{facts::FactId, matching::Origin, text::Fingerprint};

/// The format this build writes and reads. A store of an earlier format is
/// moved to it at open and marked with it, so that an older build refuses
/// it rather than misread it.
const FORMAT_VERSION: u32 = 8;
/// Value encoding version (first byte of every record value).
const VALUE_VERSION: u8 = 4;
/// The oldest value version this build reads.
const OLDEST_VALUE_VERSION: u8 = 1;

const FORMAT_KEY: &[u8] = b"mformat";
/// Where the value log ends, as of the last commit (u64 BE).
const VALUE_LOG_END_KEY: &[u8] = b"mvalues_end";
/// Value log extents the last commit stopped using, until they are
/// punched out of the file.
const RELEASED_KEY: &[u8] = b"mvalues_released";
const DELETIONS_KEY: &[u8] = b"mdeletions";
const ARTICLE: u8 = b'A';
const SEQUENCE_BY_ID: u8 = b'i';
const TEXT: u8 = b't';
const TEXT_BY_FINGERPRINT: u8 = b'P';
const COPY: u8 = b'c';
const ARTICLE_FACTS: u8 = b'f';
const FACT: u8 = b'F';
const KEPT_CONTENT: u8 = b'K';
const DELETED: u8 = b'd';
const DATED: u8 = b'D';
const NOTICE: u8 = b'x';
const EVENT: u8 = b'e';
const ISOLATED_LINE: u8 = b'b';

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        StoreError::Io(error.to_string())
    }
}

/// wirecopy's data in a sled database.
pub struct SledStore {
    db: sled::Db,
    /// Texts and facts of articles (see [`value_log`]).
    values: ValueLog,
    /// The next free article and event sequences, held while a commit
    /// checks and applies its batch.
    next: Mutex<NextSequences>,
    /// The data directory, when every commit must also reach the device
    /// (see [`SledStore::sync_filesystem`]).
    sync: Option<std::fs::File>,
}

impl SledStore {
    /// Opens (or creates) the store in `dir` with a page cache of
    /// `cache_bytes` (sled's own memory use comes on top of it).
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        let db = open_when_unlocked(dir, cache_bytes)?;
        match db.get(FORMAT_KEY)? {
            Some(raw) => {
                let bytes: [u8; 4] = raw.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                    key: "format version".into(),
                    reason: format!("{} bytes, expected 4", raw.len()),
                })?;
                let found = u32::from_be_bytes(bytes);
                if found > FORMAT_VERSION {
                    return Err(StoreError::NewerFormat {
                        found,
                        supported: FORMAT_VERSION,
                    });
                }
                if found < FORMAT_VERSION {
                    upgrade::upgrade(&db, found)?;
                    db.insert(FORMAT_KEY, &FORMAT_VERSION.to_be_bytes())?;
                    db.flush()?;
                    tracing::info!(from = found, to = FORMAT_VERSION, "store format upgraded");
                }
            }
            None => {
                db.insert(FORMAT_KEY, &FORMAT_VERSION.to_be_bytes())?;
                db.flush()?;
            }
        }
        let log_end = match db.get(VALUE_LOG_END_KEY)? {
            Some(raw) => {
                u64::from_be_bytes(raw.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                    key: "value log end".into(),
                    reason: format!("{} bytes, expected 8", raw.len()),
                })?)
            }
            None => 0,
        };
        let values = ValueLog::open(dir, log_end)?;
        // A crash between a commit and its punching leaves the list.
        if let Some(raw) = db.get(RELEASED_KEY)? {
            let punched = values
                .release(&value_log::decode_extents(&raw))
                .and_then(|()| Ok(db.remove(RELEASED_KEY).map(drop)?));
            if let Err(error) = punched {
                tracing::error!(%error, "unused values could not be taken out of the value log yet");
            }
        }
        let mut store = SledStore {
            db,
            values,
            next: Mutex::new(NextSequences::default()),
            sync: None,
        };
        store.next = Mutex::new(NextSequences {
            article: store.last_sequence()? + 1,
            event: store.last_event_sequence()? + 1,
            deletions: store.deletions()?,
            log_end,
        });
        Ok(store)
    }

    /// Makes every commit survive power loss, not only a crash, at a cost
    /// per group commit. sled's flush writes its log with
    /// `sync_file_range`, which neither flushes the device's volatile write
    /// cache nor file metadata, and sled never syncs its blob files (large
    /// values); after each flush this also calls `syncfs` on the data
    /// directory's filesystem, which does both for every file in it.
    pub fn sync_filesystem(mut self, dir: &Path) -> Result<Self, StoreError> {
        let handle = std::fs::File::open(dir)
            .map_err(|e| StoreError::Io(format!("cannot open {}: {e}", dir.display())))?;
        self.sync = Some(handle);
        Ok(self)
    }

    fn flush_durably(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        if let Some(dir) = &self.sync {
            rustix::fs::syncfs(dir).map_err(|e| StoreError::Io(format!("syncfs failed: {e}")))?;
        }
        Ok(())
    }
}

/// The sequences the next commit must start at.
#[derive(Clone, Copy, Debug, Default)]
struct NextSequences {
    article: u64,
    event: u64,
    /// The deletion count after the last commit.
    deletions: u64,
    /// Where the value log ends.
    log_end: u64,
}

/// How long an open waits for the lock of a process that is exiting.
///
/// sled 0.34 releases its directory lock only when its last background I/O
/// job ends, a moment after the `Db` is dropped (sled issues 1234 and
/// 1289), so a restart in the same process, or right after the previous
/// server exited, can find it still held. A second live server keeps it
/// for good and gets [`StoreError::InUse`] once the wait is over.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// sled's log segment size for a new store. sled reads the header of every
/// segment when it opens, and its default of 512 KiB meant some 44,000
/// reads for a store of a million articles; measured at 200,000 articles
/// on the 2-vCPU VM, 8 MiB segments open in 2.1 s instead of 3.1 and take
/// 17.9 KB per article on disk instead of 22.8. (sled refuses larger
/// segments.)
const SEGMENT_BYTES: usize = 8 << 20;

/// The segment size of the store in `dir`: the one it was created with
/// (sled refuses to open a store with another), else [`SEGMENT_BYTES`].
fn segment_size(dir: &Path) -> Result<usize, StoreError> {
    let conf = match std::fs::read(dir.join("conf")) {
        Ok(conf) => conf,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(SEGMENT_BYTES),
        Err(error) => return Err(StoreError::Io(format!("cannot read sled's conf: {error}"))),
    };
    // Lines of `name: value`, then a checksum that sled itself verifies.
    let size = conf
        .split(|byte| *byte == b'\n')
        .find_map(|line| line.strip_prefix(b"segment_size: "))
        .and_then(|value| std::str::from_utf8(value).ok()?.trim().parse().ok());
    size.ok_or_else(|| StoreError::Corrupt {
        key: "sled's conf".into(),
        reason: "no segment_size in it".into(),
    })
}

/// Frees the tree nodes a group commit replaced. sled applies a batch
/// under one epoch guard, and every write in it leaves the node version it
/// replaced to crossbeam-epoch, which frees such garbage only when some
/// thread collects: every 128th pin, at most 8 bags of 64 objects each.
/// The writer pins once per commit, so garbage from thousands of writes a
/// commit piled up faster than it was freed: 0.7 GB of replaced nodes at
/// 25,000 articles (heaptrack), an RSS of 2.5 GiB before anything else
/// pinned often enough to drain it. A few collections per article written
/// (each frees up to 512 objects, for some 20 writes an article) keep the
/// garbage to what the last commits left.
fn reclaim_replaced_nodes(articles: usize) {
    for _ in 0..=articles {
        crossbeam_epoch::pin().flush();
    }
}

fn open_when_unlocked(dir: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(dir)
        .cache_capacity(cache_bytes)
        .segment_size(segment_size(dir)?);
    let started = std::time::Instant::now();
    loop {
        match config.open() {
            // sled reports a held lock only in its message (kind `Other`).
            Err(sled::Error::Io(error))
                if error.to_string().starts_with("could not acquire lock") =>
            {
                if started.elapsed() >= LOCK_WAIT {
                    return Err(StoreError::InUse(dir.display().to_string()));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            opened => return Ok(opened?),
        }
    }
}

fn id_key(id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + id.len());
    key.push(SEQUENCE_BY_ID);
    key.extend_from_slice(id.as_bytes());
    key
}

fn numbered_key(prefix: u8, number: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = prefix;
    key[1..].copy_from_slice(&number.to_be_bytes());
    key
}

fn article_key(sequence: u64) -> [u8; 9] {
    numbered_key(ARTICLE, sequence)
}

fn fact_key(id: &FactId) -> [u8; 33] {
    fact_key_with(FACT, id)
}

fn fact_key_with(prefix: u8, id: &FactId) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = prefix;
    key[1..].copy_from_slice(&id.0);
    key
}

/// The number in a `numbered_key`.
fn key_number(key: &[u8], what: &str) -> Result<u64, StoreError> {
    key.get(1..9)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| StoreError::Corrupt {
            key: what.into(),
            reason: format!("key of {} bytes", key.len()),
        })
}

/// The writes of a batch's deletions: the articles go (a tombstone keeps
/// their sequence taken), with their copy relations and facts; freed texts and retracted facts go; kept contents and notices are
/// written.
fn write_deletions(
    store: &SledStore,
    writes: &mut sled::Batch,
    logged: &mut LogWrites,
    batch: &CommitBatch,
) -> Result<(), StoreError> {
    let db = &store.db;
    for deletion in &batch.deletions {
        let record = article_key(deletion.sequence);
        if let Some(old) = db.get(record)? {
            logged.release(&old);
        }
        writes.remove(&record[..]);
        writes.remove(&dated_key(deletion.date, deletion.sequence)[..]);
        writes.remove(id_key(&deletion.id));
        let facts = numbered_key(ARTICLE_FACTS, deletion.sequence);
        if let Some(old) = db.get(facts)? {
            logged.release(&old);
        }
        writes.remove(&facts[..]);
        writes.insert(
            &numbered_key(DELETED, deletion.sequence)[..],
            deletion.id.as_bytes(),
        );
        copies::remove(writes, &deletion.copies);
    }
    // Their texts go with the batch's other texts (see `commit`).
    for (fingerprint, _) in &batch.freed_texts {
        writes.remove(&place_key(fingerprint)[..]);
    }
    // A kept content is filed by id (for corroborations stored by id) and
    // by its creation's place (for those stored by creation).
    for (id, creation) in &batch.retracted_facts {
        if let Some((article, index)) = store.creation_place(id, *creation)? {
            writes.remove(&kept_by_place_key(article, index)[..]);
        }
        writes.remove(&fact_key(id)[..]);
        writes.remove(&fact_key_with(KEPT_CONTENT, id)[..]);
    }
    for (id, creation, body) in &batch.kept_contents {
        writes.insert(&fact_key_with(KEPT_CONTENT, id)[..], encode(body)?);
        let (article, index) =
            store
                .creation_place(id, *creation)?
                .ok_or_else(|| StoreError::Corrupt {
                    key: format!("fact {id:?}"),
                    reason: "its content is to be kept, but its creation is not stored".into(),
                })?;
        let kept = KeptFact {
            id: *id,
            body: body.clone(),
        };
        writes.insert(&kept_by_place_key(article, index)[..], encode(&kept)?);
    }
    for (sequence, notice) in &batch.notices {
        writes.insert(&numbered_key(NOTICE, *sequence)[..], encode(notice)?);
    }
    Ok(())
}

impl SledStore {
    /// The highest number under a `numbered_key` prefix, 0 when none.
    fn last_number(&self, prefix: u8, what: &str) -> Result<u64, StoreError> {
        match self.db.scan_prefix([prefix]).next_back() {
            Some(entry) => key_number(&entry?.0, what),
            None => Ok(0),
        }
    }
}

fn place_key(fingerprint: &Fingerprint) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = TEXT_BY_FINGERPRINT;
    key[1..].copy_from_slice(&fingerprint.0);
    key
}

/// The value under a `P` key: where the text was first stored and how
/// many articles contain it.
fn encode_place(first: Origin, article_count: u64) -> [u8; 20] {
    let mut value = [0u8; 20];
    value[..12].copy_from_slice(&origin_bytes(first));
    value[12..].copy_from_slice(&article_count.to_be_bytes());
    value
}

fn decode_place(fingerprint: &Fingerprint, value: &[u8]) -> Result<(Origin, u64), StoreError> {
    let count = value.get(12..20).and_then(|b| b.try_into().ok());
    match (value.len(), decode_origin(value), count) {
        (20, Some(first), Some(count)) => Ok((first, u64::from_be_bytes(count))),
        _ => Err(StoreError::Corrupt {
            key: format!("place of paragraph {fingerprint:?}"),
            reason: format!("{} bytes, expected 20", value.len()),
        }),
    }
}

fn origin_bytes(origin: Origin) -> [u8; 12] {
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&origin.article.to_be_bytes());
    bytes[8..].copy_from_slice(&origin.paragraph.to_be_bytes());
    bytes
}

fn decode_origin(bytes: &[u8]) -> Option<Origin> {
    let article = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
    let paragraph = u32::from_be_bytes(bytes.get(8..12)?.try_into().ok()?);
    Some(Origin { article, paragraph })
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut bytes = vec![VALUE_VERSION];
    postcard::to_io(value, &mut bytes)
        .map_err(|e| StoreError::Io(format!("encoding failed: {e}")))?;
    Ok(bytes)
}

/// Decodes a value whose encoding is the same in every version read.
fn decode<T: DeserializeOwned>(key: impl Fn() -> String, bytes: &[u8]) -> Result<T, StoreError> {
    let (_, payload) = split_version(&key, bytes)?;
    postcard::from_bytes(payload).map_err(|e| StoreError::Corrupt {
        key: key(),
        reason: e.to_string(),
    })
}

/// Decodes a value whose encoding changed in version 2: a version-1 value
/// is read as `Old` and converted; versions 2 and 3 encode it alike.
fn decode_evolved<T: DeserializeOwned, Old: DeserializeOwned + Into<T>>(
    key: impl Fn() -> String,
    bytes: &[u8],
) -> Result<T, StoreError> {
    let (version, payload) = split_version(&key, bytes)?;
    let corrupt = |e: postcard::Error| StoreError::Corrupt {
        key: key(),
        reason: e.to_string(),
    };
    if version > OLDEST_VALUE_VERSION {
        postcard::from_bytes(payload).map_err(corrupt)
    } else {
        postcard::from_bytes::<Old>(payload)
            .map(Into::into)
            .map_err(corrupt)
    }
}

/// The version byte of a value and its payload.
fn split_version<'a>(
    key: &impl Fn() -> String,
    bytes: &'a [u8],
) -> Result<(u8, &'a [u8]), StoreError> {
    match bytes.split_first() {
        Some((&version, payload)) if (OLDEST_VALUE_VERSION..=VALUE_VERSION).contains(&version) => {
            Ok((version, payload))
        }
        Some((&version, _)) if version > VALUE_VERSION => Err(StoreError::NewerFormat {
            found: u32::from(version),
            supported: u32::from(VALUE_VERSION),
        }),
        Some((version, _)) => Err(StoreError::Corrupt {
            key: key(),
            reason: format!("unknown value version {version}"),
        }),
        None => Err(StoreError::Corrupt {
            key: key(),
            reason: "empty value".into(),
        }),
    }
}

/// Consecutive events of one article, stored under the first sequence:
/// one key per article instead of one per fact.
#[derive(Serialize, Deserialize)]
struct EventRun {
    article: u64,
    first_index: u32,
    count: u32,
}

/// Groups consecutive events of the same article into runs.
fn event_runs(events: &[(u64, EventRecord)]) -> Vec<(u64, EventRun)> {
    let mut runs: Vec<(u64, EventRun)> = Vec::new();
    for (sequence, event) in events {
        if let Some((first, run)) = runs.last_mut() {
            let next = *first + u64::from(run.count);
            if run.article == event.article
                && next == *sequence
                && run.first_index + run.count == event.index
            {
                run.count += 1;
                continue;
            }
        }
        runs.push((
            *sequence,
            EventRun {
                article: event.article,
                first_index: event.index,
                count: 1,
            },
        ));
    }
    runs
}

/// The key of an article under its retention date: seconds with the sign
/// bit flipped, so that big-endian bytes order like the numbers (dates
/// before 1970 first).
fn dated_key(date: Instant, sequence: u64) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = DATED;
    key[1..9].copy_from_slice(&(date.seconds as u64 ^ (1 << 63)).to_be_bytes());
    key[9..].copy_from_slice(&sequence.to_be_bytes());
    key
}

fn isolated_key(fingerprint: &Fingerprint) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = ISOLATED_LINE;
    key[1..].copy_from_slice(&fingerprint.0);
    key
}

/// Where a fact was created, as formats 7 and earlier filed it under the
/// fact's id (`F`).
#[derive(Clone, Copy, Debug, Deserialize)]
struct FactRecord {
    /// Ingest sequence of the article that created it.
    first_article: u64,
    /// Its position among that article's facts.
    index: u32,
}

impl SledStore {
    /// Where a fact was created, as an older format filed it (a
    /// corroboration stored by id reads its content there).
    fn fact(&self, id: &FactId) -> Result<Option<FactRecord>, StoreError> {
        self.db
            .get(fact_key(id))?
            .map(|raw| decode(|| format!("fact {id:?}"), &raw))
            .transpose()
    }

    /// The creating article and position of fact `id`: through the event
    /// `creation` when known, else through the record an older format
    /// filed under its id. `None` when neither is stored.
    fn creation_place(
        &self,
        id: &FactId,
        creation: Option<u64>,
    ) -> Result<Option<(u64, u32)>, StoreError> {
        if let Some(creation) = creation {
            return Ok(match self.fact_events_from(creation, 1)?.first() {
                Some((sequence, event)) if *sequence == creation => {
                    Some((event.article, event.index))
                }
                _ => None,
            });
        }
        Ok(self
            .fact(id)?
            .map(|record| (record.first_article, record.index)))
    }

    /// Where the text with `fingerprint` is stored and in how many
    /// articles.
    fn place(&self, fingerprint: &Fingerprint) -> Result<Option<(Origin, u64)>, StoreError> {
        self.db
            .get(place_key(fingerprint))?
            .map(|raw| decode_place(fingerprint, &raw))
            .transpose()
    }

    /// Up to `limit` events of articles' facts from sequence `first` on.
    fn fact_events_from(
        &self,
        first: u64,
        limit: usize,
    ) -> Result<Vec<(u64, EventRecord)>, StoreError> {
        // The run holding `first` may start before it: begin at the last
        // run starting at or before it.
        let start = match self
            .db
            .range(numbered_key(EVENT, 0)..=numbered_key(EVENT, first))
            .next_back()
        {
            Some(entry) => key_number(&entry?.0, "event run")?,
            None => first,
        };
        let mut events = Vec::new();
        for entry in self
            .db
            .range(numbered_key(EVENT, start)..=numbered_key(EVENT, u64::MAX))
        {
            let (key, value) = entry?;
            let run_start = key_number(&key, "event run")?;
            let run: EventRun = decode(|| format!("event run {run_start}"), &value)?;
            for offset in 0..run.count {
                let sequence = run_start + u64::from(offset);
                if sequence < first {
                    continue;
                }
                if events.len() >= limit {
                    return Ok(events);
                }
                events.push((
                    sequence,
                    EventRecord {
                        article: run.article,
                        index: run.first_index + offset,
                    },
                ));
            }
        }
        Ok(events)
    }

    /// The article stored at `sequence`.
    fn article_at(&self, sequence: u64) -> Result<Option<ArticleRecord>, StoreError> {
        self.values
            .get(&self.db, &article_key(sequence))?
            .map(|raw| {
                decode_evolved::<_, legacy::ArticleRecordV1>(|| format!("article {sequence}"), &raw)
            })
            .transpose()
    }
}

impl Store for SledStore {
    fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError> {
        let Some(raw) = self.db.get(id_key(id))? else {
            return Ok(None);
        };
        let sequence: [u8; 8] = raw.as_ref().try_into().map_err(|_| StoreError::Corrupt {
            key: format!("sequence of article {id:?}"),
            reason: format!("{} bytes, expected 8", raw.len()),
        })?;
        let sequence = u64::from_be_bytes(sequence);
        match self.article_at(sequence)? {
            Some(record) => Ok(Some(record)),
            None => Err(StoreError::Corrupt {
                key: format!("article {id:?}"),
                reason: format!("no article stored at its sequence {sequence}"),
            }),
        }
    }

    fn article_id(&self, sequence: u64) -> Result<Option<String>, StoreError> {
        Ok(self.article_at(sequence)?.map(|record| record.id))
    }

    fn last_sequence(&self) -> Result<u64, StoreError> {
        Ok(self
            .last_number(ARTICLE, "last article sequence")?
            .max(self.last_number(DELETED, "last deleted article")?))
    }

    fn dated_before(&self, before: Instant, limit: usize) -> Result<Vec<u64>, StoreError> {
        let mut sequences = Vec::new();
        for key in self
            .db
            .range(
                dated_key(
                    Instant {
                        seconds: i64::MIN,
                        nanos: 0,
                    },
                    0,
                )..dated_key(before, 0),
            )
            .keys()
            .take(limit)
        {
            let key = key?;
            let sequence = key
                .get(9..17)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| StoreError::Corrupt {
                    key: "retention date".into(),
                    reason: format!("key of {} bytes", key.len()),
                })?;
            sequences.push(sequence);
        }
        Ok(sequences)
    }

    fn deletions(&self) -> Result<u64, StoreError> {
        let Some(raw) = self.db.get(DELETIONS_KEY)? else {
            return Ok(0);
        };
        let bytes: [u8; 8] = raw.as_ref().try_into().map_err(|_| StoreError::Corrupt {
            key: "deletion count".into(),
            reason: format!("{} bytes, expected 8", raw.len()),
        })?;
        Ok(u64::from_be_bytes(bytes))
    }

    fn is_deleted(&self, sequence: u64) -> Result<bool, StoreError> {
        Ok(self.db.contains_key(numbered_key(DELETED, sequence))?)
    }

    fn article_facts(&self, sequence: u64) -> Result<Option<Vec<ArticleFact>>, StoreError> {
        let Some(raw) = self
            .values
            .get(&self.db, &numbered_key(ARTICLE_FACTS, sequence))?
        else {
            return Ok(None);
        };
        let stored = decode_facts(sequence, &raw)?;
        self.resolve_facts(stored, &mut FactContents::default())
            .map(Some)
    }

    fn each_article_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(&ArticleRecord, Vec<ArticleFact>),
    ) -> Result<(), StoreError> {
        // One for the whole scan: most corroborations in a window are of
        // facts created in it, already seen when they are reached.
        let mut contents = FactContents::default();
        for entry in self
            .db
            .range(article_key(first_article)..=article_key(u64::MAX))
        {
            let (key, value) = entry?;
            let sequence = key_number(&key, "article")?;
            let value = self.values.resolve(value)?;
            let record: ArticleRecord = decode_evolved::<_, legacy::ArticleRecordV1>(
                || format!("article {sequence}"),
                &value,
            )?;
            let facts = self.resolve_facts(self.stored_facts(sequence)?, &mut contents)?;
            visit(&record, facts);
        }
        Ok(())
    }

    fn last_event_sequence(&self) -> Result<u64, StoreError> {
        let last_fact = match self.db.scan_prefix([EVENT]).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                let first = key_number(&key, "last event run")?;
                let run: EventRun = decode(|| format!("event run {first}"), &value)?;
                first + u64::from(run.count.saturating_sub(1))
            }
            None => 0,
        };
        Ok(last_fact.max(self.last_number(NOTICE, "last notice")?))
    }

    fn events_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, StoredEvent)>, StoreError> {
        let Some(first) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        let mut events: Vec<(u64, StoredEvent)> = self
            .fact_events_from(first, limit)?
            .into_iter()
            .map(|(sequence, event)| (sequence, StoredEvent::Fact(event)))
            .collect();
        for entry in self
            .db
            .range(numbered_key(NOTICE, first)..=numbered_key(NOTICE, u64::MAX))
            .take(limit)
        {
            let (key, value) = entry?;
            let sequence = key_number(&key, "notice")?;
            let notice: Notice = decode(|| format!("notice {sequence}"), &value)?;
            events.push((sequence, StoredEvent::Notice(notice)));
        }
        events.sort_unstable_by_key(|(sequence, _)| *sequence);
        events.truncate(limit);
        Ok(events)
    }

    fn paragraph(&self, fingerprint: &Fingerprint) -> Result<Option<ParagraphRecord>, StoreError> {
        let Some((first, article_count)) = self.place(fingerprint)? else {
            return Ok(None);
        };
        let text =
            texts::text_at(&self.db, &self.values, first)?.ok_or_else(|| StoreError::Corrupt {
                key: format!("paragraph {fingerprint:?}"),
                reason: format!("no text stored at {first:?}"),
            })?;
        Ok(Some(ParagraphRecord {
            text: text.text,
            first,
            offset: text.offset,
            origin: text.origin,
            article_count,
        }))
    }

    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError> {
        copies::copies_of(&self.db, origin)
    }

    fn each_paragraph_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(Fingerprint, ParagraphRecord),
    ) -> Result<(), StoreError> {
        texts::each_since(
            &self.db,
            &self.values,
            first_article,
            &mut |first, stored| {
                let (_, article_count) =
                    self.place(&stored.fingerprint)?
                        .ok_or_else(|| StoreError::Corrupt {
                            key: format!("text at {first:?}"),
                            reason: "its fingerprint has no place".into(),
                        })?;
                visit(
                    stored.fingerprint,
                    ParagraphRecord {
                        text: stored.text,
                        first,
                        offset: stored.offset,
                        origin: stored.origin,
                        article_count,
                    },
                );
                Ok(())
            },
        )
    }

    fn each_text_fingerprint(&self, visit: &mut dyn FnMut(&Fingerprint)) -> Result<(), StoreError> {
        for entry in self.db.scan_prefix([TEXT_BY_FINGERPRINT]) {
            let (key, _) = entry?;
            let fingerprint = key
                .get(1..)
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| StoreError::Corrupt {
                    key: format!("paragraph place key {key:?}"),
                    reason: format!("{} bytes, expected 33", key.len()),
                })?;
            visit(&Fingerprint(fingerprint));
        }
        Ok(())
    }

    fn each_article_id(&self, visit: &mut dyn FnMut(&str)) -> Result<(), StoreError> {
        for entry in self.db.scan_prefix([SEQUENCE_BY_ID]) {
            let (key, _) = entry?;
            let id = std::str::from_utf8(&key[1..]).map_err(|e| StoreError::Corrupt {
                key: format!("article id key {key:?}"),
                reason: e.to_string(),
            })?;
            visit(id);
        }
        Ok(())
    }

    fn each_fact_carrier(
        &self,
        visit: &mut dyn FnMut(&FactId, u64, Option<u64>),
    ) -> Result<(), StoreError> {
        // The ids of the creations seen, for the corroborations after them.
        let mut ids = HashMap::new();
        let mut creators = HashMap::new();
        for entry in self.db.scan_prefix([ARTICLE_FACTS]) {
            let (key, value) = entry?;
            let sequence = key_number(&key, "facts of an article")?;
            let value = self.values.resolve(value)?;
            let stored = decode_facts(sequence, &value)?;
            let mut seen = std::collections::BTreeSet::new();
            for (id, creation) in self.carried_facts(stored, &mut ids, &mut creators)? {
                if seen.insert(id) {
                    visit(&id, sequence, creation);
                }
            }
            // Only a deleted creator's facts are read through it: few.
            creators.clear();
        }
        Ok(())
    }

    fn isolated_lines(&self) -> Result<Vec<(Fingerprint, u32)>, StoreError> {
        let mut lines = Vec::new();
        for entry in self.db.scan_prefix([ISOLATED_LINE]) {
            let (key, value) = entry?;
            let corrupt = |reason: String| StoreError::Corrupt {
                key: "isolated line".into(),
                reason,
            };
            let fingerprint: [u8; 32] = key
                .get(1..33)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| corrupt(format!("key of {} bytes", key.len())))?;
            let count: [u8; 4] = value
                .as_ref()
                .try_into()
                .map_err(|_| corrupt(format!("count of {} bytes", value.len())))?;
            lines.push((Fingerprint(fingerprint), u32::from_be_bytes(count)));
        }
        Ok(lines)
    }

    fn commit(&self, batch: &CommitBatch) -> Result<Committed, StoreError> {
        // A poisoned lock only means a commit panicked before it applied
        // its batch (apply_batch is atomic): the sequences it holds are
        // still the store's.
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let committed = batch.takes_sequences(next.article, next.event)?;
        if batch.is_empty() {
            return Ok(committed);
        }
        let mut writes = sled::Batch::default();
        let mut logged = LogWrites::new(next.log_end);
        for article in &batch.articles {
            logged.insert(
                &mut writes,
                &article_key(article.sequence),
                &encode(article)?,
            )?;
            writes.insert(
                &dated_key(article.retention_date(), article.sequence)[..],
                &[][..],
            );
            writes.insert(id_key(&article.id), &article.sequence.to_be_bytes()[..]);
        }
        // Texts that leave their place: relocated to a new article of
        // this batch, or freed by a deletion.
        let leaving: Vec<Origin> = batch
            .relocated
            .iter()
            .copied()
            .chain(batch.freed_texts.iter().map(|(_, place)| *place))
            .collect();
        texts::write(
            &self.db,
            &self.values,
            &mut writes,
            &mut logged,
            &batch.paragraphs,
            &leaving,
            committed.articles.clone(),
        )?;
        for (fingerprint, paragraph) in &batch.paragraphs {
            writes.insert(
                &place_key(fingerprint)[..],
                &encode_place(paragraph.first, paragraph.article_count)[..],
            );
        }
        for (fingerprint, first, count) in &batch.paragraph_counts {
            writes.insert(
                &place_key(fingerprint)[..],
                &encode_place(*first, *count)[..],
            );
        }
        copies::write(
            &self.db,
            &mut writes,
            &batch.copies,
            committed.articles.clone(),
        )?;
        for (sequence, facts) in &batch.article_facts {
            logged.insert(
                &mut writes,
                &numbered_key(ARTICLE_FACTS, *sequence),
                &encode_facts(*sequence, facts)?,
            )?;
        }
        for (first, run) in event_runs(&batch.events) {
            writes.insert(&numbered_key(EVENT, first)[..], encode(&run)?);
        }
        for (fingerprint, count) in &batch.isolated {
            writes.insert(&isolated_key(fingerprint)[..], &count.to_be_bytes()[..]);
        }
        write_deletions(self, &mut writes, &mut logged, batch)?;
        let deletions = next.deletions + batch.deletions.len() as u64;
        if deletions != next.deletions {
            writes.insert(DELETIONS_KEY, &deletions.to_be_bytes()[..]);
        }
        if !logged.is_empty() {
            // On the disk before any pointer to it can be.
            self.values.write(&logged)?;
            self.values.sync()?;
            writes.insert(VALUE_LOG_END_KEY, &logged.end().to_be_bytes()[..]);
        }
        let mut released = logged.released().to_vec();
        if !released.is_empty() {
            // What an earlier commit could not punch out is still listed.
            if let Some(pending) = self.db.get(RELEASED_KEY)? {
                released.extend(value_log::decode_extents(&pending));
            }
            writes.insert(RELEASED_KEY, value_log::encode_extents(&released));
        }
        self.db.apply_batch(writes)?;
        // Applied, so taken, even if the flush below fails.
        *next = NextSequences {
            article: committed.articles.end,
            event: committed.events.end,
            deletions,
            log_end: logged.end(),
        };
        self.flush_durably()?;
        reclaim_replaced_nodes(batch.articles.len() + batch.deletions.len());
        if !released.is_empty() {
            // Durably unused now. The commit is done whatever happens
            // here: what is not punched out stays listed, and the next
            // commit that releases values, or the next open, tries again.
            let punched = self
                .values
                .release(&released)
                .and_then(|()| Ok(self.db.remove(RELEASED_KEY).map(drop)?));
            if let Err(error) = punched {
                tracing::error!(%error, "unused values could not be taken out of the value log yet");
            }
        }
        Ok(committed)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.flush_durably()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_one_article_share_a_run() {
        let event = |article, index| EventRecord { article, index };
        let runs = event_runs(&[
            (5, event(1, 0)),
            (6, event(1, 1)),
            (7, event(2, 0)),
            (9, event(2, 1)),
        ]);
        let summary: Vec<(u64, u64, u32, u32)> = runs
            .iter()
            .map(|(first, r)| (*first, r.article, r.first_index, r.count))
            .collect();
        assert_eq!(summary, vec![(5, 1, 0, 2), (7, 2, 0, 1), (9, 2, 1, 1)]);
    }

    #[test]
    fn values_from_a_newer_version_are_refused() {
        let result: Result<ParagraphRecord, _> = decode(|| "x".into(), &[VALUE_VERSION + 1, 0]);
        assert!(matches!(result, Err(StoreError::NewerFormat { .. })));
    }

    /// Opens the store a test has just written through a raw sled handle.
    /// sled releases its file lock only when its last internal reference
    /// goes, which a background thread may still hold for a moment after
    /// the handle is dropped (seen with the whole suite running); only that
    /// error is retried, for at most two seconds.
    fn open_once_released(dir: &Path) -> Result<SledStore, StoreError> {
        let mut attempts = 0;
        loop {
            match SledStore::open(dir, 1 << 20) {
                Err(StoreError::Io(message))
                    if message.contains("could not acquire lock") && attempts < 200 =>
                {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                opened => return opened,
            }
        }
    }

    #[test]
    fn a_new_store_takes_large_segments_and_an_old_one_keeps_its_own(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let new = tempfile::tempdir()?;
        drop(SledStore::open(new.path(), 1 << 20)?);
        assert_eq!(segment_size(new.path())?, SEGMENT_BYTES);
        let old = tempfile::tempdir()?;
        {
            // A store made with sled's default, as earlier builds did.
            let db = sled::Config::new()
                .path(old.path())
                .flush_every_ms(None)
                .open()?;
            db.insert(FORMAT_KEY, &FORMAT_VERSION.to_be_bytes())?;
            db.flush()?;
        }
        assert_eq!(segment_size(old.path())?, 512 * 1024);
        let store = open_once_released(old.path())?;
        assert_eq!(store.last_sequence()?, 0);
        Ok(())
    }

    #[test]
    fn a_store_open_in_another_handle_is_refused_as_in_use_and_opens_once_released(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let first = SledStore::open(dir.path(), 1 << 20)?;
        assert!(matches!(
            SledStore::open(dir.path(), 1 << 20),
            Err(StoreError::InUse(_))
        ));
        drop(first);
        // sled lets go of its lock a moment after the drop; the open waits.
        SledStore::open(dir.path(), 1 << 20)?;
        Ok(())
    }

    #[test]
    fn a_store_from_a_newer_format_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        {
            // No background flusher: dropping the handle then releases the
            // directory at once, so the open below cannot race it.
            let db = sled::Config::new()
                .path(dir.path())
                .flush_every_ms(None)
                .open()?;
            db.insert(FORMAT_KEY, &(FORMAT_VERSION + 1).to_be_bytes())?;
            db.flush()?;
        }
        let opened = open_once_released(dir.path());
        assert!(
            matches!(opened, Err(StoreError::NewerFormat { .. })),
            "{:?}",
            opened.err()
        );
        Ok(())
    }

    #[test]
    fn a_version_1_store_opens_reads_and_is_marked_current(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let fingerprint = Fingerprint([5; 32]);
        {
            let db = sled::Config::new()
                .path(dir.path())
                .flush_every_ms(None)
                .open()?;
            db.insert(FORMAT_KEY, &1u32.to_be_bytes())?;
            // A version-1 paragraph: text, origin, anchors.
            let mut value = vec![OLDEST_VALUE_VERSION];
            value.extend(postcard::to_allocvec(&(
                "Old text.",
                Origin {
                    article: 1,
                    paragraph: 0,
                },
                vec![42u64],
            ))?);
            upgrade::format2::v1_paragraph(&db, &fingerprint, value)?;
            db.flush()?;
        }
        let store = open_once_released(dir.path())?;
        let paragraph = store.paragraph(&fingerprint)?.ok_or("paragraph readable")?;
        assert_eq!(paragraph.text, "Old text.");
        assert_eq!(paragraph.first, paragraph.origin);
        let marker = store.db.get(FORMAT_KEY)?.ok_or("format marker")?;
        assert_eq!(marker.as_ref(), &FORMAT_VERSION.to_be_bytes());
        Ok(())
    }

    #[test]
    fn a_format_3_store_gets_its_dates_indexed_and_older_stores_lose_the_carrier_index_and_file_copies_by_article_pair_at_open(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let later = Instant {
            seconds: 2,
            nanos: 0,
        };
        let first = Origin {
            article: 1,
            paragraph: 0,
        };
        let copy = Origin {
            article: 2,
            paragraph: 3,
        };
        for format in [3u32, 4] {
            let dir = tempfile::tempdir()?;
            {
                let store = open_once_released(dir.path())?;
                store.commit(&CommitBatch {
                    articles: vec![article_record(1, "a"), article_record(2, "b")],
                    ..CommitBatch::default()
                })?;
                // Stores of these formats hold their records in sled.
                for record in [article_record(1, "a"), article_record(2, "b")] {
                    store
                        .db
                        .insert(article_key(record.sequence), encode(&record)?)?;
                }
                // A format-3 store has no `D`; a format-4 store has `G`.
                if format == 3 {
                    for key in store.db.scan_prefix([DATED]).keys() {
                        store.db.remove(key?)?;
                    }
                }
                let mut carrier = vec![upgrade::FACT_CARRIER];
                carrier.extend_from_slice(&[0; 20]);
                store.db.insert(carrier, &[][..])?;
                store.db.insert(copies::format4_key(first, copy), &[][..])?;
                store.db.insert(FORMAT_KEY, &format.to_be_bytes())?;
                store.db.flush()?;
            }
            let store = open_once_released(dir.path())?;
            assert_eq!(store.dated_before(later, 10)?, [1, 2], "format {format}");
            // Records held in sled read as before.
            assert_eq!(store.article("b")?, Some(article_record(2, "b")));
            assert_eq!(store.copies_of(first)?, [copy], "format {format}");
            assert_eq!(
                store.db.scan_prefix([upgrade::FACT_CARRIER]).count(),
                0,
                "format {format}"
            );
            let marker = store.db.get(FORMAT_KEY)?.ok_or("format marker")?;
            assert_eq!(marker.as_ref(), &FORMAT_VERSION.to_be_bytes());
        }
        Ok(())
    }

    fn article_record(sequence: u64, id: &str) -> ArticleRecord {
        ArticleRecord {
            sequence,
            id: id.into(),
            source: "wire".into(),
            url: String::new(),
            title: format!("title {id}"),
            language: "en".into(),
            published_at: None,
            labels: Default::default(),
            content_digest: [7; 32],
            first_seen: crate::store::Instant {
                seconds: 1,
                nanos: 0,
            },
            body: vec![crate::store::BodySegment::Paragraph(0)],
            analysis: crate::store::AnalysisRecord {
                verdict: crate::matching::Verdict::Original,
                copy_ratio: 0.0,
                canonical: None,
                paragraphs: Vec::new(),
                credits: Vec::new(),
            },
        }
    }

    #[test]
    fn a_format_2_store_is_moved_to_the_sequence_layout_and_reads_the_same(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let texts: Vec<(Fingerprint, upgrade::ParagraphV2, u64)> = (0..10u8)
            .map(|n| {
                let first = Origin {
                    article: u64::from(n) + 1,
                    paragraph: 0,
                };
                (
                    Fingerprint([n; 32]),
                    upgrade::ParagraphV2 {
                        text: format!("Paragraph number {n}."),
                        first,
                        offset: 3,
                        origin: first,
                        anchors: vec![u64::from(n), 99],
                    },
                    u64::from(n % 3) + 1,
                )
            })
            .collect();
        {
            let db = sled::Config::new()
                .path(dir.path())
                .flush_every_ms(None)
                .open()?;
            db.insert(FORMAT_KEY, &2u32.to_be_bytes())?;
            for (fingerprint, paragraph, count) in &texts {
                upgrade::format2::paragraph(&db, fingerprint, paragraph, *count)?;
                let sequence = paragraph.first.article;
                let id = format!("id-{sequence}");
                upgrade::format2::article(&db, &article_record(sequence, &id))?;
            }
            db.flush()?;
        }
        let store = open_once_released(dir.path())?;
        assert_eq!(store.last_sequence()?, 10);
        for (fingerprint, old, count) in &texts {
            let read = store.paragraph(fingerprint)?.ok_or("paragraph moved")?;
            assert_eq!(read.text, old.text);
            assert_eq!((read.first, read.origin), (old.first, old.origin));
            assert_eq!((read.offset, read.article_count), (old.offset, *count));
            let sequence = old.first.article;
            let id = format!("id-{sequence}");
            assert_eq!(store.article(&id)?, Some(article_record(sequence, &id)));
            assert_eq!(store.article_id(sequence)?, Some(id));
        }
        let mut window = Vec::new();
        store.each_paragraph_since(6, &mut |fingerprint, record| {
            window.push((fingerprint, record.first.article));
        })?;
        let expected: Vec<(Fingerprint, u64)> = (5..10u8)
            .map(|n| (Fingerprint([n; 32]), u64::from(n) + 1))
            .collect();
        assert_eq!(window, expected);
        let mut ids = Vec::new();
        store.each_article_id(&mut |id| ids.push(id.to_owned()))?;
        assert_eq!(ids.len(), 10);
        // Nothing of the old layout is left.
        for prefix in [b'r', b'a', b'p', b'n'] {
            let left = store.db.scan_prefix([prefix]).count();
            assert_eq!(left, 0, "{}", prefix as char);
        }
        let marker = store.db.get(FORMAT_KEY)?.ok_or("format marker")?;
        assert_eq!(marker.as_ref(), &FORMAT_VERSION.to_be_bytes());
        Ok(())
    }
}
