//! The fact stream's wire form: each event encoded once, for every
//! subscriber that sends it.
//!
//! A hundred subscribers following one stream would otherwise convert and
//! encode every event a hundred times, which is most of what fan-out costs.
//! The engine's events carry a slot for their encoded form; the first
//! stream to send an event fills it and the others copy the bytes. The
//! server side of `FactService` is generated (see `build.rs`) with the
//! codec below for `Subscribe`; what a client receives is the proto's
//! `FactEvent`, byte for byte as before.

use bytes::{BufMut, Bytes};
use prost::Message;
use tonic::{
    codec::{Codec, EncodeBuf, Encoder},
    Status,
};
use tonic_prost::ProstCodec;

use super::{convert::fact_event, pb};
use crate::engine::Delivery;

/// The server side of `wirecopy.v1.FactService`.
pub mod server {
    // Generated code, which builds the codec with `Default`.
    #![allow(
        missing_docs,
        clippy::doc_markdown,
        clippy::default_constructed_unit_structs
    )]
    include!(concat!(env!("OUT_DIR"), "/wirecopy.v1.FactService.rs"));
}

/// A `FactEvent` message, already encoded.
#[derive(Clone, Debug)]
pub struct EncodedFactEvent(Bytes);

impl From<&Delivery> for EncodedFactEvent {
    fn from(delivery: &Delivery) -> Self {
        EncodedFactEvent(match delivery {
            Delivery::Event(event) => event
                .encoded
                .get_or_init(|| fact_event(delivery).encode_to_vec().into())
                .clone(),
            // Each carries its own stream's cursor: nothing to share.
            Delivery::Heartbeat(_) => fact_event(delivery).encode_to_vec().into(),
        })
    }
}

/// Prost's codec, for its decoder of requests.
type RequestCodec = ProstCodec<pb::SubscribeRequest, pb::SubscribeRequest>;

/// Sends [`EncodedFactEvent`]s as they are; reads `SubscribeRequest`s with
/// prost.
#[derive(Debug, Default)]
pub struct FactStreamCodec;

impl Codec for FactStreamCodec {
    type Encode = EncodedFactEvent;
    type Decode = pb::SubscribeRequest;
    type Encoder = EncodedEncoder;
    type Decoder = <RequestCodec as Codec>::Decoder;

    fn encoder(&mut self) -> Self::Encoder {
        EncodedEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        RequestCodec::default().decoder()
    }
}

/// Copies an encoded event into the stream's buffer.
#[derive(Debug)]
pub struct EncodedEncoder;

impl Encoder for EncodedEncoder {
    type Item = EncodedFactEvent;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::{EventKind, FactEvent};
    use crate::facts::FactId;

    #[test]
    fn an_event_is_encoded_once_and_decodes_as_the_proto_message() {
        let event = Arc::new(FactEvent {
            sequence: 7,
            kind: EventKind::Retracted,
            fact_id: FactId([3; 32]),
            fact: None,
            article_id: "a1".into(),
            source: "tass.ru".into(),
            encoded: Default::default(),
        });
        let delivery = Delivery::Event(Arc::clone(&event));
        let first = EncodedFactEvent::from(&delivery);
        let second = EncodedFactEvent::from(&delivery);
        // The same buffer, not a second encoding.
        assert_eq!(first.0.as_ptr(), second.0.as_ptr());
        let decoded = pb::FactEvent::decode(first.0).expect("decodes");
        assert_eq!(decoded, fact_event(&delivery));
        assert_eq!(decoded.sequence, 7);
        assert_eq!(decoded.article_id, "a1");
    }
}
