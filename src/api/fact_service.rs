//! `wirecopy.v1.FactService` over the engine.

use std::{pin::Pin, sync::Arc, time::Duration};

use tokio_stream::{wrappers::ReceiverStream, Stream, StreamExt};
use tonic::{Request, Response, Status};

use super::{
    convert::{fact_event, list_facts_response, subscription},
    pb::{self, fact_service_server::FactService},
};
use crate::engine::Engine;

/// The FactService implementation.
#[derive(Clone)]
pub struct FactApi {
    engine: Arc<Engine>,
    heartbeat: Duration,
}

impl FactApi {
    /// A service over `engine`; filtered streams send a heartbeat after
    /// `heartbeat` without a matching event.
    pub fn new(engine: Arc<Engine>, heartbeat: Duration) -> Self {
        FactApi { engine, heartbeat }
    }
}

#[tonic::async_trait]
impl FactService for FactApi {
    type SubscribeStream =
        Pin<Box<dyn Stream<Item = Result<pb::FactEvent, Status>> + Send + 'static>>;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let (after, filter) = subscription(request.into_inner())?;
        let deliveries = self.engine.subscribe(after, filter, self.heartbeat)?;
        let events = ReceiverStream::new(deliveries).map(|delivery| Ok(fact_event(delivery)));
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
            .map_err(|e| Status::internal(format!("read task failed: {e}")))??;
        Ok(Response::new(list_facts_response(article_id, facts)))
    }
}
