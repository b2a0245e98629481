//! Conversions between protobuf messages and engine types.

use prost_types::Timestamp;

use super::pb;
use crate::{
    article::Article,
    engine::{
        Deleted, Delivery, Duplicates, EventKind, FactEvent, FactFilter, PassageReport,
        RelatedArticle, Relation, StoredArticle, Submission,
    },
    error::Error,
    facts::{EntityType, Fact, FactBody, FactKind},
    matching::{MatchKind, SkipReason, Verdict},
    store::{FactEventKind, Instant},
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
        html: article.html,
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
        MatchKind::Partial => pb::MatchKind::Partial,
    }
}

fn skip_reason(reason: Option<SkipReason>) -> pb::SkipReason {
    match reason {
        None => pb::SkipReason::Unspecified,
        Some(SkipReason::TooShort) => pb::SkipReason::TooShort,
        Some(SkipReason::Boilerplate) => pb::SkipReason::Boilerplate,
    }
}

fn passage(passage: PassageReport) -> pb::Passage {
    pb::Passage {
        start: passage.span.start,
        end: passage.span.end,
        source_article_id: passage.source.0,
        source_paragraph: passage.source.1,
        source_start: passage.source_span.start,
        source_end: passage.source_span.end,
        origin_article_id: passage.origin.0,
        origin_paragraph: passage.origin.1,
        copied_words: passage.copied_words,
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
                let (origin_article_id, origin_paragraph) = p.origin.unwrap_or_default();
                pb::ParagraphMatch {
                    index: p.index,
                    fingerprint: p.fingerprint.0.to_vec(),
                    kind: match_kind(p.kind) as i32,
                    source_article_id,
                    source_paragraph,
                    similarity: p.similarity,
                    word_count: p.word_count,
                    skip_reason: skip_reason(p.skip_reason) as i32,
                    origin_article_id,
                    origin_paragraph,
                    passages: p.passages.into_iter().map(passage).collect(),
                    copied_words: p.copied_words,
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
        facts_created: submission.facts_created,
        facts_corroborated: submission.facts_corroborated,
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
            // The page itself is not kept: the body is what was extracted.
            html: String::new(),
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

/// The response for a deletion.
pub fn delete_response(deleted: Deleted) -> pb::DeleteArticleResponse {
    pb::DeleteArticleResponse {
        id: deleted.id,
        sequence: deleted.sequence,
        texts_freed: deleted.texts_freed,
        facts_retracted: deleted.facts_retracted,
        corroborations_withdrawn: deleted.corroborations_withdrawn,
        last_event_sequence: deleted.last_event_sequence,
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

fn fact_kind(kind: FactKind) -> pb::FactKind {
    match kind {
        FactKind::Quote => pb::FactKind::Quote,
        FactKind::Entity => pb::FactKind::Entity,
        FactKind::Time => pb::FactKind::Time,
        FactKind::Quantity => pb::FactKind::Quantity,
    }
}

/// A fact as a protobuf message; `article_id` fills its provenance.
pub fn fact(fact: Fact, article_id: &str) -> pb::Fact {
    let kind = fact_kind(fact.body.kind());
    let body = match fact.body {
        FactBody::Quote(quote) => pb::fact::Body::Quote(pb::Quote {
            speaker: quote.speaker,
            speaker_title: quote.speaker_title,
            text: quote.text,
            cue: quote.cue,
            direct: quote.direct,
        }),
        FactBody::Entity(entity) => pb::fact::Body::Entity(pb::Entity {
            name: entity.name,
            r#type: match entity.entity_type {
                EntityType::Person => pb::EntityType::Person,
                EntityType::Org => pb::EntityType::Org,
                EntityType::Place => pb::EntityType::Place,
                EntityType::Norp => pb::EntityType::Norp,
            } as i32,
            titles: entity.titles,
        }),
        FactBody::Time(time) => pb::fact::Body::Time(pb::TimeExpr {
            text: time.text,
            resolved: time.value.is_some(),
            value: time.value.unwrap_or_default(),
        }),
        FactBody::Quantity(quantity) => pb::fact::Body::Quantity(pb::Quantity {
            text: quantity.text,
            value: quantity.value,
            unit: quantity.unit,
        }),
    };
    pb::Fact {
        id: fact.id.0.to_vec(),
        kind: kind as i32,
        body: Some(body),
        confidence: f64::from(fact.confidence),
        provenance: Some(pb::Provenance {
            article_id: article_id.to_owned(),
            paragraph_index: fact.provenance.paragraph_index,
            start: fact.provenance.start,
            end: fact.provenance.end,
        }),
    }
}

/// The response for ListFacts.
pub fn list_facts_response(
    article_id: String,
    facts: Vec<(Fact, FactEventKind)>,
) -> pb::ListFactsResponse {
    let corroborated = facts
        .iter()
        .map(|(_, event)| *event == FactEventKind::Corroborated)
        .collect();
    pb::ListFactsResponse {
        facts: facts
            .into_iter()
            .map(|(f, _)| fact(f, &article_id))
            .collect(),
        corroborated,
        article_id,
    }
}

/// A subscription request as a filter and a starting point (`None`: the
/// current head).
pub fn subscription(request: pb::SubscribeRequest) -> Result<(Option<u64>, FactFilter), Error> {
    let mut kinds = Vec::with_capacity(request.kinds.len());
    for raw in &request.kinds {
        kinds.push(match pb::FactKind::try_from(*raw) {
            Ok(pb::FactKind::Quote) => FactKind::Quote,
            Ok(pb::FactKind::Entity) => FactKind::Entity,
            Ok(pb::FactKind::Time) => FactKind::Time,
            Ok(pb::FactKind::Quantity) => FactKind::Quantity,
            _ => return Err(Error::invalid("kinds", format!("{raw} is not a fact kind"))),
        });
    }
    let entity = request.entity.trim();
    let filter = FactFilter {
        kinds,
        sources: request.sources,
        entity: (!entity.is_empty()).then(|| entity.to_owned()),
        include_corroborations: request.include_corroborations,
    };
    let after = (!request.from_now).then_some(request.after_sequence);
    Ok((after, filter))
}

/// A delivery of the fact stream as a protobuf event.
pub fn fact_event(delivery: &Delivery) -> pb::FactEvent {
    match delivery {
        Delivery::Heartbeat(sequence) => pb::FactEvent {
            sequence: *sequence,
            kind: pb::fact_event::Kind::Heartbeat as i32,
            ..Default::default()
        },
        Delivery::Event(event) => {
            let FactEvent {
                sequence,
                kind,
                fact_id,
                fact: found,
                article_id,
                source,
                encoded: _,
            } = event.as_ref();
            pb::FactEvent {
                sequence: *sequence,
                kind: match kind {
                    EventKind::Created => pb::fact_event::Kind::FactCreated,
                    EventKind::Corroborated => pb::fact_event::Kind::FactCorroborated,
                    EventKind::Retracted => pb::fact_event::Kind::FactRetracted,
                    EventKind::Withdrawn => pb::fact_event::Kind::CorroborationWithdrawn,
                } as i32,
                fact_id: fact_id.0.to_vec(),
                fact: found.as_ref().map(|found| fact(found.clone(), article_id)),
                article_id: article_id.clone(),
                source: source.clone(),
            }
        }
    }
}
