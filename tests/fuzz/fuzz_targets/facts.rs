//! Fact extraction on any UTF-8 text: no panic, and every fact points at a
//! valid code-point span of the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirecopy::{
    facts::extract_facts,
    text::{prepare_body, TextConfig},
};

fuzz_target!(|text: &str| {
    let prepared = prepare_body(text, &TextConfig::default());
    let length = text.chars().count() as u32;
    let published = chrono::NaiveDate::from_ymd_opt(2020, 12, 1);
    for fact in extract_facts(text, &prepared, published) {
        let span = fact.provenance;
        assert!(span.start < span.end && span.end <= length, "{span:?}");
    }
});
