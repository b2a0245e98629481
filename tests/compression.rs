//! gzip and zstd on every service the server exposes: ours, health and
//! both reflection versions. Requests go out compressed (a server that did
//! not accept the encoding would answer UNIMPLEMENTED) and the test watches
//! the `grpc-encoding` header of every response, so it sees what the server
//! actually sent rather than what the client decoded.

mod common;

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use common::*;
use tokio_stream::StreamExt;
use tonic::{body::Body, codec::CompressionEncoding, transport::Channel};
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
use wirecopy::api::pb::{
    self, article_service_client::ArticleServiceClient, fact_service_client::FactServiceClient,
};

/// A channel that records the `grpc-encoding` of every response.
#[derive(Clone)]
struct EncodingSpy {
    channel: Channel,
    seen: Arc<Mutex<Vec<String>>>,
}

impl EncodingSpy {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

impl tower_service::Service<http::Request<Body>> for EncodingSpy {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.channel.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let response = self.channel.call(request);
        let seen = Arc::clone(&self.seen);
        Box::pin(async move {
            let response = response.await?;
            let encoding = response
                .headers()
                .get("grpc-encoding")
                .and_then(|value| value.to_str().ok())
                .unwrap_or("identity")
                .to_owned();
            seen.lock().unwrap().push(encoding);
            Ok(response)
        })
    }
}

#[tokio::test]
async fn every_service_accepts_and_sends_gzip_and_zstd() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let spy = EncodingSpy {
        channel: server.channel().await,
        seen: Arc::default(),
    };
    let (_, body) = seed(SEED_TALKS);

    for encoding in [CompressionEncoding::Gzip, CompressionEncoding::Zstd] {
        let name = if encoding == CompressionEncoding::Gzip {
            "gzip"
        } else {
            "zstd"
        };
        let id = format!("talks-{name}");

        let mut articles = ArticleServiceClient::new(spy.clone())
            .send_compressed(encoding)
            .accept_compressed(encoding);
        articles
            .submit(request(&id, "compressed.example", &body))
            .await
            .unwrap();
        articles
            .get_article(pb::GetArticleRequest { id: id.clone() })
            .await
            .unwrap();

        let mut facts = FactServiceClient::new(spy.clone())
            .send_compressed(encoding)
            .accept_compressed(encoding);
        let mut events = facts
            .subscribe(pb::SubscribeRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(events.next().await.unwrap().is_ok());
        drop(events);

        let mut health = HealthClient::new(spy.clone())
            .send_compressed(encoding)
            .accept_compressed(encoding);
        health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap();

        list_services_v1(&spy, encoding).await;
        list_services_v1alpha(&spy, encoding).await;

        assert_eq!(spy.take(), vec![name; 6], "{name}");
    }
    server.stop().await;
}

async fn list_services_v1(spy: &EncodingSpy, encoding: CompressionEncoding) {
    use tonic_reflection::pb::v1::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, ServerReflectionRequest,
    };
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = ServerReflectionClient::new(spy.clone())
        .send_compressed(encoding)
        .accept_compressed(encoding)
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    assert!(responses.next().await.unwrap().is_ok());
}

async fn list_services_v1alpha(spy: &EncodingSpy, encoding: CompressionEncoding) {
    use tonic_reflection::pb::v1alpha::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, ServerReflectionRequest,
    };
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = ServerReflectionClient::new(spy.clone())
        .send_compressed(encoding)
        .accept_compressed(encoding)
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    assert!(responses.next().await.unwrap().is_ok());
}
