//! The single writer and its group commit.
//!
//! Every submit is analysed and stored by one thread, in arrival order.
//! That order is what makes "earlier" well defined: an article is matched
//! against everything acknowledged before it, including the articles ahead
//! of it in the same group. The writer takes whatever has queued up (up to
//! `max_batch` articles), analyses each against the store plus the pending
//! group, writes the group in one atomic batch, flushes once, and only then
//! answers every caller. Under load, one flush serves hundreds of articles;
//! alone, an article waits for exactly one flush.

use std::{collections::HashSet, sync::Arc};

use tokio::sync::{mpsc, oneshot};

use super::{
    analysis::{analysis_record, body_segments},
    fact_events::classify_facts,
    lookup::{Lookup, Pending},
    report::{submission, Submission},
    Shared,
};
use crate::{
    article::Article,
    error::Error,
    facts::Fact,
    matching::{match_article, passages::StoredText, ArticleMatch, MatchKind, Origin},
    store::{
        ArticleFact, ArticleRecord, CommitBatch, EventRecord, FactEventKind, FactRecord,
        ParagraphRecord, Store, StoreError,
    },
    text::PreparedBody,
};

/// An article validated and run through the text pipeline and the fact
/// extractor, ready for the writer.
pub(crate) struct PreparedArticle {
    pub article: Article,
    pub body: PreparedBody,
    pub facts: Vec<Fact>,
    pub digest: [u8; 32],
    pub received: crate::store::Instant,
}

/// The next free article and fact-event sequences.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sequences {
    pub article: u64,
    pub event: u64,
}

/// A request to the writer.
pub(crate) struct Job {
    pub prepared: PreparedArticle,
    pub reply: oneshot::Sender<Result<Submission, Error>>,
}

/// The outcome of one job before the group is committed.
enum Outcome {
    /// Stored (pending commit); the report is ready.
    Stored(Submission),
    /// Nothing to write; answer now.
    Answered(Result<Submission, Error>),
}

/// Runs the writer loop until the channel closes.
pub(crate) fn run(shared: Arc<Shared>, mut jobs: mpsc::Receiver<Job>, mut next: Sequences) {
    let max_batch = shared.config.max_batch.max(1);
    while let Some(first) = jobs.blocking_recv() {
        let mut group = vec![first];
        while group.len() < max_batch {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        next = commit_group(&shared, group, next);
    }
}

/// Analyses, writes and acknowledges one group, then publishes its fact
/// events; returns the next free sequences.
fn commit_group(shared: &Shared, group: Vec<Job>, first: Sequences) -> Sequences {
    let started = std::time::Instant::now();
    let group_size = group.len();
    let mut pending = Pending::default();
    let mut batch = CommitBatch::default();
    let mut next = first;
    let mut outcomes = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    for job in jobs.by_ref() {
        match ingest(shared, &job.prepared, &mut pending, &mut batch, &mut next) {
            Ok(outcome) => outcomes.push((job.reply, outcome)),
            Err(error) => {
                // A read failed with this article's writes half added to
                // the group: commit none of the group rather than some of
                // an article. Its callers get the error and may retry.
                fail_group(outcomes, jobs, job.reply, error);
                return first;
            }
        }
    }
    // New paragraphs are written whole; known ones only get a new count.
    for (fingerprint, record) in pending.paragraphs.drain() {
        if pending.new_paragraphs.contains(&fingerprint) {
            batch.paragraphs.push((fingerprint, record));
        } else if pending.counted.contains(&fingerprint) {
            batch
                .paragraph_counts
                .push((fingerprint, record.article_count));
        }
    }
    batch.facts = pending.facts.drain().collect();
    batch.isolated = pending.isolated.iter().map(|(f, n)| (*f, *n)).collect();
    batch.isolated.sort_unstable();
    let analysed = started.elapsed();
    let committed = shared.store.commit(&batch);
    tracing::debug!(
        articles = group_size,
        analyse_us = analysed.as_micros(),
        commit_us = (started.elapsed() - analysed).as_micros(),
        "group committed"
    );
    if committed.is_ok() {
        let mut index = shared.write_index();
        for (fingerprint, anchors) in &pending.new_anchors {
            index.insert(*fingerprint, anchors);
        }
        for (fingerprint, text) in pending.new_texts.drain(..) {
            shared.texts.insert(fingerprint, text);
        }
        drop(index);
        if !pending.isolated.is_empty() {
            shared.write_isolated().extend(pending.isolated.drain());
        }
        shared.publish(&batch);
    } else {
        // The batch applies atomically, but a failed flush may follow a
        // successful apply: ask the store where the sequences stand rather
        // than assume the group left no trace.
        next = stored_sequences(shared).unwrap_or(first);
    }
    for (reply, outcome) in outcomes {
        let answer = match outcome {
            Outcome::Answered(answer) => answer,
            Outcome::Stored(report) => match &committed {
                Ok(()) => Ok(report),
                Err(error) => Err(Error::Storage(error.clone())),
            },
        };
        // The caller may have gone away (client cancelled); the article is
        // stored all the same, which a retry will see as RESUBMITTED.
        let _ = reply.send(answer);
    }
    next
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

/// Analyses one article against the store and the pending group and adds
/// its writes to the group.
fn ingest(
    shared: &Shared,
    prepared: &PreparedArticle,
    pending: &mut Pending,
    batch: &mut CommitBatch,
    next: &mut Sequences,
) -> Result<Outcome, Error> {
    let sequence = next.article;
    let store = shared.store.as_ref();
    let article = &prepared.article;
    let existing = match pending.articles.get(&article.id) {
        Some(record) => Some(record.clone()),
        None => store.article(&article.id)?,
    };
    if let Some(existing) = existing {
        return resubmission(store, Some(pending), prepared, &existing).map(Outcome::Answered);
    }

    let matched = {
        let index = shared.read_index();
        let isolated = shared.read_isolated();
        let matched = {
            let mut lookup = Lookup::new(shared, &index, &isolated, Some(pending));
            match_article(&prepared.body, &mut lookup, &shared.config.matching)?
        };
        for line in &matched.boilerplate_evidence {
            pending.count_evidence(&isolated, *line);
        }
        matched
    };
    let analysis = analysis_record(&article.body, &prepared.body, &matched);
    store_paragraphs(store, pending, prepared, &matched, sequence)?;
    record_copies(batch, &matched, sequence);

    let segments = body_segments(&article.body, &prepared.body, |position| {
        let fingerprint = prepared.body.paragraphs.get(position)?.fingerprint;
        pending
            .paragraphs
            .get(&fingerprint)
            .map(|record| record.text.as_str())
    });
    let record = ArticleRecord {
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
        body: segments,
        analysis,
    };
    let article_facts = record_facts(store, pending, batch, prepared, &matched, next)?;
    next.article += 1;

    pending.ids.insert(sequence, record.id.clone());
    let mut report = submission(&record.id, sequence, &record.analysis, |seq| {
        pending.article_id(store, seq)
    })?;
    count_facts(&mut report, article_facts.iter().map(|f| f.event));
    pending
        .article_facts
        .insert(sequence, article_facts.clone());
    batch.article_facts.push((sequence, article_facts));
    pending.articles.insert(record.id.clone(), record.clone());
    batch.articles.push(record);
    Ok(Outcome::Stored(report))
}

/// The answer to an article whose id is already stored: its stored
/// analysis when the content is identical, ALREADY_EXISTS otherwise.
pub(crate) fn resubmission(
    store: &dyn Store,
    pending: Option<&Pending>,
    prepared: &PreparedArticle,
    existing: &ArticleRecord,
) -> Result<Result<Submission, Error>, Error> {
    if existing.content_digest != prepared.digest {
        return Ok(Err(Error::AlreadyExists(prepared.article.id.clone())));
    }
    let mut report =
        submission(
            &existing.id,
            existing.sequence,
            &existing.analysis,
            |seq| match pending {
                Some(pending) => pending.article_id(store, seq),
                None => store.article_id(seq),
            },
        )?;
    report.resubmitted = true;
    let facts = match pending.and_then(|p| p.article_facts.get(&existing.sequence)) {
        Some(facts) => facts.clone(),
        None => store.article_facts(existing.sequence)?.unwrap_or_default(),
    };
    count_facts(&mut report, facts.iter().map(|f| f.event));
    Ok(Ok(report))
}

/// Paragraph texts: stored once, counted once per article; new evidence
/// paragraphs join the pending index.
fn store_paragraphs(
    store: &dyn Store,
    pending: &mut Pending,
    prepared: &PreparedArticle,
    matched: &ArticleMatch,
    sequence: u64,
) -> Result<(), Error> {
    let body = &prepared.article.body;
    let mut counted = HashSet::new();
    for (paragraph, found) in prepared.body.paragraphs.iter().zip(&matched.paragraphs) {
        if paragraph.content.is_empty() || !counted.insert(paragraph.fingerprint) {
            continue;
        }
        let record = match pending.paragraph(store, &paragraph.fingerprint)? {
            Some(mut record) => {
                record.article_count += 1;
                if !pending.new_paragraphs.contains(&paragraph.fingerprint) {
                    pending.counted.insert(paragraph.fingerprint);
                }
                record
            }
            None => {
                let own = Origin {
                    article: sequence,
                    paragraph: paragraph.index,
                };
                pending.new_paragraphs.insert(paragraph.fingerprint);
                if paragraph.is_evidence {
                    pending
                        .index
                        .insert(paragraph.fingerprint, &paragraph.anchors);
                    pending
                        .new_anchors
                        .push((paragraph.fingerprint, paragraph.anchors.clone()));
                    pending.new_texts.push((
                        paragraph.fingerprint,
                        Arc::new(StoredText::new(
                            &paragraph.shingles,
                            paragraph.layout.clone(),
                        )),
                    ));
                }
                ParagraphRecord {
                    text: body[paragraph.content.clone()].to_owned(),
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
                    anchors: if paragraph.is_evidence {
                        paragraph.anchors.clone()
                    } else {
                        Vec::new()
                    },
                }
            }
        };
        pending.paragraphs.insert(paragraph.fingerprint, record);
    }
    Ok(())
}

/// Copy relations, for GetDuplicates: each paragraph that counts is filed
/// under its own position and under the origin of every passage it
/// reuses.
fn record_copies(batch: &mut CommitBatch, matched: &ArticleMatch, sequence: u64) {
    for found in &matched.paragraphs {
        if found.kind == MatchKind::Skipped {
            continue;
        }
        let own = Origin {
            article: sequence,
            paragraph: found.index,
        };
        let mut origins: Vec<Origin> = found.passages.iter().map(|p| p.origin).collect();
        if found.kind != MatchKind::Exact && found.kind != MatchKind::Near {
            // Its own text is new: later copies of it are filed here.
            origins.push(own);
        }
        origins.sort_unstable();
        origins.dedup();
        for origin in origins {
            batch.copies.push((origin, own));
        }
    }
}

/// Facts: new or corroborations, each an event of the stream with the next
/// sequence.
fn record_facts(
    store: &dyn Store,
    pending: &mut Pending,
    batch: &mut CommitBatch,
    prepared: &PreparedArticle,
    matched: &ArticleMatch,
    next: &mut Sequences,
) -> Result<Vec<ArticleFact>, Error> {
    let sequence = next.article;
    let classified = classify_facts(store, Some(pending), &prepared.facts, matched)?;
    let mut article_facts = Vec::with_capacity(classified.len());
    for (position, (fact, event)) in classified.into_iter().enumerate() {
        let index = u32::try_from(position).unwrap_or(u32::MAX);
        if event == FactEventKind::Created {
            pending.facts.insert(
                fact.id,
                FactRecord {
                    first_article: sequence,
                    index,
                },
            );
        }
        batch.events.push((
            next.event,
            EventRecord {
                article: sequence,
                index,
            },
        ));
        article_facts.push(ArticleFact {
            fact,
            event,
            sequence: next.event,
        });
        next.event += 1;
    }
    Ok(article_facts)
}

/// Adds fact counts to a report.
pub(crate) fn count_facts(report: &mut Submission, events: impl Iterator<Item = FactEventKind>) {
    for event in events {
        match event {
            FactEventKind::Created => report.facts_created += 1,
            FactEventKind::Corroborated => report.facts_corroborated += 1,
        }
    }
}
