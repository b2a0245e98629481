//! Pure text processing: everything wirecopy does to a body before it
//! looks anything up.
//!
//! An article body goes through four steps, one module each:
//! [`paragraphs`] splits it into paragraphs at line breaks, [`credits`]
//! peels off datelines, bylines and agency credits (they differ between
//! copies of the same wire story, so they must not reach the fingerprint),
//! [`normalize`] folds the remaining text into a canonical form, and
//! [`shingles`] turns that form into the hashes the matcher compares. The
//! [`prepare`] module runs all four and is what the rest of the crate calls.
//!
//! Nothing here touches storage or the network, so it can be tested and
//! benchmarked on its own.

pub mod credits;
pub mod html;
pub mod layout;
pub mod normalize;
pub mod paragraphs;
pub(crate) mod pattern;
pub mod prepare;
pub mod shingles;
pub mod template;

pub use prepare::{paragraph_anchors, prepare_body, PreparedBody, PreparedParagraph, TextConfig};

/// A 32-byte blake3 hash of a normalised paragraph: equal fingerprints mean
/// the same text after normalisation.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Fingerprints already-normalised text.
    pub fn of_normalized(normalized: &str) -> Self {
        Fingerprint(*blake3::hash(normalized.as_bytes()).as_bytes())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in &self.0[..8] {
            write!(f, "{byte:02x}")?;
        }
        f.write_str("…")
    }
}
