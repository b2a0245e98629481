//! Where the words of a paragraph stand: byte spans, sentence starts and
//! which words carry meaning.
//!
//! The matcher compares normalised words (see [`super::shingles`]), but a
//! person checking a match wants to see the reused passage in the text as
//! submitted. A [`WordLayout`] maps the n-th normalised word back to its
//! bytes in the original text, says where sentences begin (a short line
//! must match a whole sentence, not a fragment of one) and counts the
//! distinctive words of any run of words (a passage made only of "one of
//! the", "said that it would" is not evidence of copying).

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// Words of four or more letters so common in news text that sharing them
/// says nothing. Shorter words are never distinctive.
const COMMON_WORDS: &[&str] = &[
    "about", "after", "also", "been", "before", "being", "could", "does", "from", "have", "into",
    "just", "last", "like", "made", "make", "many", "more", "most", "much", "must", "only",
    "other", "over", "said", "says", "should", "some", "such", "than", "that", "their", "them",
    "then", "there", "these", "they", "this", "those", "told", "under", "very", "were", "what",
    "when", "where", "which", "while", "will", "with", "would", "year", "years", "your",
];

/// The layout of one paragraph's words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordLayout {
    /// Byte span of each word in the original text, in order. When the
    /// original splits into a different number of words than its
    /// normalised form (an `&amp;` spelled out, a ligature expanded), the
    /// spans are spread proportionally: close enough to show a passage.
    pub spans: Vec<Range<u32>>,
    /// Indexes of the words that begin a sentence, ascending, from 0.
    pub sentence_starts: Vec<u32>,
    /// `distinctive_before[i]`: distinctive words among the first `i`.
    distinctive_before: Vec<u32>,
}

impl WordLayout {
    /// Lays out `original`, whose normalised form is `normalized`.
    pub fn new(original: &str, normalized: &str) -> Self {
        let normalized_words: Vec<&str> = super::shingles::words(normalized).collect();
        let original_words: Vec<(usize, &str)> = original.unicode_word_indices().collect();
        let mut distinctive_before = Vec::with_capacity(normalized_words.len() + 1);
        let mut distinctive = 0u32;
        distinctive_before.push(0);
        for word in &normalized_words {
            if is_distinctive(word) {
                distinctive += 1;
            }
            distinctive_before.push(distinctive);
        }
        let count = normalized_words.len();
        let mut spans = Vec::with_capacity(count);
        let mut sentence_starts = Vec::new();
        let original_count = original_words.len();
        for index in 0..count {
            let at = if original_count == count {
                index
            } else {
                index * original_count / count.max(1)
            };
            let Some(&(start, word)) = original_words.get(at) else {
                break;
            };
            spans.push(to_u32(start)..to_u32(start + word.len()));
            let previous_end = at
                .checked_sub(1)
                .and_then(|p| original_words.get(p))
                .map(|(s, w)| s + w.len());
            let starts_sentence = match previous_end {
                None => true,
                Some(end) => original
                    .get(end..start)
                    .is_some_and(|gap| gap.contains(['.', '!', '?'])),
            };
            if starts_sentence {
                sentence_starts.push(to_u32(index));
            }
        }
        WordLayout {
            spans,
            sentence_starts,
            distinctive_before,
        }
    }

    /// The layout without distinctive-word counts (for texts only ever
    /// compared against, never scored), to keep cached texts small.
    pub fn without_distinctive(mut self) -> Self {
        self.distinctive_before = Vec::new();
        self.spans.shrink_to_fit();
        self.sentence_starts.shrink_to_fit();
        self
    }

    /// Distinctive words among `words` (0 for a layout without counts).
    pub fn distinctive(&self, words: Range<u32>) -> u32 {
        let at = |i: u32| {
            let last = self.distinctive_before.len().saturating_sub(1);
            self.distinctive_before
                .get((i as usize).min(last))
                .copied()
                .unwrap_or(0)
        };
        at(words.end).saturating_sub(at(words.start))
    }

    /// The words of the sentences that `words` lies in: from the start of
    /// the sentence holding its first word to the end of the one holding
    /// its last.
    pub fn sentences_around(&self, words: Range<u32>, word_count: u32) -> Range<u32> {
        let start = self
            .sentence_starts
            .iter()
            .rev()
            .find(|&&s| s <= words.start)
            .copied()
            .unwrap_or(0);
        let end = self
            .sentence_starts
            .iter()
            .find(|&&s| s >= words.end)
            .copied()
            .unwrap_or(word_count);
        start..end.max(words.end)
    }

    /// Byte span of `words` in the original text (empty when out of range).
    pub fn bytes(&self, words: Range<u32>) -> Range<u32> {
        let first = self.spans.get(words.start as usize);
        let last = words
            .end
            .checked_sub(1)
            .and_then(|l| self.spans.get(l as usize));
        match (first, last) {
            (Some(first), Some(last)) if last.end >= first.start => first.start..last.end,
            _ => 0..0,
        }
    }
}

fn is_distinctive(word: &str) -> bool {
    word.chars().any(|c| c.is_numeric())
        || (word.chars().count() >= 4 && COMMON_WORDS.binary_search(&word).is_err())
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::normalize;

    fn layout(text: &str) -> WordLayout {
        WordLayout::new(text, &normalize(text))
    }

    #[test]
    fn common_words_are_sorted_for_binary_search() {
        assert!(COMMON_WORDS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn spans_point_at_the_original_words() {
        let text = "\u{201C}Talks\u{201D} went well. Lavrov said so!";
        let words = layout(text);
        assert_eq!(words.spans.len(), 6);
        assert_eq!(
            &text[words.bytes(0..1).start as usize..words.bytes(0..1).end as usize],
            "Talks"
        );
        let tail = words.bytes(3..6);
        assert_eq!(
            &text[tail.start as usize..tail.end as usize],
            "Lavrov said so"
        );
        assert_eq!(words.sentence_starts, vec![0, 3]);
    }

    #[test]
    fn distinctive_words_leave_out_short_and_common_ones() {
        let words = layout("He said that the ceasefire held in 2020");
        // "ceasefire", "held", "2020"
        assert_eq!(words.distinctive(0..8), 3);
        assert_eq!(words.distinctive(0..4), 0);
    }

    #[test]
    fn sentences_around_a_fragment_span_whole_sentences() {
        let words = layout("One two three. Four five six seven. Eight nine.");
        assert_eq!(words.sentences_around(4..5, 9), 3..7);
        assert_eq!(words.sentences_around(0..9, 9), 0..9);
    }
}
