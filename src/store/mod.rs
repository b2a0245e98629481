//! Persistence behind a narrow interface.
//!
//! The engine sees storage only through the [`Store`] trait: point reads
//! by key, ordered scans (copies of a paragraph, the fact stream, what the
//! match window loads at start-up), and an atomic, durable group commit
//! that says which sequences it took. That is all a distributed backend
//! would have to provide. The records it stores are plain data
//! ([`records`]); how they are laid out is the business of each backend
//! alone: [`sled_store`] for the embedded default, [`memory_store`] for a
//! store that lives and dies with the process. [`open`] picks one from a
//! [`StoreConfig`]; `tests/store_contract.rs` holds both to the same
//! contract.

pub mod memory_store;
pub mod records;
pub mod sled_store;

pub use memory_store::MemoryStore;
pub use records::{
    AnalysisRecord, ArticleFact, ArticleRecord, BodySegment, CommitBatch, Committed, CreditEntry,
    Deletion, EventRecord, FactEventKind, Instant, Notice, NoticeKind, ParagraphEntry,
    ParagraphRecord, StoredEvent,
};
pub use sled_store::SledStore;

use std::{path::PathBuf, sync::Arc};

use crate::{facts::FactId, matching::Origin, text::Fingerprint};

/// The name of the saved match window in a sled data directory (sled's
/// own files there are `conf`, `db`, `blobs/` and `snap.*`).
pub const WINDOW_FILE: &str = "window.wirecopy";

/// sled's page cache unless configured otherwise.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Which backend holds the archive, and how it is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreConfig {
    /// The embedded sled store in a directory (the default).
    Sled {
        /// The data directory (created if missing).
        dir: PathBuf,
        /// sled's page cache, in bytes.
        cache_bytes: u64,
        /// Also `syncfs` after every commit, so acknowledged writes survive
        /// power loss (see [`SledStore::sync_filesystem`]).
        sync_filesystem: bool,
    },
    /// Everything in memory, gone when the process ends: for tests,
    /// evaluations and throwaway runs.
    Memory,
}

impl StoreConfig {
    /// sled in `dir` with the default cache and without `syncfs`.
    pub fn sled(dir: impl Into<PathBuf>) -> Self {
        StoreConfig::Sled {
            dir: dir.into(),
            cache_bytes: DEFAULT_CACHE_BYTES,
            sync_filesystem: false,
        }
    }

    /// Where the engine may keep a copy of its match window beside the
    /// store, so that a restart need not rebuild it (none for a store that
    /// does not outlive the process).
    pub fn window_file(&self) -> Option<PathBuf> {
        match self {
            StoreConfig::Sled { dir, .. } => Some(dir.join(WINDOW_FILE)),
            StoreConfig::Memory => None,
        }
    }

    /// True when what a commit stored is there after the process ends.
    pub fn is_durable(&self) -> bool {
        matches!(self, StoreConfig::Sled { .. })
    }
}

/// Opens the backend `config` names.
pub fn open(config: &StoreConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match config {
        StoreConfig::Sled {
            dir,
            cache_bytes,
            sync_filesystem,
        } => {
            let mut sled = SledStore::open(dir, *cache_bytes)?;
            if *sync_filesystem {
                sled = sled.sync_filesystem(dir)?;
            }
            Arc::new(sled)
        }
        StoreConfig::Memory => Arc::new(MemoryStore::default()),
    })
}

/// A storage failure.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed to read or write (I/O error, disk full, …).
    #[error("storage I/O failed: {0}")]
    Io(String),
    /// A stored value could not be decoded.
    #[error("stored value under {key} is corrupt: {reason}")]
    Corrupt {
        /// Which key (described for people).
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// A batch's sequences do not follow the store's: someone else
    /// committed first (two writers on one store), and nothing of the batch
    /// was written.
    #[error("the batch's {what} start at sequence {found}, but the store's next is {expected}: another writer committed first; nothing was written")]
    Conflict {
        /// "articles" or "events".
        what: &'static str,
        /// The store's next free sequence.
        expected: u64,
        /// Where the batch's sequences start (or break off).
        found: u64,
    },
    /// Another process holds the store open (two servers on one data
    /// directory), still so after a short wait for one that is exiting.
    #[error(
        "the store at {0} is in use by another process; stop it or choose another data directory"
    )]
    InUse(String),
    /// The data was written by a newer version of wirecopy.
    #[error("the store was written in format version {found}, newer than the {supported} this build reads; upgrade wirecopy or restore an export")]
    NewerFormat {
        /// Version found on disk.
        found: u32,
        /// Newest version this build understands.
        supported: u32,
    },
}

/// What the engine needs from storage.
///
/// Reads may run on any thread at any time. `commit` must apply the whole
/// batch atomically (readers and a crash see all of it or none of it),
/// only if its sequences follow the store's own (else
/// [`StoreError::Conflict`], nothing written), and return only once it is
/// as durable as the backend can make it.
pub trait Store: Send + Sync {
    /// The stored article with this id.
    fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError>;

    /// The id of the article with this ingest sequence.
    fn article_id(&self, sequence: u64) -> Result<Option<String>, StoreError>;

    /// The highest ingest sequence ever given, deleted articles' included
    /// (so no sequence is given twice); 0 when empty.
    fn last_sequence(&self) -> Result<u64, StoreError>;

    /// The sequences of up to `limit` stored articles whose
    /// [`ArticleRecord::retention_date`] is before `before` (to the
    /// second), oldest first (what a retention policy deletes).
    fn dated_before(&self, before: Instant, limit: usize) -> Result<Vec<u64>, StoreError>;

    /// A count that grows by one with every article deleted (from 0 in a
    /// store that has deleted none since it started counting). What was
    /// taken from the store's state before a deletion is stale when the
    /// count has moved since.
    fn deletions(&self) -> Result<u64, StoreError>;

    /// True when the article with this sequence was deleted (a reference
    /// to it is then "gone", not corrupt).
    fn is_deleted(&self, sequence: u64) -> Result<bool, StoreError>;

    /// The stored paragraph with this fingerprint.
    fn paragraph(&self, fingerprint: &Fingerprint) -> Result<Option<ParagraphRecord>, StoreError>;

    /// Every stored paragraph that is a copy of (or is) the text that first
    /// appeared at `origin`, as (article sequence, paragraph index).
    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError>;

    /// Calls `visit` with every stored paragraph first stored by the
    /// article with sequence `first_article` or a later one (used to load
    /// the match window at start-up).
    fn each_paragraph_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(Fingerprint, ParagraphRecord),
    ) -> Result<(), StoreError>;

    /// Calls `visit` with the record and facts of every stored article
    /// with sequence `first_article` or a later one, in sequence order
    /// (used to load the match window at start-up).
    fn each_article_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(&ArticleRecord, Vec<ArticleFact>),
    ) -> Result<(), StoreError>;

    /// Calls `visit` with the fingerprint of every stored paragraph text
    /// (used to rebuild the match window's filter of stored texts from the
    /// store alone).
    fn each_text_fingerprint(&self, visit: &mut dyn FnMut(&Fingerprint)) -> Result<(), StoreError>;

    /// Calls `visit` with the id of every stored article.
    fn each_article_id(&self, visit: &mut dyn FnMut(&str)) -> Result<(), StoreError>;

    /// Calls `visit` once for each stored article and each distinct fact
    /// it carries (created or corroborated), with the article's sequence
    /// and the fact's [`ArticleFact::creation`] there: what counting every
    /// fact's carriers reads when the match window is rebuilt from the
    /// store alone.
    fn each_fact_carrier(
        &self,
        visit: &mut dyn FnMut(&FactId, u64, Option<u64>),
    ) -> Result<(), StoreError>;

    /// The facts of the article with this ingest sequence.
    fn article_facts(&self, sequence: u64) -> Result<Option<Vec<ArticleFact>>, StoreError>;

    /// The highest fact event sequence stored, 0 when none.
    fn last_event_sequence(&self) -> Result<u64, StoreError>;

    /// Up to `limit` events with sequences above `after`, in order. Events
    /// of a deleted article are still listed: the reader finds the article
    /// gone.
    fn events_after(&self, after: u64, limit: usize)
        -> Result<Vec<(u64, StoredEvent)>, StoreError>;

    /// Every line found isolated, with how often (see
    /// [`crate::matching::BoilerplateConfig`]).
    fn isolated_lines(&self) -> Result<Vec<(Fingerprint, u32)>, StoreError>;

    /// Applies a batch atomically and durably, and says which article and
    /// event sequences it took.
    fn commit(&self, batch: &CommitBatch) -> Result<Committed, StoreError>;

    /// Makes everything written so far durable (used at shutdown).
    fn flush(&self) -> Result<(), StoreError>;
}
