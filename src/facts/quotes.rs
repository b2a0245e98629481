//! Quotations and who said them.
//!
//! Direct quotes are text between quotation marks (straight or curly,
//! continuing across paragraphs when a paragraph leaves one open) with an
//! attribution next to them: `“…,” Lavrov said`, `he told reporters: “…”`,
//! `“…,” he said, “…”` (a split quote, merged into one). Indirect ones are
//! reported speech: `X said (that) …`, `…, X said on Tuesday`,
//! `According to X, …`. In real news most attributions are indirect.
//!
//! Speakers are resolved within the article: a surname to the full name
//! (done by [`super::entities`]), a pronoun to the person most recently in
//! focus (the last speaker or the last person opening a sentence), and a
//! description ("the minister", "the Russian top diplomat") to the last
//! person whose title contains its head noun, or else the person in focus.

use std::{ops::Range, sync::LazyLock};

use regex::{Captures, Match, Regex};

use crate::text::pattern::compile;

use super::{
    entities::{Entities, EntityType, Mention},
    words::word_count,
    Paragraph,
};

/// A quotation found in an article.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoteMention {
    /// Paragraph index.
    pub paragraph: u32,
    /// Byte span in the body of the quoted text (inside the marks).
    pub span: Range<usize>,
    /// The quoted text.
    pub text: String,
    /// Resolved speaker, empty when unknown.
    pub speaker: String,
    /// The speaker's title, if the article gives one.
    pub speaker_title: String,
    /// The reporting verb ("said", "told reporters").
    pub cue: String,
    /// True for direct quotes.
    pub direct: bool,
    /// 0..1.
    pub confidence: f32,
}

/// Reporting verbs and phrases, longest first so that "told reporters"
/// wins over "told".
const CUES: &str = r"told reporters|told journalists|told a news conference|expressed hope|called for|said|says|say|told|tells|added|adds|stressed|noted|argued|claimed|warned|announced|insisted|explained|reiterated|confirmed|denied|acknowledged|suggested|urged|stated|wrote|writes|asked|continued|replied|declared|admitted|predicted|believes|hopes";

/// Who can stand next to a quotation as its speaker: a pronoun, a
/// description ("the minister"), or a capitalised name with its title.
const NEAR_QUOTE_SUBJECT: &str =
    r"[Hh]e|[Ss]he|[Tt]hey|I|[Ww]e|[Tt]he [\p{L}'’ -]{2,50}?|\p{Lu}[\p{L}.'’ -]{1,60}?";

/// The subject of reported speech inside a sentence: a pronoun, a
/// description, or up to five capitalised words.
const CLAUSE_SUBJECT: &str = r"\b[Hh]e|\b[Ss]he|\b[Tt]hey|\b[Tt]he [\p{L}'’ -]{2,50}?|\p{Lu}[\p{L}.'’-]*(?: \p{Lu}[\p{L}.'’-]*){0,4}";

// After a closing mark: `, Lavrov said`, `, he told reporters`, `, said Lavrov`.
static AFTER_QUOTE: LazyLock<Bounded> = LazyLock::new(|| {
    Bounded::new(&format!(
        r"^\s*,?\s*(?:(?P<subject>{NEAR_QUOTE_SUBJECT})\s+(?:also\s+)?(?P<cue>{CUES})\b|(?P<cue_first>said|says|added|told reporters|asked|wrote|explained|noted)\s+(?P<subject_after>\p{{Lu}}[\p{{L}}.'’ -]{{1,60}}?|the [\p{{L}}'’ -]{{2,50}}?)(?:[,.;]|\s+(?:on|in|at|after|during|before)\b|$))"
    ))
});

// Before an opening mark: `Lavrov said: “`, `He told reporters, “`.
static BEFORE_QUOTE: LazyLock<Bounded> = LazyLock::new(|| {
    Bounded::new(&format!(
        r"(?P<subject>{NEAR_QUOTE_SUBJECT})\s+(?:also\s+)?(?P<cue>{CUES})(?:\s+[\p{{L}}'’-]+){{0,4}}?\s*[:,]?\s*$"
    ))
});

// `…, Russian Foreign Minister Sergey Lavrov said on Tuesday.`: the
// speaker and cue after a sentence's last comma (see
// `clause_then_speaker`).
static SPEAKER_AFTER_LAST_COMMA: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"^,\s+(?P<subject>[^,]{{2,80}}?)\s+(?:also\s+)?(?P<cue>{CUES})(?:\s+(?:on|in|at|during|after|late|earlier|later|this|last)\b[^,]{{0,60}})?\.?$"
    ))
});

// `Lavrov said (that) …`, `He told reporters …`: the speaker and cue of
// `SPEAKER_THEN_CLAUSE`, without the clause (see `speaker_then_clause`).
static SPEAKER_AND_CUE: LazyLock<Bounded> = LazyLock::new(|| {
    Bounded::new(&format!(
        r"(?P<subject>{CLAUSE_SUBJECT})\s+(?:also\s+|later\s+|previously\s+|has\s+|had\s+)?(?P<cue>{CUES})(?:\s+on\s+\p{{Lu}}\w+)?,?\s+(?:that\s+)?"
    ))
});

// `Lavrov said (that) …` with its clause of 20 characters or more.
static SPEAKER_THEN_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?P<subject>{CLAUSE_SUBJECT})\s+(?:also\s+|later\s+|previously\s+|has\s+|had\s+)?(?P<cue>{CUES})(?:\s+on\s+\p{{Lu}}\w+)?,?\s+(?:that\s+)?(?P<text>.{{20,}})$"
    ))
});

// A reporting verb and its subject anywhere in a sentence.
static REPORTED_BY: LazyLock<Bounded> = LazyLock::new(|| {
    Bounded::new(&format!(
        r"(?P<subject>{CLAUSE_SUBJECT})\s+(?:also\s+|later\s+|has\s+|had\s+)?(?P<cue>{CUES})\b"
    ))
});

// Any reporting verb, or "According to".
static HAS_CUE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?:{CUES})\b|According to")));

// `According to X, …`.
static ACCORDING_TO: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^According to (?P<subject>[^,]{2,120}),\s+(?P<text>.{20,})$"));

/// An attribution pattern whose subjects have counted lengths
/// (`[Tt]he [\p{L}'’ -]{2,50}?`, `\p{Lu}[\p{L}.'’ -]{1,60}?`), run through
/// its open form first. The counts make the lazy automaton track every
/// length at once and keep building states on new text; the open form
/// runs about twice as fast. Its lazy subject is the shortest that works,
/// so when that fits the counts the counted pattern reads the same subject
/// at the same place; when it does not, the counted pattern may read
/// another, and is asked.
struct Bounded {
    counted: Regex,
    open: Regex,
}

impl Bounded {
    fn new(pattern: &str) -> Self {
        let open = pattern
            .replace("{2,50}?", "{2,}?")
            .replace("{1,60}?", "{1,}?");
        Bounded {
            counted: compile(pattern),
            open: compile(&open),
        }
    }

    fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        let caps = self.open.captures(text)?;
        let fits = ["subject", "subject_after"]
            .iter()
            .filter_map(|group| caps.name(group))
            .all(|subject| within_counts(subject.as_str()));
        if fits {
            Some(caps)
        } else {
            self.counted.captures(text)
        }
    }
}

/// Whether a subject is one the counted patterns allow: a description
/// ("the …") of at most 50 characters after its article, anything else of
/// at most 61.
fn within_counts(subject: &str) -> bool {
    match subject
        .strip_prefix("The ")
        .or_else(|| subject.strip_prefix("the "))
    {
        Some(description) => description.chars().nth(50).is_none(),
        None => subject.chars().nth(61).is_none(),
    }
}

/// Reported speech found in a sentence: spans in sentence coordinates.
struct Reported {
    subject: Range<usize>,
    text: Range<usize>,
    /// The reporting verb's span, or a fixed cue ("according to").
    cue: Cue,
}

enum Cue {
    At(Range<usize>),
    Fixed(&'static str),
}

impl Reported {
    /// The subject and cue groups of `caps` (found `offset` bytes into the
    /// sentence), with `text` as the reported clause.
    fn new(caps: &Captures<'_>, offset: usize, text: Range<usize>) -> Option<Self> {
        let shift = |m: Match<'_>| offset + m.start()..offset + m.end();
        Some(Reported {
            subject: shift(caps.name("subject")?),
            text,
            cue: caps
                .name("cue")
                .map_or(Cue::Fixed(""), |m| Cue::At(shift(m))),
        })
    }

    /// The subject, cue and text groups of `caps`.
    fn from_captures(caps: &Captures<'_>) -> Option<Self> {
        let text = caps.name("text")?;
        Reported::new(caps, 0, text.start()..text.end())
    }
}

/// True when `text` holds at least 20 characters and no line feed: what
/// the clause patterns' `.{20,}` asks of it.
fn is_long_clause(text: &str) -> bool {
    !text.contains('\n') && text.chars().nth(19).is_some()
}

/// `^(?P<text>.{20,}?),\s+(?P<subject>[^,]{2,80}?)\s+(?:also\s+)?(?P<cue>…)…\.?$`,
/// matched in two steps. Nothing after the clause may hold a comma, so the
/// clause ends at the sentence's last comma; only what follows it goes
/// through the pattern, which spares the automaton the counted repetitions
/// over the whole sentence (they made it the costliest step of extraction).
fn clause_then_speaker(sentence: &str) -> Option<Reported> {
    let comma = sentence.rfind(',')?;
    if !is_long_clause(&sentence[..comma]) {
        return None;
    }
    let caps = SPEAKER_AFTER_LAST_COMMA.captures(&sentence[comma..])?;
    Reported::new(&caps, comma, 0..comma)
}

/// `SPEAKER_THEN_CLAUSE`, usually without running it: the leftmost
/// speaker and cue, when 20 characters or more of clause follow them, are
/// what the whole pattern would find (its clause is the rest of the
/// sentence). Only when too little follows does the whole pattern run,
/// since it may then settle on another reading.
fn speaker_then_clause(sentence: &str) -> Option<Reported> {
    let caps = SPEAKER_AND_CUE.captures(sentence)?;
    let clause_start = caps.get(0)?.end();
    if is_long_clause(&sentence[clause_start..]) {
        return Reported::new(&caps, 0, clause_start..sentence.len());
    }
    Reported::from_captures(&SPEAKER_THEN_CLAUSE.captures(sentence)?)
}

/// A stretch of text between quotation marks in one paragraph.
struct Segment {
    /// Byte span of the inner text, in paragraph coordinates.
    inner: Range<usize>,
    /// Byte offsets of the opening mark (or paragraph start) and just past
    /// the closing mark (or paragraph end).
    outer: Range<usize>,
    /// True when it closes in this paragraph.
    closed: bool,
}

/// Where a sentence's reported-speech pattern found its subject and its
/// cue (sentence coordinates), if it matched.
type ReportedSpeech = Option<(Range<usize>, Range<usize>)>;

fn segments(text: &str, continues: bool) -> Vec<Segment> {
    let mut found = Vec::new();
    // (opening mark offset, inner start) of the quote being read; a quote
    // left open by the previous paragraph starts at this one's first byte.
    let mut open: Option<(usize, usize)> = continues.then_some((0, 0));
    for (at, c) in text.char_indices() {
        let after = at + c.len_utf8();
        match c {
            '“' => open = Some((at, after)),
            '"' if open.is_none() => open = Some((at, after)),
            '”' | '"' => {
                if let Some((outer_start, inner_start)) = open.take() {
                    found.push(Segment {
                        inner: inner_start..at,
                        outer: outer_start..after,
                        closed: true,
                    });
                } else if found.is_empty() {
                    // A closing curly mark with no opening one: the rest of
                    // a quotation begun in an earlier paragraph.
                    found.push(Segment {
                        inner: 0..at,
                        outer: 0..after,
                        closed: true,
                    });
                }
            }
            _ => {}
        }
    }
    if let Some((outer_start, inner_start)) = open {
        found.push(Segment {
            inner: inner_start..text.len(),
            outer: outer_start..text.len(),
            closed: false,
        });
    }
    found
}

/// Whether a quoted stretch is a quotation rather than a title or scare
/// quotes ("courageous achievement"): long enough, or a full clause.
fn is_quotation(inner: &str) -> bool {
    let count = word_count(inner);
    let trimmed = inner.trim_end();
    count >= 6 || (count >= 3 && trimmed.ends_with([',', '.', '!', '?']))
}

/// Who is in focus at a point of the article.
struct Focus {
    /// (body offset, person) in order.
    events: Vec<(usize, String)>,
}

impl Focus {
    fn at(&self, position: usize) -> Option<&str> {
        self.events
            .iter()
            .rev()
            .find(|(at, _)| *at < position)
            .map(|(_, name)| name.as_str())
    }

    fn note(&mut self, position: usize, name: &str) {
        let at = self.events.partition_point(|(p, _)| *p <= position);
        self.events.insert(at, (position, name.to_owned()));
    }
}

/// Finds the quotations of an article.
pub fn find_quotes(paragraphs: &[Paragraph<'_>], entities: &Entities) -> Vec<QuoteMention> {
    let mut focus = Focus {
        events: entities
            .mentions
            .iter()
            .filter(|m| m.entity_type == EntityType::Person && m.opens_sentence)
            .map(|m| (m.span.start, m.name.clone()))
            .collect(),
    };
    let mut quotes = Vec::new();
    let mut continues = false;
    for paragraph in paragraphs {
        let found = segments(paragraph.text, continues);
        continues = found.last().is_some_and(|s| !s.closed);
        let quotation: Vec<bool> = found
            .iter()
            .map(|s| is_quotation(&paragraph.text[s.inner.clone()]))
            .collect();
        direct_quotes(
            paragraph,
            &found,
            &quotation,
            entities,
            &mut focus,
            &mut quotes,
        );
        indirect_quotes(
            paragraph,
            &found,
            &quotation,
            entities,
            &mut focus,
            &mut quotes,
        );
    }
    // Quotes in consecutive paragraphs without an attribution of their own
    // (a quotation running over paragraphs) share their neighbour's speaker:
    // the later attribution first, as in `“…` ¶ `…,” he said`.
    for i in (1..quotes.len()).rev() {
        if continues_quote(&quotes[i - 1], &quotes[i]) && quotes[i - 1].speaker.is_empty() {
            let (left, right) = quotes.split_at_mut(i);
            share_speaker(&right[0], &mut left[i - 1]);
        }
    }
    for i in 1..quotes.len() {
        if continues_quote(&quotes[i - 1], &quotes[i]) && quotes[i].speaker.is_empty() {
            let (left, right) = quotes.split_at_mut(i);
            share_speaker(&left[i - 1], &mut right[0]);
        }
    }
    // Quoted text nobody is said to have said, short or not a sentence,
    // is a title or a headline ("Anon declares war on Church of
    // Scientology"), not a quotation.
    quotes.retain(|q| {
        !q.speaker.is_empty()
            || (word_count(&q.text) >= 8 && q.text.trim_end().ends_with(['.', '!', '?', ',']))
    });
    quotes.sort_by_key(|q| q.span.start);
    quotes
}

fn continues_quote(earlier: &QuoteMention, later: &QuoteMention) -> bool {
    earlier.direct && later.direct && later.paragraph == earlier.paragraph + 1
}

fn share_speaker(from: &QuoteMention, to: &mut QuoteMention) {
    if from.speaker.is_empty() {
        return;
    }
    to.speaker = from.speaker.clone();
    to.speaker_title = from.speaker_title.clone();
    to.cue = from.cue.clone();
    to.confidence = from.confidence - 0.1;
}

/// Gives every quote without a speaker the speaker of the last attributed
/// quote before it in `quotes`' order.
fn fill_speakers<'a>(quotes: impl Iterator<Item = &'a mut QuoteMention>) {
    let mut attributed: Option<QuoteMention> = None;
    for quote in quotes {
        match &attributed {
            Some(from) if quote.speaker.is_empty() => share_speaker(from, quote),
            _ if !quote.speaker.is_empty() => attributed = Some(quote.clone()),
            _ => {}
        }
    }
}

///
/// Every step is linear in the paragraph: hostile text can hold tens of
/// thousands of quotation marks in one sentence, so nothing here may scan
/// the sentence once per quotation mark.
fn direct_quotes(
    paragraph: &Paragraph<'_>,
    found: &[Segment],
    quotation: &[bool],
    entities: &Entities,
    focus: &mut Focus,
    quotes: &mut Vec<QuoteMention>,
) {
    let text = paragraph.text;
    let first_new = quotes.len();
    let paragraph_sentences = &paragraph.sentences;
    // The reported-speech reading of the sentence last looked at: the
    // pattern runs once per sentence, not once per quoted fragment in it.
    let mut reported: Option<(usize, ReportedSpeech)> = None;
    for (n, segment) in found.iter().enumerate() {
        let inner = &text[segment.inner.clone()];
        let containing = paragraph_sentences.partition_point(|s| s.start <= segment.outer.start);
        let sentence = containing
            .checked_sub(1)
            .and_then(|i| paragraph_sentences.get(i))
            .cloned()
            .unwrap_or(0..text.len());
        let sentence_start = sentence.start;
        // A short quoted fragment is a quotation only inside reported
        // speech: `X said the form "must be completed in English"`; other
        // short quoted text is a title or scare quotes.
        if !quotation[n] {
            let reading = match &reported {
                Some((start, reading)) if *start == sentence_start => reading.clone(),
                _ => {
                    let reading = REPORTED_BY.captures(&text[sentence]).and_then(|caps| {
                        Some((caps.name("subject")?.range(), caps.name("cue")?.range()))
                    });
                    reported = Some((sentence_start, reading.clone()));
                    reading
                }
            };
            let Some((subject, cue)) = reading else {
                continue;
            };
            let subject_text = &text[sentence_start + subject.start..sentence_start + subject.end];
            let cue = &text[sentence_start + cue.start..sentence_start + cue.end];
            let at = paragraph.offset + sentence_start + subject.start;
            let Some((speaker, confidence)) =
                resolve(subject_text, at, at..at + subject.len(), entities, focus)
            else {
                continue;
            };
            let inner_trimmed = inner.trim();
            let start =
                paragraph.offset + segment.inner.start + (inner.len() - inner.trim_start().len());
            quotes.push(QuoteMention {
                paragraph: paragraph.index,
                span: start..start + inner_trimmed.len(),
                text: inner_trimmed.to_owned(),
                speaker_title: entities.title_of(&speaker),
                speaker,
                cue: cue.to_owned(),
                direct: true,
                confidence: confidence - 0.1,
            });
            continue;
        }
        let next_start = found.get(n + 1).map_or(text.len(), |s| s.outer.start);
        let after = &text[segment.outer.end..next_start];
        let previous_end = n
            .checked_sub(1)
            .map_or(0, |p| found[p].outer.end)
            .max(sentence_start);
        let before = &text[previous_end.min(segment.outer.start)..segment.outer.start];
        let attribution = AFTER_QUOTE
            .captures(after)
            .map(|caps| {
                let subject = caps.name("subject").or_else(|| caps.name("subject_after"));
                let cue = caps.name("cue").or_else(|| caps.name("cue_first"));
                (
                    subject.map_or(0..0, |m| {
                        segment.outer.end + m.start()..segment.outer.end + m.end()
                    }),
                    cue.map_or("", |m| m.as_str()),
                )
            })
            .or_else(|| {
                BEFORE_QUOTE.captures(before).map(|caps| {
                    let offset = previous_end.min(segment.outer.start);
                    (
                        caps.name("subject")
                            .map_or(0..0, |m| offset + m.start()..offset + m.end()),
                        caps.name("cue").map_or("", |m| m.as_str()),
                    )
                })
            });
        let inner_trimmed = inner.trim().trim_end_matches(',').trim_end();
        let lead = inner.len() - inner.trim_start().len();
        let start = paragraph.offset + segment.inner.start + lead;
        let mut quote = QuoteMention {
            paragraph: paragraph.index,
            span: start..start + inner_trimmed.len(),
            text: inner_trimmed.to_owned(),
            speaker: String::new(),
            speaker_title: String::new(),
            cue: String::new(),
            direct: true,
            confidence: 0.4,
        };
        if let Some((subject, cue)) = attribution {
            let subject_text = &text[subject.clone()];
            let at = paragraph.offset + subject.start;
            if let Some((speaker, confidence)) = resolve(
                subject_text,
                at,
                paragraph.offset + subject.start..paragraph.offset + subject.end,
                entities,
                focus,
            ) {
                quote.speaker_title = entities.title_of(&speaker);
                focus.note(at, &speaker);
                quote.speaker = speaker;
                quote.confidence = confidence;
            }
            quote.cue = cue.to_owned();
        }
        quotes.push(quote);
    }
    // Unattributed quotes in a paragraph take the speaker of an attributed
    // neighbour: split quotes and runs of quoted sentences.
    merge_split_quotes(text, paragraph.offset, &mut quotes[first_new..]);
    let paragraph_quotes = &mut quotes[first_new..];
    fill_speakers(paragraph_quotes.iter_mut().rev());
    fill_speakers(paragraph_quotes.iter_mut());
    quotes.retain(|q| !q.text.is_empty());
}

/// `“…,” he said, “…”`: two segments of one quotation around its
/// attribution become one quote spanning both.
fn merge_split_quotes(text: &str, offset: usize, quotes: &mut [QuoteMention]) {
    for i in 1..quotes.len() {
        let (left, right) = quotes.split_at_mut(i);
        let (first, second) = (&mut left[i - 1], &mut right[0]);
        if first.text.is_empty()
            || first.speaker.is_empty()
            || !(second.speaker.is_empty() || second.speaker == first.speaker)
        {
            continue;
        }
        let gap = text
            .get(first.span.end - offset..second.span.start - offset)
            .unwrap_or("");
        // Only a sentence broken by its attribution: `…,” he said, “and …`.
        let before_mark = gap.trim_end().trim_end_matches(['“', '"']).trim_end();
        if gap.len() <= 40 && gap.contains(&first.cue) && before_mark.ends_with(',') {
            let joiner = if gap.starts_with(',') { ", " } else { " " };
            first.text = format!("{}{joiner}{}", first.text, second.text);
            first.span.end = second.span.end;
            second.text.clear();
        }
    }
}

fn indirect_quotes(
    paragraph: &Paragraph<'_>,
    found: &[Segment],
    quotation: &[bool],
    entities: &Entities,
    focus: &mut Focus,
    quotes: &mut Vec<QuoteMention>,
) {
    let text = paragraph.text;
    // Segments and sentences are both in text order: walk them together.
    let mut first_open = 0;
    for sentence in paragraph.sentences.iter().cloned() {
        while found
            .get(first_open)
            .is_some_and(|s| s.outer.end <= sentence.start)
        {
            first_open += 1;
        }
        let overlaps_direct = found[first_open..]
            .iter()
            .zip(&quotation[first_open..])
            .take_while(|(s, _)| s.outer.start < sentence.end)
            .any(|(_, is_quotation)| *is_quotation);
        if overlaps_direct {
            continue;
        }
        let body = &text[sentence.clone()];
        // Most sentences report nothing; a literal scan rules them out
        // before the attribution patterns run.
        if !HAS_CUE.is_match(body) {
            continue;
        }
        let found = ACCORDING_TO
            .captures(body)
            .and_then(|caps| {
                let mut reported = Reported::from_captures(&caps)?;
                reported.cue = Cue::Fixed("according to");
                Some(reported)
            })
            .or_else(|| clause_then_speaker(body))
            .or_else(|| speaker_then_clause(body));
        let Some(reported) = found else {
            continue;
        };
        let subject = &body[reported.subject.clone()];
        let at = paragraph.offset + sentence.start + reported.subject.start;
        let subject_span = at..paragraph.offset + sentence.start + reported.subject.end;
        let Some((speaker, confidence)) = resolve(subject, at, subject_span, entities, focus)
        else {
            continue;
        };
        let quoted = &body[reported.text.clone()];
        let quoted_text = quoted.trim().trim_end_matches(['.', ',']).trim_end();
        if word_count(quoted_text) < 5 {
            continue;
        }
        let start = paragraph.offset
            + sentence.start
            + reported.text.start
            + (quoted.len() - quoted.trim_start().len());
        let cue = match reported.cue {
            Cue::At(span) => &body[span],
            Cue::Fixed(cue) => cue,
        };
        focus.note(at, &speaker);
        quotes.push(QuoteMention {
            paragraph: paragraph.index,
            span: start..start + quoted_text.len(),
            text: quoted_text.to_owned(),
            speaker_title: entities.title_of(&speaker),
            speaker,
            cue: cue.to_owned(),
            direct: false,
            confidence: confidence - 0.1,
        });
    }
}

/// Resolves a grammatical subject to a speaker name and a confidence.
fn resolve(
    subject: &str,
    at: usize,
    span: Range<usize>,
    entities: &Entities,
    focus: &Focus,
) -> Option<(String, f32)> {
    let subject = subject.trim();
    let lower = subject.to_lowercase();
    if matches!(lower.as_str(), "he" | "she" | "they" | "i" | "we") {
        return focus.at(at).map(|name| (name.to_owned(), 0.75));
    }
    // A named person or organisation inside the subject; the last one is
    // the head ("Russian Foreign Minister Sergey Lavrov").
    let named: Option<&Mention> = entities
        .mentions
        .iter()
        .filter(|m| m.span.start < span.end && span.start < m.span.end)
        .rfind(|m| matches!(m.entity_type, EntityType::Person | EntityType::Org));
    if let Some(mention) = named {
        return Some((
            mention.name.clone(),
            if mention.entity_type == EntityType::Person {
                0.9
            } else {
                0.7
            },
        ));
    }
    if let Some(description) = lower.strip_prefix("the ") {
        // The person whose titles share most words with the description
        // ("the Russian top diplomat" ~ "Russian Foreign Minister"), the
        // most recent among equals.
        let described: Vec<&str> = description
            .split_whitespace()
            .filter(|w| w.len() > 3)
            .collect();
        let mut best: Option<(usize, &Mention)> = None;
        for mention in entities
            .mentions
            .iter()
            .filter(|m| m.entity_type == EntityType::Person && m.span.start < at)
        {
            let titles = entities.titles_of(&mention.name).join(" ").to_lowercase();
            let score = described.iter().filter(|w| titles.contains(**w)).count();
            if score > 0 && best.is_none_or(|(top, _)| score >= top) {
                best = Some((score, mention));
            }
        }
        return match best {
            Some((_, mention)) => Some((mention.name.clone(), 0.75)),
            None => focus.at(at).map(|name| (name.to_owned(), 0.55)),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::entities::find_entities;

    fn quotes_of(paragraphs: &[&str]) -> Vec<QuoteMention> {
        let mut offset = 0;
        let paragraphs: Vec<Paragraph<'_>> = paragraphs
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let paragraph = Paragraph::new(index as u32, text, offset);
                offset += text.len() + 1;
                paragraph
            })
            .collect();
        let entities = find_entities(&paragraphs);
        find_quotes(&paragraphs, &entities)
    }

    #[test]
    fn direct_quotes_with_names_pronouns_and_descriptions() {
        let quotes = quotes_of(&[
            "Russian Foreign Minister Sergey Lavrov met reporters. “We are satisfied with the fact that the ceasefire has been observed,” Lavrov said after talks with his visiting Armenian counterpart, Ara Ayvazian.",
            "“There is progress in the exchange of prisoners of war,” he told reporters.",
            "Ayvazian also stressed the importance of the exchange. “We hope that there will be no obstacles from the other side,” he said.",
            "\"It is difficult to talk about any deliberate steps to delay this process,\" the Russian top diplomat said.",
        ]);
        let summary: Vec<(&str, &str, bool)> = quotes
            .iter()
            .map(|q| (q.speaker.as_str(), q.cue.as_str(), q.direct))
            .collect();
        assert!(
            summary.contains(&("Sergey Lavrov", "said", true)),
            "{summary:?}"
        );
        assert!(
            summary.contains(&("Sergey Lavrov", "told reporters", true)),
            "{summary:?}"
        );
        assert!(
            summary.contains(&("Ara Ayvazian", "said", true)),
            "{summary:?}"
        );
        let ayvazian = quotes
            .iter()
            .find(|q| q.speaker == "Ara Ayvazian" && q.direct)
            .map(|q| q.speaker_title.as_str());
        assert_eq!(ayvazian, Some("Armenian counterpart"));
        assert_eq!(
            quotes
                .iter()
                .filter(|q| q.direct && q.speaker == "Sergey Lavrov")
                .count(),
            3,
            "{summary:?}"
        );
        assert!(quotes[0].text.starts_with("We are satisfied") && !quotes[0].text.ends_with(','));
    }

    #[test]
    fn open_patterns_read_what_the_counted_ones_read() {
        let long = "the man who came down from the far northern villages of the remote mountains";
        let sentences = [
            format!("{long} said the plan was a disgrace to everyone there."),
            format!("Officials said {long} told reporters that the plan had failed."),
            "The minister said that talks would resume in Geneva next week.".to_owned(),
            format!(
                "The {long} and his Colleague From Across The Northern Sea said so, “and more”"
            ),
            "He also told journalists the form must be completed in English.".to_owned(),
        ];
        let groups = |caps: Option<Captures<'_>>| -> Vec<Option<(usize, usize)>> {
            caps.map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                .unwrap_or_default()
        };
        for pattern in [&*SPEAKER_AND_CUE, &*REPORTED_BY, &*BEFORE_QUOTE] {
            for sentence in &sentences {
                assert_eq!(
                    groups(pattern.captures(sentence)),
                    groups(pattern.counted.captures(sentence)),
                    "{:?} on {sentence:?}",
                    pattern.counted.as_str()
                );
            }
        }
        let after = format!(", said {long} in a statement.");
        assert_eq!(
            groups(AFTER_QUOTE.captures(&after)),
            groups(AFTER_QUOTE.counted.captures(&after))
        );
    }

    #[test]
    fn indirect_quotes() {
        let quotes = quotes_of(&[
            "Moscow sees no intentional protracting in the exchange of prisoners of war, Russian Foreign Minister Sergey Lavrov said on Tuesday.",
            "In his opening remarks, Lavrov said that Russian peacekeepers will seek to facilitate a quick completion of the exchange.",
            "According to the foreign ministry, the talks will resume next week in Geneva.",
        ]);
        assert_eq!(quotes.len(), 3, "{quotes:?}");
        assert!(quotes.iter().all(|q| !q.direct));
        assert_eq!(quotes[0].speaker, "Sergey Lavrov");
        assert_eq!(
            quotes[0].text,
            "Moscow sees no intentional protracting in the exchange of prisoners of war"
        );
        assert_eq!(quotes[1].speaker, "Sergey Lavrov");
        assert!(quotes[1].text.starts_with("Russian peacekeepers will seek"));
    }

    #[test]
    fn split_quotes_merge_and_scare_quotes_are_ignored() {
        let quotes = quotes_of(&["Jane Doe spoke. “We will win this,” she said, “and we will do it soon.” Critics called it a “courageous achievement”."]);
        let direct: Vec<&QuoteMention> = quotes.iter().filter(|q| q.direct).collect();
        assert_eq!(direct.len(), 1, "{quotes:?}");
        assert_eq!(direct[0].text, "We will win this, and we will do it soon.");
        assert_eq!(direct[0].speaker, "Jane Doe");
    }

    #[test]
    fn a_quote_left_open_continues_into_the_next_paragraph() {
        let quotes = quotes_of(&[
            "Sergey Lavrov spoke to the press.",
            "\"Let's hope that with the involvement of specialists the process will go faster.",
            "Our peacekeepers, to the best of their ability, will, of course, assist,\" the minister said.",
        ]);
        let direct: Vec<&QuoteMention> = quotes.iter().filter(|q| q.direct).collect();
        assert!(
            direct.len() == 2 && direct.iter().all(|q| q.speaker == "Sergey Lavrov"),
            "{quotes:#?}"
        );
    }
}
