//! What the engine answers: submissions, stored articles and related
//! articles, with sequences already resolved to the callers' ids.

use std::ops::Range;

use crate::{
    article::Article,
    matching::{MatchKind, Origin, SkipReason, Verdict},
    store::{AnalysisRecord, Instant, Store, StoreError},
    text::{credits::CreditKind, Fingerprint},
};

/// The result of analysing (and maybe storing) an article.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// The article's id.
    pub article_id: String,
    /// True when the same article was already stored and nothing was
    /// written.
    pub resubmitted: bool,
    /// The verdict (as first judged, for a resubmission).
    pub verdict: Verdict,
    /// The id of the article most of the copied words first appeared in,
    /// or the article's own id.
    pub canonical_id: String,
    /// Copied share of indexed words.
    pub copy_ratio: f64,
    /// One report per paragraph.
    pub paragraphs: Vec<ParagraphReport>,
    /// Credits found in the body.
    pub credits: Vec<CreditReport>,
    /// Ingest sequence (0 when nothing was stored).
    pub sequence: u64,
    /// Facts this article brought first.
    pub facts_created: u32,
    /// Facts this article confirmed.
    pub facts_corroborated: u32,
}

/// The match of one paragraph, with its source resolved to an id.
#[derive(Clone, Debug, PartialEq)]
pub struct ParagraphReport {
    /// Paragraph index.
    pub index: u32,
    /// Fingerprint of the normalised text.
    pub fingerprint: Fingerprint,
    /// What it matched.
    pub kind: MatchKind,
    /// For Skipped: why.
    pub skip_reason: Option<SkipReason>,
    /// The closest earlier text (article id, paragraph index), for Exact,
    /// Near and Partial.
    pub source: Option<(String, u32)>,
    /// Where the best passage first appeared.
    pub origin: Option<(String, u32)>,
    /// Every reused passage, best source first.
    pub passages: Vec<PassageReport>,
    /// Similarity with the source.
    pub similarity: f64,
    /// Words in the paragraph.
    pub word_count: u32,
    /// Words found in earlier text.
    pub copied_words: u32,
}

/// A reused passage, with its sources resolved to ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassageReport {
    /// Byte span in this article's body.
    pub span: Range<u32>,
    /// The closest earlier text (article id, paragraph index).
    pub source: (String, u32),
    /// Byte span in the body of the source article.
    pub source_span: Range<u32>,
    /// Where the passage first appeared (article id, paragraph index).
    pub origin: (String, u32),
    /// Words credited to it.
    pub copied_words: u32,
}

/// A credit line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditReport {
    /// Its kind.
    pub kind: CreditKind,
    /// Its text.
    pub text: String,
    /// Agencies named.
    pub agencies: Vec<String>,
    /// Paragraph it stands in.
    pub paragraph_index: u32,
}

/// A stored article with its analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredArticle {
    /// The article as submitted.
    pub article: Article,
    /// Its analysis when stored.
    pub analysis: Submission,
    /// When it was stored.
    pub first_seen: Instant,
}

/// Whether a related article came before or after the queried one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Stored before.
    Earlier,
    /// Stored after.
    Later,
}

/// An article sharing copied text with the queried one.
#[derive(Clone, Debug, PartialEq)]
pub struct RelatedArticle {
    /// Its id.
    pub article_id: String,
    /// Its source.
    pub source: String,
    /// Its URL.
    pub url: String,
    /// Before or after the queried article.
    pub relation: Relation,
    /// Paragraphs of the queried article sharing text with it.
    pub shared_paragraphs: u32,
    /// Share of the queried article's indexed words in those paragraphs.
    pub copy_ratio: f64,
    /// When it was stored.
    pub first_seen: Instant,
    /// Its verdict when stored.
    pub verdict: Verdict,
}

/// Everything related to one article.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicates {
    /// The queried id.
    pub article_id: String,
    /// Its canonical id.
    pub canonical_id: String,
    /// Related articles in ingest order.
    pub related: Vec<RelatedArticle>,
}

/// How a report names the articles its analysis refers to.
pub(crate) trait Names {
    /// The id of the article at `sequence`, `None` when it was deleted
    /// (an error when it was never stored: the store is corrupt).
    fn id(&self, sequence: u64) -> Result<Option<String>, StoreError>;
    /// The positions filed under `origin` (see [`super::duplicates`]), in
    /// order.
    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError>;
}

/// [`Names`] read from the store.
pub(crate) struct StoredNames<'a>(pub &'a dyn Store);

impl Names for StoredNames<'_> {
    fn id(&self, sequence: u64) -> Result<Option<String>, StoreError> {
        id_or_gone(self.0, sequence, self.0.article_id(sequence)?)
    }

    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError> {
        self.0.copies_of(origin)
    }
}

/// `found`, the id of the article at `sequence`, or `None` when that
/// article was deleted; an error when it was never stored.
pub(crate) fn id_or_gone(
    store: &dyn Store,
    sequence: u64,
    found: Option<String>,
) -> Result<Option<String>, StoreError> {
    match found {
        Some(id) => Ok(Some(id)),
        None if store.is_deleted(sequence)? => Ok(None),
        None => Err(StoreError::Corrupt {
            key: format!("article sequence {sequence}"),
            reason: "referenced by an analysis but not stored".into(),
        }),
    }
}

/// A position an analysis refers to, named: the article there or, when it
/// was deleted, the first surviving one filed under the same `origin`
/// before the article `before` (any, for 0: a transient analysis).
/// `None` when nothing of it survives.
fn surviving(
    names: &dyn Names,
    at: Origin,
    origin: Origin,
    before: u64,
) -> Result<Option<(u64, String, u32)>, StoreError> {
    if let Some(id) = names.id(at.article)? {
        return Ok(Some((at.article, id, at.paragraph)));
    }
    for member in names.copies_of(origin)? {
        if before != 0 && member.article >= before {
            break;
        }
        if let Some(id) = names.id(member.article)? {
            return Ok(Some((member.article, id, member.paragraph)));
        }
    }
    Ok(None)
}

/// The id of the article's canonical: the stored one, or when it was
/// deleted the earliest surviving article that holds what the article
/// took from it; the article's own id when none is left.
pub(crate) fn canonical_id(
    article_id: &str,
    sequence: u64,
    analysis: &AnalysisRecord,
    names: &dyn Names,
) -> Result<String, StoreError> {
    let Some(canonical) = analysis.canonical else {
        return Ok(article_id.to_owned());
    };
    if let Some(id) = names.id(canonical)? {
        return Ok(id);
    }
    let mut best: Option<(u64, String)> = None;
    for passage in analysis.paragraphs.iter().flat_map(|p| &p.passages) {
        if passage.source.article != canonical && passage.origin.article != canonical {
            continue;
        }
        if let Some((found, id, _)) = surviving(names, passage.source, passage.origin, sequence)? {
            if best.as_ref().is_none_or(|(earliest, _)| found < *earliest) {
                best = Some((found, id));
            }
        }
    }
    Ok(best.map_or_else(|| article_id.to_owned(), |(_, id)| id))
}

/// Builds the report of a stored or transient analysis. A source or
/// origin that was deleted is named by the next surviving article with the
/// same text (see [`surviving`]), or by an empty id.
pub(crate) fn submission(
    article_id: &str,
    sequence: u64,
    analysis: &AnalysisRecord,
    names: &dyn Names,
) -> Result<Submission, StoreError> {
    let canonical_id = canonical_id(article_id, sequence, analysis, names)?;
    let position = |at: Origin, origin: Origin| -> Result<(String, u32), StoreError> {
        Ok(match surviving(names, at, origin, sequence)? {
            Some((_, id, paragraph)) => (id, paragraph),
            None => (String::new(), at.paragraph),
        })
    };
    let mut paragraphs = Vec::with_capacity(analysis.paragraphs.len());
    for (index, entry) in analysis.paragraphs.iter().enumerate() {
        let mut passages = Vec::with_capacity(entry.passages.len());
        for passage in &entry.passages {
            passages.push(PassageReport {
                span: passage.span.clone(),
                source: position(passage.source, passage.origin)?,
                source_span: passage.source_span.clone(),
                origin: position(passage.origin, passage.origin)?,
                copied_words: passage.copied_words,
            });
        }
        paragraphs.push(ParagraphReport {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            fingerprint: entry.fingerprint,
            kind: entry.kind,
            skip_reason: entry.skip_reason,
            source: passages.first().map(|p| p.source.clone()),
            origin: passages.first().map(|p| p.origin.clone()),
            passages,
            similarity: f64::from(entry.similarity),
            word_count: entry.word_count,
            copied_words: entry.copied_words,
        });
    }
    Ok(Submission {
        article_id: article_id.to_owned(),
        resubmitted: false,
        verdict: analysis.verdict,
        canonical_id,
        copy_ratio: analysis.copy_ratio,
        paragraphs,
        credits: analysis
            .credits
            .iter()
            .map(|credit| CreditReport {
                kind: credit.kind,
                text: credit.text.clone(),
                agencies: credit.agencies.clone(),
                paragraph_index: credit.paragraph_index,
            })
            .collect(),
        sequence,
        facts_created: 0,
        facts_corroborated: 0,
    })
}
