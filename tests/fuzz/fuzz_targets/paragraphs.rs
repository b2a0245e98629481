//! Paragraph splitting and credit lines on any UTF-8 text: spans are in
//! order, on character boundaries, and never blank.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirecopy::text::{credits::split_credits, paragraphs::split_paragraphs};

fuzz_target!(|text: &str| {
    let mut previous_end = 0;
    for span in split_paragraphs(text) {
        assert!(span.start >= previous_end && span.start < span.end);
        let paragraph = text.get(span.clone()).expect("span on char boundaries");
        assert!(!paragraph.trim().is_empty());
        let _ = split_credits(paragraph, span.start == 0, span.end == text.len());
        previous_end = span.end;
    }
});
