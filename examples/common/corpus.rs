//! The BBC News corpus (`../shared/data/bbc`) as articles, shared by the
//! evaluation and the load generator.

use std::{collections::HashSet, path::Path};

/// A corpus article: its id (path under the corpus) and body.
pub struct Doc {
    pub id: String,
    pub body: String,
}

/// Reads `category/NNN.txt` files: first line the headline, then the body.
/// Byte-identical bodies are kept once.
pub fn load_bbc(dir: &Path) -> std::io::Result<Vec<Doc>> {
    let mut seen = HashSet::new();
    let mut docs = load_bbc_files(dir)?;
    docs.retain(|doc| !doc.body.is_empty() && seen.insert(doc.body.clone()));
    Ok(docs)
}

/// Every `category/NNN.txt` file in path order, duplicates kept: the
/// corpus as an archive would receive it.
pub fn load_bbc_files(dir: &Path) -> std::io::Result<Vec<Doc>> {
    let mut paths = Vec::new();
    for category in std::fs::read_dir(dir)? {
        let category = category?.path();
        if category.is_dir() {
            for file in std::fs::read_dir(&category)? {
                let file = file?.path();
                if file.extension().is_some_and(|e| e == "txt") {
                    paths.push(file);
                }
            }
        }
    }
    paths.sort();
    let mut docs = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(&path)?;
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect());
        let body = text
            .split_once('\n')
            .map_or("", |(_, body)| body)
            .trim()
            .to_owned();
        let id = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        docs.push(Doc { id, body });
    }
    Ok(docs)
}
