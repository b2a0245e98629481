//! Who may do what, over real gRPC: bearer tokens and their scopes, TLS
//! with and without client certificates, and the limits that keep a flood
//! of subscribers or submits from taking the server down.

mod common;

use std::{sync::Arc, time::Duration};

use common::{request, seed, TestServer, SEED_TALKS};
use tokio::net::TcpListener;
use tonic::{
    metadata::MetadataValue,
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
    Code, Request,
};
use wirecopy::{
    api::{
        auth::Tokens,
        pb::{
            self, article_service_client::ArticleServiceClient,
            fact_service_client::FactServiceClient,
        },
    },
    engine::EngineConfig,
    server::{open_engine, serve, ServeOptions, TlsFiles},
    store::StoreConfig,
};

const SCRAPER: &str = "scraper-0123456789abcdef";
const ANALYST: &str = "analyst-0123456789abcdef";
const EDITOR: &str = "editor-0123456789abcdef";

fn with_token<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    let value: MetadataValue<_> = format!("Bearer {token}").parse().expect("ascii token");
    request.metadata_mut().insert("authorization", value);
    request
}

async fn serving(channel: Channel) -> bool {
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .map(|r| r.into_inner().status)
        .ok()
        == Some(tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
}

#[tokio::test]
async fn tokens_and_scopes_decide_who_may_call_what() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tokens = Tokens::parse(&format!(
        "# test tokens\n{SCRAPER} submit\n{ANALYST} read,subscribe\n{EDITOR} delete\n"
    ))
    .expect("token file parses");
    let options = ServeOptions {
        tokens: Some(Arc::new(tokens)),
        ..ServeOptions::default()
    };
    let mut server = TestServer::start_with(dir.path(), EngineConfig::default(), options).await;
    let (_, body) = seed(SEED_TALKS);

    let status = server
        .client
        .submit(request("talks", "armenpress", &body))
        .await
        .expect_err("no token");
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert!(status.message().contains("Bearer"), "{status:?}");
    let status = server
        .client
        .submit(with_token(
            request("talks", "armenpress", &body),
            "not-a-token-0123456789",
        ))
        .await
        .expect_err("unknown token");
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert!(
        !status.message().contains("not-a-token"),
        "tokens are never echoed"
    );

    server
        .client
        .submit(with_token(request("talks", "armenpress", &body), SCRAPER))
        .await
        .expect("the scraper may submit");
    let status = server
        .client
        .get_article(with_token(
            pb::GetArticleRequest { id: "talks".into() },
            SCRAPER,
        ))
        .await
        .expect_err("the scraper may not read");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("read"), "{status:?}");

    let stored = server
        .client
        .get_article(with_token(
            pb::GetArticleRequest { id: "talks".into() },
            ANALYST,
        ))
        .await
        .expect("the analyst may read")
        .into_inner();
    assert_eq!(stored.article.expect("article").body, body);
    let status = server
        .client
        .submit(with_token(request("other", "x", &body), ANALYST))
        .await
        .expect_err("the analyst may not submit");
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut facts = FactServiceClient::new(server.channel().await);
    let mut stream = facts
        .subscribe(with_token(pb::SubscribeRequest::default(), ANALYST))
        .await
        .expect("the analyst may subscribe")
        .into_inner();
    let first = stream.message().await.expect("stream").expect("an event");
    assert_eq!(first.article_id, "talks");
    let status = facts
        .subscribe(with_token(pb::SubscribeRequest::default(), SCRAPER))
        .await
        .expect_err("the scraper may not subscribe");
    assert_eq!(status.code(), Code::PermissionDenied);

    // Only the `delete` scope deletes.
    for token in [SCRAPER, ANALYST] {
        let status = server
            .client
            .delete_article(with_token(
                pb::DeleteArticleRequest { id: "talks".into() },
                token,
            ))
            .await
            .expect_err("only an editor may delete");
        assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
        assert!(status.message().contains("delete"), "{status:?}");
    }
    server
        .client
        .delete_article(with_token(
            pb::DeleteArticleRequest { id: "talks".into() },
            EDITOR,
        ))
        .await
        .expect("the editor may delete");
    let status = server
        .client
        .get_article(with_token(
            pb::GetArticleRequest { id: "talks".into() },
            ANALYST,
        ))
        .await
        .expect_err("deleted");
    assert_eq!(status.code(), Code::NotFound);

    // Health and reflection need no token.
    assert!(serving(server.channel().await).await);
    server.stop().await;
}

/// A CA, a server certificate for localhost and a client certificate,
/// all signed by the CA; PEM.
struct Pki {
    ca: String,
    server: (String, String),
    client: (String, String),
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf = |names: Vec<String>| {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(names).expect("params");
        let certificate = params.signed_by(&key, &issuer).expect("signed");
        (certificate.pem(), key.serialize_pem())
    };
    Pki {
        ca: ca.pem(),
        server: leaf(vec!["localhost".into()]),
        client: leaf(vec!["scraper.example".into()]),
    }
}

/// Starts a TLS server; returns its address and a stop handle.
async fn start_tls(
    dir: &std::path::Path,
    tls: TlsFiles,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let engine = open_engine(&StoreConfig::sled(dir), EngineConfig::default()).expect("opens");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        tls: Some(tls),
        ..ServeOptions::default()
    };
    tokio::spawn(serve(listener, Arc::new(engine), options, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

async fn tls_channel(
    addr: std::net::SocketAddr,
    ca: &str,
    identity: Option<&(String, String)>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some((certificate, key)) = identity {
        tls = tls.identity(Identity::from_pem(certificate, key));
    }
    Channel::from_shared(format!("https://localhost:{}", addr.port()))
        .expect("url")
        .tls_config(tls)?
        .connect()
        .await
}

#[tokio::test]
async fn tls_serves_trusting_clients_and_can_require_client_certificates() {
    let pki = pki();
    let (_, body) = seed(SEED_TALKS);

    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, stop) = start_tls(
        dir.path(),
        TlsFiles {
            certificate: pki.server.0.clone().into_bytes(),
            key: pki.server.1.clone().into_bytes(),
            client_ca: None,
        },
    )
    .await;
    let channel = tls_channel(addr, &pki.ca, None)
        .await
        .expect("TLS connects");
    ArticleServiceClient::new(channel)
        .submit(request("talks", "armenpress", &body))
        .await
        .expect("submit over TLS");
    // A plaintext client gets no answer from a TLS port.
    let plaintext = Channel::from_shared(format!("http://{addr}"))
        .expect("url")
        .connect()
        .await;
    if let Ok(channel) = plaintext {
        let refused = ArticleServiceClient::new(channel)
            .get_article(pb::GetArticleRequest { id: "talks".into() })
            .await;
        assert!(refused.is_err(), "plaintext must not be served");
    }
    let _ = stop.send(());

    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, stop) = start_tls(
        dir.path(),
        TlsFiles {
            certificate: pki.server.0.clone().into_bytes(),
            key: pki.server.1.clone().into_bytes(),
            client_ca: Some(pki.ca.clone().into_bytes()),
        },
    )
    .await;
    let anonymous = match tls_channel(addr, &pki.ca, None).await {
        Ok(channel) => ArticleServiceClient::new(channel)
            .submit(request("talks", "armenpress", &body))
            .await
            .is_ok(),
        Err(_) => false,
    };
    assert!(!anonymous, "a client without a certificate is refused");
    let channel = tls_channel(addr, &pki.ca, Some(&pki.client))
        .await
        .expect("mutual TLS connects");
    ArticleServiceClient::new(channel)
        .submit(request("talks", "armenpress", &body))
        .await
        .expect("a client with a certificate is served");
    let _ = stop.send(());
}

#[tokio::test]
async fn a_flood_of_subscribers_is_refused_beyond_the_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = EngineConfig {
        max_subscribers: 40,
        ..EngineConfig::default()
    };
    let server = TestServer::start_with(dir.path(), config, ServeOptions::default()).await;
    let channel = server.channel().await;
    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..100 {
        match FactServiceClient::new(channel.clone())
            .subscribe(pb::SubscribeRequest::default())
            .await
        {
            Ok(stream) => open.push(stream.into_inner()),
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(status.message().contains("40"), "{status:?}");
                refused += 1;
            }
        }
    }
    assert_eq!(open.len(), 40);
    assert_eq!(refused, 60);
    assert!(serving(server.channel().await).await);
    // Closing subscriptions frees their places.
    open.truncate(30);
    let mut reopened = false;
    for _ in 0..100 {
        if FactServiceClient::new(channel.clone())
            .subscribe(pb::SubscribeRequest::default())
            .await
            .is_ok()
        {
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened, "a closed subscription's place is given back");
    server.stop().await;
}

#[tokio::test]
async fn a_flood_of_submits_is_answered_and_health_checks_go_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = EngineConfig {
        analysis_queue: 8,
        ..EngineConfig::default()
    };
    let server = TestServer::start_with(dir.path(), config, ServeOptions::default()).await;
    let channel = server.channel().await;
    let (_, body) = seed(SEED_TALKS);
    let mut submits = Vec::new();
    for n in 0..600 {
        let mut client = ArticleServiceClient::new(channel.clone());
        let body = format!("{body}\n\nFlood paragraph number {n} says nothing at all of note.");
        submits.push(tokio::spawn(async move {
            let id = format!("flood-{n}");
            (
                id.clone(),
                client.submit(request(&id, "flood.example", &body)).await,
            )
        }));
    }
    // The server answers health checks while the flood is being handled.
    assert!(serving(server.channel().await).await);
    let mut stored = Vec::new();
    let mut refused = 0;
    for submit in submits {
        let (id, outcome) = submit.await.expect("task joins");
        match outcome {
            Ok(_) => stored.push(id),
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                refused += 1;
            }
        }
    }
    eprintln!("flood: {} stored, {refused} refused", stored.len());
    assert!(!stored.is_empty());
    assert!(refused > 0, "600 submits at once overflow a queue of 8");
    assert_eq!(stored.len() + refused, 600);
    let mut client = ArticleServiceClient::new(channel);
    for id in stored {
        client
            .get_article(pb::GetArticleRequest { id: id.clone() })
            .await
            .unwrap_or_else(|status| panic!("acknowledged {id} unreadable: {status:?}"));
    }
    server.stop().await;
}

#[tokio::test]
async fn a_flood_of_analyze_calls_is_refused_beyond_the_queue_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = EngineConfig {
        analysis_queue: 8,
        ..EngineConfig::default()
    };
    let server = TestServer::start_with(dir.path(), config, ServeOptions::default()).await;
    let channel = server.channel().await;
    let (_, body) = seed(SEED_TALKS);
    let mut calls = Vec::new();
    for n in 0..600 {
        let mut client = ArticleServiceClient::new(channel.clone());
        let body = format!("{body}\n\nPreview paragraph number {n} says nothing at all of note.");
        calls.push(tokio::spawn(async move {
            client
                .analyze(request(&format!("preview-{n}"), "flood.example", &body))
                .await
        }));
    }
    assert!(serving(server.channel().await).await);
    let (mut answered, mut refused) = (0, 0);
    for call in calls {
        match call.await.expect("task joins") {
            Ok(_) => answered += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                refused += 1;
            }
        }
    }
    eprintln!("analyze flood: {answered} answered, {refused} refused");
    assert!(answered > 0);
    assert!(refused > 0, "600 analyses at once overflow a queue of 8");
    let mut client = ArticleServiceClient::new(channel);
    for n in [0, 299, 599] {
        let status = client
            .get_article(pb::GetArticleRequest {
                id: format!("preview-{n}"),
            })
            .await
            .expect_err("Analyze stores nothing");
        assert_eq!(status.code(), Code::NotFound);
    }
    server.stop().await;
}

#[tokio::test]
async fn the_request_timeout_cuts_unary_calls_not_streams() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = ServeOptions {
        request_timeout: Duration::from_millis(300),
        ..ServeOptions::default()
    };
    let mut server = TestServer::start_with(dir.path(), EngineConfig::default(), options).await;
    let mut facts = FactServiceClient::new(server.channel().await);
    let mut stream = facts
        .subscribe(pb::SubscribeRequest::default())
        .await
        .expect("subscribe")
        .into_inner();
    // Outlive the timeout several times over, then publish something.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Published through a stream, which the timeout does not cut either:
    // a unary submit may not beat 300 ms in a debug build (the first
    // article compiles some patterns), and one cut in analysis is never
    // stored.
    let (_, body) = seed(SEED_TALKS);
    let mut acks = server
        .client
        .submit_stream(tokio_stream::iter([request("talks", "armenpress", &body)]))
        .await
        .expect("a stream opens")
        .into_inner();
    let ack = acks
        .message()
        .await
        .expect("the stream is not cut")
        .expect("an acknowledgement");
    assert!(ack.error.is_none(), "{ack:?}");
    let event = tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("an event arrives")
        .expect("the stream is still open")
        .expect("an event, not the end");
    assert_eq!(event.article_id, "talks");
    server.stop().await;
}
