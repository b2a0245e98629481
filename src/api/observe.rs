//! What the gRPC layer reports to [`crate::metrics`]: every call by RPC
//! and final status with its duration, and the calls in flight (a tower
//! layer in front of all services, which also logs each call at debug
//! level when it ends),
//! what each submission found, and where each fact subscriber is.
//!
//! Recording goes through the `metrics` facade, so without an installed
//! recorder (tests, `--metrics-listen` unset) all of this costs next to
//! nothing.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, OnceLock, PoisonError,
    },
    task::{Context, Poll},
    time::Instant,
};

use prost::Message;
use tonic::{body::Body, codegen::http};

use super::pb;
use crate::metrics::names;

/// The verdict label of an article refused inside a SubmitStream.
const REFUSED_VERDICT: &str = "ERROR";

/// The RPC label for calls to paths no service defines: a scanner trying
/// random paths must not create a time series per path.
const OTHER_RPC: &str = "other";

/// Tower layer counting and timing every call.
#[derive(Clone)]
pub struct RpcMetricsLayer {
    known: Arc<HashMap<String, Arc<RpcSeries>>>,
    other: Arc<RpcSeries>,
}

impl RpcMetricsLayer {
    /// Labels calls by the methods in `descriptor_sets` (encoded
    /// `FileDescriptorSet`s) plus reflection; anything else is `other`.
    pub fn new(descriptor_sets: &[&[u8]]) -> Self {
        let mut known: Vec<String> = [
            "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        for set in descriptor_sets {
            // Our own compiled-in descriptors: they always decode; if one
            // did not, its calls would only be labelled `other`.
            let Ok(set) = prost_types::FileDescriptorSet::decode(*set) else {
                continue;
            };
            for file in set.file {
                for service in &file.service {
                    for method in &service.method {
                        known.push(format!(
                            "{}.{}/{}",
                            file.package(),
                            service.name(),
                            method.name()
                        ));
                    }
                }
            }
        }
        let known = known
            .into_iter()
            .map(|rpc| {
                let series = RpcSeries::new(&rpc);
                (rpc, series)
            })
            .collect();
        RpcMetricsLayer {
            known: Arc::new(known),
            other: RpcSeries::new(OTHER_RPC),
        }
    }
}

impl<S> tower_layer::Layer<S> for RpcMetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured {
            inner,
            layer: self.clone(),
        }
    }
}

/// A service behind [`RpcMetricsLayer`].
#[derive(Clone)]
pub struct Measured<S> {
    inner: S,
    layer: RpcMetricsLayer,
}

/// gRPC status codes, 0 (`Ok`) to 16 (`Unauthenticated`).
const STATUS_CODES: usize = 17;

/// The series of one `rpc` label. Each is registered with the recorder on
/// first use and kept, so that a call costs a few atomic operations, not
/// registry lookups and label allocations; a series never used is never
/// exported.
struct RpcSeries {
    rpc: metrics::SharedString,
    in_flight: OnceLock<metrics::Gauge>,
    seconds: OnceLock<metrics::Histogram>,
    /// Calls ended, by status code (indexed by its number).
    ended: [OnceLock<metrics::Counter>; STATUS_CODES],
}

impl RpcSeries {
    fn new(rpc: &str) -> Arc<Self> {
        Arc::new(RpcSeries {
            rpc: metrics::SharedString::from(Arc::<str>::from(rpc)),
            in_flight: OnceLock::new(),
            seconds: OnceLock::new(),
            ended: std::array::from_fn(|_| OnceLock::new()),
        })
    }

    fn in_flight(&self) -> &metrics::Gauge {
        self.in_flight
            .get_or_init(|| metrics::gauge!(names::RPC_IN_FLIGHT, "rpc" => self.rpc.clone()))
    }

    fn seconds(&self) -> &metrics::Histogram {
        self.seconds
            .get_or_init(|| metrics::histogram!(names::RPC_SECONDS, "rpc" => self.rpc.clone()))
    }

    fn ended(&self, code: tonic::Code) -> &metrics::Counter {
        // tonic's codes are gRPC's seventeen; a newer one would count as
        // Unknown rather than panic.
        let (slot, code) = match self.ended.get(code as usize) {
            Some(slot) => (slot, code),
            None => (
                &self.ended[tonic::Code::Unknown as usize],
                tonic::Code::Unknown,
            ),
        };
        slot.get_or_init(|| {
            metrics::counter!(
                names::RPC_REQUESTS,
                "rpc" => self.rpc.clone(),
                "code" => format!("{code:?}")
            )
        })
    }
}

type ResponseFuture<E> = Pin<Box<dyn Future<Output = Result<http::Response<Body>, E>> + Send>>;

impl<S, B> tower_service::Service<http::Request<B>> for Measured<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path().trim_start_matches('/');
        let series = self.layer.known.get(path).unwrap_or(&self.layer.other);
        let mut call = CallRecord::start(Arc::clone(series));
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = match response.await {
                Ok(response) => response,
                Err(error) => {
                    // The transport could not produce a response at all.
                    call.finish(tonic::Code::Internal);
                    return Err(error);
                }
            };
            // A call that fails before sending anything answers
            // "trailers-only": the status is in the headers and the body
            // is empty. Any other call, unary or streaming, sends its
            // status in the trailers after the last message, so the body
            // carries the record until then.
            if let Some(code) = status_code(response.headers()) {
                call.finish(code);
                return Ok(response);
            }
            Ok(response.map(|body| Body::new(MeasuredBody { inner: body, call })))
        })
    }
}

/// The `grpc-status` in `headers` (response headers or trailers), if any.
fn status_code(headers: &http::HeaderMap) -> Option<tonic::Code> {
    headers
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<i32>().ok())
        .map(tonic::Code::from_i32)
}

/// One call being measured. It is recorded exactly once: with the status
/// the server sent, or as `Cancelled` when it is dropped unfinished (the
/// client reset the stream or went away before the status was sent).
struct CallRecord {
    series: Arc<RpcSeries>,
    started: Instant,
    finished: bool,
}

impl CallRecord {
    fn start(series: Arc<RpcSeries>) -> Self {
        series.in_flight().increment(1.0);
        CallRecord {
            series,
            started: Instant::now(),
            finished: false,
        }
    }

    fn finish(&mut self, code: tonic::Code) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let seconds = self.started.elapsed().as_secs_f64();
        // Failures the server causes are logged where they happen
        // (`api::status`); this line is the per-call trace for
        // RUST_LOG=wirecopy=debug.
        tracing::debug!(rpc = %self.series.rpc, ?code, seconds, "rpc");
        self.series.in_flight().decrement(1.0);
        self.series.ended(code).increment(1);
        self.series.seconds().record(seconds);
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        self.finish(tonic::Code::Cancelled);
    }
}

/// A response body that finishes its [`CallRecord`] when the call's status
/// goes out in the trailers (or the body fails or ends without one).
struct MeasuredBody {
    inner: Body,
    call: CallRecord,
}

impl http_body::Body for MeasuredBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        // Both fields are Unpin, so the body can be reached through the pin.
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    this.call
                        .finish(status_code(trailers).unwrap_or(tonic::Code::Unknown));
                }
            }
            Poll::Ready(Some(Err(status))) => this.call.finish(status.code()),
            // Ended after its trailers (already finished), or without any.
            Poll::Ready(None) => this.call.finish(tonic::Code::Unknown),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Puts the article, paragraph and fact counters on the exposition at zero,
/// for every verdict and match kind. Prometheus takes a series that first
/// appears already at 1 as having always been 1, so without this the first
/// WIRE_COPY after a start would never show in `rate()`.
pub fn start_counters_at_zero() {
    use pb::{MatchKind, Verdict};
    let verdicts = [
        Verdict::Original,
        Verdict::PartialCopy,
        Verdict::WireCopy,
        Verdict::Resubmitted,
    ];
    for verdict in verdicts
        .map(|verdict| verdict.as_str_name())
        .into_iter()
        .chain([REFUSED_VERDICT])
    {
        metrics::counter!(names::ARTICLES, "verdict" => verdict).absolute(0);
    }
    let kinds = [
        MatchKind::Exact,
        MatchKind::Near,
        MatchKind::None,
        MatchKind::Skipped,
        MatchKind::Partial,
    ];
    for kind in kinds.map(|kind| kind.as_str_name()) {
        metrics::counter!(names::PARAGRAPHS, "kind" => kind).absolute(0);
    }
    metrics::counter!(names::FACTS_CREATED).absolute(0);
    metrics::counter!(names::FACTS_CORROBORATED).absolute(0);
}

/// Counts what one stored (or resubmitted) article was found to be.
/// An article refused inside a `SubmitStream` counts as verdict `ERROR`
/// (a refused unary `Submit` shows only in the RPC counts, by status).
pub fn record_submission(response: &pb::SubmitResponse) {
    if response.error.is_some() {
        metrics::counter!(names::ARTICLES, "verdict" => REFUSED_VERDICT).increment(1);
        return;
    }
    let verdict =
        pb::Verdict::try_from(response.verdict).map_or("UNKNOWN", |verdict| verdict.as_str_name());
    metrics::counter!(names::ARTICLES, "verdict" => verdict).increment(1);
    if response.verdict == pb::Verdict::Resubmitted as i32 {
        // Nothing new was stored: its paragraphs and facts were counted
        // the first time.
        return;
    }
    let mut kinds: HashMap<&'static str, u64> = HashMap::new();
    for paragraph in &response.paragraphs {
        let kind = pb::MatchKind::try_from(paragraph.kind).map_or("UNKNOWN", |k| k.as_str_name());
        *kinds.entry(kind).or_default() += 1;
    }
    for (kind, count) in kinds {
        metrics::counter!(names::PARAGRAPHS, "kind" => kind).increment(count);
    }
    metrics::counter!(names::FACTS_CREATED).increment(u64::from(response.facts_created));
    metrics::counter!(names::FACTS_CORROBORATED).increment(u64::from(response.facts_corroborated));
}

/// Where every open fact subscription is: the last sequence its client
/// has taken from the stream. The metrics endpoint turns these into lag.
#[derive(Debug, Default)]
pub struct SubscriberPositions {
    next_id: AtomicU64,
    positions: Mutex<HashMap<u64, Arc<AtomicU64>>>,
}

impl SubscriberPositions {
    /// Registers a subscription starting after `after`; it is forgotten
    /// when the returned guard drops (the stream ends or the client goes).
    pub fn register(self: &Arc<Self>, after: u64) -> SubscriberGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let position = Arc::new(AtomicU64::new(after));
        self.lock().insert(id, Arc::clone(&position));
        SubscriberGuard {
            registry: Arc::clone(self),
            id,
            position,
        }
    }

    /// The positions of all open subscriptions.
    pub fn positions(&self) -> Vec<u64> {
        self.lock()
            .values()
            .map(|position| position.load(Ordering::Relaxed))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<AtomicU64>>> {
        self.positions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One open subscription in [`SubscriberPositions`].
pub struct SubscriberGuard {
    registry: Arc<SubscriberPositions>,
    id: u64,
    position: Arc<AtomicU64>,
}

impl SubscriberGuard {
    /// The client has taken everything up to `sequence`.
    pub fn advance(&self, sequence: u64) {
        self.position.fetch_max(sequence, Ordering::Relaxed);
    }
}

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_open_subscriptions_only() {
        let registry = Arc::new(SubscriberPositions::default());
        let first = registry.register(5);
        let second = registry.register(0);
        second.advance(9);
        second.advance(3);
        let mut positions = registry.positions();
        positions.sort_unstable();
        assert_eq!(positions, [5, 9]);
        drop(first);
        assert_eq!(registry.positions(), [9]);
    }

    #[test]
    fn known_methods_come_from_the_descriptors() {
        let layer = RpcMetricsLayer::new(&[super::super::FILE_DESCRIPTOR_SET]);
        assert!(layer
            .known
            .contains_key("wirecopy.v1.ArticleService/Submit"));
        assert!(layer
            .known
            .contains_key("wirecopy.v1.FactService/Subscribe"));
        assert!(!layer.known.contains_key("wirecopy.v1.ArticleService/Nope"));
    }
}
