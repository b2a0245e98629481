//! Measures wirecopy's detection on the BBC News corpus.
//!
//! The corpus articles (deduplicated) are split at random into originals,
//! stored first, and held-out articles, which are unrelated negatives. A
//! share of the originals is then republished as wire-copy variants (see
//! `examples/common/variants.rs` for the edits) and the variants and negatives are
//! submitted in random order. The engine is the real one over a real sled
//! store in a temporary directory; only the gRPC transport is left out.
//!
//! A variant paragraph is a true positive when it is matched (EXACT or
//! NEAR) to the paragraph of the original it came from, or to the article
//! that original paragraph was itself found to copy (the BBC corpus has a
//! few stories republished across its sections). Paragraphs under the
//! minimum word count are not evidence and are not scored. An article is a
//! true positive when a variant is not ORIGINAL and its canonical id is its
//! original (or the original's own canonical).
//!
//! Usage: `cargo run --release --example eval_bbc -- [BBC_DIR] [--seed N]
//! [--limit N] [--copy-share F] [--near-similarity F] [--min-shared N]
//! [--max-batch N]` (`--max-batch 1` turns group commit off, to measure it)

#[path = "../common/corpus.rs"]
mod corpus;
#[path = "../common/scores.rs"]
mod scores;
#[path = "../common/variants.rs"]
mod variants;

use std::{
    collections::{HashMap, HashSet},
    path::PathBuf,
    sync::Arc,
    time::Instant,
};

use scores::{f1, ratio};
use wirecopy::{
    article::Article,
    engine::{Engine, EngineConfig, Submission},
    matching::{MatchKind, Verdict},
    server::{open_engine, StoreOptions},
};

struct Options {
    corpus: PathBuf,
    seed: u64,
    limit: usize,
    copy_share: f32,
    config: EngineConfig,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        corpus: PathBuf::from("../shared/data/bbc"),
        seed: 2026,
        limit: usize::MAX,
        copy_share: 0.4,
        config: EngineConfig::default(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--limit" => {
                options.limit = value("--limit")?
                    .parse()
                    .map_err(|e| format!("--limit: {e}"))?
            }
            "--copy-share" => {
                options.copy_share = value("--copy-share")?
                    .parse()
                    .map_err(|e| format!("--copy-share: {e}"))?
            }
            "--near-similarity" => {
                options.config.matching.near_similarity = value("--near-similarity")?
                    .parse()
                    .map_err(|e| format!("--near-similarity: {e}"))?
            }
            "--max-batch" => {
                options.config.max_batch = value("--max-batch")?
                    .parse()
                    .map_err(|e| format!("--max-batch: {e}"))?
            }
            "--min-shared" => {
                options.config.matching.min_shared_shingles = value("--min-shared")?
                    .parse()
                    .map_err(|e| format!("--min-shared: {e}"))?
            }
            path => options.corpus = PathBuf::from(path),
        }
    }
    Ok(options)
}

/// Sentences of ten or more words, lower-cased with punctuation dropped:
/// an exact-match test of text reuse that is independent of wirecopy.
fn long_sentences(body: &str) -> Vec<String> {
    body.split(['.', '!', '?', '\n'])
        .map(|sentence| {
            sentence
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|words| words.len() >= 10)
        .map(|words| words.join(" "))
        .collect()
}

#[derive(Default)]
struct Counts {
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Counts {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        f1(self.precision(), self.recall())
    }
}

async fn submit_all(engine: &Engine, articles: Vec<Article>) -> Vec<Submission> {
    let mut tickets = Vec::with_capacity(articles.len());
    for article in articles {
        tickets.push(
            engine
                .enqueue(article)
                .await
                .expect("corpus articles are valid"),
        );
    }
    let mut results = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        results.push(ticket.outcome().await.expect("submit succeeds"));
    }
    results
}

fn article(id: &str, body: &str) -> Article {
    Article {
        id: id.to_owned(),
        source: "eval".into(),
        body: body.to_owned(),
        ..Article::default()
    }
}

/// Where each original paragraph's text is accepted as coming from: the
/// original itself or what the original was found to copy.
type Accepted = HashMap<String, (HashSet<String>, Vec<HashSet<(String, u32)>>)>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let mut docs = corpus::load_bbc(&options.corpus).map_err(|e| {
        format!(
            "cannot read the corpus in {}: {e}",
            options.corpus.display()
        )
    })?;
    let mut rng = fastrand::Rng::with_seed(options.seed);
    rng.shuffle(&mut docs);
    docs.truncate(options.limit);
    let held_out = docs.len() / 5;
    let mut negatives = docs.split_off(docs.len() - held_out);
    let originals = docs;
    // The BBC reused its own text across articles. A held-out article that
    // shares a whole sentence of ten or more words with an original (or with
    // another held-out article) is a
    // real partial copy, not a negative: leave it out, and say how many.
    let original_sentences: HashSet<String> = originals
        .iter()
        .flat_map(|d| long_sentences(&d.body))
        .collect();
    let before = negatives.len();
    let mut negative_sentences = HashSet::new();
    negatives.retain(|d| {
        let sentences = long_sentences(&d.body);
        let clean = sentences
            .iter()
            .all(|s| !original_sentences.contains(s) && !negative_sentences.contains(s));
        negative_sentences.extend(sentences);
        clean
    });
    let overlapping = before - negatives.len();

    let dir = tempfile::tempdir()?;
    let engine = Arc::new(open_engine(
        dir.path(),
        StoreOptions::default(),
        options.config,
    )?);
    let started = Instant::now();

    let stored = submit_all(
        &engine,
        originals.iter().map(|d| article(&d.id, &d.body)).collect(),
    )
    .await;
    let mut accepted: Accepted = HashMap::new();
    for (doc, result) in originals.iter().zip(&stored) {
        let canonicals = HashSet::from([doc.id.clone(), result.canonical_id.clone()]);
        let sources = result
            .paragraphs
            .iter()
            .map(|p| {
                let mut ok = HashSet::from([(doc.id.clone(), p.index)]);
                if let Some(source) = &p.source {
                    ok.insert(source.clone());
                }
                ok
            })
            .collect();
        accepted.insert(doc.id.clone(), (canonicals, sources));
    }

    // Variants of a share of the originals, mixed with the negatives.
    let mut batch: Vec<(Article, Option<(String, variants::Variant)>)> = Vec::new();
    for doc in &originals {
        if rng.f32() < options.copy_share {
            let variant = variants::make_variant(&mut rng, &variants::lines(&doc.body));
            let id = format!("copy-of/{}", doc.id);
            batch.push((article(&id, &variant.body), Some((doc.id.clone(), variant))));
        }
    }
    let copies = batch.len();
    for doc in &negatives {
        batch.push((article(&format!("negative/{}", doc.id), &doc.body), None));
    }
    rng.shuffle(&mut batch);
    let (articles, truths): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    let results = submit_all(&engine, articles).await;
    let elapsed = started.elapsed();

    let (mut paragraphs, mut articles) = (Counts::default(), Counts::default());
    let mut negative_paragraph_fp = 0;
    let mut wire_copy_verdicts = 0;
    let mut flagged_negatives = Vec::new();
    for (truth, result) in truths.iter().zip(&results) {
        let is_copy = result.verdict != Verdict::Original;
        let Some((original_id, variant)) = truth else {
            if is_copy {
                articles.fp += 1;
                flagged_negatives.push((
                    result.article_id.clone(),
                    result.canonical_id.clone(),
                    result.copy_ratio,
                ));
            }
            for p in &result.paragraphs {
                if matches!(
                    p.kind,
                    MatchKind::Exact | MatchKind::Near | MatchKind::Partial
                ) {
                    paragraphs.fp += 1;
                    negative_paragraph_fp += 1;
                }
            }
            continue;
        };
        let (canonicals, sources) = &accepted[original_id];
        match (is_copy, canonicals.contains(&result.canonical_id)) {
            (true, true) => articles.tp += 1,
            (true, false) => {
                articles.fp += 1;
                articles.fn_ += 1;
            }
            (false, _) => articles.fn_ += 1,
        }
        if result.verdict == Verdict::WireCopy {
            wire_copy_verdicts += 1;
        }
        for (p, expected) in result.paragraphs.iter().zip(&variant.paragraphs) {
            let evidence = p.word_count >= options.config.text.min_words as u32;
            let copied = !expected.sources.is_empty() && evidence;
            let predicted = matches!(
                p.kind,
                MatchKind::Exact | MatchKind::Near | MatchKind::Partial
            );
            let correct = predicted
                && p.source.as_ref().is_some_and(|source| {
                    expected.sources.iter().any(|&i| {
                        sources
                            .get(i as usize)
                            .is_some_and(|ok| ok.contains(source))
                    })
                });
            match (copied, predicted, correct) {
                (true, _, true) => paragraphs.tp += 1,
                (true, true, false) => {
                    paragraphs.fp += 1;
                    paragraphs.fn_ += 1;
                }
                (true, false, _) => {
                    paragraphs.fn_ += 1;
                    if std::env::var("DEBUG_FN").is_ok() {
                        eprintln!(
                            "FN {:?} {:?} words {} text: {}",
                            p.kind,
                            p.skip_reason,
                            p.word_count,
                            variant.paragraphs[p.index as usize].text
                        );
                        if p.skip_reason.is_some() && p.word_count > 20 {
                            eprintln!("BODY: {}", variant.body);
                            for q in &result.paragraphs {
                                eprintln!(
                                    "  P {:?} {:?} {} {:?}",
                                    q.kind, q.skip_reason, q.word_count, q.source
                                );
                            }
                        }
                        for &i in &expected.sources {
                            eprintln!(
                                "   SRC: {}",
                                variants::lines(
                                    &originals
                                        .iter()
                                        .find(|d| &d.id == original_id)
                                        .unwrap()
                                        .body
                                )
                                .get(i as usize)
                                .cloned()
                                .unwrap_or_default()
                            );
                        }
                    }
                }
                (false, true, _) => paragraphs.fp += 1,
                (false, false, _) => {}
            }
        }
    }

    let total = originals.len() + results.len();
    println!("BBC wire-copy evaluation (seed {})", options.seed);
    println!(
        "corpus: {} originals stored, then {} variants and {} unrelated negatives in random order",
        originals.len(),
        copies,
        negatives.len()
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
    println!("variants judged WIRE_COPY: {wire_copy_verdicts} of {copies}");
    println!("paragraph false positives in negatives: {negative_paragraph_fp}");
    println!("held-out articles left out for sharing a 10+ word sentence with an original: {overlapping}");
    println!(
        "ingest: {total} articles in {:.2} s ({:.0} articles/s, engine without gRPC, release build recommended)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    for (id, canonical, copy_ratio) in flagged_negatives.iter().take(10) {
        println!("negative flagged: {id} -> {canonical} (copy {copy_ratio:.2})");
    }
    engine.close()?;
    Ok(())
}
