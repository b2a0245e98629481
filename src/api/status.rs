//! The one place where engine errors become gRPC statuses.

use tonic::{Code, Status};

use super::{auth::AuthError, pb};
use crate::{error::Error, store::StoreError};

/// The gRPC code for an engine error.
pub fn code_of(error: &Error) -> Code {
    match error {
        Error::InvalidArgument { .. } => Code::InvalidArgument,
        Error::OutOfRange { .. } => Code::OutOfRange,
        Error::NotFound(_) => Code::NotFound,
        Error::AlreadyExists(_) => Code::AlreadyExists,
        Error::Overloaded(_) => Code::ResourceExhausted,
        Error::ShuttingDown => Code::Unavailable,
        Error::TaskFailed { .. } => Code::Internal,
        Error::Storage(StoreError::Io(_)) => Code::Unavailable,
        Error::Storage(StoreError::Corrupt { .. }) => Code::DataLoss,
        Error::Storage(StoreError::Conflict { .. }) => Code::Aborted,
        Error::Storage(StoreError::NewerFormat { .. } | StoreError::InUse(_)) => {
            Code::FailedPrecondition
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match &error {
            Error::Storage(_) => tracing::error!(%error, "storage error"),
            Error::TaskFailed { .. } => tracing::error!(%error, "a task died"),
            _ => {}
        }
        Status::new(code_of(&error), error.to_string())
    }
}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        let code = match error {
            AuthError::Missing | AuthError::Invalid => Code::Unauthenticated,
            AuthError::MissingScope(_) => Code::PermissionDenied,
        };
        Status::new(code, error.to_string())
    }
}

/// The per-article error of a SubmitStream response.
pub fn stream_error(error: &Error) -> pb::Error {
    pb::Error {
        code: code_of(error) as i32,
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_api_contract() {
        assert_eq!(
            code_of(&Error::invalid("article.id", "x")),
            Code::InvalidArgument
        );
        assert_eq!(code_of(&Error::NotFound("a".into())), Code::NotFound);
        assert_eq!(
            code_of(&Error::AlreadyExists("a".into())),
            Code::AlreadyExists
        );
        assert_eq!(
            code_of(&Error::Storage(StoreError::Io("disk".into()))),
            Code::Unavailable
        );
        assert_eq!(
            code_of(&Error::task_failed("reading the facts", "it panicked")),
            Code::Internal
        );
        let status = Status::from(Error::invalid("article.body", "must not be empty"));
        assert_eq!(status.message(), "article.body: must not be empty");
    }
}
