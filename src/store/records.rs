//! The plain records wirecopy stores.
//!
//! These types are the storage model: what an article, a paragraph and a
//! commit are once analysed. They carry no encoding; the store
//! implementation decides how to lay them out and versions its encoding.
//! Changing a field here changes what is written, so it needs a new format
//! version in the implementation.

use std::{collections::BTreeMap, ops::Range};

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::{
    facts::{Fact, FactBody, FactId},
    matching::{MatchKind, Origin, Passage, SkipReason, Verdict},
    text::{credits::CreditKind, Fingerprint},
};

/// A point in time as seconds and nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instant {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub seconds: i64,
    /// Nanoseconds within the second, 0..1e9.
    pub nanos: i32,
}

/// Part of a stored body: either literal text or a reference to the
/// stored text of one of the article's paragraphs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodySegment {
    /// Text stored in the article itself (separators, credits, paragraph
    /// text that differs from the stored canonical text).
    Text(String),
    /// The stored text of the paragraph whose fingerprint is
    /// `paragraphs[n].fingerprint` of the same article.
    Paragraph(u32),
}

/// The stored analysis of one paragraph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParagraphEntry {
    /// Fingerprint of the normalised paragraph.
    pub fingerprint: Fingerprint,
    /// What it matched.
    pub kind: MatchKind,
    /// For Skipped: why.
    pub skip_reason: Option<SkipReason>,
    /// The reused passages, best source first.
    pub passages: Vec<Passage>,
    /// Similarity with the best source.
    pub similarity: f32,
    /// Words in the paragraph.
    pub word_count: u32,
    /// Words found in earlier text.
    pub copied_words: u32,
}

/// A credit line found in the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditEntry {
    /// Its kind.
    pub kind: CreditKind,
    /// Paragraph it was found in.
    pub paragraph_index: u32,
    /// The credit text as it stands in the body.
    pub text: String,
    /// Agencies named.
    pub agencies: Vec<String>,
}

/// The analysis of an article, as stored with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisRecord {
    /// Verdict when stored.
    pub verdict: Verdict,
    /// Copied share of indexed words.
    pub copy_ratio: f64,
    /// Earliest source article's sequence.
    pub canonical: Option<u64>,
    /// One entry per paragraph.
    pub paragraphs: Vec<ParagraphEntry>,
    /// Credits found.
    pub credits: Vec<CreditEntry>,
}

/// A stored article: the submitted metadata, the body as segments, and
/// the analysis made when it was stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticleRecord {
    /// Ingest sequence, from 1.
    pub sequence: u64,
    /// The caller's id.
    pub id: String,
    /// Outlet.
    pub source: String,
    /// URL.
    pub url: String,
    /// Headline.
    pub title: String,
    /// Language tag.
    pub language: String,
    /// Publication time, if given.
    pub published_at: Option<Instant>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// blake3 of the submitted content, to tell a resubmission from a
    /// conflicting one.
    pub content_digest: [u8; 32],
    /// When the server stored it.
    pub first_seen: Instant,
    /// The body, to be reassembled byte for byte.
    pub body: Vec<BodySegment>,
    /// The analysis made when it was stored.
    pub analysis: AnalysisRecord,
}

impl ArticleRecord {
    /// The date retention goes by: when it was published, else when it
    /// was stored.
    pub fn retention_date(&self) -> Instant {
        self.published_at.unwrap_or(self.first_seen)
    }
}

/// A distinct paragraph text, stored once however many articles have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParagraphRecord {
    /// The text as first submitted (after credits were cut off).
    pub text: String,
    /// Where this exact text was first stored.
    pub first: Origin,
    /// Byte offset of the text in the body of that first article.
    pub offset: u32,
    /// Where the passage it carries first appeared: `first`, or for a near
    /// copy the origin of what it copied.
    pub origin: Origin,
    /// How many stored articles contain it.
    pub article_count: u64,
}

/// Whether an article brought a fact first or confirmed a known one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FactEventKind {
    /// The first article with this fact.
    Created,
    /// A later article with a fact already known.
    Corroborated,
}

/// What deleting an article did to one of its facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    /// It was the last article carrying the fact: the fact is gone.
    Retracted,
    /// Others still carry the fact: it has one corroboration less.
    Withdrawn,
}

/// An event of the fact stream that is not one of an article's facts: what
/// a delete did to a fact. It names the fact by id only (the deleted
/// article's words are not kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Retracted or withdrawn.
    pub kind: NoticeKind,
    /// The fact.
    pub fact: FactId,
    /// The deleted article's id.
    pub article_id: String,
    /// The deleted article's source.
    pub source: String,
}

/// One stored event of the fact stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredEvent {
    /// One of an article's facts.
    Fact(EventRecord),
    /// What a delete did to a fact.
    Notice(Notice),
}

/// An article taken out of the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    /// Its sequence (never given to another article).
    pub sequence: u64,
    /// Its id (free for a new article).
    pub id: String,
    /// Its [`ArticleRecord::retention_date`].
    pub date: Instant,
    /// The copy relations it was filed under as a copy: removed.
    pub copies: Vec<(Origin, Origin)>,
    /// The facts it carried (no longer carried by it).
    pub facts: Vec<FactId>,
}

/// One fact of an article and what it was for the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticleFact {
    /// The fact, with its provenance in this article.
    pub fact: Fact,
    /// Created or corroborated.
    pub event: FactEventKind,
    /// The sequence number of its event.
    pub sequence: u64,
    /// The sequence number of the event that created the fact: `sequence`
    /// itself for a creation, an earlier one for a corroboration; `None`
    /// for a corroboration whose creation is not known (its creating
    /// article was deleted before the store recorded creations). A store
    /// may keep a corroboration by this number instead of the fact's id.
    pub creation: Option<u64>,
}

/// One event of the fact stream: the fact at `index` in the facts of
/// `article`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Ingest sequence of the article.
    pub article: u64,
    /// Position in that article's facts.
    pub index: u32,
}

/// Everything one group commit writes.
#[derive(Clone, Debug, Default)]
pub struct CommitBatch {
    /// New articles.
    pub articles: Vec<ArticleRecord>,
    /// New paragraphs.
    pub paragraphs: Vec<(Fingerprint, ParagraphRecord)>,
    /// New article counts of paragraphs stored before this batch, with
    /// where each was first stored.
    pub paragraph_counts: Vec<(Fingerprint, Origin, u64)>,
    /// Where texts were stored that this batch stores again under an
    /// article of its own (an archived text re-entering the match window):
    /// the old places are freed.
    pub relocated: Vec<Origin>,
    /// New (origin, copy) pairs: the copy at (article, paragraph) shares the
    /// text that first appeared at origin.
    pub copies: Vec<(Origin, Origin)>,
    /// Facts of the new articles, by article sequence.
    pub article_facts: Vec<(u64, Vec<ArticleFact>)>,
    /// New isolation counts of lines (see
    /// [`crate::matching::BoilerplateConfig`]).
    pub isolated: Vec<(Fingerprint, u32)>,
    /// New events of the fact stream, by event sequence.
    pub events: Vec<(u64, EventRecord)>,
    /// Articles deleted.
    pub deletions: Vec<Deletion>,
    /// Texts no stored article contains any more, by fingerprint and the
    /// place they were stored at: freed.
    pub freed_texts: Vec<(Fingerprint, Origin)>,
    /// Facts no stored article carries any more, each with the event
    /// that created it when known ([`ArticleFact::creation`]): forgotten.
    pub retracted_facts: Vec<(FactId, Option<u64>)>,
    /// The content of facts whose creating article was deleted while
    /// others still carry them, kept for those others; each with the event
    /// that created it when known.
    pub kept_contents: Vec<(FactId, Option<u64>, FactBody)>,
    /// New events of the stream about deleted articles' facts.
    pub notices: Vec<(u64, Notice)>,
}

impl CommitBatch {
    /// True when there is nothing to write: no field holds anything.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
            && self.paragraphs.is_empty()
            && self.paragraph_counts.is_empty()
            && self.relocated.is_empty()
            && self.copies.is_empty()
            && self.article_facts.is_empty()
            && self.events.is_empty()
            && self.isolated.is_empty()
            && self.deletions.is_empty()
            && self.freed_texts.is_empty()
            && self.retracted_facts.is_empty()
            && self.kept_contents.is_empty()
            && self.notices.is_empty()
    }
}

/// What a commit took: the sequences of its articles and of its events
/// (empty ranges at the next free sequence when it had none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Sequences of the batch's articles, in order.
    pub articles: Range<u64>,
    /// Sequences of the batch's fact events, in order.
    pub events: Range<u64>,
}

impl CommitBatch {
    /// Checks that the batch's articles and events take the sequences
    /// from `next_article` and `next_event` on, each one after the other,
    /// and says which: what every backend verifies before it writes.
    pub fn takes_sequences(
        &self,
        next_article: u64,
        next_event: u64,
    ) -> Result<Committed, StoreError> {
        Ok(Committed {
            articles: follows(
                "articles",
                next_article,
                self.articles.iter().map(|a| a.sequence),
            )?,
            events: follows("events", next_event, self.event_sequences().into_iter())?,
        })
    }
}

impl CommitBatch {
    /// The sequences of the batch's events and notices, in order.
    fn event_sequences(&self) -> Vec<u64> {
        let mut sequences: Vec<u64> = self
            .events
            .iter()
            .map(|(sequence, _)| *sequence)
            .chain(self.notices.iter().map(|(sequence, _)| *sequence))
            .collect();
        sequences.sort_unstable();
        sequences
    }
}

/// The range `sequences` covers if they run from `next` one by one.
fn follows(
    what: &'static str,
    next: u64,
    sequences: impl Iterator<Item = u64>,
) -> Result<Range<u64>, StoreError> {
    let mut expected = next;
    for found in sequences {
        if found != expected {
            return Err(StoreError::Conflict {
                what,
                expected,
                found,
            });
        }
        expected += 1;
    }
    Ok(next..expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_with_anything_in_it_is_not_empty() {
        assert!(CommitBatch::default().is_empty());
        let fingerprint = Fingerprint([1; 32]);
        let event = EventRecord {
            article: 1,
            index: 0,
        };
        let first = Origin {
            article: 1,
            paragraph: 0,
        };
        let batches = [
            CommitBatch {
                paragraph_counts: vec![(fingerprint, first, 2)],
                ..CommitBatch::default()
            },
            CommitBatch {
                relocated: vec![first],
                ..CommitBatch::default()
            },
            CommitBatch {
                events: vec![(1, event)],
                ..CommitBatch::default()
            },
            CommitBatch {
                article_facts: vec![(1, Vec::new())],
                ..CommitBatch::default()
            },
            CommitBatch {
                isolated: vec![(fingerprint, 1)],
                ..CommitBatch::default()
            },
        ];
        assert!(batches.iter().all(|batch| !batch.is_empty()));
    }

    #[test]
    fn a_batch_takes_the_sequences_that_follow_or_none() {
        let event = |sequence| {
            (
                sequence,
                EventRecord {
                    article: 1,
                    index: 0,
                },
            )
        };
        let batch = CommitBatch {
            events: vec![event(5), event(6)],
            ..CommitBatch::default()
        };
        assert_eq!(
            batch.takes_sequences(3, 5).ok(),
            Some(Committed {
                articles: 3..3,
                events: 5..7
            })
        );
        assert!(matches!(
            batch.takes_sequences(3, 4),
            Err(StoreError::Conflict {
                what: "events",
                expected: 4,
                found: 5
            })
        ));
        let gap = CommitBatch {
            events: vec![event(5), event(7)],
            ..CommitBatch::default()
        };
        assert!(matches!(
            gap.takes_sequences(1, 5),
            Err(StoreError::Conflict {
                expected: 6,
                found: 7,
                ..
            })
        ));
    }
}
