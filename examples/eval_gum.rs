//! Measures fact extraction on the GUM news corpus: 24 Wikinews articles
//! with gold entity, quote and date annotations (see
//! `../shared/data/gum-news/README.md`).
//!
//! - Entities: gold proper-name mentions with a proper-noun head; a
//!   predicted mention and a gold one match when their spans overlap
//!   (untyped), and, in the typed score, when the types agree too
//!   (PERSON, ORG, GPE or LOC for places, NORP).
//! - Quotes: gold `quote` spans (direct quotations; adjacent spans of one
//!   quotation merged) against predicted direct quotes, by overlap.
//! - Dates: gold dates with a value; a prediction is correct when it
//!   overlaps a gold date and has the same normalised value.
//!
//! Usage: `cargo run --release --example eval_gum -- [GUM_JSONL]`

#[path = "common/scores.rs"]
mod scores;

use std::ops::Range;

use scores::{f1, ratio};
use serde::Deserialize;
use wirecopy::{
    facts::{find_all, paragraphs_of, EntityType, MIN_CONFIDENCE},
    text::{prepare_body, TextConfig},
};

#[derive(Deserialize)]
struct Doc {
    doc: String,
    published: String,
    text: String,
    entities: Vec<GoldEntity>,
    quotes: Vec<GoldSpan>,
    dates: Vec<GoldSpan>,
}

#[derive(Deserialize)]
struct GoldEntity {
    start: usize,
    end: usize,
    #[serde(rename = "type")]
    entity_type: String,
    proper_head: bool,
}

#[derive(Deserialize)]
struct GoldSpan {
    start: usize,
    end: usize,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Default)]
struct Score {
    predicted: usize,
    predicted_correct: usize,
    gold: usize,
    gold_found: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        ratio(self.predicted_correct as u64, self.predicted as u64)
    }
    fn recall(&self) -> f64 {
        ratio(self.gold_found as u64, self.gold as u64)
    }
    fn f1(&self) -> f64 {
        f1(self.precision(), self.recall())
    }
    fn add(
        &mut self,
        predicted: &[(Range<usize>, String)],
        gold: &[(Range<usize>, String)],
        agree: impl Fn(&str, &str) -> bool,
    ) {
        let overlaps = |a: &Range<usize>, b: &Range<usize>| a.start < b.end && b.start < a.end;
        self.predicted += predicted.len();
        self.gold += gold.len();
        self.predicted_correct += predicted
            .iter()
            .filter(|(p, pl)| gold.iter().any(|(g, gl)| overlaps(p, g) && agree(pl, gl)))
            .count();
        self.gold_found += gold
            .iter()
            .filter(|(g, gl)| {
                predicted
                    .iter()
                    .any(|(p, pl)| overlaps(p, g) && agree(pl, gl))
            })
            .count();
    }
}

/// The text of a code-point span.
fn span_text(text: &str, span: &Range<usize>) -> String {
    text.chars()
        .skip(span.start)
        .take(span.end - span.start)
        .collect()
}

/// Byte offset → code-point offset in `text`.
fn code_points(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count()
}

fn entity_label(entity_type: EntityType) -> &'static str {
    match entity_type {
        EntityType::Person => "PERSON",
        EntityType::Org => "ORG",
        EntityType::Place => "PLACE",
        EntityType::Norp => "NORP",
    }
}

/// Gold quotations: `quote` spans, adjacent ones (separated only by
/// spaces or paragraph breaks) merged into one.
fn gold_quotes(text: &str, spans: &[GoldSpan]) -> Vec<(Range<usize>, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut merged: Vec<Range<usize>> = Vec::new();
    for span in spans.iter().filter(|s| s.tag == "quote") {
        match merged.last_mut() {
            Some(last)
                if chars[last.end.min(span.start)..span.start]
                    .iter()
                    .all(|c| c.is_whitespace()) =>
            {
                last.end = span.end
            }
            _ => merged.push(span.start..span.end),
        }
    }
    merged.into_iter().map(|r| (r, String::new())).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/gum-news/gum-news.jsonl".into());
    let data = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    // GUM marks quotations in some documents only: several articles full of
    // attributed quotes carry no quote annotation at all. Scored apart too.
    let mut quotes_in_annotated = Score::default();
    let (mut entities, mut typed, mut quotes, mut dates) = (
        Score::default(),
        Score::default(),
        Score::default(),
        Score::default(),
    );
    let mut wrong_values = Vec::new();
    let mut wrong_quotes = Vec::new();
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let doc: Doc = serde_json::from_str(line)?;
        bytes += doc.text.len();
        let published = chrono::NaiveDate::parse_from_str(&doc.published, "%Y-%m-%d").ok();
        let prepared = prepare_body(&doc.text, &TextConfig::default());
        let findings = find_all(&paragraphs_of(&doc.text, &prepared), published);
        let to_chars = |span: &Range<usize>| {
            code_points(&doc.text, span.start)..code_points(&doc.text, span.end)
        };

        let predicted: Vec<(Range<usize>, String)> = findings
            .entities
            .mentions
            .iter()
            .filter(|m| m.confidence >= MIN_CONFIDENCE)
            .map(|m| (to_chars(&m.span), entity_label(m.entity_type).to_owned()))
            .collect();
        let gold: Vec<(Range<usize>, String)> = doc
            .entities
            .iter()
            .filter(|e| e.proper_head)
            .map(|e| (e.start..e.end, e.entity_type.clone()))
            .collect();
        entities.add(&predicted, &gold, |_, _| true);
        typed.add(&predicted, &gold, |ours, theirs| {
            ours == theirs || (ours == "PLACE" && matches!(theirs, "GPE" | "LOC"))
        });

        let predicted: Vec<(Range<usize>, String)> = findings
            .quotes
            .iter()
            .filter(|q| q.direct)
            .map(|q| (to_chars(&q.span), String::new()))
            .collect();
        let gold = gold_quotes(&doc.text, &doc.quotes);
        quotes.add(&predicted, &gold, |_, _| true);
        if !gold.is_empty() {
            quotes_in_annotated.add(&predicted, &gold, |_, _| true);
        }
        for (span, _) in gold.iter().filter(|(g, _)| {
            !predicted
                .iter()
                .any(|(p, _)| p.start < g.end && g.start < p.end)
        }) {
            let text = span_text(&doc.text, span);
            wrong_quotes.push(format!("{}: missed {text:?}", doc.doc));
        }
        for (span, _) in predicted
            .iter()
            .filter(|(p, _)| !gold.iter().any(|(g, _)| p.start < g.end && g.start < p.end))
        {
            let text = span_text(&doc.text, span);
            wrong_quotes.push(format!("{}: {text:?}", doc.doc));
        }

        let predicted: Vec<(Range<usize>, String)> = findings
            .times
            .iter()
            .map(|(_, t)| (to_chars(&t.span), t.value.clone().unwrap_or_default()))
            .collect();
        let gold: Vec<(Range<usize>, String)> = doc
            .dates
            .iter()
            .filter_map(|d| d.value.clone().map(|v| (d.start..d.end, v)))
            .collect();
        dates.add(&predicted, &gold, |ours, theirs| ours == theirs);
        for (span, value) in &predicted {
            if let Some((_, expected)) = gold
                .iter()
                .find(|(g, _)| g.start < span.end && span.start < g.end)
            {
                if expected != value {
                    let text = span_text(&doc.text, span);
                    wrong_values.push(format!(
                        "{}: {text:?} -> {value:?}, gold {expected:?}",
                        doc.doc
                    ));
                }
            }
        }
    }
    let elapsed = started.elapsed();
    println!(
        "GUM news fact extraction ({} bytes, {:.1} ms, {:.2} MB/s)",
        bytes,
        elapsed.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / elapsed.as_secs_f64()
    );
    println!(
        "{:<28} {:>6} {:>6} {:>10} {:>8} {:>7}",
        "facts", "pred", "gold", "precision", "recall", "F1"
    );
    for (name, score) in [
        ("entities (overlap)", &entities),
        ("entities (overlap + type)", &typed),
        ("direct quotes (overlap)", &quotes),
        ("  in docs with gold quotes", &quotes_in_annotated),
        ("dates (overlap + value)", &dates),
    ] {
        println!(
            "{:<28} {:>6} {:>6} {:>10.3} {:>8.3} {:>7.3}",
            name,
            score.predicted,
            score.gold,
            score.precision(),
            score.recall(),
            score.f1()
        );
    }
    if std::env::var_os("WIRECOPY_EVAL_VERBOSE").is_some() {
        for wrong in &wrong_values {
            println!("date value: {wrong}");
        }
        for wrong in &wrong_quotes {
            println!("quote not in gold: {wrong}");
        }
    }
    Ok(())
}
