//! The API contract over real gRPC: exact storage, duplicates with
//! direction, resubmission, conflicts, validation, streaming, restarts,
//! health and reflection.

mod common;

use common::*;
use tokio_stream::StreamExt;
use tonic::Code;
use wirecopy::{
    api::pb::{self, Relation, Verdict},
    article::Limits,
    engine::EngineConfig,
    server::ServeOptions,
};

fn get(id: &str) -> pb::GetArticleRequest {
    pb::GetArticleRequest { id: id.into() }
}

fn dupes(id: &str) -> pb::GetDuplicatesRequest {
    pb::GetDuplicatesRequest { id: id.into() }
}

#[tokio::test]
async fn get_article_returns_the_exact_bytes_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (title, body) = seed(SEED_SPUTNIK);
    // Awkward bytes on purpose: CRLF, tabs, trailing spaces, no final newline.
    let body = format!(
        "  {}\r\n\t\r\n{} ",
        body.replace("\n\n", "\r\n\r\n"),
        "trailing line\u{00A0}"
    );
    let mut article = pb::Article {
        id: "https://www.urdupoint.com/en/world/russia-sees-no-deliberate.html".into(),
        source: "urdupoint.com".into(),
        url: "https://www.urdupoint.com/en/world/russia-sees-no-deliberate.html".into(),
        title: title.clone(),
        body: body.clone(),
        published_at: Some(prost_types::Timestamp {
            seconds: 1_606_865_520,
            nanos: 5,
        }),
        language: "en".into(),
        labels: [("section".to_string(), "world".to_string())].into(),
        ..Default::default()
    };
    let stored = server
        .client
        .submit(pb::SubmitRequest {
            article: Some(article.clone()),
        })
        .await
        .unwrap()
        .into_inner();
    // A copy with the same paragraphs, for the content-addressed path.
    article.id = "copy".into();
    server
        .client
        .submit(pb::SubmitRequest {
            article: Some(article.clone()),
        })
        .await
        .unwrap();
    for id in [stored.article_id.as_str(), "copy"] {
        let got = server
            .client
            .get_article(get(id))
            .await
            .unwrap()
            .into_inner();
        let got_article = got.article.unwrap();
        assert_eq!(got_article.body.as_bytes(), body.as_bytes());
        assert_eq!(got_article.title, title);
        assert_eq!(got_article.published_at, article.published_at);
        assert_eq!(got_article.labels, article.labels);
        assert_eq!(got_article.language, "en");
        assert!(got.first_seen.is_some());
        let analysis = got.analysis.unwrap();
        assert_eq!(analysis.article_id, id);
        assert!(!analysis.paragraphs.is_empty());
    }
    server.stop().await;
}

/// GetDuplicates of `id`, and its related articles as (id, relation,
/// shared paragraphs).
async fn related(
    server: &mut TestServer,
    id: &str,
) -> (pb::GetDuplicatesResponse, Vec<(String, Relation, u32)>) {
    let response = server
        .client
        .get_duplicates(dupes(id))
        .await
        .unwrap()
        .into_inner();
    let summary = response
        .related
        .iter()
        .map(|r| (r.article_id.clone(), r.relation(), r.shared_paragraphs))
        .collect();
    (response, summary)
}

#[tokio::test]
async fn duplicates_lists_copies_and_siblings_with_direction() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    let lines = paragraphs(&body);
    submit(&mut server, "wire", "agency", &body).await;
    // Two outlets copy different parts of the wire story.
    submit(
        &mut server,
        "outlet-a",
        "a.example",
        &format!("LONDON (Reuters) - {}", lines[..6].join("\n\n")),
    )
    .await;
    submit(
        &mut server,
        "outlet-b",
        "b.example",
        &lines[4..].join("\n").replace("Karabakh", "Karabagh"),
    )
    .await;
    // And one unrelated story.
    let (_, other) = seed(SEED_SPUTNIK);
    submit(&mut server, "other", "c.example", &other).await;

    let (wire, summary) = related(&mut server, "wire").await;
    assert_eq!(wire.canonical_id, "wire");
    assert_eq!(
        summary,
        vec![
            ("outlet-a".to_string(), Relation::Later, 6),
            ("outlet-b".to_string(), Relation::Later, 6)
        ]
    );
    assert_eq!(wire.related[0].source, "a.example");
    assert!(wire.related[0].copy_ratio > 0.4 && wire.related[0].copy_ratio < 0.8);

    // outlet-b shares paragraphs 4 and 5 with its sibling outlet-a.
    let (b, summary) = related(&mut server, "outlet-b").await;
    assert_eq!(b.canonical_id, "wire");
    assert_eq!(
        summary,
        vec![
            ("wire".to_string(), Relation::Earlier, 6),
            ("outlet-a".to_string(), Relation::Earlier, 2)
        ]
    );
    assert_eq!(b.related[0].verdict(), Verdict::Original);

    let (_, summary) = related(&mut server, "outlet-a").await;
    assert_eq!(
        summary,
        vec![
            ("wire".to_string(), Relation::Earlier, 6),
            ("outlet-b".to_string(), Relation::Later, 2)
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn resubmission_conflicts_and_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    let first = submit(&mut server, "talks", "a", &body).await;
    let again = submit(&mut server, "talks", "a", &body).await;
    assert_eq!(verdict(&again), Verdict::Resubmitted);
    assert_eq!(again.stored_verdict(), Verdict::Original);
    assert_eq!(again.sequence, first.sequence);
    assert_eq!(again.paragraphs, first.paragraphs);

    let conflict = server
        .client
        .submit(request(
            "talks",
            "a",
            &format!("{body}\nOne more paragraph that changes the content of it."),
        ))
        .await
        .unwrap_err();
    assert_eq!(conflict.code(), Code::AlreadyExists);
    assert!(conflict.message().contains("talks"));
    let stored = server
        .client
        .get_article(get("talks"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.article.unwrap().body, body, "nothing overwritten");

    for status in [
        server.client.get_article(get("missing")).await.unwrap_err(),
        server
            .client
            .get_duplicates(dupes("missing"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(status.code(), Code::NotFound);
        assert!(status.message().contains("missing"));
    }
    server.stop().await;
}

#[tokio::test]
async fn invalid_input_names_the_field_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig {
        limits: Limits {
            max_body_bytes: 4096,
            max_paragraphs: 20,
            ..Limits::default()
        },
        ..EngineConfig::default()
    };
    let options = ServeOptions {
        max_message_bytes: 64 * 1024,
        ..ServeOptions::default()
    };
    let mut server = TestServer::start_with(dir.path(), config, options).await;
    submit(
        &mut server,
        "kept",
        "a",
        "A paragraph that is stored before any bad input arrives here.",
    )
    .await;

    let long_id = "x".repeat(513);
    let cases = vec![
        (pb::SubmitRequest { article: None }, "article"),
        (request("", "a", "Body text."), "article.id"),
        (request(&long_id, "a", "Body text."), "article.id"),
        (request("b", "a", ""), "article.body"),
        (request("b", "a", " \n\t\n "), "article.body"),
        (request("b", "a", &"word ".repeat(1000)), "article.body"),
        (request("b", "a", &"para\n".repeat(21)), "article.body"),
        (
            request(
                "kept",
                "a",
                "Different content under an existing id, which is refused.",
            ),
            "kept",
        ),
    ];
    for (case, field) in cases {
        let status = server.client.submit(case.clone()).await.unwrap_err();
        if field == "kept" {
            assert_eq!(status.code(), Code::AlreadyExists, "{status:?}");
            assert!(status.message().contains(field), "{status:?}");
            continue;
        }
        // Analyze validates exactly like Submit.
        let analyzed = server.client.analyze(case.clone()).await.unwrap_err();
        for status in [status, analyzed] {
            assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
            assert!(
                status.message().starts_with(&format!("{field}:")),
                "{status:?}"
            );
        }
    }
    for id in ["", long_id.as_str()] {
        let status = server.client.get_article(get(id)).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with("id:"));
    }
    // Over the transport's message limit: tonic answers OUT_OF_RANGE.
    let status = server
        .client
        .submit(request("huge", "a", &"word ".repeat(20_000)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange);

    let kept = server
        .client
        .get_article(get("kept"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        kept.article.unwrap().body,
        "A paragraph that is stored before any bad input arrives here."
    );
    assert_eq!(
        server
            .client
            .get_article(get("b"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    server.stop().await;
}

#[tokio::test]
async fn submit_stream_answers_every_request_in_order_and_goes_on_after_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    let lines = paragraphs(&body);
    let mut requests = Vec::new();
    for n in 0..200 {
        let id = format!("article-{n}");
        let request = match n % 50 {
            7 => request(&id, "s", ""), // invalid
            8 => request(
                "article-0",
                "s",
                "Conflicting content for an id that is already taken.",
            ), // conflict
            _ => request(&id, "s", &format!("{}\nNote {n}.", lines[n % lines.len()])),
        };
        requests.push(request);
    }
    let responses: Vec<pb::SubmitResponse> = server
        .client
        .submit_stream(tokio_stream::iter(requests.clone()))
        .await
        .unwrap()
        .into_inner()
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(responses.len(), requests.len());
    let mut lines_seen = std::collections::HashSet::new();
    for (n, (request, response)) in requests.iter().zip(&responses).enumerate() {
        assert_eq!(
            response.article_id,
            request.article.as_ref().unwrap().id,
            "response {n} out of order"
        );
        match n % 50 {
            7 => assert_eq!(
                response.error.as_ref().map(|e| e.code),
                Some(Code::InvalidArgument as i32)
            ),
            8 => assert_eq!(
                response.error.as_ref().map(|e| e.code),
                Some(Code::AlreadyExists as i32)
            ),
            _ => {
                assert!(response.error.is_none(), "{n}: {:?}", response.error);
                // Stored in stream order: the first article carrying a
                // line is its original, later ones copy it.
                let expected = if lines_seen.insert(n % lines.len()) {
                    Verdict::Original
                } else {
                    Verdict::WireCopy
                };
                assert_eq!(response.verdict(), expected, "article {n}");
            }
        }
    }
    let stored = responses.iter().filter(|r| r.error.is_none()).count();
    let last = responses
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.sequence)
        .max();
    assert_eq!(last, Some(stored as u64), "sequences are contiguous");
    server.stop().await;
}

#[tokio::test]
async fn analyze_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    submit(&mut server, "talks", "a", &body).await;
    let preview = server
        .client
        .analyze(request("preview", "b", &body))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(preview.verdict(), Verdict::WireCopy);
    assert_eq!(preview.canonical_id, "talks");
    assert_eq!(preview.sequence, 0);
    assert_eq!(
        server
            .client
            .get_article(get("preview"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    // Analyze answers what Submit would: a resubmission, or a conflict.
    let own = server
        .client
        .analyze(request("talks", "a", &body))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(own.verdict(), Verdict::Resubmitted);
    assert_eq!(own.stored_verdict(), Verdict::Original);
    let conflict = server
        .client
        .analyze(request(
            "talks",
            "a",
            "Other text entirely, under the same id as before.",
        ))
        .await;
    assert_eq!(conflict.unwrap_err().code(), Code::AlreadyExists);
    server.stop().await;
}

#[tokio::test]
async fn data_and_detection_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (_, body) = seed(SEED_TALKS);
    let lines = paragraphs(&body);
    let mut server = TestServer::start(dir.path()).await;
    let first = submit(&mut server, "talks", "a", &body).await;
    server.stop().await;

    let mut server = TestServer::start(dir.path()).await;
    let stored = server
        .client
        .get_article(get("talks"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.article.unwrap().body, body);
    // The near-copy index was rebuilt: a typo copy still matches.
    let copy = lines
        .join("\n")
        .replace("ceasefire", "ceasfire")
        .replace("progress", "progres");
    let response = submit(&mut server, "copy", "b", &copy).await;
    assert_eq!(response.verdict(), Verdict::WireCopy);
    assert_eq!(response.sequence, first.sequence + 1, "sequences continue");
    assert_eq!(
        submit(&mut server, "talks", "a", &body).await.verdict(),
        Verdict::Resubmitted
    );
    server.stop().await;
}

#[tokio::test]
async fn health_and_reflection_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let channel = server.channel().await;

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "wirecopy.v1.ArticleService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    use tonic_reflection::pb::v1alpha::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer: {response:?}");
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"wirecopy.v1.ArticleService"), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health"), "{names:?}");
    server.stop().await;
}
