//! The engine: wirecopy's operations, independent of gRPC.
//!
//! It validates articles, runs the text pipeline on the prepare threads,
//! hands prepared articles to the single [`writer`] for matching and a
//! durable group commit, and answers reads straight from the store. The
//! match window ([`recent`]), all that matching reads, lives here in memory
//! and is loaded from the store when the engine opens. The gRPC layer calls
//! these methods and nothing below them.

mod analysis;
mod deletion;
mod duplicates;
mod fact_events;
mod live_events;
mod prepare_pool;
mod read_set;
mod recent;
mod report;
mod retention;
mod subscription;
mod view;
mod writer;

pub use deletion::Deleted;
pub use report::{
    CreditReport, Duplicates, ParagraphReport, PassageReport, RelatedArticle, Relation,
    StoredArticle, Submission,
};
pub use retention::Retention;

pub use subscription::{Delivery, EventKind, FactEvent, FactFilter};

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard,
    },
    thread::JoinHandle,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use crate::{
    article::{validate_id, Article, Limits},
    error::Error,
    facts::{extract_facts, Fact},
    matching::MatchConfig,
    store::{ArticleRecord, CommitBatch, FactEventKind, Instant, Store, StoreError},
    text::{prepare_body, Fingerprint, TextConfig},
};
use analysis::PreparedArticle;
use prepare_pool::{PreparePool, Refused};
use recent::Recent;
use view::TextCache;
use writer::{Job, Sequences, Work};

/// Stored paragraph texts kept in memory for alignment: about 20 bytes a
/// word (shingle positions and word spans), some 1.3 KB for a BBC
/// paragraph, so about 43 MB in all.
const TEXT_CACHE_PARAGRAPHS: usize = 32_768;

/// Everything the engine can be tuned with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineConfig {
    /// Text pipeline settings.
    pub text: TextConfig,
    /// Matcher thresholds.
    pub matching: MatchConfig,
    /// Input limits.
    pub limits: Limits,
    /// Most articles in one group commit.
    pub max_batch: usize,
    /// Submits that may wait for the writer before callers queue up.
    pub queue_depth: usize,
    /// Articles that may wait for analysis; more are refused with
    /// RESOURCE_EXHAUSTED rather than held in memory.
    pub analysis_queue: usize,
    /// Fact events kept in memory for subscribers. One that falls further
    /// behind catches up from the store, which costs far more: the ring is
    /// shared, so a large one is cheap (an event is a pointer in the ring
    /// plus the event itself, about 400 bytes).
    pub live_buffer: usize,
    /// Fact subscriptions open at once; one more is refused as overload.
    pub max_subscribers: usize,
    /// Articles whose paragraphs are matched: the most recent, between
    /// half this many and this many (see [`recent`]). The default, 20,000,
    /// holds some 170,000 paragraphs, about 0.2 GiB; a million articles in
    /// the archive then fit the memory the scale run is held to.
    pub match_window: u64,
    /// Delete articles past an age (none: keep everything).
    pub retention: Option<Retention>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            text: TextConfig::default(),
            matching: MatchConfig::default(),
            limits: Limits::default(),
            max_batch: 512,
            queue_depth: 512,
            analysis_queue: 512,
            live_buffer: 32_768,
            max_subscribers: 1024,
            match_window: 20_000,
            retention: None,
        }
    }
}

/// State shared by the callers and the writer.
pub(crate) struct Shared {
    pub store: Arc<dyn Store>,
    pub config: EngineConfig,
    /// What matching reads: the committed match window.
    recent: RwLock<Recent>,
    /// Where the window is saved for the next start, if anywhere.
    window_file: Option<PathBuf>,
    /// Aligned texts of recently stored or matched paragraphs.
    texts: TextCache,
    /// The latest fact events, published after each durable commit.
    pub live: live_events::LiveEvents,
    /// The last durable fact event sequence.
    head: AtomicU64,
    /// Group commits that stored articles, since the engine opened.
    groups: AtomicU64,
    /// Stored articles whose early analysis was kept, and those analysed
    /// again at admit, since the engine opened.
    analyses_kept: AtomicU64,
    analyses_redone: AtomicU64,
    /// Set when the server stops, to end subscriptions.
    pub stopping: watch::Sender<bool>,
    /// One permit per open subscription.
    subscribers: Arc<Semaphore>,
}

impl Shared {
    // The writer changes the window only between complete steps (a group
    // applied, a generation started), so a panic elsewhere cannot leave it
    // half-updated: a poisoned lock is used as is.
    fn read_recent(&self) -> RwLockReadGuard<'_, Recent> {
        self.recent
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_recent(&self) -> RwLockWriteGuard<'_, Recent> {
        self.recent
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// True when the paragraph text is learned boilerplate.
    pub(crate) fn is_learned_boilerplate(&self, fingerprint: &Fingerprint) -> bool {
        self.read_recent()
            .isolated()
            .get(fingerprint)
            .is_some_and(|count| self.config.matching.boilerplate.is_learned(*count))
    }

    /// Counts the analysis of an article about to be stored.
    fn count_analysis(&self, kept_early: bool) {
        let counter = if kept_early {
            &self.analyses_kept
        } else {
            &self.analyses_redone
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A view of the committed window alone (no group in flight).
    fn view<'a>(&'a self, recent: &'a Recent) -> view::StoreView<'a> {
        view::StoreView {
            store: self.store.as_ref(),
            recent,
            pending: None,
            text: &self.config.text,
            texts: &self.texts,
            boilerplate: self.config.matching.boilerplate,
            reads: None,
        }
    }

    /// Moves the head to the batch's last event and hands its events (an
    /// article's facts, a deletion's notices) to live subscribers. Called
    /// by the writer once the batch is durable.
    fn publish(&self, batch: &CommitBatch) {
        let last_event = batch.events.last().map(|(sequence, _)| *sequence);
        let last_notice = batch.notices.last().map(|(sequence, _)| *sequence);
        let Some(last) = last_event.max(last_notice) else {
            return;
        };
        // In the ring before the head moves: a subscriber starting at the
        // head must find every event before it in the ring or the store.
        // With nobody subscribed, the events are not even built.
        if self.subscribers.available_permits() >= self.config.max_subscribers {
            self.live.pass(last);
            self.head.store(last, Ordering::Release);
            return;
        }
        // The writer pushes an article's record and its facts together.
        let mut events = Vec::with_capacity(batch.events.len() + batch.notices.len());
        for (record, (_, facts)) in batch.articles.iter().zip(&batch.article_facts) {
            events.extend(facts.iter().map(|fact| {
                let event = FactEvent {
                    sequence: fact.sequence,
                    kind: fact.event.into(),
                    fact_id: fact.fact.id,
                    fact: Some(fact.fact.clone()),
                    article_id: record.id.clone(),
                    source: record.source.clone(),
                    encoded: OnceLock::new(),
                };
                (Some(record.sequence), Arc::new(event))
            }));
        }
        events.extend(batch.notices.iter().map(|(sequence, notice)| {
            let event = FactEvent {
                sequence: *sequence,
                kind: notice.kind.into(),
                fact_id: notice.fact,
                fact: None,
                article_id: notice.article_id.clone(),
                source: notice.source.clone(),
                encoded: OnceLock::new(),
            };
            (None, Arc::new(event))
        }));
        let deleted = batch.deletions.iter().map(|d| d.sequence).collect();
        self.live.publish(events, &deleted);
        self.head.store(last, Ordering::Release);
    }
}

/// An article ready for the writer (see [`Engine::prepare`]), with its
/// early analysis.
pub struct Prepared(PreparedArticle, Option<analysis::EarlyAnalysis>);

/// Where the analyses of stored articles were made (see
/// [`Engine::analyses`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Analyses {
    /// On the prepare threads, in parallel, and kept at admit.
    pub parallel: u64,
    /// By the writer at admit, because something the early analysis read
    /// had changed (or none was made).
    pub at_admit: u64,
}

/// The outcome of a queued submit, ready once its group is durable.
pub struct Ticket(oneshot::Receiver<Result<Submission, Error>>);

impl Ticket {
    /// Waits for the article to be stored (or refused).
    pub async fn outcome(self) -> Result<Submission, Error> {
        self.0.await.map_err(|_| Error::ShuttingDown)?
    }
}

/// wirecopy's operations over one store.
pub struct Engine {
    shared: Arc<Shared>,
    jobs: Mutex<Option<mpsc::Sender<Work>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// The retention thread and what stops it, when a policy is set.
    retention: Mutex<Option<(std::sync::mpsc::Sender<()>, JoinHandle<()>)>>,
    preparers: PreparePool,
}

impl Engine {
    /// Opens the engine over `store` and starts the writer thread. The
    /// match window is loaded from `window_file` where it was saved (and
    /// what the store committed since), else from the store; the writer
    /// saves it there when a generation starts and when the engine closes.
    pub fn open(
        store: Arc<dyn Store>,
        config: EngineConfig,
        window_file: Option<PathBuf>,
    ) -> Result<Engine, Error> {
        let recent = Recent::open(
            store.as_ref(),
            config.match_window,
            &config.text,
            window_file.as_deref(),
        )?;
        let head = store.last_event_sequence()?;
        let next = Sequences {
            article: store.last_sequence()? + 1,
            event: head + 1,
        };
        let shared = Arc::new(Shared {
            store,
            config,
            recent: RwLock::new(recent),
            window_file,
            texts: TextCache::new(TEXT_CACHE_PARAGRAPHS),
            live: live_events::LiveEvents::new(config.live_buffer, head),
            head: AtomicU64::new(head),
            groups: AtomicU64::new(0),
            analyses_kept: AtomicU64::new(0),
            analyses_redone: AtomicU64::new(0),
            stopping: watch::Sender::new(false),
            subscribers: Arc::new(Semaphore::new(config.max_subscribers)),
        });
        let (sender, receiver) = mpsc::channel(config.queue_depth.max(1));
        let writer_shared = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("wirecopy-writer".into())
            .spawn(move || writer::run(writer_shared, receiver, next))
            .map_err(|e| StoreError::Io(format!("cannot start the writer thread: {e}")))?;
        let retention = match config.retention {
            Some(policy) => {
                let (stop, stopped) = std::sync::mpsc::channel();
                let retention_shared = Arc::clone(&shared);
                let work = sender.clone();
                let thread = std::thread::Builder::new()
                    .name("wirecopy-retention".into())
                    .spawn(move || retention::run(retention_shared, policy, work, stopped))
                    .map_err(|e| {
                        StoreError::Io(format!("cannot start the retention thread: {e}"))
                    })?;
                Some((stop, thread))
            }
            None => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let text = config.text;
        let preparers =
            PreparePool::new(cores, config.analysis_queue.max(1), move || warm_up(text))
                .map_err(|e| StoreError::Io(format!("cannot start the prepare threads: {e}")))?;
        Ok(Engine {
            shared,
            jobs: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
            retention: Mutex::new(retention),
            preparers,
        })
    }

    /// Analyses and durably stores `article`.
    pub async fn submit(&self, article: Article) -> Result<Submission, Error> {
        self.enqueue(article).await?.outcome().await
    }

    /// Validates `article` and queues it for the writer, returning a ticket
    /// for its outcome. Articles are stored in the order they are queued,
    /// so a stream that enqueues in request order and awaits tickets later
    /// gets group commits without giving up ordering.
    pub async fn enqueue(&self, article: Article) -> Result<Ticket, Error> {
        let prepared = self.prepare(article).await?;
        self.enqueue_prepared(prepared).await
    }

    /// Validates `article`, runs the text pipeline and the fact extractor on
    /// it and analyses it against the committed window, on the engine's
    /// prepare threads: the CPU-heavy part of a submit. Several may run at
    /// once; queue the results with [`Engine::enqueue_prepared`] in the
    /// order wanted.
    pub async fn prepare(&self, article: Article) -> Result<Prepared, Error> {
        let shared = Arc::clone(&self.shared);
        self.on_prepare_pool(move || {
            let prepared = prepare_article(&shared, article)?;
            let early = analysis::analyse_early(&shared, &prepared);
            Ok(Prepared(prepared, early))
        })
        .await
    }

    /// Runs `work` on the prepare threads; refused at once when their
    /// queue is full.
    async fn on_prepare_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let answer = self.preparers.run(work).map_err(|refused| match refused {
            Refused::Full => Error::Overloaded(format!(
                "{} articles are already waiting to be analysed; retry later",
                self.shared.config.analysis_queue
            )),
            Refused::Closed => Error::ShuttingDown,
        })?;
        // The pool finishes what it queued before it stops, so an answer
        // that never comes is a task that panicked.
        answer
            .await
            .map_err(|_| Error::task_failed("analysing the article", "its worker panicked"))?
    }

    /// Queues a prepared article for the writer; articles are stored in the
    /// order they are queued.
    pub async fn enqueue_prepared(&self, prepared: Prepared) -> Result<Ticket, Error> {
        let Prepared(prepared, early) = prepared;
        let (reply, answer) = oneshot::channel();
        self.send_work(Work::Submit(Box::new(Job {
            prepared,
            early,
            reply,
        })))
        .await?;
        Ok(Ticket(answer))
    }

    /// Deletes the stored article `id` (see [`deletion`]): once this
    /// returns, it answers NOT_FOUND, is no source for what comes later,
    /// and its facts' events are durable. Runs after every submit queued
    /// before it.
    pub async fn delete(&self, id: &str) -> Result<Deleted, Error> {
        validate_id("id", id)?;
        let (reply, answer) = oneshot::channel();
        self.send_work(Work::Delete {
            id: id.to_owned(),
            reply,
        })
        .await?;
        answer.await.map_err(|_| Error::ShuttingDown)?
    }

    async fn send_work(&self, work: Work) -> Result<(), Error> {
        let sender = self
            .jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or(Error::ShuttingDown)?;
        sender.send(work).await.map_err(|_| Error::ShuttingDown)
    }

    /// Answers what [`Engine::submit`] would answer for `article` now,
    /// storing nothing: RESUBMITTED for an identical stored article,
    /// ALREADY_EXISTS for a conflicting one, the analysis otherwise.
    /// The work runs on the prepare threads, behind their bounded queue.
    pub async fn analyze(&self, article: Article) -> Result<Submission, Error> {
        let shared = Arc::clone(&self.shared);
        self.on_prepare_pool(move || {
            let prepared = prepare_article(&shared, article)?;
            let recent = shared.read_recent();
            let view = shared.view(&recent);
            if let Some(answer) = analysis::stored_answer(&view, None, &prepared)? {
                return answer;
            }
            let analysis = analysis::analyse(&shared, &view, &prepared)?;
            Ok(analysis.report(&prepared.article.id, 0, &view)?)
        })
        .await
    }

    /// The facts of the article `id`, each with whether it was new or a
    /// corroboration when the article was stored.
    pub fn list_facts(&self, id: &str) -> Result<Vec<(Fact, FactEventKind)>, Error> {
        let record = self.stored(id)?;
        let facts = self
            .shared
            .store
            .article_facts(record.sequence)?
            .unwrap_or_default();
        Ok(facts.into_iter().map(|f| (f.fact, f.event)).collect())
    }

    /// The last durable fact event sequence (0 before the first).
    pub fn fact_head(&self) -> u64 {
        self.shared.head.load(Ordering::Acquire)
    }

    /// Group commits that stored articles since the engine opened: with the
    /// articles stored, how well submits share their writes and flushes.
    pub fn commit_groups(&self) -> u64 {
        self.shared.groups.load(Ordering::Relaxed)
    }

    /// Where the analyses of the articles stored since the engine opened
    /// were made: how much of the matching ran in parallel.
    pub fn analyses(&self) -> Analyses {
        Analyses {
            parallel: self.shared.analyses_kept.load(Ordering::Relaxed),
            at_admit: self.shared.analyses_redone.load(Ordering::Relaxed),
        }
    }

    /// Subscribes to the fact stream after event `after` (0 for the
    /// beginning); `None` starts at the current head. A cursor beyond the
    /// head is OUT_OF_RANGE.
    pub fn subscribe(
        &self,
        after: Option<u64>,
        filter: FactFilter,
        heartbeat: Duration,
    ) -> Result<mpsc::Receiver<Vec<Delivery>>, Error> {
        let head = self.fact_head();
        let after = after.unwrap_or(head);
        if after > head {
            return Err(Error::OutOfRange {
                field: "after_sequence",
                message: format!("{after} is beyond the head of the stream, {head}"),
            });
        }
        let permit = Arc::clone(&self.shared.subscribers)
            .try_acquire_owned()
            .map_err(|_| {
                Error::Overloaded(format!(
                    "{} fact subscriptions are open, the most this server takes",
                    self.shared.config.max_subscribers
                ))
            })?;
        Ok(subscription::start(
            Arc::clone(&self.shared),
            after,
            filter,
            heartbeat,
            permit,
        ))
    }

    /// Ends every subscription (the server is stopping).
    pub fn end_subscriptions(&self) {
        self.shared.stopping.send_replace(true);
    }

    /// The stored article with `id`, body reassembled byte for byte.
    pub fn get_article(&self, id: &str) -> Result<StoredArticle, Error> {
        let store = self.shared.store.as_ref();
        let record = self.stored(id)?;
        let body = analysis::reassemble_body(store, &record)?;
        let analysis = report::submission(
            &record.id,
            record.sequence,
            &record.analysis,
            &report::StoredNames(store),
        )?;
        Ok(StoredArticle {
            article: Article {
                id: record.id,
                source: record.source,
                url: record.url,
                title: record.title,
                body,
                html: String::new(),
                published_at: record.published_at,
                language: record.language,
                labels: record.labels,
            },
            analysis,
            first_seen: record.first_seen,
        })
    }

    /// The sequence of the last stored article (0 when there is none).
    pub fn last_sequence(&self) -> Result<u64, Error> {
        Ok(self.shared.store.last_sequence()?)
    }

    /// Up to `limit` stored articles with sequences after `after` and up
    /// to `until`, in storage order, each as [`Engine::get_article`]
    /// returns it. An export reads the store page by page with this, so
    /// its memory does not grow with the store.
    pub fn articles_between(
        &self,
        after: u64,
        until: u64,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, Error> {
        let store = self.shared.store.as_ref();
        let mut page = Vec::new();
        let mut sequence = after;
        while page.len() < limit && sequence < until {
            sequence += 1;
            if let Some(id) = store.article_id(sequence)? {
                page.push(self.get_article(&id)?);
            }
        }
        Ok(page)
    }

    /// Articles sharing copied text with the article `id`.
    pub fn duplicates(&self, id: &str) -> Result<Duplicates, Error> {
        let record = self.stored(id)?;
        duplicates::related_articles(&self.shared, &record)
    }

    /// The stored record of the article `id`, which a reader named.
    fn stored(&self, id: &str) -> Result<ArticleRecord, Error> {
        validate_id("id", id)?;
        self.shared
            .store
            .article(id)?
            .ok_or_else(|| Error::NotFound(id.to_owned()))
    }

    /// Stops taking submits, lets the writer finish what is queued, and
    /// flushes. Safe to call more than once.
    pub fn close(&self) -> Result<(), Error> {
        self.end_subscriptions();
        // First, so that it lets go of its way to the writer; a deletion it
        // has handed over is finished by the writer.
        let retention = self
            .retention
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some((stop, thread)) = retention {
            drop(stop);
            if thread.join().is_err() {
                tracing::error!("the retention thread panicked");
            }
        }
        self.preparers.close();
        drop(
            self.jobs
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take(),
        );
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(writer) = writer {
            if writer.join().is_err() {
                tracing::error!("the writer thread panicked");
            }
        }
        self.shared.store.flush()?;
        Ok(())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Err(error) = self.close() {
            tracing::error!(%error, "closing the engine failed");
        }
    }
}

/// A paragraph that reaches every extractor (a credit line, a quote with
/// its speaker and title, places, an organisation, dates, quantities).
const WARM_UP_TEXT: &str = "MOSCOW, December 1 (Sputnik) - \
    \"We are interested in seeing these issues solved as soon as possible,\" \
    Russian Foreign Minister Sergey Lavrov told reporters in Moscow on Tuesday, \
    after talks with the United Nations about 1,200 prisoners and $3 million in aid.";

/// Runs the text pipeline and the fact extractors once on
/// [`WARM_UP_TEXT`]. The first article after start otherwise pays for the
/// gazetteer and the lazily compiled patterns (about 0.2 s measured) and
/// each thread's regex caches (tens of milliseconds).
fn warm_up(text: TextConfig) {
    let body = prepare_body(WARM_UP_TEXT, &text);
    let _ = extract_facts(WARM_UP_TEXT, &body, None);
}

/// Validation, the text pipeline and fact extraction for one article.
fn prepare_article(shared: &Shared, article: Article) -> Result<PreparedArticle, Error> {
    let article = article.extract_html()?;
    article.validate(&shared.config.limits)?;
    let body = prepare_body(&article.body, &shared.config.text);
    let published = article
        .published_at
        .and_then(|t| {
            chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
        })
        .map(|time| time.date_naive());
    let facts = extract_facts(&article.body, &body, published);
    let digest = article.content_digest();
    Ok(PreparedArticle {
        article,
        body,
        facts,
        digest,
        received: now(),
    })
}

fn now() -> Instant {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Instant {
        seconds: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(since_epoch.subsec_nanos()).unwrap_or(0),
    }
}
