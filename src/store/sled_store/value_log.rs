//! The value log: an append-only file beside sled for the store's bulk,
//! the texts, the facts and the records of each article.
//!
//! sled rewrites a leaf page whole from time to time, with every value in
//! it, and reclaims a log segment only once half of it is dead, so bulky
//! values cost it several times their size on disk and at every open
//! (which replays sled's log). Here they are written once, at the end of
//! the file, and sled holds a 13-byte pointer in their place: measured on
//! the load generator's scale run (50,000 articles, 2-vCPU VM), sled's part
//! fell from 16.3 KB to 4.7 KB per article.
//!
//! A value of [`COMPRESS_FROM`] bytes or more is written compressed with
//! zstd when that saves at least an eighth of it: texts are most of what
//! an article costs on disk, and zstd halves them for a few microseconds
//! of the writer's time (the pointer says which form the bytes are in).
//!
//! A commit writes its values at the log's end before it applies its sled
//! batch, and the batch records the log's new end, so a pointer sled has
//! kept always names bytes that were written first; at open the log is cut
//! back to the recorded end, dropping what a crash left after it. A value
//! a commit stops using (a deleted article's texts and facts, texts that
//! moved) is punched out of the file once the commit is durable, so its
//! words are gone from the disk and its space is returned; the batch lists
//! those ranges, and an open finishes any punching a crash interrupted.

use std::{
    fs::{File, OpenOptions},
    os::unix::fs::FileExt,
    path::Path,
};

use rustix::fs::FallocateFlags;

use crate::store::StoreError;

/// The log's file name in the data directory.
const FILE_NAME: &str = "values.log";

/// The first byte of a sled value that points to bytes stored as they
/// are. Record values start with their value version (1 to 3 so far), so
/// the two never meet.
const POINTER_MARK: u8 = 0xFF;
/// The first byte of a sled value that points to a zstd frame.
const COMPRESSED_POINTER_MARK: u8 = 0xFE;

/// Values shorter than this are stored as they are: zstd's frame header
/// and a cold start leave too little to gain on them.
const COMPRESS_FROM: usize = 128;
/// zstd's level: its fastest regular level, chosen because the writer
/// thread compresses inside the commit (measured in README's Storage
/// section against level 3).
const COMPRESSION_LEVEL: i32 = 1;
/// The most a stored value may decompress to; anything larger is a
/// damaged frame, not a value this store wrote (a commit is at most a
/// few MB).
const LARGEST_VALUE: usize = 1 << 30;

/// Where a value lies in the log, and in which form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Extent {
    offset: u64,
    len: u32,
    compressed: bool,
}

impl Extent {
    /// The sled value that stands for this extent.
    pub(super) fn pointer(self) -> [u8; 13] {
        let mut value = [0u8; 13];
        value[0] = if self.compressed {
            COMPRESSED_POINTER_MARK
        } else {
            POINTER_MARK
        };
        value[1..9].copy_from_slice(&self.offset.to_be_bytes());
        value[9..].copy_from_slice(&self.len.to_be_bytes());
        value
    }

    /// The extent a sled value points to; none for a value held inline
    /// (written before the log, or never moved to it).
    pub(super) fn of(value: &[u8]) -> Option<Extent> {
        let (compressed, rest) = match value {
            [POINTER_MARK, rest @ ..] => (false, rest),
            [COMPRESSED_POINTER_MARK, rest @ ..] => (true, rest),
            _ => return None,
        };
        if rest.len() != 12 {
            return None;
        }
        Some(Extent {
            offset: u64::from_be_bytes(rest[..8].try_into().ok()?),
            len: u32::from_be_bytes(rest[8..].try_into().ok()?),
            compressed,
        })
    }
}

/// A value read through sled: held inline, or read from the log.
pub(super) enum Resolved {
    Inline(sled::IVec),
    Logged(Vec<u8>),
}

impl std::ops::Deref for Resolved {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Resolved::Inline(value) => value,
            Resolved::Logged(value) => value,
        }
    }
}

/// The open log.
pub(super) struct ValueLog {
    file: File,
}

thread_local! {
    /// Each reading thread's zstd context, made on its first compressed
    /// read: making one for every read cost the server 0.9% of its CPU at
    /// 800,000 articles (perf), three times the decompression itself.
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

impl ValueLog {
    /// Opens (or creates) the log in `dir`, cut back to `end`, the end the
    /// last durable commit recorded.
    pub(super) fn open(dir: &Path, end: u64) -> Result<ValueLog, StoreError> {
        let path = dir.join(FILE_NAME);
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        if length < end {
            return Err(StoreError::Corrupt {
                key: FILE_NAME.into(),
                reason: format!("{length} bytes, but the store's values run to {end}"),
            });
        }
        if length > end {
            // Written by a commit that never reached sled.
            file.set_len(end).map_err(io)?;
        }
        Ok(ValueLog { file })
    }

    /// The value at `extent`, decompressed.
    pub(super) fn read(&self, extent: Extent) -> Result<Vec<u8>, StoreError> {
        let mut stored = vec![0u8; extent.len as usize];
        self.file
            .read_exact_at(&mut stored, extent.offset)
            .map_err(|e| StoreError::Io(format!("reading {FILE_NAME} at {extent:?}: {e}")))?;
        if !extent.compressed {
            return Ok(stored);
        }
        let damaged = |reason: String| StoreError::Corrupt {
            key: format!("{FILE_NAME} at {extent:?}"),
            reason,
        };
        // The frame records its size: the commit compressed it in one go.
        let size = match zstd::zstd_safe::get_frame_content_size(&stored) {
            Ok(Some(size)) if size <= LARGEST_VALUE as u64 => size as usize,
            Ok(Some(size)) => return Err(damaged(format!("a zstd frame of {size} bytes"))),
            _ => return Err(damaged("not a zstd frame with its size".into())),
        };
        DECOMPRESSOR.with_borrow_mut(|decompressor| {
            let decompressor = match decompressor {
                Some(decompressor) => decompressor,
                empty => empty
                    .insert(zstd::bulk::Decompressor::new().map_err(|e| damaged(e.to_string()))?),
            };
            decompressor
                .decompress(&stored, size)
                .map_err(|e| damaged(e.to_string()))
        })
    }

    /// The value sled holds as `raw`: itself, or what it points to.
    pub(super) fn resolve(&self, raw: sled::IVec) -> Result<Resolved, StoreError> {
        match Extent::of(&raw) {
            Some(extent) => self.read(extent).map(Resolved::Logged),
            None => Ok(Resolved::Inline(raw)),
        }
    }

    /// The value under `key`, wherever it lies.
    pub(super) fn get(&self, db: &sled::Db, key: &[u8]) -> Result<Option<Resolved>, StoreError> {
        db.get(key)?.map(|raw| self.resolve(raw)).transpose()
    }

    /// Writes a commit's values (see [`LogWrites`]).
    pub(super) fn write(&self, appended: &LogWrites) -> Result<(), StoreError> {
        self.file
            .write_all_at(&appended.buffer, appended.base)
            .map_err(|e| StoreError::Io(format!("writing {FILE_NAME}: {e}")))
    }

    /// Makes what was written survive power loss.
    pub(super) fn sync(&self) -> Result<(), StoreError> {
        self.file
            .sync_data()
            .map_err(|e| StoreError::Io(format!("syncing {FILE_NAME}: {e}")))
    }

    /// Takes `extents` out of the file: their bytes read as zeros from now
    /// on and their blocks are freed.
    pub(super) fn release(&self, extents: &[Extent]) -> Result<(), StoreError> {
        for extent in extents {
            let punched = rustix::fs::fallocate(
                &self.file,
                FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
                extent.offset,
                u64::from(extent.len),
            );
            if punched.is_err() {
                // A filesystem without holes: overwrite instead.
                self.file
                    .write_all_at(&vec![0u8; extent.len as usize], extent.offset)
                    .map_err(|e| StoreError::Io(format!("clearing {FILE_NAME}: {e}")))?;
            }
        }
        Ok(())
    }
}

/// What one commit adds to the log and what it stops using.
pub(super) struct LogWrites {
    base: u64,
    buffer: Vec<u8>,
    released: Vec<Extent>,
    /// One compression context for the commit's values.
    compressor: Option<zstd::bulk::Compressor<'static>>,
}

impl LogWrites {
    /// Nothing yet, for a log that ends at `end`.
    pub(super) fn new(end: u64) -> Self {
        LogWrites {
            base: end,
            buffer: Vec::new(),
            released: Vec::new(),
            compressor: None,
        }
    }

    /// `value` compressed, when that is worth it.
    fn compress(&mut self, value: &[u8]) -> Option<Vec<u8>> {
        if value.len() < COMPRESS_FROM {
            return None;
        }
        let compressor = match &mut self.compressor {
            Some(compressor) => compressor,
            empty => empty.insert(zstd::bulk::Compressor::new(COMPRESSION_LEVEL).ok()?),
        };
        // Without a checksum: sled's pointer already names the exact bytes,
        // and a damaged frame fails to decode anyway.
        let compressed = compressor.compress(value).ok()?;
        (compressed.len() <= value.len() - value.len() / 8).then_some(compressed)
    }

    /// Puts `value` under `key`: in the log, with its pointer in `writes`
    /// (in order with the batch's other operations on the key).
    pub(super) fn insert(
        &mut self,
        writes: &mut sled::Batch,
        key: &[u8],
        value: &[u8],
    ) -> Result<(), StoreError> {
        let compressed = self.compress(value);
        let stored = compressed.as_deref().unwrap_or(value);
        let len = u32::try_from(stored.len())
            .map_err(|_| StoreError::Io(format!("a value of {} bytes", value.len())))?;
        let extent = Extent {
            offset: self.end(),
            len,
            compressed: compressed.is_some(),
        };
        self.buffer.extend_from_slice(stored);
        writes.insert(key, &extent.pointer()[..]);
        Ok(())
    }

    /// Notes that the value `old` (as sled held it) is no longer used.
    pub(super) fn release(&mut self, old: &[u8]) {
        self.released.extend(Extent::of(old));
    }

    /// The log's end after this commit.
    pub(super) fn end(&self) -> u64 {
        self.base + self.buffer.len() as u64
    }

    /// True when the commit writes nothing to the log.
    pub(super) fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The extents the commit stops using.
    pub(super) fn released(&self) -> &[Extent] {
        &self.released
    }
}

/// The extents in a list recorded by a commit (see `encode_extents`).
pub(super) fn decode_extents(bytes: &[u8]) -> Vec<Extent> {
    bytes
        .chunks_exact(12)
        .filter_map(|chunk| {
            Some(Extent {
                offset: u64::from_be_bytes(chunk[..8].try_into().ok()?),
                len: u32::from_be_bytes(chunk[8..].try_into().ok()?),
                // Only to be punched out: the form does not matter.
                compressed: false,
            })
        })
        .collect()
}

/// A list of extents as a sled value: where they lie, not their form.
pub(super) fn encode_extents(extents: &[Extent]) -> Vec<u8> {
    extents
        .iter()
        .flat_map(|extent| extent.pointer()[1..].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip_and_records_are_not_pointers() {
        let extent = Extent {
            offset: 1 << 40,
            len: 77,
            compressed: false,
        };
        let compressed = Extent {
            compressed: true,
            ..extent
        };
        assert_eq!(Extent::of(&extent.pointer()), Some(extent));
        assert_eq!(Extent::of(&compressed.pointer()), Some(compressed));
        assert_eq!(Extent::of(&[3, 1, 2]), None);
        assert_eq!(
            decode_extents(&encode_extents(&[extent, compressed])),
            [extent, extent]
        );
    }

    #[test]
    fn writes_read_back_a_torn_tail_is_cut_and_released_bytes_are_gone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = ValueLog::open(dir.path(), 0).expect("opens");
        let mut writes = sled::Batch::default();
        let mut appended = LogWrites::new(0);
        appended
            .insert(&mut writes, b"a", b"first value")
            .expect("appends");
        let boundary = appended.end();
        appended
            .insert(&mut writes, b"b", b"second value")
            .expect("appends");
        log.write(&appended).expect("writes");
        let first = Extent {
            offset: 0,
            len: u32::try_from(boundary).expect("small"),
            compressed: false,
        };
        let second = Extent {
            offset: boundary,
            len: u32::try_from(appended.end() - boundary).expect("small"),
            compressed: false,
        };
        assert_eq!(log.read(second).expect("reads"), b"second value");
        assert_eq!(log.read(first).expect("reads"), b"first value");
        log.release(&[first]).expect("releases");
        let mut raw = vec![1u8; first.len as usize];
        log.file.read_exact_at(&mut raw, 0).expect("reads raw");
        assert!(raw.iter().all(|b| *b == 0), "released bytes are gone");
        drop(log);
        // The store recorded the first value's end: the second was never
        // used.
        let log = ValueLog::open(dir.path(), boundary).expect("reopens");
        assert!(log.read(second).is_err(), "cut back to the recorded end");
        drop(log);
        let status = ValueLog::open(dir.path(), 1000).err();
        assert!(
            matches!(status, Some(StoreError::Corrupt { .. })),
            "a log shorter than the store's values is corrupt"
        );
    }

    #[test]
    fn long_values_are_compressed_and_read_back_short_and_random_ones_are_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = ValueLog::open(dir.path(), 0).expect("opens");
        let mut writes = sled::Batch::default();
        let mut appended = LogWrites::new(0);
        let text = "The minister said talks would resume next week. ".repeat(40);
        // Like fingerprints and fact ids: hashes do not compress.
        let random: Vec<u8> = (0..600u32)
            .flat_map(|i| blake3::hash(&i.to_le_bytes()).as_bytes()[..1].to_vec())
            .collect();
        let values: [&[u8]; 3] = [text.as_bytes(), b"short", &random];
        let mut pointers = Vec::new();
        for value in values {
            let before = appended.end();
            appended.insert(&mut writes, b"k", value).expect("appends");
            let extent = Extent {
                offset: before,
                len: u32::try_from(appended.end() - before).expect("small"),
                compressed: false,
            };
            pointers.push(extent);
        }
        log.write(&appended).expect("writes");
        assert!(
            pointers[0].len < text.len() as u32 / 4,
            "repetitive text compresses"
        );
        assert_eq!(pointers[1].len, 5, "short values are stored as they are");
        assert_eq!(pointers[2].len, 600, "random bytes are stored as they are");
        let compressed = Extent {
            compressed: true,
            ..pointers[0]
        };
        assert_eq!(log.read(compressed).expect("reads"), text.as_bytes());
        assert_eq!(log.read(pointers[1]).expect("reads"), b"short");
        // The same bytes read as a frame they are not.
        let status = log.read(Extent {
            compressed: true,
            ..pointers[1]
        });
        assert!(matches!(status, Err(StoreError::Corrupt { .. })));
    }
}
