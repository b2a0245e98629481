//! Every fact the archive holds, in 16 bytes each: whether a fact is
//! known (a corroboration, not news), how many stored articles carry it
//! (a deletion retracts it when the last one goes), and which event
//! created it (a corroboration is stored as that number, 4 or 5 bytes,
//! instead of the fact's 32-byte id).
//!
//! A fact is keyed by the first 8 bytes of its id ([`fact_key`]), and its
//! carriers and creation share one `u64`, so an entry costs what the
//! carriers alone cost before: a million-article archive knows some five
//! million facts.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    fact_key,
    packed::{self, Packed},
};
use crate::facts::FactId;

/// Low bits of an entry: how many stored articles carry the fact.
const CARRIER_BITS: u32 = 20;
/// The most carriers counted. A fact reprinted by more articles than this
/// stays at it for good: deleting articles never retracts it, which is
/// the safe side (a fact is never retracted while carried).
const MOST_CARRIERS: u64 = (1 << CARRIER_BITS) - 1;
/// The highest creation event an entry holds (some 17 trillion); a fact
/// created after it is known without its creation, and its
/// corroborations are stored by id.
const LAST_CREATION: u64 = (1 << (64 - CARRIER_BITS)) - 1;

/// The creation event (high bits, 0 when not known: event sequences start
/// at 1) and carriers (low bits) of one fact.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Entry(u64);

impl Packed for Entry {
    const WIDTH: usize = 8;
    fn pack(&self) -> impl Iterator<Item = u8> {
        self.0.pack()
    }
    fn unpack(bytes: &[u8]) -> Self {
        Entry(u64::unpack(bytes))
    }
}

impl Entry {
    fn carriers(self) -> u32 {
        // At most MOST_CARRIERS, which fits.
        (self.0 & MOST_CARRIERS) as u32
    }

    fn creation(self) -> Option<u64> {
        Some(self.0 >> CARRIER_BITS).filter(|creation| *creation != 0)
    }

    fn with_carriers(self, carriers: u64) -> Entry {
        Entry((self.0 & !MOST_CARRIERS) | carriers.min(MOST_CARRIERS))
    }

    fn with_creation(self, creation: u64) -> Entry {
        let creation = if creation <= LAST_CREATION {
            creation
        } else {
            0
        };
        Entry((creation << CARRIER_BITS) | (self.0 & MOST_CARRIERS))
    }
}

/// The archive's facts (see the module documentation).
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct KnownFacts {
    entries: FxHashMap<u64, Entry>,
}

/// Saved packed: five million entries decode in a fraction of the time
/// serde's map takes (see [`packed`]).
impl Serialize for KnownFacts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries.iter().map(|(key, entry)| (*key, *entry));
        packed::serialize(self.entries.len(), entries, serializer)
    }
}

impl<'de> Deserialize<'de> for KnownFacts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(KnownFacts {
            entries: packed::deserialize::<(u64, Entry), _, _>(deserializer)?,
        })
    }
}

impl KnownFacts {
    /// True when the fact is known.
    pub fn contains(&self, id: &FactId) -> bool {
        self.entries.contains_key(&fact_key(id))
    }

    /// How many stored articles carry the fact (0 when it is unknown).
    pub fn carriers(&self, id: &FactId) -> u32 {
        self.entries
            .get(&fact_key(id))
            .map_or(0, |entry| entry.carriers())
    }

    /// The event that created the fact, when known.
    pub fn creation(&self, id: &FactId) -> Option<u64> {
        self.entries.get(&fact_key(id))?.creation()
    }

    /// Counts one carrier more for the fact with `key`.
    pub fn add_carrier(&mut self, key: u64) {
        let entry = self.entries.entry(key).or_default();
        let carriers = u64::from(entry.carriers());
        if carriers < MOST_CARRIERS {
            *entry = entry.with_carriers(carriers + 1);
        }
    }

    /// Records the event that created the fact with `key`.
    pub fn set_creation(&mut self, key: u64, creation: u64) {
        let entry = self.entries.entry(key).or_default();
        *entry = entry.with_creation(creation);
    }

    /// Counts one carrier less for a fact others still carry (never below
    /// zero, and not at all once the count reached its ceiling).
    pub fn withdraw_carrier(&mut self, id: &FactId) {
        if let Some(entry) = self.entries.get_mut(&fact_key(id)) {
            let carriers = u64::from(entry.carriers());
            if carriers < MOST_CARRIERS {
                *entry = entry.with_carriers(carriers.saturating_sub(1));
            }
        }
    }

    /// Forgets a fact no stored article carries any more.
    pub fn forget(&mut self, id: &FactId) {
        self.entries.remove(&fact_key(id));
    }

    /// How many facts are known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> FactId {
        FactId([byte; 32])
    }

    #[test]
    fn carriers_and_creation_share_an_entry_without_disturbing_each_other() {
        let mut known = KnownFacts::default();
        let fact = id(1);
        assert!(!known.contains(&fact));
        known.set_creation(fact_key(&fact), 123_456_789_012);
        known.add_carrier(fact_key(&fact));
        known.add_carrier(fact_key(&fact));
        assert_eq!(known.carriers(&fact), 2);
        assert_eq!(known.creation(&fact), Some(123_456_789_012));
        known.withdraw_carrier(&fact);
        assert_eq!(known.carriers(&fact), 1);
        assert_eq!(known.creation(&fact), Some(123_456_789_012));
        known.forget(&fact);
        assert!(!known.contains(&fact));
        assert_eq!(known.creation(&fact), None);
    }

    #[test]
    fn a_fact_counted_without_its_creation_has_none_and_one_past_the_range_is_not_kept() {
        let mut known = KnownFacts::default();
        known.add_carrier(fact_key(&id(2)));
        assert_eq!(known.creation(&id(2)), None);
        known.set_creation(fact_key(&id(3)), LAST_CREATION + 1);
        assert_eq!(known.creation(&id(3)), None);
        known.set_creation(fact_key(&id(3)), LAST_CREATION);
        assert_eq!(known.creation(&id(3)), Some(LAST_CREATION));
    }

    #[test]
    fn carriers_stop_at_their_ceiling_and_stay_there() {
        let mut known = KnownFacts::default();
        let fact = id(4);
        known.set_creation(fact_key(&fact), 9);
        for _ in 0..MOST_CARRIERS + 5 {
            known.add_carrier(fact_key(&fact));
        }
        assert_eq!(u64::from(known.carriers(&fact)), MOST_CARRIERS);
        known.withdraw_carrier(&fact);
        assert_eq!(u64::from(known.carriers(&fact)), MOST_CARRIERS);
        assert_eq!(known.creation(&fact), Some(9));
    }
}
