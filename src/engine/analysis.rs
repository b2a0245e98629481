//! The read half of a submit: an article analysed against a read view
//! (matched, its facts classified, what its body stores decided), with
//! nothing written; and stored segments back into a body.
//!
//! Analysis runs twice over at most. First on the prepare threads, in
//! parallel, against the committed window alone ([`analyse_early`]), noting
//! what it reads; the writer keeps that analysis when nothing it read has
//! changed since (see [`super::read_set`]), and otherwise analyses the
//! article again against the window and the group ahead of it.

use std::{collections::HashSet, sync::Arc};

use rustc_hash::FxHashMap;

use super::{
    fact_events::classify_facts,
    read_set::{ReadSet, ViewPoint},
    report::{submission, Submission},
    view::{Pending, StoreView},
    Shared,
};
use crate::{
    article::Article,
    error::Error,
    facts::Fact,
    matching::{match_article, ArticleMatch, Origin},
    store::{
        AnalysisRecord, ArticleFact, ArticleRecord, BodySegment, CommitBatch, CreditEntry,
        FactEventKind, ParagraphEntry, ParagraphRecord, Store, StoreError,
    },
    text::{Fingerprint, PreparedBody},
};

/// An article validated and run through the text pipeline and the fact
/// extractor, ready for the writer.
pub(crate) struct PreparedArticle {
    pub article: Article,
    pub body: PreparedBody,
    pub facts: Vec<Fact>,
    pub digest: [u8; 32],
    pub received: crate::store::Instant,
}

/// What becomes of one paragraph position of an article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParagraphFate {
    /// Empty, or a text that appeared earlier in the same article.
    Repeat,
    /// A known text as stored, first at this place and in this many
    /// articles so far.
    Known(Origin, u64, Arc<str>),
    /// A text stored for the first time.
    New,
    /// A text the archive holds from before the window. It re-enters the
    /// window as a text of this article's (a copy of something older than
    /// the window is not detected, and starts a family of its own), but
    /// keeps the stored text byte for byte: older articles refer to it.
    Archived(Box<ParagraphRecord>),
}

/// An article analysed against a view, before it is admitted: everything
/// decided, nothing written.
pub(crate) struct Analysis {
    pub matched: ArticleMatch,
    pub facts: Vec<(Fact, FactEventKind)>,
    pub record: AnalysisRecord,
    pub segments: Vec<BodySegment>,
    pub fates: Vec<ParagraphFate>,
}

impl Analysis {
    /// The answer a submit with this analysis gets, stored at `sequence`.
    pub fn report(
        &self,
        id: &str,
        sequence: u64,
        view: &StoreView<'_>,
    ) -> Result<Submission, StoreError> {
        let mut report = submission(id, sequence, &self.record, view)?;
        count_facts(&mut report, self.facts.iter().map(|(_, event)| *event));
        Ok(report)
    }
}

/// Matches `prepared` against `view`, settles its facts and decides what
/// its body stores: the read half of a submit.
pub(crate) fn analyse(
    shared: &Shared,
    view: &StoreView<'_>,
    prepared: &PreparedArticle,
) -> Result<Analysis, Error> {
    let mut source = view.clone();
    let matched = match match_article(&prepared.body, &mut source, &shared.config.matching) {
        Ok(matched) => matched,
        Err(never) => match never {},
    };
    let facts = classify_facts(view, &prepared.facts, &matched)?;
    let record = analysis_record(&prepared.article.body, &prepared.body, &matched);
    let body = &prepared.article.body;
    let mut seen = HashSet::new();
    let mut fates = Vec::with_capacity(prepared.body.paragraphs.len());
    for paragraph in &prepared.body.paragraphs {
        fates.push(
            if paragraph.content.is_empty() || !seen.insert(paragraph.fingerprint) {
                ParagraphFate::Repeat
            } else if let Some((stored, count)) = view.paragraph(&paragraph.fingerprint) {
                ParagraphFate::Known(stored.first, count, Arc::clone(&stored.text))
            } else {
                // Not in the window, but perhaps stored before it: its
                // stored text must not be replaced, since older articles
                // refer to it. The one read of the archive a submit may
                // make, when the window's filter cannot rule it out.
                match view.archived_paragraph(&paragraph.fingerprint)? {
                    Some(record) => ParagraphFate::Archived(Box::new(record)),
                    None => ParagraphFate::New,
                }
            },
        );
    }
    // A paragraph's content is stored by reference when it is the stored
    // text byte for byte: a new text is stored as this article has it.
    let mut stored_texts: FxHashMap<Fingerprint, &str> = FxHashMap::default();
    for (paragraph, fate) in prepared.body.paragraphs.iter().zip(&fates) {
        let text = match fate {
            ParagraphFate::Repeat => continue,
            ParagraphFate::Known(_, _, text) => &**text,
            ParagraphFate::New => &body[paragraph.content.clone()],
            ParagraphFate::Archived(record) => &record.text,
        };
        stored_texts.insert(paragraph.fingerprint, text);
    }
    let segments = body_segments(body, &prepared.body, |position| {
        let fingerprint = prepared.body.paragraphs.get(position)?.fingerprint;
        stored_texts.get(&fingerprint).copied()
    });
    Ok(Analysis {
        matched,
        facts,
        record,
        segments,
        fates,
    })
}

/// The answer to `prepared` when its id is already stored (or ahead of it
/// in the group): its stored analysis when the content is identical,
/// ALREADY_EXISTS otherwise. `None` for a new id.
pub(crate) fn stored_answer(
    view: &StoreView<'_>,
    group: Option<(&Pending, &CommitBatch)>,
    prepared: &PreparedArticle,
) -> Result<Option<Result<Submission, Error>>, Error> {
    let id = &prepared.article.id;
    if let Some((pending, batch)) = group {
        if let Some(position) = pending.position_of(id) {
            let (Some(record), Some((_, facts))) = (
                batch.articles.get(position),
                batch.article_facts.get(position),
            ) else {
                return Ok(None);
            };
            return resubmission(view, prepared, record, facts).map(Some);
        }
    }
    view.note_article(id);
    if !view.recent.may_have_article(id) {
        return Ok(None);
    }
    let Some(existing) = view.store.article(id)? else {
        return Ok(None);
    };
    let facts = view
        .store
        .article_facts(existing.sequence)?
        .unwrap_or_default();
    resubmission(view, prepared, &existing, &facts).map(Some)
}

/// An analysis made on a prepare thread, for the writer to keep or redo.
pub(crate) struct EarlyAnalysis {
    /// How far the window had got when it was read.
    pub point: ViewPoint,
    /// The keys read, sorted, without repeats.
    pub reads: Vec<u64>,
    pub outcome: EarlyOutcome,
}

/// What an early analysis found.
pub(crate) enum EarlyOutcome {
    /// The id is stored: the answer, with nothing to write.
    Answered(Result<Submission, Error>),
    /// A new article, analysed.
    Analysed(Analysis),
}

/// Analyses `prepared` against the committed window, noting what it reads.
/// `None` when a read of the store failed: the writer then analyses the
/// article itself, and reports the failure if it persists.
pub(crate) fn analyse_early(shared: &Shared, prepared: &PreparedArticle) -> Option<EarlyAnalysis> {
    let recent = shared.read_recent();
    let reads = ReadSet::default();
    let view = StoreView {
        reads: Some(&reads),
        ..shared.view(&recent)
    };
    let outcome = match stored_answer(&view, None, prepared).ok()? {
        Some(answer) => EarlyOutcome::Answered(answer),
        None => EarlyOutcome::Analysed(analyse(shared, &view, prepared).ok()?),
    };
    Some(EarlyAnalysis {
        point: ViewPoint::of(&recent),
        reads: reads.into_keys(),
        outcome,
    })
}

/// The answer to an article whose id is already stored: its stored
/// analysis when the content is identical, ALREADY_EXISTS otherwise.
fn resubmission(
    view: &StoreView<'_>,
    prepared: &PreparedArticle,
    existing: &ArticleRecord,
    facts: &[ArticleFact],
) -> Result<Result<Submission, Error>, Error> {
    if existing.content_digest != prepared.digest {
        return Ok(Err(Error::AlreadyExists(prepared.article.id.clone())));
    }
    let mut report = submission(&existing.id, existing.sequence, &existing.analysis, view)?;
    report.resubmitted = true;
    count_facts(&mut report, facts.iter().map(|f| f.event));
    Ok(Ok(report))
}

/// Adds fact counts to a report.
pub(crate) fn count_facts(report: &mut Submission, events: impl Iterator<Item = FactEventKind>) {
    for event in events {
        match event {
            FactEventKind::Created => report.facts_created += 1,
            FactEventKind::Corroborated => report.facts_corroborated += 1,
        }
    }
}
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
