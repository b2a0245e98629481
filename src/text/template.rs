//! Template keys: what a short line is once its variable slots are blanked.
//!
//! Outlets fill the same short line with a different name each time ("Do
//! you support Donald Trump? Like the page:", "Read the rest of the story
//! at Mediaite."). No two fillings are copies of each other, and none is
//! news. A line's template key is its normalised words with every *slot*
//! (a capitalised word that does not begin a sentence, or a word with a
//! digit) replaced by one placeholder per run of slots, hashed; lines that
//! share a key with several different fillings are a template.

use super::{layout::WordLayout, shingles::words, Fingerprint};

/// The template key of a short line: `None` when the line has no slot or
/// too few fixed words for the key to mean anything.
pub fn template_key(original: &str, normalized: &str, layout: &WordLayout) -> Option<Fingerprint> {
    /// Fixed words a key needs, so "Mr Smith said" is not a template.
    const MIN_FIXED: usize = 4;
    let mut key = String::from("template:");
    let (mut fixed, mut slots, mut in_slot) = (0, 0, false);
    for (index, word) in words(normalized).enumerate() {
        let starts_sentence = layout
            .sentence_starts
            .binary_search(&u32::try_from(index).unwrap_or(u32::MAX))
            .is_ok();
        let shown = layout
            .spans
            .get(index)
            .and_then(|span| original.get(span.start as usize..span.end as usize))
            .unwrap_or(word);
        let capitalised = shown.chars().next().is_some_and(char::is_uppercase);
        let slot = (capitalised && !starts_sentence) || word.chars().any(|c| c.is_numeric());
        if slot {
            if !in_slot {
                key.push_str(" *");
                slots += 1;
            }
            in_slot = true;
        } else {
            key.push(' ');
            key.push_str(word);
            fixed += 1;
            in_slot = false;
        }
    }
    (slots > 0 && fixed >= MIN_FIXED).then(|| Fingerprint::of_normalized(&key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::normalize;

    fn key(text: &str) -> Option<Fingerprint> {
        let normalized = normalize(text);
        template_key(text, &normalized, &WordLayout::new(text, &normalized))
    }

    #[test]
    fn fillings_of_one_template_share_a_key() {
        let trump = key("Do you support Donald Trump? Like the page:");
        assert!(trump.is_some());
        assert_eq!(trump, key("Do you support Hillary Clinton? Like the page:"));
        assert_eq!(
            key("Read the rest of the story at Mediaite."),
            key("Read the rest of the story at The New York Post.")
        );
    }

    #[test]
    fn different_lines_and_lines_without_slots_have_other_keys() {
        assert_ne!(
            key("Do you support Donald Trump? Like the page:"),
            key("Read the rest of the story at Mediaite.")
        );
        assert_eq!(
            key("the figures were not independently verified by us."),
            None
        );
        assert_eq!(key("Mr Smith said so."), None, "too few fixed words");
    }
}
