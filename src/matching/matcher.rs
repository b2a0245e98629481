//! The paragraph matcher and the article verdict.
//!
//! For every paragraph that can serve as evidence, an exact fingerprint
//! hit wins; otherwise the anchor index proposes candidates and each is
//! verified on its full shingle set. The similarity of two paragraphs is
//! the overlap coefficient of their shingle sets, |A ∩ B| / min(|A|, |B|):
//! it stays high when a copy trims a paragraph, pads it, splits it in two
//! or merges it with the next, where Jaccard similarity would fall.
//! Every source that passes contributes its shared shingles to the
//! paragraph's coverage, so a merged paragraph is covered by both of its
//! sources and padding is not counted as copied.

use std::sync::Arc;

use super::{KnownParagraph, Origin, ParagraphSource};
use crate::text::{
    shingles::{count_shared, shingle_set},
    Fingerprint, PreparedBody, PreparedParagraph,
};

/// Thresholds of the matcher.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchConfig {
    /// Overlap coefficient at or above which a candidate is a near copy.
    pub near_similarity: f64,
    /// A near copy must also share at least this many shingles (fewer
    /// when one of the paragraphs has fewer).
    pub min_shared_shingles: usize,
    /// A text stored in at least this many articles is boilerplate.
    pub boilerplate_articles: u64,
    /// Candidates verified per paragraph.
    pub max_candidates: usize,
    /// Share of anchors (of the paragraph with fewer) a proposed candidate
    /// must have in common with the query before its shingles are read.
    /// Anchors are a deterministic sample of shingles, so a near copy
    /// shares about as large a share of them; a paragraph that merely
    /// shares a phrase shares one anchor in five or so, and is dropped
    /// without a storage read.
    pub min_anchor_overlap: f64,
    /// copy_ratio at or above which an article is a wire copy.
    pub wire_copy_threshold: f64,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            near_similarity: 0.6,
            min_shared_shingles: 5,
            boilerplate_articles: 100,
            max_candidates: 8,
            min_anchor_overlap: 0.3,
            wire_copy_threshold: 0.5,
        }
    }
}

/// What one paragraph turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MatchKind {
    /// Evidence, not found earlier.
    None,
    /// Same normalised text as an earlier paragraph.
    Exact,
    /// A near copy of one or more earlier paragraphs.
    Near,
    /// Too short or boilerplate: not evidence.
    Skipped,
}

/// The verdict on a whole article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Verdict {
    /// Nothing copied.
    Original,
    /// Some copied text, below the wire-copy threshold.
    PartialCopy,
    /// Mostly copied.
    WireCopy,
}

/// The match of one paragraph.
#[derive(Clone, Debug, PartialEq)]
pub struct ParagraphMatch {
    /// Paragraph index in the article.
    pub index: u32,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// What it is.
    pub kind: MatchKind,
    /// For Exact and Near: where the best-matching text first appeared.
    pub source: Option<Origin>,
    /// Further sources of a Near paragraph (a merge of several).
    pub other_sources: Vec<Origin>,
    /// Overlap coefficient with the best source (1 for Exact, 0 when none).
    pub similarity: f64,
    /// Words in the paragraph.
    pub word_count: u32,
    /// Words found in earlier text.
    pub copied_words: u32,
}

/// The result for a whole article.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleMatch {
    /// One match per paragraph, in order.
    pub paragraphs: Vec<ParagraphMatch>,
    /// Copied words / evidence words, 0..1.
    pub copy_ratio: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// The earliest article the copied text came from (`None` when
    /// original).
    pub canonical: Option<u64>,
}

/// Matches every paragraph of `body` against what `source` holds.
pub fn match_article<S: ParagraphSource>(
    body: &PreparedBody,
    source: &mut S,
    config: &MatchConfig,
) -> Result<ArticleMatch, S::Error> {
    let mut paragraphs = Vec::with_capacity(body.paragraphs.len());
    for paragraph in &body.paragraphs {
        paragraphs.push(match_paragraph(paragraph, source, config)?);
    }
    let (mut copied, mut total) = (0u64, 0u64);
    for matched in paragraphs.iter().filter(|p| p.kind != MatchKind::Skipped) {
        copied += u64::from(matched.copied_words);
        total += u64::from(matched.word_count);
    }
    let copy_ratio = if total == 0 {
        0.0
    } else {
        copied as f64 / total as f64
    };
    let canonical = paragraphs
        .iter()
        .filter_map(|p| p.source)
        .map(|origin| origin.article)
        .min();
    let verdict = if canonical.is_none() || copied == 0 {
        Verdict::Original
    } else if copy_ratio >= config.wire_copy_threshold {
        Verdict::WireCopy
    } else {
        Verdict::PartialCopy
    };
    Ok(ArticleMatch {
        paragraphs,
        copy_ratio,
        verdict,
        canonical,
    })
}

fn match_paragraph<S: ParagraphSource>(
    paragraph: &PreparedParagraph,
    source: &mut S,
    config: &MatchConfig,
) -> Result<ParagraphMatch, S::Error> {
    let mut matched = ParagraphMatch {
        index: paragraph.index,
        fingerprint: paragraph.fingerprint,
        kind: MatchKind::Skipped,
        source: None,
        other_sources: Vec::new(),
        similarity: 0.0,
        word_count: paragraph.word_count,
        copied_words: 0,
    };
    if !paragraph.is_evidence {
        return Ok(matched);
    }
    if let Some(known) = source.exact(&paragraph.fingerprint)? {
        if is_boilerplate(&known, config) {
            return Ok(matched);
        }
        matched.kind = MatchKind::Exact;
        matched.source = Some(known.origin);
        matched.similarity = 1.0;
        matched.copied_words = paragraph.word_count;
        return Ok(matched);
    }
    matched.kind = MatchKind::None;
    let query = shingle_set(&paragraph.shingles);
    let mut accepted: Vec<(Origin, usize, f64, Arc<[u64]>)> = Vec::new();
    for proposal in source.candidates(&paragraph.anchors, config.max_candidates) {
        let fewer = proposal.anchors.min(paragraph.anchors.len() as u32).max(1);
        if f64::from(proposal.shared_anchors) < config.min_anchor_overlap * f64::from(fewer) {
            continue;
        }
        let Some((known, shingles)) = source.candidate(&proposal.fingerprint)? else {
            continue;
        };
        if is_boilerplate(&known, config) {
            continue;
        }
        let shared = count_shared(&query, &shingles);
        let smaller = query.len().min(shingles.len());
        if smaller == 0 {
            continue;
        }
        let similarity = shared as f64 / smaller as f64;
        if similarity >= config.near_similarity && shared >= config.min_shared_shingles.min(smaller)
        {
            accepted.push((known.origin, shared, similarity, shingles));
        }
    }
    if accepted.is_empty() {
        return Ok(matched);
    }
    // Best source: most shared shingles, then highest similarity, then
    // the earliest origin.
    accepted.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
    matched.kind = MatchKind::Near;
    matched.source = Some(accepted[0].0);
    matched.similarity = accepted[0].2;
    for (origin, ..) in &accepted[1..] {
        if Some(*origin) != matched.source && !matched.other_sources.contains(origin) {
            matched.other_sources.push(*origin);
        }
    }
    let sources: Vec<&[u64]> = accepted.iter().map(|a| &*a.3).collect();
    matched.copied_words = covered_words(paragraph, &sources);
    Ok(matched)
}

fn is_boilerplate(known: &KnownParagraph, config: &MatchConfig) -> bool {
    known.article_count >= config.boilerplate_articles
}

/// Words of `paragraph` inside at least one shingle found in `sources`.
fn covered_words(paragraph: &PreparedParagraph, sources: &[&[u64]]) -> u32 {
    let words = paragraph.word_count as usize;
    // `words` words make `words - k + 1` shingles of `k` words; a text
    // shorter than `k` makes one shingle of all its words.
    let span = (words + 1).saturating_sub(paragraph.shingles.len()).max(1);
    let mut covered = vec![false; words];
    for (position, shingle) in paragraph.shingles.iter().enumerate() {
        if sources.iter().any(|set| set.binary_search(shingle).is_ok()) {
            let end = (position + span).min(words);
            covered[position.min(end)..end].fill(true);
        }
    }
    u32::try_from(covered.iter().filter(|c| **c).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::{
        matching::{AnchorIndex, Candidate, Proposal},
        text::{prepare_body, shingles::shingle_set, TextConfig},
    };

    /// An in-memory paragraph source over a few texts, for testing the
    /// matcher's decisions alone.
    #[derive(Default)]
    struct Texts {
        index: AnchorIndex,
        known: HashMap<Fingerprint, (KnownParagraph, Arc<[u64]>)>,
    }

    impl Texts {
        fn add(&mut self, article: u64, body: &str) {
            for p in prepare_body(body, &TextConfig::default()).paragraphs {
                let origin = Origin {
                    article,
                    paragraph: p.index,
                };
                let entry = self.known.entry(p.fingerprint).or_insert_with(|| {
                    self.index.insert(p.fingerprint, &p.anchors);
                    (
                        KnownParagraph {
                            origin,
                            article_count: 0,
                        },
                        shingle_set(&p.shingles).into(),
                    )
                });
                entry.0.article_count += 1;
            }
        }
    }

    impl ParagraphSource for Texts {
        type Error = std::convert::Infallible;
        fn exact(&mut self, fp: &Fingerprint) -> Result<Option<KnownParagraph>, Self::Error> {
            Ok(self.known.get(fp).map(|k| k.0.clone()))
        }
        fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal> {
            self.index.candidates(anchors, limit)
        }
        fn candidate(&mut self, fp: &Fingerprint) -> Result<Option<Candidate>, Self::Error> {
            Ok(self.known.get(fp).cloned())
        }
    }

    const P1: &str = "The ceasefire on the ground has been observed for almost a month and refugees are returning home, the minister said.";
    const P2: &str = "There is progress in the exchange of prisoners of war and bodies of the dead and the search for missing persons.";

    fn run(texts: &mut Texts, body: &str) -> ArticleMatch {
        let prepared = prepare_body(body, &TextConfig::default());
        match match_article(&prepared, texts, &MatchConfig::default()) {
            Ok(result) => result,
            Err(never) => match never {},
        }
    }

    #[test]
    fn exact_and_typo_copies_match_their_sources() {
        let mut texts = Texts::default();
        texts.add(1, &format!("{P1}\n{P2}"));
        let copy = run(
            &mut texts,
            &format!("{P1}\n{}", P2.replace("prisoners", "prisonners")),
        );
        assert_eq!(copy.verdict, Verdict::WireCopy);
        assert_eq!(copy.canonical, Some(1));
        assert_eq!(copy.paragraphs[0].kind, MatchKind::Exact);
        assert_eq!(copy.paragraphs[1].kind, MatchKind::Near);
        assert_eq!(
            copy.paragraphs[1].source,
            Some(Origin {
                article: 1,
                paragraph: 1
            })
        );
        assert!(copy.copy_ratio > 0.9 && copy.copy_ratio < 1.0);
    }

    #[test]
    fn merged_paragraph_is_covered_by_both_sources() {
        let mut texts = Texts::default();
        texts.add(1, &format!("{P1}\n{P2}"));
        let merged = run(&mut texts, &format!("{P1} {P2}"));
        let paragraph = &merged.paragraphs[0];
        assert_eq!(paragraph.kind, MatchKind::Near);
        assert_eq!(paragraph.other_sources.len(), 1);
        assert_eq!(paragraph.copied_words, paragraph.word_count);
    }

    #[test]
    fn padding_is_not_counted_as_copied() {
        let mut texts = Texts::default();
        texts.add(1, P1);
        let padded = run(&mut texts, &format!("{P1} Officials in the capital declined to comment on the talks late on Tuesday evening."));
        assert_eq!(padded.paragraphs[0].kind, MatchKind::Near);
        assert!(
            padded.copy_ratio > 0.4 && padded.copy_ratio < 0.7,
            "{}",
            padded.copy_ratio
        );
    }

    #[test]
    fn unrelated_text_is_original() {
        let mut texts = Texts::default();
        texts.add(1, P1);
        let other = run(&mut texts, "Quarterly profits at the media giant jumped sharply in the three months to December, the firm said.");
        assert_eq!(other.verdict, Verdict::Original);
        assert_eq!(other.canonical, None);
        assert_eq!(other.paragraphs[0].kind, MatchKind::None);
    }

    #[test]
    fn boilerplate_is_skipped() {
        let mut texts = Texts::default();
        let footer =
            "Sign up for our newsletter to get the latest stories delivered to your inbox.";
        for article in 0..MatchConfig::default().boilerplate_articles {
            texts.add(article, footer);
        }
        let result = run(&mut texts, footer);
        assert_eq!(result.paragraphs[0].kind, MatchKind::Skipped);
        assert_eq!(result.verdict, Verdict::Original);
    }
}
