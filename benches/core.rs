//! Micro-benchmarks of the pure core: normalisation, the text pipeline
//! (split, credits, normalise, fingerprint, shingle), matching against an
//! index of stored paragraphs, and fact extraction, per article and per MB;
//! and main-text extraction from the saved news pages of
//! `tests/fixtures/pages` (what `Article.html` costs).
//!
//! The corpus is the BBC articles in `../shared/data/bbc` when present,
//! else the two seed articles of `tests/fixtures/seeds`.
//! Run: `cargo bench --bench core`.

mod common;

use std::{collections::HashMap, path::Path, sync::Arc};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wirecopy::{
    facts::{dates, entities, extract_facts, paragraphs_of, quantities, quotes},
    matching::{
        match_article, passages::StoredText, AnchorIndex, Candidate, KnownParagraph, MatchConfig,
        Origin, ParagraphSource, Proposal,
    },
    text::{html::extract_main_text, normalize::normalize, prepare_body, Fingerprint, TextConfig},
};

/// Stored paragraphs held in memory, to time the matcher alone.
#[derive(Default)]
struct Stored {
    index: AnchorIndex,
    paragraphs: HashMap<Fingerprint, Candidate>,
}

impl ParagraphSource for Stored {
    type Error = std::convert::Infallible;
    fn exact(&mut self, fingerprint: &Fingerprint) -> Result<Option<KnownParagraph>, Self::Error> {
        Ok(self.paragraphs.get(fingerprint).map(|p| p.0.clone()))
    }
    fn candidates(&mut self, anchors: &[u64], limit: usize) -> Vec<Proposal> {
        self.index.candidates(anchors, limit)
    }
    fn candidate(&mut self, fingerprint: &Fingerprint) -> Result<Option<Candidate>, Self::Error> {
        Ok(self.paragraphs.get(fingerprint).cloned())
    }
    fn is_template(&mut self, _key: &Fingerprint) -> bool {
        false
    }
}

fn benchmarks(c: &mut Criterion) {
    let articles = common::corpus(300);
    let bytes: usize = articles.iter().map(String::len).sum();
    let config = TextConfig::default();
    let prepared: Vec<_> = articles.iter().map(|a| prepare_body(a, &config)).collect();

    let mut stored = Stored::default();
    for (article, body) in prepared.iter().enumerate() {
        for p in &body.paragraphs {
            let origin = Origin {
                article: article as u64,
                paragraph: p.index,
            };
            stored.paragraphs.entry(p.fingerprint).or_insert_with(|| {
                stored.index.insert(p.fingerprint, &p.anchors);
                (
                    KnownParagraph {
                        first: origin,
                        origin,
                        article_count: 1,
                        boilerplate: false,
                        offset: u32::try_from(p.content.start).unwrap_or(u32::MAX),
                        text_bytes: u32::try_from(p.content.len()).unwrap_or(u32::MAX),
                    },
                    Arc::new(StoredText::new(&p.shingles, p.layout.clone())),
                )
            });
        }
    }
    // Queries: every article with a typo in each paragraph (near matches).
    let queries: Vec<_> = articles
        .iter()
        .map(|a| prepare_body(&a.replace("the ", "teh "), &config))
        .collect();

    let mut group = c.benchmark_group(format!("corpus of {} articles", articles.len()));
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(BenchmarkId::new("normalise", "all paragraphs"), |b| {
        b.iter(|| {
            articles
                .iter()
                .flat_map(|a| a.lines())
                .map(|l| normalize(l).len())
                .sum::<usize>()
        })
    });
    group.bench_function(
        BenchmarkId::new("prepare", "split+credits+normalise+fingerprint+shingle"),
        |b| {
            b.iter(|| {
                articles
                    .iter()
                    .map(|a| prepare_body(a, &config).paragraphs.len())
                    .sum::<usize>()
            })
        },
    );
    group.bench_function(
        BenchmarkId::new("match", "near copies against the corpus"),
        |b| {
            let matching = MatchConfig::default();
            b.iter(|| {
                queries
                    .iter()
                    .filter_map(|q| match_article(q, &mut stored, &matching).ok())
                    .map(|m| m.paragraphs.len())
                    .sum::<usize>()
            })
        },
    );
    group.bench_function(
        BenchmarkId::new("extract facts", "quotes+entities+dates+quantities"),
        |b| {
            b.iter(|| {
                articles
                    .iter()
                    .zip(&prepared)
                    .map(|(a, p)| extract_facts(a, p, None).len())
                    .sum::<usize>()
            })
        },
    );
    let paragraphs: Vec<_> = articles
        .iter()
        .zip(&prepared)
        .map(|(a, p)| paragraphs_of(a, p))
        .collect();
    group.bench_function(BenchmarkId::new("extract facts", "entities only"), |b| {
        b.iter(|| {
            paragraphs
                .iter()
                .map(|p| entities::find_entities(p).mentions.len())
                .sum::<usize>()
        })
    });
    let found: Vec<_> = paragraphs
        .iter()
        .map(|p| entities::find_entities(p))
        .collect();
    group.bench_function(BenchmarkId::new("extract facts", "quotes only"), |b| {
        b.iter(|| {
            paragraphs
                .iter()
                .zip(&found)
                .map(|(p, e)| quotes::find_quotes(p, e).len())
                .sum::<usize>()
        })
    });
    group.bench_function(
        BenchmarkId::new("extract facts", "dates and quantities only"),
        |b| {
            b.iter(|| {
                paragraphs
                    .iter()
                    .flatten()
                    .map(|p| {
                        dates::find_times(p.text, None).len()
                            + quantities::find_quantities(p.text, &[]).len()
                    })
                    .sum::<usize>()
            })
        },
    );
    group.finish();
}

/// The saved pages: the seeds and BBC articles in news-site templates.
fn saved_pages() -> Vec<String> {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let mut paths: Vec<_> = std::fs::read_dir(&pages)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "html"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect()
}

fn html_benchmarks(c: &mut Criterion) {
    let pages = saved_pages();
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut group = c.benchmark_group(format!("{} saved pages", pages.len()));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(BenchmarkId::new("extract main text", "all pages"), |b| {
        b.iter(|| {
            pages
                .iter()
                .filter_map(|page| extract_main_text(page).ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(core, benchmarks, html_benchmarks);
criterion_main!(core);
