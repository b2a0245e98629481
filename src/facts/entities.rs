//! Named entities: people (with their titles), organisations, places and
//! nationalities, found with the gazetteer and the conventions of news
//! copy rather than a statistical model.
//!
//! Candidates are runs of capitalised words ("Russian Foreign Minister
//! Sergey Lavrov", "the OSCE Minsk Group"). A run is split into a title and
//! a name when it starts with titles; it is a place or nationality when the
//! gazetteer knows it, an organisation when it carries an organisation word
//! or is an acronym, and a person when it looks like a given name and
//! surname. A lone surname ("Lavrov") resolves to the full name mentioned
//! elsewhere in the article. Titles also come from appositions: "his
//! visiting Armenian counterpart, Ara Ayvazian".

use std::{borrow::Cow, collections::HashMap, ops::Range};

use rustc_hash::FxHashSet;

use super::{
    gazetteer::{self, PlaceKind},
    words::{words, Word, WordSet},
    Paragraph,
};

/// The kinds of entity wirecopy reports.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum EntityType {
    /// A named person.
    Person,
    /// An organisation.
    Org,
    /// A country, city, region or continent.
    Place,
    /// A nationality or other group ("Russian", "Armenians").
    Norp,
}

/// One mention of an entity.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    /// Index of the paragraph it is in.
    pub paragraph: u32,
    /// Byte span in the body.
    pub span: Range<usize>,
    /// Canonical name: the full name for people.
    pub name: String,
    /// Its type.
    pub entity_type: EntityType,
    /// 0..1.
    pub confidence: f32,
    /// True when it opens its sentence (the usual subject position).
    pub opens_sentence: bool,
}

/// Every mention in an article and the titles found for each person.
#[derive(Clone, Debug, Default)]
pub struct Entities {
    /// Mentions in body order.
    pub mentions: Vec<Mention>,
    /// Titles by canonical person name, in order of appearance.
    pub titles: HashMap<String, Vec<String>>,
}

impl Entities {
    /// The first title the article gives `name`, or empty.
    pub fn title_of(&self, name: &str) -> String {
        self.titles_of(name).first().cloned().unwrap_or_default()
    }

    /// Titles of `name`, if any.
    pub fn titles_of(&self, name: &str) -> &[String] {
        self.titles.get(name).map_or(&[], Vec::as_slice)
    }
}

/// Words that may sit inside a name between capitalised words.
static CONNECTORS: WordSet = WordSet::new(&[
    "of", "the", "for", "de", "du", "da", "al", "bin", "von", "van", "der", "la", "le",
]);

/// Capitalised words that are never names on their own.
static CALENDAR_WORDS: WordSet = WordSet::new(&[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]);

/// First words of region names ("South Caucasus", "Central Asia").
static COMPASS_WORDS: WordSet = WordSet::new(&[
    "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
    "Upper", "Lower", "Greater",
]);

/// Words that start sentences without naming anything.
static FUNCTION_WORDS: WordSet = WordSet::new(&[
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "in",
    "on",
    "at",
    "by",
    "for",
    "from",
    "to",
    "with",
    "without",
    "after",
    "before",
    "during",
    "since",
    "until",
    "while",
    "when",
    "where",
    "as",
    "if",
    "but",
    "and",
    "or",
    "so",
    "yet",
    "also",
    "however",
    "meanwhile",
    "moreover",
    "there",
    "here",
    "what",
    "which",
    "who",
    "why",
    "how",
    "all",
    "some",
    "many",
    "most",
    "more",
    "such",
    "no",
    "not",
    "one",
    "two",
    "three",
    "both",
    "each",
    "every",
    "other",
    "another",
    "about",
    "over",
    "under",
    "through",
    "despite",
    "although",
    "though",
    "because",
    "last",
    "next",
    "earlier",
    "later",
    "now",
    "then",
    "today",
    "yesterday",
    "according",
    "asked",
    "speaking",
    "image",
    "photo",
    "read",
    "see",
    "let",
    "let's",
    "our",
    "still",
    "even",
    "only",
    "just",
    "whether",
    "once",
    "among",
    "between",
    "against",
    "into",
    "onto",
    "upon",
    "within",
    "unlike",
    "like",
    "instead",
    "indeed",
    "thus",
    "therefore",
    "although",
    "again",
    "already",
]);

/// Words that make a capitalised run an organisation.
static ORGANISATION_WORDS: WordSet = WordSet::new(&[
    "Group",
    "Organization",
    "Organisation",
    "Committee",
    "Council",
    "Ministry",
    "Department",
    "Party",
    "Union",
    "Association",
    "Agency",
    "Commission",
    "Bank",
    "Court",
    "Parliament",
    "Assembly",
    "Army",
    "Corporation",
    "Corp",
    "Inc",
    "Ltd",
    "Company",
    "Co",
    "University",
    "College",
    "Institute",
    "Foundation",
    "Fund",
    "Federation",
    "League",
    "Club",
    "Times",
    "Post",
    "News",
    "Network",
    "Service",
    "Services",
    "Office",
    "Board",
    "Bureau",
    "Police",
    "Force",
    "Forces",
    "Navy",
    "Senate",
    "Congress",
    "Government",
    "Cabinet",
    "Alliance",
    "Front",
    "Movement",
    "Society",
    "Trust",
    "Airlines",
    "Airways",
    "Motors",
    "Industries",
    "Holdings",
    "Securities",
    "Exchange",
    "Authority",
    "Secretariat",
    "Cross",
    "Crescent",
    "Nations",
    "Treaty",
    "Institution",
    "Academy",
    "School",
    "Hospital",
    "Church",
    "Museum",
    "Festival",
    "Championship",
    "Cup",
    "Olympics",
    "Games",
    "Awards",
    "Records",
    "Studios",
    "Pictures",
    "Entertainment",
    "Media",
    "Broadcasting",
    "Television",
    "Radio",
    "Press",
    "Reuters",
    "Sputnik",
    "Warner",
    "Microsoft",
    "Google",
    "Apple",
    "Commons",
    "Lords",
    "FC",
    "Team",
]);

/// Words of people's titles and roles.
static TITLE_WORDS: WordSet = WordSet::new(&[
    "president",
    "minister",
    "foreign",
    "prime",
    "secretary",
    "general",
    "chancellor",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chief",
    "director",
    "executive",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "governor",
    "senator",
    "mayor",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "judge",
    "justice",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "lord",
    "lady",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "captain",
    "commander",
    "deputy",
    "vice",
    "defence",
    "defense",
    "interior",
    "finance",
    "economy",
    "health",
    "state",
    "home",
    "trade",
    "energy",
    "culture",
    "education",
    "labour",
    "labor",
    "environment",
    "agriculture",
    "transport",
    "development",
    "affairs",
    "top",
    "diplomat",
    "coach",
    "manager",
    "head",
    "leader",
    "officer",
    "professor",
    "prof",
    "rev",
    "premier",
    "representative",
    "rep",
    "sen",
    "gov",
    "speaker",
    "commissioner",
    "envoy",
    "counterpart",
    "analyst",
    "economist",
    "founder",
    "editor",
    "correspondent",
    "reporter",
    "spokesmen",
    "secretary-general",
    "president-elect",
    "emir",
    "sheikh",
    "ayatollah",
    "archbishop",
    "bishop",
    "cardinal",
    "father",
    "sister",
    "attorney",
    "lawyer",
    "actor",
    "actress",
    "singer",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "champion",
    "player",
    "star",
    "officials",
    "official",
    "inspector",
    "superintendent",
    "chancellor-elect",
    "senior",
    "former",
    "acting",
    "assistant",
    "associate",
    "managing",
    "national",
    "security",
    "adviser",
    "advisor",
    "minister's",
]);

/// Words that end an apposition's title ("his visiting Armenian
/// counterpart, Ara Ayvazian") when they are its last word.
static ROLE_NOUNS: WordSet = WordSet::new(&[
    "president",
    "minister",
    "secretary",
    "chancellor",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chief",
    "director",
    "chairman",
    "chairwoman",
    "governor",
    "senator",
    "mayor",
    "king",
    "queen",
    "judge",
    "commander",
    "coach",
    "manager",
    "head",
    "leader",
    "officer",
    "professor",
    "premier",
    "envoy",
    "counterpart",
    "analyst",
    "economist",
    "founder",
    "editor",
    "correspondent",
    "diplomat",
    "executive",
    "lawyer",
    "striker",
    "player",
    "champion",
    "adviser",
    "advisor",
    "official",
    "deputy",
    "colleague",
    "partner",
]);

fn is_title_word(word: &str) -> bool {
    TITLE_WORDS.contains(&lower_case(word.trim_end_matches('.')))
}

/// A lone capitalised word, typed once the whole article has been read.
struct Single {
    mention: Mention,
    /// "in Karabakh", "to Ankara".
    after_place_preposition: bool,
    /// "Lavrov said".
    before_reporting_verb: bool,
}

/// Verbs that make the word before them a speaker.
static REPORTING_VERBS: WordSet = WordSet::new(&[
    "said",
    "says",
    "told",
    "added",
    "stressed",
    "noted",
    "warned",
    "announced",
    "insisted",
    "explained",
    "argued",
    "claimed",
    "wrote",
    "asked",
    "replied",
]);

/// A run of capitalised words inside one sentence.
struct Run<'a> {
    words: Vec<Word<'a>>,
    opens_sentence: bool,
}

/// Finds the entities of an article.
pub fn find_entities(paragraphs: &[Paragraph<'_>]) -> Entities {
    // Tokenising is the costliest step here: once per paragraph.
    let paragraph_words: Vec<Vec<Word<'_>>> = paragraphs.iter().map(|p| words(p.text)).collect();
    let mut lower_vocabulary: FxHashSet<Cow<'_, str>> = FxHashSet::with_capacity_and_hasher(
        paragraph_words.iter().map(Vec::len).sum(),
        Default::default(),
    );
    lower_vocabulary.extend(
        paragraph_words
            .iter()
            .flatten()
            .filter(|w| !w.is_capitalised())
            .map(|w| lower_case(w.text)),
    );

    let mut entities = Entities::default();
    // Single capitalised words whose type depends on names found later.
    let mut singles: Vec<Single> = Vec::new();
    for (paragraph, all_words) in paragraphs.iter().zip(&paragraph_words) {
        let headline = is_title_case(all_words);
        for sentence in paragraph.sentences.iter().cloned() {
            // The sentence's words, with offsets from the sentence start.
            // Words are in text order: find the sentence's by bisection, not
            // by a scan of the paragraph per sentence (quadratic on text of
            // many short sentences).
            let first = all_words.partition_point(|w| w.start < sentence.start);
            let past = all_words.partition_point(|w| w.start < sentence.end);
            let sentence_words: Vec<Word<'_>> = all_words[first..past.max(first)]
                .iter()
                .filter(|w| w.end() <= sentence.end)
                .map(|w| Word {
                    text: w.text,
                    start: w.start - sentence.start,
                })
                .collect();
            let base = paragraph.offset + sentence.start;
            let sentence_text = &paragraph.text[sentence.clone()];
            for mut run in capitalised_runs(sentence_text, &sentence_words, &lower_vocabulary) {
                run.words.retain(|w| !CALENDAR_WORDS.contains(w.bare()));
                if run.words.is_empty() {
                    continue;
                }
                if headline {
                    // In Title Case Every Word Is Capitalised: only names
                    // the gazetteer or the rest of the article vouch for.
                    for word in &run.words {
                        if let Some(kind) = gazetteer::lookup(word.bare()) {
                            let entity_type = if kind == PlaceKind::Nationality {
                                EntityType::Norp
                            } else {
                                EntityType::Place
                            };
                            entities.mentions.push(Mention {
                                paragraph: paragraph.index,
                                span: span_of(base, std::slice::from_ref(word)),
                                name: word.bare().to_owned(),
                                entity_type,
                                confidence: 0.8,
                                opens_sentence: false,
                            });
                        } else {
                            singles.push(Single {
                                mention: Mention {
                                    paragraph: paragraph.index,
                                    span: span_of(base, std::slice::from_ref(word)),
                                    name: word.bare().to_owned(),
                                    entity_type: EntityType::Org,
                                    confidence: 0.3,
                                    opens_sentence: false,
                                },
                                after_place_preposition: false,
                                before_reporting_verb: false,
                            });
                        }
                    }
                    continue;
                }
                classify(
                    paragraph.index,
                    base,
                    sentence_text,
                    &sentence_words,
                    run,
                    &mut entities,
                    &mut singles,
                );
            }
        }
    }
    resolve_singles(&mut entities, singles);
    entities
        .mentions
        .sort_by_key(|m| (m.span.start, std::cmp::Reverse(m.span.end)));
    entities
}

/// A headline or other Title Case line: most of its words capitalised.
fn is_title_case(all: &[Word<'_>]) -> bool {
    let lettered: Vec<&Word<'_>> = all
        .iter()
        .filter(|w| w.text.chars().any(char::is_alphabetic))
        .collect();
    let capitalised = lettered.iter().filter(|w| w.is_capitalised()).count();
    lettered.len() >= 4 && capitalised * 10 >= lettered.len() * 7
}

/// What the gazetteer says of a word, also of "Turkish" in "Turkish-backed".
fn place_word(word: &Word<'_>) -> Option<PlaceKind> {
    let bare = word.bare();
    gazetteer::lookup(bare).or_else(|| {
        let (head, tail) = bare.split_once('-')?;
        tail.chars().next().filter(|c| c.is_lowercase())?;
        gazetteer::lookup(head)
    })
}

/// `word` in lower case, borrowed when it already is (most words are).
fn lower_case(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(word.to_lowercase())
    }
}

/// Splits a sentence's words into runs of capitalised words.
fn capitalised_runs<'a>(
    text: &str,
    words: &[Word<'a>],
    lower_vocabulary: &FxHashSet<Cow<'_, str>>,
) -> Vec<Run<'a>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !words[i].is_capitalised() {
            i += 1;
            continue;
        }
        let mut last = i;
        let mut j = i;
        while j + 1 < words.len()
            && only_space_between(text, &words[j], &words[j + 1])
            && !ends_in_possessive(&words[j])
        {
            let next = &words[j + 1];
            if next.is_capitalised() {
                j += 1;
                last = j;
                continue;
            }
            // "Committee of the Red Cross": one or two connectors between
            // capitalised words keep the run going.
            let connectors = words[j + 1..]
                .iter()
                .take(2)
                .take_while(|w| CONNECTORS.contains(w.text))
                .count();
            let resumes = j + connectors + 1;
            let joined = connectors > 0
                && resumes < words.len()
                && words[resumes].is_capitalised()
                && (j + 1..resumes).all(|k| only_space_between(text, &words[k], &words[k + 1]));
            if !joined {
                break;
            }
            j = resumes;
            last = j;
        }
        let mut run: Vec<Word<'a>> = words[i..=last].to_vec();
        // A sentence (or a quotation) opens with a capital whether or not
        // it names anything: drop an opening word that is a function word or
        // a word the article also uses in lower case.
        let opens = i == 0 || opens_after_quote(text, &words[i]);
        if opens {
            let lower = lower_case(run[0].text);
            if FUNCTION_WORDS.contains(&lower)
                || (lower_vocabulary.contains(&lower) && gazetteer::lookup(run[0].bare()).is_none())
            {
                run.remove(0);
                while run.first().is_some_and(|w| CONNECTORS.contains(w.text)) {
                    run.remove(0);
                }
            }
        }
        if !run.is_empty() {
            runs.push(Run {
                words: run,
                opens_sentence: i == 0 || opens_after_quote(text, &words[i]),
            });
        }
        i = last + 1;
    }
    runs
}

fn only_space_between(text: &str, a: &Word<'_>, b: &Word<'_>) -> bool {
    text.get(a.end()..b.start)
        .is_some_and(|gap| !gap.is_empty() && gap.chars().all(char::is_whitespace))
}

fn ends_in_possessive(word: &Word<'_>) -> bool {
    word.bare().len() != word.text.len()
}

fn opens_after_quote(text: &str, word: &Word<'_>) -> bool {
    text[..word.start]
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| matches!(c, '"' | '“' | '‘' | '(' | '[' | ':'))
}

fn span_of(base: usize, words: &[Word<'_>]) -> Range<usize> {
    let first = words.first().map_or(0, |w| w.start);
    let last = words.last().map_or(first, |w| w.start + w.bare().len());
    base + first..base + last
}

fn name_of(sentence: &str, words: &[Word<'_>]) -> String {
    match (words.first(), words.last()) {
        (Some(first), Some(last)) => {
            sentence[first.start..last.start + last.bare().len()].to_owned()
        }
        _ => String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn classify(
    paragraph: u32,
    base: usize,
    sentence: &str,
    sentence_words: &[Word<'_>],
    run: Run<'_>,
    entities: &mut Entities,
    singles: &mut Vec<Single>,
) {
    let words = &run.words;
    let mention = |words: &[Word<'_>], entity_type, confidence| Mention {
        paragraph,
        span: span_of(base, words),
        name: name_of(sentence, words),
        entity_type,
        confidence,
        opens_sentence: run.opens_sentence,
    };

    // "Russian Foreign Minister Sergey Lavrov": title words, then a name.
    let title_len = words
        .iter()
        .take_while(|w| {
            is_title_word(w.bare()) || gazetteer::lookup(w.bare()) == Some(PlaceKind::Nationality)
        })
        .count();
    let has_title = words[..title_len].iter().any(|w| is_title_word(w.bare()));
    if has_title
        && title_len < words.len()
        && !words[title_len..]
            .iter()
            .any(|w| ORGANISATION_WORDS.contains(w.bare()))
    {
        let title = name_of(sentence, &words[..title_len]);
        let person = mention(&words[title_len..], EntityType::Person, 0.85);
        if let Some(nationality) = words[..title_len]
            .iter()
            .find(|w| gazetteer::lookup(w.bare()) == Some(PlaceKind::Nationality))
        {
            entities.mentions.push(mention(
                std::slice::from_ref(nationality),
                EntityType::Norp,
                0.8,
            ));
        }
        add_title(entities, &person.name, title);
        entities.mentions.push(person);
        return;
    }

    let whole = name_of(sentence, words);
    if let Some(kind) = gazetteer::lookup(&whole) {
        let entity_type = if kind == PlaceKind::Nationality {
            EntityType::Norp
        } else {
            EntityType::Place
        };
        entities.mentions.push(mention(words, entity_type, 0.9));
        return;
    }
    if words.iter().any(|w| ORGANISATION_WORDS.contains(w.bare()))
        || (words.len() == 1 && words[0].is_acronym())
    {
        entities
            .mentions
            .push(mention(words, EntityType::Org, 0.75));
        return;
    }
    if words.len() == 2 && COMPASS_WORDS.contains(words[0].bare()) {
        entities
            .mentions
            .push(mention(words, EntityType::Place, 0.7));
        return;
    }
    if words.len() > 1 && words.iter().all(|w| place_word(w).is_some()) {
        // "Turkish-backed Syrian": adjacent places or nationalities.
        for word in words {
            let entity_type = match place_word(word) {
                Some(PlaceKind::Nationality) => EntityType::Norp,
                _ => EntityType::Place,
            };
            entities
                .mentions
                .push(mention(std::slice::from_ref(word), entity_type, 0.85));
        }
        return;
    }
    let plain_name = words
        .iter()
        .all(|w| !CONNECTORS.contains(w.text) && !w.is_acronym());
    if words.len() >= 2 && words.len() <= 4 && plain_name {
        let person = mention(words, EntityType::Person, 0.7);
        if let Some(title) = apposition_title(sentence, sentence_words, words[0].start) {
            add_title(entities, &person.name, title);
        }
        entities.mentions.push(person);
        return;
    }
    if words.len() == 1 {
        let preceded_by_place_preposition = sentence_words
            .iter()
            .rev()
            .find(|w| w.start < words[0].start)
            .is_some_and(|w| {
                matches!(
                    w.text,
                    "in" | "to"
                        | "from"
                        | "near"
                        | "across"
                        | "into"
                        | "towards"
                        | "outside"
                        | "inside"
                )
            });
        let before_reporting_verb = sentence_words
            .iter()
            .find(|w| w.start > words[0].start)
            .is_some_and(|w| REPORTING_VERBS.contains(w.text));
        singles.push(Single {
            mention: mention(words, EntityType::Org, 0.45),
            after_place_preposition: preceded_by_place_preposition,
            before_reporting_verb,
        });
        return;
    }
    entities.mentions.push(mention(words, EntityType::Org, 0.5));
}

/// "his visiting Armenian counterpart, Ara Ayvazian": the title phrase
/// ending in a role noun just before ", Name".
fn apposition_title(sentence: &str, words: &[Word<'_>], name_start: usize) -> Option<String> {
    let before = sentence[..name_start].trim_end();
    let before = before.strip_suffix(',')?;
    let preceding: Vec<&Word<'_>> = words.iter().filter(|w| w.end() <= before.len()).collect();
    let last = preceding.last()?;
    if !ROLE_NOUNS.contains(&lower_case(last.text)) || before[last.end()..].trim() != "" {
        return None;
    }
    let mut first = preceding.len() - 1;
    while first > 0 && preceding.len() - first < 4 {
        let candidate = preceding[first - 1];
        let lower = lower_case(candidate.text);
        let gap = &sentence[candidate.end()..preceding[first].start];
        if !gap.trim().is_empty() || FUNCTION_WORDS.contains(&lower) || lower.ends_with("ing") {
            break;
        }
        first -= 1;
    }
    Some(sentence[preceding[first].start..last.end()].to_owned())
}

fn add_title(entities: &mut Entities, name: &str, title: String) {
    let titles = entities.titles.entry(name.to_owned()).or_default();
    if !titles.contains(&title) {
        titles.push(title);
    }
}

/// Lone capitalised words: a surname of a person named in full elsewhere,
/// a speaker before a reporting verb, a place after a place preposition,
/// otherwise an uncertain organisation.
fn resolve_singles(entities: &mut Entities, singles: Vec<Single>) {
    let mut surnames: HashMap<String, String> = HashMap::new();
    for mention in entities
        .mentions
        .iter()
        .filter(|m| m.entity_type == EntityType::Person)
    {
        if let Some((_, surname)) = mention.name.rsplit_once(' ') {
            surnames
                .entry(surname.to_owned())
                .or_insert_with(|| mention.name.clone());
        }
    }
    for single in singles {
        let mut mention = single.mention;
        if let Some(full) = surnames.get(&mention.name) {
            mention.name = full.clone();
            mention.entity_type = EntityType::Person;
            mention.confidence = 0.8;
        } else if single.before_reporting_verb && !mention.name.chars().all(|c| c.is_uppercase()) {
            mention.entity_type = EntityType::Person;
            mention.confidence = 0.7;
        } else if single.after_place_preposition {
            mention.entity_type = EntityType::Place;
            mention.confidence = 0.5;
        }
        entities.mentions.push(mention);
    }
    // Surnames also resolve people first met by surname and title only.
    for mention in &mut entities.mentions {
        if mention.entity_type == EntityType::Person {
            if let Some(full) = surnames.get(&mention.name) {
                mention.name = full.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entities_of(text: &str) -> Entities {
        find_entities(&[Paragraph::new(0, text, 0)])
    }

    fn named(entities: &Entities, entity_type: EntityType) -> Vec<String> {
        let mut names: Vec<String> = entities
            .mentions
            .iter()
            .filter(|m| m.entity_type == entity_type && m.confidence >= 0.5)
            .map(|m| m.name.clone())
            .collect();
        names.dedup();
        names
    }

    #[test]
    fn titled_people_places_and_organisations() {
        let found = entities_of(
            "Russian Foreign Minister Sergey Lavrov met the OSCE Minsk Group in Moscow. Lavrov said the International Committee of the Red Cross will help. The agreement brokered by Russian President Vladimir Putin says nothing.",
        );
        assert_eq!(
            named(&found, EntityType::Person),
            vec!["Sergey Lavrov", "Vladimir Putin"]
        );
        assert_eq!(
            found.titles_of("Sergey Lavrov"),
            ["Russian Foreign Minister"]
        );
        assert_eq!(found.titles_of("Vladimir Putin"), ["Russian President"]);
        assert_eq!(
            named(&found, EntityType::Org),
            vec![
                "OSCE Minsk Group",
                "International Committee of the Red Cross"
            ]
        );
        assert_eq!(named(&found, EntityType::Place), vec!["Moscow"]);
        assert!(named(&found, EntityType::Norp).contains(&"Russian".to_string()));
    }

    #[test]
    fn apposition_gives_a_title() {
        let found = entities_of(
            "Lavrov said after talks with his visiting Armenian counterpart, Ara Ayvazian.",
        );
        assert_eq!(found.titles_of("Ara Ayvazian"), ["Armenian counterpart"]);
    }

    #[test]
    fn sentence_openers_and_quotes_are_not_names() {
        let found = entities_of(
            "“We are satisfied,” he said. But the talks went on. The Kremlin declined.",
        );
        assert!(found
            .mentions
            .iter()
            .all(|m| m.name != "We" && m.name != "But" && m.name != "The"));
        assert_eq!(
            found
                .mentions
                .iter()
                .filter(|m| m.name == "Kremlin")
                .count(),
            1
        );
    }

    #[test]
    fn spans_are_byte_ranges_of_the_name() {
        let text = "Talks in Yerevan's centre.";
        let found = entities_of(text);
        let place = found
            .mentions
            .iter()
            .find(|m| m.entity_type == EntityType::Place)
            .map(|m| &text[m.span.clone()]);
        assert_eq!(place, Some("Yerevan"));
    }
}
