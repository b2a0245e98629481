//! Turns a prepared body and its matches into what is stored (the
//! analysis record and the body as segments), and stored segments back
//! into the body.

use crate::{
    matching::ArticleMatch,
    store::{
        AnalysisRecord, ArticleRecord, BodySegment, CreditEntry, ParagraphEntry, Store, StoreError,
    },
    text::PreparedBody,
};

/// The analysis record of a matched article.
pub(crate) fn analysis_record(
    body: &str,
    prepared: &PreparedBody,
    matched: &ArticleMatch,
) -> AnalysisRecord {
    AnalysisRecord {
        verdict: matched.verdict,
        copy_ratio: matched.copy_ratio,
        canonical: matched.canonical,
        paragraphs: matched
            .paragraphs
            .iter()
            .map(|paragraph| ParagraphEntry {
                fingerprint: paragraph.fingerprint,
                kind: paragraph.kind,
                skip_reason: paragraph.skip_reason,
                passages: paragraph.passages.clone(),
                similarity: paragraph.similarity as f32,
                word_count: paragraph.word_count,
                copied_words: paragraph.copied_words,
            })
            .collect(),
        credits: prepared
            .credits
            .iter()
            .map(|credit| CreditEntry {
                kind: credit.kind,
                paragraph_index: credit.paragraph_index,
                text: body[credit.span.clone()].to_owned(),
                agencies: credit.agencies.clone(),
            })
            .collect(),
    }
}

/// Splits `body` into segments: each paragraph's content becomes a
/// reference when `stored_text(i)` (the stored text for paragraph `i`'s
/// fingerprint) is byte-identical to it, and literal text otherwise;
/// everything between contents (line breaks, credits) is literal.
pub(crate) fn body_segments<'a>(
    body: &str,
    prepared: &PreparedBody,
    mut stored_text: impl FnMut(usize) -> Option<&'a str>,
) -> Vec<BodySegment> {
    let mut segments = Vec::new();
    let mut cursor = 0;
    for (position, paragraph) in prepared.paragraphs.iter().enumerate() {
        if paragraph.content.is_empty() {
            continue;
        }
        push_text(&mut segments, &body[cursor..paragraph.content.start]);
        let content = &body[paragraph.content.clone()];
        match u32::try_from(position) {
            Ok(reference) if stored_text(position) == Some(content) => {
                segments.push(BodySegment::Paragraph(reference));
            }
            _ => push_text(&mut segments, content),
        }
        cursor = paragraph.content.end;
    }
    push_text(&mut segments, &body[cursor..]);
    segments
}

/// Puts a stored body back together, byte for byte.
pub(crate) fn reassemble_body(
    store: &dyn Store,
    record: &ArticleRecord,
) -> Result<String, StoreError> {
    let mut body = String::new();
    for segment in &record.body {
        match segment {
            BodySegment::Text(text) => body.push_str(text),
            BodySegment::Paragraph(position) => {
                let missing = |reason: &str| StoreError::Corrupt {
                    key: format!("article {:?} paragraph {position}", record.id),
                    reason: reason.into(),
                };
                let entry = record
                    .analysis
                    .paragraphs
                    .get(*position as usize)
                    .ok_or_else(|| missing("no such paragraph"))?;
                let paragraph = store
                    .paragraph(&entry.fingerprint)?
                    .ok_or_else(|| missing("paragraph text not stored"))?;
                body.push_str(&paragraph.text);
            }
        }
    }
    Ok(body)
}

fn push_text(segments: &mut Vec<BodySegment>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(BodySegment::Text(last)) = segments.last_mut() {
        last.push_str(text);
    } else {
        segments.push(BodySegment::Text(text.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{prepare_body, TextConfig};

    #[test]
    fn references_only_identical_text_and_keeps_the_rest_literal() {
        let body = "LONDON (Reuters) - First paragraph here.\n\n  Second one.\r\n";
        let prepared = prepare_body(body, &TextConfig::default());
        let segments = body_segments(body, &prepared, |i| match i {
            0 => Some("First paragraph here."),
            _ => Some("second one."),
        });
        assert_eq!(
            segments,
            vec![
                BodySegment::Text("LONDON (Reuters) - ".into()),
                BodySegment::Paragraph(0),
                BodySegment::Text("\n\n  Second one.\r\n".into()),
            ]
        );
    }
}
