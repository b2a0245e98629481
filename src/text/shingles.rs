//! Word shingles and winnowing: the hashes near-copy detection runs on.
//!
//! A paragraph becomes the sequence of hashes of its overlapping runs of
//! `k` words (shingles). Two paragraphs that share text share shingles, in
//! proportion to how much they share, whatever was inserted, trimmed or
//! misspelled around it. Indexing every shingle would cost one index entry
//! per word, so the index holds only the *anchors* chosen by winnowing
//! (Schleimer, Wilkerson and Aiken, 2003): the smallest hash in every
//! window of `w` consecutive shingles. Any run of `w + k - 1` words that two
//! paragraphs share yields at least one common anchor, so candidates are
//! never missed for want of an index entry, at roughly `2 / (w + 1)` of the
//! cost. Candidates are then verified on their full shingle sets.

use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

/// Shingle and window lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShingleConfig {
    /// Words per shingle.
    pub words: usize,
    /// Shingles per winnowing window.
    pub window: usize,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig {
            words: 3,
            window: 4,
        }
    }
}

/// The words of normalised text, as the matcher counts them.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.unicode_words()
}

/// Hashes of every run of `config.words` consecutive words, in order. Text
/// with fewer words than that yields one shingle of all of them; text with
/// no words yields none.
pub fn shingle_hashes(normalized: &str, config: ShingleConfig) -> Vec<u64> {
    let word_hashes: Vec<u64> = words(normalized)
        .map(|word| xxh3_64(word.as_bytes()))
        .collect();
    if word_hashes.is_empty() {
        return Vec::new();
    }
    // At most 16 words per shingle, which is what the hashing buffer holds.
    let k = config.words.clamp(1, 16).min(word_hashes.len());
    word_hashes
        .windows(k)
        .map(|run| {
            let mut bytes = [0u8; 8 * 16];
            let used = run.len().min(16);
            for (slot, hash) in bytes.chunks_exact_mut(8).zip(&run[..used]) {
                slot.copy_from_slice(&hash.to_le_bytes());
            }
            xxh3_64(&bytes[..used * 8])
        })
        .collect()
}

/// The winnowed anchors of a shingle sequence: the minimum of every window
/// of `window` consecutive hashes, sorted and without repeats.
pub fn anchors(shingles: &[u64], window: usize) -> Vec<u64> {
    if shingles.is_empty() {
        return Vec::new();
    }
    let window = window.clamp(1, shingles.len());
    let mut chosen: Vec<u64> = shingles
        .windows(window)
        .filter_map(|run| run.iter().min().copied())
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    chosen
}

/// The distinct shingles of a paragraph, sorted, for set comparisons.
pub fn shingle_set(shingles: &[u64]) -> Vec<u64> {
    let mut set = shingles.to_vec();
    set.sort_unstable();
    set.dedup();
    set
}

/// How many shingles two sets (sorted, without repeats) share.
pub fn count_shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: ShingleConfig = ShingleConfig {
        words: 3,
        window: 4,
    };

    #[test]
    fn counts_one_shingle_per_word_run() {
        assert_eq!(shingle_hashes("a b c d e", CONFIG).len(), 3);
        assert_eq!(shingle_hashes("a b", CONFIG).len(), 1);
        assert!(shingle_hashes(" , . ", CONFIG).is_empty());
    }

    #[test]
    fn punctuation_does_not_change_shingles() {
        assert_eq!(
            shingle_hashes("\"we hope\", he said.", CONFIG),
            shingle_hashes("we hope he said", CONFIG)
        );
    }

    #[test]
    fn shared_text_shares_an_anchor_despite_edits_around_it() {
        let original = "the ceasefire on the ground has been observed for almost a month";
        let copy = "officials said the ceasefire on the ground has been observed for a while";
        let a = anchors(&shingle_hashes(original, CONFIG), CONFIG.window);
        let b = anchors(&shingle_hashes(copy, CONFIG), CONFIG.window);
        assert!(a.iter().any(|anchor| b.binary_search(anchor).is_ok()));
    }

    #[test]
    fn anchors_are_fewer_than_shingles() {
        let text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
        let shingles = shingle_hashes(text, CONFIG);
        let chosen = anchors(&shingles, CONFIG.window);
        assert!(!chosen.is_empty() && chosen.len() < shingles.len());
    }
}
