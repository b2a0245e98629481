//! Compiles the fixed regular expressions of the text pipeline and the
//! fact extractor.
//!
//! The patterns are constants of this crate, covered by its tests, so a
//! pattern that fails to compile is a bug, never a runtime condition. Many
//! are large Unicode automata (`\p{Lu}` classes, lazy repetitions) that the
//! regex crate runs as a lazy DFA, with a cache per pattern and per thread
//! that grows with the text it has seen until it reaches its limit. The
//! regex crate's default limit (2 MiB) is kept: a 64 MiB one, tried
//! before, let those caches grow by some 300 MB over 200,000 articles for
//! no gain in speed (the load generator's scale run and the criterion
//! extraction bench, 2-vCPU VM: 1,181 vs 1,171 articles/s, 11.5 vs
//! 11.1 MiB/s).

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

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
        .build()
        .unwrap_or_else(|error| unreachable!("built-in pattern {pattern:?} must compile: {error}"))
}

/// Compiles built-in patterns (already through [`compile`]) into one set,
/// which tells in a single pass which of them match.
pub(crate) fn compile_set<'a>(patterns: impl IntoIterator<Item = &'a Regex>) -> RegexSet {
    RegexSetBuilder::new(patterns.into_iter().map(Regex::as_str))
        .build()
        .unwrap_or_else(|error| unreachable!("built-in patterns must form a set: {error}"))
}
