//! The whole analyse path: validation, text pipeline, fact extraction and
//! matching against a real sled store holding the seed articles. Any input
//! gets an answer or a validation error, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wirecopy::{article::Article, engine::Engine, server::open_engine, store::StoreConfig};

fn engine() -> &'static (Engine, tokio::runtime::Runtime) {
    static ENGINE: OnceLock<(Engine, tokio::runtime::Runtime)> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine =
            open_engine(&StoreConfig::Memory, Default::default()).expect("store opens");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        for (n, seed) in [
            include_str!("../../fixtures/seeds/000_98a7db490f32b566.txt"),
            include_str!("../../fixtures/seeds/003_a57d7082810f3afc.txt"),
        ]
        .iter()
        .enumerate()
        {
            let article = Article {
                id: format!("seed-{n}"),
                body: (*seed).to_owned(),
                ..Article::default()
            };
            let _ = runtime.block_on(engine.submit(article));
        }
        (engine, runtime)
    })
}

fuzz_target!(|input: (&str, &str)| {
    let (id, body) = input;
    let article = Article {
        id: id.to_owned(),
        body: body.to_owned(),
        ..Article::default()
    };
    let (engine, runtime) = engine();
    let _ = runtime.block_on(engine.analyze(article));
});
