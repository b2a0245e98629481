//! The synthetic run: BBC articles republished by made-up outlets, with
//! the boilerplate real outlets add, and a known truth for every paragraph.
//!
//! The deduplicated corpus is shuffled and split into originals, stored
//! first, and held-out articles. Every article is published by one of
//! eight outlets, and carries what outlets add: the outlet's own lines (a
//! correspondent's bio, a "Do you support X? Like the page:" line with a
//! different name each time) and lines from a shared pool that 5 to 100
//! articles across outlets carry (newsletter sign-ups, copyright, social
//! links, an inline advert). Then, in random order:
//! - wire-copy variants of a share of the originals by another outlet
//!   (edits in `examples/common/variants.rs`), with that outlet's lines;
//! - copies of copies (chains), made from a variant, after it;
//! - held-out articles into whose longest paragraph one to three sentences
//!   of an original are inserted (reuse inside a paragraph);
//! - held-out articles as they are (negatives).
//!
//! Held-out articles sharing any 8-gram with an original or with each
//! other (by the independent measure in `examples/common/reuse_truth.rs`)
//! are left out, so negatives share only boilerplate with anything.
//! Originals that share nothing with earlier originals are scored too:
//! they must stay ORIGINAL whatever boilerplate they carry.
//!
//! Truth: a copied paragraph is right when it names the paragraph of the
//! original it came from, or what that original paragraph itself was found
//! to copy, or (in a chain) the copy it was made from. An article is right
//! when it is not ORIGINAL and its canonical is its original (or the
//! original's own canonical). Boilerplate lines and padding are not
//! copies.

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::Arc,
    time::Instant,
};

use super::{
    corpus,
    reuse_truth::{reuse_truth, words, Reuse},
    scores::ratio,
    variants::{self, sentences},
    Counts,
};
use wirecopy::{
    article::Article,
    engine::{Engine, EngineConfig, Submission},
    matching::{MatchKind, Verdict},
    server::open_engine,
    store::StoreConfig,
};

/// What the synthetic run is asked.
pub struct SyntheticOptions {
    pub seed: u64,
    pub limit: usize,
    pub copy_share: f32,
    /// List every paragraph scored wrong.
    pub show_misses: bool,
    pub config: EngineConfig,
}

const OUTLETS: usize = 8;
const FIRST_NAMES: &[&str] = &[
    "Maria", "Tom", "Aisha", "Piotr", "Lena", "Kofi", "Sofia", "Ravi",
];
const LAST_NAMES: &[&str] = &[
    "Lindqvist",
    "Okafor",
    "Brennan",
    "Nakamura",
    "Castellanos",
    "Whitfield",
    "Haddad",
    "Moreau",
];
const BEATS: &[&str] = &[
    "technology",
    "business",
    "politics",
    "culture",
    "sports",
    "science",
    "health",
    "climate",
];
const SHOWS: &[&str] = &[
    "Signal",
    "Ledger",
    "Dispatch",
    "Frontline",
    "Scoreboard",
    "Lab Notes",
    "Vital Signs",
    "Horizon",
];
const SUPPORTED: &[&str] = &[
    "Donald Trump",
    "Hillary Clinton",
    "Bernie Sanders",
    "Ted Cruz",
    "Marco Rubio",
    "John Kasich",
    "Jeb Bush",
    "Ben Carson",
    "Carly Fiorina",
    "Rand Paul",
];
/// Lines many articles across outlets carry, and whether they stand at
/// the end (else inside the body).
const SHARED_LINES: &[(&str, bool)] = &[
    ("Sign up for our daily newsletter to get the top stories delivered to your inbox every morning.", true),
    ("Copyright 2005 Associated Newspapers. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.", true),
    ("Follow us on Twitter, Facebook and Instagram for breaking news and the latest updates from our newsroom.", true),
    ("Story continues below this advertisement from one of our carefully chosen partners.", false),
    ("Have a news tip or a story we should look into? Contact our newsroom through the secure form on our website.", true),
    ("Get the free mobile app for the fastest alerts on the stories that matter to you.", true),
    ("Recommended reading from our editors, selected for you and updated throughout the day.", false),
    ("This article is part of our premium coverage, free to read for a limited time only.", true),
    ("Comments on this story are moderated and will appear after approval by our editors.", true),
    ("Share this article with your friends and family using the buttons at the top of the page.", true),
];

/// One paragraph of a generated article and the original paragraphs (by
/// their index in the stored original) it carries text from.
#[derive(Clone, Debug)]
struct Line {
    text: String,
    sources: Vec<u32>,
}

/// What each generated article is.
enum Role {
    /// An original, scored as a negative when it shares nothing.
    Original { scored: bool },
    /// A copy of the original with this id (a chain copy also names the
    /// copy it was made from).
    Copy {
        original: String,
        parent: Option<String>,
    },
    /// A held-out article with sentences of `original` inserted.
    Reuse { original: String },
    /// A held-out article as it is.
    Negative,
}

struct Generated {
    article: Article,
    lines: Vec<Line>,
    role: Role,
}

/// The outlets' own lines.
struct Outlet {
    name: String,
    bio: String,
}

fn outlets() -> Vec<Outlet> {
    (0..OUTLETS)
        .map(|i| {
            let name = format!("The Daily {}", SHOWS[i]);
            Outlet {
                bio: format!(
                    "{} {} is the {} correspondent of {} and presents its weekly {} podcast.",
                    FIRST_NAMES[i], LAST_NAMES[i], BEATS[i], name, SHOWS[i]
                ),
                name,
            }
        })
        .collect()
}

/// Adds an outlet's lines and some shared ones to `lines`. `rates` are the
/// chances of each shared line.
fn dress(rng: &mut fastrand::Rng, lines: &mut Vec<Line>, outlet: &Outlet, rates: &[f32]) {
    let boilerplate = |text: String| Line {
        text,
        sources: Vec::new(),
    };
    for ((text, at_end), rate) in SHARED_LINES.iter().zip(rates) {
        if rng.f32() < *rate {
            if *at_end || lines.len() < 3 {
                lines.push(boilerplate((*text).to_owned()));
            } else {
                let at = rng.usize(1..lines.len());
                lines.insert(at, boilerplate((*text).to_owned()));
            }
        }
    }
    if rng.f32() < 0.3 {
        let who = SUPPORTED[rng.usize(..SUPPORTED.len())];
        lines.push(boilerplate(format!("Do you support {who}? Like the page:")));
    }
    if rng.f32() < 0.7 {
        lines.push(boilerplate(outlet.bio.clone()));
    }
}

/// Inserts one to three sentences of `original` (its BBC lines, by stored
/// index) into the longest paragraph of `host`; `None` when either has no
/// room.
fn insert_reuse(
    rng: &mut fastrand::Rng,
    host: &[String],
    original: &[(u32, String)],
) -> Option<Vec<Line>> {
    let (longest, _) = host
        .iter()
        .enumerate()
        .filter(|(_, p)| p.split_whitespace().count() >= 60)
        .max_by_key(|(_, p)| p.len())?;
    let donors: Vec<&(u32, String)> = original
        .iter()
        .filter(|(_, p)| {
            sentences(p)
                .iter()
                .any(|s| s.split_whitespace().count() >= 12)
        })
        .collect();
    let (source, donor) = donors.get(rng.usize(..donors.len().max(1)))?;
    let donor_sentences: Vec<&str> = sentences(donor)
        .into_iter()
        .filter(|s| s.split_whitespace().count() >= 12)
        .collect();
    let take = rng.usize(1..=3).min(donor_sentences.len());
    let first = rng.usize(..=donor_sentences.len() - take);
    let reused = donor_sentences[first..first + take].join(" ");
    let host_sentences = sentences(&host[longest]);
    let at = rng
        .usize(1..=host_sentences.len().max(1))
        .min(host_sentences.len());
    let mut text = host_sentences[..at].join(" ");
    text.push(' ');
    text.push_str(&reused);
    if at < host_sentences.len() {
        text.push(' ');
        text.push_str(&host_sentences[at..].join(" "));
    }
    Some(
        host.iter()
            .enumerate()
            .map(|(i, p)| {
                if i == longest {
                    Line {
                        text: text.clone(),
                        sources: vec![*source],
                    }
                } else {
                    Line {
                        text: p.clone(),
                        sources: Vec::new(),
                    }
                }
            })
            .collect(),
    )
}

/// The lines of `body`, copying nothing.
fn own_lines(body: &str) -> Vec<Line> {
    variants::lines(body)
        .into_iter()
        .map(|text| Line {
            text,
            sources: Vec::new(),
        })
        .collect()
}

/// A wire-copy variant of `story` (lines with the original paragraphs each
/// carries text from): its lines, with the truth composed through the
/// story's, and the separator the variant chose.
fn republish(rng: &mut fastrand::Rng, story: &[(Vec<u32>, String)]) -> (Vec<Line>, String) {
    let texts: Vec<String> = story.iter().map(|(_, text)| text.clone()).collect();
    let variant = variants::make_variant(rng, &texts);
    let lines = variant
        .paragraphs
        .iter()
        .map(|p| Line {
            text: p.text.clone(),
            sources: p
                .sources
                .iter()
                .flat_map(|&i| story[i as usize].0.clone())
                .collect(),
        })
        .collect();
    (lines, variant.separator)
}

/// An article of `lines`, separated as the variant chose (or by a blank
/// line).
fn article(id: String, source: &str, lines: &[Line], separator: &str) -> Article {
    Article {
        id,
        source: source.to_owned(),
        body: lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(separator),
        ..Article::default()
    }
}

async fn submit_all(engine: &Engine, articles: Vec<Article>) -> Vec<Submission> {
    let mut tickets = Vec::with_capacity(articles.len());
    for article in articles {
        tickets.push(
            engine
                .enqueue(article)
                .await
                .expect("generated articles are valid"),
        );
    }
    let mut results = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        results.push(ticket.outcome().await.expect("submit succeeds"));
    }
    results
}

/// Runs the synthetic evaluation and prints its figures.
pub async fn run(
    corpus_dir: &Path,
    options: &SyntheticOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut docs = corpus::load_bbc(corpus_dir)
        .map_err(|e| format!("cannot read the corpus in {}: {e}", corpus_dir.display()))?;
    let mut rng = fastrand::Rng::with_seed(options.seed);
    rng.shuffle(&mut docs);
    docs.truncate(options.limit);
    let held_out = docs.len() / 5;
    let mut spare = docs.split_off(docs.len() - held_out);
    let originals = docs;

    // The independent truth over originals then held-out articles: which
    // originals share nothing with earlier ones, which held-out articles
    // share nothing with anything before them.
    let bodies: Vec<&str> = originals
        .iter()
        .chain(&spare)
        .map(|d| d.body.as_str())
        .collect();
    let truth = reuse_truth(&bodies, 6, 15);
    let clean: Vec<bool> = truth.iter().map(|t| t.reuse == Reuse::Nothing).collect();
    let mut keep = clean[originals.len()..].iter();
    let before = spare.len();
    spare.retain(|_| keep.next().copied().unwrap_or(false));
    let overlapping = before - spare.len();
    let hosts = spare.split_off(spare.len() / 2);

    let outlets = outlets();
    // From about 5 to about 100 articles each, spread over the pool.
    let total = (originals.len() as f32) * (1.0 + options.copy_share * 1.3) + held_out as f32;
    let rates: Vec<f32> = (0..SHARED_LINES.len())
        .map(|i| {
            let wanted = 5.0 * 20f32.powf(i as f32 / (SHARED_LINES.len() - 1) as f32);
            wanted / total
        })
        .collect();

    // Originals, each by an outlet, with its lines.
    let mut stored_lines: HashMap<String, Vec<(u32, String)>> = HashMap::new();
    let mut first_phase = Vec::with_capacity(originals.len());
    for (at, doc) in originals.iter().enumerate() {
        let outlet = &outlets[rng.usize(..OUTLETS)];
        let mut lines = own_lines(&doc.body);
        // Mark the story's own lines so their stored index is known after
        // boilerplate is inserted among them.
        for (i, line) in lines.iter_mut().enumerate() {
            line.sources = vec![u32::try_from(i).unwrap_or(u32::MAX)];
        }
        dress(&mut rng, &mut lines, outlet, &rates);
        let story: Vec<(u32, String)> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.sources.is_empty())
            .map(|(i, l)| (u32::try_from(i).unwrap_or(u32::MAX), l.text.clone()))
            .collect();
        stored_lines.insert(doc.id.clone(), story);
        for line in &mut lines {
            line.sources.clear();
        }
        first_phase.push(Generated {
            article: article(doc.id.clone(), &outlet.name, &lines, "\n\n"),
            lines,
            role: Role::Original { scored: clean[at] },
        });
    }

    // Copies, sentence reuse and negatives, shuffled; chains after them.
    let mut second_phase = Vec::new();
    let mut chains = Vec::new();
    for doc in &originals {
        if rng.f32() >= options.copy_share {
            continue;
        }
        let story: Vec<(Vec<u32>, String)> = stored_lines[&doc.id]
            .iter()
            .map(|(at, text)| (vec![*at], text.clone()))
            .collect();
        let (mut lines, separator) = republish(&mut rng, &story);
        let outlet = &outlets[rng.usize(..OUTLETS)];
        dress(&mut rng, &mut lines, outlet, &rates);
        let id = format!("copy-of/{}", doc.id);
        if rng.f32() < 0.3 {
            // A copy of this copy, by a third outlet: made from the
            // copy's story lines, so its truth composes through them.
            let parent: Vec<(Vec<u32>, String)> = lines
                .iter()
                .filter(|l| !l.sources.is_empty())
                .map(|l| (l.sources.clone(), l.text.clone()))
                .collect();
            let (mut chain_lines, chain_separator) = republish(&mut rng, &parent);
            let third = &outlets[rng.usize(..OUTLETS)];
            dress(&mut rng, &mut chain_lines, third, &rates);
            chains.push(Generated {
                article: article(
                    format!("copy-of/{id}"),
                    &third.name,
                    &chain_lines,
                    &chain_separator,
                ),
                lines: chain_lines,
                role: Role::Copy {
                    original: doc.id.clone(),
                    parent: Some(id.clone()),
                },
            });
        }
        second_phase.push(Generated {
            article: article(id, &outlet.name, &lines, &separator),
            lines,
            role: Role::Copy {
                original: doc.id.clone(),
                parent: None,
            },
        });
    }
    for host in &hosts {
        let donor = &originals[rng.usize(..originals.len())];
        let Some(mut lines) = insert_reuse(
            &mut rng,
            &variants::lines(&host.body),
            &stored_lines[&donor.id],
        ) else {
            continue;
        };
        let outlet = &outlets[rng.usize(..OUTLETS)];
        dress(&mut rng, &mut lines, outlet, &rates);
        second_phase.push(Generated {
            article: article(format!("reuse/{}", host.id), &outlet.name, &lines, "\n\n"),
            lines,
            role: Role::Reuse {
                original: donor.id.clone(),
            },
        });
    }
    for doc in &spare {
        let mut lines = own_lines(&doc.body);
        let outlet = &outlets[rng.usize(..OUTLETS)];
        dress(&mut rng, &mut lines, outlet, &rates);
        second_phase.push(Generated {
            article: article(format!("negative/{}", doc.id), &outlet.name, &lines, "\n\n"),
            lines,
            role: Role::Negative,
        });
    }
    rng.shuffle(&mut second_phase);
    rng.shuffle(&mut chains);

    let dir = tempfile::tempdir()?;
    let engine = Arc::new(open_engine(&StoreConfig::sled(dir.path()), options.config)?);
    let started = Instant::now();
    let mut generated = Vec::new();
    let mut results = Vec::new();
    for phase in [first_phase, second_phase, chains] {
        let articles = phase.iter().map(|g| g.article.clone()).collect();
        results.extend(submit_all(&engine, articles).await);
        generated.extend(phase);
    }
    let elapsed = started.elapsed();

    // Where each original paragraph is accepted as coming from, and the
    // canonicals accepted for a copy of each original.
    let by_id: HashMap<&str, &Submission> =
        results.iter().map(|r| (r.article_id.as_str(), r)).collect();
    let accepted = |original: &str, index: u32| -> HashSet<(String, u32)> {
        let mut ok = HashSet::from([(original.to_owned(), index)]);
        if let Some(source) = by_id
            .get(original)
            .and_then(|r| r.paragraphs.get(index as usize))
            .and_then(|p| p.source.clone())
        {
            ok.insert(source);
        }
        ok
    };

    let (mut paragraphs, mut articles) = (Counts::default(), Counts::default());
    let (mut copies, mut canonical_right, mut wire_copies, mut variants_made) = (0, 0, 0, 0);
    let (mut flagged, mut misses) = (Vec::new(), Vec::new());
    for (made, result) in generated.iter().zip(&results) {
        let is_copy = result.verdict != Verdict::Original;
        let (original, parent) = match &made.role {
            Role::Original { scored: false } => continue,
            Role::Original { scored: true } | Role::Negative => {
                if is_copy {
                    articles.fp += 1;
                    flagged.push(format!(
                        "{} -> {} (copy {:.2})",
                        result.article_id, result.canonical_id, result.copy_ratio
                    ));
                }
                let copied = result.paragraphs.iter().filter(|p| is_copied(p.kind));
                paragraphs.fp += copied.count() as u64;
                continue;
            }
            Role::Copy { original, parent } => {
                variants_made += 1;
                if result.verdict == Verdict::WireCopy {
                    wire_copies += 1;
                }
                (original.as_str(), parent.as_deref())
            }
            Role::Reuse { original } => (original.as_str(), None),
        };
        copies += 1;
        let canonicals: HashSet<&str> = [
            Some(original),
            by_id.get(original).map(|r| r.canonical_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let right = canonicals.contains(result.canonical_id.as_str());
        if is_copy && right {
            canonical_right += 1;
        }
        match (is_copy, right) {
            (true, true) => articles.tp += 1,
            (true, false) => {
                articles.fp += 1;
                articles.fn_ += 1;
            }
            (false, _) => articles.fn_ += 1,
        }
        let min_words = options.config.text.min_words;
        let original_lines = &stored_lines[original];
        for (p, line) in result.paragraphs.iter().zip(&made.lines) {
            // Copied text counts when it is evidence on both sides: a short
            // line of the original (a score, a name) padded into a longer
            // one is not a copy of anything.
            let from_evidence = line.sources.iter().any(|&i| {
                original_lines
                    .iter()
                    .find(|(at, _)| *at == i)
                    .is_some_and(|(_, text)| words(text).len() >= min_words)
            });
            let truly_copied = p.word_count as usize >= min_words && from_evidence;
            let predicted = is_copied(p.kind);
            let correct = predicted
                && p.source.as_ref().is_some_and(|source| {
                    line.sources
                        .iter()
                        .any(|&i| accepted(original, i).contains(source))
                        || parent.is_some_and(|parent| source.0 == parent)
                });
            let mut miss = |what: &str| {
                misses.push(format!(
                    "{what}: {} [{}] {:?} {:?} -> {:?}: {}",
                    result.article_id, p.index, p.kind, p.skip_reason, p.source, line.text
                ))
            };
            match (truly_copied, predicted, correct) {
                (true, _, true) => paragraphs.tp += 1,
                (true, true, false) => {
                    paragraphs.fp += 1;
                    paragraphs.fn_ += 1;
                    miss("wrong source");
                }
                (true, false, _) => {
                    paragraphs.fn_ += 1;
                    miss("missed");
                }
                (false, true, _) => {
                    paragraphs.fp += 1;
                    miss("not a copy");
                }
                (false, false, _) => {}
            }
        }
    }

    let count = |f: &dyn Fn(&Role) -> bool| generated.iter().filter(|g| f(&g.role)).count();
    println!("synthetic run (seed {}): {} outlets, shared boilerplate lines carried by about 5 to 100 articles each", options.seed, OUTLETS);
    println!(
        "articles: {} originals ({} scored as sharing nothing), {} copies ({} of them copies of copies), {} with sentences reused inside a paragraph, {} negatives ({} held-out articles left out for sharing an 8-gram)",
        count(&|r| matches!(r, Role::Original { .. })),
        count(&|r| matches!(r, Role::Original { scored: true })),
        variants_made,
        count(&|r| matches!(r, Role::Copy { parent: Some(_), .. })),
        count(&|r| matches!(r, Role::Reuse { .. })),
        count(&|r| matches!(r, Role::Negative)),
        overlapping
    );
    println!(
        "{:<11} {:>6} {:>6} {:>6} {:>10} {:>8} {:>7}",
        "level", "TP", "FP", "FN", "precision", "recall", "F1"
    );
    for (name, c) in [("paragraph", &paragraphs), ("article", &articles)] {
        println!(
            "{:<11} {:>6} {:>6} {:>6} {:>10.4} {:>8.4} {:>7.4}",
            name,
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
    println!(
        "canonical right: {canonical_right} of {copies} ({:.4}); copies judged WIRE_COPY: {wire_copies} of {variants_made}",
        ratio(canonical_right, copies)
    );
    println!(
        "ingest: {} articles in {:.2} s ({:.0} articles/s, engine without gRPC)",
        results.len(),
        elapsed.as_secs_f64(),
        results.len() as f64 / elapsed.as_secs_f64()
    );
    for line in flagged.iter().take(10) {
        println!("negative flagged: {line}");
    }
    if options.show_misses {
        for miss in &misses {
            println!("paragraph {miss}");
        }
    }
    engine.close()?;
    Ok(())
}

fn is_copied(kind: MatchKind) -> bool {
    matches!(
        kind,
        MatchKind::Exact | MatchKind::Near | MatchKind::Partial
    )
}
