//! The errors wirecopy's engine reports.
//!
//! They describe what went wrong in domain terms; `api::status` is the one
//! place that turns them into gRPC statuses.

use crate::store::StoreError;

/// An error from the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed; `field` names the offending field.
    #[error("{field}: {message}")]
    InvalidArgument {
        /// Dotted path of the field, e.g. `article.id`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A position outside what exists, e.g. a stream cursor beyond the head.
    #[error("{field}: {message}")]
    OutOfRange {
        /// The field holding the position.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// No article has this id.
    #[error("no article with id {0:?}")]
    NotFound(String),
    /// The id is taken by an article with different content.
    #[error("article {0:?} is already stored with different content; ids are immutable")]
    AlreadyExists(String),
    /// Too much work is waiting; the request was refused, not queued.
    #[error("server overloaded: {0}")]
    Overloaded(String),
    /// The server is shutting down and takes no more writes.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A task inside the server died before it answered (a bug the input
    /// found). Its work may or may not be done: a submit's article may be
    /// stored, which a retry answers as RESUBMITTED.
    #[error("{what} failed inside the server: {failure}")]
    TaskFailed {
        /// What the task was doing.
        what: String,
        /// How it ended.
        failure: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl Error {
    /// An INVALID_ARGUMENT error for `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field,
            message: message.into(),
        }
    }

    /// A task inside the server (`what`) died before it finished.
    pub fn task_failed(what: &str, failure: impl std::fmt::Display) -> Self {
        Error::TaskFailed {
            what: what.to_owned(),
            failure: failure.to_string(),
        }
    }
}
