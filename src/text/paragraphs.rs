//! Splits a body into paragraphs.
//!
//! Scraped bodies separate paragraphs with blank lines or with single
//! newlines (both occur, sometimes in the same feed), so every non-blank
//! line is a paragraph. Spans are byte ranges into the original body so
//! that the exact bytes between paragraphs can be kept for storage.

use std::ops::Range;

/// True for the characters that end a line: LF, CR, NEL and the Unicode
/// line and paragraph separators.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Returns the byte span of every non-blank line, trimmed of surrounding
/// whitespace, in order.
pub fn split_paragraphs(body: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut line_start = 0;
    for (at, c) in body.char_indices() {
        if is_line_break(c) {
            push_trimmed(body, line_start..at, &mut spans);
            line_start = at + c.len_utf8();
        }
    }
    push_trimmed(body, line_start..body.len(), &mut spans);
    spans
}

fn push_trimmed(body: &str, line: Range<usize>, spans: &mut Vec<Range<usize>>) {
    let text = &body[line.clone()];
    let trimmed_start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    if !trimmed.is_empty() {
        let start = line.start + trimmed_start;
        spans.push(start..start + trimmed.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(body: &str) -> Vec<&str> {
        split_paragraphs(body)
            .into_iter()
            .map(|span| &body[span])
            .collect()
    }

    #[test]
    fn blank_lines_and_single_newlines_both_separate() {
        assert_eq!(texts("a b\n\nc d\ne f"), vec!["a b", "c d", "e f"]);
    }

    #[test]
    fn crlf_and_unicode_separators_split_and_whitespace_is_trimmed() {
        assert_eq!(
            texts("  one \r\n\r\n two\u{2029}three\r"),
            vec!["one", "two", "three"]
        );
    }

    #[test]
    fn whitespace_only_body_has_no_paragraphs() {
        assert!(split_paragraphs(" \n\t\n  ").is_empty());
        assert!(split_paragraphs("").is_empty());
    }
}
