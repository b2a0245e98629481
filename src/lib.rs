//! wirecopy finds wire copy in news articles, paragraph by paragraph.
//!
//! The crate is layered so that each part can be understood and tested on
//! its own:
//!
//! - [`text`], [`matching`] and [`facts`] are the pure domain core: text
//!   normalisation, fingerprints, shingles, the matcher and fact
//!   extraction. No storage or network types appear in them.
//! - [`store`] owns persistence behind a narrow trait; [`store::sled_store`]
//!   is the embedded implementation and the only module that knows the
//!   on-disk layout.
//! - [`engine`] ties the two together: validation, the prepare pool and the
//!   single writer that commits articles and their fact events in durable
//!   groups, the fact stream's subscriptions, and the queries.
//! - [`api`] is the thin gRPC adapter over the engine, [`server`] assembles
//!   the tonic server, and [`cli`] is the command line the binary runs;
//!   [`huge_pages`] sets the process up the way the server measured best.

pub mod api;
pub mod article;
pub mod cli;
pub mod engine;
pub mod error;
pub mod facts;
pub mod huge_pages;
pub mod matching;
pub mod metrics;
pub mod server;
pub mod store;
pub mod text;
