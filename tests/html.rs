//! Articles submitted as raw HTML: the saved news pages in
//! `tests/fixtures/pages` (real articles inside navigation, ads, related
//! links and footers; see `make_pages.py` there) go through real gRPC, and
//! what the server stores must be the article's paragraphs and nothing else.

mod common;

use std::path::{Path, PathBuf};

use common::{verdict, TestServer};
use wirecopy::api::pb;

fn pages() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

fn page(name: &str) -> (String, Vec<String>) {
    let dir = pages();
    let html = std::fs::read_to_string(dir.join(format!("{name}.html"))).expect("page is saved");
    let expected = std::fs::read_to_string(dir.join(format!("{name}.txt"))).expect("text is saved");
    (html, collapsed_lines(&expected))
}

fn collapsed_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect()
}

fn html_request(id: &str, html: &str) -> pb::SubmitRequest {
    pb::SubmitRequest {
        article: Some(pb::Article {
            id: id.to_owned(),
            source: "example.com".into(),
            html: html.to_owned(),
            ..Default::default()
        }),
    }
}

async fn stored_body(server: &mut TestServer, id: &str) -> pb::Article {
    server
        .client
        .get_article(pb::GetArticleRequest { id: id.into() })
        .await
        .expect("stored")
        .into_inner()
        .article
        .expect("article present")
}

#[tokio::test]
async fn every_saved_page_yields_exactly_its_article_paragraphs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = TestServer::start(dir.path()).await;
    let mut names: Vec<String> = std::fs::read_dir(pages())
        .expect("pages dir")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "html").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    assert!(names.len() >= 8, "pages: {names:?}");
    for name in &names {
        let (html, expected) = page(name);
        server
            .client
            .submit(html_request(name, &html))
            .await
            .unwrap_or_else(|status| panic!("{name}: {status:?}"));
        let article = stored_body(&mut server, name).await;
        let got = collapsed_lines(&article.body);
        let junk: Vec<&String> = got.iter().filter(|line| !expected.contains(line)).collect();
        let missing: Vec<&String> = expected.iter().filter(|line| !got.contains(line)).collect();
        assert!(
            missing.is_empty(),
            "{name}: paragraphs missing: {missing:?}"
        );
        // Chrome must not leak in. Readability keeps what sits inside the
        // article element, so allow only that: an in-article newsletter box
        // (boilerplate detection deals with it across articles) and short
        // headings, which are under the matcher's minimum paragraph length
        // and so never count as evidence.
        assert!(
            junk.iter().all(|line| line.contains("newsletter")
                || line.starts_with("Read more:")
                || line.split_whitespace().count() < 5),
            "{name}: extra lines stored: {junk:?}"
        );
        for chrome in [
            "Most read",
            "Copyright 2024",
            "cookies",
            "Advertisement",
            "Share on",
        ] {
            assert!(!article.body.contains(chrome), "{name}: {chrome:?} leaked");
        }
        assert!(
            !article.title.is_empty(),
            "{name}: title taken from the page"
        );
        assert!(article.html.is_empty(), "the page itself is not returned");
    }
}

#[tokio::test]
async fn the_same_wire_story_on_two_sites_is_found_as_a_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = TestServer::start(dir.path()).await;
    let (portal, _) = page("sputnik-portal");
    let (modern, _) = page("sputnik-modern");
    server
        .client
        .submit(html_request("portal", &portal))
        .await
        .expect("first stored");
    let copy = server
        .client
        .submit(html_request("modern", &modern))
        .await
        .expect("copy stored")
        .into_inner();
    assert_eq!(verdict(&copy), pb::Verdict::WireCopy);
    assert_eq!(copy.canonical_id, "portal");
    // Resubmitting the same page is recognised as the same content.
    let again = server
        .client
        .submit(html_request("modern", &modern))
        .await
        .expect("resubmitted")
        .into_inner();
    assert_eq!(verdict(&again), pb::Verdict::Resubmitted);
}

#[tokio::test]
async fn bad_html_requests_name_the_field_and_store_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = TestServer::start(dir.path()).await;
    let (html, _) = page("report-wordpress");
    let mut both = html_request("both", &html);
    if let Some(article) = both.article.as_mut() {
        article.body = "A body as well.".into();
    }
    let nav_only = html_request(
        "empty",
        "<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2024</footer></body></html>",
    );
    let not_html = html_request("binary", "\u{0}\u{1}\u{2}\u{fffd}");
    for (request, id) in [(both, "both"), (nav_only, "empty"), (not_html, "binary")] {
        let status = server.client.submit(request).await.expect_err("refused");
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "{id}: {status:?}"
        );
        assert!(
            status.message().contains("article.html"),
            "{id}: {status:?}"
        );
        let missing = server
            .client
            .get_article(pb::GetArticleRequest { id: id.into() })
            .await
            .expect_err("nothing stored");
        assert_eq!(missing.code(), tonic::Code::NotFound);
    }
}
