//! Storage faults over real gRPC. The engine runs on the real sled store
//! seen through a fault-injection seam: a `Store` that forwards every call
//! to sled, except that on command it fails commits (disk full before the
//! write, or an I/O error after it), or fails reads. Each fault must reach
//! the client as UNAVAILABLE with a message, leave nothing half-written,
//! keep reads working where they can, and leave the store usable once the
//! fault clears.

mod common;

use std::sync::{
    atomic::{AtomicU8, Ordering},
    Arc,
};

use common::{request, seed, SEED_SPUTNIK, SEED_TALKS};
use tokio::net::TcpListener;
use tonic::{transport::Channel, Code};
use wirecopy::{
    api::pb::{self, article_service_client::ArticleServiceClient},
    engine::{Engine, EngineConfig},
    facts::FactId,
    matching::Origin,
    server::{serve, ServeOptions},
    store::{
        ArticleFact, ArticleRecord, CommitBatch, Committed, Instant, ParagraphRecord, SledStore,
        Store, StoreError, StoredEvent, DEFAULT_CACHE_BYTES,
    },
    text::Fingerprint,
};

const HEALTHY: u8 = 0;
/// Commits fail before anything is written (a full disk).
const DISK_FULL: u8 = 1;
/// Commits are applied, then report an I/O error (a failed flush).
const FAILS_AFTER_WRITE: u8 = 2;
/// Every read fails (a bad sector under the archive).
const READS_FAIL: u8 = 3;

struct FaultyStore {
    sled: SledStore,
    fault: Arc<AtomicU8>,
}

impl FaultyStore {
    fn fault(&self) -> u8 {
        self.fault.load(Ordering::SeqCst)
    }

    fn read(&self) -> Result<(), StoreError> {
        if self.fault() == READS_FAIL {
            return Err(injected("cannot read the archive"));
        }
        Ok(())
    }
}

fn injected(what: &str) -> StoreError {
    StoreError::Io(format!("injected fault: {what}"))
}

impl Store for FaultyStore {
    fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError> {
        self.read()?;
        self.sled.article(id)
    }
    fn article_id(&self, sequence: u64) -> Result<Option<String>, StoreError> {
        self.read()?;
        self.sled.article_id(sequence)
    }
    fn last_sequence(&self) -> Result<u64, StoreError> {
        self.sled.last_sequence()
    }
    fn dated_before(&self, before: Instant, limit: usize) -> Result<Vec<u64>, StoreError> {
        self.read()?;
        self.sled.dated_before(before, limit)
    }
    fn deletions(&self) -> Result<u64, StoreError> {
        self.sled.deletions()
    }
    fn is_deleted(&self, sequence: u64) -> Result<bool, StoreError> {
        self.read()?;
        self.sled.is_deleted(sequence)
    }
    fn paragraph(&self, fingerprint: &Fingerprint) -> Result<Option<ParagraphRecord>, StoreError> {
        self.read()?;
        self.sled.paragraph(fingerprint)
    }
    fn copies_of(&self, origin: Origin) -> Result<Vec<Origin>, StoreError> {
        self.sled.copies_of(origin)
    }
    fn each_paragraph_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(Fingerprint, ParagraphRecord),
    ) -> Result<(), StoreError> {
        self.sled.each_paragraph_since(first_article, visit)
    }
    fn each_article_since(
        &self,
        first_article: u64,
        visit: &mut dyn FnMut(&ArticleRecord, Vec<ArticleFact>),
    ) -> Result<(), StoreError> {
        self.sled.each_article_since(first_article, visit)
    }
    fn each_text_fingerprint(&self, visit: &mut dyn FnMut(&Fingerprint)) -> Result<(), StoreError> {
        self.sled.each_text_fingerprint(visit)
    }
    fn each_article_id(&self, visit: &mut dyn FnMut(&str)) -> Result<(), StoreError> {
        self.sled.each_article_id(visit)
    }
    fn each_fact_carrier(
        &self,
        visit: &mut dyn FnMut(&FactId, u64, Option<u64>),
    ) -> Result<(), StoreError> {
        self.sled.each_fact_carrier(visit)
    }
    fn article_facts(&self, sequence: u64) -> Result<Option<Vec<ArticleFact>>, StoreError> {
        self.read()?;
        self.sled.article_facts(sequence)
    }
    fn last_event_sequence(&self) -> Result<u64, StoreError> {
        self.sled.last_event_sequence()
    }
    fn events_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, StoredEvent)>, StoreError> {
        self.sled.events_after(after, limit)
    }
    fn isolated_lines(&self) -> Result<Vec<(Fingerprint, u32)>, StoreError> {
        self.sled.isolated_lines()
    }
    fn commit(&self, batch: &CommitBatch) -> Result<Committed, StoreError> {
        match self.fault() {
            DISK_FULL => Err(injected("no space left on device")),
            FAILS_AFTER_WRITE => {
                self.sled.commit(batch)?;
                Err(injected("flush failed"))
            }
            _ => self.sled.commit(batch),
        }
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.sled.flush()
    }
}

/// A server on the faulty store, and the switch for its faults.
struct Faulty {
    channel: Channel,
    fault: Arc<AtomicU8>,
    stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(dir: &std::path::Path) -> Faulty {
    let fault = Arc::new(AtomicU8::new(HEALTHY));
    let store = FaultyStore {
        sled: SledStore::open(dir, DEFAULT_CACHE_BYTES).expect("sled opens"),
        fault: Arc::clone(&fault),
    };
    let engine =
        Engine::open(Arc::new(store), EngineConfig::default(), None).expect("engine opens");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(
        listener,
        Arc::new(engine),
        ServeOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("url")
        .connect()
        .await
        .expect("connects");
    Faulty {
        channel,
        fault,
        stop,
    }
}

/// Every fact event sequence in the stream, read from the start.
async fn event_sequences(channel: Channel) -> Vec<u64> {
    let mut stream = common::replay(channel).await;
    let mut sequences = Vec::new();
    while let Ok(Ok(Some(event))) =
        tokio::time::timeout(std::time::Duration::from_millis(500), stream.message()).await
    {
        sequences.push(event.sequence);
    }
    sequences
}

fn assert_contiguous(sequences: &[u64]) {
    assert!(!sequences.is_empty(), "the fact stream is empty");
    let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
    assert_eq!(sequences, expected.as_slice(), "fact sequences have a gap");
}

#[tokio::test]
async fn storage_faults_are_unavailable_and_leave_nothing_half_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(dir.path()).await;
    let mut client = ArticleServiceClient::new(server.channel.clone());
    let (_, talks) = seed(SEED_TALKS);
    let (_, sputnik) = seed(SEED_SPUTNIK);
    let first = client
        .submit(request("talks", "armenpress", &talks))
        .await
        .expect("healthy submit")
        .into_inner();

    // A full disk: the write is refused, reads go on, nothing is stored.
    server.fault.store(DISK_FULL, Ordering::SeqCst);
    let status = client
        .submit(request("sputnik", "sputnik", &sputnik))
        .await
        .expect_err("a full disk refuses the write");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("no space left"), "{status:?}");
    let stored = client
        .get_article(pb::GetArticleRequest { id: "talks".into() })
        .await
        .expect("reads keep working")
        .into_inner();
    assert_eq!(stored.article.expect("article").body, talks);
    let status = client
        .get_article(pb::GetArticleRequest {
            id: "sputnik".into(),
        })
        .await
        .expect_err("nothing of the failed write is visible");
    assert_eq!(status.code(), Code::NotFound);

    // Failing reads: ingest does not read the archive (matching and
    // corroboration read the match window in memory), so a new copy still
    // goes in and is matched; only what must ask the archive, a
    // resubmitted id, gets UNAVAILABLE.
    server.fault.store(READS_FAIL, Ordering::SeqCst);
    let copied = client
        .submit(request(
            "copy-while-reads-fail",
            "reprint",
            &format!("MOSCOW (AP) - {talks}"),
        ))
        .await
        .expect("a submit reads nothing from the archive")
        .into_inner();
    assert_eq!(copied.canonical_id, "talks", "{copied:?}");
    let status = client
        .submit(request("talks", "armenpress", &talks))
        .await
        .expect_err("a resubmission must read the stored article");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("injected fault"), "{status:?}");

    // Healed: the refused article goes in with the next sequence.
    server.fault.store(HEALTHY, Ordering::SeqCst);
    let second = client
        .submit(request("sputnik", "sputnik", &sputnik))
        .await
        .expect("healed store takes writes")
        .into_inner();
    assert_eq!(second.sequence, copied.sequence + 1);
    assert_eq!(copied.sequence, first.sequence + 1);
    assert_contiguous(&event_sequences(server.channel.clone()).await);

    // A new story whose write lands but whose flush fails: the client is
    // told UNAVAILABLE, but the story is stored, so it joins the match
    // window (a copy of it is found) and its facts reach the stream.
    server.fault.store(FAILS_AFTER_WRITE, Ordering::SeqCst);
    let story = "Officials in Lisbon said on Monday that the new tram line along the river will open in March, two years late and forty million euros over budget, after months of disputes between the city council and the contractors over the cost of steel.";
    let status = client
        .submit(request("story", "lusa", story))
        .await
        .expect_err("a failed flush is reported");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    server.fault.store(HEALTHY, Ordering::SeqCst);
    let copy_of_story = client
        .submit(request(
            "story-copy",
            "reprint",
            &format!("LISBON (AP) - {story}"),
        ))
        .await
        .expect("writes go on")
        .into_inner();
    assert_eq!(copy_of_story.canonical_id, "story", "{copy_of_story:?}");
    assert_contiguous(&event_sequences(server.channel.clone()).await);

    // A write that lands but whose flush fails: the client is told
    // UNAVAILABLE, may retry, and the retry finds the article stored.
    server.fault.store(FAILS_AFTER_WRITE, Ordering::SeqCst);
    let copy = format!("MOSCOW (AP) - {talks}");
    let status = client
        .submit(request("copy", "reprint", &copy))
        .await
        .expect_err("a failed flush is reported");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    server.fault.store(HEALTHY, Ordering::SeqCst);
    let retried = client
        .submit(request("copy", "reprint", &copy))
        .await
        .expect("the retry is answered")
        .into_inner();
    assert_eq!(retried.verdict, pb::Verdict::Resubmitted as i32);
    let after = client
        .submit(request(
            "after",
            "x",
            "An unrelated story about the weather in Lisbon, with rain expected all week long.",
        ))
        .await
        .expect("writes go on")
        .into_inner();
    assert_eq!(
        after.sequence,
        retried.sequence + 1,
        "sequences go on after the stored one"
    );
    assert_contiguous(&event_sequences(server.channel.clone()).await);
    let _ = server.stop.send(());
}
