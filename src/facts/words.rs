//! Words and sentences with their byte spans, the units the fact
//! extractor reasons about.

use std::{
    ops::Range,
    sync::{LazyLock, OnceLock},
};

use regex::Regex;

use icu_segmenter::{options::SentenceBreakInvariantOptions, SentenceSegmenter};

use rustc_hash::FxHashSet;

use crate::text::pattern::compile;

/// A word and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as written (possessive "'s" included).
    pub text: &'a str,
    /// Byte offset of its first byte in the searched text.
    pub start: usize,
}

impl Word<'_> {
    /// Byte offset just past the word.
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// The word without a possessive "'s" / "’s".
    pub fn bare(&self) -> &str {
        self.text
            .strip_suffix("'s")
            .or_else(|| self.text.strip_suffix("’s"))
            .unwrap_or(self.text)
    }

    /// True when the word starts with an upper-case letter.
    pub fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// True for "OSCE", "ICRC": two to six capitals.
    pub fn is_acronym(&self) -> bool {
        let bare = self.bare();
        (2..=6).contains(&bare.chars().count()) && bare.chars().all(|c| c.is_ascii_uppercase())
    }
}

// Letters and numbers beyond ASCII, classified as the Unicode general
// categories L, Lu and N say. They are rare in English news, so one small
// anchored pattern per character is cheap where it is needed.
static LETTER_OR_NUMBER: LazyLock<Regex> = LazyLock::new(|| compile(r"\A[\p{L}\p{N}]\z"));
static UPPER_CASE_LETTER: LazyLock<Regex> = LazyLock::new(|| compile(r"\A\p{Lu}\z"));

fn is_letter_or_number(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        LETTER_OR_NUMBER.is_match(c.encode_utf8(&mut [0; 4]))
    }
}

fn is_upper_case_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        UPPER_CASE_LETTER.is_match(c.encode_utf8(&mut [0; 4]))
    }
}

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<Word<'_>> {
    Words { text, at: 0 }.collect()
}

/// How many words `text` has, without collecting them.
pub fn word_count(text: &str) -> usize {
    Words { text, at: 0 }.count()
}

/// Scans for words: initialisms with dots ("U.S.") first, then runs of
/// letters and digits that may carry inner apostrophes, hyphens or dots
/// ("Nagorno-Karabakh", "Russia's", "don't", "3.5"). This is the pattern
/// `(?:\p{Lu}\.){2,}|[\p{L}\p{N}]+(?:['’\-.][\p{L}\p{N}]+)*` with
/// leftmost-first semantics, written out as a scan: tokenising is the
/// costliest step of entity finding, and the scan is several times faster
/// than the regular expression.
struct Words<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        let start = self.next_letter_or_number(self.at)?;
        let end = self
            .initialism_end(start)
            .unwrap_or_else(|| self.word_end(start));
        self.at = end;
        Some(Word {
            text: &self.text[start..end],
            start,
        })
    }
}

impl Words<'_> {
    /// The end of two or more "capital, full stop" pairs from `start`.
    fn initialism_end(&self, start: usize) -> Option<usize> {
        let mut end = start;
        let mut pairs = 0;
        loop {
            let mut chars = self.text[end..].chars();
            match (chars.next(), chars.next()) {
                (Some(letter), Some('.')) if is_upper_case_letter(letter) => {
                    end += letter.len_utf8() + 1;
                    pairs += 1;
                }
                _ => break,
            }
        }
        (pairs >= 2).then_some(end)
    }

    /// The end of the letters and digits from `start`, joined across single
    /// inner apostrophes, hyphens and dots.
    fn word_end(&self, start: usize) -> usize {
        let mut end = self.run_end(start);
        loop {
            let mut chars = self.text[end..].chars();
            match (chars.next(), chars.next()) {
                (Some(joiner @ ('\'' | '’' | '-' | '.')), Some(next))
                    if is_letter_or_number(next) =>
                {
                    end = self.run_end(end + joiner.len_utf8());
                }
                _ => return end,
            }
        }
    }

    /// The first letter or digit at or after `from`. Most bytes are ASCII:
    /// they are tested as bytes, and only the others decoded.
    fn next_letter_or_number(&self, from: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut at = from;
        while let Some(&byte) = bytes.get(at) {
            if byte.is_ascii() {
                if byte.is_ascii_alphanumeric() {
                    return Some(at);
                }
                at += 1;
            } else {
                let c = self.text[at..].chars().next()?;
                if is_letter_or_number(c) {
                    return Some(at);
                }
                at += c.len_utf8();
            }
        }
        None
    }

    /// The end of the letters and digits from `start`.
    fn run_end(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut at = start;
        while let Some(&byte) = bytes.get(at) {
            if byte.is_ascii() {
                if !byte.is_ascii_alphanumeric() {
                    return at;
                }
                at += 1;
            } else {
                match self.text[at..].chars().next() {
                    Some(c) if is_letter_or_number(c) => at += c.len_utf8(),
                    _ => return at,
                }
            }
        }
        at
    }
}

/// A fixed list of words, looked up by hash: the entity finder asks
/// several lists of a hundred words or more about every capitalised word.
pub struct WordSet {
    words: &'static [&'static str],
    set: OnceLock<FxHashSet<&'static str>>,
}

impl WordSet {
    pub const fn new(words: &'static [&'static str]) -> Self {
        WordSet {
            words,
            set: OnceLock::new(),
        }
    }

    pub fn contains(&self, word: &str) -> bool {
        self.set
            .get_or_init(|| self.words.iter().copied().collect())
            .contains(word)
    }
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Gen.", "Lt.", "Col.", "Sgt.", "Capt.", "Prof.", "Rep.",
    "Sen.", "Gov.", "Jr.", "Sr.", "Inc.", "Corp.", "Co.", "Ltd.", "vs.", "No.", "Jan.", "Feb.",
    "Aug.", "Sept.", "Sep.", "Oct.", "Nov.", "Dec.", "U.S.", "U.K.", "U.N.", "E.U.",
];

/// Byte spans of the sentences of `text` (Unicode sentence boundaries,
/// not split after common abbreviations), trimmed.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut join_next = false;
    // The Unicode (UAX #29) sentence boundaries, from the segmenter's
    // compiled data (building it is free: it only points at that data).
    let breaks: Vec<usize> = SentenceSegmenter::new(SentenceBreakInvariantOptions::default())
        .segment_str(text)
        .collect();
    for bounds in breaks.windows(2) {
        let (start, end) = (bounds[0], bounds[1]);
        let piece = &text[start..end];
        match spans.last_mut() {
            Some(last) if join_next => last.end = end,
            _ => spans.push(start..end),
        }
        let trimmed = piece.trim_end();
        join_next = ABBREVIATIONS.iter().any(|a| {
            trimmed.ends_with(a)
                && trimmed[..trimmed.len() - a.len()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric())
        });
    }
    spans
        .into_iter()
        .filter_map(|span| {
            let piece = &text[span.clone()];
            let lead = piece.len() - piece.trim_start().len();
            let trimmed = piece.trim();
            (!trimmed.is_empty()).then(|| span.start + lead..span.start + lead + trimmed.len())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_initialisms_hyphens_and_possessives() {
        let found: Vec<&str> = words("The U.S. and Nagorno-Karabakh's “talks” (ICRC)")
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(
            found,
            vec!["The", "U.S.", "and", "Nagorno-Karabakh's", "talks", "ICRC"]
        );
        assert_eq!(words("Russia’s")[0].bare(), "Russia");
    }

    #[test]
    fn the_scan_finds_what_the_word_pattern_finds() {
        // The pattern the scan stands for, as the regex crate reads it.
        let pattern = compile(r"(?:\p{Lu}\.){2,}|[\p{L}\p{N}]+(?:['’\-.][\p{L}\p{N}]+)*");
        for text in [
            "U.S.A. and the U.K.'s E.U.-wide plan, A.B",
            "Émile Zola’s café—naïve Ørsted 3.5bn £20 ٣٤ Ⅻ x-",
            "don't --x-- 'quoted' end. .dot ...,Άλφα Ω.Ψ. ǅemal",
            "",
        ] {
            let scanned: Vec<(usize, &str)> =
                words(text).iter().map(|w| (w.start, w.text)).collect();
            let matched: Vec<(usize, &str)> = pattern
                .find_iter(text)
                .map(|m| (m.start(), m.as_str()))
                .collect();
            assert_eq!(scanned, matched, "{text:?}");
            assert_eq!(word_count(text), matched.len());
        }
    }

    #[test]
    fn sentences_do_not_split_after_titles() {
        let text = "Mr. Smith met Dr. Jones in the U.S. on Monday. They talked. “Fine,” he said.";
        let found: Vec<&str> = sentences(text).into_iter().map(|s| &text[s]).collect();
        assert_eq!(
            found,
            vec![
                "Mr. Smith met Dr. Jones in the U.S. on Monday.",
                "They talked.",
                "“Fine,” he said."
            ]
        );
    }
}
