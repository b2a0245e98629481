//! Boilerplate: lines that are not evidence of copying, recognised from
//! how they are shared.
//!
//! Outlets repeat their own lines (a correspondent's bio, "Like the page",
//! an editor's note), and many outlets carry the same lines (newsletter
//! sign-ups, copyright, "Advertisement"). Such a line links articles that
//! share nothing else. So the test is made per article, the first time
//! such a line repeats: a short line copied whole whose source article is
//! linked to this one by nothing but other short lines, which together
//! are a small share of this article's text, is isolated: not evidence
//! here. The isolated lines (this article's and the stored ones they
//! matched) are returned so the caller can count them: a line isolated
//! [`BoilerplateConfig::learn_after`] times is learned boilerplate and
//! skipped wherever it occurs, even in an article that copies the story
//! it first came with. One isolation is not enough to learn from: two
//! stories on the same topic may share just their lede.
//!
//! A wire copy is never mistaken for boilerplate: its lines link it to the
//! story it copies through most of its text.

use std::collections::BTreeSet;

use super::{matcher::Matched, MatchKind, SkipReason};
use crate::text::Fingerprint;

/// What counts as boilerplate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoilerplateConfig {
    /// A line of at most this many words can be boilerplate; a longer
    /// paragraph shared with one article is real reuse.
    pub line_words: u32,
    /// Share of a line that must be copied for the line to count as
    /// copied whole.
    pub whole_line: f64,
    /// The short lines linking this article to one earlier article are
    /// boilerplate when their words are at most this share of this
    /// article's evidence.
    pub max_share: f64,
    /// Times a line must be found isolated before it is skipped wherever
    /// it occurs.
    pub learn_after: u32,
    /// Fillings of a template (see [`crate::text::template`]) seen before
    /// a line with another filling is boilerplate.
    pub template_after: u32,
}

impl BoilerplateConfig {
    /// True when a line found isolated `count` times is learned
    /// boilerplate.
    pub fn is_learned(&self, count: u32) -> bool {
        count >= self.learn_after
    }

    /// True when a template key filled `count` times is a template.
    pub fn is_template(&self, count: u32) -> bool {
        count >= self.template_after
    }
}

impl Default for BoilerplateConfig {
    fn default() -> Self {
        BoilerplateConfig {
            line_words: 40,
            whole_line: 0.8,
            max_share: 0.25,
            learn_after: 2,
            template_after: 1,
        }
    }
}

/// True when a paragraph's passages come from the first paragraph of its
/// source: two stories sharing their lede share news, not boilerplate
/// (an outlet's lines close an article or stand inside it).
fn is_lede_of_source(paragraph: &super::ParagraphMatch) -> bool {
    paragraph
        .passages
        .first()
        .is_some_and(|p| p.source.paragraph == 0)
}

/// Skips the lines of `matched` that are boilerplate by the test above
/// and returns the fingerprints to remember.
pub(super) fn skip_isolated_lines(
    matched: &mut [Matched],
    config: &BoilerplateConfig,
) -> Vec<Fingerprint> {
    let evidence: u64 = matched
        .iter()
        .filter(|m| m.paragraph.kind != MatchKind::Skipped)
        .map(|m| u64::from(m.paragraph.word_count))
        .sum();
    // The articles each copied paragraph links to.
    let links: Vec<BTreeSet<u64>> = matched
        .iter()
        .map(|m| {
            m.paragraph
                .passages
                .iter()
                .flat_map(|p| [p.source.article, p.origin.article])
                .collect()
        })
        .collect();
    let first_evidence = matched
        .iter()
        .position(|m| m.paragraph.kind != MatchKind::Skipped);
    let short_whole: Vec<bool> = matched
        .iter()
        .enumerate()
        .map(|(at, m)| {
            let p = &m.paragraph;
            p.is_copied()
                && p.word_count <= config.line_words
                && f64::from(p.copied_words) >= config.whole_line * f64::from(p.word_count)
                && !(Some(at) == first_evidence && is_lede_of_source(p))
        })
        .collect();
    let mut boilerplate = Vec::new();
    for (at, own) in links.iter().enumerate() {
        if !short_whole[at] {
            continue;
        }
        let linked = |other: &BTreeSet<u64>| !own.is_disjoint(other);
        let long_link = links
            .iter()
            .enumerate()
            .any(|(i, other)| i != at && !short_whole[i] && linked(other));
        let group_words: u64 = links
            .iter()
            .enumerate()
            .filter(|(i, other)| short_whole[*i] && linked(other))
            .map(|(i, _)| u64::from(matched[i].paragraph.word_count))
            .sum();
        if !long_link && (group_words as f64) <= config.max_share * evidence as f64 {
            boilerplate.push(at);
        }
    }
    let mut learned = Vec::new();
    for at in boilerplate {
        let line = &mut matched[at];
        learned.push(line.paragraph.fingerprint);
        // The stored lines it matched, but not a long paragraph that
        // happens to contain it.
        learned.extend(
            line.sources
                .iter()
                .filter(|(_, words)| *words <= config.line_words)
                .map(|(fingerprint, _)| *fingerprint),
        );
        line.paragraph.skip(SkipReason::Boilerplate);
    }
    learned.sort_unstable();
    learned.dedup();
    learned
}
