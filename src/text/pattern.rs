//! Compiles the fixed regular expressions of the text pipeline and the
//! fact extractor.
//!
//! The patterns are constants of this crate, covered by its tests, so a
//! pattern that fails to compile is a bug, never a runtime condition. Many
//! are large Unicode automata (`\p{Lu}` classes, lazy repetitions) that the
//! regex crate runs as a lazy DFA; a roomier cache than the default keeps
//! it from being rebuilt over and over on long articles, which doubled
//! extraction throughput on the BBC corpus.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Lazy DFA cache per pattern.
const DFA_CACHE_BYTES: usize = 64 << 20;

/// Compiles a built-in pattern.
///
/// Word boundaries are taken as ASCII ones (`(?-u:\b)`): the lazy DFA
/// cannot evaluate Unicode boundaries once the text holds a non-ASCII byte
/// (a curly quote, a pound sign: most news), and would hand every such
/// search to a far slower engine. For the English cue words, names and
/// numbers these patterns look for, the two boundaries agree.
pub(crate) fn compile(pattern: &str) -> Regex {
    let pattern = pattern.replace(r"\b", r"(?-u:\b)");
    RegexBuilder::new(&pattern)
        .dfa_size_limit(DFA_CACHE_BYTES)
        .build()
        .unwrap_or_else(|error| unreachable!("built-in pattern {pattern:?} must compile: {error}"))
}

/// Compiles built-in patterns (already through [`compile`]) into one set,
/// which tells in a single pass which of them match.
pub(crate) fn compile_set<'a>(patterns: impl IntoIterator<Item = &'a Regex>) -> RegexSet {
    RegexSetBuilder::new(patterns.into_iter().map(Regex::as_str))
        .dfa_size_limit(DFA_CACHE_BYTES)
        .build()
        .unwrap_or_else(|error| unreachable!("built-in patterns must form a set: {error}"))
}
