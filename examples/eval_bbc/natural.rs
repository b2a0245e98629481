//! The natural run: the BBC News corpus as it is, every file, in file
//! order, nothing edited.
//!
//! The corpus holds what real archives hold: byte-identical refilings,
//! updated versions of a story, stories that reuse a sentence or two of an
//! earlier one inside long paragraphs, and outlet lines (correspondents'
//! bios, team lists) that articles sharing nothing else carry. The truth
//! comes from word 8-gram containment against every earlier article, with
//! 8-grams found in six or more distinct articles set aside as
//! boilerplate (see `examples/common/reuse_truth.rs`), not from wirecopy.
//!
//! Files with an odd number are the development half, looked at when
//! tuning; files with an even number are held out and reported apart.
//! The engine is the real one over a real sled store in a temporary
//! directory; only the gRPC transport is left out.

use std::{collections::HashMap, path::Path};

use super::{
    corpus,
    reuse_truth::{reuse_truth, Reuse, Truth},
    scores::ratio,
};
use wirecopy::{
    article::Article,
    engine::{EngineConfig, Submission},
    matching::{MatchKind, Verdict},
    server::open_engine,
    store::StoreConfig,
    text::{prepare_body, Fingerprint, TextConfig},
};

/// What the natural run is asked.
pub struct NaturalOptions {
    /// 8-grams in this many distinct articles are boilerplate.
    pub boilerplate_articles: usize,
    /// A partial reuse needs a covered run of this many words.
    pub min_run: usize,
    /// List the development half's misses.
    pub show_dev: bool,
    /// Articles whose passages to print beside their sources.
    pub explain: Vec<String>,
    pub config: EngineConfig,
}

/// Counts for one half of the corpus.
#[derive(Default)]
struct Half {
    identical: u64,
    identical_right: u64,
    copies: u64,
    copies_found: u64,
    copies_right_canonical: u64,
    partials: u64,
    partials_found: u64,
    nothing: u64,
    nothing_flagged: u64,
    ambiguous: u64,
    ambiguous_flagged: u64,
    exact_paragraphs: u64,
    exact_differing: u64,
    misses: Vec<String>,
}

fn is_dev(id: &str) -> bool {
    id.trim_end_matches(".txt")
        .rsplit('/')
        .next()
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n % 2 == 1)
}

/// Runs the natural evaluation and prints its figures.
pub async fn run(
    corpus_dir: &Path,
    options: &NaturalOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let docs = corpus::load_bbc_files(corpus_dir)
        .map_err(|e| format!("cannot read the corpus in {}: {e}", corpus_dir.display()))?;
    let bodies: Vec<&str> = docs.iter().map(|d| d.body.as_str()).collect();
    let truths = reuse_truth(&bodies, options.boilerplate_articles, options.min_run);
    let text = TextConfig::default();
    let fingerprints: HashMap<&str, Vec<Fingerprint>> = docs
        .iter()
        .map(|d| {
            let prepared = prepare_body(&d.body, &text);
            (
                d.id.as_str(),
                prepared.paragraphs.iter().map(|p| p.fingerprint).collect(),
            )
        })
        .collect();

    let dir = tempfile::tempdir()?;
    let engine = open_engine(&StoreConfig::sled(dir.path()), options.config)?;
    let started = std::time::Instant::now();
    let mut tickets = Vec::with_capacity(docs.len());
    for doc in &docs {
        let article = Article {
            id: doc.id.clone(),
            source: "bbc.co.uk".into(),
            body: doc.body.clone(),
            ..Article::default()
        };
        tickets.push(engine.enqueue(article).await?);
    }
    let mut results: Vec<Submission> = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        results.push(ticket.outcome().await?);
    }
    let elapsed = started.elapsed();
    let canonical_of: HashMap<&str, &str> = results
        .iter()
        .map(|r| (r.article_id.as_str(), r.canonical_id.as_str()))
        .collect();

    let (mut dev, mut held_out) = (Half::default(), Half::default());
    for ((doc, truth), result) in docs.iter().zip(&truths).zip(&results) {
        let half = if is_dev(&doc.id) {
            &mut dev
        } else {
            &mut held_out
        };
        score(
            half,
            doc,
            truth,
            result,
            &docs,
            &canonical_of,
            &fingerprints,
        );
    }

    println!("BBC natural run: {} files in file order", docs.len());
    println!(
        "truth: word 8-gram containment; 8-grams in {}+ articles are boilerplate; partial reuse = a covered run of {}+ words",
        options.boilerplate_articles, options.min_run
    );
    report("development (odd file numbers)", &dev);
    report("held out (even file numbers)", &held_out);
    println!(
        "ingest: {} articles in {:.2} s ({:.0} articles/s, engine without gRPC)",
        docs.len(),
        elapsed.as_secs_f64(),
        docs.len() as f64 / elapsed.as_secs_f64()
    );
    if options.show_dev {
        for miss in &dev.misses {
            println!("dev: {miss}");
        }
    }
    for id in &options.explain {
        explain(&docs, &results, id);
    }
    engine.close()?;
    Ok(())
}

/// Prints each copied paragraph of `id`: the reused passage and the span
/// of the source it names.
fn explain(docs: &[corpus::Doc], results: &[Submission], id: &str) {
    let body_of = |id: &str| docs.iter().find(|d| d.id == id).map(|d| d.body.as_str());
    let Some((result, body)) = results.iter().find(|r| r.article_id == id).zip(body_of(id)) else {
        println!("{id}: not in the corpus");
        return;
    };
    println!(
        "{id}: {:?} -> {} copy {:.2}",
        result.verdict, result.canonical_id, result.copy_ratio
    );
    for paragraph in &result.paragraphs {
        println!(
            "  [{}] {:?} {:?} {} words, {} copied, similarity {:.2}",
            paragraph.index,
            paragraph.kind,
            paragraph.skip_reason,
            paragraph.word_count,
            paragraph.copied_words,
            paragraph.similarity
        );
        for passage in &paragraph.passages {
            let ours = body.get(passage.span.start as usize..passage.span.end as usize);
            let theirs = body_of(&passage.source.0).and_then(|source| {
                source.get(passage.source_span.start as usize..passage.source_span.end as usize)
            });
            println!("      here:   {}", ours.unwrap_or("?"));
            println!(
                "      {} [{}]: {}",
                passage.source.0,
                passage.source.1,
                theirs.unwrap_or("?")
            );
        }
    }
}

fn score(
    half: &mut Half,
    doc: &corpus::Doc,
    truth: &Truth,
    result: &Submission,
    docs: &[corpus::Doc],
    canonical_of: &HashMap<&str, &str>,
    fingerprints: &HashMap<&str, Vec<Fingerprint>>,
) {
    let flagged = result.verdict != Verdict::Original;
    let mut miss = |what: &str| {
        half.misses.push(format!(
            "{what}: {} ({:?}, truth coverage {:.2}) -> {} copy {:.2}",
            doc.id, result.verdict, truth.coverage, result.canonical_id, result.copy_ratio
        ))
    };
    match truth.reuse {
        Reuse::Identical => {
            half.identical += 1;
            let first = truth.identical_to.map(|at| docs[at].id.as_str());
            let right = first.is_some_and(|first| {
                result.canonical_id == first
                    || canonical_of.get(first) == Some(&&*result.canonical_id)
            });
            if result.verdict == Verdict::WireCopy && right {
                half.identical_right += 1;
            } else {
                miss("identical refiling, wrong verdict or canonical");
            }
        }
        Reuse::Copy => {
            half.copies += 1;
            if flagged {
                half.copies_found += 1;
                // The canonical is one of the articles the reused 8-grams
                // first appeared in, or what that article copied.
                let right = truth.sources.keys().any(|&at| {
                    let id = docs[at].id.as_str();
                    result.canonical_id == id
                        || canonical_of.get(id) == Some(&&*result.canonical_id)
                });
                if right {
                    half.copies_right_canonical += 1;
                } else {
                    miss("copy with a canonical the truth does not name");
                }
            } else {
                miss("copy missed");
            }
        }
        Reuse::Partial => {
            half.partials += 1;
            if flagged {
                half.partials_found += 1;
            } else {
                miss("partial reuse missed");
            }
        }
        Reuse::Nothing => {
            half.nothing += 1;
            if flagged {
                half.nothing_flagged += 1;
                miss("shares nothing, flagged");
            }
        }
        Reuse::Ambiguous => {
            half.ambiguous += 1;
            if flagged {
                half.ambiguous_flagged += 1;
            }
        }
    }
    let own = fingerprints.get(doc.id.as_str());
    for paragraph in result
        .paragraphs
        .iter()
        .filter(|p| p.kind == MatchKind::Exact)
    {
        half.exact_paragraphs += 1;
        let same = paragraph.source.as_ref().is_some_and(|(id, index)| {
            let theirs = fingerprints
                .get(id.as_str())
                .and_then(|f| f.get(*index as usize));
            let ours = own.and_then(|f| f.get(paragraph.index as usize));
            theirs.is_some() && theirs == ours
        });
        if !same {
            half.exact_differing += 1;
        }
    }
}

fn report(name: &str, half: &Half) {
    println!("{name}:");
    println!(
        "  identical refilings WIRE_COPY with the right canonical: {} of {}",
        half.identical_right, half.identical
    );
    println!(
        "  copies (8-gram containment >= 0.5): recall {:.4} ({} of {}), canonical named by the truth {} of {}",
        ratio(half.copies_found, half.copies),
        half.copies_found,
        half.copies,
        half.copies_right_canonical,
        half.copies_found
    );
    println!(
        "  partial reuse: recall {:.4} ({} of {})",
        ratio(half.partials_found, half.partials),
        half.partials_found,
        half.partials
    );
    println!(
        "  sharing nothing: false-positive rate {:.4} ({} of {})",
        half.nothing_flagged as f64 / half.nothing.max(1) as f64,
        half.nothing_flagged,
        half.nothing
    );
    println!(
        "  in between (a shared phrase, not scored): {} flagged of {}",
        half.ambiguous_flagged, half.ambiguous
    );
    println!(
        "  EXACT paragraphs whose normalised texts differ: {} of {}",
        half.exact_differing, half.exact_paragraphs
    );
}
