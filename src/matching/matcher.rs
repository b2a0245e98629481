//! The paragraph matcher and the article verdict.
//!
//! For every paragraph that can serve as evidence, an exact fingerprint
//! hit wins; otherwise the anchor index proposes candidates and each is
//! aligned with the paragraph (see [`super::passages`]). Candidates are
//! taken greedily, the one sharing most words first, and each contributes
//! the passages that cover words no better candidate covered: a merged
//! paragraph is covered by both of its sources, padding is not counted as
//! copied, and a sentence lifted into a long paragraph is found on its
//! own. A paragraph is NEAR when its best source is a near copy of it as a
//! whole (overlap coefficient of the shingle sets, which stays high when a
//! copy trims, pads or splits), PARTIAL when only passages are shared.
//!
//! Then the article as a whole is checked for boilerplate (see
//! [`super::boilerplate`]) and its verdict and canonical source decided:
//! the origin the largest share of its copied words came from.

use std::{collections::BTreeMap, ops::Range, sync::Arc};

use super::{
    boilerplate::{self, BoilerplateConfig},
    passages::{
        fewer_shingles, overlap, shared_passages, shared_shingles, PassageConfig, QueryText,
        SharedRun, StoredText,
    },
    KnownParagraph, Origin, ParagraphSource,
};
use crate::text::{Fingerprint, PreparedBody, PreparedParagraph};

/// Thresholds of the matcher.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchConfig {
    /// Overlap coefficient at or above which a candidate is a near copy of
    /// the paragraph as a whole.
    pub near_similarity: f64,
    /// A near copy must also share at least this many shingles (fewer
    /// when one of the paragraphs has fewer).
    pub min_shared_shingles: usize,
    /// A text stored in at least this many articles is boilerplate,
    /// whatever else the articles share.
    pub boilerplate_articles: u64,
    /// Candidates aligned per paragraph.
    pub max_candidates: usize,
    /// Anchors a proposed candidate must share with the query before it is
    /// read (one suffices when either side has no more than this many).
    /// Anchors sample about two shingles in five, so a reused passage of a
    /// dozen words or more shares three or more; fewer shared anchors in a
    /// long paragraph are common phrases. Measured on the BBC natural run:
    /// 3 reads a fifth of the candidates 2 does, with the same recall.
    pub min_shared_anchors: u32,
    /// Passage alignment thresholds.
    pub passages: PassageConfig,
    /// What counts as boilerplate.
    pub boilerplate: BoilerplateConfig,
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
            min_shared_anchors: 3,
            passages: PassageConfig::default(),
            boilerplate: BoilerplateConfig::default(),
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
    /// A near copy of one or more earlier paragraphs as a whole.
    Near,
    /// Not evidence: too short or boilerplate (see [`SkipReason`]).
    Skipped,
    /// Passages (a sentence or more) reused from earlier text, inside a
    /// paragraph that is not a near copy of any. (Last, so that stored
    /// values of the other kinds keep their encoding.)
    Partial,
}

/// Why a paragraph is not evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SkipReason {
    /// Under the minimum word count.
    TooShort,
    /// A line that is not evidence of copying: an outlet's repeated line,
    /// a line many articles share and nothing else, or a text in very many
    /// articles.
    Boilerplate,
}

/// A passage of a paragraph found in earlier text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Passage {
    /// Byte span of the passage in the article body.
    pub span: Range<u32>,
    /// The earlier paragraph it is closest to: where that exact text was
    /// first stored.
    pub source: Origin,
    /// Byte span of the passage in the body of the article at `source`.
    pub source_span: Range<u32>,
    /// Where the passage first appeared, following copy chains.
    pub origin: Origin,
    /// Words of this paragraph credited to this passage (words already
    /// covered by a better source are not counted twice).
    pub copied_words: u32,
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
    /// For Skipped: why.
    pub skip_reason: Option<SkipReason>,
    /// For Exact, Near and Partial: the reused passages, best source first.
    pub passages: Vec<Passage>,
    /// Overlap coefficient with the best source (1 for Exact, 0 when none).
    pub similarity: f64,
    /// Words in the paragraph.
    pub word_count: u32,
    /// Words found in earlier text.
    pub copied_words: u32,
}

impl ParagraphMatch {
    /// The closest earlier text (of the best passage).
    pub fn source(&self) -> Option<Origin> {
        self.passages.first().map(|p| p.source)
    }

    /// Where the best passage first appeared.
    pub fn origin(&self) -> Option<Origin> {
        self.passages.first().map(|p| p.origin)
    }

    /// True for Exact, Near and Partial.
    pub fn is_copied(&self) -> bool {
        matches!(
            self.kind,
            MatchKind::Exact | MatchKind::Near | MatchKind::Partial
        )
    }

    pub(super) fn skip(&mut self, reason: SkipReason) {
        self.kind = MatchKind::Skipped;
        self.skip_reason = Some(reason);
        self.passages.clear();
        self.similarity = 0.0;
        self.copied_words = 0;
    }
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

/// The result for a whole article.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleMatch {
    /// One match per paragraph, in order.
    pub paragraphs: Vec<ParagraphMatch>,
    /// Copied words / evidence words, 0..1.
    pub copy_ratio: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// The article the largest share of the copied words first appeared
    /// in (ties: the earliest); `None` when original.
    pub canonical: Option<u64>,
    /// What to count as evidence of boilerplate: the lines this article
    /// found isolated (see [`super::boilerplate`]), its own and the stored
    /// lines they matched, and the template keys of its new short lines
    /// (a new filling of a template). The caller counts them; a line or
    /// template counted often enough is learned boilerplate.
    pub boilerplate_evidence: Vec<Fingerprint>,
}

/// A paragraph's match with the stored texts behind its passages, as
/// (fingerprint, words): the short ones become boilerplate if the
/// paragraph does.
pub(super) struct Matched {
    pub paragraph: ParagraphMatch,
    pub sources: Vec<(Fingerprint, u32)>,
}

/// Matches every paragraph of `body` against what `source` holds.
pub fn match_article<S: ParagraphSource>(
    body: &PreparedBody,
    source: &mut S,
    config: &MatchConfig,
) -> Result<ArticleMatch, S::Error> {
    let mut matched = Vec::with_capacity(body.paragraphs.len());
    let mut fillings = Vec::new();
    let count = body.paragraphs.len();
    for (at, paragraph) in body.paragraphs.iter().enumerate() {
        let found = match_paragraph(paragraph, source, config)?;
        // A line that copies nothing and fills a template is counted as a
        // filling, when it stands where outlets put their templates (calls
        // to action, notes): among the first two or last three lines. Lines
        // inside the body are news, and counting each would cost a write.
        let at_edge = at < 2 || at + 3 >= count;
        if found.paragraph.kind == MatchKind::None && at_edge {
            fillings.extend(paragraph.template);
        }
        matched.push(found);
    }
    let mut boilerplate_evidence =
        boilerplate::skip_isolated_lines(&mut matched, &config.boilerplate);
    boilerplate_evidence.extend(fillings);
    boilerplate_evidence.sort_unstable();
    boilerplate_evidence.dedup();
    let paragraphs: Vec<ParagraphMatch> = matched.into_iter().map(|m| m.paragraph).collect();
    let (mut copied, mut total) = (0u64, 0u64);
    // Copied words by the article they first appeared in.
    let mut by_origin: BTreeMap<u64, u64> = BTreeMap::new();
    for paragraph in paragraphs.iter().filter(|p| p.kind != MatchKind::Skipped) {
        copied += u64::from(paragraph.copied_words);
        total += u64::from(paragraph.word_count);
        for passage in &paragraph.passages {
            *by_origin.entry(passage.origin.article).or_default() +=
                u64::from(passage.copied_words);
        }
    }
    let copy_ratio = if total == 0 {
        0.0
    } else {
        copied as f64 / total as f64
    };
    // Most words first; the map is in article order, so `max_by` keeping
    // the first of equals picks the earliest.
    let canonical = by_origin
        .iter()
        .fold(None::<(u64, u64)>, |best, (&article, &words)| match best {
            Some((_, most)) if most >= words => best,
            _ => Some((article, words)),
        })
        .map(|(article, _)| article);
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
        boilerplate_evidence,
    })
}

fn match_paragraph<S: ParagraphSource>(
    paragraph: &PreparedParagraph,
    source: &mut S,
    config: &MatchConfig,
) -> Result<Matched, S::Error> {
    let mut matched = Matched {
        paragraph: ParagraphMatch {
            index: paragraph.index,
            fingerprint: paragraph.fingerprint,
            kind: MatchKind::None,
            skip_reason: None,
            passages: Vec::new(),
            similarity: 0.0,
            word_count: paragraph.word_count,
            copied_words: 0,
        },
        sources: Vec::new(),
    };
    if !paragraph.is_evidence {
        matched.paragraph.skip(SkipReason::TooShort);
        return Ok(matched);
    }
    if let Some(known) = source.exact(&paragraph.fingerprint)? {
        if is_boilerplate(&known, config) {
            matched.paragraph.skip(SkipReason::Boilerplate);
        } else {
            take_exact(&mut matched, paragraph, &known);
        }
        return Ok(matched);
    }
    let query = QueryText::new(&paragraph.shingles, &paragraph.layout);
    let aligned = align_candidates(paragraph, &query, source, config)?;
    if aligned
        .first()
        .is_some_and(|best| is_boilerplate(&best.known, config))
    {
        // Its closest text is boilerplate: so is this variant of it.
        matched.paragraph.skip(SkipReason::Boilerplate);
        matched.sources = vec![(paragraph.fingerprint, paragraph.word_count)];
        return Ok(matched);
    }
    take_passages(&mut matched, paragraph, &aligned, config);
    if matched.paragraph.passages.is_empty() {
        // Nothing copied. A new filling of a known template is
        // boilerplate (its fillings never match each other).
        if paragraph
            .template
            .is_some_and(|key| source.is_template(&key))
        {
            matched.paragraph.skip(SkipReason::Boilerplate);
        }
        return Ok(matched);
    }
    // Near when some source is a near copy of this paragraph as a whole (a
    // merge of two is near to each, though its best source, sharing the
    // most words, may not be).
    let near = aligned.iter().any(|candidate| {
        !is_boilerplate(&candidate.known, config)
            && candidate.similarity >= config.near_similarity
            && shared_shingles(&query, &candidate.text)
                >= config
                    .min_shared_shingles
                    .min(fewer_shingles(&query, &candidate.text))
    });
    matched.paragraph.kind = if near {
        MatchKind::Near
    } else {
        MatchKind::Partial
    };
    Ok(matched)
}

/// An exact copy: the whole paragraph is one passage of the stored text.
fn take_exact(matched: &mut Matched, paragraph: &PreparedParagraph, known: &KnownParagraph) {
    let words = paragraph.word_count;
    let found = &mut matched.paragraph;
    found.kind = MatchKind::Exact;
    found.similarity = 1.0;
    found.copied_words = words;
    found.passages.push(Passage {
        span: to_u32(paragraph.content.start)..to_u32(paragraph.content.end),
        source: known.first,
        source_span: known.offset..known.offset.saturating_add(known.text_bytes),
        origin: known.origin,
        copied_words: words,
    });
    matched.sources.push((paragraph.fingerprint, words));
}

/// A candidate aligned with the paragraph.
struct AlignedCandidate {
    known: KnownParagraph,
    text: Arc<StoredText>,
    fingerprint: Fingerprint,
    /// The passages it shares with the paragraph.
    runs: Vec<SharedRun>,
    /// Overlap coefficient with the paragraph.
    similarity: f64,
    /// Words of the paragraph in `runs`.
    words: u32,
}

/// The proposed candidates that share passages with the paragraph, most
/// shared words first, then the most similar, then the earliest.
fn align_candidates<S: ParagraphSource>(
    paragraph: &PreparedParagraph,
    query: &QueryText<'_>,
    source: &mut S,
    config: &MatchConfig,
) -> Result<Vec<AlignedCandidate>, S::Error> {
    let query_anchors = to_u32(paragraph.anchors.len());
    let mut aligned = Vec::new();
    for proposal in source.candidates(&paragraph.anchors, config.max_candidates) {
        let fewer = proposal.anchors.min(query_anchors);
        let needed = if fewer <= config.min_shared_anchors {
            1
        } else {
            config.min_shared_anchors
        };
        if proposal.shared_anchors < needed {
            continue;
        }
        let Some((known, text)) = source.candidate(&proposal.fingerprint)? else {
            continue;
        };
        let runs = shared_passages(query, &text, &config.passages);
        if runs.is_empty() {
            continue;
        }
        aligned.push(AlignedCandidate {
            similarity: overlap(query, &text),
            words: runs.iter().map(|r| to_u32(r.query.len())).sum(),
            known,
            text,
            fingerprint: proposal.fingerprint,
            runs,
        });
    }
    aligned.sort_by(|a, b| {
        b.words
            .cmp(&a.words)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(a.known.first.cmp(&b.known.first))
    });
    Ok(aligned)
}

/// Takes candidates greedily: each adds the passages that cover words of
/// the paragraph no better candidate covered.
fn take_passages(
    matched: &mut Matched,
    paragraph: &PreparedParagraph,
    aligned: &[AlignedCandidate],
    config: &MatchConfig,
) {
    let content_start = to_u32(paragraph.content.start);
    let found = &mut matched.paragraph;
    let mut covered = vec![false; paragraph.word_count as usize];
    for candidate in aligned.iter().filter(|c| !is_boilerplate(&c.known, config)) {
        for run in &candidate.runs {
            let range = run.query.start as usize..(run.query.end as usize).min(covered.len());
            let new = to_u32(covered[range.clone()].iter().filter(|c| !**c).count());
            let needed = config.passages.min_words.min(to_u32(run.query.len()));
            if new == 0 || new < needed {
                continue;
            }
            covered[range].fill(true);
            if found.passages.is_empty() {
                found.similarity = candidate.similarity;
            }
            let span = paragraph.layout.bytes(run.query.clone());
            let source_span = candidate.text.layout.bytes(run.candidate.clone());
            let offset = candidate.known.offset;
            found.passages.push(Passage {
                span: content_start + span.start..content_start + span.end,
                source: candidate.known.first,
                source_span: offset + source_span.start..offset + source_span.end,
                origin: candidate.known.origin,
                copied_words: new,
            });
            if !matched
                .sources
                .iter()
                .any(|(f, _)| *f == candidate.fingerprint)
            {
                matched
                    .sources
                    .push((candidate.fingerprint, candidate.text.word_count));
            }
        }
    }
    found.copied_words = to_u32(covered.iter().filter(|c| **c).count());
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn is_boilerplate(known: &KnownParagraph, config: &MatchConfig) -> bool {
    known.boilerplate || known.article_count >= config.boilerplate_articles
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, sync::Arc};

    use super::*;
    use crate::{
        matching::{passages::StoredText, AnchorIndex, Candidate, Proposal},
        text::{prepare_body, TextConfig},
    };

    /// An in-memory paragraph source over a few texts, for testing the
    /// matcher's decisions alone.
    #[derive(Default)]
    struct Texts {
        index: AnchorIndex,
        known: HashMap<Fingerprint, (KnownParagraph, Arc<StoredText>)>,
        templates: Vec<Fingerprint>,
    }

    impl Texts {
        fn add(&mut self, article: u64, body: &str) {
            for p in prepare_body(body, &TextConfig::default()).paragraphs {
                let at = Origin {
                    article,
                    paragraph: p.index,
                };
                let entry = self.known.entry(p.fingerprint).or_insert_with(|| {
                    self.index.insert(p.fingerprint, &p.anchors);
                    (
                        KnownParagraph {
                            first: at,
                            origin: at,
                            article_count: 0,
                            boilerplate: false,
                            offset: u32::try_from(p.content.start).unwrap_or(0),
                            text_bytes: u32::try_from(p.content.len()).unwrap_or(0),
                        },
                        Arc::new(StoredText::new(&p.shingles, p.layout.clone())),
                    )
                });
                entry.0.article_count += 1;
            }
        }

        fn learn(&mut self, body: &str) {
            for p in prepare_body(body, &TextConfig::default()).paragraphs {
                if let Some(known) = self.known.get_mut(&p.fingerprint) {
                    known.0.boilerplate = true;
                }
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
        fn is_template(&mut self, key: &Fingerprint) -> bool {
            self.templates.contains(key)
        }
    }

    const P1: &str = "The ceasefire on the ground has been observed for almost a month and refugees are returning home, the minister said.";
    const P2: &str = "There is progress in the exchange of prisoners of war and bodies of the dead and the search for missing persons.";
    const P3: &str = "Officials in the capital declined to comment on the talks late on Tuesday evening, citing the sensitivity of the negotiations.";
    const BIO: &str =
        "Clark Boyd is technology correspondent for The World, a BBC World Service co-production.";
    const LONG: &str = "Farmers in the north gathered in the market square to protest against low prices. The minister for agriculture said the fund would be worth four hundred million pounds and would open for applications in the spring. Many of those present said it would not be enough to save their farms this year, and several warned of further protests.";

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
        assert_eq!(copy.paragraphs[0].similarity, 1.0);
        assert_eq!(copy.paragraphs[1].kind, MatchKind::Near);
        assert!(copy.paragraphs[1].similarity < 1.0);
        assert_eq!(
            copy.paragraphs[1].source(),
            Some(Origin {
                article: 1,
                paragraph: 1
            })
        );
        // The typo sits inside the aligned passage: every word is copied.
        assert_eq!(copy.copy_ratio, 1.0);
    }

    #[test]
    fn merged_paragraph_is_covered_by_both_sources() {
        let mut texts = Texts::default();
        texts.add(1, &format!("{P1}\n{P2}"));
        let merged = run(&mut texts, &format!("{P1} {P2}"));
        let paragraph = &merged.paragraphs[0];
        assert_eq!(paragraph.kind, MatchKind::Near);
        assert_eq!(paragraph.passages.len(), 2);
        assert_eq!(paragraph.copied_words, paragraph.word_count);
    }

    #[test]
    fn padding_is_not_counted_as_copied() {
        let mut texts = Texts::default();
        texts.add(1, P1);
        let padded = run(&mut texts, &format!("{P1} {P3}"));
        assert_eq!(padded.paragraphs[0].kind, MatchKind::Near);
        assert!(
            padded.copy_ratio > 0.4 && padded.copy_ratio < 0.6,
            "{}",
            padded.copy_ratio
        );
    }

    #[test]
    fn a_sentence_inside_a_long_paragraph_is_partial_with_spans() {
        let mut texts = Texts::default();
        let source = format!("{P1} The minister for agriculture said the fund would be worth four hundred million pounds and would open for applications in the spring.");
        texts.add(1, &source);
        let result = run(&mut texts, LONG);
        let paragraph = &result.paragraphs[0];
        assert_eq!(paragraph.kind, MatchKind::Partial);
        assert_eq!(result.verdict, Verdict::PartialCopy);
        let passage = &paragraph.passages[0];
        let here = &LONG[passage.span.start as usize..passage.span.end as usize];
        let there = &source[passage.source_span.start as usize..passage.source_span.end as usize];
        assert_eq!(here, there);
        assert!(here.starts_with("The minister for agriculture"), "{here}");
        assert_eq!(paragraph.copied_words, 22);
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
    fn text_in_very_many_articles_is_boilerplate() {
        let mut texts = Texts::default();
        let footer =
            "Sign up for our newsletter to get the latest stories delivered to your inbox.";
        for article in 0..MatchConfig::default().boilerplate_articles {
            texts.add(article, footer);
        }
        let result = run(&mut texts, footer);
        assert_eq!(result.paragraphs[0].kind, MatchKind::Skipped);
        assert_eq!(
            result.paragraphs[0].skip_reason,
            Some(SkipReason::Boilerplate)
        );
        assert_eq!(result.verdict, Verdict::Original);
    }

    #[test]
    fn a_short_line_that_is_the_only_link_is_isolated_boilerplate() {
        let mut texts = Texts::default();
        texts.add(1, &format!("{P1}\n{BIO}"));
        let result = run(&mut texts, &format!("{P2}\n{P3}\n{LONG}\n{BIO}"));
        assert_eq!(result.verdict, Verdict::Original);
        let bio = &result.paragraphs[3];
        assert_eq!(bio.skip_reason, Some(SkipReason::Boilerplate));
        assert_eq!(result.boilerplate_evidence, vec![bio.fingerprint]);
        // The same line in a copy of the story it came with counts.
        let copy = run(&mut texts, &format!("{P1}\n{BIO}"));
        assert_eq!(copy.paragraphs[1].kind, MatchKind::Exact);
        assert!(copy.boilerplate_evidence.is_empty());
    }

    #[test]
    fn learned_boilerplate_is_skipped_even_beside_its_story() {
        let mut texts = Texts::default();
        texts.add(1, &format!("{P1}\n{BIO}"));
        texts.learn(BIO);
        let copy = run(&mut texts, &format!("{P1}\n{BIO}"));
        assert_eq!(
            copy.paragraphs[1].skip_reason,
            Some(SkipReason::Boilerplate)
        );
        assert_eq!(copy.copy_ratio, 1.0);
        // A near variant of a learned line is boilerplate too.
        let variant = run(
            &mut texts,
            &format!("{P2}\n{}", BIO.replace("co-production.", "co-production")),
        );
        assert_eq!(variant.paragraphs[1].kind, MatchKind::Skipped);
    }

    #[test]
    fn the_canonical_is_where_most_copied_words_first_appeared() {
        let mut texts = Texts::default();
        texts.add(1, P3);
        texts.add(2, &format!("{P1}\n{P2}"));
        // One paragraph of article 1, two of article 2: article 2 wins,
        // though article 1 is earlier.
        let result = run(&mut texts, &format!("{P3}\n{P1}\n{P2}"));
        assert_eq!(result.canonical, Some(2));
        // Ties go to the earliest.
        let mut tied = Texts::default();
        tied.add(1, P1);
        tied.add(2, P2);
        let result = run(&mut tied, &format!("{P2}\n{P1}"));
        let words = |p: &str| prepare_body(p, &TextConfig::default()).paragraphs[0].word_count;
        assert_eq!(words(P1), words(P2) - 1, "P2 has one word more");
        assert_eq!(result.canonical, Some(2));
    }
}
