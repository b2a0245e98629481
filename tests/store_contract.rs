//! The contract every storage backend meets, run against each of them.
//!
//! The engine relies on nothing but the `Store` trait, so a backend that
//! passes these tests can hold the archive: what a commit stores reads
//! back the same through every read, a commit says which sequences it took
//! and refuses a batch whose sequences do not follow (two writers on one
//! store), and a durable backend reads the same after it is reopened.
//! Each test runs once per backend, named in its failure message.

use std::sync::Arc;

use wirecopy::{
    article::Article,
    engine::EngineConfig,
    facts::{Fact, FactBody, FactId, Provenance, TimeExpr},
    matching::{Origin, Verdict},
    server::open_engine,
    store::{
        self, AnalysisRecord, ArticleFact, ArticleRecord, BodySegment, CommitBatch, Committed,
        Deletion, EventRecord, FactEventKind, Instant, Notice, NoticeKind, ParagraphRecord, Store,
        StoreConfig, StoreError, StoredEvent,
    },
    text::Fingerprint,
};

/// A backend under test: how to open it, and again after a restart.
struct Backend {
    name: &'static str,
    config: StoreConfig,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    fn open(&self) -> Arc<dyn Store> {
        match store::open(&self.config) {
            Ok(store) => store,
            Err(error) => panic!("{}: the store opens: {error}", self.name),
        }
    }
}

fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    vec![
        Backend {
            name: "sled",
            config: StoreConfig::sled(dir.path().join("store")),
            _dir: Some(dir),
        },
        Backend {
            name: "memory",
            config: StoreConfig::Memory,
            _dir: None,
        },
    ]
}

/// 2020-12-01T00:00:00Z.
const DAY_ONE: i64 = 1_606_780_800;

/// The start of day `n` after [`DAY_ONE`].
fn day(n: i64) -> Instant {
    Instant {
        seconds: DAY_ONE + n * 86_400,
        nanos: 0,
    }
}

fn fingerprint(n: u8) -> Fingerprint {
    Fingerprint([n; 32])
}

fn origin(article: u64, paragraph: u32) -> Origin {
    Origin { article, paragraph }
}

fn article(sequence: u64, id: &str) -> ArticleRecord {
    ArticleRecord {
        sequence,
        id: id.into(),
        source: "wire".into(),
        url: format!("https://example.org/{id}"),
        title: format!("title of {id}"),
        language: "en".into(),
        // A day apart, from 2020-12-02 on.
        published_at: Some(Instant {
            seconds: DAY_ONE + sequence as i64 * 86_400,
            nanos: 0,
        }),
        labels: [("desk".to_owned(), "world".to_owned())].into(),
        content_digest: [sequence as u8; 32],
        first_seen: Instant {
            seconds: 1_700_000_000 + sequence as i64,
            nanos: 5,
        },
        body: vec![
            BodySegment::Paragraph(0),
            BodySegment::Text("\n\n".into()),
            BodySegment::Paragraph(1),
        ],
        analysis: AnalysisRecord {
            verdict: Verdict::Original,
            copy_ratio: 0.0,
            canonical: None,
            paragraphs: Vec::new(),
            credits: Vec::new(),
        },
    }
}

fn paragraph(first: Origin, text: &str, article_count: u64) -> ParagraphRecord {
    ParagraphRecord {
        text: text.into(),
        first,
        offset: 10 * first.paragraph,
        origin: first,
        article_count,
    }
}

/// A date fact; its id follows from its value, not its wording.
fn time_fact(text: &str, value: &str, paragraph_index: u32) -> Fact {
    let body = FactBody::Time(TimeExpr {
        text: text.into(),
        value: Some(value.into()),
    });
    Fact {
        id: body.id(),
        body,
        confidence: 0.9,
        provenance: Provenance {
            paragraph_index,
            start: 3,
            end: 3 + text.chars().count() as u32,
        },
    }
}

fn event(article: u64, index: u32) -> EventRecord {
    EventRecord { article, index }
}

/// Article 1 (`a`) brings two paragraphs and two facts; article 2 (`b`)
/// copies its first paragraph, has one of its own, and corroborates the
/// first fact in words of its own.
fn first_batches() -> [CommitBatch; 2] {
    let created = time_fact("Tuesday", "2020-12-01", 0);
    let other = time_fact("in 2021", "2021", 1);
    let a = CommitBatch {
        articles: vec![article(1, "a")],
        paragraphs: vec![
            (fingerprint(1), paragraph(origin(1, 0), "first text", 1)),
            (fingerprint(2), paragraph(origin(1, 1), "second text", 1)),
        ],
        article_facts: vec![(
            1,
            vec![
                ArticleFact {
                    fact: created.clone(),
                    event: FactEventKind::Created,
                    sequence: 1,
                    creation: Some(1),
                },
                ArticleFact {
                    fact: other.clone(),
                    event: FactEventKind::Created,
                    sequence: 2,
                    creation: Some(2),
                },
            ],
        )],
        events: vec![(1, event(1, 0)), (2, event(1, 1))],
        copies: vec![(origin(1, 0), origin(1, 0)), (origin(1, 1), origin(1, 1))],
        isolated: vec![(fingerprint(9), 1)],
        ..CommitBatch::default()
    };
    let mut corroboration = time_fact("on Tuesday", "2020-12-01", 0);
    corroboration.id = created.id;
    let b = CommitBatch {
        articles: vec![article(2, "b")],
        paragraphs: vec![(fingerprint(3), paragraph(origin(2, 1), "third text", 1))],
        paragraph_counts: vec![(fingerprint(1), origin(1, 0), 2)],
        copies: vec![(origin(1, 0), origin(2, 0))],
        article_facts: vec![(
            2,
            vec![ArticleFact {
                fact: corroboration,
                event: FactEventKind::Corroborated,
                sequence: 3,
                creation: Some(1),
            }],
        )],
        events: vec![(3, event(2, 0))],
        isolated: vec![(fingerprint(9), 2), (fingerprint(8), 1)],
        ..CommitBatch::default()
    };
    [a, b]
}

fn commit(backend: &Backend, store: &dyn Store, batch: &CommitBatch) -> Committed {
    match store.commit(batch) {
        Ok(committed) => committed,
        Err(error) => panic!("{}: the batch commits: {error}", backend.name),
    }
}

fn stored_paragraphs(store: &dyn Store, since: u64) -> Vec<(Fingerprint, ParagraphRecord)> {
    let mut found = Vec::new();
    store
        .each_paragraph_since(since, &mut |fingerprint, paragraph| {
            found.push((fingerprint, paragraph))
        })
        .expect("the texts scan");
    found
}

fn stored_articles(store: &dyn Store, since: u64) -> Vec<(u64, String, Vec<ArticleFact>)> {
    let mut found = Vec::new();
    store
        .each_article_since(since, &mut |record, facts| {
            found.push((record.sequence, record.id.clone(), facts))
        })
        .expect("the articles scan");
    found
}

/// The fingerprints of every stored text, sorted, checked against the
/// fingerprints the full texts scan gives.
fn stored_text_fingerprints(store: &dyn Store) -> Vec<Fingerprint> {
    let mut fingerprints = Vec::new();
    store
        .each_text_fingerprint(&mut |fingerprint| fingerprints.push(*fingerprint))
        .expect("the text fingerprints scan");
    fingerprints.sort();
    let mut scanned: Vec<Fingerprint> = stored_paragraphs(store, 0)
        .into_iter()
        .map(|(fingerprint, _)| fingerprint)
        .collect();
    scanned.sort();
    assert_eq!(fingerprints, scanned, "the fingerprints are the texts'");
    fingerprints
}

fn stored_ids(store: &dyn Store) -> Vec<String> {
    let mut ids = Vec::new();
    store
        .each_article_id(&mut |id| ids.push(id.to_owned()))
        .expect("ids scan");
    ids
}

/// Every (fact, carrying article, creating event) triple, in order.
fn stored_carriers(store: &dyn Store) -> Vec<(FactId, u64, Option<u64>)> {
    let mut carriers = Vec::new();
    store
        .each_fact_carrier(&mut |id, sequence, creation| carriers.push((*id, sequence, creation)))
        .expect("fact carriers scan");
    carriers.sort();
    carriers
}

/// Everything the reads return for the two first batches.
fn assert_reads_first_batches(backend: &Backend, store: &dyn Store) {
    let name = backend.name;
    let [a, b] = first_batches();
    assert_eq!(
        store.article("a").ok().flatten(),
        Some(a.articles[0].clone()),
        "{name}"
    );
    assert_eq!(
        store.article("b").ok().flatten(),
        Some(b.articles[0].clone()),
        "{name}"
    );
    assert_eq!(store.article("c").ok(), Some(None), "{name}");
    assert_eq!(store.article_id(2).ok(), Some(Some("b".into())), "{name}");
    assert_eq!(store.article_id(3).ok(), Some(None), "{name}");
    assert_eq!(store.last_sequence().ok(), Some(2), "{name}");

    let shared = store.paragraph(&fingerprint(1)).ok().flatten();
    assert_eq!(
        shared,
        Some(paragraph(origin(1, 0), "first text", 2)),
        "{name}"
    );
    assert_eq!(store.paragraph(&fingerprint(7)).ok(), Some(None), "{name}");
    assert_eq!(
        store.copies_of(origin(1, 0)).ok(),
        Some(vec![origin(1, 0), origin(2, 0)]),
        "{name}"
    );
    assert_eq!(
        store.copies_of(origin(1, 1)).ok(),
        Some(vec![origin(1, 1)]),
        "{name}"
    );
    assert_eq!(store.copies_of(origin(2, 1)).ok(), Some(vec![]), "{name}");
    assert_eq!(store.is_deleted(1).ok(), Some(false), "{name}");
    assert_eq!(store.deletions().ok(), Some(0), "{name}");
    assert_eq!(store.dated_before(day(1), 10).ok(), Some(vec![]), "{name}");
    assert_eq!(store.dated_before(day(2), 10).ok(), Some(vec![1]), "{name}");
    assert_eq!(
        store.dated_before(day(9), 10).ok(),
        Some(vec![1, 2]),
        "{name}"
    );
    assert_eq!(store.dated_before(day(9), 1).ok(), Some(vec![1]), "{name}");

    let since_2 = stored_paragraphs(store, 2);
    assert_eq!(
        since_2,
        vec![(fingerprint(3), paragraph(origin(2, 1), "third text", 1))],
        "{name}: texts first stored by article 2 on"
    );
    assert_eq!(stored_paragraphs(store, 1).len(), 3, "{name}");

    // A corroboration reads back with the content of the fact's creation.
    let facts = store.article_facts(2).ok().flatten();
    let created = time_fact("Tuesday", "2020-12-01", 0);
    let mut expected = b.article_facts[0].1.clone();
    expected[0].fact.body = created.body.clone();
    assert_eq!(facts, Some(expected.clone()), "{name}");
    assert_eq!(store.article_facts(3).ok(), Some(None), "{name}");
    let articles = stored_articles(store, 2);
    assert_eq!(articles, vec![(2, "b".into(), expected)], "{name}");
    assert_eq!(stored_articles(store, 1).len(), 2, "{name}");

    assert_eq!(stored_ids(store), ["a", "b"], "{name}");
    assert!(!stored_text_fingerprints(store).is_empty(), "{name}");
    let in_2021 = time_fact("in 2021", "2021", 1).id;
    let mut expected_carriers = vec![
        (created.id, 1, Some(1)),
        (created.id, 2, Some(1)),
        (in_2021, 1, Some(2)),
    ];
    expected_carriers.sort();
    assert_eq!(stored_carriers(store), expected_carriers, "{name}");
    assert_eq!(store.last_event_sequence().ok(), Some(3), "{name}");
    assert_eq!(
        store.events_after(0, 10).ok(),
        Some(vec![
            (1, StoredEvent::Fact(event(1, 0))),
            (2, StoredEvent::Fact(event(1, 1))),
            (3, StoredEvent::Fact(event(2, 0)))
        ]),
        "{name}"
    );
    assert_eq!(
        store.events_after(1, 1).ok(),
        Some(vec![(2, StoredEvent::Fact(event(1, 1)))]),
        "{name}: from inside a run of one article's events, with a limit"
    );
    assert_eq!(store.events_after(3, 10).ok(), Some(vec![]), "{name}");
    assert_eq!(
        store.events_after(u64::MAX, 10).ok(),
        Some(vec![]),
        "{name}"
    );
    assert_eq!(
        store.isolated_lines().ok(),
        Some(vec![(fingerprint(8), 1), (fingerprint(9), 2)]),
        "{name}"
    );
}

#[test]
fn what_is_committed_reads_back_through_every_read() {
    for backend in backends() {
        let store = backend.open();
        assert_eq!(store.last_sequence().ok(), Some(0), "{}", backend.name);
        assert_eq!(
            store.last_event_sequence().ok(),
            Some(0),
            "{}",
            backend.name
        );
        for batch in first_batches() {
            commit(&backend, &*store, &batch);
        }
        assert_reads_first_batches(&backend, &*store);
    }
}

#[test]
fn a_commit_says_which_sequences_it_took() {
    for backend in backends() {
        let store = backend.open();
        let [a, b] = first_batches();
        assert_eq!(
            commit(&backend, &*store, &a),
            Committed {
                articles: 1..2,
                events: 1..3
            },
            "{}",
            backend.name
        );
        assert_eq!(
            commit(&backend, &*store, &b),
            Committed {
                articles: 2..3,
                events: 3..4
            },
            "{}",
            backend.name
        );
        assert_eq!(
            commit(&backend, &*store, &CommitBatch::default()),
            Committed {
                articles: 3..3,
                events: 4..4
            },
            "{}: an empty batch takes nothing",
            backend.name
        );
    }
}

#[test]
fn a_batch_whose_sequences_do_not_follow_is_refused_and_writes_nothing() {
    for backend in backends() {
        let name = backend.name;
        let store = backend.open();
        let [a, b] = first_batches();
        commit(&backend, &*store, &a);
        // A second writer that also believed article 1 was next.
        let mut stale = b.clone();
        stale.articles[0].sequence = 1;
        stale.articles[0].id = "stale".into();
        let refused = store.commit(&stale);
        assert!(
            matches!(
                refused,
                Err(StoreError::Conflict {
                    what: "articles",
                    expected: 2,
                    found: 1
                })
            ),
            "{name}: {refused:?}"
        );
        let mut stale_events = b.clone();
        stale_events.events[0].0 = 2;
        assert!(
            matches!(
                store.commit(&stale_events),
                Err(StoreError::Conflict { what: "events", .. })
            ),
            "{name}"
        );
        assert_eq!(store.article("stale").ok(), Some(None), "{name}");
        assert_eq!(store.article("b").ok(), Some(None), "{name}");
        assert_eq!(store.paragraph(&fingerprint(3)).ok(), Some(None), "{name}");
        assert_eq!(store.last_event_sequence().ok(), Some(2), "{name}");
        // The right batch still goes in after the refusals.
        commit(&backend, &*store, &b);
        assert_reads_first_batches(&backend, &*store);
    }
}

#[test]
fn a_text_moved_to_a_later_article_is_read_at_its_new_place() {
    for backend in backends() {
        let name = backend.name;
        let store = backend.open();
        for batch in first_batches() {
            commit(&backend, &*store, &batch);
        }
        // Article 3 stores "second text" again under its own place (an
        // archived text re-entering the match window).
        let moved = paragraph(origin(3, 0), "second text", 2);
        commit(
            &backend,
            &*store,
            &CommitBatch {
                articles: vec![article(3, "c")],
                relocated: vec![origin(1, 1)],
                paragraphs: vec![(fingerprint(2), moved.clone())],
                ..CommitBatch::default()
            },
        );
        assert_eq!(
            store.paragraph(&fingerprint(2)).ok().flatten(),
            Some(moved.clone()),
            "{name}"
        );
        let texts = stored_paragraphs(&*store, 1);
        assert!(
            texts.iter().all(|(_, text)| text.first != origin(1, 1)),
            "{name}: the old place is freed"
        );
        assert_eq!(
            stored_paragraphs(&*store, 3),
            vec![(fingerprint(2), moved)],
            "{name}"
        );
    }
}

/// Deletes article 1 (`a`) after [`first_batches`]: its first text stays
/// for `b`, its second is freed; its first fact, which `b` corroborates,
/// is withdrawn and its content kept; its second is retracted.
fn deletion_of_a() -> CommitBatch {
    let created = time_fact("Tuesday", "2020-12-01", 0);
    let other = time_fact("in 2021", "2021", 1);
    let notice = |kind, fact| Notice {
        kind,
        fact,
        article_id: "a".into(),
        source: "wire".into(),
    };
    CommitBatch {
        deletions: vec![Deletion {
            sequence: 1,
            id: "a".into(),
            date: day(1),
            copies: vec![(origin(1, 0), origin(1, 0)), (origin(1, 1), origin(1, 1))],
            facts: vec![created.id, other.id],
        }],
        paragraph_counts: vec![(fingerprint(1), origin(1, 0), 1)],
        freed_texts: vec![(fingerprint(2), origin(1, 1))],
        retracted_facts: vec![(other.id, Some(2))],
        kept_contents: vec![(created.id, Some(1), created.body.clone())],
        notices: vec![
            (4, notice(NoticeKind::Withdrawn, created.id)),
            (5, notice(NoticeKind::Retracted, other.id)),
        ],
        ..CommitBatch::default()
    }
}

/// Everything the reads return once `a` is deleted.
fn assert_reads_after_deletion(backend: &Backend, store: &dyn Store) {
    let name = backend.name;
    let created = time_fact("Tuesday", "2020-12-01", 0);
    assert_eq!(store.article("a").ok(), Some(None), "{name}");
    assert_eq!(store.article_id(1).ok(), Some(None), "{name}");
    assert_eq!(store.is_deleted(1).ok(), Some(true), "{name}");
    assert_eq!(
        store.deletions().ok(),
        Some(1),
        "{name}: one deletion counted"
    );
    assert_eq!(store.is_deleted(2).ok(), Some(false), "{name}");
    assert_eq!(store.dated_before(day(9), 10).ok(), Some(vec![2]), "{name}");
    assert_eq!(store.last_sequence().ok(), Some(2), "{name}");
    assert_eq!(
        store.paragraph(&fingerprint(1)).ok().flatten(),
        Some(paragraph(origin(1, 0), "first text", 1)),
        "{name}: a shared text stays where it was stored"
    );
    assert_eq!(store.paragraph(&fingerprint(2)).ok(), Some(None), "{name}");
    assert!(
        stored_paragraphs(store, 1)
            .iter()
            .all(|(_, text)| text.first != origin(1, 1)),
        "{name}: the freed text is gone"
    );
    assert_eq!(
        store.copies_of(origin(1, 0)).ok(),
        Some(vec![origin(2, 0)]),
        "{name}"
    );
    assert_eq!(store.article_facts(1).ok(), Some(None), "{name}");
    let facts = store.article_facts(2).ok().flatten().unwrap_or_default();
    assert_eq!(
        facts.first().map(|f| &f.fact.body),
        Some(&created.body),
        "{name}: a corroboration reads its kept content"
    );
    assert_eq!(
        stored_carriers(store),
        [(created.id, 2, Some(1))],
        "{name}: the corroboration still knows its creation"
    );
    assert_eq!(stored_ids(store), ["b"], "{name}");
    stored_text_fingerprints(store);
    assert_eq!(
        stored_articles(store, 1)
            .into_iter()
            .map(|(sequence, _, _)| sequence)
            .collect::<Vec<_>>(),
        [2],
        "{name}"
    );
    let mut notices = deletion_of_a()
        .notices
        .into_iter()
        .map(|(_, notice)| notice);
    let (Some(withdrawn), Some(retracted)) = (notices.next(), notices.next()) else {
        panic!("the deletion has two notices");
    };
    assert_eq!(store.last_event_sequence().ok(), Some(5), "{name}");
    assert_eq!(
        store.events_after(2, 10).ok(),
        Some(vec![
            (3, StoredEvent::Fact(event(2, 0))),
            (4, StoredEvent::Notice(withdrawn)),
            (5, StoredEvent::Notice(retracted)),
        ]),
        "{name}: notices follow the events in sequence order"
    );
    assert_eq!(
        store.events_after(0, 2).ok().map(|e| e.len()),
        Some(2),
        "{name}"
    );
}

#[test]
fn a_deleted_article_is_gone_from_every_read_and_its_sequence_stays_taken() {
    for backend in backends() {
        let name = backend.name;
        let store = backend.open();
        for batch in first_batches() {
            commit(&backend, &*store, &batch);
        }
        assert_eq!(
            commit(&backend, &*store, &deletion_of_a()),
            Committed {
                articles: 3..3,
                events: 4..6
            },
            "{name}"
        );
        assert_reads_after_deletion(&backend, &*store);
        // Deleting the last article does not give its sequence again.
        commit(
            &backend,
            &*store,
            &CommitBatch {
                deletions: vec![Deletion {
                    sequence: 2,
                    id: "b".into(),
                    date: day(2),
                    copies: vec![(origin(1, 0), origin(2, 0))],
                    facts: vec![time_fact("Tuesday", "2020-12-01", 0).id],
                }],
                ..CommitBatch::default()
            },
        );
        assert_eq!(store.last_sequence().ok(), Some(2), "{name}");
        let reused = store.commit(&CommitBatch {
            articles: vec![article(2, "c")],
            ..CommitBatch::default()
        });
        assert!(
            matches!(reused, Err(StoreError::Conflict { expected: 3, .. })),
            "{name}: {reused:?}"
        );
        // The id of a deleted article is free for a new one.
        assert_eq!(
            commit(
                &backend,
                &*store,
                &CommitBatch {
                    articles: vec![article(3, "a")],
                    ..CommitBatch::default()
                }
            )
            .articles,
            3..4,
            "{name}"
        );
        assert_eq!(
            store.article("a").ok().flatten().map(|a| a.sequence),
            Some(3)
        );
        // Dates before 1970 come first; an undated article goes by when
        // it was stored.
        let old = ArticleRecord {
            published_at: Some(Instant {
                seconds: -100_000_000,
                nanos: 0,
            }),
            ..article(4, "d")
        };
        let undated = ArticleRecord {
            published_at: None,
            ..article(5, "e")
        };
        commit(
            &backend,
            &*store,
            &CommitBatch {
                articles: vec![old, undated],
                ..CommitBatch::default()
            },
        );
        assert_eq!(store.dated_before(day(0), 10).ok(), Some(vec![4]), "{name}");
        assert_eq!(
            store.dated_before(day(100_000), 10).ok(),
            Some(vec![4, 3, 5]),
            "{name}: 1966, 2020-12-04, then stored in 2023"
        );
    }
}

#[test]
fn a_durable_store_reads_the_same_after_reopening_and_goes_on_from_its_sequences() {
    for backend in backends().into_iter().filter(|b| b.config.is_durable()) {
        {
            let store = backend.open();
            for batch in first_batches() {
                commit(&backend, &*store, &batch);
            }
        }
        let store = backend.open();
        assert_reads_first_batches(&backend, &*store);
        commit(&backend, &*store, &deletion_of_a());
        drop(store);
        let store = backend.open();
        assert_reads_after_deletion(&backend, &*store);
        let next = CommitBatch {
            articles: vec![article(3, "c")],
            events: vec![(6, event(3, 0))],
            ..CommitBatch::default()
        };
        assert_eq!(
            commit(&backend, &*store, &next),
            Committed {
                articles: 3..4,
                events: 6..7
            },
            "{}",
            backend.name
        );
    }
}

/// What the engine is asked to do.
#[derive(Clone)]
enum Step {
    Submit(Article),
    Delete(String),
}

/// BBC articles from `../shared/data/bbc` (research use only, so not copied
/// into the repository), each followed now and then by an edited copy, a
/// resubmission or the deletion of an earlier article, so that exact and
/// near copies, corroborations, resubmissions, deletions and window
/// generations all happen.
fn bbc_steps() -> Vec<Step> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc/politics");
    let mut articles = Vec::new();
    for n in 1..=120 {
        let path = dir.join(format!("{n:03}.txt"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", path.display()));
        let (title, body) = text.split_once('\n').unwrap_or(("", &text));
        let original = Article {
            id: format!("bbc-{n}"),
            source: "bbc.co.uk".into(),
            title: title.into(),
            body: body.trim().into(),
            ..Article::default()
        };
        articles.push(Step::Submit(original.clone()));
        if n % 4 == 0 {
            let paragraphs: Vec<&str> = original
                .body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            let kept = &paragraphs[..paragraphs.len().saturating_sub(1).max(1)];
            articles.push(Step::Submit(Article {
                id: format!("copy-{n}"),
                source: "outlet.example".into(),
                body: format!(
                    "LONDON (Reuters) -\n{}",
                    kept.join("\n").replacen(" the ", " teh ", 1)
                ),
                ..original.clone()
            }));
        }
        if n % 10 == 0 {
            articles.push(Step::Submit(original));
        }
        if n % 9 == 0 {
            // An original that was copied (n - 1 is a multiple of 4 for
            // n = 9, 45, 81, …) or not.
            articles.push(Step::Delete(format!("bbc-{}", n - 1)));
        }
    }
    articles
}

#[tokio::test]
async fn the_engine_answers_the_same_on_every_backend() {
    let steps = bbc_steps();
    let mut answers: Vec<(&str, Vec<String>)> = Vec::new();
    for backend in backends() {
        let config = EngineConfig {
            // Small enough that generations of the window come and go.
            match_window: 60,
            ..EngineConfig::default()
        };
        let engine = open_engine(&backend.config, config).expect("the engine opens");
        let mut seen = Vec::new();
        let (mut copies, mut resubmitted, mut corroborated, mut withdrawn) = (0, 0, 0, 0);
        for step in steps.clone() {
            let article = match step {
                Step::Submit(article) => article,
                Step::Delete(id) => {
                    let deleted = engine.delete(&id).await.expect("the article is deleted");
                    withdrawn += deleted.corroborations_withdrawn;
                    seen.push(format!("{deleted:?}"));
                    continue;
                }
            };
            let id = article.id.clone();
            let submitted = engine.submit(article).await.expect("the article is stored");
            copies += usize::from(submitted.verdict == Verdict::WireCopy);
            resubmitted += usize::from(submitted.resubmitted);
            corroborated += submitted.facts_corroborated;
            let stored = engine.get_article(&id).map(|mut stored| {
                // When it was stored differs from run to run.
                stored.first_seen = Instant {
                    seconds: 0,
                    nanos: 0,
                };
                stored
            });
            let duplicates = engine.duplicates(&id).map(|mut duplicates| {
                for related in &mut duplicates.related {
                    related.first_seen = Instant {
                        seconds: 0,
                        nanos: 0,
                    };
                }
                duplicates
            });
            let facts = engine.list_facts(&id);
            seen.push(format!(
                "{submitted:?}\n{stored:?}\n{duplicates:?}\n{facts:?}"
            ));
        }
        engine.close().expect("the engine closes");
        // The corpus exercises what differs between runs of the writer.
        assert!(
            copies >= 25 && resubmitted == 12 && corroborated > 100 && withdrawn > 10,
            "{}: {copies} wire copies, {resubmitted} resubmitted, {corroborated} corroborations, \
             {withdrawn} withdrawn by deletions",
            backend.name
        );
        answers.push((backend.name, seen));
    }
    let (first, rest) = answers.split_first().expect("two backends");
    for (name, seen) in rest {
        assert_eq!(seen.len(), first.1.len());
        for (n, (theirs, ours)) in seen.iter().zip(&first.1).enumerate() {
            assert_eq!(
                theirs, ours,
                "{name} and {} differ at submission {n}",
                first.0
            );
        }
    }
}
