//! Passage alignment: which runs of words two paragraphs share, and where
//! they stand in each.
//!
//! Paragraph similarity alone misses the commonest kind of reuse in long
//! news paragraphs: a sentence or two lifted into a paragraph of 100-200
//! words, where the pair's overlap is far below any near-copy threshold.
//! So every candidate is aligned on its shingle *positions*: the query's
//! shingles found in the candidate, chained into runs that advance in
//! step in both texts (a changed word breaks up to `k` shingles, so small
//! gaps are bridged). Each run long enough, and made of enough
//! distinctive words, is a reused passage with a span on both sides.
//!
//! Short text is held to a stricter rule: a passage of a line of under
//! [`PassageConfig::short_words`] words (or of a shorter run than
//! [`PassageConfig::min_words`]) only counts when it covers nearly all of
//! the sentences it touches on both sides, so a short line never matches
//! a longer sentence merely because the sentence contains it, and "Read
//! the rest of the story at X." never matches "… at Y.".

use std::ops::Range;

use crate::text::{
    layout::WordLayout,
    normalize::normalize,
    shingles::{shingle_hashes, shingle_set, ShingleConfig},
};

/// Thresholds of passage alignment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PassageConfig {
    /// Shingles that may be missing inside a run (a changed word removes
    /// up to one shingle per word of a shingle).
    pub max_gap: u32,
    /// Share of a run's shingle positions that must match.
    pub min_density: f64,
    /// Fewest words of a passage inside a paragraph that is not short.
    pub min_words: u32,
    /// Fewest distinctive words in such a passage (see
    /// [`WordLayout::distinctive`]).
    pub min_distinctive: u32,
    /// A paragraph with fewer words is short: it needs near-identity.
    pub short_words: u32,
    /// Share of a short text (and of the sentences it matches on the other
    /// side) a passage must cover.
    pub short_coverage: f64,
    /// Fewest words of a passage held to near-identity (a short text's,
    /// or a whole sentence shorter than `min_words`).
    pub short_min_words: u32,
    /// Fewest distinctive words in such a passage.
    pub short_min_distinctive: u32,
}

impl Default for PassageConfig {
    fn default() -> Self {
        PassageConfig {
            max_gap: 3,
            min_density: 0.6,
            min_words: 12,
            min_distinctive: 4,
            short_words: 20,
            short_coverage: 0.8,
            short_min_words: 8,
            short_min_distinctive: 3,
        }
    }
}

/// The paragraph being matched: its shingles in order, their distinct
/// set, and the layout of its words.
#[derive(Clone, Debug)]
pub struct QueryText<'a> {
    /// Shingle hashes in text order.
    pub shingles: &'a [u64],
    /// Distinct shingles, sorted (for the overlap coefficient).
    pub set: Vec<u64>,
    /// Words in the text.
    pub word_count: u32,
    /// Where its words stand.
    pub layout: &'a WordLayout,
}

impl<'a> QueryText<'a> {
    /// The query form of a prepared paragraph's shingles and layout.
    pub fn new(shingles: &'a [u64], layout: &'a WordLayout) -> Self {
        let set = shingle_set(shingles);
        let word_count = u32::try_from(layout.spans.len()).unwrap_or(u32::MAX);
        QueryText {
            shingles,
            set,
            word_count,
            layout,
        }
    }
}

/// A stored paragraph as the aligner compares it, kept compact because
/// recent ones are cached: where each shingle stands (sorted by hash, to
/// find a query's shingles), and the spans and sentences of its words.
#[derive(Clone, Debug, Default)]
pub struct StoredText {
    /// Shingle hashes, sorted, with `positions` in step.
    hashes: Vec<u64>,
    /// The position of each of `hashes` in the text.
    positions: Vec<u32>,
    /// Distinct shingles.
    distinct: u32,
    /// Words in the text.
    pub word_count: u32,
    /// Where its words stand (without distinctive-word counts, which only
    /// the query needs).
    pub layout: WordLayout,
}

impl StoredText {
    /// The stored form of text `original`.
    pub fn from_text(original: &str, config: ShingleConfig) -> Self {
        let normalized = normalize(original);
        let shingles = shingle_hashes(&normalized, config);
        Self::new(&shingles, WordLayout::new(original, &normalized))
    }

    /// The stored form of already computed shingles and layout.
    pub fn new(shingles: &[u64], layout: WordLayout) -> Self {
        let mut pairs: Vec<(u64, u32)> = shingles
            .iter()
            .enumerate()
            .map(|(at, hash)| (*hash, u32::try_from(at).unwrap_or(u32::MAX)))
            .collect();
        pairs.sort_unstable();
        let distinct =
            pairs.windows(2).filter(|w| w[0].0 != w[1].0).count() + usize::from(!pairs.is_empty());
        let word_count = u32::try_from(layout.spans.len()).unwrap_or(u32::MAX);
        let (hashes, positions) = pairs.into_iter().unzip();
        StoredText {
            hashes,
            positions,
            distinct: u32::try_from(distinct).unwrap_or(u32::MAX),
            word_count,
            layout: layout.without_distinctive(),
        }
    }

    /// The position of `hash` closest to `expected`.
    fn position_near(&self, hash: u64, expected: Option<u32>) -> Option<u32> {
        let first = self.hashes.partition_point(|h| *h < hash);
        let same = self.hashes[first..]
            .iter()
            .take_while(|h| **h == hash)
            .zip(&self.positions[first..])
            .map(|(_, at)| *at);
        match expected {
            None => same.into_iter().next(),
            Some(expected) => same.min_by_key(|at| at.abs_diff(expected)),
        }
    }

    /// Distinct shingles it shares with the sorted, distinct `set`.
    fn count_shared(&self, set: &[u64]) -> usize {
        set.iter()
            .filter(|hash| self.hashes.binary_search(hash).is_ok())
            .count()
    }
}

/// Words per shingle in a text of `words` words cut into `shingles`
/// shingles (texts shorter than `k` words make one shingle of all).
fn shingle_words(words: u32, shingles: usize) -> u32 {
    let shingles = u32::try_from(shingles).unwrap_or(u32::MAX);
    (words + 1).saturating_sub(shingles).max(1)
}

/// A run of words two texts share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedRun {
    /// Words of the query.
    pub query: Range<u32>,
    /// Words of the candidate.
    pub candidate: Range<u32>,
}

/// The passages `query` shares with `candidate` that count as reuse.
pub fn shared_passages(
    query: &QueryText<'_>,
    candidate: &StoredText,
    config: &PassageConfig,
) -> Vec<SharedRun> {
    let k = shingle_words(query.word_count, query.shingles.len());
    let mut runs = Vec::new();
    // (first query position, first candidate position, last of each,
    // shingles matched)
    let mut current: Option<(u32, u32, u32, u32, u32)> = None;
    for (at, hash) in query.shingles.iter().enumerate() {
        let i = u32::try_from(at).unwrap_or(u32::MAX);
        let expected = current.map(|(_, _, last_i, last_j, _)| last_j + (i - last_i));
        let Some(j) = candidate.position_near(*hash, expected) else {
            continue;
        };
        current = match current {
            Some((si, sj, li, lj, matched))
                if i - li <= config.max_gap + 1 && j > lj && j - lj <= config.max_gap + 1 =>
            {
                Some((si, sj, i, j, matched + 1))
            }
            Some(done) => {
                runs.push(done);
                Some((i, j, i, j, 1))
            }
            None => Some((i, j, i, j, 1)),
        };
    }
    runs.extend(current);
    let candidate_k = shingle_words(candidate.word_count, candidate.hashes.len());
    runs.into_iter()
        // Mostly matched: a run bridging a gap at every few words is a
        // paraphrase built of common words, not a copied passage.
        .filter(|(si, _, li, _, matched)| {
            f64::from(*matched) >= config.min_density * f64::from(li - si + 1)
        })
        .map(|(si, sj, li, lj, _)| {
            let run = SharedRun {
                query: si..(li + k).min(query.word_count),
                candidate: sj..(lj + candidate_k).min(candidate.word_count),
            };
            extend_to_edges(run, query, candidate, config.max_gap)
        })
        .filter(|run| counts_as_reuse(run, query, candidate, config))
        .collect()
}

/// A changed word within `max_gap` words of either end of a run breaks
/// the shingles that would have reached the end: when both texts have
/// the same few unmatched words before (or after) the run, and that
/// reaches the start (or end) of one of them, they are part of it.
fn extend_to_edges(
    mut run: SharedRun,
    query: &QueryText<'_>,
    candidate: &StoredText,
    max_gap: u32,
) -> SharedRun {
    let before = run.query.start.min(run.candidate.start);
    if before <= max_gap {
        run.query.start -= before;
        run.candidate.start -= before;
    }
    let after = (query.word_count - run.query.end).min(candidate.word_count - run.candidate.end);
    if after <= max_gap {
        run.query.end += after;
        run.candidate.end += after;
    }
    run
}

fn counts_as_reuse(
    run: &SharedRun,
    query: &QueryText<'_>,
    candidate: &StoredText,
    config: &PassageConfig,
) -> bool {
    let words = run.query.len() as u32;
    let short = query.word_count < config.short_words || candidate.word_count < config.short_words;
    if !short && words >= config.min_words {
        return query.layout.distinctive(run.query.clone()) >= config.min_distinctive;
    }
    // Near-identity: on both sides the run covers nearly all of the
    // sentences it touches, so it is a whole sentence (or more) reused,
    // not a phrase that happens to recur.
    let covers = |run: &Range<u32>, layout: &WordLayout, words: u32| {
        let whole = layout.sentences_around(run.clone(), words);
        run.len() as f64 >= config.short_coverage * whole.len() as f64
    };
    words >= config.short_min_words
        && covers(&run.query, query.layout, query.word_count)
        && covers(&run.candidate, &candidate.layout, candidate.word_count)
        && query.layout.distinctive(run.query.clone()) >= config.short_min_distinctive
}

/// Overlap coefficient of two texts' shingle sets: shared distinct
/// shingles over the smaller set's size.
pub fn overlap(query: &QueryText<'_>, candidate: &StoredText) -> f64 {
    let smaller = query.set.len().min(candidate.distinct as usize);
    if smaller == 0 {
        return 0.0;
    }
    shared_shingles(query, candidate) as f64 / smaller as f64
}

/// Distinct shingles the two texts share.
pub fn shared_shingles(query: &QueryText<'_>, candidate: &StoredText) -> usize {
    candidate.count_shared(&query.set)
}

/// Distinct shingles of the smaller text.
pub fn fewer_shingles(query: &QueryText<'_>, candidate: &StoredText) -> usize {
    query.set.len().min(candidate.distinct as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shingles and layout a query borrows.
    struct Query(Vec<u64>, WordLayout);

    impl Query {
        fn text(&self) -> QueryText<'_> {
            QueryText::new(&self.0, &self.1)
        }
    }

    fn query(s: &str) -> Query {
        let normalized = normalize(s);
        Query(
            shingle_hashes(&normalized, ShingleConfig::default()),
            WordLayout::new(s, &normalized),
        )
    }

    fn text(s: &str) -> StoredText {
        StoredText::from_text(s, ShingleConfig::default())
    }

    const LONG_SOURCE: &str = "The government announced on Monday a package of measures to support farmers hit by the drought. The minister for agriculture said the fund would be worth four hundred million pounds and would open for applications in the spring. Opposition parties called the plan too little and too late.";

    #[test]
    fn a_sentence_reused_inside_a_long_paragraph_is_found_with_spans() {
        let query = query("Farmers in the north gathered in the market square to protest against low prices. The minister for agriculture said the fund would be worth four hundred million pounds and would open for applications in the spring. Many of those present said it would not be enough to save their farms this year.");
        let source = text(LONG_SOURCE);
        let runs = shared_passages(&query.text(), &source, &PassageConfig::default());
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0].query, 14..36);
        assert_eq!(runs[0].candidate, 16..38);
        assert!(overlap(&query.text(), &source) < 0.6);
    }

    #[test]
    fn a_typo_does_not_break_the_passage() {
        let source = text(LONG_SOURCE);
        let typo = query(&LONG_SOURCE.replace("agriculture", "agricultre"));
        let runs = shared_passages(&typo.text(), &source, &PassageConfig::default());
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0].query, 0..typo.text().word_count);
    }

    #[test]
    fn a_short_line_inside_a_longer_sentence_is_not_a_copy() {
        let source = text("Officials said the president would veto the bill if it reached his desk in its current form, according to two people familiar with the matter.");
        let short = query("The president would veto the bill if it reached his desk.");
        assert!(shared_passages(&short.text(), &source, &PassageConfig::default()).is_empty());
    }

    #[test]
    fn a_short_line_matching_a_whole_sentence_is_a_copy() {
        let source = text(LONG_SOURCE);
        let split = query("Opposition parties called the plan too little and too late.");
        let runs = shared_passages(&split.text(), &source, &PassageConfig::default());
        assert_eq!(runs.len(), 1, "{runs:?}");
    }

    #[test]
    fn a_template_with_another_name_is_not_a_copy() {
        let (a, b) = (
            "Read the rest of the story at Mediaite.",
            "Read the rest of the story at The New York Post.",
        );
        assert!(shared_passages(&query(a).text(), &text(b), &PassageConfig::default()).is_empty());
        assert!(shared_passages(&query(b).text(), &text(a), &PassageConfig::default()).is_empty());
    }

    #[test]
    fn common_phrases_alone_are_not_passages() {
        let a = query("It was one of the most important things that he said he would do in the next few years, and he did it.");
        let b = text("Critics say it was one of the most important things that he said he would do, but the record differs entirely.");
        assert!(shared_passages(&a.text(), &b, &PassageConfig::default()).is_empty());
    }
}
