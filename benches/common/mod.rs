//! What the benchmarks share: the corpus they run on.

use std::path::Path;

/// Up to `limit` article files as text, in name order: the BBC articles in
/// `../shared/data/bbc` when present, else the seed articles of
/// `tests/fixtures/seeds`.
pub fn corpus(limit: usize) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bbc = root.join("../shared/data/bbc");
    let mut paths: Vec<_> = ["business", "entertainment", "politics", "sport", "tech"]
        .iter()
        .filter_map(|category| std::fs::read_dir(bbc.join(category)).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    if paths.is_empty() {
        paths = std::fs::read_dir(root.join("tests/fixtures/seeds"))
            .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
    }
    paths.sort();
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .take(limit)
        .filter_map(|p| std::fs::read(p).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}
