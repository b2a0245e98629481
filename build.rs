//! Compiles `proto/` into Rust with `protox` (pure Rust, so no `protoc` is
//! needed on a fresh machine) and writes the encoded descriptor set that the
//! server hands to gRPC reflection.
//!
//! The server side of `FactService` is generated a second time, by hand,
//! with its own codec for `Subscribe`: the stream sends each event encoded
//! once for all its subscribers (`src/api/fact_stream.rs`) instead of
//! encoding it again for every one. Clients, and the other services, use
//! the code generated from the proto as it is; the bytes on the wire are
//! the same `FactEvent`.

use std::{env, fs, path::PathBuf};

use prost::Message;
use prost_types::FileDescriptorSet;
use tonic_build::manual::{Method, Service};

const PROTOS: &[&str] = &["proto/wirecopy/v1/wirecopy.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    fs::write(
        out_dir.join("wirecopy_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    let fact_service = fact_service_server(&descriptors)?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    tonic_build::manual::Builder::new()
        .build_client(false)
        .compile(&[fact_service]);
    Ok(())
}

/// `wirecopy.v1.FactService` with the proto's own comments, `Subscribe`
/// sending pre-encoded events.
fn fact_service_server(descriptors: &FileDescriptorSet) -> Result<Service, String> {
    let comments = Comments::of(descriptors, "FactService")?;
    let pb = "crate::api::pb";
    Ok(Service::builder()
        .name("FactService")
        .package("wirecopy.v1")
        .comment(&comments.service)
        .method(
            Method::builder()
                .name("subscribe")
                .route_name("Subscribe")
                .comment(comments.method("Subscribe")?)
                .input_type(format!("{pb}::SubscribeRequest"))
                .output_type("crate::api::fact_stream::EncodedFactEvent")
                .codec_path("crate::api::fact_stream::FactStreamCodec")
                .server_streaming()
                .build(),
        )
        .method(
            Method::builder()
                .name("list_facts")
                .route_name("ListFacts")
                .comment(comments.method("ListFacts")?)
                .input_type(format!("{pb}::ListFactsRequest"))
                .output_type(format!("{pb}::ListFactsResponse"))
                .codec_path("tonic_prost::ProstCodec")
                .build(),
        )
        .build())
}

/// The leading comments of a service and its methods in the proto.
struct Comments {
    service: String,
    methods: Vec<(String, String)>,
}

impl Comments {
    fn of(descriptors: &FileDescriptorSet, service: &str) -> Result<Comments, String> {
        for file in &descriptors.file {
            let Some(index) = file.service.iter().position(|s| s.name() == service) else {
                continue;
            };
            // Source paths: 6 = FileDescriptorProto.service, 2 = ServiceDescriptorProto.method.
            let comment = |path: &[i32]| {
                file.source_code_info
                    .iter()
                    .flat_map(|info| &info.location)
                    .find(|location| location.path == path)
                    .map(|location| location.leading_comments().trim().to_owned())
                    .unwrap_or_default()
            };
            let service_path = [6, index as i32];
            let methods = file.service[index]
                .method
                .iter()
                .enumerate()
                .map(|(m, method)| {
                    let path = [6, index as i32, 2, m as i32];
                    (method.name().to_owned(), comment(&path))
                })
                .collect();
            return Ok(Comments {
                service: comment(&service_path),
                methods,
            });
        }
        Err(format!("no service {service} in the protos"))
    }

    fn method(&self, name: &str) -> Result<String, String> {
        self.methods
            .iter()
            .find(|(method, _)| method == name)
            .map(|(_, comment)| comment.clone())
            .ok_or_else(|| format!("no method {name} in the service"))
    }
}
