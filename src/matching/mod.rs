//! Decides, paragraph by paragraph, what an article copied.
//!
//! The matcher is pure: it sees stored text only through the
//! [`ParagraphSource`] trait, which the engine implements on top of the
//! store and the in-memory [`AnchorIndex`]. Given a prepared article it
//! returns a match for every paragraph (with the reused passages and where
//! each came from), the share of words found in earlier articles, the
//! verdict, and the lines it judged to be boilerplate.

mod anchor_index;
mod boilerplate;
mod matcher;
pub mod passages;

pub use anchor_index::AnchorIndex;
pub use boilerplate::BoilerplateConfig;
pub use matcher::{
    match_article, ArticleMatch, MatchConfig, MatchKind, ParagraphMatch, Passage, SkipReason,
    Verdict,
};

use std::sync::Arc;

use crate::text::Fingerprint;
use passages::StoredText;

/// A position in the archive: the article (by ingest sequence) and the
/// paragraph in it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Origin {
    /// Ingest sequence of the article.
    pub article: u64,
    /// Paragraph index in that article.
    pub paragraph: u32,
}

/// What the matcher needs to know about a stored paragraph text.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownParagraph {
    /// Where this exact text was first stored: the closest earlier text a
    /// copy of it can name.
    pub first: Origin,
    /// Where the passage it carries first appeared: `first`, or, for text
    /// stored as a near copy, the origin of what it copied (so chains of
    /// copies resolve to the first).
    pub origin: Origin,
    /// How many stored articles contain exactly this text.
    pub article_count: u64,
    /// Learned to be boilerplate: never evidence of copying.
    pub boilerplate: bool,
    /// Byte offset of the text in the body of the article at `first`.
    pub offset: u32,
    /// Length of the stored text in bytes.
    pub text_bytes: u32,
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

/// A candidate paragraph: what is known of it, and its text as the
/// aligner compares it (shared, as it is cached).
pub type Candidate = (KnownParagraph, Arc<StoredText>);

/// Read access to the paragraphs stored so far.
pub trait ParagraphSource {
    /// Failure to read (storage errors).
    type Error;

    /// The stored paragraph with this exact fingerprint, if any.
    fn exact(&mut self, fingerprint: &Fingerprint) -> Result<Option<KnownParagraph>, Self::Error>;

    /// Stored paragraphs sharing anchors with `anchors`, most shared first,
    /// at most `limit`.
    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal>;

    /// A candidate and its aligned text; `None` when it is not (or no
    /// longer) stored.
    fn candidate(&mut self, fingerprint: &Fingerprint) -> Result<Option<Candidate>, Self::Error>;

    /// True when the template key has been seen with enough different
    /// fillings to be a template (see [`BoilerplateConfig::learn_after`]).
    fn is_template(&mut self, key: &Fingerprint) -> bool;
}
