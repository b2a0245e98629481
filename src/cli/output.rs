//! How the client subcommands print responses: aligned text for people,
//! JSON for scripts.

use std::{fmt::Write as _, io::Write as _};

use serde_json::{json, Value};

use crate::api::pb;

/// The proto name of a verdict.
pub fn verdict_name(verdict: i32) -> &'static str {
    pb::Verdict::try_from(verdict).map_or("UNKNOWN", |v| v.as_str_name())
}

pub(super) fn kind_name(kind: i32) -> &'static str {
    pb::MatchKind::try_from(kind).map_or("UNKNOWN", |k| k.as_str_name())
}

fn relation_name(relation: i32) -> &'static str {
    pb::Relation::try_from(relation).map_or("UNKNOWN", |r| r.as_str_name())
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

fn time(timestamp: Option<&prost_types::Timestamp>) -> Value {
    timestamp.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// One readable line per submitted article.
pub fn submit_line(response: &pb::SubmitResponse) -> String {
    if let Some(error) = &response.error {
        let code = tonic::Code::from_i32(error.code);
        return format!("{}\tERROR {code:?}: {}", response.article_id, error.message);
    }
    let mut line = format!(
        "{}\t{}\tcopy {:.2}",
        response.article_id,
        verdict_name(response.verdict),
        response.copy_ratio
    );
    if response.canonical_id != response.article_id {
        let _ = write!(line, "\tcanonical {}", response.canonical_id);
    }
    line
}

fn paragraphs_json(paragraphs: &[pb::ParagraphMatch]) -> Value {
    paragraphs
        .iter()
        .map(|p| {
            json!({
                "index": p.index,
                "fingerprint": hex(&p.fingerprint),
                "kind": kind_name(p.kind),
                "source_article_id": p.source_article_id,
                "source_paragraph": p.source_paragraph,
                "similarity": p.similarity,
                "word_count": p.word_count,
                "copied_words": p.copied_words,
                "skip_reason": pb::SkipReason::try_from(p.skip_reason)
                    .map_or("UNKNOWN", |r| r.as_str_name()),
                "origin_article_id": p.origin_article_id,
                "origin_paragraph": p.origin_paragraph,
                "passages": p.passages.iter().map(|s| json!({
                    "start": s.start,
                    "end": s.end,
                    "source_article_id": s.source_article_id,
                    "source_paragraph": s.source_paragraph,
                    "source_start": s.source_start,
                    "source_end": s.source_end,
                    "origin_article_id": s.origin_article_id,
                    "origin_paragraph": s.origin_paragraph,
                    "copied_words": s.copied_words,
                })).collect::<Value>(),
            })
        })
        .collect()
}

/// A submit response as JSON.
pub fn submit_json(response: &pb::SubmitResponse) -> Value {
    json!({
        "article_id": response.article_id,
        "verdict": verdict_name(response.verdict),
        "stored_verdict": verdict_name(response.stored_verdict),
        "canonical_id": response.canonical_id,
        "copy_ratio": response.copy_ratio,
        "sequence": response.sequence,
        "paragraphs": paragraphs_json(&response.paragraphs),
        "credits": response.credits.iter().map(|c| json!({
            "kind": pb::credit::Kind::try_from(c.kind).map_or("UNKNOWN", |k| k.as_str_name()),
            "text": c.text,
            "agencies": c.agencies,
            "paragraph_index": c.paragraph_index,
        })).collect::<Value>(),
        "facts_created": response.facts_created,
        "facts_corroborated": response.facts_corroborated,
        "error": response.error.as_ref().map(|e| json!({"code": e.code, "message": e.message})),
    })
}

/// An article as JSON, in the shape `wirecopy submit` reads back (labels
/// sorted, so that equal articles print equal lines).
pub fn article_fields(article: &pb::Article) -> Value {
    let labels: std::collections::BTreeMap<&String, &String> = article.labels.iter().collect();
    json!({
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "published_at": time(article.published_at.as_ref()),
        "language": article.language,
        "labels": labels,
    })
}

/// A stored article as JSON.
pub fn article_json(response: &pb::GetArticleResponse) -> Value {
    json!({
        "article": response.article.as_ref().map(article_fields),
        "analysis": response.analysis.as_ref().map(submit_json),
        "first_seen": time(response.first_seen.as_ref()),
    })
}

/// A stored article for people: metadata, analysis, the `copied`
/// passages beside their sources, then the body.
pub fn article_text(response: &pb::GetArticleResponse, copied: &str) -> String {
    let article = response.article.clone().unwrap_or_default();
    let analysis = response.analysis.clone().unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "id:        {}", article.id);
    for (label, value) in [
        ("title", &article.title),
        ("source", &article.source),
        ("url", &article.url),
    ] {
        if !value.is_empty() {
            let _ = writeln!(out, "{label:<10} {value}");
        }
    }
    if let Some(published) = &article.published_at {
        let _ = writeln!(out, "published: {published}");
    }
    let _ = writeln!(
        out,
        "verdict:   {} (copy {:.2}, canonical {})",
        verdict_name(analysis.verdict),
        analysis.copy_ratio,
        analysis.canonical_id
    );
    for p in &analysis.paragraphs {
        let _ = write!(out, "  [{:>2}] {:<7}", p.index, kind_name(p.kind));
        if !p.source_article_id.is_empty() {
            let _ = write!(
                out,
                " <- {} [{}] similarity {:.2}, {} of {} words",
                p.source_article_id, p.source_paragraph, p.similarity, p.copied_words, p.word_count
            );
            if p.origin_article_id != p.source_article_id {
                let _ = write!(
                    out,
                    ", first in {} [{}]",
                    p.origin_article_id, p.origin_paragraph
                );
            }
        } else if let Ok(reason) = pb::SkipReason::try_from(p.skip_reason) {
            if reason != pb::SkipReason::Unspecified {
                let _ = write!(
                    out,
                    " ({})",
                    reason.as_str_name().to_lowercase().replace('_', " ")
                );
            }
        }
        out.push('\n');
    }
    if !copied.is_empty() {
        let _ = write!(out, "\ncopied passages, beside their sources:\n{copied}");
    }
    let _ = writeln!(out, "\n{}", article.body);
    out
}

/// Related articles as JSON.
pub fn duplicates_json(response: &pb::GetDuplicatesResponse) -> Value {
    json!({
        "article_id": response.article_id,
        "canonical_id": response.canonical_id,
        "related": response.related.iter().map(|r| json!({
            "article_id": r.article_id,
            "source": r.source,
            "url": r.url,
            "relation": relation_name(r.relation),
            "shared_paragraphs": r.shared_paragraphs,
            "copy_ratio": r.copy_ratio,
            "first_seen": time(r.first_seen.as_ref()),
            "verdict": verdict_name(r.verdict),
        })).collect::<Value>(),
    })
}

/// Related articles as a table.
pub fn duplicates_text(response: &pb::GetDuplicatesResponse) -> String {
    let mut out = format!(
        "{} (canonical {}): {} related\n",
        response.article_id,
        response.canonical_id,
        response.related.len()
    );
    for r in &response.related {
        let _ = writeln!(
            out,
            "  {:<8} {:<13} shared {:>3} paragraphs ({:.2})  {}{}",
            relation_name(r.relation),
            verdict_name(r.verdict),
            r.shared_paragraphs,
            r.copy_ratio,
            r.article_id,
            if r.source.is_empty() {
                String::new()
            } else {
                format!("  [{}]", r.source)
            }
        );
    }
    out
}

/// A fact in one readable line.
pub fn fact_line(fact: &pb::Fact) -> String {
    let provenance = fact.provenance.clone().unwrap_or_default();
    let what = match &fact.body {
        Some(pb::fact::Body::Quote(q)) => {
            let speaker = if q.speaker.is_empty() {
                "(unknown speaker)"
            } else {
                &q.speaker
            };
            let title = if q.speaker_title.is_empty() {
                String::new()
            } else {
                format!(", {}", q.speaker_title)
            };
            let form = if q.direct { "direct" } else { "indirect" };
            format!("QUOTE    {speaker}{title} {} ({form}): {:?}", q.cue, q.text)
        }
        Some(pb::fact::Body::Entity(e)) => {
            let kind = pb::EntityType::try_from(e.r#type).map_or("UNKNOWN", |t| t.as_str_name());
            let titles = if e.titles.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.titles.join("; "))
            };
            format!("ENTITY   {kind} {}{titles}", e.name)
        }
        Some(pb::fact::Body::Time(t)) => {
            let value = if t.resolved {
                t.value.as_str()
            } else {
                "unresolved"
            };
            format!("TIME     {:?} = {value}", t.text)
        }
        Some(pb::fact::Body::Quantity(q)) => {
            format!("QUANTITY {:?} = {} {}", q.text, q.value, q.unit)
        }
        None => "(empty fact)".to_owned(),
    };
    format!(
        "[{}:{}-{}] {what}",
        provenance.paragraph_index, provenance.start, provenance.end
    )
}

/// A fact as JSON.
pub fn fact_json(fact: &pb::Fact, corroborated: bool) -> Value {
    let provenance = fact.provenance.clone().unwrap_or_default();
    let body = match &fact.body {
        Some(pb::fact::Body::Quote(q)) => {
            json!({"speaker": q.speaker, "speaker_title": q.speaker_title, "text": q.text, "cue": q.cue, "direct": q.direct})
        }
        Some(pb::fact::Body::Entity(e)) => json!({
            "name": e.name,
            "type": pb::EntityType::try_from(e.r#type).map_or("UNKNOWN", |t| t.as_str_name()),
            "titles": e.titles,
        }),
        Some(pb::fact::Body::Time(t)) => {
            json!({"text": t.text, "value": if t.resolved { Value::String(t.value.clone()) } else { Value::Null }})
        }
        Some(pb::fact::Body::Quantity(q)) => {
            json!({"text": q.text, "value": q.value, "unit": q.unit})
        }
        None => Value::Null,
    };
    json!({
        "id": hex(&fact.id),
        "kind": pb::FactKind::try_from(fact.kind).map_or("UNKNOWN", |k| k.as_str_name()),
        "body": body,
        "confidence": fact.confidence,
        "corroborated": corroborated,
        "provenance": {
            "article_id": provenance.article_id,
            "paragraph_index": provenance.paragraph_index,
            "start": provenance.start,
            "end": provenance.end,
        },
    })
}

fn event_kind_name(kind: i32) -> &'static str {
    pb::fact_event::Kind::try_from(kind).map_or("UNKNOWN", |k| k.as_str_name())
}

/// A fact event in one readable line.
pub fn fact_event_line(event: &pb::FactEvent) -> String {
    match &event.fact {
        Some(fact) => format!(
            "#{} {} {} [{}] {}",
            event.sequence,
            event_kind_name(event.kind),
            event.article_id,
            event.source,
            fact_line(fact)
        ),
        // A retraction or withdrawal: the fact by id, the deleted article.
        None if !event.fact_id.is_empty() => format!(
            "#{} {} {} [{}] fact {}",
            event.sequence,
            event_kind_name(event.kind),
            event.article_id,
            event.source,
            hex(&event.fact_id)
        ),
        None => format!("#{} {}", event.sequence, event_kind_name(event.kind)),
    }
}

/// What a deletion did, in one readable line.
pub fn deleted_line(deleted: &pb::DeleteArticleResponse) -> String {
    format!(
        "deleted {} (sequence {}): {} texts freed, {} facts retracted, {} corroborations withdrawn",
        deleted.id,
        deleted.sequence,
        deleted.texts_freed,
        deleted.facts_retracted,
        deleted.corroborations_withdrawn
    )
}

/// What a deletion did, as JSON.
pub fn deleted_json(deleted: &pb::DeleteArticleResponse) -> Value {
    json!({
        "id": deleted.id,
        "sequence": deleted.sequence,
        "texts_freed": deleted.texts_freed,
        "facts_retracted": deleted.facts_retracted,
        "corroborations_withdrawn": deleted.corroborations_withdrawn,
        "last_event_sequence": deleted.last_event_sequence,
    })
}

/// A fact event as JSON.
pub fn fact_event_json(event: &pb::FactEvent) -> Value {
    json!({
        "sequence": event.sequence,
        "kind": event_kind_name(event.kind),
        "article_id": event.article_id,
        "source": event.source,
        "fact_id": (!event.fact_id.is_empty()).then(|| hex(&event.fact_id)),
        "fact": event.fact.as_ref().map(|f| fact_json(f, event.kind == pb::fact_event::Kind::FactCorroborated as i32)),
    })
}

/// Prints one line to standard output. A closed pipe (`wirecopy … | head`)
/// is reported as an error the caller can end on quietly, not a panic.
pub fn emit(line: impl std::fmt::Display) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
}
