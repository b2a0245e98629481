//! TIME facts: time expressions in news text, normalised to ISO 8601.
//!
//! This module is the time half of wirecopy's fact extractor. A wire story
//! and the copies that newspapers make of it often word the same moment
//! differently ("on Tuesday", "on December 1", "yesterday"), so each
//! expression found in a paragraph is resolved against the article's
//! publication date into one comparable ISO 8601 value: a day, a month, a
//! year, a decade, an interval of days or years, or a duration. Expressions
//! that depend on the publication date stay unresolved (value `None`) when
//! that date is unknown, while absolute dates always resolve. The byte spans
//! returned here are also what the quantity extractor is told to skip, so
//! that years and day numbers are never reported as quantities.
//!
//! The recognisers are deliberately plain: a handful of regular expressions
//! for English news style, each followed by small checks on the words around
//! a match, and a final pass that keeps the longest of any overlapping
//! matches.

use std::sync::LazyLock;
use std::{cell::RefCell, collections::HashMap, ops::Range};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use regex::{Captures, Regex, RegexSet, SetMatches};

use crate::text::pattern::{compile, compile_set};

/// A time expression found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeMention {
    /// Byte span in the text that was searched.
    pub span: Range<usize>,
    /// The expression as written.
    pub text: String,
    /// ISO 8601 value, or None when it cannot be resolved (relative expression and no publication date).
    pub value: Option<String>,
    /// 0..1
    pub confidence: f32,
}

/// A calendar date written in full, or a value that needs no publication
/// date at all (a year, a month of a given year, a decade).
const ABSOLUTE_CONFIDENCE: f32 = 0.95;
/// A relative expression resolved against the publication date, or a
/// duration, which is exact but says nothing about where it sits in time.
const RESOLVED_CONFIDENCE: f32 = 0.85;
/// A relative expression that could not be resolved.
const UNRESOLVED_CONFIDENCE: f32 = 0.5;

/// A month-and-day written without a year normally takes the publication
/// year; only when that puts it this many days away from publication, on
/// the side the sentence does not point to, is the neighbouring year meant
/// (a story published on January 3 that mentions "December 28").
const YEAR_BOUNDARY_DAYS: i64 = 300;

/// Finds time expressions in `text` (one paragraph of a news article) and
/// normalises them against `published`, the article's publication date.
pub fn find_times(text: &str, published: Option<NaiveDate>) -> Vec<TimeMention> {
    let mut candidates = Vec::new();
    let searched = &SearchedText::new(text, published);
    find_iso_dates(searched, &mut candidates);
    find_calendar_dates(searched, &mut candidates);
    find_day_ranges(searched, &mut candidates);
    find_month_ranges(searched, &mut candidates);
    find_months_of_years(searched, &mut candidates);
    find_year_ranges(searched, &mut candidates);
    find_decades(searched, &mut candidates);
    find_years(searched, &mut candidates);
    find_lone_months(searched, &mut candidates);
    find_weekdays(searched, &mut candidates);
    find_relative_days(searched, &mut candidates);
    find_relative_periods(searched, &mut candidates);
    find_elapsed_times(searched, &mut candidates);

    keep_longest_non_overlapping(candidates)
        .into_iter()
        .map(|candidate| TimeMention {
            text: text[candidate.span.clone()].to_string(),
            span: candidate.span,
            value: candidate.value,
            confidence: candidate.confidence,
        })
        .collect()
}

/// One recogniser's reading of a span, before overlaps are settled.
struct Candidate {
    span: Range<usize>,
    value: Option<String>,
    confidence: f32,
}

impl Candidate {
    fn absolute(span: Range<usize>, value: String) -> Self {
        Candidate {
            span,
            value: Some(value),
            confidence: ABSOLUTE_CONFIDENCE,
        }
    }

    fn duration(span: Range<usize>, value: String) -> Self {
        Candidate {
            span,
            value: Some(value),
            confidence: RESOLVED_CONFIDENCE,
        }
    }

    /// A mention whose value depends on the publication date. `resolve`
    /// returns None only for impossible results (February 29 in a common
    /// year), which are reported like a missing publication date.
    fn relative(
        span: Range<usize>,
        published: Option<NaiveDate>,
        resolve: impl FnOnce(NaiveDate) -> Option<String>,
    ) -> Self {
        match published.and_then(resolve) {
            Some(value) => Candidate {
                span,
                value: Some(value),
                confidence: RESOLVED_CONFIDENCE,
            },
            None => Candidate {
                span,
                value: None,
                confidence: UNRESOLVED_CONFIDENCE,
            },
        }
    }
}

/// Several recognisers may read the same words ("Friday", "July 21" and
/// "2017" inside "Friday, July 21, 2017"); the longest reading carries the
/// most information, so it wins, and earlier recognisers win ties.
fn keep_longest_non_overlapping(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| {
        b.span
            .len()
            .cmp(&a.span.len())
            .then(a.span.start.cmp(&b.span.start))
    });
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        let overlaps = kept.iter().any(|other| {
            candidate.span.start < other.span.end && other.span.start < candidate.span.end
        });
        if !overlaps {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|candidate| candidate.span.start);
    kept
}

// Month and weekday names are matched case-sensitively: news capitalises
// them, and that is what keeps the verb "may" or the noun "march" out.
const MONTH_NAMES: &str =
    "January|February|March|April|May|June|July|August|September|October|November|December";
// "Sept" comes before "Sep" so that the longer spelling is taken whole.
const MONTH_ABBREVIATIONS: &str = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";
const WEEKDAY_NAMES: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";
const WEEKDAY_ABBREVIATIONS: &str = "Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun";

/// A month, full or abbreviated. The word boundary sits before the optional
/// full stop of "Dec." because a boundary cannot follow a full stop that a
/// space follows.
fn month_pattern() -> String {
    format!(r"(?:(?:{MONTH_NAMES})\b|(?:{MONTH_ABBREVIATIONS})\b\.?)")
}

/// An optional weekday in front of a date ("Friday, July 21", "Tue 01st
/// December"); it belongs to the span but the date alone gives the value.
fn weekday_prefix_pattern() -> String {
    format!(r"(?:(?:(?:{WEEKDAY_NAMES})\b|(?:{WEEKDAY_ABBREVIATIONS})\b\.?),?\s+(?:the\s+)?)?")
}

static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"));

static MONTH_FIRST_DATE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b{weekday}(?P<month>{month})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?",
        weekday = weekday_prefix_pattern(),
        month = month_pattern(),
    ))
});

static DAY_FIRST_DATE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b{weekday}(?P<day>\d{{1,2}})(?:(?:st|nd|rd|th)(?:\s+of)?)?\s+(?P<month>{month})(?:,?\s+(?P<year>\d{{4}})\b)?",
        weekday = weekday_prefix_pattern(),
        month = month_pattern(),
    ))
});

static MONTH_FIRST_DAY_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?P<month>{month})\s+(?P<first>\d{{1,2}})(?:st|nd|rd|th)?\s?[-–]\s?(?P<last>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?",
        month = month_pattern(),
    ))
});

static DAY_FIRST_DAY_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?P<first>\d{{1,2}})(?:st|nd|rd|th)?\s?[-–]\s?(?P<last>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{month})(?:,?\s+(?P<year>\d{{4}})\b)?",
        month = month_pattern(),
    ))
});

static MONTH_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?P<first>{month})\s?[-–]\s?(?P<last>{month})(?:,?\s+(?P<year>\d{{4}})\b)?",
        month = month_pattern(),
    ))
});

static MONTH_OF_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?P<month>{month})(?:,|\s+of)?\s+(?P<year>\d{{4}})\b",
        month = month_pattern(),
    ))
});

static YEAR_RANGE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?P<start>\d{4})\s?[-–—]\s?(?P<end>\d{4}|\d{2})\b"));

static WORDED_YEAR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?i:from|between)\s+(?P<start>\d{4})\s+(?i:to|and|until|till|through)\s+(?P<end>\d{4})\b",
    )
});

static DECADE: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?P<decade>(?:1[89]|20)\d)0'?s\b"));

static FOUR_DIGITS: LazyLock<Regex> = LazyLock::new(|| compile(r"\b\d{4}\b"));

static LONE_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:(?P<modifier>(?i:earlier\s+this|later\s+this|last|next|this))\s+)?(?P<month>{MONTH_NAMES})\b"
    ))
});

static WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:(?P<modifier>(?i:last|next|this\s+coming|this\s+past|this))\s+)?(?P<weekday>{WEEKDAY_NAMES})\b"
    ))
});

static RELATIVE_DAY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:day\s+before\s+yesterday|day\s+after\s+tomorrow|yesterday|today|tomorrow|tonight|this\s+(?:morning|afternoon|evening)|last\s+night)\b",
    )
});

static RELATIVE_PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?P<modifier>earlier\s+this|later\s+this|this\s+past|last|this|next|past)\s+(?P<unit>weekend|week|month|year)\b",
    )
});

static ELAPSED_TIME: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:(?P<hedge>less\s+than|more\s+than|fewer\s+than|just\s+over|just\s+under|over|under|about|around|nearly|almost|roughly|approximately|some)\s+)?(?P<count>\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\s+(?P<unit>minute|hour|day|week|fortnight|month|year|decade)s?\s+ago\b",
    )
});

/// The paragraph every recogniser reads, with what they all need: the
/// publication date, the sentences that speak of the future, and which
/// recognisers' patterns match somewhere in it, found in one pass of a set
/// of all of them. Most paragraphs hold one or two kinds of time
/// expression at most; the other recognisers then skip their own pass,
/// which made date finding several times faster on BBC text. A pattern
/// the set says is absent has no match, so results are the same as
/// running it.
struct SearchedText<'t> {
    text: &'t str,
    published: Option<NaiveDate>,
    future: FutureSentences<'t>,
    present: SetMatches,
}

static EVERY_PATTERN: LazyLock<RegexSet> =
    LazyLock::new(|| compile_set(RECOGNISERS.iter().map(|pattern| &***pattern)));

/// Every recogniser's pattern, in the set's order.
static RECOGNISERS: [&LazyLock<Regex>; 16] = [
    &ISO_DATE,
    &MONTH_FIRST_DATE,
    &DAY_FIRST_DATE,
    &MONTH_FIRST_DAY_RANGE,
    &DAY_FIRST_DAY_RANGE,
    &MONTH_RANGE,
    &MONTH_OF_YEAR,
    &YEAR_RANGE,
    &WORDED_YEAR_RANGE,
    &DECADE,
    &FOUR_DIGITS,
    &LONE_MONTH,
    &WEEKDAY,
    &RELATIVE_DAY,
    &RELATIVE_PERIOD,
    &ELAPSED_TIME,
];

impl<'t> SearchedText<'t> {
    fn new(text: &'t str, published: Option<NaiveDate>) -> Self {
        SearchedText {
            text,
            published,
            future: FutureSentences::new(text),
            present: EVERY_PATTERN.matches(text),
        }
    }

    /// `pattern`, if it matches somewhere in the text.
    fn pattern(&self, pattern: &'static LazyLock<Regex>) -> Option<&'static Regex> {
        let index = RECOGNISERS
            .iter()
            .position(|known| std::ptr::eq(*known, pattern))?;
        self.present.matched(index).then(|| &**pattern)
    }

    fn captures_iter(
        &self,
        pattern: &'static LazyLock<Regex>,
    ) -> impl Iterator<Item = Captures<'t>> + use<'t> {
        let text = self.text;
        self.pattern(pattern)
            .into_iter()
            .flat_map(move |pattern| pattern.captures_iter(text))
    }

    fn find_iter(
        &self,
        pattern: &'static LazyLock<Regex>,
    ) -> impl Iterator<Item = regex::Match<'t>> + use<'t> {
        let text = self.text;
        self.pattern(pattern)
            .into_iter()
            .flat_map(move |pattern| pattern.find_iter(text))
    }
}

fn find_iso_dates(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    for captures in searched.captures_iter(&ISO_DATE) {
        let whole = whole_match(&captures);
        if continues_as_number(&text[whole.end..]) {
            continue;
        }
        let date = NaiveDate::from_ymd_opt(
            number_in(&captures, "year"),
            number_in(&captures, "month"),
            number_in(&captures, "day"),
        );
        if let Some(date) = date {
            candidates.push(Candidate::absolute(whole, date.to_string()));
        }
    }
}

/// Dates with a day and a month, written month first ("December 1, 2020")
/// or day first ("01st December, 2020"), with or without a year.
fn find_calendar_dates(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for pattern in [&MONTH_FIRST_DATE, &DAY_FIRST_DATE] {
        for captures in searched.captures_iter(pattern) {
            let whole = whole_match(&captures);
            if continues_as_number(&text[whole.end..]) {
                continue;
            }
            let Some(month) = captures
                .name("month")
                .and_then(|m| month_number(m.as_str()))
            else {
                continue;
            };
            let day: u32 = number_in(&captures, "day");
            match captures.name("year") {
                Some(year) => {
                    let year = year.as_str().parse().unwrap_or(0);
                    if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                        candidates.push(Candidate::absolute(whole, date.to_string()));
                    }
                }
                None => {
                    if !day_exists_in_some_year(month, day) {
                        continue;
                    }
                    let future = searched.future.speak_of_future(&whole);
                    candidates.push(Candidate::relative(whole, published, |published| {
                        date_without_year(published, month, day, future).map(|d| d.to_string())
                    }));
                }
            }
        }
    }
}

/// Runs of days in one month ("December 10-11", "10-11 December 2020")
/// become ISO date intervals.
fn find_day_ranges(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for pattern in [&MONTH_FIRST_DAY_RANGE, &DAY_FIRST_DAY_RANGE] {
        for captures in searched.captures_iter(pattern) {
            let whole = whole_match(&captures);
            // "6-4 5-7": a digit or hyphen in front, even across a space,
            // makes this one of a row of scores.
            let glued_before = text[..whole.start]
                .trim_end()
                .ends_with(|c: char| c.is_ascii_digit() || c == '-');
            if glued_before || continues_as_number(&text[whole.end..]) {
                continue;
            }
            let Some(month) = captures
                .name("month")
                .and_then(|m| month_number(m.as_str()))
            else {
                continue;
            };
            let first: u32 = number_in(&captures, "first");
            let last: u32 = number_in(&captures, "last");
            if first >= last || !day_exists_in_some_year(month, last) || first == 0 {
                continue;
            }
            let interval_in = |year: i32| {
                let start = NaiveDate::from_ymd_opt(year, month, first)?;
                let end = NaiveDate::from_ymd_opt(year, month, last)?;
                Some(format!("{start}/{end}"))
            };
            match captures.name("year") {
                Some(year) => {
                    if let Some(value) = year.as_str().parse().ok().and_then(interval_in) {
                        candidates.push(Candidate::absolute(whole, value));
                    }
                }
                None => {
                    let future = searched.future.speak_of_future(&whole);
                    candidates.push(Candidate::relative(whole, published, |published| {
                        let year = date_without_year(published, month, first, future)?.year();
                        interval_in(year)
                    }));
                }
            }
        }
    }
}

/// Runs of months ("the April-June quarter", "Dec-Feb 2020") become ISO
/// month intervals; a run that crosses New Year starts in the year before
/// the one it ends in.
fn find_month_ranges(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for captures in searched.captures_iter(&MONTH_RANGE) {
        let whole = whole_match(&captures);
        let first = captures
            .name("first")
            .and_then(|m| month_number(m.as_str()));
        let last = captures.name("last").and_then(|m| month_number(m.as_str()));
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        if first == last || continues_as_number(&text[whole.end..]) {
            continue;
        }
        let interval_ending_in = move |end_year: i32| {
            let start_year = if first < last { end_year } else { end_year - 1 };
            format!("{start_year:04}-{first:02}/{end_year:04}-{last:02}")
        };
        match captures.name("year") {
            Some(year) => {
                let year: i32 = year.as_str().parse().unwrap_or(0);
                candidates.push(Candidate::absolute(whole, interval_ending_in(year)));
            }
            None => {
                let future = searched.future.speak_of_future(&whole);
                candidates.push(Candidate::relative(whole, published, |published| {
                    let (end_year, _) = resolve_lone_month(published, last, None, future);
                    Some(interval_ending_in(end_year))
                }));
            }
        }
    }
}

fn find_months_of_years(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    for captures in searched.captures_iter(&MONTH_OF_YEAR) {
        let whole = whole_match(&captures);
        if continues_as_number(&text[whole.end..]) {
            continue;
        }
        let Some(month) = captures
            .name("month")
            .and_then(|m| month_number(m.as_str()))
        else {
            continue;
        };
        let year: i32 = number_in(&captures, "year");
        candidates.push(Candidate::absolute(whole, format!("{year:04}-{month:02}")));
    }
}

/// "1988-1994", "2019-20" and "between 1990 and 1995" become ISO year
/// intervals ("1988/1994").
fn find_year_ranges(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    for captures in searched.captures_iter(&YEAR_RANGE) {
        let whole = whole_match(&captures);
        // A digit or hyphen around the range means it is part of something
        // else: a full ISO date, a phone number, a code.
        let glued_before = text[..whole.start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '/');
        let after = &text[whole.end..];
        if glued_before || after.starts_with('-') || continues_as_number(after) {
            continue;
        }
        if let Some(value) = year_interval(&captures) {
            candidates.push(Candidate::absolute(whole, value));
        }
    }
    for captures in searched.captures_iter(&WORDED_YEAR_RANGE) {
        let (Some(start), Some(end)) = (captures.name("start"), captures.name("end")) else {
            continue;
        };
        if followed_by_counted_noun(&text[end.end()..]) || continues_as_number(&text[end.end()..]) {
            continue;
        }
        if let Some(value) = year_interval(&captures) {
            // The preposition is not part of the expression, only its cue.
            candidates.push(Candidate::absolute(start.start()..end.end(), value));
        }
    }
}

fn year_interval(captures: &Captures) -> Option<String> {
    let start: i32 = captures.name("start")?.as_str().parse().ok()?;
    let written_end = captures.name("end")?.as_str();
    let mut end: i32 = written_end.parse().ok()?;
    if written_end.len() == 2 {
        // "2019-20": the end shares the start's century, or the next one
        // when it would otherwise come first ("1999-00").
        end += start - start % 100;
        if end <= start {
            end += 100;
        }
    }
    (is_plausible_year(start) && is_plausible_year(end) && end > start)
        .then(|| format!("{start:04}/{end:04}"))
}

fn find_decades(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    for captures in searched.captures_iter(&DECADE) {
        let whole = whole_match(&captures);
        if text[..whole.start].ends_with(['$', '£', '€', '¥']) {
            continue;
        }
        if let Some(decade) = captures.name("decade") {
            candidates.push(Candidate::absolute(whole, decade.as_str().to_string()));
        }
    }
}

fn find_years(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    for found in searched.find_iter(&FOUR_DIGITS) {
        let span = found.range();
        let year: i32 = found.as_str().parse().unwrap_or(0);
        if is_plausible_year(year) && reads_as_year(text, &span) {
            candidates.push(Candidate::absolute(span, found.as_str().to_string()));
        }
    }
}

fn is_plausible_year(year: i32) -> bool {
    (1800..=2100).contains(&year)
}

/// Words after which a four-digit number is a year: time prepositions,
/// determiners ("the 2004 election"), and words that qualify a year.
const YEAR_LEAD_WORDS: &[&str] = &[
    "in",
    "since",
    "by",
    "of",
    "until",
    "till",
    "from",
    "during",
    "before",
    "after",
    "between",
    "through",
    "throughout",
    "circa",
    "the",
    "a",
    "an",
    "this",
    "that",
    "its",
    "their",
    "his",
    "her",
    "our",
    "early",
    "late",
    "mid",
    "fiscal",
    "year",
    "summer",
    "spring",
    "autumn",
    "fall",
    "winter",
];

/// Words after which a four-digit number is a year even with no cue before
/// it ("2004 election", "2020 was").
const YEAR_FOLLOWERS: &[&str] = &[
    "election",
    "elections",
    "season",
    "war",
    "census",
    "budget",
    "campaign",
    "crisis",
    "olympics",
    "olympic games",
    "paralympics",
    "games",
    "world cup",
    "championship",
    "championships",
    "tournament",
    "referendum",
    "race",
    "vote",
    "midterms",
    "primary",
    "primaries",
    "summit",
    "final",
    "finals",
    "playoffs",
    "earthquake",
    "tsunami",
    "attack",
    "attacks",
    "riots",
    "revolution",
    "recession",
    "uprising",
    "coup",
    "floods",
    "invasion",
    "model",
    "edition",
    "report",
    "study",
    "survey",
    "agreement",
    "accord",
    "treaty",
    "deal",
    "law",
    "was",
    "saw",
];

/// Nouns that make a number a count or a measure even without the usual
/// plural "-s" ("1900 people", "in 1900 km").
const COUNTED_NOUNS: &[&str] = &[
    "people",
    "men",
    "women",
    "children",
    "police",
    "staff",
    "personnel",
    "troops",
    "cattle",
    "sheep",
    "fish",
    "km",
    "kg",
    "mph",
    "ft",
    "lb",
    "mw",
    "gw",
    "kw",
    "sq",
];

/// Decides whether a four-digit number between 1800 and 2100 is a year
/// rather than a count, an amount or part of a longer number.
fn reads_as_year(text: &str, span: &Range<usize>) -> bool {
    let before = &text[..span.start];
    let after = &text[span.end..];
    if glued_to_other_figures(before) || continues_as_number(after) || after.starts_with('-') {
        return false;
    }
    if followed_by_counted_noun(after) {
        return false;
    }
    let lead = previous_word(before);
    if YEAR_LEAD_WORDS
        .iter()
        .any(|word| lead.eq_ignore_ascii_case(word))
    {
        return true;
    }
    starts_with_any_phrase(after, YEAR_FOLLOWERS)
}

/// Money signs, other digits or a hyphen in front of a number make it an
/// amount, part of a bigger number, or the end of a range or code; only
/// "mid-2020" keeps its hyphen as a year.
fn glued_to_other_figures(before: &str) -> bool {
    let Some(last) = before.chars().next_back() else {
        return false;
    };
    match last {
        '$' | '£' | '€' | '¥' | '₹' | '#' | '/' | '.' | ',' | ':' => true,
        '-' => !previous_word(before).eq_ignore_ascii_case("mid"),
        other => other.is_alphanumeric(),
    }
}

/// True when the text right after a number keeps it going as a number or
/// turns it into a percentage ("2,000", "2004.5", "2004%", "12-4").
fn continues_as_number(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() || c == '%' => true,
        Some(',' | '.' | ':' | '-' | '/') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// A lowercase plural-looking word or a known counted noun after a number
/// means the number counts things ("1900 votes", "by 2000 protesters").
fn followed_by_counted_noun(after: &str) -> bool {
    if !after.starts_with(char::is_whitespace) {
        return false;
    }
    let word = next_word(after);
    if word.is_empty() || !word.starts_with(char::is_lowercase) {
        return false;
    }
    if COUNTED_NOUNS.contains(&word) {
        return true;
    }
    let looks_plural = word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is");
    looks_plural && !starts_with_any_phrase(after, YEAR_FOLLOWERS)
}

/// Words that let a bare month name stand as a date, and that "May" needs
/// in front of it before it is read as a month.
const MONTH_LEAD_WORDS: &[&str] = &[
    "in",
    "since",
    "until",
    "till",
    "by",
    "from",
    "during",
    "before",
    "after",
    "through",
    "throughout",
    "of",
    "early",
    "late",
    "mid",
    "end",
    "last",
    "next",
];

/// Months without a day: "in March", "last March", "next March".
fn find_lone_months(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for captures in searched.captures_iter(&LONE_MONTH) {
        let whole = whole_match(&captures);
        let Some(month_match) = captures.name("month") else {
            continue;
        };
        let Some(month) = month_number(month_match.as_str()) else {
            continue;
        };
        let modifier = captures
            .name("modifier")
            .map(|m| normalise_words(m.as_str()));
        if modifier.is_none() && !reads_as_lone_month(text, &whole, month_match.as_str()) {
            continue;
        }
        let future = searched.future.speak_of_future(&whole);
        candidates.push(Candidate::relative(whole, published, |published| {
            let (year, month) = resolve_lone_month(published, month, modifier.as_deref(), future);
            Some(format!("{year:04}-{month:02}"))
        }));
    }
}

/// Month names that are also everyday words, even capitalised: "May" (a
/// verb and a surname) and "March" (a verb and a noun that opens sentences:
/// "March organisers said").
const AMBIGUOUS_MONTH_NAMES: &[&str] = &["May", "March"];

/// A bare capitalised month name is a month after a time word; without one
/// it is still taken, unless it is an ambiguous name or a capitalised word
/// follows it, which makes it a first name ("April Ryan").
fn reads_as_lone_month(text: &str, span: &Range<usize>, month_name: &str) -> bool {
    let after = &text[span.end..];
    // A number after the month makes it a date; when the date recognisers
    // rejected it ("April 31"), the month alone is no better a reading.
    if after.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let lead = previous_word(&text[..span.start]);
    if MONTH_LEAD_WORDS
        .iter()
        .any(|word| lead.eq_ignore_ascii_case(word))
    {
        return true;
    }
    if AMBIGUOUS_MONTH_NAMES.contains(&month_name) {
        return false;
    }
    let followed_by_name =
        after.starts_with(' ') && next_word(after).starts_with(char::is_uppercase);
    !followed_by_name
}

/// News reports the past, so a bare month after the publication month is
/// last year's; a sentence about the future points to the coming one.
fn resolve_lone_month(
    published: NaiveDate,
    month: u32,
    modifier: Option<&str>,
    future: bool,
) -> (i32, u32) {
    let year = published.year();
    let current = published.month();
    match modifier {
        Some("last") => {
            if month < current {
                (year, month)
            } else {
                (year - 1, month)
            }
        }
        Some("next") => {
            if month > current {
                (year, month)
            } else {
                (year + 1, month)
            }
        }
        Some(_) => (year, month),
        None if future => {
            if month >= current {
                (year, month)
            } else {
                (year + 1, month)
            }
        }
        None => {
            if month <= current {
                (year, month)
            } else {
                (year - 1, month)
            }
        }
    }
}

/// Capitalised words that turn a weekday into the name of a particular day
/// ("Black Friday", "Super Tuesday") rather than a reference to this week.
const NAMED_DAY_QUALIFIERS: &[&str] = &[
    "Black",
    "Good",
    "Super",
    "Ash",
    "Bloody",
    "Easter",
    "Palm",
    "Holy",
    "Cyber",
    "Giving",
    "Maundy",
    "Shrove",
    "Fat",
    "Whit",
    "Low",
    "Mothering",
    "Remembrance",
];

/// Newspapers named after a weekday ("the Sunday Times").
const NEWSPAPER_WORDS: &[&str] = &[
    "Times",
    "Telegraph",
    "Mirror",
    "Express",
    "Herald",
    "Post",
    "Mail",
    "Independent",
];

/// How a weekday relates to the publication date.
#[derive(Clone, Copy, Debug, PartialEq)]
enum WeekdayDirection {
    /// The latest such day on or before publication ("on Tuesday", said of the past).
    OnOrBefore,
    /// Strictly before publication ("last Friday" said on a Friday is a week ago).
    Before,
    /// The first such day on or after publication ("will meet on Friday").
    OnOrAfter,
    /// Strictly after publication ("next Tuesday" said on a Tuesday).
    After,
}

fn find_weekdays(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for captures in searched.captures_iter(&WEEKDAY) {
        let whole = whole_match(&captures);
        let Some(weekday_match) = captures.name("weekday") else {
            continue;
        };
        let Some(weekday) = weekday_named(weekday_match.as_str()) else {
            continue;
        };
        let modifier = captures
            .name("modifier")
            .map(|m| normalise_words(m.as_str()));
        if modifier.is_none() {
            let lead = previous_word(&text[..whole.start]);
            if NAMED_DAY_QUALIFIERS.contains(&lead) {
                continue;
            }
            let next = next_word(&text[whole.end..]);
            if weekday == Weekday::Sun && NEWSPAPER_WORDS.contains(&next) {
                continue;
            }
        }
        let direction = match modifier.as_deref() {
            Some("last") | Some("this past") => WeekdayDirection::Before,
            Some("next") => WeekdayDirection::After,
            Some("this coming") => WeekdayDirection::OnOrAfter,
            _ if searched.future.speak_of_future(&whole) => WeekdayDirection::OnOrAfter,
            _ => WeekdayDirection::OnOrBefore,
        };
        candidates.push(Candidate::relative(whole, published, |published| {
            weekday_near(published, weekday, direction).map(|date| date.to_string())
        }));
    }
}

fn weekday_near(
    published: NaiveDate,
    weekday: Weekday,
    direction: WeekdayDirection,
) -> Option<NaiveDate> {
    let from = published.weekday().num_days_from_monday();
    let to = weekday.num_days_from_monday();
    let days_back = u64::from((from + 7 - to) % 7);
    let days_ahead = u64::from((to + 7 - from) % 7);
    match direction {
        WeekdayDirection::OnOrBefore => published.checked_sub_days(Days::new(days_back)),
        WeekdayDirection::Before => published.checked_sub_days(Days::new(match days_back {
            0 => 7,
            days => days,
        })),
        WeekdayDirection::OnOrAfter => published.checked_add_days(Days::new(days_ahead)),
        WeekdayDirection::After => published.checked_add_days(Days::new(match days_ahead {
            0 => 7,
            days => days,
        })),
    }
}

/// "today", "yesterday", "tomorrow", "tonight", "this morning" and the like.
fn find_relative_days(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for found in searched.find_iter(&RELATIVE_DAY) {
        // Capitalised inside a sentence, "Today" names a programme or a
        // newspaper ("the BBC's Today programme", "USA Today").
        if found.as_str() == "Today" && !starts_sentence(&text[..found.start()]) {
            continue;
        }
        let words = normalise_words(found.as_str());
        // "last night" is usually the evening before a morning's story.
        let (days_back, days_ahead) = match words.as_str() {
            "day before yesterday" => (2, 0),
            "yesterday" | "last night" => (1, 0),
            "tomorrow" => (0, 1),
            "day after tomorrow" => (0, 2),
            _ => (0, 0),
        };
        candidates.push(Candidate::relative(found.range(), published, |published| {
            published
                .checked_sub_days(Days::new(days_back))?
                .checked_add_days(Days::new(days_ahead))
                .map(|date| date.to_string())
        }));
    }
}

/// "last week", "this month", "next year", "earlier this year", "last
/// weekend" and their relatives.
fn find_relative_periods(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let text = searched.text;
    let published = searched.published;
    for captures in searched.captures_iter(&RELATIVE_PERIOD) {
        let whole = whole_match(&captures);
        let after = &text[whole.end..];
        // "the last week of June" names a week of June, not of the calendar
        // around the publication date.
        if next_word(after).eq_ignore_ascii_case("of") {
            continue;
        }
        let (Some(modifier), Some(unit)) = (captures.name("modifier"), captures.name("unit"))
        else {
            continue;
        };
        let modifier = normalise_words(modifier.as_str());
        let unit = unit.as_str().to_lowercase();
        let after_the = previous_word(&text[..whole.start]).eq_ignore_ascii_case("the");
        // "the past year", "over the next month": a stretch of time, not a
        // calendar period.
        if modifier == "past" || (after_the && (modifier == "last" || modifier == "next")) {
            if let Some(duration) = one_unit_duration(&unit) {
                candidates.push(Candidate::duration(whole, duration));
            }
            continue;
        }
        let offset: i32 = match modifier.as_str() {
            "last" | "this past" => -1,
            "next" => 1,
            _ => 0,
        };
        candidates.push(Candidate::relative(whole, published, |published| {
            calendar_period(published, &unit, offset)
        }));
    }
}

fn one_unit_duration(unit: &str) -> Option<String> {
    match unit {
        "week" => Some("P1W".to_string()),
        "month" => Some("P1M".to_string()),
        "year" => Some("P1Y".to_string()),
        _ => None,
    }
}

/// The week, weekend, month or year `offset` periods away from the one the
/// publication date falls in. Weeks are ISO weeks, Monday to Sunday.
fn calendar_period(published: NaiveDate, unit: &str, offset: i32) -> Option<String> {
    match unit {
        "week" => {
            let monday = shift_days(monday_of(published)?, 7 * i64::from(offset))?;
            let sunday = monday.checked_add_days(Days::new(6))?;
            Some(format!("{monday}/{sunday}"))
        }
        "weekend" => {
            let sunday = if offset < 0 {
                // The last weekend that is over: on a Sunday that is the one
                // before, since the current one is still going on.
                let days_since_sunday = match published.weekday().num_days_from_sunday() {
                    0 => 7,
                    days => days,
                };
                published.checked_sub_days(Days::new(u64::from(days_since_sunday)))?
            } else {
                let monday = shift_days(monday_of(published)?, 7 * i64::from(offset))?;
                monday.checked_add_days(Days::new(6))?
            };
            let saturday = sunday.checked_sub_days(Days::new(1))?;
            Some(format!("{saturday}/{sunday}"))
        }
        "month" => {
            let (year, month) = shift_month(published.year(), published.month(), offset);
            Some(format!("{year:04}-{month:02}"))
        }
        "year" => Some(format!("{:04}", published.year() + offset)),
        _ => None,
    }
}

/// "two years ago", "a week ago", "less than a month ago".
fn find_elapsed_times(searched: &SearchedText<'_>, candidates: &mut Vec<Candidate>) {
    let published = searched.published;
    for captures in searched.captures_iter(&ELAPSED_TIME) {
        let whole = whole_match(&captures);
        let (Some(count), Some(unit)) = (captures.name("count"), captures.name("unit")) else {
            continue;
        };
        let Some(count) = small_count(count.as_str()) else {
            continue;
        };
        let unit = unit.as_str().to_lowercase();
        // A hedge ("less than a month ago") leaves only the length of time
        // for certain, so the value is a duration rather than a date.
        if captures.name("hedge").is_some() {
            if let Some(duration) = elapsed_duration(count, &unit) {
                candidates.push(Candidate::duration(whole, duration));
            }
            continue;
        }
        candidates.push(Candidate::relative(whole, published, |published| {
            time_ago(published, count, &unit)
        }));
    }
}

fn elapsed_duration(count: u32, unit: &str) -> Option<String> {
    match unit {
        "minute" => Some(format!("PT{count}M")),
        "hour" => Some(format!("PT{count}H")),
        "day" => Some(format!("P{count}D")),
        "week" => Some(format!("P{count}W")),
        "fortnight" => Some(format!("P{}W", count * 2)),
        "month" => Some(format!("P{count}M")),
        "year" => Some(format!("P{count}Y")),
        "decade" => Some(format!("P{}Y", count * 10)),
        _ => None,
    }
}

/// The value keeps the precision the expression has: days ago give a day,
/// months ago a month, years ago a year.
fn time_ago(published: NaiveDate, count: u32, unit: &str) -> Option<String> {
    let days_back = match unit {
        "minute" | "hour" => 0,
        "day" => u64::from(count),
        "week" => 7 * u64::from(count),
        "fortnight" => 14 * u64::from(count),
        "month" => {
            let (year, month) = shift_month(published.year(), published.month(), -(count as i32));
            return Some(format!("{year:04}-{month:02}"));
        }
        "year" => return Some(format!("{:04}", published.year() - count as i32)),
        "decade" => return Some(format!("{:04}", published.year() - 10 * count as i32)),
        _ => return None,
    };
    published
        .checked_sub_days(Days::new(days_back))
        .map(|date| date.to_string())
}

fn small_count(word: &str) -> Option<u32> {
    if let Ok(number) = word.parse() {
        return Some(number);
    }
    const WORDS: [&str; 20] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let word = word.to_lowercase();
    if word == "a" || word == "an" {
        return Some(1);
    }
    WORDS
        .iter()
        .position(|candidate| *candidate == word)
        .and_then(|index| u32::try_from(index + 1).ok())
}

/// The publication year, unless the sentence and a distance of most of a
/// year both say the neighbouring year is meant.
fn date_without_year(
    published: NaiveDate,
    month: u32,
    day: u32,
    future: bool,
) -> Option<NaiveDate> {
    let in_publication_year = NaiveDate::from_ymd_opt(published.year(), month, day)?;
    let days_from_publication = (in_publication_year - published).num_days();
    if !future && days_from_publication > YEAR_BOUNDARY_DAYS {
        NaiveDate::from_ymd_opt(published.year() - 1, month, day)
    } else if future && days_from_publication < -YEAR_BOUNDARY_DAYS {
        NaiveDate::from_ymd_opt(published.year() + 1, month, day)
    } else {
        Some(in_publication_year)
    }
}

fn day_exists_in_some_year(month: u32, day: u32) -> bool {
    // 2000 is a leap year, so February 29 counts as a real date here.
    NaiveDate::from_ymd_opt(2000, month, day).is_some()
}

/// Words that make a sentence talk about what is still to come. They are
/// matched on whole words of the lowercased sentence.
const FUTURE_MARKERS: &[&str] = &[
    " will ",
    " would ",
    " next ",
    " going to ",
    " scheduled ",
    " plans to ",
    " won't ",
    "'ll ",
];

/// Whether the sentence around a span speaks of the future, judged once
/// per sentence: a text can hold thousands of dates in one sentence, and
/// reading the sentence again for each would take quadratic time.
struct FutureSentences<'a> {
    text: &'a str,
    /// Byte offsets of the sentence ends (see [`ends_sentence`]), sorted.
    ends: Vec<usize>,
    /// Verdicts so far, by sentence span.
    judged: RefCell<HashMap<(usize, usize), bool>>,
}

impl<'a> FutureSentences<'a> {
    fn new(text: &'a str) -> Self {
        // Only these four bytes can end one: find them with memchr rather
        // than test every byte (the test was a tenth of date finding).
        let bytes = text.as_bytes();
        let mut ends: Vec<usize> = memchr::memchr3_iter(b'.', b'!', b'?', bytes)
            .chain(memchr::memchr_iter(b'\n', bytes))
            .filter(|&index| ends_sentence(bytes, index))
            .collect();
        ends.sort_unstable();
        FutureSentences {
            text,
            ends,
            judged: RefCell::default(),
        }
    }

    /// Whether the sentence holding `span` (from the previous sentence end
    /// to the next one, however many `span` itself crosses) speaks of the
    /// future.
    fn speak_of_future(&self, span: &Range<usize>) -> bool {
        let before = self.ends.partition_point(|&end| end < span.start);
        let start = before
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .map_or(0, |end| end + 1);
        let after = self.ends.partition_point(|&end| end < span.end);
        let end = self.ends.get(after).map_or(self.text.len(), |end| end + 1);
        *self
            .judged
            .borrow_mut()
            .entry((start, end))
            .or_insert_with(|| speaks_of_future(self.text.get(start..end).unwrap_or("")))
    }
}

/// Whether a byte ends a sentence: a full stop, exclamation or question
/// mark followed by a space (or the end), or a line break. Only ASCII bytes
/// match, so every end is also a character boundary.
fn ends_sentence(bytes: &[u8], index: usize) -> bool {
    match bytes.get(index) {
        Some(b'\n') => true,
        Some(b'.' | b'!' | b'?') => bytes
            .get(index + 1)
            .is_none_or(|next| next.is_ascii_whitespace()),
        _ => false,
    }
}

fn speaks_of_future(sentence: &str) -> bool {
    let mut words = String::with_capacity(sentence.len() + 2);
    words.push(' ');
    for c in sentence.chars() {
        match c {
            '’' | '\'' => words.push('\''),
            c if c.is_alphanumeric() => words.extend(c.to_lowercase()),
            _ => words.push(' '),
        }
    }
    words.push(' ');
    FUTURE_MARKERS.iter().any(|marker| words.contains(marker))
}

/// Whether a word after `before` opens a sentence: nothing but spaces,
/// quotes and brackets since the start of the text or a sentence end.
fn starts_sentence(before: &str) -> bool {
    let trimmed = before.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '“' | '‘' | '(' | '[' | '«')
    });
    trimmed.is_empty() || trimmed.ends_with(['.', '!', '?', ':', ';'])
}

fn month_number(name: &str) -> Option<u32> {
    let month = match name.get(..3)? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    Some(month)
}

fn weekday_named(name: &str) -> Option<Weekday> {
    let weekday = match name.get(..3)? {
        "Mon" => Weekday::Mon,
        "Tue" => Weekday::Tue,
        "Wed" => Weekday::Wed,
        "Thu" => Weekday::Thu,
        "Fri" => Weekday::Fri,
        "Sat" => Weekday::Sat,
        "Sun" => Weekday::Sun,
        _ => return None,
    };
    Some(weekday)
}

fn monday_of(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
}

fn shift_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days < 0 {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    }
}

fn shift_month(year: i32, month: u32, offset: i32) -> (i32, u32) {
    let months_since_year_zero = year * 12 + month as i32 - 1 + offset;
    (
        months_since_year_zero.div_euclid(12),
        months_since_year_zero.rem_euclid(12) as u32 + 1,
    )
}

fn whole_match(captures: &Captures) -> Range<usize> {
    captures.get(0).map_or(0..0, |m| m.range())
}

/// A named group that the pattern only lets match digits; a failed parse
/// (which the pattern rules out) yields 0, an impossible date part.
fn number_in<T: std::str::FromStr + Default>(captures: &Captures, group: &str) -> T {
    captures
        .name(group)
        .and_then(|m| m.as_str().parse().ok())
        .unwrap_or_default()
}

/// The word just before a position, skipping spaces and one hyphen (so
/// that "mid-2020" and "mid-March" see "mid").
fn previous_word(before: &str) -> &str {
    let trimmed = before.trim_end();
    let trimmed = trimmed.strip_suffix('-').unwrap_or(trimmed);
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(trimmed.len(), |(index, _)| index);
    &trimmed[start..]
}

/// The word just after a position, skipping spaces.
fn next_word(after: &str) -> &str {
    let trimmed = after.trim_start();
    let end = trimmed
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(trimmed.len(), |(index, _)| index);
    &trimmed[..end]
}

/// Whether the words after a position begin with one of `phrases`
/// (lowercase), compared without regard to case and ending on a word
/// boundary.
fn starts_with_any_phrase(after: &str, phrases: &[&str]) -> bool {
    let trimmed = after.trim_start();
    phrases.iter().any(|phrase| {
        trimmed
            .get(..phrase.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(phrase))
            && !trimmed[phrase.len()..].starts_with(char::is_alphanumeric)
    })
}

/// Lowercases and collapses runs of whitespace, so that "Earlier  this" and
/// "earlier this" compare equal.
fn normalise_words(words: &str) -> String {
    words
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// Tuesday, the date most tests are published on.
    fn tuesday_2020_12_01() -> Option<NaiveDate> {
        Some(date(2020, 12, 1))
    }

    /// (span text, value) pairs, for compact assertions.
    fn found(text: &str, published: Option<NaiveDate>) -> Vec<(String, Option<String>)> {
        find_times(text, published)
            .into_iter()
            .map(|mention| (mention.text, mention.value))
            .collect()
    }

    fn pair(text: &str, value: &str) -> (String, Option<String>) {
        (text.to_string(), Some(value.to_string()))
    }

    fn unresolved(text: &str) -> (String, Option<String>) {
        (text.to_string(), None)
    }

    fn single_value(text: &str, published: Option<NaiveDate>) -> Option<String> {
        let mentions = find_times(text, published);
        assert_eq!(
            mentions.len(),
            1,
            "expected one mention in {text:?}: {mentions:?}"
        );
        mentions[0].value.clone()
    }

    #[test]
    fn full_dates_month_first() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("It happened on December 1, 2020 in Paris.", published),
            vec![pair("December 1, 2020", "2020-12-01")]
        );
        assert_eq!(
            found("Filed Dec. 1, 2020 and Sept. 27, 2020.", published),
            vec![
                pair("Dec. 1, 2020", "2020-12-01"),
                pair("Sept. 27, 2020", "2020-09-27")
            ]
        );
        assert_eq!(
            found("on Sep 3rd 2019", published),
            vec![pair("Sep 3rd 2019", "2019-09-03")]
        );
    }

    #[test]
    fn full_dates_day_first() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Signed 1 December 2020.", published),
            vec![pair("1 December 2020", "2020-12-01")]
        );
        assert_eq!(
            found("Signed 01st December, 2020.", published),
            vec![pair("01st December, 2020", "2020-12-01")]
        );
        assert_eq!(
            found("the 1st of December 2020", published),
            vec![pair("1st of December 2020", "2020-12-01")]
        );
    }

    #[test]
    fn weekday_in_front_of_a_date_is_part_of_the_span() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Tue 01st December 2020", published),
            vec![pair("Tue 01st December 2020", "2020-12-01")]
        );
        assert_eq!(
            found("On Friday, July 21, 2017, the court ruled.", published),
            vec![pair("Friday, July 21, 2017", "2017-07-21")]
        );
    }

    #[test]
    fn iso_dates() {
        assert_eq!(
            found("Updated 2020-12-01 at noon", None),
            vec![pair("2020-12-01", "2020-12-01")]
        );
        assert!(found("Batch 2020-13-45 failed", None).is_empty());
    }

    #[test]
    fn absolute_dates_resolve_without_publication_date() {
        let mentions = find_times("December 1, 2020 and 2020-12-01", None);
        assert_eq!(mentions.len(), 2);
        for mention in mentions {
            assert_eq!(mention.value.as_deref(), Some("2020-12-01"));
            assert_eq!(mention.confidence, ABSOLUTE_CONFIDENCE);
        }
    }

    #[test]
    fn impossible_calendar_dates_are_skipped() {
        assert!(found("February 30, 2020", None).is_empty());
        assert!(found("on April 31", tuesday_2020_12_01()).is_empty());
    }

    #[test]
    fn month_and_day_take_the_publication_year() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found(
                "It started on September 27 and ended November 9.",
                published
            ),
            vec![
                pair("September 27", "2020-09-27"),
                pair("November 9", "2020-11-09")
            ]
        );
        assert_eq!(
            found("since 27 September", published),
            vec![pair("27 September", "2020-09-27")]
        );
        assert_eq!(
            found("The vote on Nov 9 was close.", published),
            vec![pair("Nov 9", "2020-11-09")]
        );
    }

    #[test]
    fn day_ranges_within_a_month() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Leaders meet on December 10-11 in Brussels.", published),
            vec![pair("December 10-11", "2020-12-10/2020-12-11")]
        );
        assert_eq!(
            found("the 3-5 March 2019 summit", published),
            vec![pair("3-5 March 2019", "2019-03-03/2019-03-05")]
        );
        assert_eq!(
            found("on December 10-11", None),
            vec![unresolved("December 10-11")]
        );
        assert!(found("He won 6-4 5-7 June", published)
            .iter()
            .all(|(text, _)| !text.contains('-')));
    }

    #[test]
    fn month_ranges() {
        let published = Some(date(2017, 7, 18));
        assert_eq!(
            found("sales in the April-June quarter", published),
            vec![pair("April-June", "2017-04/2017-06")]
        );
        assert_eq!(
            found("the Dec-Feb 2020 season", published),
            vec![pair("Dec-Feb 2020", "2019-12/2020-02")]
        );
        assert_eq!(
            found("in the April-June quarter", None),
            vec![unresolved("April-June")]
        );
    }

    #[test]
    fn month_and_day_near_the_turn_of_the_year() {
        // A story published on January 3 looking back at December 28.
        assert_eq!(
            single_value("The fire broke out on December 28.", Some(date(2021, 1, 3))),
            Some("2020-12-28".to_string())
        );
        // A story published in December looking ahead to January.
        assert_eq!(
            single_value("The talks will resume on January 15.", tuesday_2020_12_01()),
            Some("2021-01-15".to_string())
        );
    }

    #[test]
    fn month_and_day_without_publication_date_is_unresolved() {
        let mentions = find_times("It started on September 27.", None);
        assert_eq!(mentions.len(), 1);
        assert_eq!(mentions[0].text, "September 27");
        assert_eq!(mentions[0].value, None);
        assert_eq!(mentions[0].confidence, UNRESOLVED_CONFIDENCE);
    }

    #[test]
    fn month_and_year() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("The plant closed in December 2020.", published),
            vec![pair("December 2020", "2020-12")]
        );
        assert_eq!(
            found("It was founded in March 2019 by two brothers.", None),
            vec![pair("March 2019", "2019-03")]
        );
        assert_eq!(
            found("the Sept. 2018 report", None),
            vec![pair("Sept. 2018", "2018-09")]
        );
    }

    #[test]
    fn lone_months_lean_to_the_past() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Sales fell in March.", published),
            vec![pair("March", "2020-03")]
        );
        assert_eq!(
            found("It has grown since January.", Some(date(2020, 6, 10))),
            vec![pair("January", "2020-01")]
        );
        // August comes after the June publication month, so it is last year's.
        assert_eq!(
            found("Prices peaked in August.", Some(date(2020, 6, 10))),
            vec![pair("August", "2019-08")]
        );
    }

    #[test]
    fn lone_months_with_modifiers() {
        let published = Some(date(2020, 6, 10));
        assert_eq!(
            found("He resigned last March.", published),
            vec![pair("last March", "2020-03")]
        );
        assert_eq!(
            found("He resigned last June.", published),
            vec![pair("last June", "2019-06")]
        );
        assert_eq!(
            found("Elections are due next March.", published),
            vec![pair("next March", "2021-03")]
        );
        assert_eq!(
            found("They meet next July.", published),
            vec![pair("next July", "2020-07")]
        );
        assert_eq!(
            found("It opened earlier this March.", published),
            vec![pair("earlier this March", "2020-03")]
        );
    }

    #[test]
    fn lone_month_in_a_sentence_about_the_future() {
        assert_eq!(
            found("The election will be held in March.", tuesday_2020_12_01()),
            vec![pair("March", "2021-03")]
        );
    }

    #[test]
    fn lone_month_unresolved_without_publication_date() {
        assert_eq!(found("in March", None), vec![unresolved("March")]);
    }

    #[test]
    fn may_is_a_month_only_in_date_company() {
        let published = tuesday_2020_12_01();
        assert!(found("May I say something?", published).is_empty());
        assert!(found("Theresa May said the talks may fail.", published).is_empty());
        assert_eq!(
            found("The deal was signed in May.", published),
            vec![pair("May", "2020-05")]
        );
        assert_eq!(found("by mid-May", published), vec![pair("May", "2020-05")]);
        assert_eq!(
            found("May 5, 2020", published),
            vec![pair("May 5, 2020", "2020-05-05")]
        );
        assert_eq!(
            found("May 2019", published),
            vec![pair("May 2019", "2019-05")]
        );
    }

    #[test]
    fn month_names_are_case_sensitive() {
        assert!(found("the march on the capital", tuesday_2020_12_01()).is_empty());
        assert!(found("April Ryan asked a question", tuesday_2020_12_01()).is_empty());
        assert!(found("March organisers said", tuesday_2020_12_01()).is_empty());
        assert_eq!(
            found("Prices rose in March.", tuesday_2020_12_01()),
            vec![pair("March", "2020-03")]
        );
    }

    #[test]
    fn years_after_prepositions_and_determiners() {
        assert_eq!(
            found("in 2004, since 1994, by 2010", None),
            vec![
                pair("2004", "2004"),
                pair("1994", "1994"),
                pair("2010", "2010")
            ]
        );
        assert_eq!(found("the 2004 election", None), vec![pair("2004", "2004")]);
        assert_eq!(found("by mid-2021", None), vec![pair("2021", "2021")]);
    }

    #[test]
    fn years_before_year_nouns() {
        assert_eq!(found("2016 Olympics", None), vec![pair("2016", "2016")]);
        assert_eq!(
            found("Its 2014 World Cup bid", None),
            vec![pair("2014", "2014")]
        );
        assert_eq!(
            found("2020 was a hard year", None),
            vec![pair("2020", "2020")]
        );
    }

    #[test]
    fn year_ranges() {
        assert_eq!(
            found("the 1988-1994 war", None),
            vec![pair("1988-1994", "1988/1994")]
        );
        assert_eq!(
            found("the 2019-20 season", None),
            vec![pair("2019-20", "2019/2020")]
        );
        assert_eq!(
            found("from 1990 to 1995 he led", None),
            vec![pair("1990 to 1995", "1990/1995")]
        );
        assert_eq!(
            found("between 2001 and 2003", None),
            vec![pair("2001 and 2003", "2001/2003")]
        );
    }

    #[test]
    fn numbers_that_are_not_years() {
        assert!(found("2,000 people marched", None).is_empty());
        assert!(found("1500 people marched", None).is_empty());
        assert!(found("It cost $2004 in fees", None).is_empty());
        assert!(found("1900 people marched", None).is_empty());
        assert!(found("won by 1900 votes", None).is_empty());
        assert!(found("in 2000 people", None).is_empty());
        assert!(found("up 2004% on the day", None).is_empty());
        assert!(found("flight 2004 landed", None).is_empty());
        assert!(found("the 1900 protesters", None).is_empty());
    }

    #[test]
    fn decades() {
        assert_eq!(found("in the 1990s", None), vec![pair("1990s", "199")]);
        assert_eq!(found("the mid-1980s", None), vec![pair("1980s", "198")]);
    }

    #[test]
    fn weekday_on_the_publication_day_is_that_day() {
        assert_eq!(
            found("The board met on Tuesday.", tuesday_2020_12_01()),
            vec![pair("Tuesday", "2020-12-01")]
        );
    }

    #[test]
    fn weekdays_in_the_past() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Police said on Friday that", published),
            vec![pair("Friday", "2020-11-27")]
        );
        assert_eq!(
            found("Shares fell last Friday.", published),
            vec![pair("last Friday", "2020-11-27")]
        );
        assert_eq!(
            found("On Tuesday's meeting, they agreed", published),
            vec![pair("Tuesday", "2020-12-01")]
        );
        assert_eq!(
            found("Monday", published),
            vec![pair("Monday", "2020-11-30")]
        );
    }

    #[test]
    fn last_weekday_on_the_same_weekday_is_a_week_back() {
        assert_eq!(
            found("They met last Tuesday.", tuesday_2020_12_01()),
            vec![pair("last Tuesday", "2020-11-24")]
        );
    }

    #[test]
    fn weekdays_in_the_future() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Leaders will meet on Friday.", published),
            vec![pair("Friday", "2020-12-04")]
        );
        assert_eq!(
            found("The vote is scheduled for Monday.", published),
            vec![pair("Monday", "2020-12-07")]
        );
        assert_eq!(
            found("They meet next Friday.", published),
            vec![pair("next Friday", "2020-12-04")]
        );
        assert_eq!(
            found("They meet this coming Friday.", published),
            vec![pair("this coming Friday", "2020-12-04")]
        );
        assert_eq!(
            found("The result will come on Tuesday.", published),
            vec![pair("Tuesday", "2020-12-01")]
        );
        assert_eq!(
            found("They meet next Tuesday.", published),
            vec![pair("next Tuesday", "2020-12-08")]
        );
    }

    #[test]
    fn future_is_judged_per_sentence() {
        assert_eq!(
            found(
                "The report came out on Monday. Ministers will respond on Thursday.",
                tuesday_2020_12_01()
            ),
            vec![pair("Monday", "2020-11-30"), pair("Thursday", "2020-12-03")]
        );
    }

    #[test]
    fn named_days_are_not_weekdays() {
        let published = tuesday_2020_12_01();
        assert!(found("Black Friday sales", published).is_empty());
        assert!(found("told the Sunday Times", published).is_empty());
    }

    #[test]
    fn weekdays_unresolved_without_publication_date() {
        let mentions = find_times("on Tuesday", None);
        assert_eq!(mentions.len(), 1);
        assert_eq!(mentions[0].value, None);
        assert_eq!(mentions[0].confidence, UNRESOLVED_CONFIDENCE);
    }

    #[test]
    fn relative_days() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("Today, yesterday and tomorrow", published),
            vec![
                pair("Today", "2020-12-01"),
                pair("yesterday", "2020-11-30"),
                pair("tomorrow", "2020-12-02")
            ]
        );
        assert_eq!(
            found("tonight, this morning, this afternoon", published),
            vec![
                pair("tonight", "2020-12-01"),
                pair("this morning", "2020-12-01"),
                pair("this afternoon", "2020-12-01")
            ]
        );
        assert_eq!(
            found("today's decision", published),
            vec![pair("today", "2020-12-01")]
        );
        assert_eq!(
            found(
                "He told the BBC's Today programme. Today, he resigned.",
                published
            ),
            vec![pair("Today", "2020-12-01")]
        );
        assert_eq!(
            find_times(
                "He told the BBC's Today programme. Today, he resigned.",
                published
            )[0]
            .span
            .start,
            35
        );
    }

    #[test]
    fn weeks() {
        let published = Some(date(2017, 7, 18));
        assert_eq!(
            found("Talks stalled last week.", published),
            vec![pair("last week", "2017-07-10/2017-07-16")]
        );
        assert_eq!(
            found("this week", published),
            vec![pair("this week", "2017-07-17/2017-07-23")]
        );
        assert_eq!(
            found("Next week", published),
            vec![pair("Next week", "2017-07-24/2017-07-30")]
        );
    }

    #[test]
    fn weekends() {
        // Tuesday 2017-07-18: the weekend before is July 15-16.
        assert_eq!(
            found("last weekend", Some(date(2017, 7, 18))),
            vec![pair("last weekend", "2017-07-15/2017-07-16")]
        );
        // On a Sunday the weekend under way is not yet "last weekend".
        assert_eq!(
            found("last weekend", Some(date(2017, 7, 16))),
            vec![pair("last weekend", "2017-07-08/2017-07-09")]
        );
        assert_eq!(
            found("this weekend", Some(date(2017, 7, 18))),
            vec![pair("this weekend", "2017-07-22/2017-07-23")]
        );
    }

    #[test]
    fn months_and_years_relative_to_publication() {
        let published = Some(date(2020, 1, 15));
        assert_eq!(
            found("last month, this month, next month", published),
            vec![
                pair("last month", "2019-12"),
                pair("this month", "2020-01"),
                pair("next month", "2020-02")
            ]
        );
        assert_eq!(
            found("last year, this year, next year", published),
            vec![
                pair("last year", "2019"),
                pair("this year", "2020"),
                pair("next year", "2021")
            ]
        );
        assert_eq!(
            found("Earlier this year the firm", published),
            vec![pair("Earlier this year", "2020")]
        );
    }

    #[test]
    fn periods_that_are_stretches_of_time() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("over the past year", published),
            vec![pair("past year", "P1Y")]
        );
        assert_eq!(
            found("during the next month", published),
            vec![pair("next month", "P1M")]
        );
        assert!(found("in the last week of June", None)
            .iter()
            .all(|(text, _)| text != "last week"));
    }

    #[test]
    fn relative_periods_unresolved_without_publication_date() {
        assert_eq!(
            found("last week and next year", None),
            vec![unresolved("last week"), unresolved("next year")]
        );
    }

    #[test]
    fn time_ago_keeps_the_precision_of_the_unit() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("two years ago", published),
            vec![pair("two years ago", "2018")]
        );
        assert_eq!(
            found("three months ago", published),
            vec![pair("three months ago", "2020-09")]
        );
        assert_eq!(
            found("five days ago", published),
            vec![pair("five days ago", "2020-11-26")]
        );
        assert_eq!(
            found("A week ago", published),
            vec![pair("A week ago", "2020-11-24")]
        );
        assert_eq!(
            found("12 months ago", published),
            vec![pair("12 months ago", "2019-12")]
        );
        assert_eq!(
            found("an hour ago", published),
            vec![pair("an hour ago", "2020-12-01")]
        );
    }

    #[test]
    fn hedged_time_ago_is_a_duration() {
        let published = tuesday_2020_12_01();
        assert_eq!(
            found("less than a month ago", published),
            vec![pair("less than a month ago", "P1M")]
        );
        assert_eq!(
            found("more than two years ago", published),
            vec![pair("more than two years ago", "P2Y")]
        );
        assert_eq!(
            found("about a week ago", published),
            vec![pair("about a week ago", "P1W")]
        );
        assert_eq!(
            found("nearly a year ago", published),
            vec![pair("nearly a year ago", "P1Y")]
        );
        assert_eq!(
            found("almost a month ago", None),
            vec![pair("almost a month ago", "P1M")]
        );
    }

    #[test]
    fn relative_expressions_without_publication_date() {
        let mentions = find_times(
            "Yesterday, two years ago, on Friday and on December 1, 2020.",
            None,
        );
        let values: Vec<_> = mentions
            .iter()
            .map(|mention| (mention.text.as_str(), mention.value.as_deref()))
            .collect();
        assert_eq!(
            values,
            vec![
                ("Yesterday", None),
                ("two years ago", None),
                ("Friday", None),
                ("December 1, 2020", Some("2020-12-01")),
            ]
        );
    }

    #[test]
    fn spans_leave_out_prepositions_and_match_the_text() {
        let text = "On Tuesday, in March 2019, since 1994 and last week.";
        let mentions = find_times(text, tuesday_2020_12_01());
        let texts: Vec<_> = mentions.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, vec!["Tuesday", "March 2019", "1994", "last week"]);
        for mention in &mentions {
            assert_eq!(&text[mention.span.clone()], mention.text);
        }
    }

    #[test]
    fn results_are_sorted_and_do_not_overlap() {
        let text = "Friday, July 21, 2017, came after the 1988-1994 war and last weekend \
                    and 2020-12-01 and yesterday.";
        let mentions = find_times(text, tuesday_2020_12_01());
        assert_eq!(mentions.len(), 5);
        for pair in mentions.windows(2) {
            assert!(pair[0].span.end <= pair[1].span.start, "{mentions:?}");
        }
    }

    #[test]
    fn confidence_levels() {
        let published = tuesday_2020_12_01();
        let absolute = find_times("December 1, 2020", published);
        assert_eq!(absolute[0].confidence, ABSOLUTE_CONFIDENCE);
        let relative = find_times("yesterday", published);
        assert_eq!(relative[0].confidence, RESOLVED_CONFIDENCE);
        let unresolved = find_times("yesterday", None);
        assert_eq!(unresolved[0].confidence, UNRESOLVED_CONFIDENCE);
    }

    #[test]
    fn spans_are_byte_offsets_in_unicode_text() {
        let text = "Café owners — «on Tuesday» — said";
        let mentions = find_times(text, tuesday_2020_12_01());
        assert_eq!(mentions.len(), 1);
        assert_eq!(&text[mentions[0].span.clone()], "Tuesday");
    }
}
