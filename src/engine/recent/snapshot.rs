//! The match window saved to a file, so that a restart need not rebuild
//! it from the store.
//!
//! Rebuilding [`Recent`] from the store means reading and indexing every
//! text of the window and the id of every article and fact in the
//! archive: seconds at 30,000 articles, most of a minute at a million. So
//! the writer saves the window when a generation starts and when the
//! engine closes, and a restart loads the file and reads from the store
//! only what was committed after it (the *tail*, by sequence): at most one
//! generation, after a crash; nothing, after a clean stop.
//!
//! The file is a cache of what the store holds, never the truth. It is
//! written under a temporary name and renamed into place, so a crash
//! leaves the old file or the new one; it ends with a blake3 checksum of
//! what precedes it; and it is set aside (the window is then read from the
//! store) when it is damaged, written in another layout, made for another
//! window size, ahead of the store (one restored from an older copy), or
//! older than a deletion: deletions are not replayed, so the store's
//! deletion count must be the one the file was saved with.
//!
//! Layout: the 8 bytes `WCWINDOW`, the layout version (u32 LE), the window
//! in postcard ([`Saving`], read back as [`Loaded`]; the filter of stored
//! texts as its 16 MiB of bits; the known articles and facts packed, see
//! [`packed`]), and the checksum (32 bytes). Layout 4 added each known
//! fact's creation event, layout 5 packed those tables; a file of an
//! earlier layout is set aside, and the window read from the store once.

use std::{
    fs,
    io::{self, BufWriter, Write},
    path::Path,
    sync::Arc,
};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize, Serializer};

use super::{
    fact_key,
    known_facts::KnownFacts,
    packed,
    stored_texts::{self, StoredTexts},
    Generation, Recent, RecentParagraph, WindowFact,
};
use crate::{
    facts::{FactBody, FactId},
    store::{Store, StoreError},
    text::{Fingerprint, TextConfig},
};

const MAGIC: &[u8; 8] = b"WCWINDOW";
/// The layout this build writes and reads; a file of another is set aside.
const LAYOUT_VERSION: u32 = 5;
const CHECKSUM_BYTES: usize = 32;

/// Why a saved window is not used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unusable {
    /// There is none (a new store, or one never closed since saving began).
    #[error("there is no saved window")]
    Missing,
    #[error("reading it failed: {0}")]
    Unreadable(#[from] io::Error),
    #[error("it is damaged: {0}")]
    Damaged(String),
    /// It does not describe this store as it is now.
    #[error("it does not fit the store: {0}")]
    Stale(String),
    /// Reading the tail from the store failed: not a problem of the file.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the file says it describes, checked against the store.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    match_window: u64,
    last_article: u64,
    /// The id of that article, if it is still stored: a store with another
    /// article at that sequence is another store.
    last_article_id: Option<String>,
    deletions: u64,
}

/// The window as written: [`Recent`]'s parts, borrowed.
#[derive(Serialize)]
struct Saving<'a> {
    header: Header,
    older: &'a Generation,
    current: &'a Generation,
    paragraphs: &'a FxHashMap<Fingerprint, RecentParagraph>,
    ids: &'a FxHashMap<u64, Arc<str>>,
    fact_bodies: &'a FxHashMap<u64, Arc<FactBody>>,
    article_facts: ArticleFacts<'a>,
    #[serde(serialize_with = "write_known_articles")]
    known_articles: &'a FxHashSet<u64>,
    known_facts: &'a KnownFacts,
    isolated: &'a FxHashMap<Fingerprint, u32>,
    stored_texts: &'a serde_bytes::Bytes,
}

/// The article keys, packed (see [`packed`]).
fn write_known_articles<S: Serializer>(
    keys: &&FxHashSet<u64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    packed::serialize(keys.len(), keys.iter().copied(), serializer)
}

/// The window as read: the same fields, in the same order, owned.
#[derive(Deserialize)]
struct Loaded {
    header: Header,
    older: Generation,
    current: Generation,
    paragraphs: FxHashMap<Fingerprint, RecentParagraph>,
    ids: FxHashMap<u64, Arc<str>>,
    fact_bodies: FxHashMap<u64, Arc<FactBody>>,
    article_facts: Vec<(u64, Vec<SavedFact<FactBody>>)>,
    #[serde(deserialize_with = "packed::deserialize::<u64, _, _>")]
    known_articles: FxHashSet<u64>,
    known_facts: KnownFacts,
    isolated: FxHashMap<Fingerprint, u32>,
    stored_texts: serde_bytes::ByteBuf,
}

/// A window article's fact. Its content is left out when it is the one
/// shared in `fact_bodies` (a fact reprinted by forty articles is written
/// once, and shared again when read).
#[derive(Serialize, Deserialize)]
struct SavedFact<B> {
    id: FactId,
    paragraph: u32,
    body: Option<B>,
}

/// The window articles' facts, written without copying them first.
struct ArticleFacts<'a> {
    facts: &'a FxHashMap<u64, Arc<[WindowFact]>>,
    shared: &'a FxHashMap<u64, Arc<FactBody>>,
}

impl Serialize for ArticleFacts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.facts.iter().map(|(sequence, facts)| {
            let facts: Vec<SavedFact<&FactBody>> = facts
                .iter()
                .map(|fact| {
                    let shared = self
                        .shared
                        .get(&fact_key(&fact.id))
                        .is_some_and(|body| Arc::ptr_eq(body, &fact.body));
                    SavedFact {
                        id: fact.id,
                        paragraph: fact.paragraph,
                        body: (!shared).then_some(&*fact.body),
                    }
                })
                .collect();
            (*sequence, facts)
        }))
    }
}

/// Writes what it is given on to `inner` and into a blake3 checksum.
struct Checksummed<W> {
    inner: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Recent {
    /// Saves the window to `path` (atomically: the file there is replaced
    /// only once the new one is whole) and says how many bytes it took.
    pub fn save(&self, path: &Path) -> io::Result<u64> {
        let stored_texts = self.stored_texts.to_bytes();
        let saving = Saving {
            header: Header {
                match_window: self.generation_articles * 2,
                last_article: self.last_article,
                last_article_id: self.ids.get(&self.last_article).map(|id| id.to_string()),
                deletions: self.deletions,
            },
            older: &self.older,
            current: &self.current,
            paragraphs: &self.paragraphs,
            ids: &self.ids,
            fact_bodies: &self.fact_bodies,
            article_facts: ArticleFacts {
                facts: &self.article_facts,
                shared: &self.fact_bodies,
            },
            known_articles: &self.known_articles,
            known_facts: &self.known_facts,
            isolated: &self.isolated,
            stored_texts: serde_bytes::Bytes::new(&stored_texts),
        };
        let temporary = path.with_extension("partial");
        // Buffered before the checksum: postcard writes a byte at a time.
        let mut out = BufWriter::with_capacity(
            1 << 20,
            Checksummed {
                inner: fs::File::create(&temporary)?,
                hasher: blake3::Hasher::new(),
            },
        );
        out.write_all(MAGIC)?;
        out.write_all(&LAYOUT_VERSION.to_le_bytes())?;
        let out = postcard::to_io(&saving, out).map_err(io::Error::other)?;
        let Checksummed {
            inner: mut file,
            hasher,
        } = out.into_inner().map_err(|e| e.into_error())?;
        file.write_all(hasher.finalize().as_bytes())?;
        // Not synced: a file torn by a power cut fails its checksum and is
        // set aside, which costs a slower start, never a wrong window.
        let bytes = file.metadata()?.len();
        drop(file);
        fs::rename(&temporary, path)?;
        Ok(bytes)
    }
}

/// The window saved at `path`, brought up to date with what `store`
/// committed after it was saved, and how many articles that was.
pub(super) fn resume(
    store: &dyn Store,
    match_window: u64,
    text: &TextConfig,
    path: &Path,
) -> Result<(Recent, usize), Unusable> {
    let started = std::time::Instant::now();
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(Unusable::Missing),
        Err(error) => return Err(error.into()),
    };
    let loaded = decode(&bytes)?;
    drop(bytes);
    let mut recent = fits(loaded, store, match_window)?;
    let loaded_ms = started.elapsed().as_millis();
    let tail = recent.read_tail(store, text)?;
    tracing::debug!(
        loaded_ms,
        tail_articles = tail,
        tail_ms = started.elapsed().as_millis() - loaded_ms,
        "match window loaded from its file"
    );
    Ok((recent, tail))
}

fn decode(bytes: &[u8]) -> Result<Loaded, Unusable> {
    let damaged = |why: &str| Unusable::Damaged(why.to_owned());
    let header_bytes = MAGIC.len() + 4;
    if bytes.len() < header_bytes + CHECKSUM_BYTES {
        return Err(damaged("shorter than its header and checksum"));
    }
    let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    if blake3::hash(content).as_bytes() != checksum {
        return Err(damaged(
            "its checksum does not match (a torn or altered file)",
        ));
    }
    if &content[..MAGIC.len()] != MAGIC {
        return Err(damaged("it is not a saved match window"));
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&content[MAGIC.len()..header_bytes]);
    let version = u32::from_le_bytes(version);
    if version != LAYOUT_VERSION {
        return Err(Unusable::Stale(format!(
            "written in layout {version}, this build reads {LAYOUT_VERSION}"
        )));
    }
    postcard::from_bytes(&content[header_bytes..])
        .map_err(|e| Unusable::Damaged(format!("cannot decode it: {e}")))
}

/// The loaded window, if it describes `store` as it was when saved.
fn fits(loaded: Loaded, store: &dyn Store, match_window: u64) -> Result<Recent, Unusable> {
    let header = &loaded.header;
    let stale = |why: String| Err(Unusable::Stale(why));
    if header.match_window != (match_window / 2).max(1) * 2 {
        return stale(format!(
            "saved for a window of {} articles, not {match_window}",
            header.match_window
        ));
    }
    let last = store.last_sequence()?;
    if header.last_article > last {
        return stale(format!(
            "saved after article {}, but the store ends at {last}",
            header.last_article
        ));
    }
    if header.last_article > 0 && store.article_id(header.last_article)? != header.last_article_id {
        return stale(format!(
            "the store holds another article at sequence {}",
            header.last_article
        ));
    }
    let deletions = store.deletions()?;
    if header.deletions != deletions {
        return stale(format!(
            "saved after {} deletions, the store has counted {deletions}",
            header.deletions
        ));
    }
    let mut article_facts = FxHashMap::default();
    article_facts.reserve(loaded.article_facts.len());
    for (sequence, facts) in loaded.article_facts {
        let facts: Option<Vec<WindowFact>> = facts
            .into_iter()
            .map(|fact| {
                let body = match fact.body {
                    Some(body) => Arc::new(body),
                    None => Arc::clone(loaded.fact_bodies.get(&fact_key(&fact.id))?),
                };
                Some(WindowFact {
                    id: fact.id,
                    paragraph: fact.paragraph,
                    body,
                })
            })
            .collect();
        let facts = facts.ok_or_else(|| {
            Unusable::Damaged(format!("a fact of article {sequence} has no content"))
        })?;
        article_facts.insert(sequence, Arc::from(facts));
    }
    let stored_texts = StoredTexts::from_bytes(&loaded.stored_texts).ok_or_else(|| {
        Unusable::Damaged(format!(
            "its filter of stored texts has {} bytes, not {}",
            loaded.stored_texts.len(),
            stored_texts::BITS / 8
        ))
    })?;
    // Every window text went through the filter: one it does not hold
    // means the filter is not this window's (or hashes differently now),
    // and a text it misses would be stored again over the archive's.
    if let Some(missing) = loaded
        .paragraphs
        .keys()
        .find(|fingerprint| !stored_texts.may_hold(fingerprint))
    {
        return Err(Unusable::Damaged(format!(
            "its filter of stored texts misses the window's text {missing:?}"
        )));
    }
    let mut recent = Recent::new(match_window);
    recent.stored_texts = stored_texts;
    recent.last_article = loaded.header.last_article;
    recent.deletions = loaded.header.deletions;
    recent.older = loaded.older;
    recent.current = loaded.current;
    recent.paragraphs = loaded.paragraphs;
    recent.ids = loaded.ids;
    recent.article_facts = article_facts;
    recent.fact_bodies = loaded.fact_bodies;
    recent.known_articles = loaded.known_articles;
    recent.known_facts = loaded.known_facts;
    recent.isolated = loaded.isolated;
    Ok(recent)
}

impl Recent {
    /// Adds what the store committed after the window was saved, as the
    /// writer added it then, and says how many articles that was.
    fn read_tail(&mut self, store: &dyn Store, text: &TextConfig) -> Result<usize, StoreError> {
        let last = store.last_sequence()?;
        self.start_generation(self.generation_of(last + 1));
        let start = (self.last_article + 1).max(self.first_sequence(self.older.number));
        self.read_texts_since(store, start, text)?;
        // Texts stored before the tail that its articles contain again:
        // their counts moved.
        let mut contained: FxHashSet<Fingerprint> = FxHashSet::default();
        let mut articles = 0;
        store.each_article_since(start, &mut |record, facts| {
            articles += 1;
            self.known_articles.insert(super::article_key(&record.id));
            self.add_carrier(facts.iter().map(|f| &f.fact.id));
            for fact in &facts {
                if let Some(creation) = fact.creation {
                    self.known_facts
                        .set_creation(super::fact_key(&fact.fact.id), creation);
                }
            }
            contained.extend(record.analysis.paragraphs.iter().map(|p| p.fingerprint));
            self.add_article(
                record.sequence,
                record.id.as_str().into(),
                facts.iter().map(|f| WindowFact::from(&f.fact)).collect(),
            );
        })?;
        for fingerprint in contained {
            let Some(paragraph) = self.paragraphs.get(&fingerprint) else {
                continue;
            };
            if paragraph.first.article >= start {
                continue; // read with the tail, count and all
            }
            if let Some(stored) = store.paragraph(&fingerprint)? {
                self.set_text_count(&fingerprint, stored.article_count);
            }
        }
        self.isolated = store.isolated_lines()?.into_iter().collect();
        self.last_article = last;
        Ok(articles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        article::Article,
        engine::{Engine, EngineConfig},
        store::MemoryStore,
    };

    const WINDOW: u64 = 16;

    /// Real article texts from the repository's fixtures.
    const TEXTS: [&str; 10] = [
        include_str!("../../../tests/fixtures/seeds/000_98a7db490f32b566.txt"),
        include_str!("../../../tests/fixtures/seeds/003_a57d7082810f3afc.txt"),
        include_str!("../../../tests/fixtures/pages/bbc-business-modern.txt"),
        include_str!("../../../tests/fixtures/pages/bbc-entertainment-wordpress.txt"),
        include_str!("../../../tests/fixtures/pages/bbc-politics-wordpress.txt"),
        include_str!("../../../tests/fixtures/pages/bbc-sport-modern.txt"),
        include_str!("../../../tests/fixtures/pages/bbc-tech-portal.txt"),
        include_str!("../../../tests/fixtures/pages/report-wordpress.txt"),
        include_str!("../../../tests/fixtures/pages/sputnik-modern.txt"),
        include_str!("../../../tests/fixtures/pages/sputnik-portal.txt"),
    ];

    /// Each text, each but the first followed by an edited copy of the one
    /// before it (a dateline added, the last paragraph cut): 19 articles,
    /// whose copies raise the counts of texts stored before them.
    fn corpus() -> Vec<Article> {
        let mut articles = Vec::new();
        for (n, text) in TEXTS.iter().enumerate() {
            articles.push(Article {
                id: format!("original-{n}"),
                source: "fixtures".into(),
                body: (*text).into(),
                ..Article::default()
            });
            if let Some(before) = n.checked_sub(1).map(|b| TEXTS[b]) {
                let paragraphs: Vec<&str> = before.lines().filter(|l| !l.is_empty()).collect();
                let kept = &paragraphs[..paragraphs.len().saturating_sub(1).max(1)];
                articles.push(Article {
                    id: format!("copy-{n}"),
                    source: "outlet.example".into(),
                    body: format!("LONDON (Reuters) -\n{}", kept.join("\n")),
                    ..Article::default()
                });
            }
        }
        articles
    }

    /// Stores the corpus, saving the window after `saved_after` articles,
    /// and returns the store, the engine's own window at the end, and the
    /// saved file.
    async fn ingest(
        saved_after: usize,
        path: &Path,
        deleting: Option<&str>,
    ) -> (Arc<dyn Store>, Recent) {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
        let config = EngineConfig {
            match_window: WINDOW,
            ..EngineConfig::default()
        };
        let engine = Engine::open(Arc::clone(&store), config, None).expect("opens");
        for (n, article) in corpus().into_iter().enumerate() {
            engine.submit(article).await.expect("stored");
            if n + 1 == saved_after {
                engine.shared.read_recent().save(path).expect("saves");
            }
        }
        if let Some(id) = deleting {
            engine.delete(id).await.expect("deleted");
        }
        let live = engine.shared.read_recent();
        // The engine's window, copied through the file.
        let copy = path.with_extension("live");
        live.save(&copy).expect("saves");
        drop(live);
        let live = decode(&fs::read(&copy).expect("reads"))
            .and_then(|loaded| fits(loaded, &*store, WINDOW))
            .unwrap_or_else(|e| panic!("the live window reads back: {e}"));
        (store, live)
    }

    #[tokio::test]
    async fn a_saved_window_and_its_tail_are_the_window_read_from_the_store() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("window");
        // Saved in generation 1 (articles 9 to 16), with a tail that runs
        // into generation 2.
        let (store, live) = ingest(11, &path, None).await;
        let from_store = Recent::read_from(&*store, WINDOW, &TextConfig::default()).expect("reads");
        assert_eq!(from_store.size().articles, 11, "generations 1 and 2");
        assert!(
            live == from_store,
            "the window kept while ingesting is the one read from the store"
        );
        let (resumed, tail) =
            resume(&*store, WINDOW, &TextConfig::default(), &path).expect("the saved window fits");
        assert_eq!(tail, 8, "articles 12 to 19");
        assert!(resumed == from_store, "saved window + tail = store");
        // A window read again from its own file, with no tail.
        from_store.save(&path).expect("saves");
        let (reloaded, tail) =
            resume(&*store, WINDOW, &TextConfig::default(), &path).expect("fits");
        assert_eq!(tail, 0);
        assert!(reloaded == from_store);
    }

    #[tokio::test]
    async fn a_window_that_does_not_fit_the_store_is_set_aside() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("window");
        let (deleted, _) = ingest(19, &path, Some("copy-9")).await;
        assert!(
            matches!(
                resume(&*deleted, WINDOW, &TextConfig::default(), &path),
                Err(Unusable::Stale(_))
            ),
            "a window saved before a deletion"
        );
        let (store, _) = ingest(19, &path, None).await;
        let other_size = resume(&*store, WINDOW * 2, &TextConfig::default(), &path);
        assert!(matches!(other_size, Err(Unusable::Stale(_))), "window size");
        let empty = MemoryStore::default();
        assert!(
            matches!(
                resume(&empty, WINDOW, &TextConfig::default(), &path),
                Err(Unusable::Stale(_))
            ),
            "a window ahead of its store"
        );
        let mut bytes = fs::read(&path).expect("reads");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        fs::write(&path, &bytes).expect("writes");
        assert!(matches!(
            resume(&*store, WINDOW, &TextConfig::default(), &path),
            Err(Unusable::Damaged(_))
        ));
        bytes.truncate(20);
        fs::write(&path, &bytes).expect("writes");
        assert!(matches!(
            resume(&*store, WINDOW, &TextConfig::default(), &path),
            Err(Unusable::Damaged(_))
        ));
        fs::remove_file(&path).expect("removes");
        assert!(matches!(
            resume(&*store, WINDOW, &TextConfig::default(), &path),
            Err(Unusable::Missing)
        ));
    }
}
