//! QUANTITY facts: numbers with a unit or a counted object in news text.
//!
//! This module is the quantity half of wirecopy's fact extractor. Copies of
//! a wire story keep its figures even when they reword everything else, so
//! amounts of money ("$1.13bn"), percentages ("76%"), measures ("three-hour
//! negotiations") and counts ("464,000 subscribers") are found in a
//! paragraph and given one comparable form: the number scaled to its full
//! value, and a unit (an ISO 4217 code for money, "%" for percentages, and
//! otherwise the noun as written). A number is only reported with its unit
//! or object, because a bare number says too little to compare. The time
//! extractor runs first, and the spans of the dates it found are passed in
//! as `exclude`, so that years and day numbers are not counted here.
//!
//! Each number is found by a regular expression and then read forwards by
//! hand: a scale ("bn", "million"), then a percent sign, a currency word, a
//! hyphenated unit ("-hour"), a unit glued to the digits ("5km") or a short
//! noun phrase ("current EU members").

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::words::WordSet;
use crate::text::pattern::compile;

#[derive(Clone, Debug, PartialEq)]
pub struct QuantityMention {
    /// Byte span in the searched text.
    pub span: Range<usize>,
    /// As written.
    pub text: String,
    /// The number, scaled ("$1.13bn" → 1.13e9, "76%" → 76.0, "three-hour" → 3.0).
    pub value: f64,
    /// The unit or counted object: ISO 4217 code for money ("USD", "GBP", "EUR", "JPY"), "%" for percentages, otherwise the noun as written in singular-or-plural form as it appears ("hour", "subscribers", "km").
    pub unit: String,
}

/// Finds quantities in `text` (one paragraph), skipping anything inside `exclude` (byte spans of dates already found, so years and day numbers are not quantities).
pub fn find_quantities(text: &str, exclude: &[Range<usize>]) -> Vec<QuantityMention> {
    let mut found = Vec::new();
    // Most paragraphs hold no digit at all: a scan for one is far cheaper
    // than the pattern's (`\d` is any Unicode decimal digit, all of which
    // are numeric).
    let has_digits = text
        .chars()
        .any(|c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()));
    if has_digits {
        for captures in WRITTEN_IN_DIGITS.captures_iter(text) {
            if let Some(number) = number_in_digits(text, &captures) {
                found.extend(read_quantity(text, &number));
            }
        }
    }
    for spelled in SPELLED_OUT.find_iter(text) {
        if let Some(number) = spelled_number(text, spelled.range()) {
            found.extend(read_quantity(text, &number));
        }
    }
    found.retain(|mention| !exclude.iter().any(|range| overlaps(&mention.span, range)));
    keep_longest_non_overlapping(found)
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// A number and a following number can both claim the same words; the
/// longest reading says the most, and the earliest wins ties.
fn keep_longest_non_overlapping(mut found: Vec<QuantityMention>) -> Vec<QuantityMention> {
    found.sort_by(|a, b| {
        b.span
            .len()
            .cmp(&a.span.len())
            .then(a.span.start.cmp(&b.span.start))
    });
    let mut kept: Vec<QuantityMention> = Vec::new();
    for mention in found {
        if !kept
            .iter()
            .any(|other| overlaps(&mention.span, &other.span))
        {
            kept.push(mention);
        }
    }
    kept.sort_by_key(|mention| mention.span.start);
    kept
}

/// Digits, with an optional currency sign or code in front. The word
/// boundary before the digits keeps numbers inside identifiers ("G7",
/// "MP3", "P2P") out; thousands separators must come in groups of three.
static WRITTEN_IN_DIGITS: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?:(?P<sign>\b(?:US|A|C|NZ|HK|S|R)\$|[$£€¥₹])\s?|\b(?P<code>USD|EUR|GBP|JPY|CHF|CNY|AUD|CAD|INR)\s+)?\b(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)",
    )
});

/// Cardinal numbers from one to ninety-nine in words. Ordinals ("third")
/// are left out on purpose: they rank, they do not count.
static SPELLED_OUT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|three|four|five|six|seven|eight|nine))?|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|ten|one|two|three|four|five|six|seven|eight|nine)\b",
    )
});

/// A scale right after the number: glued abbreviations ("1.13bn", "600m"),
/// spaced ones ("1.13 bn") and words, which may repeat ("two hundred
/// thousand").
static SCALE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?:(?P<glued>bn|tn|trn|mn|m|k|b)\b|\s(?P<spaced>bn|tn|trn|mn)\b|(?P<words>(?:\s*(?:hundred|thousand|million|billion|trillion)\b)+))",
    )
});

static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"^(?:\s?%|\s+(?i:per\s?cent|percent)\b|\s+(?P<points>percentage\s+points?)\b)")
});

static CURRENCY_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^\s+(?P<currency>(?:US\s+)?dollars|euros?|yen|yuan|rupees|pounds\s+sterling|USD|EUR|GBP|JPY|CHF|CNY|AUD|CAD|INR)\b",
    )
});

/// "three-hour", "18-year-old": a lowercase word joined to the number by a
/// hyphen, and for ages the "-old" that follows.
static HYPHENATED_UNIT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^-(?P<unit>[a-z]+)(?:-olds?)?\b"));

/// Units written straight after the digits ("5km", "40C"). Longer spellings
/// come first so that "kWh" is not read as "kW".
static GLUED_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?P<unit>km/h|km|kg|mg|mm|cm|mi|mph|kph|ft|lbs|lb|oz|ha|kWh|kW|MWh|MW|GWh|GW|TWh|GHz|MHz|GB|MB|TB|ml|bpd|°C|°F|C|F)\b",
    )
});

/// A number found in the text, before its unit is looked for.
struct Number {
    /// From the currency sign (if any) to the last digit or number word.
    span: Range<usize>,
    /// Decimal digits without separators, ready to carry an exponent.
    mantissa: String,
    /// ISO 4217 code when a currency sign or code came before the digits.
    currency: Option<&'static str>,
    /// Written in digits, so a unit may be glued to it ("5km").
    in_digits: bool,
}

impl Number {
    fn is_one(&self) -> bool {
        self.mantissa == "1"
    }
}

fn number_in_digits(text: &str, captures: &Captures) -> Option<Number> {
    let whole = captures.get(0)?;
    let digits = captures.name("digits")?;
    let currency = match (captures.name("sign"), captures.name("code")) {
        (Some(sign), _) => Some(currency_of_sign(sign.as_str())?),
        (None, Some(code)) => Some(currency_of_word(code.as_str())?),
        (None, None) => None,
    };
    if currency.is_none()
        && (glued_on_the_left(&text[..digits.start()]) || follows_a_name(&text[..digits.start()]))
    {
        return None;
    }
    if glued_on_the_right(&text[digits.end()..]) {
        return None;
    }
    Some(Number {
        span: whole.range(),
        mantissa: digits.as_str().replace(',', ""),
        currency,
        in_digits: true,
    })
}

fn spelled_number(text: &str, span: Range<usize>) -> Option<Number> {
    if glued_on_the_left(&text[..span.start]) {
        return None;
    }
    let words = text[span.clone()].to_lowercase();
    let mut value = 0;
    for part in words.split('-') {
        value += number_word_value(part)?;
    }
    Some(Number {
        span,
        mantissa: value.to_string(),
        currency: None,
        in_digits: false,
    })
}

fn number_word_value(word: &str) -> Option<u32> {
    let value = match word {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    };
    Some(value)
}

/// A hyphen after a letter or digit makes the number part of a name or a
/// score ("COVID-19", "F-16", the "4" of "6-4"); a separator after a digit
/// makes it part of a bigger figure, a time or a version ("10:30", "1.2.3").
fn glued_on_the_left(before: &str) -> bool {
    let mut chars = before.chars().rev();
    match chars.next() {
        Some('-' | ':' | '.' | ',' | '/') => chars.next().is_some_and(char::is_alphanumeric),
        Some('#') => true,
        _ => false,
    }
}

/// Words that may stand right before a number while capitalised, because a
/// sentence can open with them ("Nearly 500 people", "The 27 members").
const HEDGES: &[&str] = &[
    "nearly",
    "almost",
    "around",
    "roughly",
    "approximately",
    "some",
    "only",
    "just",
    "another",
    "at",
    "fewer",
    "least",
    "including",
    "exactly",
    "barely",
    "estimated",
    "those",
    "these",
    "all",
    "top",
];

/// A capitalised word right before a number names a product or a thing
/// with a number ("Boeing 747", "Model 3", "Windows 10"), unless it is a
/// function word opening a sentence ("The 27", "About 1,200") or a
/// possessive ("Britain's 20 biggest firms").
fn follows_a_name(before: &str) -> bool {
    if !before.ends_with(' ') {
        return false;
    }
    let trimmed = before.trim_end();
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map(|(index, _)| index);
    let Some(word_start) = word_start else {
        return false;
    };
    let word = &trimmed[word_start..];
    if !word.starts_with(char::is_uppercase) {
        return false;
    }
    let lowercase = word.to_lowercase();
    !(FUNCTION_WORDS.contains(lowercase.as_str()) || HEDGES.contains(&lowercase.as_str()))
}

/// The mirror of [`glued_on_the_left`]: "6-4", "10:30", "5,6", "3/4".
fn glued_on_the_right(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        Some('-' | ':' | '.' | ',' | '/') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn currency_of_sign(sign: &str) -> Option<&'static str> {
    let code = match sign {
        "$" | "US$" => "USD",
        "£" => "GBP",
        "€" => "EUR",
        "¥" => "JPY",
        "₹" => "INR",
        "A$" => "AUD",
        "C$" => "CAD",
        "NZ$" => "NZD",
        "HK$" => "HKD",
        "S$" => "SGD",
        "R$" => "BRL",
        _ => return None,
    };
    Some(code)
}

fn currency_of_word(word: &str) -> Option<&'static str> {
    let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
    let code = match word.as_str() {
        "dollars" | "US dollars" | "USD" => "USD",
        "euro" | "euros" | "EUR" => "EUR",
        "yen" | "JPY" => "JPY",
        "yuan" | "CNY" => "CNY",
        "rupees" | "INR" => "INR",
        "pounds sterling" | "GBP" => "GBP",
        "CHF" => "CHF",
        "AUD" => "AUD",
        "CAD" => "CAD",
        _ => return None,
    };
    Some(code)
}

/// How a scale after the number was written, which matters for "m": glued
/// to digits it is millions in money and counts but metres in "100m".
#[derive(Clone, Copy, PartialEq)]
enum ScaleWriting {
    Unscaled,
    GluedM,
    Other,
}

/// Reads what follows a number and, when it names a unit or an object,
/// makes the mention.
fn read_quantity(text: &str, number: &Number) -> Option<QuantityMention> {
    let mut end = number.span.end;
    let mut exponent = 0;
    let mut scale_writing = ScaleWriting::Unscaled;
    if let Some(scale) = SCALE.captures(&text[end..]) {
        let glued = scale.name("glued").map(|m| m.as_str());
        // A glued "b" is too easily a label ("5b") to be billions outside money.
        if number.currency.is_some() || glued != Some("b") {
            exponent = scale_exponent(&scale);
            scale_writing = if glued == Some("m") {
                ScaleWriting::GluedM
            } else {
                ScaleWriting::Other
            };
            end += scale.get(0).map_or(0, |m| m.len());
        }
    }
    let rest = &text[end..];
    let mention = |unit_end: usize, exponent: i32, unit: &str| -> Option<QuantityMention> {
        Some(QuantityMention {
            span: number.span.start..unit_end,
            text: text[number.span.start..unit_end].to_string(),
            value: scaled(&number.mantissa, exponent)?,
            unit: unit.to_string(),
        })
    };

    if let Some(code) = number.currency {
        return mention(end, exponent, code);
    }
    if let Some(percent) = PERCENT.captures(rest) {
        let unit = percent
            .name("points")
            .map_or("%".to_string(), |m| normalise_spaces(m.as_str()));
        return mention(end + percent.get(0)?.end(), exponent, &unit);
    }
    if let Some(currency) = CURRENCY_AFTER.captures(rest) {
        let code = currency_of_word(currency.name("currency")?.as_str())?;
        return mention(end + currency.get(0)?.end(), exponent, code);
    }
    // "2,400-odd workers": "-odd" only hedges the number, so the object
    // is looked for after it.
    let (rest, end) = match rest.strip_prefix("-odd") {
        Some(after_odd) if !after_odd.starts_with(char::is_alphanumeric) => {
            (after_odd, end + "-odd".len())
        }
        _ => (rest, end),
    };
    if scale_writing == ScaleWriting::Unscaled {
        if let Some(hyphenated) = HYPHENATED_UNIT.captures(rest) {
            let unit = hyphenated.name("unit")?.as_str();
            if is_hyphen_unit(unit) {
                return mention(end + hyphenated.get(0)?.end(), exponent, unit);
            }
        }
        if number.in_digits {
            if let Some(glued) = GLUED_UNIT.captures(rest) {
                let unit = glued.name("unit")?.as_str();
                return mention(end + glued.get(0)?.end(), exponent, unit);
            }
        }
    }
    // Anything else glued to the number ("3rd", "5G", "10am") is not a
    // quantity we can read.
    if rest.starts_with(char::is_alphanumeric) {
        return None;
    }
    let counted = counted_noun(rest, number.is_one() && exponent == 0);
    if scale_writing == ScaleWriting::GluedM {
        // "2.3m subscribers" counts millions; "100m" alone or "100m
        // hurdles" is a distance in metres.
        return match counted {
            Some(noun) if !RACE_WORDS.contains(&noun.word) => {
                mention(end + noun.end, exponent, noun.word)
            }
            _ => mention(end, 0, "m"),
        };
    }
    let noun = counted?;
    mention(end + noun.end, exponent, noun.word)
}

fn scale_exponent(scale: &Captures) -> i32 {
    let one = |word: &str| match word {
        "hundred" => 2,
        "k" | "thousand" => 3,
        "m" | "mn" | "million" => 6,
        "b" | "bn" | "billion" => 9,
        "tn" | "trn" | "trillion" => 12,
        _ => 0,
    };
    if let Some(abbreviation) = scale.name("glued").or_else(|| scale.name("spaced")) {
        return one(abbreviation.as_str());
    }
    scale
        .name("words")
        .map_or(0, |words| words.as_str().split_whitespace().map(one).sum())
}

/// Builds the value from its decimal text and a power of ten, so that
/// "1.13" with 9 becomes exactly the double nearest 1.13e9 instead of
/// carrying the rounding error of a multiplication.
fn scaled(mantissa: &str, exponent: i32) -> Option<f64> {
    format!("{mantissa}e{exponent}").parse().ok()
}

/// Words joined to a number by a hyphen that do not make it a measure:
/// fractions ("two-thirds"), scores ("1-nil") and set phrases ("one-off").
const NOT_HYPHEN_UNITS: &[&str] = &[
    "off", "on", "way", "time", "sided", "fold", "half", "halves", "third", "thirds", "quarter",
    "quarters", "fourth", "fourths", "fifth", "fifths", "odd", "nil", "all", "love", "and", "or",
    "to", "up", "in", "out",
];

fn is_hyphen_unit(word: &str) -> bool {
    !NOT_HYPHEN_UNITS.contains(&word) && number_word_value(word).is_none()
}

/// Distances run or swum: "100m hurdles" is metres, not millions.
const RACE_WORDS: &[&str] = &[
    "hurdles",
    "freestyle",
    "backstroke",
    "breaststroke",
    "butterfly",
    "medley",
    "relay",
    "sprint",
    "dash",
    "race",
    "final",
    "finals",
    "heats",
    "steeplechase",
];

/// Words that end a noun phrase: articles, prepositions, pronouns, common
/// verbs and quantifiers, and fractions ("two thirds").
static FUNCTION_WORDS: WordSet = WordSet::new(&[
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "by", "with",
    "from", "as", "into", "onto", "than", "then", "per", "over", "under", "about", "after",
    "before", "since", "until", "during", "between", "among", "against", "through", "up", "down",
    "out", "off", "is", "are", "was", "were", "be", "been", "being", "am", "pm", "has", "have",
    "had", "do", "does", "did", "will", "would", "could", "should", "may", "might", "must", "can",
    "shall", "said", "says", "say", "that", "which", "who", "whom", "whose", "this", "these",
    "those", "it", "its", "he", "she", "they", "them", "their", "his", "her", "we", "us", "our",
    "you", "your", "i", "me", "my", "there", "here", "when", "where", "while", "if", "so", "not",
    "no", "more", "less", "most", "least", "other", "others", "another", "each", "every", "all",
    "both", "some", "any", "such", "own", "same", "too", "very", "just", "also", "only", "even",
    "still", "yet", "again", "ago", "later", "earlier", "o", "half", "halves", "third", "thirds",
    "quarter", "quarters", "fifths", "percent",
]);

/// Plurals without the usual "-s".
const IRREGULAR_PLURALS: &[&str] = &[
    "people",
    "men",
    "women",
    "children",
    "police",
    "feet",
    "teeth",
    "mice",
    "geese",
    "sheep",
    "deer",
    "fish",
    "cattle",
    "staff",
    "personnel",
    "aircraft",
    "crew",
    "livestock",
    "data",
    "media",
    "bacteria",
    "criteria",
];

/// Unit abbreviations written apart from the number ("5 km").
const UNIT_ABBREVIATIONS: &[&str] = &[
    "km", "kg", "mg", "mm", "cm", "mi", "mph", "kph", "ft", "lb", "lbs", "oz", "ha", "mw", "gw",
    "kw", "kwh", "mwh", "gwh", "twh", "ghz", "mhz", "gb", "mb", "tb", "ml", "bpd",
];

/// The counted object found after a number.
struct CountedNoun<'a> {
    word: &'a str,
    /// Byte offset, in the text after the number, where the noun ends.
    end: usize,
}

/// The most words read after a number while looking for its object, so that
/// "25 current EU members" reaches "members" through two modifiers.
const NOUN_PHRASE_WORDS: usize = 3;

/// Finds what a number counts. After a number above one the object is the
/// first plural noun or unit among the next few words, the words before it
/// being modifiers ("25 current EU members"); after one it is singular, so
/// the last word of the phrase is taken ("one big problem"). The phrase
/// stops at punctuation, a function word or a capitalised name ("19,924
/// Cadillac"); all-capital acronyms ("EU") may stand in it as modifiers.
fn counted_noun(after: &str, counts_one: bool) -> Option<CountedNoun<'_>> {
    let mut phrase: Vec<CountedNoun> = Vec::new();
    let mut position = 0;
    while phrase.len() < NOUN_PHRASE_WORDS {
        let rest = &after[position..];
        let word_start = rest.len() - rest.trim_start().len();
        // Words must be separated by spaces only: punctuation ends a phrase.
        if word_start == 0 || !rest[..word_start].chars().all(|c| c == ' ' || c == '\t') {
            break;
        }
        let word = leading_word(&rest[word_start..]);
        if word.is_empty() || FUNCTION_WORDS.contains(word.to_lowercase().as_str()) {
            break;
        }
        let is_acronym =
            (2..=5).contains(&word.len()) && word.chars().all(|c| c.is_ascii_uppercase());
        if !is_acronym && !word.starts_with(char::is_lowercase) {
            break;
        }
        position += word_start + word.len();
        let noun = CountedNoun {
            word,
            end: position,
        };
        if is_acronym {
            phrase.push(noun);
            continue;
        }
        if !counts_one && is_plural_or_unit(word) {
            return Some(noun);
        }
        // After "one", participles, adverbs and verbs in "-s" ("killed",
        // "really", "remains") begin the verb phrase, so the noun came
        // before them.
        let starts_verb_phrase = (word.len() > 4 && (word.ends_with("ed") || word.ends_with("ly")))
            || (!phrase.is_empty() && word.ends_with('s'));
        if counts_one && starts_verb_phrase {
            break;
        }
        phrase.push(noun);
    }
    if counts_one {
        return phrase
            .into_iter()
            .rev()
            .find(|noun| noun.word.starts_with(char::is_lowercase));
    }
    None
}

fn is_plural_or_unit(word: &str) -> bool {
    let looks_plural = word.len() >= 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is");
    looks_plural || IRREGULAR_PLURALS.contains(&word) || UNIT_ABBREVIATIONS.contains(&word)
}

/// Letters at the start of `text`, with inner hyphens ("year-olds").
fn leading_word(text: &str) -> &str {
    let mut end = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let inner_hyphen =
            c == '-' && end > 0 && chars.peek().is_some_and(|(_, next)| next.is_alphabetic());
        if !(c.is_alphabetic() || inner_hyphen) {
            break;
        }
        end = index + c.len_utf8();
    }
    &text[..end]
}

fn normalise_spaces(words: &str) -> String {
    words.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, value, unit) triples, for compact assertions.
    fn found(text: &str) -> Vec<(String, f64, String)> {
        find_quantities(text, &[])
            .into_iter()
            .map(|mention| (mention.text, mention.value, mention.unit))
            .collect()
    }

    fn quantity(text: &str, value: f64, unit: &str) -> (String, f64, String) {
        (text.to_string(), value, unit.to_string())
    }

    #[test]
    fn money_with_currency_signs_and_scales() {
        assert_eq!(
            found("Revenue was $1.13bn, up from £600m, and a $11.1bn deal."),
            vec![
                quantity("$1.13bn", 1.13e9, "USD"),
                quantity("£600m", 600e6, "GBP"),
                quantity("$11.1bn", 11.1e9, "USD"),
            ]
        );
        assert_eq!(
            found("a €5 million grant and US$3.2 billion in debt"),
            vec![
                quantity("€5 million", 5e6, "EUR"),
                quantity("US$3.2 billion", 3.2e9, "USD"),
            ]
        );
        assert_eq!(
            found("It sold for $639m. Tickets cost ¥100."),
            vec![
                quantity("$639m", 639e6, "USD"),
                quantity("¥100", 100.0, "JPY")
            ]
        );
    }

    #[test]
    fn money_with_currency_words_and_codes() {
        assert_eq!(
            found("a fine of 5 million euros and 300 yen"),
            vec![
                quantity("5 million euros", 5e6, "EUR"),
                quantity("300 yen", 300.0, "JPY"),
            ]
        );
        assert_eq!(
            found("valued at USD 2.5bn"),
            vec![quantity("USD 2.5bn", 2.5e9, "USD")]
        );
        assert_eq!(
            found("paid five million dollars"),
            vec![quantity("five million dollars", 5e6, "USD")]
        );
        assert_eq!(found("$1.13 bn"), vec![quantity("$1.13 bn", 1.13e9, "USD")]);
    }

    #[test]
    fn money_value_uses_thousands_separators() {
        assert_eq!(
            found("a $1,234.5 bill"),
            vec![quantity("$1,234.5", 1234.5, "USD")]
        );
        assert_eq!(found("$2004"), vec![quantity("$2004", 2004.0, "USD")]);
    }

    #[test]
    fn percentages() {
        assert_eq!(
            found("76% said yes, 2.5 per cent said no and 8 percent were unsure"),
            vec![
                quantity("76%", 76.0, "%"),
                quantity("2.5 per cent", 2.5, "%"),
                quantity("8 percent", 8.0, "%"),
            ]
        );
        assert_eq!(
            found("five per cent"),
            vec![quantity("five per cent", 5.0, "%")]
        );
        assert_eq!(
            found("rates rose 1.5 percentage points"),
            vec![quantity("1.5 percentage points", 1.5, "percentage points")]
        );
    }

    #[test]
    fn hyphenated_units() {
        assert_eq!(
            found("after three-hour negotiations ended a six-week conflict"),
            vec![
                quantity("three-hour", 3.0, "hour"),
                quantity("six-week", 6.0, "week"),
            ]
        );
        assert_eq!(
            found("a 24-hour strike and a 5-km run"),
            vec![
                quantity("24-hour", 24.0, "hour"),
                quantity("5-km", 5.0, "km")
            ]
        );
        assert_eq!(
            found("Twenty-five-year sentence"),
            vec![quantity("Twenty-five-year", 25.0, "year")]
        );
    }

    #[test]
    fn ages_keep_old_in_the_span_and_year_as_unit() {
        assert_eq!(
            found("an 18-year-old student and two 40-year-olds"),
            vec![
                quantity("18-year-old", 18.0, "year"),
                quantity("40-year-olds", 40.0, "year"),
            ]
        );
    }

    #[test]
    fn odd_hedges_the_number_of_a_count() {
        assert_eq!(
            found("the 2,400-odd workers"),
            vec![quantity("2,400-odd workers", 2400.0, "workers")]
        );
        assert!(found("some 40-odd").is_empty());
    }

    #[test]
    fn fractions_and_set_phrases_are_not_hyphenated_units() {
        assert!(found("two-thirds of voters").is_empty());
        assert!(found("a one-off payment").is_empty());
        assert!(found("they won 1-nil").is_empty());
    }

    #[test]
    fn counts_with_thousands_separators() {
        assert_eq!(
            found("It has 464,000 subscribers."),
            vec![quantity("464,000 subscribers", 464000.0, "subscribers")]
        );
        assert_eq!(
            found("2,000 people marched"),
            vec![quantity("2,000 people", 2000.0, "people")]
        );
    }

    #[test]
    fn capitalised_word_after_a_number_is_not_its_object() {
        assert!(found("GM sold 19,924 Cadillac in May").is_empty());
        assert!(found("He lives at 10 Downing Street").is_empty());
    }

    #[test]
    fn modifiers_before_a_plural_noun() {
        assert_eq!(
            found("the 25 current EU members agreed"),
            vec![quantity("25 current EU members", 25.0, "members")]
        );
        assert_eq!(
            found("3 new jobs"),
            vec![quantity("3 new jobs", 3.0, "jobs")]
        );
        assert_eq!(
            found("three children aged five"),
            vec![quantity("three children", 3.0, "children")]
        );
    }

    #[test]
    fn spelled_numbers_with_scales() {
        assert_eq!(
            found("Two years on, 1.5 million people and two hundred thousand homes"),
            vec![
                quantity("Two years", 2.0, "years"),
                quantity("1.5 million people", 1.5e6, "people"),
                quantity("two hundred thousand homes", 2e5, "homes"),
            ]
        );
        assert_eq!(
            found("twenty cases and forty-two patients"),
            vec![
                quantity("twenty cases", 20.0, "cases"),
                quantity("forty-two patients", 42.0, "patients"),
            ]
        );
    }

    #[test]
    fn one_counts_a_singular_noun() {
        assert_eq!(
            found("one person was hurt"),
            vec![quantity("one person", 1.0, "person")]
        );
        assert_eq!(
            found("one big problem remains"),
            vec![quantity("one big problem", 1.0, "problem")]
        );
        assert!(found("one of the men").is_empty());
        assert!(found("No one said").is_empty());
    }

    #[test]
    fn units_after_digits() {
        assert_eq!(
            found("a 5km run at 40C with 3 kg"),
            vec![
                quantity("5km", 5.0, "km"),
                quantity("40C", 40.0, "C"),
                quantity("3 kg", 3.0, "kg"),
            ]
        );
        assert_eq!(found("2.5GW of power"), vec![quantity("2.5GW", 2.5, "GW")]);
    }

    #[test]
    fn glued_m_is_millions_before_a_count_and_metres_otherwise() {
        assert_eq!(
            found("2.3m subscribers"),
            vec![quantity("2.3m subscribers", 2.3e6, "subscribers")]
        );
        assert_eq!(
            found("won the 100m hurdles"),
            vec![quantity("100m", 100.0, "m")]
        );
        assert_eq!(found("a 400m."), vec![quantity("400m", 400.0, "m")]);
    }

    #[test]
    fn bare_numbers_are_not_quantities() {
        assert!(found("The score was 42.").is_empty());
        assert!(found("He counted to five and stopped").is_empty());
        assert!(found("two million").is_empty());
    }

    #[test]
    fn ordinals_are_not_quantities() {
        assert!(found("the third round").is_empty());
        assert!(found("the 3rd round of the 21st century").is_empty());
    }

    #[test]
    fn numbers_inside_identifiers_are_not_quantities() {
        assert!(found("G7 leaders shared MP3 files over P2P networks").is_empty());
        assert!(found("COVID-19 patients and F-16 jets").is_empty());
        assert!(found("4G networks and 3D printers").is_empty());
    }

    #[test]
    fn numbers_in_product_names_are_not_quantities() {
        assert!(found("Model 3 deliveries rose").is_empty());
        assert!(found("the Boeing 747 jets").is_empty());
        assert_eq!(
            found("About 1,200 workers. Nearly 500 people. The 27 members."),
            vec![
                quantity("1,200 workers", 1200.0, "workers"),
                quantity("500 people", 500.0, "people"),
                quantity("27 members", 27.0, "members"),
            ]
        );
        assert_eq!(
            found("Britain's 20 biggest firms"),
            vec![quantity("20 biggest firms", 20.0, "firms")]
        );
    }

    #[test]
    fn scores_and_times_are_not_quantities() {
        assert!(found("He won 6-4 5-7 6-3 sets").is_empty());
        assert!(found("a 2-1 win").is_empty());
        assert!(found("at 10:30 hours, 10am sharp").is_empty());
    }

    #[test]
    fn excluded_spans_are_skipped() {
        let text = "In 2020 sales rose 5% and two years ago 30 workers left.";
        let year = 3..7;
        let two_years_ago = text.find("two years ago").unwrap();
        let exclude = [year, two_years_ago..two_years_ago + "two years ago".len()];
        let mentions: Vec<_> = find_quantities(text, &exclude)
            .into_iter()
            .map(|mention| mention.text)
            .collect();
        assert_eq!(mentions, vec!["5%", "30 workers"]);
    }

    #[test]
    fn dates_are_quantities_only_when_not_excluded() {
        assert_eq!(
            found("two years"),
            vec![quantity("two years", 2.0, "years")]
        );
        let text = "December 1, 2020, 12 people";
        let date = 0.."December 1, 2020".len();
        assert_eq!(
            find_quantities(text, &[date])
                .into_iter()
                .map(|mention| mention.text)
                .collect::<Vec<_>>(),
            vec!["12 people"]
        );
    }

    #[test]
    fn spans_match_the_text_and_are_sorted() {
        let text = "Café sold 1.2 million croissants — up 12% — for €3.5m, a five-year high.";
        let mentions = find_quantities(text, &[]);
        assert_eq!(mentions.len(), 4);
        for mention in &mentions {
            assert_eq!(&text[mention.span.clone()], mention.text);
        }
        for pair in mentions.windows(2) {
            assert!(pair[0].span.end <= pair[1].span.start);
        }
    }

    #[test]
    fn scaled_values_are_exact() {
        assert_eq!(scaled("1.13", 9), Some(1.13e9));
        assert_eq!(scaled("11.1", 9), Some(11.1e9));
        assert_eq!(scaled("1234.5", 0), Some(1234.5));
    }
}
