//! Decides, paragraph by paragraph, what an article copied.
//!
//! The matcher is pure: it sees stored text only through the
//! [`ParagraphSource`] trait, which the engine implements on top of the
//! store and the in-memory [`AnchorIndex`]. Given a prepared article it
//! returns a match for every paragraph, the share of words found in
//! earlier articles, and the verdict.

mod anchor_index;
mod matcher;

pub use anchor_index::AnchorIndex;
pub use matcher::{match_article, ArticleMatch, MatchConfig, MatchKind, ParagraphMatch, Verdict};

use std::sync::Arc;

use crate::text::Fingerprint;

/// Where a text first appeared: the article (by ingest sequence) and the
/// paragraph in it. Copies of a paragraph, exact or near, point at the
/// origin of what they copied, so chains of copies resolve to the first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Origin {
    /// Ingest sequence of the article.
    pub article: u64,
    /// Paragraph index in that article.
    pub paragraph: u32,
}

/// What the matcher needs to know about a stored paragraph.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownParagraph {
    /// Where its text first appeared.
    pub origin: Origin,
    /// How many stored articles contain exactly this text.
    pub article_count: u64,
}

/// A stored paragraph the anchor index proposes for a query paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The proposed paragraph.
    pub fingerprint: Fingerprint,
    /// How many of the query's anchors it has.
    pub shared_anchors: u32,
    /// How many anchors it has in all.
    pub anchors: u32,
}

/// A candidate paragraph: what is known of it, and its distinct shingle
/// hashes, sorted (shared, as they are cached).
pub type Candidate = (KnownParagraph, Arc<[u64]>);

/// Read access to the paragraphs stored so far.
pub trait ParagraphSource {
    /// Failure to read (storage errors).
    type Error;

    /// The stored paragraph with this exact fingerprint, if any.
    fn exact(&mut self, fingerprint: &Fingerprint) -> Result<Option<KnownParagraph>, Self::Error>;

    /// Stored paragraphs sharing anchors with `anchors`, most shared first,
    /// at most `limit`.
    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal>;

    /// A candidate and its distinct shingle hashes, sorted; `None` when it
    /// is not (or no longer) stored.
    fn candidate(&mut self, fingerprint: &Fingerprint) -> Result<Option<Candidate>, Self::Error>;
}
