//! One JSON record as an article, whichever tool wrote it.
//!
//! Three shapes are recognised by their keys, record by record, so a file
//! may even mix them:
//! - our own `Article` (`body` or `html`), as `wirecopy export` writes it;
//! - news-please (`maintext`, `date_publish`, `source_domain`, ...);
//! - trafilatura's `--json` output (`text`, `date`, `hostname`, ...).
//!
//! Every shape falls back to the record's URL for a missing id: the stable
//! key scrapers already have. A record with neither (trafilatura run over
//! saved files knows no URL) takes the id its reader offers, the file's
//! path.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde_json::Value;

use crate::api::pb;

/// Which tool wrote a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordFormat {
    /// wirecopy's own `Article` fields.
    Wirecopy,
    /// news-please's article JSON.
    NewsPlease,
    /// trafilatura's JSON output.
    Trafilatura,
}

impl RecordFormat {
    /// The name shown in the summary.
    pub fn name(self) -> &'static str {
        match self {
            RecordFormat::Wirecopy => "wirecopy JSON",
            RecordFormat::NewsPlease => "news-please JSON",
            RecordFormat::Trafilatura => "trafilatura JSON",
        }
    }

    /// Recognises a record by the keys only its tool writes.
    fn detect(record: &serde_json::Map<String, Value>) -> Option<RecordFormat> {
        if record.contains_key("maintext") {
            Some(RecordFormat::NewsPlease)
        } else if record.contains_key("body") || record.contains_key("html") {
            Some(RecordFormat::Wirecopy)
        } else if record.contains_key("text") || record.contains_key("raw_text") {
            Some(RecordFormat::Trafilatura)
        } else {
            None
        }
    }
}

/// wirecopy's own shape: the proto's field names.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WirecopyRecord {
    id: String,
    source: String,
    url: String,
    title: String,
    body: String,
    html: String,
    /// RFC 3339, e.g. "2020-12-01T23:32:00Z".
    published_at: Option<String>,
    language: String,
    labels: HashMap<String, String>,
}

/// The news-please fields wirecopy uses (it writes many more).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewsPleaseRecord {
    url: Option<String>,
    title: Option<String>,
    maintext: Option<String>,
    /// "2020-12-01 23:32:00", in no stated zone (taken as UTC).
    date_publish: Option<String>,
    source_domain: Option<String>,
    language: Option<String>,
    authors: Option<Vec<String>>,
}

/// The trafilatura fields wirecopy uses.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TrafilaturaRecord {
    id: Option<Value>,
    url: Option<String>,
    /// trafilatura's JSON output puts the page URL here (under `source`,
    /// not `url`), or null when it was run on files without one.
    source: Option<String>,
    title: Option<String>,
    text: Option<String>,
    raw_text: Option<String>,
    /// "2020-12-01".
    date: Option<String>,
    hostname: Option<String>,
    language: Option<String>,
    author: Option<String>,
}

/// Parses one JSON record into an article; one with neither an id nor a
/// URL takes `fallback_id`, when there is one.
pub fn article_from_json(
    record: Value,
    fallback_id: Option<&str>,
) -> Result<(RecordFormat, pb::Article), String> {
    let Value::Object(fields) = &record else {
        return Err("not a JSON object".to_owned());
    };
    let format = RecordFormat::detect(fields).ok_or_else(|| {
        "no article text: expected `body` or `html` (wirecopy), `maintext` (news-please) \
         or `text` (trafilatura)"
            .to_owned()
    })?;
    let mut article = match format {
        RecordFormat::Wirecopy => wirecopy(parse(record)?)?,
        RecordFormat::NewsPlease => news_please(parse(record)?)?,
        RecordFormat::Trafilatura => trafilatura(parse(record)?)?,
    };
    if article.id.is_empty() {
        let Some(fallback) = fallback_id else {
            return Err("the record has neither an id nor a url".to_owned());
        };
        fallback.clone_into(&mut article.id);
    }
    Ok((format, article))
}

fn parse<T: serde::de::DeserializeOwned>(record: Value) -> Result<T, String> {
    serde_json::from_value(record).map_err(|e| e.to_string())
}

fn wirecopy(record: WirecopyRecord) -> Result<pb::Article, String> {
    Ok(pb::Article {
        id: if record.id.is_empty() {
            record.url.clone()
        } else {
            record.id
        },
        source: record.source,
        url: record.url,
        title: record.title,
        body: record.body,
        html: record.html,
        published_at: timestamp(record.published_at.as_deref())?,
        language: record.language,
        labels: record.labels,
    })
}

fn news_please(record: NewsPleaseRecord) -> Result<pb::Article, String> {
    let url = record.url.unwrap_or_default();
    let mut labels = HashMap::new();
    if let Some(authors) = record.authors.filter(|a| !a.is_empty()) {
        labels.insert("authors".to_owned(), authors.join(", "));
    }
    Ok(pb::Article {
        id: url.clone(),
        source: record.source_domain.unwrap_or_default(),
        url,
        title: record.title.unwrap_or_default(),
        body: record.maintext.unwrap_or_default(),
        published_at: timestamp(record.date_publish.as_deref())?,
        language: record.language.unwrap_or_default(),
        labels,
        ..Default::default()
    })
}

fn trafilatura(record: TrafilaturaRecord) -> Result<pb::Article, String> {
    let url = record
        .url
        .or(record.source.filter(|s| s.contains("://")))
        .unwrap_or_default();
    // trafilatura's own `id` is usually null; a string one is the caller's.
    let id = match record.id {
        Some(Value::String(id)) if !id.is_empty() => id,
        _ => url.clone(),
    };
    let mut labels = HashMap::new();
    if let Some(author) = record.author.filter(|a| !a.is_empty()) {
        labels.insert("authors".to_owned(), author);
    }
    Ok(pb::Article {
        id,
        source: record.hostname.unwrap_or_default(),
        url,
        title: record.title.unwrap_or_default(),
        body: record.text.or(record.raw_text).unwrap_or_default(),
        published_at: timestamp(record.date.as_deref())?,
        language: record.language.unwrap_or_default(),
        labels,
        ..Default::default()
    })
}

/// Reads the date formats the three tools write: RFC 3339, news-please's
/// "YYYY-MM-DD HH:MM:SS" and trafilatura's "YYYY-MM-DD" (both taken as
/// UTC, midnight for a bare date). Empty means no date.
fn timestamp(text: Option<&str>) -> Result<Option<prost_types::Timestamp>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(time) = text.parse::<prost_types::Timestamp>() {
        return Ok(Some(time));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(Default::default()))
        })
        .map_err(|_| format!("date {text:?} is not RFC 3339, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD"))?;
    let utc = naive.and_utc();
    Ok(Some(prost_types::Timestamp {
        seconds: utc.timestamp(),
        nanos: 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn news_please_records_take_their_url_as_id() -> Result<(), String> {
        let (format, article) = article_from_json(
            json!({
                "authors": ["Faizan Hashmi"], "date_download": "2020-12-02 08:00:00",
                "date_modify": null, "date_publish": "2020-12-01 23:32:00",
                "description": "d", "filename": "f.json", "image_url": null, "language": "en",
                "localpath": null, "maintext": "First.\n\nSecond.", "source_domain": "urdupoint.com",
                "text": null, "title": "Russia sees no deliberate", "title_page": null,
                "title_rss": null, "url": "https://www.urdupoint.com/en/world/x.html"
            }),
            Some("np.json"),
        )?;
        assert_eq!(format, RecordFormat::NewsPlease);
        assert_eq!(article.id, "https://www.urdupoint.com/en/world/x.html");
        assert_eq!(article.source, "urdupoint.com");
        assert_eq!(article.body, "First.\n\nSecond.");
        assert_eq!(article.published_at.map(|t| t.seconds), Some(1_606_865_520));
        assert_eq!(article.labels["authors"], "Faizan Hashmi");
        Ok(())
    }

    #[test]
    fn trafilatura_records_are_recognised() -> Result<(), String> {
        let (format, article) = article_from_json(
            json!({
                "title": "Talks", "author": "Staff", "hostname": "example.com", "date": "2020-12-01",
                "fingerprint": "abc", "id": null, "license": null, "comments": "", "raw_text": "raw",
                "text": "Para one.\nPara two.", "language": "en", "image": null, "pagetype": "article",
                "source": "https://example.com/talks", "source-hostname": "Example", "excerpt": "",
                "categories": "", "tags": ""
            }),
            Some("t.json"),
        )?;
        assert_eq!(format, RecordFormat::Trafilatura);
        assert_eq!(article.id, "https://example.com/talks");
        assert_eq!(article.body, "Para one.\nPara two.");
        assert_eq!(article.source, "example.com");
        assert_eq!(article.published_at.map(|t| t.seconds), Some(1_606_780_800));
        Ok(())
    }

    #[test]
    fn our_own_records_and_their_errors() -> Result<(), String> {
        let (format, article) =
            article_from_json(json!({"url": "https://x/1", "html": "<p>x</p>"}), None)?;
        assert_eq!(format, RecordFormat::Wirecopy);
        assert_eq!(article.id, "https://x/1");
        assert_eq!(article.html, "<p>x</p>");
        let (_, article) = article_from_json(json!({"body": "b"}), Some("feed.json"))?;
        assert_eq!(article.id, "feed.json");
        assert!(article_from_json(json!({"body": "b"}), None)
            .unwrap_err()
            .contains("neither an id nor a url"));
        assert!(article_from_json(json!({"title": "t"}), Some("x"))
            .unwrap_err()
            .contains("no article text"));
        assert!(
            article_from_json(json!({"id": "1", "body": "b", "published_at": "May"}), None)
                .unwrap_err()
                .contains("\"May\"")
        );
        assert!(article_from_json(json!([1]), None).is_err());
        Ok(())
    }
}
