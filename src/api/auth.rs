//! Who may call what: bearer tokens with scopes, checked in front of every
//! wirecopy RPC.
//!
//! Tokens come from a file the operator writes (`--tokens`), one per line:
//! the token, then its scopes separated by commas (`submit`, `read`,
//! `subscribe`), with `#` starting a comment. Only the tokens' blake3
//! digests are kept in memory, a presented token is compared with every
//! digest in constant time, and no token is ever logged. Health checks and
//! reflection stay open, so load balancers and grpcurl's `list` work
//! without credentials.

use std::{
    fmt,
    future::Future,
    path::Path,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::{body::Body, codegen::http, Status};

use super::{fact_stream::server::fact_service_server, pb::article_service_server};

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Submit and SubmitStream.
    Submit,
    /// Analyze, GetArticle, GetDuplicates, Export and ListFacts.
    Read,
    /// Subscribe to the fact stream.
    Subscribe,
    /// DeleteArticle.
    Delete,
}

impl Scope {
    fn parse(name: &str) -> Option<Scope> {
        match name {
            "submit" => Some(Scope::Submit),
            "read" => Some(Scope::Read),
            "subscribe" => Some(Scope::Subscribe),
            "delete" => Some(Scope::Delete),
            _ => None,
        }
    }

    /// The scope's name, as written in the token file.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Submit => "submit",
            Scope::Read => "read",
            Scope::Subscribe => "subscribe",
            Scope::Delete => "delete",
        }
    }
}

/// Why a call was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `authorization: Bearer …` header.
    #[error("this RPC needs a token: send the metadata `authorization: Bearer <token>`")]
    Missing,
    /// A header that is not a bearer token, or a token that is not known.
    #[error("the bearer token is not valid")]
    Invalid,
    /// A valid token without the scope the RPC needs.
    #[error("the token lacks the `{}` scope this RPC needs", .0.name())]
    MissingScope(Scope),
}

/// A token file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// It cannot be read.
    #[error("cannot read the token file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is malformed (the token itself is never repeated).
    #[error("token file line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// No token at all: a server that would refuse everything.
    #[error("the token file holds no token")]
    Empty,
}

/// The configured tokens, as digests.
pub struct Tokens {
    entries: Vec<(blake3::Hash, Vec<Scope>)>,
}

// Never print tokens, not even their digests.
impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tokens({} configured)", self.entries.len())
    }
}

impl Tokens {
    /// Reads a token file.
    pub fn load(path: &Path) -> Result<Tokens, TokenFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenFileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Tokens::parse(&text)
    }

    /// Parses the text of a token file.
    pub fn parse(text: &str) -> Result<Tokens, TokenFileError> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let malformed = |reason: String| TokenFileError::Line {
                line: number + 1,
                reason,
            };
            let mut fields = line.split_whitespace();
            let (Some(token), Some(scopes), None) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(malformed(
                    "expected a token and its comma-separated scopes".into(),
                ));
            };
            if token.len() < 16 {
                return Err(malformed("tokens must be at least 16 characters".into()));
            }
            let scopes = scopes
                .split(',')
                .map(|name| {
                    Scope::parse(name).ok_or_else(|| {
                        malformed(format!(
                            "unknown scope {name:?} (known: submit, read, subscribe, delete)"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            entries.push((blake3::hash(token.as_bytes()), scopes));
        }
        if entries.is_empty() {
            return Err(TokenFileError::Empty);
        }
        Ok(Tokens { entries })
    }

    /// Checks the `authorization` header value against `needed`.
    pub fn check(&self, header: Option<&[u8]>, needed: Scope) -> Result<(), AuthError> {
        let header = header.ok_or(AuthError::Missing)?;
        let token = header
            .get(..7)
            .filter(|prefix| prefix.eq_ignore_ascii_case(b"bearer "))
            .and_then(|_| header.get(7..))
            .ok_or(AuthError::Invalid)?;
        let digest = blake3::hash(token);
        // Compare with every entry, without stopping at a match, so the
        // time taken says nothing about which token (if any) matched.
        // blake3::Hash compares in constant time.
        let mut granted: Option<&[Scope]> = None;
        for (known, scopes) in &self.entries {
            if *known == digest {
                granted = Some(scopes);
            }
        }
        let scopes = granted.ok_or(AuthError::Invalid)?;
        if scopes.contains(&needed) {
            Ok(())
        } else {
            Err(AuthError::MissingScope(needed))
        }
    }
}

/// The scope an RPC needs, from its path (`/package.Service/Method`);
/// `None` for the open services (health, reflection).
pub fn required_scope(path: &str) -> Option<Scope> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    if service == article_service_server::SERVICE_NAME {
        Some(match method {
            "Submit" | "SubmitStream" => Scope::Submit,
            "DeleteArticle" => Scope::Delete,
            _ => Scope::Read,
        })
    } else if service == fact_service_server::SERVICE_NAME {
        Some(match method {
            "Subscribe" => Scope::Subscribe,
            _ => Scope::Read,
        })
    } else if service.starts_with("wirecopy.") {
        // A service added later is closed until it is mapped above.
        Some(Scope::Read)
    } else {
        None
    }
}

/// Tower layer that puts [`Tokens`] in front of every RPC; without tokens
/// it lets everything through.
#[derive(Clone)]
pub struct AuthLayer {
    tokens: Option<Arc<Tokens>>,
}

impl AuthLayer {
    /// Checks calls against `tokens`, if any.
    pub fn new(tokens: Option<Arc<Tokens>>) -> Self {
        AuthLayer { tokens }
    }
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = Authenticated<S>;

    fn layer(&self, inner: S) -> Authenticated<S> {
        Authenticated {
            inner,
            tokens: self.tokens.clone(),
        }
    }
}

/// A service behind [`AuthLayer`].
#[derive(Clone)]
pub struct Authenticated<S> {
    inner: S,
    tokens: Option<Arc<Tokens>>,
}

type ResponseFuture<E> = Pin<Box<dyn Future<Output = Result<http::Response<Body>, E>> + Send>>;

impl<S, B> tower_service::Service<http::Request<B>> for Authenticated<S>
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
        let verdict = match (&self.tokens, required_scope(request.uri().path())) {
            (None, _) | (_, None) => Ok(()),
            (Some(tokens), Some(needed)) => tokens.check(
                request
                    .headers()
                    .get(http::header::AUTHORIZATION)
                    .map(http::HeaderValue::as_bytes),
                needed,
            ),
        };
        match verdict {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(refused) => {
                let response = Status::from(refused).into_http();
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# ingest robot\n\
        scraper-token-0123456789 submit\n\
        analyst-token-0123456789 read,subscribe  # the newsroom\n";

    #[test]
    fn tokens_grant_their_scopes_only() -> Result<(), TokenFileError> {
        let tokens = Tokens::parse(FILE)?;
        let scraper = Some(&b"Bearer scraper-token-0123456789"[..]);
        assert_eq!(tokens.check(scraper, Scope::Submit), Ok(()));
        assert_eq!(
            tokens.check(scraper, Scope::Read),
            Err(AuthError::MissingScope(Scope::Read))
        );
        let analyst = Some(&b"bearer analyst-token-0123456789"[..]);
        assert_eq!(tokens.check(analyst, Scope::Subscribe), Ok(()));
        assert_eq!(tokens.check(None, Scope::Read), Err(AuthError::Missing));
        assert_eq!(
            tokens.check(Some(b"Bearer wrong-token-0123456789"), Scope::Read),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            tokens.check(Some(b"Basic c2NyYXBlcg=="), Scope::Read),
            Err(AuthError::Invalid)
        );
        assert_eq!(format!("{tokens:?}"), "Tokens(2 configured)");
        Ok(())
    }

    #[test]
    fn bad_token_files_name_the_line_and_never_the_token() {
        for (text, line) in [
            ("short submit\n", 1),
            ("# c\nscraper-token-0123456789 write\n", 2),
            ("scraper-token-0123456789\n", 1),
        ] {
            match Tokens::parse(text) {
                Err(TokenFileError::Line { line: at, reason }) => {
                    assert_eq!(at, line, "{text:?}");
                    assert!(!reason.contains("scraper-token"), "{reason}");
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
        assert!(matches!(
            Tokens::parse("# nothing\n"),
            Err(TokenFileError::Empty)
        ));
    }

    #[test]
    fn every_wirecopy_rpc_needs_a_scope_and_health_does_not() {
        assert_eq!(
            required_scope("/wirecopy.v1.ArticleService/SubmitStream"),
            Some(Scope::Submit)
        );
        assert_eq!(
            required_scope("/wirecopy.v1.ArticleService/Export"),
            Some(Scope::Read)
        );
        assert_eq!(
            required_scope("/wirecopy.v1.FactService/Subscribe"),
            Some(Scope::Subscribe)
        );
        assert_eq!(
            required_scope("/wirecopy.v2.NewService/Anything"),
            Some(Scope::Read)
        );
        assert_eq!(required_scope("/grpc.health.v1.Health/Check"), None);
        assert_eq!(
            required_scope("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            None
        );
    }
}
