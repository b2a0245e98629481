//! How the client subcommands print responses: aligned text for people,
//! JSON for scripts.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::api::pb;

/// The proto name of a verdict.
pub fn verdict_name(verdict: i32) -> &'static str {
    pb::Verdict::try_from(verdict).map_or("UNKNOWN", |v| v.as_str_name())
}

fn kind_name(kind: i32) -> &'static str {
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
        "error": response.error.as_ref().map(|e| json!({"code": e.code, "message": e.message})),
    })
}

/// A stored article as JSON.
pub fn article_json(response: &pb::GetArticleResponse) -> Value {
    let article = response.article.clone().unwrap_or_default();
    json!({
        "article": {
            "id": article.id,
            "source": article.source,
            "url": article.url,
            "title": article.title,
            "body": article.body,
            "published_at": time(article.published_at.as_ref()),
            "language": article.language,
            "labels": article.labels,
        },
        "analysis": response.analysis.as_ref().map(submit_json),
        "first_seen": time(response.first_seen.as_ref()),
    })
}

/// A stored article for people: metadata, analysis, then the body.
pub fn article_text(response: &pb::GetArticleResponse) -> String {
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
                " <- {} [{}] similarity {:.2}",
                p.source_article_id, p.source_paragraph, p.similarity
            );
        }
        out.push('\n');
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
