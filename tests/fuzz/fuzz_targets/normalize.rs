//! Normalisation on any UTF-8 text: no panic, and idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirecopy::text::normalize::normalize;

fuzz_target!(|text: &str| {
    let once = normalize(text);
    assert_eq!(normalize(&once), once);
});
