//! Fact extraction: what an article says, as facts a newsroom can follow.
//!
//! From the text of an article this module extracts quotes with their
//! speakers ([`quotes`]), named entities with people's titles
//! ([`entities`], using the [`gazetteer`]), time expressions normalised to
//! ISO 8601 against the publication date ([`dates`]), and quantities
//! ([`quantities`]). Every fact carries its provenance as Unicode
//! code-point offsets into the submitted body, so that Python's
//! `body[start:end]` is the span, a confidence, and a stable id: the blake3
//! hash of its kind and normalised content, so the same fact reported by two
//! articles has the same id. Like the rest of the domain core it is pure:
//! no storage, no network.

pub mod dates;
pub mod entities;
pub mod gazetteer;
pub mod quantities;
pub mod quotes;
mod words;

use std::ops::Range;

use chrono::NaiveDate;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

pub use entities::EntityType;

use crate::text::{normalize::normalize, PreparedBody};

/// One paragraph of text to extract from, with its sentences (found once,
/// used by every extractor).
#[derive(Clone, Debug)]
pub struct Paragraph<'a> {
    /// Paragraph index in the article.
    pub index: u32,
    /// Its text.
    pub text: &'a str,
    /// Byte offset of `text` in the body.
    pub offset: usize,
    /// Byte spans of its sentences within `text`.
    pub sentences: Vec<Range<usize>>,
}

impl<'a> Paragraph<'a> {
    /// A paragraph at `offset` in the body.
    pub fn new(index: u32, text: &'a str, offset: usize) -> Self {
        Paragraph {
            index,
            text,
            offset,
            sentences: words::sentences(text),
        }
    }
}

/// A fact's stable id: blake3 of its kind and normalised content.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FactId(pub [u8; 32]);

impl std::fmt::Debug for FactId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in &self.0[..6] {
            write!(f, "{byte:02x}")?;
        }
        f.write_str("…")
    }
}

/// The four kinds of fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FactKind {
    /// Something someone said.
    Quote,
    /// A named person, organisation, place or nationality.
    Entity,
    /// A date or period.
    Time,
    /// A number with a unit or object.
    Quantity,
}

/// A quotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Who said it (full name when known), empty when unresolved.
    pub speaker: String,
    /// The speaker's title in the article.
    pub speaker_title: String,
    /// The words quoted (for indirect quotes, the reported clause).
    pub text: String,
    /// The reporting verb.
    pub cue: String,
    /// Direct (in quotation marks) or indirect (reported speech).
    pub direct: bool,
}

/// A named entity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Canonical name.
    pub name: String,
    /// Its type.
    pub entity_type: EntityType,
    /// Titles and roles given to a person.
    pub titles: Vec<String>,
}

/// A time expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeExpr {
    /// As written.
    pub text: String,
    /// ISO 8601 value; `None` when it cannot be resolved (a relative
    /// expression in an article without a publication date).
    pub value: Option<String>,
}

/// A quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// As written.
    pub text: String,
    /// The number, scaled.
    pub value: f64,
    /// Unit or counted object (ISO 4217 code for money, "%" for percent).
    pub unit: String,
}

/// What a fact says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FactBody {
    /// A quotation.
    Quote(Quote),
    /// A named entity.
    Entity(Entity),
    /// A time expression.
    Time(TimeExpr),
    /// A quantity.
    Quantity(Quantity),
}

impl FactBody {
    /// The fact's kind.
    pub fn kind(&self) -> FactKind {
        match self {
            FactBody::Quote(_) => FactKind::Quote,
            FactBody::Entity(_) => FactKind::Entity,
            FactBody::Time(_) => FactKind::Time,
            FactBody::Quantity(_) => FactKind::Quantity,
        }
    }

    /// The normalised content the id is made from.
    fn key(&self) -> String {
        match self {
            FactBody::Quote(quote) => format!("quote\0{}", normalize(&quote.text)),
            FactBody::Entity(entity) => format!(
                "entity\0{:?}\0{}",
                entity.entity_type,
                normalize(&entity.name)
            ),
            FactBody::Time(time) => match &time.value {
                Some(value) => format!("time\0{value}"),
                None => format!("time\0?\0{}", normalize(&time.text)),
            },
            FactBody::Quantity(quantity) => format!("quantity\0{}", normalize(&quantity.text)),
        }
    }

    /// The stable id of this content.
    pub fn id(&self) -> FactId {
        FactId(*blake3::hash(self.key().as_bytes()).as_bytes())
    }

    /// Names this fact is about, for filtering: an entity's name, a
    /// quote's speaker.
    pub fn names(&self) -> Option<&str> {
        match self {
            FactBody::Quote(quote) => Some(&quote.speaker),
            FactBody::Entity(entity) => Some(&entity.name),
            _ => None,
        }
    }
}

/// Whether two facts, one from a copied paragraph and one from its
/// source, say the same thing despite the copy's edits: the same kind, and
/// the same entity, value or (for quotes) mostly the same words.
pub fn same_fact(copy: &FactBody, source: &FactBody) -> bool {
    match (copy, source) {
        (FactBody::Quote(a), FactBody::Quote(b)) => {
            use crate::text::shingles::{count_shared, shingle_hashes, shingle_set, ShingleConfig};
            let config = ShingleConfig::default();
            let a = shingle_set(&shingle_hashes(&normalize(&a.text), config));
            let b = shingle_set(&shingle_hashes(&normalize(&b.text), config));
            let shared = count_shared(&a, &b);
            let smaller = a.len().min(b.len());
            smaller > 0 && shared * 2 >= smaller
        }
        (FactBody::Entity(a), FactBody::Entity(b)) => {
            a.entity_type == b.entity_type && {
                let (a, b) = (normalize(&a.name), normalize(&b.name));
                a == b || a.rsplit(' ').next() == b.rsplit(' ').next()
            }
        }
        (FactBody::Time(a), FactBody::Time(b)) => a.value.is_some() && a.value == b.value,
        (FactBody::Quantity(a), FactBody::Quantity(b)) => a.unit == b.unit && a.value == b.value,
        _ => false,
    }
}

/// Where in the article a fact was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Paragraph index.
    pub paragraph_index: u32,
    /// Start, in Unicode code points from the start of the body.
    pub start: u32,
    /// End (exclusive), in code points.
    pub end: u32,
}

/// An extracted fact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Stable id of the content.
    pub id: FactId,
    /// What it says.
    pub body: FactBody,
    /// 0..1.
    pub confidence: f32,
    /// Where it was found.
    pub provenance: Provenance,
}

/// Facts with a lower confidence are not reported.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// Everything found in an article, before ids and de-duplication: what the
/// evaluation scores mention by mention.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    /// Entity mentions and titles.
    pub entities: entities::Entities,
    /// Quotations.
    pub quotes: Vec<quotes::QuoteMention>,
    /// Time expressions with their paragraph index and body byte span.
    pub times: Vec<(u32, dates::TimeMention)>,
    /// Quantities with their paragraph index and body byte span.
    pub quantities: Vec<(u32, quantities::QuantityMention)>,
}

/// Runs every extractor over `paragraphs` (spans in body bytes).
pub fn find_all(paragraphs: &[Paragraph<'_>], published: Option<NaiveDate>) -> Findings {
    let entities = entities::find_entities(paragraphs);
    let quotes = quotes::find_quotes(paragraphs, &entities);
    let mut times = Vec::new();
    let mut quantities = Vec::new();
    for paragraph in paragraphs {
        let found_times = dates::find_times(paragraph.text, published);
        let exclude: Vec<Range<usize>> = found_times.iter().map(|t| t.span.clone()).collect();
        for mut quantity in quantities::find_quantities(paragraph.text, &exclude) {
            quantity.span =
                paragraph.offset + quantity.span.start..paragraph.offset + quantity.span.end;
            quantities.push((paragraph.index, quantity));
        }
        for mut time in found_times {
            time.span = paragraph.offset + time.span.start..paragraph.offset + time.span.end;
            times.push((paragraph.index, time));
        }
    }
    Findings {
        entities,
        quotes,
        times,
        quantities,
    }
}

/// The paragraphs of a prepared body, without their credits.
pub fn paragraphs_of<'a>(body: &'a str, prepared: &PreparedBody) -> Vec<Paragraph<'a>> {
    prepared
        .paragraphs
        .iter()
        .filter(|p| !p.content.is_empty())
        .map(|p| Paragraph::new(p.index, &body[p.content.clone()], p.content.start))
        .collect()
}

/// Extracts the facts of an article: one per distinct id, in body order,
/// with provenance in code points.
pub fn extract_facts(
    body: &str,
    prepared: &PreparedBody,
    published: Option<NaiveDate>,
) -> Vec<Fact> {
    let findings = find_all(&paragraphs_of(body, prepared), published);
    let mut found: Vec<(u32, Range<usize>, FactBody, f32)> = Vec::new();
    let mut first_mention: FxHashSet<(&str, EntityType)> = FxHashSet::default();
    for mention in findings
        .entities
        .mentions
        .iter()
        .filter(|m| m.confidence >= MIN_CONFIDENCE)
    {
        if !first_mention.insert((&mention.name, mention.entity_type)) {
            continue;
        }
        let titles = findings.entities.titles_of(&mention.name).to_vec();
        found.push((
            mention.paragraph,
            mention.span.clone(),
            FactBody::Entity(Entity {
                name: mention.name.clone(),
                entity_type: mention.entity_type,
                titles,
            }),
            mention.confidence,
        ));
    }
    for quote in findings
        .quotes
        .iter()
        .filter(|q| q.confidence >= MIN_CONFIDENCE || !q.speaker.is_empty())
    {
        found.push((
            quote.paragraph,
            quote.span.clone(),
            FactBody::Quote(Quote {
                speaker: quote.speaker.clone(),
                speaker_title: quote.speaker_title.clone(),
                text: quote.text.clone(),
                cue: quote.cue.clone(),
                direct: quote.direct,
            }),
            quote.confidence,
        ));
    }
    for (paragraph, time) in &findings.times {
        found.push((
            *paragraph,
            time.span.clone(),
            FactBody::Time(TimeExpr {
                text: time.text.clone(),
                value: time.value.clone(),
            }),
            time.confidence,
        ));
    }
    for (paragraph, quantity) in &findings.quantities {
        found.push((
            *paragraph,
            quantity.span.clone(),
            FactBody::Quantity(Quantity {
                text: quantity.text.clone(),
                value: quantity.value,
                unit: quantity.unit.clone(),
            }),
            0.8,
        ));
    }
    found.sort_by_key(|(_, span, ..)| span.start);
    let offsets = CodePoints::new(
        body,
        found
            .iter()
            .flat_map(|(_, span, ..)| [span.start, span.end]),
    );
    let mut seen = FxHashSet::default();
    found
        .into_iter()
        .filter_map(|(paragraph_index, span, body, confidence)| {
            let id = body.id();
            seen.insert(id).then(|| Fact {
                id,
                body,
                confidence: confidence.clamp(0.0, 1.0),
                provenance: Provenance {
                    paragraph_index,
                    start: offsets.of(span.start),
                    end: offsets.of(span.end),
                },
            })
        })
        .collect()
}

/// Byte offsets converted to code-point offsets in one pass over the body.
struct CodePoints {
    table: Vec<(usize, u32)>,
}

impl CodePoints {
    fn new(body: &str, offsets: impl Iterator<Item = usize>) -> Self {
        let mut wanted: Vec<usize> = offsets.collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut table = Vec::with_capacity(wanted.len());
        let mut next = wanted.iter().peekable();
        let mut count = 0u32;
        for (at, _) in body
            .char_indices()
            .chain(std::iter::once((body.len(), ' ')))
        {
            while let Some(&&offset) = next.peek() {
                if offset > at {
                    break;
                }
                table.push((offset, count));
                next.next();
            }
            count = count.saturating_add(1);
        }
        CodePoints { table }
    }

    fn of(&self, offset: usize) -> u32 {
        match self.table.binary_search_by_key(&offset, |(byte, _)| *byte) {
            Ok(found) => self.table[found].1,
            Err(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{prepare_body, TextConfig};

    #[test]
    fn copies_with_typos_are_the_same_fact() {
        let quote = |text: &str| {
            FactBody::Quote(Quote {
                speaker: "Sergey Lavrov".into(),
                speaker_title: String::new(),
                text: text.into(),
                cue: "said".into(),
                direct: true,
            })
        };
        let original =
            quote("There is progress in the exchange of prisoners of war and bodies of the dead");
        let typo =
            quote("There is progres in the exchange of prisoners of war and bodies of the dead");
        let other = quote("We hope that there will be no obstacles from the Azerbaijani side");
        assert!(same_fact(&typo, &original));
        assert!(!same_fact(&other, &original));
        assert_ne!(typo.id(), original.id());
    }

    #[test]
    fn provenance_is_in_code_points_and_ids_are_stable() {
        let body = "Café owners in Moscow are worried.\n\n“We are losing money every single day,” Jane Doe said.";
        let prepared = prepare_body(body, &TextConfig::default());
        let facts = extract_facts(body, &prepared, None);
        let chars: Vec<char> = body.chars().collect();
        for fact in &facts {
            let span: String = chars[fact.provenance.start as usize..fact.provenance.end as usize]
                .iter()
                .collect();
            let expected = match &fact.body {
                FactBody::Entity(e) => e.name.clone(),
                FactBody::Quote(q) => q.text.clone(),
                FactBody::Time(t) => t.text.clone(),
                FactBody::Quantity(q) => q.text.clone(),
            };
            assert_eq!(span, expected);
        }
        let moscow = facts
            .iter()
            .find(|f| matches!(&f.body, FactBody::Entity(e) if e.name == "Moscow"));
        assert!(moscow.is_some(), "{facts:?}");
        let again = extract_facts(body, &prepared, None);
        assert_eq!(facts, again);
    }
}
