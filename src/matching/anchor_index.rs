//! The in-memory index from winnowed anchors to stored paragraphs.
//!
//! It answers "which stored paragraphs share text with this one?" without
//! a storage round trip per shingle. It holds only anchors (a fraction of
//! all shingles, see [`crate::text::shingles`]) and 4-byte paragraph
//! numbers. It is rebuilt from the store at start-up, or loaded from the
//! saved match window, so it never needs to be kept consistent with the
//! store on a crash.

use rustc_hash::FxHashMap;

use super::Proposal;
use crate::text::Fingerprint;

/// Anchors shared by more paragraphs than this are common phrases ("said
/// in a statement on"), not evidence of copying: they stop collecting
/// postings and are ignored when looking up candidates.
const MAX_POSTINGS: usize = 64;

/// Marks a posting value that points into `shared` rather than naming a
/// paragraph.
const SHARED: u32 = 1 << 31;

/// Anchor → paragraphs index.
///
/// Memory is what limits it at scale: there are about five anchors per
/// stored paragraph, and most belong to one paragraph only. So the map
/// holds that paragraph's number in place (12 bytes an anchor, no
/// allocation), and only an anchor shared by several paragraphs points to a
/// list. Anchors are already hashes, so the map uses a cheap hasher.
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(test, derive(PartialEq))]
pub struct AnchorIndex {
    postings: FxHashMap<u64, u32>,
    shared: Vec<Vec<u32>>,
    paragraphs: Vec<Fingerprint>,
    /// Anchors of each paragraph, by number (saturating), so that a
    /// proposal says what share of its anchors the query has.
    anchor_counts: Vec<u16>,
}

impl AnchorIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a paragraph under its anchors. The caller adds each stored
    /// paragraph once.
    pub fn insert(&mut self, fingerprint: Fingerprint, anchors: &[u64]) {
        let Ok(number) = u32::try_from(self.paragraphs.len()) else {
            return;
        };
        if number >= SHARED {
            // Two billion distinct paragraphs: stop indexing rather than
            // alias numbers. Exact matching still works.
            return;
        }
        self.paragraphs.push(fingerprint);
        self.anchor_counts
            .push(u16::try_from(anchors.len()).unwrap_or(u16::MAX));
        for anchor in anchors {
            match self.postings.get(anchor).copied() {
                None => {
                    self.postings.insert(*anchor, number);
                }
                Some(value) if value & SHARED == 0 => {
                    let Ok(list) = u32::try_from(self.shared.len()) else {
                        continue;
                    };
                    self.shared.push(vec![value, number]);
                    self.postings.insert(*anchor, SHARED | list);
                }
                Some(value) => {
                    if let Some(list) = self.shared.get_mut((value & !SHARED) as usize) {
                        if list.len() <= MAX_POSTINGS {
                            list.push(number);
                        }
                    }
                }
            }
        }
    }

    /// The paragraphs under `anchor`.
    fn posting<'a>(&'a self, anchor: &u64) -> &'a [u32] {
        match self.postings.get(anchor) {
            None => &[],
            Some(value) if value & SHARED == 0 => std::slice::from_ref(value),
            Some(value) => self
                .shared
                .get((value & !SHARED) as usize)
                .map_or(&[], Vec::as_slice),
        }
    }

    /// Paragraphs sharing at least one anchor with `anchors` and how many
    /// they share: the ones sharing most first, earlier-indexed first among
    /// equals, at most `limit`.
    pub fn candidates(&self, anchors: &[u64], limit: usize) -> Vec<Proposal> {
        Self::candidates_across(&[self], anchors, limit)
    }

    /// The same over several indexes, oldest first (each holding
    /// paragraphs indexed after all of the one before), as if they were one
    /// index: an anchor is common when they together hold too many
    /// paragraphs under it, and newer paragraphs rank after older ones
    /// sharing as many anchors. So the answer does not depend on where one
    /// index ends and the next begins.
    pub fn candidates_across(
        indexes: &[&AnchorIndex],
        anchors: &[u64],
        limit: usize,
    ) -> Vec<Proposal> {
        // Each index numbers its paragraphs after the ones before it.
        let offsets: Vec<u64> = indexes
            .iter()
            .scan(0u64, |next, index| {
                let offset = *next;
                *next += index.paragraphs.len() as u64;
                Some(offset)
            })
            .collect();
        let mut shared: FxHashMap<u64, u32> = FxHashMap::default();
        for anchor in anchors {
            let postings: usize = indexes.iter().map(|i| i.posting(anchor).len()).sum();
            if postings > MAX_POSTINGS {
                continue;
            }
            for (index, offset) in indexes.iter().zip(&offsets) {
                for number in index.posting(anchor) {
                    *shared.entry(offset + u64::from(*number)).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(u64, u32)> = shared.into_iter().collect();
        // Most shared anchors first; among equals the earlier paragraph,
        // so results do not depend on hash-map order.
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .filter_map(|(number, shared)| {
                let position = offsets.partition_point(|offset| *offset <= number);
                let index = indexes.get(position.checked_sub(1)?)?;
                let number = usize::try_from(number - offsets[position - 1]).ok()?;
                Some(Proposal {
                    fingerprint: *index.paragraphs.get(number)?,
                    shared_anchors: shared,
                    anchors: u32::from(*index.anchor_counts.get(number)?),
                })
            })
            .collect()
    }

    /// Paragraphs indexed.
    pub fn len(&self) -> usize {
        self.paragraphs.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(byte: u8) -> Fingerprint {
        Fingerprint([byte; 32])
    }

    fn proposal(byte: u8, shared_anchors: u32, anchors: u32) -> Proposal {
        Proposal {
            fingerprint: fp(byte),
            shared_anchors,
            anchors,
        }
    }

    #[test]
    fn ranks_by_shared_anchors() {
        let mut index = AnchorIndex::new();
        index.insert(fp(1), &[10, 20]);
        index.insert(fp(2), &[10, 20, 30]);
        index.insert(fp(3), &[40]);
        assert_eq!(
            index.candidates(&[10, 20, 30], 8),
            vec![proposal(2, 3, 3), proposal(1, 2, 2)]
        );
        assert_eq!(index.candidates(&[10, 20, 30], 1), vec![proposal(2, 3, 3)]);
        assert!(index.candidates(&[99], 8).is_empty());
    }

    #[test]
    fn anchors_of_one_paragraph_stay_in_place_and_shared_ones_list() {
        let mut index = AnchorIndex::new();
        index.insert(fp(1), &[1, 2, 3]);
        assert!(index.shared.is_empty(), "single postings need no list");
        index.insert(fp(2), &[3, 4]);
        index.insert(fp(3), &[3]);
        assert_eq!(index.shared.len(), 1);
        assert_eq!(index.posting(&3), &[0, 1, 2]);
        assert_eq!(index.posting(&4), &[1]);
        assert!(index.posting(&9).is_empty());
    }

    #[test]
    fn a_newer_index_answers_as_if_merged() {
        let (mut merged, mut older, mut newer) =
            (AnchorIndex::new(), AnchorIndex::new(), AnchorIndex::new());
        for byte in 0..=u8::try_from(MAX_POSTINGS).unwrap_or(u8::MAX) {
            let anchors = [7, u64::from(byte % 3)];
            merged.insert(fp(byte), &anchors);
            if byte < 40 {
                older.insert(fp(byte), &anchors);
            } else {
                newer.insert(fp(byte), &anchors);
            }
        }
        // Anchor 7 is common only in the two together.
        assert_eq!(
            AnchorIndex::candidates_across(&[&older, &newer], &[7, 1], 5),
            merged.candidates(&[7, 1], 5)
        );
        assert_eq!(
            AnchorIndex::candidates_across(&[&older, &newer], &[2], 30),
            merged.candidates(&[2], 30)
        );
    }

    #[test]
    fn common_anchors_are_ignored() {
        let mut index = AnchorIndex::new();
        for byte in 0..=u8::try_from(MAX_POSTINGS).unwrap_or(u8::MAX) {
            index.insert(fp(byte), &[7]);
        }
        index.insert(fp(200), &[7, 8]);
        assert_eq!(index.candidates(&[7, 8], 8), vec![proposal(200, 1, 2)]);
    }
}
