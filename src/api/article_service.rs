//! `wirecopy.v1.ArticleService` over the engine.

use std::{pin::Pin, sync::Arc};

use tokio::sync::mpsc;
use tokio_stream::{wrappers::ReceiverStream, Stream};
use tonic::{Request, Response, Status, Streaming};

use super::{
    convert::{
        article_from_request, delete_response, duplicates_response, get_article_response,
        submit_response,
    },
    observe::record_submission,
    pb::{self, article_service_server::ArticleService},
    status::stream_error,
};
use crate::{
    engine::{Engine, Prepared, Ticket},
    error::Error,
};

/// Articles a SubmitStream may have queued but not yet answered. Bounds
/// the memory one stream can hold and applies backpressure to its client.
const STREAM_WINDOW: usize = 1024;

/// The ArticleService implementation.
#[derive(Clone)]
pub struct ArticleApi {
    engine: Arc<Engine>,
}

impl ArticleApi {
    /// A service over `engine`.
    pub fn new(engine: Arc<Engine>) -> Self {
        ArticleApi { engine }
    }
}

/// Articles an export reads from the store at a time; also how many it
/// holds ready for a slow client.
const EXPORT_PAGE: usize = 64;

/// Articles of one stream being prepared at once.
const PREPARE_WINDOW: usize = 8;

/// One request of a stream, between reader and sequencer.
enum Preparing {
    Article(String, tokio::task::JoinHandle<Result<Prepared, Error>>),
    /// The client's stream failed (for example an oversized message).
    Failed(Status),
}

/// One request of a stream, in flight between sequencer and responder.
enum InFlight {
    Queued(String, Result<Answer, Error>),
    /// The client's stream failed (for example an oversized message).
    Failed(Status),
}

/// A stored article's response, once durable.
type Answer = tokio::task::JoinHandle<Result<pb::SubmitResponse, Error>>;

/// Waits for `ticket` in a task of its own and counts the stored article
/// in the metrics there: an article that was queued is stored even when
/// its caller stops waiting (a timeout, a client gone), and must be
/// counted all the same.
fn answer(ticket: Ticket) -> Answer {
    tokio::spawn(async move {
        let response = submit_response(ticket.outcome().await?);
        record_submission(&response);
        Ok(response)
    })
}

/// What [`answer`] found. Its task fails only by panicking.
async fn answered(answer: Answer) -> Result<pb::SubmitResponse, Error> {
    answer
        .await
        .unwrap_or_else(|failure| Err(Error::task_failed("answering the article", failure)))
}

#[tonic::async_trait]
impl ArticleService for ArticleApi {
    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let article = article_from_request(request.into_inner())?;
        let prepared = self.engine.prepare(article).await?;
        let ticket = self.engine.enqueue_prepared(prepared).await?;
        Ok(Response::new(answered(answer(ticket)).await?))
    }

    type SubmitStreamStream =
        Pin<Box<dyn Stream<Item = Result<pb::SubmitResponse, Status>> + Send + 'static>>;

    async fn submit_stream(
        &self,
        request: Request<Streaming<pb::SubmitRequest>>,
    ) -> Result<Response<Self::SubmitStreamStream>, Status> {
        let mut incoming = request.into_inner();
        let (queued_tx, mut queued_rx) = mpsc::channel::<InFlight>(STREAM_WINDOW);
        let (out_tx, out_rx) = mpsc::channel(STREAM_WINDOW);

        // Reader: starts preparing articles (text pipeline and fact
        // extraction, on the engine's prepare threads), a few at once.
        let (prepared_tx, mut prepared_rx) = mpsc::channel(PREPARE_WINDOW);
        let engine = Arc::clone(&self.engine);
        tokio::spawn(async move {
            loop {
                let item = match incoming.message().await {
                    Ok(Some(request)) => {
                        let id = request
                            .article
                            .as_ref()
                            .map(|a| a.id.clone())
                            .unwrap_or_default();
                        let engine = Arc::clone(&engine);
                        let preparing = tokio::spawn(async move {
                            match article_from_request(request) {
                                Ok(article) => engine.prepare(article).await,
                                Err(error) => Err(error),
                            }
                        });
                        Preparing::Article(id, preparing)
                    }
                    Ok(None) => break,
                    Err(status) => Preparing::Failed(status),
                };
                let failed = matches!(item, Preparing::Failed(_));
                if prepared_tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });

        // Sequencer: queues prepared articles with the writer in request
        // order, without waiting for each to be stored, so a stream fills
        // group commits.
        let engine = Arc::clone(&self.engine);
        tokio::spawn(async move {
            while let Some(item) = prepared_rx.recv().await {
                let item = match item {
                    Preparing::Article(id, preparing) => {
                        let ticket = match preparing.await {
                            Ok(Ok(prepared)) => engine.enqueue_prepared(prepared).await.map(answer),
                            Ok(Err(error)) => Err(error),
                            Err(failure) => {
                                Err(Error::task_failed("preparing the article", failure))
                            }
                        };
                        InFlight::Queued(id, ticket)
                    }
                    Preparing::Failed(status) => InFlight::Failed(status),
                };
                if queued_tx.send(item).await.is_err() {
                    break;
                }
            }
        });

        // Responder: answers in request order as each becomes durable.
        tokio::spawn(async move {
            while let Some(item) = queued_rx.recv().await {
                let response = match item {
                    InFlight::Queued(id, answer) => {
                        let outcome = match answer {
                            Ok(answer) => answered(answer).await,
                            Err(error) => Err(error),
                        };
                        Ok(outcome.unwrap_or_else(|error| {
                            let refused = pb::SubmitResponse {
                                article_id: id,
                                error: Some(stream_error(&error)),
                                ..Default::default()
                            };
                            record_submission(&refused);
                            refused
                        }))
                    }
                    InFlight::Failed(status) => Err(status),
                };
                if out_tx.send(response).await.is_err() {
                    break;
                }
            }
        });

        Ok(Response::new(Box::pin(ReceiverStream::new(out_rx))))
    }

    async fn analyze(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let article = article_from_request(request.into_inner())?;
        // On the engine's prepare threads, behind the same bounded queue as
        // submits: a flood of Analyze calls is refused, not queued.
        let submission = self.engine.analyze(article).await?;
        Ok(Response::new(submit_response(submission)))
    }

    async fn get_article(
        &self,
        request: Request<pb::GetArticleRequest>,
    ) -> Result<Response<pb::GetArticleResponse>, Status> {
        let engine = Arc::clone(&self.engine);
        let id = request.into_inner().id;
        // Store reads block: keep them off the reactor threads.
        let stored = tokio::task::spawn_blocking(move || engine.get_article(&id))
            .await
            .map_err(|e| Status::from(Error::task_failed("reading the article", e)))??;
        Ok(Response::new(get_article_response(stored)))
    }

    async fn get_duplicates(
        &self,
        request: Request<pb::GetDuplicatesRequest>,
    ) -> Result<Response<pb::GetDuplicatesResponse>, Status> {
        let engine = Arc::clone(&self.engine);
        let id = request.into_inner().id;
        let duplicates = tokio::task::spawn_blocking(move || engine.duplicates(&id))
            .await
            .map_err(|e| Status::from(Error::task_failed("finding the duplicates", e)))??;
        Ok(Response::new(duplicates_response(duplicates)))
    }

    async fn delete_article(
        &self,
        request: Request<pb::DeleteArticleRequest>,
    ) -> Result<Response<pb::DeleteArticleResponse>, Status> {
        let id = request.into_inner().id;
        let deleted = self.engine.delete(&id).await?;
        tracing::info!(id = %deleted.id, sequence = deleted.sequence, "article deleted");
        Ok(Response::new(delete_response(deleted)))
    }

    type ExportStream = ReceiverStream<Result<pb::GetArticleResponse, Status>>;

    async fn export(
        &self,
        request: Request<pb::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        let mut after = request.into_inner().after_sequence;
        let engine = Arc::clone(&self.engine);
        let until = engine.last_sequence()?;
        let (sender, receiver) = mpsc::channel(EXPORT_PAGE);
        tokio::spawn(async move {
            while after < until {
                let reader = Arc::clone(&engine);
                let page = tokio::task::spawn_blocking(move || {
                    reader.articles_between(after, until, EXPORT_PAGE)
                })
                .await
                .map_err(|e| Status::from(Error::task_failed("reading an export page", e)))
                .and_then(|page| page.map_err(Status::from));
                let page = match page {
                    Ok(page) if !page.is_empty() => page,
                    Ok(_) => return,
                    Err(status) => {
                        let _ = sender.send(Err(status)).await;
                        return;
                    }
                };
                for stored in page {
                    after = stored.analysis.sequence;
                    // A client that hung up ends the export.
                    if sender.send(Ok(get_article_response(stored))).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(receiver)))
    }
}
