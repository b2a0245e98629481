//! Which paragraph texts the archive may hold beyond the window, in a
//! fixed amount of memory, so that a submit need not ask the store.
//!
//! A paragraph that is not in the window is either new or a text stored
//! before the window: the latter must keep its stored bytes, since older
//! articles refer to it (see [`crate::engine::analysis`]). Asking the store
//! for every such paragraph was one sled read per new paragraph, the one
//! read left on the ingest path, and it grew slower as the archive grew.
//! A Bloom filter of every stored text's fingerprint answers "certainly
//! new" for almost all of them; only a "maybe" goes to the store, which
//! has the final word, so a false positive costs one read and never a
//! wrong answer. Texts that leave the store (deletion) stay in the filter
//! for the same reason: the store says they are gone.
//!
//! The filter's size is fixed ([`BITS`]), not set by the archive: 16 MiB,
//! with seven probes, answers "maybe" for a new text (by the usual
//! estimate, (1 - e^(-7n/2^27))^7 for n stored texts) about once in 30,000
//! at 5 million stored texts, once in 550 at 10 million, once in 20 at 20
//! million; beyond that it degrades to what it replaced, a read per text.

use fastbloom::BloomFilter;

use crate::text::Fingerprint;

/// Bits in the filter: 16 MiB.
pub(super) const BITS: usize = 1 << 27;
/// Probes per text.
const HASHES: u32 = 7;

/// The fingerprints of every text the store has held (see the module
/// documentation).
#[derive(Clone)]
pub(crate) struct StoredTexts {
    filter: BloomFilter,
}

impl StoredTexts {
    /// An empty filter.
    pub fn new() -> Self {
        StoredTexts {
            filter: BloomFilter::with_num_bits(BITS).hashes(HASHES),
        }
    }

    /// The filter saved as [`StoredTexts::to_bytes`] gave it; `None` when
    /// the bytes are not a whole filter of this size.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != BITS / 8 {
            return None;
        }
        let words = bytes
            .chunks_exact(8)
            .map(|word| {
                let mut le = [0u8; 8];
                le.copy_from_slice(word);
                u64::from_le_bytes(le)
            })
            .collect();
        Some(StoredTexts {
            filter: BloomFilter::from_vec(words).hashes(HASHES),
        })
    }

    /// The filter's bits, little-endian, for the saved window.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.filter
            .as_slice()
            .iter()
            .flat_map(|word| word.to_le_bytes())
            .collect()
    }

    /// Records that the store holds the text with `fingerprint`.
    pub fn insert(&mut self, fingerprint: &Fingerprint) {
        self.filter.insert_hash(source_hash(fingerprint));
    }

    /// False when the store has certainly never held the text; true when
    /// it may hold it.
    pub fn may_hold(&self, fingerprint: &Fingerprint) -> bool {
        self.filter.contains_hash(source_hash(fingerprint))
    }
}

#[cfg(test)]
impl PartialEq for StoredTexts {
    fn eq(&self, other: &Self) -> bool {
        self.filter.as_slice() == other.filter.as_slice()
    }
}

/// A fingerprint is a blake3 hash: its first 8 bytes are as good a hash
/// as any, and using them keeps the filter independent of a hasher's
/// seed, so it means the same after a restart.
fn source_hash(fingerprint: &Fingerprint) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&fingerprint.0[..8]);
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(n: u32) -> Fingerprint {
        Fingerprint(*blake3::hash(&n.to_le_bytes()).as_bytes())
    }

    #[test]
    fn what_was_inserted_is_held_and_survives_a_save() {
        let mut texts = StoredTexts::new();
        for n in 0..10_000 {
            texts.insert(&fingerprint(n));
        }
        let Some(loaded) = StoredTexts::from_bytes(&texts.to_bytes()) else {
            panic!("a filter's own bytes load");
        };
        assert!(loaded == texts);
        assert!((0..10_000).all(|n| loaded.may_hold(&fingerprint(n))));
        let false_positives = (10_000..110_000)
            .filter(|n| loaded.may_hold(&fingerprint(*n)))
            .count();
        assert_eq!(false_positives, 0, "10,000 texts in 2^27 bits");
        assert!(StoredTexts::from_bytes(&[0u8; 64]).is_none());
    }
}
