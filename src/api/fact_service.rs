//! `wirecopy.v1.FactService` over the engine.

use std::{pin::Pin, sync::Arc, time::Duration};

use futures_util::StreamExt;
use tokio_stream::{wrappers::ReceiverStream, Stream};
use tonic::{Request, Response, Status};

use super::observe::SubscriberPositions;
use super::{
    convert::{list_facts_response, subscription},
    fact_stream::{server::fact_service_server::FactService, EncodedFactEvent},
    pb,
};
use crate::engine::{Delivery, Engine};
use crate::error::Error;

/// The FactService implementation.
#[derive(Clone)]
pub struct FactApi {
    engine: Arc<Engine>,
    heartbeat: Duration,
    subscribers: Arc<SubscriberPositions>,
}

impl FactApi {
    /// A service over `engine`; filtered streams send a heartbeat after
    /// `heartbeat` without a matching event.
    pub fn new(
        engine: Arc<Engine>,
        heartbeat: Duration,
        subscribers: Arc<SubscriberPositions>,
    ) -> Self {
        FactApi {
            engine,
            heartbeat,
            subscribers,
        }
    }
}

#[tonic::async_trait]
impl FactService for FactApi {
    type SubscribeStream =
        Pin<Box<dyn Stream<Item = Result<EncodedFactEvent, Status>> + Send + 'static>>;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let (after, filter) = subscription(request.into_inner())?;
        let start = after.unwrap_or_else(|| self.engine.fact_head());
        let deliveries = self.engine.subscribe(after, filter, self.heartbeat)?;
        // Tracks how far the client has read, for the lag metrics; dropped
        // with the stream.
        let position = self.subscribers.register(start);
        let events = ReceiverStream::new(deliveries)
            .flat_map(futures_util::stream::iter)
            .map(move |delivery| {
                position.advance(match &delivery {
                    Delivery::Event(event) => event.sequence,
                    Delivery::Heartbeat(sequence) => *sequence,
                });
                Ok(EncodedFactEvent::from(&delivery))
            });
        Ok(Response::new(Box::pin(events)))
    }

    async fn list_facts(
        &self,
        request: Request<pb::ListFactsRequest>,
    ) -> Result<Response<pb::ListFactsResponse>, Status> {
        let article_id = request.into_inner().article_id;
        let engine = Arc::clone(&self.engine);
        let id = article_id.clone();
        // Store reads block: keep them off the reactor threads.
        let facts = tokio::task::spawn_blocking(move || engine.list_facts(&id))
            .await
            .map_err(|e| Status::from(Error::task_failed("reading the facts", e)))??;
        Ok(Response::new(list_facts_response(article_id, facts)))
    }
}
