//! Measures wirecopy's detection on the BBC News corpus, two ways.
//!
//! - `natural` ([`natural`]): every file in file order, unedited, scored
//!   against word 8-gram containment: refilings, updated stories,
//!   sentences reused inside long paragraphs, outlet lines.
//! - `synthetic` ([`synthetic`]): wire-copy variants by made-up outlets
//!   that add bios, templated lines and boilerplate shared across outlets,
//!   copies of copies, and sentences inserted into unrelated articles,
//!   each paragraph with a known truth.
//!
//! The engine is the real one over a real sled store in a temporary
//! directory; only the gRPC transport is left out.
//!
//! Usage: `cargo run --release --example eval_bbc -- [natural|synthetic]
//! [BBC_DIR] [--seed N] [--limit N] [--copy-share F] [--near-similarity F]
//! [--min-shared N] [--max-batch N] [--boilerplate-articles N]
//! [--min-run N] [--show-dev] [--show-misses] [--explain ID]`. With neither run named,
//! both run. `--max-batch 1` turns group commit off, to measure it;
//! `--seed`, `--limit` and `--copy-share` shape the synthetic run;
//! `--boilerplate-articles` and `--min-run` the natural run's truth;
//! `--show-dev` lists the natural run's development misses, `--show-misses`
//! the synthetic run's paragraphs scored wrong, and `--explain ID` prints
//! the passages found in one article beside their sources.

#[path = "../common/corpus.rs"]
mod corpus;
mod natural;
#[path = "../common/reuse_truth.rs"]
mod reuse_truth;
#[path = "../common/scores.rs"]
mod scores;
mod synthetic;
#[path = "../common/variants.rs"]
mod variants;

use std::path::PathBuf;

use scores::{f1, ratio};
use wirecopy::engine::EngineConfig;

/// True and false positives and negatives.
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

struct Options {
    corpus: PathBuf,
    natural: bool,
    synthetic: bool,
    natural_options: natural::NaturalOptions,
    synthetic_options: synthetic::SyntheticOptions,
}

fn options() -> Result<Options, String> {
    let mut config = EngineConfig::default();
    let mut natural = natural::NaturalOptions {
        boilerplate_articles: 6,
        min_run: 15,
        show_dev: false,
        explain: Vec::new(),
        config,
    };
    let mut synthetic = synthetic::SyntheticOptions {
        seed: 2026,
        limit: usize::MAX,
        copy_share: 0.4,
        show_misses: false,
        config,
    };
    let (mut corpus, mut runs) = (PathBuf::from("../shared/data/bbc"), Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        fn parse<T: std::str::FromStr>(name: &str, text: String) -> Result<T, String>
        where
            T::Err: std::fmt::Display,
        {
            text.parse().map_err(|e| format!("{name}: {e}"))
        }
        match arg.as_str() {
            "natural" | "synthetic" => runs.push(arg),
            "--seed" => synthetic.seed = parse("--seed", value("--seed")?)?,
            "--limit" => synthetic.limit = parse("--limit", value("--limit")?)?,
            "--copy-share" => synthetic.copy_share = parse("--copy-share", value("--copy-share")?)?,
            "--near-similarity" => {
                config.matching.near_similarity =
                    parse("--near-similarity", value("--near-similarity")?)?
            }
            "--min-shared" => {
                config.matching.min_shared_shingles = parse("--min-shared", value("--min-shared")?)?
            }
            "--max-batch" => config.max_batch = parse("--max-batch", value("--max-batch")?)?,
            "--boilerplate-articles" => {
                natural.boilerplate_articles =
                    parse("--boilerplate-articles", value("--boilerplate-articles")?)?
            }
            "--min-run" => natural.min_run = parse("--min-run", value("--min-run")?)?,
            "--show-dev" => natural.show_dev = true,
            "--show-misses" => synthetic.show_misses = true,
            "--explain" => natural.explain.push(value("--explain")?),
            path => corpus = PathBuf::from(path),
        }
    }
    natural.config = config;
    synthetic.config = config;
    let both = runs.is_empty();
    Ok(Options {
        corpus,
        natural: both || runs.iter().any(|r| r == "natural"),
        synthetic: both || runs.iter().any(|r| r == "synthetic"),
        natural_options: natural,
        synthetic_options: synthetic,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    if options.natural {
        natural::run(&options.corpus, &options.natural_options).await?;
    }
    if options.synthetic {
        synthetic::run(&options.corpus, &options.synthetic_options).await?;
    }
    Ok(())
}
