//! Wire-copy variants of an article with known ground truth.
//!
//! Each variant applies the edits outlets make when they republish agency
//! copy, chosen at random: a dateline, a byline, an agency credit, typos,
//! restyled quotes and dashes, HTML entities, paragraphs dropped from the
//! bottom, reordered, merged, split, trimmed of a sentence or padded with
//! one, short inline ads, and different line-break styles. Every variant
//! paragraph records which paragraphs of the original it carries text from.

/// One paragraph of a variant and the original paragraphs it copies.
#[derive(Clone, Debug)]
pub struct TruthParagraph {
    pub text: String,
    pub sources: Vec<u32>,
}

/// A generated variant.
#[derive(Clone, Debug)]
pub struct Variant {
    /// What separates its paragraphs in the body.
    pub separator: String,
    pub paragraphs: Vec<TruthParagraph>,
}

const DATELINES: &[&str] = &[
    "LONDON (Reuters) - ",
    "NEW YORK (AP) \u{2014} ",
    "PARIS (AFP) - ",
    "MOSCOW (Sputnik) - ",
    "WASHINGTON, Dec 1 (Reuters) - ",
];
const BYLINES: &[&str] = &[
    "By Jane Doe | Reuters",
    "By John Roe",
    "By Staff Reporter, Agencies",
];
const ADS: &[&str] = &[
    "Advertisement",
    "Story continues below",
    "READ MORE:",
    "Sponsored content",
];
const PADDING: &[&str] = &[
    "The figures were not independently verified by this newspaper.",
    "Officials did not respond to a request for further comment on Monday.",
    "Our correspondent says the mood in the capital remains tense and uncertain.",
    "Analysts expect further details to emerge over the coming weeks.",
];
const CREDITS: &[&str] = &[
    "(Reporting by Jane Doe; Editing by John Roe)",
    "Reuters contributed to this report.",
    "Additional reporting by Staff Writers",
];

/// The non-blank lines of `body`.
pub fn lines(body: &str) -> Vec<String> {
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The sentences of `text`, split after ". ".
pub fn sentences(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, _) in text.match_indices(". ") {
        parts.push(&text[start..=at]);
        start = at + 2;
    }
    parts.push(&text[start..]);
    parts
}

fn typo(rng: &mut fastrand::Rng, text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let candidates: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 5 && words[i].chars().all(char::is_alphabetic))
        .collect();
    if candidates.is_empty() {
        return text.to_owned();
    }
    let target = candidates[rng.usize(..candidates.len())];
    let mut chars: Vec<char> = words[target].chars().collect();
    let at = rng.usize(1..chars.len() - 1);
    match rng.u8(..3) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        }
        _ => chars.insert(at, chars[at]),
    }
    let mut out: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    out[target] = chars.into_iter().collect();
    out.join(" ")
}

fn restyle_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open = true;
    for c in text.chars() {
        match c {
            '"' => {
                out.push(if open { '\u{201C}' } else { '\u{201D}' });
                open = !open;
            }
            '\'' => out.push('\u{2019}'),
            c => out.push(c),
        }
    }
    out.replace(" - ", " \u{2014} ")
}

/// Makes a variant of an article whose paragraphs are `original`.
pub fn make_variant(rng: &mut fastrand::Rng, original: &[String]) -> Variant {
    let mut paragraphs: Vec<TruthParagraph> = original
        .iter()
        .enumerate()
        .map(|(i, text)| TruthParagraph {
            text: text.clone(),
            sources: vec![u32::try_from(i).unwrap_or(u32::MAX)],
        })
        .collect();

    // Trimmed at the bottom, as wire copy often is.
    if paragraphs.len() > 4 && rng.f32() < 0.3 {
        let keep = (paragraphs.len() * rng.usize(60..=90) / 100).max(3);
        paragraphs.truncate(keep);
    }
    // Two paragraphs in a different order.
    if paragraphs.len() > 3 && rng.f32() < 0.2 {
        let at = rng.usize(1..paragraphs.len() - 1);
        paragraphs.swap(at, at + 1);
    }
    // Two paragraphs merged.
    if paragraphs.len() > 2 && rng.f32() < 0.3 {
        let at = rng.usize(..paragraphs.len() - 1);
        let next = paragraphs.remove(at + 1);
        paragraphs[at].text = format!("{} {}", paragraphs[at].text, next.text);
        paragraphs[at].sources.extend(next.sources);
    }
    // One paragraph split at a sentence boundary.
    if rng.f32() < 0.3 {
        if let Some(at) = (0..paragraphs.len()).find(|&i| sentences(&paragraphs[i].text).len() >= 2)
        {
            let parts = sentences(&paragraphs[at].text);
            let middle = parts.len() / 2;
            let (head, tail) = (parts[..middle].join(" "), parts[middle..].join(" "));
            let sources = paragraphs[at].sources.clone();
            paragraphs[at].text = head;
            paragraphs.insert(
                at + 1,
                TruthParagraph {
                    text: tail,
                    sources,
                },
            );
        }
    }
    for paragraph in &mut paragraphs {
        // Trimmed of its last sentence, or padded with one.
        if rng.f32() < 0.15 {
            let parts = sentences(&paragraph.text);
            if parts.len() >= 2 {
                paragraph.text = parts[..parts.len() - 1].join(" ");
            }
        } else if rng.f32() < 0.1 {
            paragraph.text = format!("{} {}", paragraph.text, PADDING[rng.usize(..PADDING.len())]);
        }
        for _ in 0..rng.usize(0..=2) {
            if rng.f32() < 0.4 {
                paragraph.text = typo(rng, &paragraph.text);
            }
        }
    }
    if rng.f32() < 0.5 {
        for paragraph in &mut paragraphs {
            paragraph.text = restyle_quotes(&paragraph.text);
        }
    }
    if rng.f32() < 0.1 {
        for paragraph in &mut paragraphs {
            paragraph.text = paragraph.text.replace('&', "&amp;").replace('\'', "&#39;");
        }
    }
    if rng.f32() < 0.6 {
        if let Some(first) = paragraphs.first_mut() {
            first.text = format!("{}{}", DATELINES[rng.usize(..DATELINES.len())], first.text);
        }
    }
    if rng.f32() < 0.4 {
        paragraphs.insert(
            0,
            TruthParagraph {
                text: BYLINES[rng.usize(..BYLINES.len())].into(),
                sources: vec![],
            },
        );
    }
    if paragraphs.len() > 3 && rng.f32() < 0.3 {
        let at = rng.usize(2..paragraphs.len());
        paragraphs.insert(
            at,
            TruthParagraph {
                text: ADS[rng.usize(..ADS.len())].into(),
                sources: vec![],
            },
        );
    }
    if rng.f32() < 0.3 {
        paragraphs.push(TruthParagraph {
            text: CREDITS[rng.usize(..CREDITS.len())].into(),
            sources: vec![],
        });
    }
    let separator = match rng.u8(..10) {
        0 => "\r\n\r\n",
        1..=4 => "\n",
        _ => "\n\n",
    };
    Variant {
        separator: separator.to_owned(),
        paragraphs,
    }
}
