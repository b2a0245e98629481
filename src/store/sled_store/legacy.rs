//! Value encodings of format version 1, read so that a store written by an
//! earlier wirecopy opens and answers as before.
//!
//! Version 1 stored one source per paragraph match (the origin of its
//! text, with further sources of a merge beside it) and no skip reason, and
//! a paragraph only under the origin of its text. They convert to the
//! current records with what is known: passages without spans (an empty
//! span, 0..0, says "not recorded"), and the origin as the closest text.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::StoredParagraph;
use crate::{
    matching::{MatchKind, Origin, Passage, SkipReason, Verdict},
    store::{AnalysisRecord, ArticleRecord, BodySegment, CreditEntry, Instant, ParagraphEntry},
    text::Fingerprint,
};

/// Paragraphs under this many words were skipped as too short in version 1
/// (its only default); longer skipped ones were boilerplate.
const V1_MIN_WORDS: u32 = 8;

#[derive(Deserialize)]
pub(super) struct StoredParagraphV1 {
    text: String,
    origin: Origin,
    anchors: Vec<u64>,
}

impl From<StoredParagraphV1> for StoredParagraph {
    fn from(old: StoredParagraphV1) -> Self {
        StoredParagraph {
            text: old.text,
            first: old.origin,
            // Not recorded: spans into such a text are relative to it.
            offset: 0,
            origin: old.origin,
            anchors: old.anchors,
        }
    }
}

#[derive(Deserialize)]
struct ParagraphEntryV1 {
    fingerprint: Fingerprint,
    kind: MatchKind,
    source: Option<Origin>,
    other_sources: Vec<Origin>,
    similarity: f32,
    word_count: u32,
    copied_words: u32,
}

impl From<ParagraphEntryV1> for ParagraphEntry {
    fn from(old: ParagraphEntryV1) -> Self {
        let passage = |origin: Origin, copied_words: u32| Passage {
            span: 0..0,
            source: origin,
            source_span: 0..0,
            origin,
            copied_words,
        };
        let passages = old
            .source
            .map(|origin| passage(origin, old.copied_words))
            .into_iter()
            .chain(old.other_sources.into_iter().map(|o| passage(o, 0)))
            .collect();
        let skip_reason =
            (old.kind == MatchKind::Skipped).then_some(if old.word_count < V1_MIN_WORDS {
                SkipReason::TooShort
            } else {
                SkipReason::Boilerplate
            });
        ParagraphEntry {
            fingerprint: old.fingerprint,
            kind: old.kind,
            skip_reason,
            passages,
            similarity: old.similarity,
            word_count: old.word_count,
            copied_words: old.copied_words,
        }
    }
}

#[derive(Deserialize)]
struct AnalysisRecordV1 {
    verdict: Verdict,
    copy_ratio: f64,
    canonical: Option<u64>,
    paragraphs: Vec<ParagraphEntryV1>,
    credits: Vec<CreditEntry>,
}

#[derive(Deserialize)]
pub(super) struct ArticleRecordV1 {
    sequence: u64,
    id: String,
    source: String,
    url: String,
    title: String,
    language: String,
    published_at: Option<Instant>,
    labels: BTreeMap<String, String>,
    content_digest: [u8; 32],
    first_seen: Instant,
    body: Vec<BodySegment>,
    analysis: AnalysisRecordV1,
}

impl From<ArticleRecordV1> for ArticleRecord {
    fn from(old: ArticleRecordV1) -> Self {
        ArticleRecord {
            sequence: old.sequence,
            id: old.id,
            source: old.source,
            url: old.url,
            title: old.title,
            language: old.language,
            published_at: old.published_at,
            labels: old.labels,
            content_digest: old.content_digest,
            first_seen: old.first_seen,
            body: old.body,
            analysis: AnalysisRecord {
                verdict: old.analysis.verdict,
                copy_ratio: old.analysis.copy_ratio,
                canonical: old.analysis.canonical,
                paragraphs: old
                    .analysis
                    .paragraphs
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                credits: old.analysis.credits,
            },
        }
    }
}
