//! The article as wirecopy receives it, and the checks it must pass.
//!
//! Validation happens before anything is analysed or stored, and every
//! failure names the field, so that a scraper author can fix the request
//! from the message alone.

use std::collections::BTreeMap;

use crate::{
    error::Error,
    store::records::Instant,
    text::{html::extract_main_text, paragraphs::split_paragraphs},
};

/// Longest id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 512;

/// A submitted article.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Article {
    /// The caller's stable id.
    pub id: String,
    /// Outlet.
    pub source: String,
    /// URL.
    pub url: String,
    /// Headline.
    pub title: String,
    /// Plain-text body, paragraphs separated by line breaks.
    pub body: String,
    /// The page's raw HTML, sent instead of `body`; empty when `body` is
    /// used. [`Article::extract_html`] turns it into the body.
    pub html: String,
    /// Publication time.
    pub published_at: Option<Instant>,
    /// Language tag.
    pub language: String,
    /// Free-form labels.
    pub labels: BTreeMap<String, String>,
}

/// Size limits applied to submitted articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest body, in bytes.
    pub max_body_bytes: usize,
    /// Most paragraphs (non-blank lines) in a body.
    pub max_paragraphs: usize,
    /// Most labels.
    pub max_labels: usize,
    /// Longest metadata string (source, url, title, language, label key or
    /// value), in bytes.
    pub max_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_paragraphs: 10_000,
            max_labels: 1_000,
            max_field_bytes: 64 * 1024,
        }
    }
}

/// Earliest and latest publication times accepted: years 1 to 9999, the
/// range of google.protobuf.Timestamp.
const MIN_SECONDS: i64 = -62_135_596_800;
const MAX_SECONDS: i64 = 253_402_300_799;

/// Checks an id on its own (for reads).
pub fn validate_id(field: &'static str, id: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {MAX_ID_BYTES} bytes, got {}", id.len()),
        ));
    }
    Ok(())
}

impl Article {
    /// Replaces a submitted page's HTML with the main text extracted from
    /// it (and fills an empty title from the page); an article sent with a
    /// body is returned as it is. Run before [`Article::validate`], which
    /// then checks the extracted body like any other.
    pub fn extract_html(mut self) -> Result<Article, Error> {
        if self.html.is_empty() {
            return Ok(self);
        }
        if !self.body.is_empty() {
            return Err(Error::invalid(
                "article.html",
                "set either body or html, not both",
            ));
        }
        let page = extract_main_text(&std::mem::take(&mut self.html))
            .map_err(|e| Error::invalid("article.html", e.to_string()))?;
        self.body = page.body;
        if self.title.trim().is_empty() {
            self.title = page.title;
        }
        Ok(self)
    }

    /// Checks the article against `limits`.
    pub fn validate(&self, limits: &Limits) -> Result<(), Error> {
        validate_id("article.id", &self.id)?;
        if self.body.len() > limits.max_body_bytes {
            return Err(Error::invalid(
                "article.body",
                format!(
                    "{} bytes is over the limit of {} bytes",
                    self.body.len(),
                    limits.max_body_bytes
                ),
            ));
        }
        if self.body.trim().is_empty() {
            return Err(Error::invalid("article.body", "must not be empty"));
        }
        let paragraphs = split_paragraphs(&self.body).len();
        if paragraphs > limits.max_paragraphs {
            return Err(Error::invalid(
                "article.body",
                format!(
                    "{paragraphs} paragraphs is over the limit of {}",
                    limits.max_paragraphs
                ),
            ));
        }
        for (field, value) in [
            ("article.source", &self.source),
            ("article.url", &self.url),
            ("article.title", &self.title),
            ("article.language", &self.language),
        ] {
            check_length(field, value, limits)?;
        }
        if self.labels.len() > limits.max_labels {
            return Err(Error::invalid(
                "article.labels",
                format!(
                    "{} labels is over the limit of {}",
                    self.labels.len(),
                    limits.max_labels
                ),
            ));
        }
        for (key, value) in &self.labels {
            check_length("article.labels", key, limits)?;
            check_length("article.labels", value, limits)?;
        }
        if let Some(time) = self.published_at {
            if !(0..1_000_000_000).contains(&time.nanos) {
                return Err(Error::invalid(
                    "article.published_at.nanos",
                    format!("must be 0 to 999999999, got {}", time.nanos),
                ));
            }
            if !(MIN_SECONDS..=MAX_SECONDS).contains(&time.seconds) {
                return Err(Error::invalid(
                    "article.published_at.seconds",
                    format!("must fall in years 1 to 9999, got {}", time.seconds),
                ));
            }
        }
        Ok(())
    }

    /// blake3 of everything submitted, in a fixed order: equal digests mean
    /// an identical resubmission.
    pub fn content_digest(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        for field in [
            &self.id,
            &self.source,
            &self.url,
            &self.title,
            &self.body,
            &self.language,
        ] {
            hash_field(&mut hasher, field.as_bytes());
        }
        match self.published_at {
            Some(time) => {
                hasher.update(&[1]);
                hasher.update(&time.seconds.to_le_bytes());
                hasher.update(&time.nanos.to_le_bytes());
            }
            None => {
                hasher.update(&[0]);
            }
        }
        for (key, value) in &self.labels {
            hash_field(&mut hasher, key.as_bytes());
            hash_field(&mut hasher, value.as_bytes());
        }
        *hasher.finalize().as_bytes()
    }
}

/// Length-prefixes each field so that moving bytes between fields changes
/// the digest.
fn hash_field(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn check_length(field: &'static str, value: &str, limits: &Limits) -> Result<(), Error> {
    if value.len() > limits.max_field_bytes {
        return Err(Error::invalid(
            field,
            format!(
                "{} bytes is over the limit of {} bytes",
                value.len(),
                limits.max_field_bytes
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Article {
        Article {
            id: "a".into(),
            body: "Some body text.".into(),
            ..Article::default()
        }
    }

    fn field_of(result: Result<(), Error>) -> Option<&'static str> {
        match result {
            Err(Error::InvalidArgument { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn every_failure_names_its_field() {
        let limits = Limits::default();
        assert_eq!(article().validate(&limits).ok(), Some(()));
        let cases: Vec<(Article, &str)> = vec![
            (
                Article {
                    id: String::new(),
                    ..article()
                },
                "article.id",
            ),
            (
                Article {
                    id: "x".repeat(513),
                    ..article()
                },
                "article.id",
            ),
            (
                Article {
                    body: " \n ".into(),
                    ..article()
                },
                "article.body",
            ),
            (
                Article {
                    body: "x".repeat(limits.max_body_bytes + 1),
                    ..article()
                },
                "article.body",
            ),
            (
                Article {
                    body: "a\n".repeat(limits.max_paragraphs + 1),
                    ..article()
                },
                "article.body",
            ),
            (
                Article {
                    published_at: Some(Instant {
                        seconds: 0,
                        nanos: -1,
                    }),
                    ..article()
                },
                "article.published_at.nanos",
            ),
            (
                Article {
                    published_at: Some(Instant {
                        seconds: MAX_SECONDS + 1,
                        nanos: 0,
                    }),
                    ..article()
                },
                "article.published_at.seconds",
            ),
        ];
        for (case, field) in cases {
            assert_eq!(field_of(case.validate(&limits)), Some(field));
        }
    }

    #[test]
    fn digest_changes_with_any_field() {
        let base = article().content_digest();
        assert_ne!(
            Article {
                source: "x".into(),
                ..article()
            }
            .content_digest(),
            base
        );
        assert_ne!(
            Article {
                body: "Some body text!".into(),
                ..article()
            }
            .content_digest(),
            base
        );
        assert_eq!(article().content_digest(), base);
    }
}
