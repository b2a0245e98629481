//! Properties of the pure core on generated text (proptest): nothing
//! panics on any string, normalisation is idempotent, paragraphs are valid
//! spans in order, and every extracted fact points at a valid code-point
//! span of the body.

use chrono::NaiveDate;
use proptest::prelude::*;
use wirecopy::{
    facts::extract_facts,
    text::{normalize::normalize, paragraphs::split_paragraphs, prepare_body, TextConfig},
};

/// Text that looks enough like news to reach every extractor: names,
/// titles, quotation marks of every kind, cue words, numbers, dates,
/// datelines, line breaks, plus arbitrary characters.
fn newsy_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("Sergey Lavrov".to_owned()),
        Just("Foreign Minister".to_owned()),
        Just("said".to_owned()),
        Just("told reporters".to_owned()),
        Just("According to".to_owned()),
        Just("\"".to_owned()),
        Just("\u{201c}".to_owned()),
        Just("\u{201d}".to_owned()),
        Just("'".to_owned()),
        Just("\u{2019}".to_owned()),
        Just("on Tuesday".to_owned()),
        Just("3 March 2020".to_owned()),
        Just("next year".to_owned()),
        Just("$5.2 million".to_owned()),
        Just("40%".to_owned()),
        Just("MOSCOW (Reuters) -".to_owned()),
        Just(", ".to_owned()),
        Just(". ".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("U.S.".to_owned()),
        "[A-Z][a-z]{1,8}",
        "[a-z]{1,8}",
        "[0-9]{1,5}",
        any::<String>(),
    ];
    prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.join(" "))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![newsy_text(), any::<String>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn normalisation_is_idempotent(text in any_text()) {
        let once = normalize(&text);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn paragraphs_are_ordered_valid_spans(text in any_text()) {
        let mut previous_end = 0;
        for span in split_paragraphs(&text) {
            prop_assert!(span.start >= previous_end && span.start < span.end);
            prop_assert!(text.get(span.clone()).is_some(), "not on char boundaries: {span:?}");
            prop_assert!(!text[span.clone()].trim().is_empty());
            previous_end = span.end;
        }
    }

    #[test]
    fn facts_point_at_valid_code_point_spans(text in any_text(), year in 1i32..=9999) {
        let prepared = prepare_body(&text, &TextConfig::default());
        let published = NaiveDate::from_ymd_opt(year, 12, 31);
        let length = text.chars().count() as u32;
        for fact in extract_facts(&text, &prepared, published) {
            let span = &fact.provenance;
            prop_assert!(
                span.start < span.end && span.end <= length,
                "{:?} outside {} code points", span, length
            );
            prop_assert!((span.paragraph_index as usize) < prepared.paragraphs.len());
            prop_assert!((0.0..=1.0).contains(&fact.confidence));
        }
    }
}
