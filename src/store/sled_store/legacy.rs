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

use super::upgrade::ParagraphV2;
use crate::{
    matching::{MatchKind, Origin, Passage, SkipReason, Verdict},
    store::{AnalysisRecord, ArticleRecord, BodySegment, CreditEntry, Instant, ParagraphEntry},
    text::Fingerprint,
};

/// Paragraphs under this many words were skipped as too short in version 1
/// (its only default); longer skipped ones were boilerplate.
const V1_MIN_WORDS: u32 = 8;

#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct StoredParagraphV1 {
    text: String,
    origin: Origin,
    anchors: Vec<u64>,
}

impl From<StoredParagraphV1> for ParagraphV2 {
    fn from(old: StoredParagraphV1) -> Self {
        ParagraphV2 {
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
#[cfg_attr(test, derive(serde::Serialize))]
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
#[cfg_attr(test, derive(serde::Serialize))]
struct AnalysisRecordV1 {
    verdict: Verdict,
    copy_ratio: f64,
    canonical: Option<u64>,
    paragraphs: Vec<ParagraphEntryV1>,
    credits: Vec<CreditEntry>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sled_store::{decode_evolved, OLDEST_VALUE_VERSION};

    fn origin(article: u64, paragraph: u32) -> Origin {
        Origin { article, paragraph }
    }

    fn v1<T: serde::Serialize>(value: &T) -> Vec<u8> {
        let mut bytes = vec![OLDEST_VALUE_VERSION];
        bytes.extend(postcard::to_allocvec(value).unwrap_or_default());
        bytes
    }

    #[test]
    fn a_version_1_paragraph_reads_with_its_origin_as_the_first_text() {
        let old = StoredParagraphV1 {
            text: "Some text.".into(),
            origin: origin(3, 1),
            anchors: vec![7, 9],
        };
        let read = decode_evolved::<ParagraphV2, StoredParagraphV1>(|| "p".into(), &v1(&old))
            .map_err(|e| e.to_string());
        let Ok(read) = read else {
            panic!("{read:?}", read = read.err());
        };
        assert_eq!(read.first, origin(3, 1));
        assert_eq!(read.origin, origin(3, 1));
        assert_eq!(read.offset, 0);
        assert_eq!(read.anchors, [7, 9]);
    }

    #[test]
    fn a_version_1_article_reads_with_passages_without_spans() {
        let entry = |kind, source, other_sources: Vec<Origin>, word_count| ParagraphEntryV1 {
            fingerprint: Fingerprint([1; 32]),
            kind,
            source,
            other_sources,
            similarity: 0.8,
            word_count,
            copied_words: 10,
        };
        let instant = Instant {
            seconds: 1,
            nanos: 0,
        };
        let old = ArticleRecordV1 {
            sequence: 5,
            id: "old".into(),
            source: String::new(),
            url: String::new(),
            title: String::new(),
            language: String::new(),
            published_at: None,
            labels: BTreeMap::new(),
            content_digest: [0; 32],
            first_seen: instant,
            body: vec![BodySegment::Text("x".into())],
            analysis: AnalysisRecordV1 {
                verdict: Verdict::WireCopy,
                copy_ratio: 0.9,
                canonical: Some(2),
                paragraphs: vec![
                    entry(MatchKind::Near, Some(origin(2, 0)), vec![origin(4, 1)], 12),
                    entry(MatchKind::Skipped, None, Vec::new(), 3),
                    entry(MatchKind::Skipped, None, Vec::new(), 20),
                ],
                credits: Vec::new(),
            },
        };
        let read = decode_evolved::<ArticleRecord, ArticleRecordV1>(|| "a".into(), &v1(&old))
            .map_err(|e| e.to_string());
        let Ok(read) = read else {
            panic!("{read:?}");
        };
        let paragraphs = &read.analysis.paragraphs;
        assert_eq!(paragraphs[0].passages.len(), 2);
        assert_eq!(paragraphs[0].passages[0].source, origin(2, 0));
        assert_eq!(paragraphs[0].passages[0].span, 0..0);
        assert_eq!(paragraphs[0].passages[1].origin, origin(4, 1));
        assert_eq!(paragraphs[1].skip_reason, Some(SkipReason::TooShort));
        assert_eq!(paragraphs[2].skip_reason, Some(SkipReason::Boilerplate));
        assert_eq!(read.analysis.canonical, Some(2));
    }
}
