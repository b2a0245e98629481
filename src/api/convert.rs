//! Conversions between protobuf messages and engine types.

use prost_types::Timestamp;

use super::pb;
use crate::{
    article::Article,
    engine::{Duplicates, RelatedArticle, Relation, StoredArticle, Submission},
    error::Error,
    matching::{MatchKind, Verdict},
    store::Instant,
    text::credits::CreditKind,
};

/// The article of a submit request.
pub fn article_from_request(request: pb::SubmitRequest) -> Result<Article, Error> {
    let article = request
        .article
        .ok_or_else(|| Error::invalid("article", "is required"))?;
    Ok(Article {
        id: article.id,
        source: article.source,
        url: article.url,
        title: article.title,
        body: article.body,
        published_at: article.published_at.map(|t| Instant {
            seconds: t.seconds,
            nanos: t.nanos,
        }),
        language: article.language,
        labels: article.labels.into_iter().collect(),
    })
}

fn timestamp(instant: Instant) -> Timestamp {
    Timestamp {
        seconds: instant.seconds,
        nanos: instant.nanos,
    }
}

fn verdict(verdict: Verdict) -> pb::Verdict {
    match verdict {
        Verdict::Original => pb::Verdict::Original,
        Verdict::PartialCopy => pb::Verdict::PartialCopy,
        Verdict::WireCopy => pb::Verdict::WireCopy,
    }
}

fn match_kind(kind: MatchKind) -> pb::MatchKind {
    match kind {
        MatchKind::None => pb::MatchKind::None,
        MatchKind::Exact => pb::MatchKind::Exact,
        MatchKind::Near => pb::MatchKind::Near,
        MatchKind::Skipped => pb::MatchKind::Skipped,
    }
}

fn credit_kind(kind: CreditKind) -> pb::credit::Kind {
    match kind {
        CreditKind::Dateline => pb::credit::Kind::Dateline,
        CreditKind::Byline => pb::credit::Kind::Byline,
        CreditKind::Agency => pb::credit::Kind::Agency,
    }
}

/// The response for a submission.
pub fn submit_response(submission: Submission) -> pb::SubmitResponse {
    let stored_verdict = verdict(submission.verdict);
    pb::SubmitResponse {
        article_id: submission.article_id,
        verdict: if submission.resubmitted {
            pb::Verdict::Resubmitted
        } else {
            stored_verdict
        } as i32,
        canonical_id: submission.canonical_id,
        copy_ratio: submission.copy_ratio,
        paragraphs: submission
            .paragraphs
            .into_iter()
            .map(|p| {
                let (source_article_id, source_paragraph) = p.source.unwrap_or_default();
                pb::ParagraphMatch {
                    index: p.index,
                    fingerprint: p.fingerprint.0.to_vec(),
                    kind: match_kind(p.kind) as i32,
                    source_article_id,
                    source_paragraph,
                    similarity: p.similarity,
                    word_count: p.word_count,
                }
            })
            .collect(),
        error: None,
        credits: submission
            .credits
            .into_iter()
            .map(|c| pb::Credit {
                kind: credit_kind(c.kind) as i32,
                text: c.text,
                agencies: c.agencies,
                paragraph_index: c.paragraph_index,
            })
            .collect(),
        stored_verdict: stored_verdict as i32,
        sequence: submission.sequence,
    }
}

/// The response for a stored article.
pub fn get_article_response(stored: StoredArticle) -> pb::GetArticleResponse {
    let article = stored.article;
    pb::GetArticleResponse {
        article: Some(pb::Article {
            id: article.id,
            source: article.source,
            url: article.url,
            title: article.title,
            body: article.body,
            published_at: article.published_at.map(timestamp),
            language: article.language,
            labels: article.labels.into_iter().collect(),
        }),
        analysis: Some(submit_response(stored.analysis)),
        first_seen: Some(timestamp(stored.first_seen)),
    }
}

fn related(related: RelatedArticle) -> pb::RelatedArticle {
    pb::RelatedArticle {
        article_id: related.article_id,
        source: related.source,
        url: related.url,
        relation: match related.relation {
            Relation::Earlier => pb::Relation::Earlier,
            Relation::Later => pb::Relation::Later,
        } as i32,
        shared_paragraphs: related.shared_paragraphs,
        copy_ratio: related.copy_ratio,
        first_seen: Some(timestamp(related.first_seen)),
        verdict: verdict(related.verdict) as i32,
    }
}

/// The response for a duplicates query.
pub fn duplicates_response(duplicates: Duplicates) -> pb::GetDuplicatesResponse {
    pb::GetDuplicatesResponse {
        article_id: duplicates.article_id,
        canonical_id: duplicates.canonical_id,
        related: duplicates.related.into_iter().map(related).collect(),
    }
}
