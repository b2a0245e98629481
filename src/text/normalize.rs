//! Folds paragraph text into the canonical form that is fingerprinted.
//!
//! Copies of a wire story differ in ways a reader does not notice: curly
//! or straight quotes, en or em dashes, `&amp;` left in by a scraper,
//! zero-width joiners, non-breaking spaces, letter case. The canonical form
//! erases those differences so that such copies hash the same, while the
//! original text is kept untouched for storage.
//!
//! The form is: HTML entities decoded, NFKC, Unicode case folding, NFKC, quotes
//! and dashes unified, format characters removed, `&` spelled `and`,
//! whitespace collapsed to single spaces and trimmed. It is idempotent.

use std::borrow::Cow;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Returns the canonical form of `text`.
///
/// ```
/// use wirecopy::text::normalize::normalize;
///
/// let restyled = normalize("\u{201C}Progress\u{201D} \u{2014} LAVROV\u{2019}s  view &amp; more");
/// assert_eq!(restyled, "\"progress\" - lavrov's view and more");
/// assert_eq!(normalize(&restyled), restyled);
/// ```
pub fn normalize(text: &str) -> String {
    let mut current = normalize_once(text);
    // Case folding can produce text that NFKC recomposes differently (and
    // vice versa) for a handful of characters, so non-ASCII text is folded
    // to a fixed point. Two extra rounds cover every case Unicode has.
    if !current.is_ascii() {
        for _ in 0..2 {
            let again = normalize_once(&current);
            if again == current {
                break;
            }
            current = again;
        }
    }
    current
}

fn normalize_once(text: &str) -> String {
    let decoded: Cow<str> = html_escape::decode_html_entities(text);
    // NFKC before folding too: compatibility forms such as "№" only become
    // letters ("No") that have a case under NFKC.
    let folded: Cow<str> = if decoded.is_ascii() {
        // ASCII is its own NFKC form and folds to lower case: the common
        // case, and several times faster than the general path.
        Cow::Owned(decoded.to_ascii_lowercase())
    } else {
        Cow::Owned(fold_case(&compose(&decoded)))
    };
    let composed = compose(&folded);
    let mut out = String::with_capacity(composed.len());
    let mut pending_space = false;
    for c in composed.chars() {
        let mapped = match canonical_char(c) {
            Canonical::Drop => continue,
            Canonical::Space => {
                pending_space = !out.is_empty();
                continue;
            }
            Canonical::And => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str("and");
                pending_space = true;
                continue;
            }
            Canonical::Char(mapped) => mapped,
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(mapped);
    }
    out
}

/// Unicode default case folding. News text is mostly ASCII with a few
/// curly quotes or currency signs, so ASCII characters take the direct
/// path and only the others go through the full folding tables.
fn fold_case(text: &str) -> String {
    use caseless::Caseless;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(std::iter::once(c).default_case_fold());
        }
    }
    out
}

/// NFKC, skipped when a quick check proves the text is already in it.
fn compose(text: &str) -> Cow<'_, str> {
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfkc().collect())
    }
}

enum Canonical {
    Drop,
    Space,
    And,
    Char(char),
}

fn canonical_char(c: char) -> Canonical {
    match c {
        // Zero-width and other invisible format characters, soft hyphen.
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => Canonical::Drop,
        // Spelling `&` out means a decoded `&amp;amp;` cannot decode again
        // on a second pass, which keeps the form idempotent; it also
        // unifies "Procter & Gamble" with "Procter and Gamble".
        '&' => Canonical::And,
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}' | '`'
        | '\u{00B4}' | '\u{2039}' | '\u{203A}' => Canonical::Char('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
        | '\u{00AB}' | '\u{00BB}' => Canonical::Char('"'),
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2043}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}' => Canonical::Char('-'),
        c if c.is_whitespace() || c.is_control() => Canonical::Space,
        c => Canonical::Char(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_dashes_case_and_spaces_are_unified() {
        assert_eq!(
            normalize("  \u{201C}We are\u{00A0}satisfied\u{201D} \u{2014} LAVROV\u{2019}s  view "),
            "\"we are satisfied\" - lavrov's view"
        );
    }

    #[test]
    fn entities_zero_width_and_ampersands_are_unified() {
        assert_eq!(
            normalize("Procter &amp; Gam\u{200B}ble"),
            "procter and gamble"
        );
        assert_eq!(normalize("Procter & Gamble"), "procter and gamble");
        assert_eq!(normalize("a&amp;amp;b"), "a and amp;b");
    }

    #[test]
    fn nfkc_folds_compatibility_forms() {
        assert_eq!(normalize("ﬁnance №１"), "finance no1");
        assert_eq!(normalize("Straße"), "strasse");
    }

    #[test]
    fn is_idempotent_on_tricky_input() {
        for text in [
            "a&amp;amp;b",
            "\u{0345}\u{0399}",
            "ΐ ẞ ǅ",
            "x\u{0000}y\u{202E}z",
            "&lt;b&gt; &#38;amp;",
        ] {
            let once = normalize(text);
            assert_eq!(normalize(&once), once, "input {text:?}");
        }
    }
}
