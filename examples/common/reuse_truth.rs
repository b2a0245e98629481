//! Ground truth for text reuse that does not use wirecopy's method: word
//! 8-gram containment.
//!
//! Each article's words are lower-cased runs of letters and digits. An
//! 8-gram (eight consecutive words) that an earlier article also has is
//! reused text, unless it is found in so many distinct articles that it is
//! boilerplate (a correspondent's bio, a sign-up line). Each word is
//! covered when some reused 8-gram covers it. From that coverage an
//! article is a copy (most of its words covered), a partial reuse (a run
//! of covered words as long as a sentence), an article sharing nothing
//! (no covered word at all) or in between (a shared phrase or two; not
//! scored either way).

use std::collections::{HashMap, HashSet};

/// Words per gram.
const GRAM: usize = 8;

/// What an article is, by the 8-gram measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reuse {
    /// Byte-identical to an earlier article.
    Identical,
    /// At least half of its words covered.
    Copy,
    /// A covered run of at least `min_run` words, less than half covered.
    Partial,
    /// No covered word.
    Nothing,
    /// Some covered words, no run as long as a sentence.
    Ambiguous,
}

/// The truth for one article.
#[derive(Clone, Debug)]
pub struct Truth {
    pub reuse: Reuse,
    /// Share of its words covered.
    pub coverage: f64,
    /// Earlier articles (by position) its reused 8-grams first appeared
    /// in, with how many.
    pub sources: HashMap<usize, usize>,
    /// For Identical: the position of the first article with the same body.
    pub identical_to: Option<usize>,
}

/// The words the truth compares: lower-cased runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The truth for every article of `bodies`, in order. An 8-gram found in
/// at least `boilerplate_articles` distinct bodies is boilerplate; a
/// partial reuse needs a covered run of `min_run` words.
pub fn reuse_truth(bodies: &[&str], boilerplate_articles: usize, min_run: usize) -> Vec<Truth> {
    let tokens: Vec<Vec<String>> = bodies.iter().map(|b| words(b)).collect();
    let mut first_body: HashMap<&str, usize> = HashMap::new();
    let mut document_frequency: HashMap<&[String], usize> = HashMap::new();
    for (at, body) in bodies.iter().enumerate() {
        if *first_body.entry(body).or_insert(at) != at {
            continue;
        }
        let grams: HashSet<&[String]> = tokens[at].windows(GRAM).collect();
        for gram in grams {
            *document_frequency.entry(gram).or_default() += 1;
        }
    }
    let mut first_seen: HashMap<&[String], usize> = HashMap::new();
    let mut truths = Vec::with_capacity(bodies.len());
    for (at, body) in bodies.iter().enumerate() {
        let words = &tokens[at];
        let mut covered = vec![false; words.len()];
        let mut sources: HashMap<usize, usize> = HashMap::new();
        for (start, gram) in words.windows(GRAM).enumerate() {
            let common = document_frequency.get(gram).copied().unwrap_or(0) >= boilerplate_articles;
            if let Some(&earlier) = first_seen.get(gram) {
                if !common {
                    covered[start..start + GRAM].fill(true);
                    *sources.entry(earlier).or_default() += 1;
                }
            }
        }
        for gram in words.windows(GRAM) {
            first_seen.entry(gram).or_insert(at);
        }
        let coverage = if words.is_empty() {
            0.0
        } else {
            covered.iter().filter(|c| **c).count() as f64 / words.len() as f64
        };
        let longest = covered.split(|c| !*c).map(<[bool]>::len).max().unwrap_or(0);
        let identical_to = first_body.get(body).copied().filter(|&first| first != at);
        let reuse = if identical_to.is_some() {
            Reuse::Identical
        } else if coverage >= 0.5 {
            Reuse::Copy
        } else if longest >= min_run {
            Reuse::Partial
        } else if longest == 0 {
            Reuse::Nothing
        } else {
            Reuse::Ambiguous
        };
        truths.push(Truth {
            reuse,
            coverage,
            sources,
            identical_to,
        });
    }
    truths
}
