//! The single writer and its group commit.
//!
//! Every submit is stored by one thread, in arrival order. That order is
//! what makes "earlier" well defined: an article is matched against
//! everything acknowledged before it, including the articles ahead of it
//! in the same group. Articles arrive analysed already, in parallel on the
//! prepare threads against the committed window; the writer takes whatever
//! has queued up (up to `max_batch` articles) and, for each, keeps that
//! analysis when nothing it read was written since (see
//! [`super::read_set`]) or analyses it again against the window and the
//! group ahead of it, and then *admits* it: assigns its sequence and adds
//! its writes to the group. The group is written in one atomic batch,
//! flushed once, and only then added to the match window and answered.
//! Under load, one flush serves hundreds of articles; alone, an article
//! waits for exactly one flush.

use std::sync::{atomic::Ordering, Arc};

use tokio::sync::{mpsc, oneshot};

use super::{
    analysis::{
        analyse, stored_answer, Analysis, EarlyAnalysis, EarlyOutcome, ParagraphFate,
        PreparedArticle,
    },
    deletion::{self, Deleted},
    duplicates::filing_origins,
    read_set::{self, RecentWrites, ViewPoint},
    recent::{Recent, RecentParagraph, WindowFact},
    report::Submission,
    view::{Pending, PendingArticle, StoreView},
    Shared,
};
use crate::{
    error::Error,
    facts::Fact,
    matching::{passages::StoredText, ArticleMatch, MatchKind, Origin},
    store::{
        ArticleFact, ArticleRecord, CommitBatch, EventRecord, FactEventKind, ParagraphRecord,
        StoreError,
    },
};

/// The next free article and fact-event sequences.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sequences {
    pub article: u64,
    pub event: u64,
}

/// Admitted articles whose writes the writer keeps for checking early
/// analyses (some 2 KB each): more than the prepare queue and the writer's
/// queue hold together, so that an analysis is only redone when something
/// it read has changed.
const WRITES_KEPT: usize = 4096;

/// A request to the writer.
pub(crate) struct Job {
    pub prepared: PreparedArticle,
    /// Its analysis on a prepare thread, if one was made.
    pub early: Option<EarlyAnalysis>,
    pub reply: oneshot::Sender<Result<Submission, Error>>,
}

/// What the writer is asked to do, in the order asked.
pub(crate) enum Work {
    /// Store an article (in a group with the submits around it). Boxed:
    /// a prepared article is large, a deletion small.
    Submit(Box<Job>),
    /// Delete the article with this id, alone, after every submit queued
    /// before it.
    Delete {
        id: String,
        reply: oneshot::Sender<Result<Deleted, Error>>,
    },
}

/// The outcome of one job before the group is committed.
enum Outcome {
    /// Stored (pending commit); the report is ready.
    Stored(Submission),
    /// Nothing to write; answer now.
    Answered(Result<Submission, Error>),
}

/// Runs the writer loop until the channel closes.
pub(crate) fn run(shared: Arc<Shared>, mut work: mpsc::Receiver<Work>, mut next: Sequences) {
    let max_batch = shared.config.max_batch.max(1);
    let mut written = RecentWrites::new(next.article, WRITES_KEPT);
    loop {
        let mut group = Vec::new();
        let mut deletion = None;
        match work.blocking_recv() {
            Some(Work::Submit(job)) => group.push(*job),
            Some(Work::Delete { id, reply }) => deletion = Some((id, reply)),
            None => {
                // The engine is closing: the next start reads no tail.
                save_window(&shared);
                return;
            }
        }
        while deletion.is_none() && group.len() < max_batch {
            match work.try_recv() {
                Ok(Work::Submit(job)) => group.push(*job),
                Ok(Work::Delete { id, reply }) => deletion = Some((id, reply)),
                Err(_) => break,
            }
        }
        // A group may end early (where a generation of the window starts):
        // what it leaves goes in the next, before a deletion queued after it.
        while !group.is_empty() {
            let (after, rest) = commit_group(&shared, group, next, &mut written);
            next = after;
            group = rest;
        }
        if let Some((id, reply)) = deletion {
            // The caller may have gone away; the deletion stands.
            let _ = reply.send(delete(&shared, &id, &mut next));
        }
    }
}

/// Deletes the article `id` in one commit of its own, then updates the
/// window and tells live subscribers.
fn delete(shared: &Shared, id: &str, next: &mut Sequences) -> Result<Deleted, Error> {
    let plan = deletion::plan(shared.store.as_ref(), &shared.read_recent(), id, next.event)?;
    let committed = shared.store.commit(&plan.batch);
    let applied = match &committed {
        Ok(_) => true,
        // Only the flush may have failed after an atomic apply: ask.
        Err(_) => shared
            .store
            .is_deleted(plan.deleted.sequence)
            .unwrap_or(false),
    };
    if applied {
        next.event += plan.batch.notices.len() as u64;
        shared.write_recent().remove_deleted(&plan.window);
        shared.publish(&plan.batch);
    }
    committed?;
    Ok(plan.deleted)
}

/// Saves the match window to its file, if it has one (see
/// [`super::recent`]). A failure costs the next start time, never data: it
/// is logged, not returned.
fn save_window(shared: &Shared) {
    let Some(path) = &shared.window_file else {
        return;
    };
    let started = std::time::Instant::now();
    match shared.read_recent().save(path) {
        Ok(bytes) => tracing::debug!(
            bytes,
            ms = started.elapsed().as_millis(),
            "match window saved"
        ),
        Err(error) => tracing::warn!(
            %error,
            file = %path.display(),
            "saving the match window failed; the next start reads it from the store"
        ),
    }
}

/// A group being assembled: what its admitted articles write, and the
/// writer's record of those writes for checking early analyses.
struct Group<'w> {
    pending: Pending,
    batch: CommitBatch,
    next: Sequences,
    written: &'w mut RecentWrites,
}

/// Admits, writes and acknowledges one group, then publishes its fact
/// events; returns the next free sequences and the jobs left for the next
/// group (a group ends where a generation of the match window starts).
fn commit_group(
    shared: &Shared,
    jobs: Vec<Job>,
    first: Sequences,
    written: &mut RecentWrites,
) -> (Sequences, Vec<Job>) {
    let started = std::time::Instant::now();
    {
        let recent = shared.read_recent();
        let generation = recent.generation_of(first.article);
        if generation != recent.current_generation() {
            drop(recent);
            shared.write_recent().start_generation(generation);
            // A restart after a crash then reads at most this generation
            // from the store.
            save_window(shared);
        }
    }
    let mut group = Group {
        pending: Pending::default(),
        batch: CommitBatch::default(),
        next: first,
        written,
    };
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    let mut carried = Vec::new();
    {
        let recent = shared.read_recent();
        let generation = recent.current_generation();
        while let Some(job) = jobs.next() {
            if !group.pending.is_empty() && recent.generation_of(group.next.article) != generation {
                carried.push(job);
                carried.extend(jobs.by_ref());
                break;
            }
            match ingest(shared, &recent, &job.prepared, job.early, &mut group) {
                Ok(outcome) => outcomes.push((job.reply, outcome)),
                Err(error) => {
                    // A read failed with this article's writes half added
                    // to the group: commit none of the group rather than
                    // some of an article. Its callers get the error and may
                    // retry.
                    fail_group(outcomes, jobs, job.reply, error);
                    group.written.reset(first.article);
                    return (first, carried);
                }
            }
        }
    }
    let Group {
        mut pending,
        mut batch,
        mut next,
        written,
    } = group;
    fill_batch(&pending, &mut batch);
    let analysed = started.elapsed();
    let committed = shared.store.commit(&batch);
    tracing::debug!(
        articles = outcomes.len(),
        analyse_us = analysed.as_micros(),
        commit_us = (started.elapsed() - analysed).as_micros(),
        "group committed"
    );
    let applied = match &committed {
        Ok(_) => true,
        // The batch applies atomically, but a failed flush may follow a
        // successful apply: ask the store where the sequences stand rather
        // than assume the group left no trace. What it holds is what the
        // window and the stream head must show, durable or not; the
        // callers still hear of the failure and a retry is RESUBMITTED.
        Err(error) => match stored_sequences(shared) {
            Ok(stored) if stored.article == next.article && stored.event == next.event => {
                tracing::error!(%error, "a group commit was applied but its flush failed");
                true
            }
            Ok(stored) => {
                next = stored;
                false
            }
            Err(_) => {
                next = first;
                false
            }
        },
    };
    if applied {
        for (fingerprint, text) in pending.new_texts.drain(..) {
            shared.texts.insert(fingerprint, text);
        }
        shared.write_recent().apply(pending);
        shared.publish(&batch);
        if !batch.articles.is_empty() {
            shared.groups.fetch_add(1, Ordering::Relaxed);
        }
    } else {
        // Its sequences will be given again.
        written.reset(next.article);
    }
    for (reply, outcome) in outcomes {
        let answer = match outcome {
            Outcome::Answered(answer) => answer,
            Outcome::Stored(report) => match &committed {
                Ok(_) => Ok(report),
                Err(error) => Err(Error::Storage(error.clone())),
            },
        };
        // The caller may have gone away (client cancelled); the article is
        // stored all the same, which a retry will see as RESUBMITTED.
        let _ = reply.send(answer);
    }
    (next, carried)
}

/// The group's paragraph writes, from its final state: new texts whole,
/// known ones only their new count; and its boilerplate evidence counts.
fn fill_batch(pending: &Pending, batch: &mut CommitBatch) {
    batch.paragraphs = pending
        .new_paragraphs
        .iter()
        .map(|(fingerprint, paragraph, _)| {
            (
                *fingerprint,
                ParagraphRecord {
                    text: paragraph.text.to_string(),
                    first: paragraph.first,
                    offset: paragraph.offset,
                    origin: paragraph.origin,
                    article_count: paragraph.article_count,
                },
            )
        })
        .collect();
    batch.paragraph_counts = pending
        .counted
        .iter()
        .map(|(fingerprint, (first, count))| (*fingerprint, *first, *count))
        .collect();
    batch.paragraph_counts.sort_unstable();
    batch.relocated.clone_from(&pending.relocated);
    batch.isolated = pending.isolated.iter().map(|(f, n)| (*f, *n)).collect();
    batch.isolated.sort_unstable();
}

/// Answers every caller of a group that is not committed: `error` to the
/// article that failed and to those stored before it in the group, which
/// are not written either; the ones not yet read get the same error.
fn fail_group(
    outcomes: Vec<(oneshot::Sender<Result<Submission, Error>>, Outcome)>,
    rest: impl Iterator<Item = Job>,
    failed: oneshot::Sender<Result<Submission, Error>>,
    error: Error,
) {
    tracing::error!(%error, "a group commit failed while analysing; nothing of it was written");
    let message = error.to_string();
    let unwritten = || Error::Storage(StoreError::Io(format!("not stored: {message}")));
    for (reply, outcome) in outcomes {
        let _ = reply.send(match outcome {
            Outcome::Answered(answer) => answer,
            Outcome::Stored(_) => Err(unwritten()),
        });
    }
    for job in rest {
        let _ = job.reply.send(Err(unwritten()));
    }
    let _ = failed.send(Err(error));
}

/// The next free sequences according to the store.
fn stored_sequences(shared: &Shared) -> Result<Sequences, StoreError> {
    Ok(Sequences {
        article: shared.store.last_sequence()? + 1,
        event: shared.store.last_event_sequence()? + 1,
    })
}

/// Admits one article: keeps its early analysis when that still holds,
/// else analyses it against the committed window and the pending group;
/// then its writes join the group.
fn ingest(
    shared: &Shared,
    recent: &Recent,
    prepared: &PreparedArticle,
    early: Option<EarlyAnalysis>,
    group: &mut Group<'_>,
) -> Result<Outcome, Error> {
    let now = ViewPoint::of(recent);
    let early = early.filter(|early| group.written.still_valid(&early.point, &early.reads, &now));
    let kept = early.is_some();
    let analysis = match early.map(|early| early.outcome) {
        Some(EarlyOutcome::Answered(answer)) => return Ok(Outcome::Answered(answer)),
        Some(EarlyOutcome::Analysed(analysis)) => analysis,
        None => {
            let view = StoreView {
                pending: Some(&group.pending),
                ..shared.view(recent)
            };
            if let Some(answer) =
                stored_answer(&view, Some((&group.pending, &group.batch)), prepared)?
            {
                return Ok(Outcome::Answered(answer));
            }
            analyse(shared, &view, prepared)?
        }
    };
    shared.count_analysis(kept);
    let sequence = admit(
        recent,
        prepared,
        &analysis,
        &mut group.pending,
        &mut group.batch,
        &mut group.next,
    );
    group
        .written
        .record(sequence, written_keys(prepared, &analysis));
    let view = StoreView {
        pending: Some(&group.pending),
        ..shared.view(recent)
    };
    let report = analysis.report(&prepared.article.id, sequence, &view)?;
    Ok(Outcome::Stored(report))
}

/// The keys admitting `analysis` writes (see [`super::read_set`]): the
/// paragraphs it stores or counts and the anchors it indexes, the evidence
/// counts it raises, the facts it creates, its id.
fn written_keys(prepared: &PreparedArticle, analysis: &Analysis) -> Vec<u64> {
    let mut keys = vec![read_set::article_key(&prepared.article.id)];
    keys.extend(
        analysis
            .matched
            .boilerplate_evidence
            .iter()
            .map(read_set::evidence_key),
    );
    for (paragraph, fate) in prepared.body.paragraphs.iter().zip(&analysis.fates) {
        if *fate == ParagraphFate::Repeat {
            continue;
        }
        keys.push(read_set::paragraph_key(&paragraph.fingerprint));
        let indexed = matches!(fate, ParagraphFate::New | ParagraphFate::Archived(_));
        if indexed && paragraph.is_evidence {
            keys.extend(paragraph.anchors.iter().map(|a| read_set::anchor_key(*a)));
        }
    }
    keys.extend(
        analysis
            .facts
            .iter()
            .filter(|(_, event)| *event == FactEventKind::Created)
            .map(|(fact, _)| read_set::fact_key(&fact.id)),
    );
    keys
}

/// Adds an analysed article's writes to the group under the next sequence,
/// which it returns: the write half of a submit.
fn admit(
    recent: &Recent,
    prepared: &PreparedArticle,
    analysis: &Analysis,
    pending: &mut Pending,
    batch: &mut CommitBatch,
    next: &mut Sequences,
) -> u64 {
    let sequence = next.article;
    next.article += 1;
    let article = &prepared.article;
    for line in &analysis.matched.boilerplate_evidence {
        let count = pending
            .isolated
            .get(line)
            .or_else(|| recent.isolated().get(line))
            .copied()
            .unwrap_or(0);
        pending.isolated.insert(*line, count.saturating_add(1));
    }
    store_paragraphs(prepared, analysis, pending, sequence);
    record_copies(batch, &analysis.matched, sequence);
    let article_facts = record_facts(recent, pending, batch, &analysis.facts, sequence, next);
    pending.add_article(PendingArticle {
        sequence,
        id: article.id.as_str().into(),
        facts: article_facts
            .iter()
            .map(|f| WindowFact::from(&f.fact))
            .collect(),
    });
    batch.article_facts.push((sequence, article_facts));
    batch.articles.push(ArticleRecord {
        sequence,
        id: article.id.clone(),
        source: article.source.clone(),
        url: article.url.clone(),
        title: article.title.clone(),
        language: article.language.clone(),
        published_at: article.published_at,
        labels: article.labels.clone(),
        content_digest: prepared.digest,
        first_seen: prepared.received,
        body: analysis.segments.clone(),
        analysis: analysis.record.clone(),
    });
    sequence
}

/// Paragraph texts: stored once, counted once per article; new evidence
/// paragraphs join the group's index.
fn store_paragraphs(
    prepared: &PreparedArticle,
    analysis: &Analysis,
    pending: &mut Pending,
    sequence: u64,
) {
    let body = &prepared.article.body;
    let paragraphs = prepared.body.paragraphs.iter();
    for ((paragraph, found), fate) in paragraphs
        .zip(&analysis.matched.paragraphs)
        .zip(&analysis.fates)
    {
        match fate {
            ParagraphFate::Repeat => {}
            ParagraphFate::Known(first, count, _) => {
                pending.count_paragraph(paragraph.fingerprint, *first, count + 1);
            }
            ParagraphFate::Archived(record) => {
                pending.relocated.push(record.first);
                let own = Origin {
                    article: sequence,
                    paragraph: paragraph.index,
                };
                let stored = RecentParagraph {
                    text: record.text.as_str().into(),
                    first: own,
                    offset: u32::try_from(paragraph.content.start).unwrap_or(u32::MAX),
                    origin: own,
                    article_count: record.article_count + 1,
                };
                // The same text as this paragraph, so the same anchors.
                let anchors = if paragraph.is_evidence {
                    paragraph.anchors.clone()
                } else {
                    Vec::new()
                };
                pending.add_paragraph(paragraph.fingerprint, stored, anchors);
            }
            ParagraphFate::New => {
                let own = Origin {
                    article: sequence,
                    paragraph: paragraph.index,
                };
                let anchors = if paragraph.is_evidence {
                    pending.new_texts.push((
                        paragraph.fingerprint,
                        Arc::new(StoredText::new(
                            &paragraph.shingles,
                            paragraph.layout.clone(),
                        )),
                    ));
                    paragraph.anchors.clone()
                } else {
                    Vec::new()
                };
                let stored = RecentParagraph {
                    text: body[paragraph.content.clone()].into(),
                    first: own,
                    offset: u32::try_from(paragraph.content.start).unwrap_or(u32::MAX),
                    // A near copy joins the family of what it copied; a
                    // paragraph that only reuses passages is a text of its
                    // own.
                    origin: match found.kind {
                        MatchKind::Near => found.origin().unwrap_or(own),
                        _ => own,
                    },
                    article_count: 1,
                };
                pending.add_paragraph(paragraph.fingerprint, stored, anchors);
            }
        }
    }
}

/// Copy relations, for GetDuplicates: each paragraph that counts is filed
/// under its own position and under the origin of every passage it
/// reuses.
fn record_copies(batch: &mut CommitBatch, matched: &ArticleMatch, sequence: u64) {
    for found in &matched.paragraphs {
        let own = Origin {
            article: sequence,
            paragraph: found.index,
        };
        let passages = found.passages.iter().map(|p| p.origin);
        for origin in filing_origins(found.kind, passages, own) {
            batch.copies.push((origin, own));
        }
    }
}

/// Facts: new or corroborations, each an event of the stream with the next
/// sequence, and a corroboration with the event that created its fact.
fn record_facts(
    recent: &Recent,
    pending: &mut Pending,
    batch: &mut CommitBatch,
    classified: &[(Fact, FactEventKind)],
    sequence: u64,
    next: &mut Sequences,
) -> Vec<ArticleFact> {
    let mut article_facts = Vec::with_capacity(classified.len());
    for (position, (fact, event)) in classified.iter().enumerate() {
        let index = u32::try_from(position).unwrap_or(u32::MAX);
        let creation = match event {
            FactEventKind::Created => Some(next.event),
            FactEventKind::Corroborated => pending.fact_creation(recent, &fact.id),
        };
        if *event == FactEventKind::Created {
            pending.add_created_fact(fact.id, next.event);
        }
        batch.events.push((
            next.event,
            EventRecord {
                article: sequence,
                index,
            },
        ));
        article_facts.push(ArticleFact {
            fact: fact.clone(),
            event: *event,
            sequence: next.event,
            creation,
        });
        next.event += 1;
    }
    article_facts
}
