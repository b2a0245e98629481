//! Hostile and odd input over real gRPC: every request gets a specific
//! status or a correct result, the server keeps answering health checks,
//! and what was stored before is unchanged.

mod common;

use common::{request, seed, submit, TestServer, SEED_SPUTNIK};
use tonic::Code;
use wirecopy::api::pb;

/// What a hostile request must leave intact: a stored article, read back
/// byte for byte, and a server that still answers health checks.
struct Baseline {
    body: String,
}

impl Baseline {
    async fn store(server: &mut TestServer) -> Baseline {
        let (_, body) = seed(SEED_SPUTNIK);
        submit(server, "baseline", "sputnik", &body).await;
        Baseline { body }
    }

    async fn check(&self, server: &mut TestServer, after: &str) {
        let stored = server
            .client
            .get_article(pb::GetArticleRequest {
                id: "baseline".into(),
            })
            .await
            .unwrap_or_else(|status| panic!("baseline unreadable after {after}: {status:?}"))
            .into_inner();
        let article = stored.article.expect("article present");
        assert_eq!(article.body, self.body, "baseline changed after {after}");
        let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel().await);
        let status = health
            .check(tonic_health::pb::HealthCheckRequest::default())
            .await
            .unwrap_or_else(|status| panic!("health check failed after {after}: {status:?}"))
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "not serving after {after}"
        );
    }
}

/// Submits `article`; expects INVALID_ARGUMENT naming `field`.
async fn expect_invalid(server: &mut TestServer, article: pb::Article, field: &str) {
    let id = article.id.chars().take(40).collect::<String>();
    let status = server
        .client
        .submit(pb::SubmitRequest {
            article: Some(article),
        })
        .await
        .expect_err("hostile article must be refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{id}: {status:?}");
    assert!(
        status.message().contains(field),
        "{id}: message {:?} should name {field}",
        status.message()
    );
}

/// Submits `article`, expects success, reads it back byte for byte, and
/// checks that every fact's provenance is a valid code-point span of the
/// body; returns the response.
async fn expect_stored(server: &mut TestServer, article: pb::Article) -> pb::SubmitResponse {
    let id = article.id.clone();
    let response = server
        .client
        .submit(pb::SubmitRequest {
            article: Some(article.clone()),
        })
        .await
        .unwrap_or_else(|status| panic!("{id:?} refused: {status:?}"))
        .into_inner();
    assert_eq!(response.article_id, id);
    let stored = server
        .client
        .get_article(pb::GetArticleRequest { id: id.clone() })
        .await
        .unwrap_or_else(|status| panic!("{id:?} unreadable: {status:?}"))
        .into_inner()
        .article
        .expect("article present");
    assert_eq!(stored, article, "{id:?} did not round-trip");
    let mut facts = pb::fact_service_client::FactServiceClient::new(server.channel().await);
    let listed = facts
        .list_facts(pb::ListFactsRequest {
            article_id: id.clone(),
        })
        .await
        .unwrap_or_else(|status| panic!("facts of {id:?}: {status:?}"))
        .into_inner();
    let length = article.body.chars().count() as u32;
    for fact in &listed.facts {
        let span = fact.provenance.as_ref().expect("provenance");
        assert!(
            span.start < span.end && span.end <= length,
            "{id:?}: span {}..{} outside a body of {length} code points",
            span.start,
            span.end
        );
    }
    response
}

fn article(id: &str, body: impl Into<String>) -> pb::Article {
    pb::Article {
        id: id.to_owned(),
        source: "hostile.example".into(),
        body: body.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn empty_and_oversized_bodies_are_refused_by_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::start(dir.path()).await;
    let baseline = Baseline::store(&mut server).await;

    expect_invalid(&mut server, article("empty", ""), "article.body").await;
    expect_invalid(
        &mut server,
        article("blank", " \n\t\r\n \u{a0}\n"),
        "article.body",
    )
    .await;
    expect_invalid(
        &mut server,
        article("too-many-paragraphs", "word\n".repeat(100_000)),
        "article.body",
    )
    .await;
    expect_invalid(
        &mut server,
        article("over-a-mebibyte", "x".repeat(1024 * 1024 + 1)),
        "article.body",
    )
    .await;
    baseline.check(&mut server, "refused bodies").await;

    // At the limits, the same shapes are stored.
    expect_stored(
        &mut server,
        article("many-paragraphs", "word\n".repeat(10_000)),
    )
    .await;
    let unbroken = "abcdefghij".repeat(1024 * 1024 / 10);
    expect_stored(&mut server, article("one-mebibyte-no-spaces", unbroken)).await;
    baseline.check(&mut server, "bodies at the limits").await;
    server.stop().await;
}

#[tokio::test]
async fn odd_characters_are_stored_exactly_with_valid_spans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::start(dir.path()).await;
    let baseline = Baseline::store(&mut server).await;

    let bodies = [
        (
            "nul-and-controls",
            "NUL \u{0} here, bell \u{7}, escape \u{1b}[31m red, form feed \u{c}.\n\n\
             \"We will not\u{0} stop,\" said Foreign Minister Sergey Lavrov on Tuesday.",
        ),
        (
            "right-to-left",
            "\u{202e}desrever si txet sihT\u{202c} and Arabic: قال وزير الخارجية الروسي \
             سيرغي لافروف إن المحادثات ستستأنف.\n\nעברית: \"שלום\", אמר השר.",
        ),
        (
            "combining-marks",
            "Cafe\u{301} owner Jose\u{301} Nun\u{303}ez said \"prices rose 5%\" in Za\u{308}ri\
             ch.\n\nZ\u{351}\u{34b}\u{34a}a\u{35b}\u{346}l\u{34b}g\u{30a}o\u{35e} text \
             with stacked marks a\u{300}\u{301}\u{302}\u{303}\u{304}\u{305}.",
        ),
        (
            "emoji",
            "👍🏽 Family 👨‍👩‍👧‍👦 flags 🇷🇺🇦🇲 and \"quotes 😀\" said the Minister of Fun, \
             John Smith, on 12 March 2021.\n\n🔥🔥🔥 $5 million 🔥🔥🔥",
        ),
    ];
    for (id, body) in bodies {
        expect_stored(&mut server, article(id, body)).await;
    }
    baseline.check(&mut server, "odd characters").await;
    server.stop().await;
}

#[tokio::test]
async fn unbalanced_quotation_marks_and_other_pathological_shapes_are_handled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::start(dir.path()).await;
    let baseline = Baseline::store(&mut server).await;

    // Tens of thousands of quotation marks in a few paragraphs: a
    // quadratic pairing would take minutes here, a linear one milliseconds.
    let opening_only = "\u{201c}he said ".repeat(20_000);
    let nested =
        "\"a 'b \u{201c}c \u{2018}d ".repeat(10_000) + &"\u{2019}\u{201d}' \"".repeat(10_000);
    let straight = "\" ".repeat(100_000);
    let mixed = "Officials said \"the talks \u{201c}would resume\" next week,\u{201d} \
                 adding 'that's all\u{2019} for now."
        .repeat(2_000);
    // Other shapes that once made extraction quadratic: thousands of
    // dates in one sentence, and thousands of one-word sentences.
    let dates = "on Monday and 3 March 2020 ".repeat(8_000);
    let sentences = "A. ".repeat(100_000);
    for (id, body) in [
        ("opening-only", opening_only),
        ("nested", nested),
        ("straight", straight),
        ("mixed", mixed),
        ("dates-in-one-sentence", dates),
        ("one-word-sentences", sentences),
    ] {
        expect_stored(&mut server, article(id, body)).await;
    }
    baseline.check(&mut server, "quotation marks").await;
    server.stop().await;
}

#[tokio::test]
async fn odd_ids_labels_and_timestamps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::start(dir.path()).await;
    let baseline = Baseline::store(&mut server).await;
    let body = "Foreign Minister Sergey Lavrov said on Tuesday that talks would resume \
                next year, on September 27, and in 3 weeks at a cost of $2 billion.";

    // Ids are opaque: slashes, newlines and URL syntax are kept as given,
    // and reads by the same id find them.
    for id in [
        "https://example.com/2020/12/01/story?id=1&x=/../y",
        "line\nbreak\r\nand\ttab",
        "/",
        "ü/日本/🙂",
    ] {
        expect_stored(&mut server, article(id, body)).await;
        let duplicates = server
            .client
            .get_duplicates(pb::GetDuplicatesRequest { id: id.into() })
            .await
            .unwrap_or_else(|status| panic!("duplicates of {id:?}: {status:?}"))
            .into_inner();
        assert_eq!(duplicates.article_id, id);
    }
    let long_id = "i".repeat(10 * 1024);
    expect_invalid(&mut server, article(&long_id, body), "article.id").await;
    let status = server
        .client
        .get_article(pb::GetArticleRequest { id: long_id })
        .await
        .expect_err("a 10 KB id cannot be read");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("id"), "{status:?}");

    let mut labelled = article("ten-thousand-labels", body);
    labelled.labels = (0..10_000).map(|n| (format!("k{n}"), "v".into())).collect();
    expect_invalid(&mut server, labelled.clone(), "article.labels").await;
    labelled.id = "a-thousand-labels".into();
    labelled.labels = (0..1_000).map(|n| (format!("k{n}"), "v".into())).collect();
    expect_stored(&mut server, labelled).await;

    // The first and last instants a Timestamp can hold, and one past each.
    for (id, seconds, accepted) in [
        ("year-1", -62_135_596_800, true),
        ("year-9999", 253_402_300_799, true),
        ("before-year-1", -62_135_596_801, false),
        ("after-year-9999", 253_402_300_800, false),
    ] {
        let mut dated = article(id, body);
        dated.published_at = Some(prost_types::Timestamp { seconds, nanos: 0 });
        if accepted {
            expect_stored(&mut server, dated).await;
        } else {
            expect_invalid(&mut server, dated, "article.published_at.seconds").await;
        }
    }
    let mut bad_nanos = article("bad-nanos", body);
    bad_nanos.published_at = Some(prost_types::Timestamp {
        seconds: 0,
        nanos: -1,
    });
    expect_invalid(&mut server, bad_nanos, "article.published_at.nanos").await;

    // A refused resubmission changes nothing either.
    let status = server
        .client
        .submit(request("baseline", "sputnik", "different text entirely"))
        .await
        .expect_err("a changed body under a stored id is refused");
    assert_eq!(status.code(), Code::AlreadyExists);
    baseline
        .check(&mut server, "odd ids, labels and timestamps")
        .await;
    server.stop().await;
}

/// A SubmitRequest whose strings travel as raw bytes, to send what a
/// well-behaved client library cannot: text that is not UTF-8.
#[derive(Clone, PartialEq, prost::Message)]
struct RawSubmitRequest {
    #[prost(message, optional, tag = "1")]
    article: Option<RawArticle>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RawArticle {
    #[prost(bytes = "vec", tag = "1")]
    id: Vec<u8>,
    #[prost(bytes = "vec", tag = "5")]
    body: Vec<u8>,
}

#[tokio::test]
async fn text_that_is_not_utf8_is_refused_as_a_malformed_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::start(dir.path()).await;
    let baseline = Baseline::store(&mut server).await;

    // A lone UTF-16 surrogate as CESU-8 bytes, an overlong NUL, and a
    // truncated sequence: none is UTF-8, so none can be a protobuf string.
    for bytes in [
        &b"lone \xed\xa0\x80 surrogate"[..],
        b"overlong \xc0\x80",
        b"cut \xe2\x82",
    ] {
        let mut grpc = tonic::client::Grpc::new(server.channel().await);
        grpc.ready().await.expect("channel ready");
        let request = RawSubmitRequest {
            article: Some(RawArticle {
                id: b"raw".to_vec(),
                body: bytes.to_vec(),
            }),
        };
        let status = grpc
            .unary::<_, pb::SubmitResponse, _>(
                tonic::Request::new(request),
                tonic::codegen::http::uri::PathAndQuery::from_static(
                    "/wirecopy.v1.ArticleService/Submit",
                ),
                tonic_prost::ProstCodec::default(),
            )
            .await
            .expect_err("a body that is not UTF-8 is refused");
        // gRPC's status-code guide assigns INTERNAL to a request that does
        // not parse; tonic follows it and names the cause.
        assert_eq!(status.code(), Code::Internal, "{status:?}");
        assert!(status.message().contains("UTF-8"), "{status:?}");
    }
    let status = server
        .client
        .get_article(pb::GetArticleRequest { id: "raw".into() })
        .await
        .expect_err("nothing was stored");
    assert_eq!(status.code(), Code::NotFound);
    baseline.check(&mut server, "malformed UTF-8").await;
    server.stop().await;
}
