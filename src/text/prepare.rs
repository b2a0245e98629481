//! Runs the text pipeline over a whole body: split, strip credits,
//! normalise, fingerprint, shingle.
//!
//! The result holds everything the matcher needs, computed once per
//! article and without looking at anything stored, so it can run on any
//! thread before the article joins the single writer's queue.

use std::ops::Range;

use super::{
    credits::{split_credits, CreditKind, LEADING_PARAGRAPHS},
    layout::WordLayout,
    normalize::normalize,
    paragraphs::split_paragraphs,
    shingles::{anchors, shingle_hashes, words, ShingleConfig},
    template::template_key,
    Fingerprint,
};

/// Lines with fewer words than this get a template key: templates are
/// short lines.
const TEMPLATE_WORDS: usize = 20;

/// Settings of the text pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextConfig {
    /// Shingle and winnowing window lengths.
    pub shingles: ShingleConfig,
    /// Paragraphs with fewer words than this are not evidence.
    pub min_words: usize,
}

impl Default for TextConfig {
    fn default() -> Self {
        TextConfig {
            shingles: ShingleConfig::default(),
            min_words: 8,
        }
    }
}

/// One paragraph, ready for matching.
#[derive(Clone, Debug)]
pub struct PreparedParagraph {
    /// Position among the body's non-blank lines, from 0.
    pub index: u32,
    /// Byte span of the whole (trimmed) line in the body.
    pub line: Range<usize>,
    /// Byte span of the text left after credits were cut off; empty (at
    /// the line's end) when the line is nothing but a credit.
    pub content: Range<usize>,
    /// blake3 of the normalised content (of the whole line when the line
    /// is only a credit).
    pub fingerprint: Fingerprint,
    /// Words in the normalised content.
    pub word_count: u32,
    /// Positional shingle hashes of the normalised content.
    pub shingles: Vec<u64>,
    /// Winnowed anchors of those shingles.
    pub anchors: Vec<u64>,
    /// Where each normalised word stands in the body's content, relative
    /// to `content.start`.
    pub layout: WordLayout,
    /// For a short line with variable slots, its template key (see
    /// [`super::template`]).
    pub template: Option<Fingerprint>,
    /// True when the paragraph can serve as evidence: it has content of at
    /// least the minimum word count.
    pub is_evidence: bool,
}

/// A credit found in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyCredit {
    /// What kind of credit.
    pub kind: CreditKind,
    /// The paragraph it was found in.
    pub paragraph_index: u32,
    /// Byte span in the body.
    pub span: Range<usize>,
    /// Agencies it names.
    pub agencies: Vec<String>,
}

/// A body run through the text pipeline.
#[derive(Clone, Debug, Default)]
pub struct PreparedBody {
    /// Every paragraph in body order.
    pub paragraphs: Vec<PreparedParagraph>,
    /// Every credit in body order.
    pub credits: Vec<BodyCredit>,
}

/// Runs the whole text pipeline over `body`.
///
/// ```
/// use wirecopy::text::{prepare_body, TextConfig};
///
/// let body = "By Jane Doe\n\nLONDON (Reuters) - Shares in the company fell sharply on Monday morning.";
/// let prepared = prepare_body(body, &TextConfig::default());
/// assert_eq!(prepared.paragraphs.len(), 2);
/// assert!(!prepared.paragraphs[0].is_evidence); // the byline
/// assert_eq!(&body[prepared.paragraphs[1].content.clone()], "Shares in the company fell sharply on Monday morning.");
/// assert_eq!(prepared.credits[1].agencies, ["Reuters"]);
/// ```
pub fn prepare_body(body: &str, config: &TextConfig) -> PreparedBody {
    let lines = split_paragraphs(body);
    let count = lines.len();
    let mut prepared = PreparedBody::default();
    for (position, line) in lines.into_iter().enumerate() {
        let index = u32::try_from(position).unwrap_or(u32::MAX);
        let text = &body[line.clone()];
        let split = split_credits(text, position < LEADING_PARAGRAPHS, position + 1 == count);
        let content = line.start + split.content.start..line.start + split.content.end;
        prepared
            .credits
            .extend(split.credits.into_iter().map(|credit| BodyCredit {
                kind: credit.kind,
                paragraph_index: index,
                span: line.start + credit.span.start..line.start + credit.span.end,
                agencies: credit.agencies,
            }));
        let normalized = normalize(&body[content.clone()]);
        let fingerprint = if normalized.is_empty() {
            Fingerprint::of_normalized(&normalize(text))
        } else {
            Fingerprint::of_normalized(&normalized)
        };
        let word_count = words(&normalized).count();
        let shingles = shingle_hashes(&normalized, config.shingles);
        let anchors = anchors(&shingles, config.shingles.window);
        let layout = WordLayout::new(&body[content.clone()], &normalized);
        let template = (word_count < TEMPLATE_WORDS)
            .then(|| template_key(&body[content.clone()], &normalized, &layout))
            .flatten();
        prepared.paragraphs.push(PreparedParagraph {
            index,
            line,
            content,
            fingerprint,
            word_count: u32::try_from(word_count).unwrap_or(u32::MAX),
            shingles,
            anchors,
            layout,
            template,
            is_evidence: word_count >= config.min_words.max(1),
        });
    }
    prepared
}

/// The anchors [`prepare_body`] gives a paragraph whose content is
/// `content`: none unless it is evidence. The store keeps paragraph texts
/// without them; the match window recomputes them when it reads texts
/// back.
pub fn paragraph_anchors(content: &str, config: &TextConfig) -> Vec<u64> {
    let normalized = normalize(content);
    if words(&normalized).count() < config.min_words.max(1) {
        return Vec::new();
    }
    anchors(
        &shingle_hashes(&normalized, config.shingles),
        config.shingles.window,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dateline_copies_fingerprint_like_the_original() {
        let config = TextConfig::default();
        let original = prepare_body(
            "Moscow sees no intentional protracting in the exchange of prisoners.",
            &config,
        );
        let copy = prepare_body(
            "By Jane Doe\n\nMOSCOW (Reuters) - Moscow sees no intentional protracting in the exchange of prisoners.",
            &config,
        );
        assert_eq!(copy.paragraphs.len(), 2);
        assert!(!copy.paragraphs[0].is_evidence);
        assert_eq!(
            copy.paragraphs[1].fingerprint,
            original.paragraphs[0].fingerprint
        );
        assert_eq!(copy.credits.len(), 2);
        assert_eq!(copy.credits[1].kind, CreditKind::Dateline);
    }

    #[test]
    fn anchors_computed_again_from_a_stored_text_are_the_ones_prepared() {
        let config = TextConfig::default();
        let body = include_str!("../../tests/fixtures/seeds/000_98a7db490f32b566.txt");
        let prepared = prepare_body(body, &config);
        assert!(prepared.paragraphs.iter().any(|p| !p.anchors.is_empty()));
        for paragraph in &prepared.paragraphs {
            let expected: &[u64] = if paragraph.is_evidence {
                &paragraph.anchors
            } else {
                &[]
            };
            assert_eq!(
                paragraph_anchors(&body[paragraph.content.clone()], &config),
                expected
            );
        }
    }

    #[test]
    fn short_paragraphs_are_not_evidence() {
        let body = prepare_body(
            "Too short to count.\nThis one has exactly eight words in it.",
            &TextConfig::default(),
        );
        assert!(!body.paragraphs[0].is_evidence);
        assert!(body.paragraphs[1].is_evidence);
        assert_eq!(body.paragraphs[1].word_count, 8);
    }
}
