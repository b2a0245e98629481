//! Recognises datelines, bylines and agency credits.
//!
//! Republished wire copy is wrapped in lines the original does not have:
//! "MOSCOW (UrduPoint News / Sputnik - 01st December, 2020)" in front of
//! the lede, "By Jane Doe |" above it, "(Reporting by …)" below the last
//! paragraph. They would make every copied lede hash differently, so they
//! are cut off before normalisation; they are also kept, because they are
//! the best evidence there is of where a story came from.

use std::{ops::Range, sync::LazyLock};

use regex::Regex;

use crate::text::pattern::compile;

/// What kind of credit line was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CreditKind {
    /// "LONDON (Reuters) -" in front of the lede.
    Dateline,
    /// "By Jane Doe |", or a name with a publication time.
    Byline,
    /// "(Reporting by …)", "Reuters contributed to this report."
    Agency,
}

/// A credit found inside one paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    /// What kind of credit it is.
    pub kind: CreditKind,
    /// Byte span of the credit inside the paragraph text.
    pub span: Range<usize>,
    /// Agencies it names, in order ("UrduPoint News", "Sputnik").
    pub agencies: Vec<String>,
}

/// The credits of one paragraph and the span of what remains: the text
/// that is normalised and fingerprinted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditSplit {
    /// Byte span of the remaining content inside the paragraph.
    pub content: Range<usize>,
    /// Credits found, in order.
    pub credits: Vec<Credit>,
}

// "MOSCOW (Agency / Other - 01st December, 2020) –", "WASHINGTON, Dec 1
// (Reuters) -", "PARIS (AP) —": a capitalised place, an optional detail after
// a comma, the agency in parentheses, an optional separator.
static DATELINE_WITH_AGENCY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^\p{Lu}[\p{Lu}\p{M}.'’ -]{2,40}(?:,[^()\n]{1,40})?\s*\(([^()\n]{1,100})\)\s*(?:[-–—:|]+\s*)?",
    )
});

// "BEIJING — ", "KYIV, Ukraine - ": a capitalised place and a spaced dash.
static DATELINE_BARE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^\p{Lu}[\p{Lu}\p{M}.'’ ]{2,40}(?:,[^()\n\-–—]{1,40})?\s+[-–—]+\s+"));

// "By Jane Doe |" or "By Jane Doe, Reuters" as the whole paragraph or in
// front of the lede (then a separator is required).
static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?:By|BY|by)\s+\p{Lu}[\p{L}.'’-]*(?:\s+(?:\p{Lu}[\p{L}.'’-]*|de|van|von|al|bin|and))*\s*(?:$|[|•]\s*(?:(\p{Lu}[\p{L}.&'’-]*(?:\s+\p{Lu}[\p{L}.&'’-]*){0,3})\s*$)?|,\s*([^\n,|]{1,60}?)\s*(?:$|[|•]\s*))",
    )
});

// "Faizan Hashmi 4 minutes ago Tue 01st December 2020 | 11:32 PM": a name
// followed by a publication time, as aggregators print it.
static BYLINE_WITH_TIME: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){0,3}\s+(?:\d{1,3}\s+(?:second|minute|hour|day|week)s?\s+ago|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s+\d{1,2})\b[^\n]{0,60}$",
    )
});

// "(Reporting by A; Editing by B)", "Additional reporting by C" as a whole
// paragraph or at the end of the last one.
static REPORTING_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?:^|\s)\(?(?:additional\s+)?(?:reporting|writing|editing|compiled|contributions?)\s+by\s[^()\n]{1,200}\)?\s*$",
    )
});

// "Reuters contributed to this report." as a whole paragraph.
static CONTRIBUTED_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)^(?:the\s+)?([\p{L}&.' ]{2,60}?)\s+contributed\s+to\s+this\s+(?:report|story|article)\.?$",
    )
});

/// How many leading paragraphs may carry a dateline or byline.
pub const LEADING_PARAGRAPHS: usize = 4;

/// Finds the credits of one paragraph. `leading` says whether the
/// paragraph is among the first few of the body, where datelines and
/// bylines stand; `last` whether it is the final paragraph, where agency
/// credits trail the text.
pub fn split_credits(text: &str, leading: bool, last: bool) -> CreditSplit {
    let mut credits = Vec::new();
    let mut start = 0;
    if leading {
        if let Some(found) = BYLINE
            .captures(text)
            .or_else(|| BYLINE_WITH_TIME.captures(text))
        {
            let whole = found.get(0).map_or(0..0, |m| m.range());
            start = whole.end;
            // "By Jane Doe | Reuters" or "By Jane Doe, Reuters": the agency
            // after the separator.
            let agencies = found
                .get(1)
                .or_else(|| found.get(2))
                .map(|m| vec![m.as_str().trim().to_owned()])
                .unwrap_or_default();
            credits.push(Credit {
                kind: CreditKind::Byline,
                span: whole,
                agencies,
            });
        }
        if let Some(caps) = DATELINE_WITH_AGENCY.captures(&text[start..]) {
            let whole = caps.get(0).map_or(0..0, |m| m.range());
            let agencies = caps
                .get(1)
                .map_or_else(Vec::new, |m| agencies_in(m.as_str()));
            credits.push(Credit {
                kind: CreditKind::Dateline,
                span: start + whole.start..start + whole.end,
                agencies,
            });
            start += whole.end;
        } else if let Some(found) = DATELINE_BARE.find(&text[start..]) {
            credits.push(Credit {
                kind: CreditKind::Dateline,
                span: start + found.start()..start + found.end(),
                agencies: Vec::new(),
            });
            start += found.end();
        }
    }
    let mut end = text.len();
    if let Some(caps) = CONTRIBUTED_CREDIT.captures(&text[start..]) {
        let agencies = caps
            .get(1)
            .map_or_else(Vec::new, |m| agencies_in(m.as_str()));
        credits.push(Credit {
            kind: CreditKind::Agency,
            span: start..end,
            agencies,
        });
        end = start;
    } else if let Some(found) = REPORTING_CREDIT.find(&text[start..]) {
        // Mid-body paragraphs only lose a credit that is the whole line;
        // the last paragraph may carry one after its text.
        let whole_line = text[start..start + found.start()].trim().is_empty();
        if whole_line || last {
            let credit_start = start + found.start() + leading_space(found.as_str());
            credits.push(Credit {
                kind: CreditKind::Agency,
                span: credit_start..end,
                agencies: Vec::new(),
            });
            end = start + found.start();
        }
    }
    let content = trim_span(text, start..end.max(start));
    CreditSplit { content, credits }
}

fn leading_space(matched: &str) -> usize {
    matched.len() - matched.trim_start().len()
}

fn trim_span(text: &str, span: Range<usize>) -> Range<usize> {
    let inner = &text[span.clone()];
    let start = span.start + leading_space(inner);
    start..start + inner.trim().len()
}

/// "UrduPoint News / Sputnik - 01st December, 2020" → ["UrduPoint News",
/// "Sputnik"]: the names before any date, split at slashes and commas.
fn agencies_in(credit: &str) -> Vec<String> {
    let undated = credit
        .find(|c: char| c.is_ascii_digit())
        .map_or(credit, |at| &credit[..at]);
    undated
        .split(['/', ',', ';', '-', '–', '—'])
        .map(str::trim)
        .filter(|name| name.chars().any(char::is_alphabetic) && !is_month_or_day(name))
        .map(str::to_owned)
        .collect()
}

fn is_month_or_day(word: &str) -> bool {
    const CALENDAR: &[&str] = &[
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ];
    let lower = word.trim_end_matches('.').to_lowercase();
    CALENDAR.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(text: &str, leading: bool, last: bool) -> &str {
        &text[split_credits(text, leading, last).content]
    }

    #[test]
    fn sputnik_dateline_is_stripped_and_agencies_named() {
        let text = "MOSCOW (UrduPoint News / Sputnik - 01st December, 2020) Moscow sees no intentional protracting.";
        let split = split_credits(text, true, false);
        assert_eq!(
            &text[split.content],
            "Moscow sees no intentional protracting."
        );
        assert_eq!(split.credits[0].kind, CreditKind::Dateline);
        assert_eq!(split.credits[0].agencies, vec!["UrduPoint News", "Sputnik"]);
    }

    #[test]
    fn reuters_and_ap_datelines_are_stripped() {
        assert_eq!(
            content("LONDON (Reuters) - Shares fell.", true, false),
            "Shares fell."
        );
        assert_eq!(
            content("WASHINGTON, Dec 1 (Reuters) - Shares fell.", true, false),
            "Shares fell."
        );
        assert_eq!(
            content("PARIS (AP) — Shares fell.", true, false),
            "Shares fell."
        );
        assert_eq!(
            content("BEIJING — Shares fell.", true, false),
            "Shares fell."
        );
    }

    #[test]
    fn datelines_only_count_at_the_top() {
        let text = "LONDON (Reuters) - Shares fell.";
        assert_eq!(content(text, false, false), text);
    }

    #[test]
    fn ordinary_sentences_are_not_datelines() {
        for text in [
            "Moscow sees no intentional protracting in the exchange.",
            "The US (United States) delegation left.",
            "NATO is expanding - officials say.",
        ] {
            assert_eq!(content(text, true, false), text, "{text}");
        }
    }

    #[test]
    fn bylines_are_stripped() {
        assert_eq!(content("By Jane Doe", true, false), "");
        assert_eq!(
            content("By Jane Doe | Shares fell.", true, false),
            "Shares fell."
        );
        assert_eq!(content("By Jane Doe, Reuters", true, false), "");
        let split = split_credits("By Jane Doe, Reuters", true, false);
        assert_eq!(split.credits[0].agencies, vec!["Reuters"]);
        assert_eq!(
            content(
                "Faizan Hashmi 4 minutes ago Tue 01st December 2020 | 11:32 PM",
                true,
                false
            ),
            ""
        );
        let lede = "By the end of the year, prices had fallen sharply across Europe.";
        assert_eq!(content(lede, true, false), lede);
    }

    #[test]
    fn agency_credits_are_stripped() {
        let split = split_credits("Reuters contributed to this report.", false, true);
        assert_eq!(split.content.len(), 0);
        assert_eq!(split.credits[0].agencies, vec!["Reuters"]);
        assert_eq!(
            content("(Reporting by Jane Doe; Editing by John Roe)", false, false),
            ""
        );
        assert_eq!(
            content(
                "Prices fell. (Reporting by Jane Doe; Editing by John Roe)",
                false,
                true
            ),
            "Prices fell."
        );
        let mid = "Prices fell. (Reporting by Jane Doe)";
        assert_eq!(content(mid, false, false), mid);
    }
}
