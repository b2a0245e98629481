//! Words and sentences with their byte spans, the units the fact
//! extractor reasons about.

use std::{ops::Range, sync::LazyLock};

use regex::Regex;

use crate::text::pattern::compile;
use unicode_segmentation::UnicodeSegmentation;

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

// Initialisms with dots ("U.S.") first, then words that may carry inner
// apostrophes or hyphens ("Nagorno-Karabakh", "Russia's", "don't").
static WORD: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?:\p{Lu}\.){2,}|[\p{L}\p{N}]+(?:['’\-.][\p{L}\p{N}]+)*"));

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<Word<'_>> {
    WORD.find_iter(text)
        .map(|m| Word {
            text: m.as_str(),
            start: m.start(),
        })
        .collect()
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
    for (start, piece) in text.split_sentence_bound_indices() {
        let end = start + piece.len();
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
