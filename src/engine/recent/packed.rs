//! The saved window's two big tables, the known articles and the known
//! facts, written as packed little-endian words rather than as serde's
//! map of varints.
//!
//! Decoding serde's map reads one varint pair and makes one insert at a
//! time into a table serde pre-sizes to at most 1 MiB, so a table of five
//! million facts was rehashed over and over: loading the million-article
//! window took 3.4 s, most of a restart. Packed, the table is sized once
//! from the byte count and filled from fixed-width words.
//!
//! The words are written as a sequence of bytes, which postcard encodes
//! exactly as a byte string (its length, then the bytes), so the table is
//! streamed to the file without first being copied into a buffer, and is
//! read back as one borrowed byte string.

use std::{fmt, hash::Hash, marker::PhantomData};

use rustc_hash::FxBuildHasher;
use serde::{
    de::{self, Visitor},
    Deserializer, Serializer,
};

/// A value that packs into, and unpacks from, `WIDTH` bytes.
pub(super) trait Packed: Sized {
    const WIDTH: usize;
    fn pack(&self) -> impl Iterator<Item = u8>;
    fn unpack(bytes: &[u8]) -> Self;
}

impl Packed for u64 {
    const WIDTH: usize = 8;
    fn pack(&self) -> impl Iterator<Item = u8> {
        self.to_le_bytes().into_iter()
    }
    fn unpack(bytes: &[u8]) -> Self {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        u64::from_le_bytes(word)
    }
}

impl<A: Packed, B: Packed> Packed for (A, B) {
    const WIDTH: usize = A::WIDTH + B::WIDTH;
    fn pack(&self) -> impl Iterator<Item = u8> {
        self.0.pack().chain(self.1.pack())
    }
    fn unpack(bytes: &[u8]) -> Self {
        let (a, b) = bytes.split_at(A::WIDTH);
        (A::unpack(a), B::unpack(b))
    }
}

/// Writes `items`, `count` of them, packed.
pub(super) fn serialize<T: Packed, S: Serializer>(
    count: usize,
    items: impl Iterator<Item = T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(count * T::WIDTH))?;
    for item in items {
        for byte in item.pack() {
            seq.serialize_element(&byte)?;
        }
    }
    seq.end()
}

/// Reads what [`serialize`] wrote into a collection sized for it.
pub(super) fn deserialize<'de, T, C, D>(deserializer: D) -> Result<C, D::Error>
where
    T: Packed,
    C: FromPacked<T>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_bytes(PackedVisitor(PhantomData))
}

/// A collection that can be built from packed items.
pub(super) trait FromPacked<T> {
    fn with_capacity(count: usize) -> Self;
    fn add(&mut self, item: T);
}

impl<K: Eq + Hash, V> FromPacked<(K, V)> for std::collections::HashMap<K, V, FxBuildHasher> {
    fn with_capacity(count: usize) -> Self {
        Self::with_capacity_and_hasher(count, FxBuildHasher)
    }
    fn add(&mut self, (key, value): (K, V)) {
        self.insert(key, value);
    }
}

impl<K: Eq + Hash> FromPacked<K> for std::collections::HashSet<K, FxBuildHasher> {
    fn with_capacity(count: usize) -> Self {
        Self::with_capacity_and_hasher(count, FxBuildHasher)
    }
    fn add(&mut self, key: K) {
        self.insert(key);
    }
}

struct PackedVisitor<T, C>(PhantomData<(T, C)>);

impl<T: Packed, C: FromPacked<T>> Visitor<'_> for PackedVisitor<T, C> {
    type Value = C;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "packed words of {} bytes", T::WIDTH)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<C, E> {
        if bytes.len() % T::WIDTH != 0 {
            return Err(E::invalid_length(bytes.len(), &self));
        }
        let mut collection = C::with_capacity(bytes.len() / T::WIDTH);
        for word in bytes.chunks_exact(T::WIDTH) {
            collection.add(T::unpack(word));
        }
        Ok(collection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::{FxHashMap, FxHashSet};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Tables {
        before: u32,
        #[serde(
            serialize_with = "write_set",
            deserialize_with = "deserialize::<u64, _, _>"
        )]
        set: FxHashSet<u64>,
        #[serde(
            serialize_with = "write_map",
            deserialize_with = "deserialize::<(u64, u64), _, _>"
        )]
        map: FxHashMap<u64, u64>,
        after: String,
    }

    fn write_set<S: Serializer>(set: &FxHashSet<u64>, s: S) -> Result<S::Ok, S::Error> {
        serialize(set.len(), set.iter().copied(), s)
    }

    fn write_map<S: Serializer>(map: &FxHashMap<u64, u64>, s: S) -> Result<S::Ok, S::Error> {
        serialize(map.len(), map.iter().map(|(k, v)| (*k, *v)), s)
    }

    #[test]
    fn packed_tables_read_back_between_other_fields_and_cost_their_words(
    ) -> Result<(), postcard::Error> {
        let tables = Tables {
            before: 7,
            set: [0, 1, u64::MAX, 1 << 40].into_iter().collect(),
            map: [(3, u64::MAX), (u64::MAX, 0)].into_iter().collect(),
            after: "end".into(),
        };
        let bytes = postcard::to_allocvec(&tables)?;
        // 1 + (1 + 32) + (1 + 32) + (1 + 3): each table its words and a
        // one-byte length.
        assert_eq!(bytes.len(), 71);
        assert_eq!(postcard::from_bytes::<Tables>(&bytes)?, tables);
        Ok(())
    }

    #[test]
    fn a_table_cut_mid_word_is_refused() -> Result<(), postcard::Error> {
        let mut bytes = vec![7u8];
        bytes.push(9); // nine bytes: one word and a stray byte
        bytes.extend([1u8; 9]);
        bytes.push(0); // an empty map
        bytes.extend([3, b'e', b'n', b'd']);
        assert!(postcard::from_bytes::<Tables>(&bytes).is_err());
        Ok(())
    }
}
