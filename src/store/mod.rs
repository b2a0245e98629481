//! Persistence behind a narrow interface.
//!
//! The engine sees storage only through the [`Store`] trait: point reads
//! by key, ordered scans (copies of a paragraph, the fact stream, what the
//! match window loads at start-up), and an atomic, durable group commit.
//! That is all a distributed backend would have to provide. The records it
//! stores are plain data ([`records`]); how they are laid out on disk is the
//! business of the implementation alone ([`sled_store`] for the embedded
//! default).

pub mod records;
pub mod sled_store;

pub use records::{
    AnalysisRecord, ArticleFact, ArticleRecord, BodySegment, CommitBatch, CreditEntry, EventRecord,
    FactEventKind, FactRecord, Instant, ParagraphEntry, ParagraphRecord,
};
pub use sled_store::SledStore;

use crate::{facts::FactId, matching::Origin, text::Fingerprint};

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
/// Reads may run on any thread at any time. `commit` is called by one
/// writer at a time; it must apply the whole batch atomically (readers and
/// a crash see all of it or none of it) and return only once it is durable.
pub trait Store: Send + Sync {
    /// The stored article with this id.
    fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError>;

    /// The id of the article with this ingest sequence.
    fn article_id(&self, sequence: u64) -> Result<Option<String>, StoreError>;

    /// The highest ingest sequence stored, 0 when empty.
    fn last_sequence(&self) -> Result<u64, StoreError>;

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

    /// Calls `visit` with the sequence, id and facts of every stored
    /// article with sequence `first_article` or a later one, in sequence
    /// order (used to load the match window at start-up).
    fn each_article_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(u64, &str, Vec<ArticleFact>),
    ) -> Result<(), StoreError>;

    /// Calls `visit` with the id of every stored article.
    fn each_article_id(&self, visit: &mut dyn FnMut(&str)) -> Result<(), StoreError>;

    /// Calls `visit` with the id of every known fact.
    fn each_fact_id(&self, visit: &mut dyn FnMut(&FactId)) -> Result<(), StoreError>;

    /// The facts of the article with this ingest sequence.
    fn article_facts(&self, sequence: u64) -> Result<Option<Vec<ArticleFact>>, StoreError>;

    /// The highest fact event sequence stored, 0 when none.
    fn last_event_sequence(&self) -> Result<u64, StoreError>;

    /// Up to `limit` events with sequences above `after`, in order.
    fn events_after(&self, after: u64, limit: usize)
        -> Result<Vec<(u64, EventRecord)>, StoreError>;

    /// Every line found isolated, with how often (see
    /// [`crate::matching::BoilerplateConfig`]).
    fn isolated_lines(&self) -> Result<Vec<(Fingerprint, u32)>, StoreError>;

    /// Applies a batch atomically and durably.
    fn commit(&self, batch: &CommitBatch) -> Result<(), StoreError>;

    /// Makes everything written so far durable (used at shutdown).
    fn flush(&self) -> Result<(), StoreError>;
}
