//! The copied passages of an article beside their sources, for `wirecopy
//! get` and `wirecopy dupes`: what a person reads to check a verdict.
//!
//! Each copied paragraph is shown as two columns, this article's reused
//! span on the left and the source's span on the right, wrapped to the
//! same width, so that edits (a typo fixed, a number changed, a clause
//! cut) stand out line by line.

use std::{collections::HashMap, fmt::Write as _};

use super::{client::Connection, output::kind_name};
use crate::api::pb::{self, article_service_client::ArticleServiceClient};

/// Width of each column.
const COLUMN: usize = 48;
/// Sources fetched at most, so an article merging many stays quick.
const MAX_SOURCES: usize = 16;

/// The bodies of the articles `analysis` copied from, by id; sources that
/// cannot be read are left out (their spans then print as unavailable).
pub async fn source_bodies(
    client: &mut ArticleServiceClient<Connection>,
    analysis: &pb::SubmitResponse,
) -> HashMap<String, String> {
    let mut bodies = HashMap::new();
    let ids = analysis
        .paragraphs
        .iter()
        .flat_map(|p| &p.passages)
        .map(|p| p.source_article_id.clone());
    for id in ids {
        if bodies.len() >= MAX_SOURCES || bodies.contains_key(&id) {
            continue;
        }
        if let Ok(response) = client
            .get_article(pb::GetArticleRequest { id: id.clone() })
            .await
        {
            if let Some(article) = response.into_inner().article {
                bodies.insert(id, article.body);
            }
        }
    }
    bodies
}

/// Every copied paragraph of `body` (analysed as `analysis`) beside its
/// sources; empty when nothing was copied.
pub fn side_by_side(
    body: &str,
    analysis: &pb::SubmitResponse,
    sources: &HashMap<String, String>,
) -> String {
    let mut out = String::new();
    for paragraph in analysis
        .paragraphs
        .iter()
        .filter(|p| !p.passages.is_empty())
    {
        let _ = writeln!(
            out,
            "[{}] {}, {} of {} words copied",
            paragraph.index,
            kind_name(paragraph.kind),
            paragraph.copied_words,
            paragraph.word_count
        );
        for passage in &paragraph.passages {
            let here = span(body, passage.start, passage.end);
            let there = sources
                .get(&passage.source_article_id)
                .and_then(|source| span(source, passage.source_start, passage.source_end));
            let heading = format!(
                "{} [{}]",
                passage.source_article_id, passage.source_paragraph
            );
            columns(
                &mut out,
                ("this article", here.unwrap_or("(span not recorded)")),
                (&heading, there.unwrap_or("(source text unavailable)")),
            );
            if passage.origin_article_id != passage.source_article_id {
                let _ = writeln!(
                    out,
                    "{:>width$}first appeared in {} [{}]",
                    "",
                    passage.origin_article_id,
                    passage.origin_paragraph,
                    width = COLUMN + 3
                );
            }
        }
        out.push('\n');
    }
    out
}

/// The text of a byte span, when the span is recorded and valid.
fn span(text: &str, start: u32, end: u32) -> Option<&str> {
    if end <= start {
        return None;
    }
    text.get(start as usize..end as usize)
}

/// Two texts in columns under their headings.
fn columns(out: &mut String, left: (&str, &str), right: (&str, &str)) {
    let wrap = |text: &str| -> Vec<String> {
        textwrap::wrap(text, COLUMN)
            .into_iter()
            .map(|line| line.into_owned())
            .collect()
    };
    let (left_lines, right_lines) = (wrap(left.1), wrap(right.1));
    let row = |out: &mut String, a: &str, b: &str| {
        let pad = COLUMN.saturating_sub(textwrap::core::display_width(a));
        let _ = writeln!(out, "  {a}{:pad$} | {b}", "");
    };
    row(out, left.0, right.0);
    for at in 0..left_lines.len().max(right_lines.len()) {
        row(
            out,
            left_lines.get(at).map_or("", String::as_str),
            right_lines.get(at).map_or("", String::as_str),
        );
    }
}
