//! The gRPC adapter: generated protobuf types, conversions, and the
//! service implementations, which only translate between protobuf and the
//! [`crate::engine`]. Domain errors become gRPC statuses in [`status`]
//! and nowhere else.

mod article_service;
pub mod auth;
mod convert;
mod fact_service;
pub mod fact_stream;
pub mod observe;
pub mod status;

pub use article_service::ArticleApi;
pub use fact_service::FactApi;

/// Types generated from `proto/wirecopy/v1/wirecopy.proto`.
pub mod pb {
    #![allow(missing_docs, clippy::doc_markdown, clippy::large_enum_variant)]
    tonic::include_proto!("wirecopy.v1");
}

/// The encoded descriptor set of wirecopy's protos, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/wirecopy_descriptor.bin"));
