//! Detection on what real archives hold, through the real server: the
//! failures seen on unedited news, each as a regression test.
//!
//! - a byte-identical refiling of an article that itself reused an older
//!   one names the article it copies, and EXACT only where texts are equal;
//! - a correspondent's bio repeated by the outlet is boilerplate;
//! - a templated line with another name is not a copy;
//! - a sentence reused inside a long paragraph is found, with spans;
//! - a wire copy carrying boilerplate that unrelated articles also carry
//!   names the story it reprints, and the boilerplate makes no copy.
//!
//! The BBC articles are read from `../shared/data/bbc` (research use only,
//! so they are not copied into the repository).

mod common;

use std::path::Path;

use common::*;
use wirecopy::api::pb::{self, MatchKind, SkipReason, Verdict};

/// A BBC article's body (its first line is the headline).
fn bbc(path: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/bbc")
        .join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", file.display()));
    text.split_once('\n')
        .map_or("", |(_, body)| body)
        .trim()
        .to_owned()
}

fn skip_reason(paragraph: &pb::ParagraphMatch) -> SkipReason {
    SkipReason::try_from(paragraph.skip_reason).expect("known skip reason")
}

/// The text of `body` at a passage's span.
fn at(body: &str, start: u32, end: u32) -> &str {
    body.get(start as usize..end as usize)
        .expect("the span lies on character boundaries of the body")
}

#[tokio::test]
async fn a_refiling_names_the_article_it_copies_and_exact_means_equal() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    // 081 is an earlier story; 141 reuses parts of it in paragraphs 4-6;
    // 300 is 141 byte for byte.
    for id in ["politics/081.txt", "politics/141.txt"] {
        submit(&mut server, id, "bbc.co.uk", &bbc(id)).await;
    }
    let refiling = submit(
        &mut server,
        "politics/300.txt",
        "bbc.co.uk",
        &bbc("politics/300.txt"),
    )
    .await;
    assert_eq!(verdict(&refiling), Verdict::WireCopy);
    assert_eq!(refiling.canonical_id, "politics/141.txt");
    assert!((refiling.copy_ratio - 1.0).abs() < 1e-9);
    for paragraph in &refiling.paragraphs {
        assert_eq!(kind(paragraph), MatchKind::Exact);
        // The closest text is 141's, whose normalised text is this one.
        assert_eq!(paragraph.source_article_id, "politics/141.txt");
        assert_eq!(paragraph.source_paragraph, paragraph.index);
        assert_eq!(paragraph.similarity, 1.0);
    }
    // Where 141 reused 081, the passages' origin follows the chain.
    let chained: Vec<_> = refiling
        .paragraphs
        .iter()
        .filter(|p| p.origin_article_id == "politics/081.txt")
        .map(|p| p.index)
        .collect();
    assert!(
        !chained.is_empty() && chained.iter().all(|i| *i >= 4),
        "{chained:?}"
    );

    // 141 itself: the paragraphs it shares with 081 are not EXACT (their
    // texts differ) and name 081.
    let stored = server
        .client
        .get_article(pb::GetArticleRequest {
            id: "politics/141.txt".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let analysis = stored.analysis.expect("analysis");
    for paragraph in analysis.paragraphs.iter().filter(|p| p.index >= 4) {
        assert!(
            matches!(kind(paragraph), MatchKind::Near | MatchKind::Partial),
            "paragraph {} is {:?}",
            paragraph.index,
            kind(paragraph)
        );
        assert_eq!(paragraph.source_article_id, "politics/081.txt");
        assert!(paragraph.similarity < 1.0);
    }
    server.stop().await;
}

#[tokio::test]
async fn an_outlet_bio_shared_with_nothing_else_is_boilerplate() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    // Two columns by Bill Thompson: different stories, the same bio.
    submit(
        &mut server,
        "tech/164.txt",
        "bbc.co.uk",
        &bbc("tech/164.txt"),
    )
    .await;
    let second = submit(
        &mut server,
        "tech/184.txt",
        "bbc.co.uk",
        &bbc("tech/184.txt"),
    )
    .await;
    assert_eq!(verdict(&second), Verdict::Original);
    assert_eq!(second.canonical_id, "tech/184.txt");
    assert_eq!(second.copy_ratio, 0.0);
    let bio = second.paragraphs.last().expect("paragraphs");
    assert_eq!(kind(bio), MatchKind::Skipped);
    assert_eq!(skip_reason(bio), SkipReason::Boilerplate);
    assert!(bio.passages.is_empty());
    // Short lines are skipped as too short, not as boilerplate.
    let short = submit(
        &mut server,
        "short",
        "bbc.co.uk",
        "Too short to count.\n\nThis one has exactly eight words in it.",
    )
    .await;
    assert_eq!(skip_reason(&short.paragraphs[0]), SkipReason::TooShort);
    assert_eq!(skip_reason(&short.paragraphs[1]), SkipReason::Unspecified);
    server.stop().await;
}

#[tokio::test]
async fn a_templated_line_with_another_name_is_not_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, talks) = seed(SEED_TALKS);
    let (_, sputnik) = seed(SEED_SPUTNIK);
    let first = format!("{talks}\n\nDo you support Donald Trump? Like the page:\n\nRead the rest of the story at Mediaite.");
    let second = format!("{sputnik}\n\nDo you support Hillary Clinton? Like the page:\n\nRead the rest of the story at The New York Post.");
    submit(&mut server, "talks", "outlet.example", &first).await;
    let other = submit(&mut server, "sputnik", "outlet.example", &second).await;
    assert_eq!(verdict(&other), Verdict::Original);
    assert!(other.paragraphs.iter().all(|p| !matches!(
        kind(p),
        MatchKind::Exact | MatchKind::Near | MatchKind::Partial
    )));
    // The second filling of each template is known for what it is.
    for line in &other.paragraphs[other.paragraphs.len() - 2..] {
        assert_eq!(kind(line), MatchKind::Skipped);
        assert_eq!(skip_reason(line), SkipReason::Boilerplate);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_sentence_reused_inside_a_long_paragraph_is_found_with_spans() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    // politics/147 quotes, inside its last (145-word) paragraph, two
    // sentences of politics/007.
    let source = bbc("politics/007.txt");
    let body = bbc("politics/147.txt");
    submit(&mut server, "politics/007.txt", "bbc.co.uk", &source).await;
    let reuse = submit(&mut server, "politics/147.txt", "bbc.co.uk", &body).await;
    assert_eq!(verdict(&reuse), Verdict::PartialCopy);
    assert_eq!(reuse.canonical_id, "politics/007.txt");
    let copied: Vec<_> = reuse
        .paragraphs
        .iter()
        .filter(|p| kind(p) != MatchKind::None && kind(p) != MatchKind::Skipped)
        .collect();
    assert_eq!(copied.len(), 1, "only the last paragraph reuses text");
    let paragraph = copied[0];
    assert_eq!(kind(paragraph), MatchKind::Partial);
    assert!(paragraph.copied_words < paragraph.word_count);
    // copy_ratio counts the reused words only.
    let evidence: u32 = reuse
        .paragraphs
        .iter()
        .filter(|p| kind(p) != MatchKind::Skipped)
        .map(|p| p.word_count)
        .sum();
    let expected = f64::from(paragraph.copied_words) / f64::from(evidence);
    assert!((reuse.copy_ratio - expected).abs() < 1e-9);
    let source_paragraphs = paragraphs(&source);
    for passage in &paragraph.passages {
        let here = at(&body, passage.start, passage.end);
        let there = at(&source, passage.source_start, passage.source_end);
        assert!(
            source_paragraphs[passage.source_paragraph as usize].contains(there),
            "the source span lies in the source paragraph"
        );
        assert_eq!(passage.source_article_id, "politics/007.txt");
        assert!(here.split_whitespace().count() >= 10, "{here:?}");
        assert_eq!(
            normalise_words(here),
            normalise_words(there),
            "the spans show the same words"
        );
    }
    assert!(paragraph.passages.iter().any(|p| at(&body, p.start, p.end)
        .contains("If you are willing to lie about the reasons for going to war")));
    server.stop().await;
}

fn normalise_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[tokio::test]
async fn a_copy_carrying_shared_boilerplate_names_the_story_it_reprints() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let signup = "Sign up for our daily newsletter to get the top stories delivered to your inbox every morning.";
    let copyright = "Copyright 2020 Example Media. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.";
    // An unrelated story is the first to carry the outlet lines.
    let (_, sputnik) = seed(SEED_SPUTNIK);
    submit(
        &mut server,
        "sputnik",
        "outlet-a.example",
        &format!("{sputnik}\n\n{signup}\n\n{copyright}"),
    )
    .await;
    let (_, talks) = seed(SEED_TALKS);
    submit(&mut server, "talks", "agency.example", &talks).await;
    // Another outlet reprints the talks with the same lines.
    let copy = format!("By Jane Doe | Reuters\n\n{talks}\n\n{signup}\n\n{copyright}");
    let response = submit(&mut server, "reprint", "outlet-b.example", &copy).await;
    assert_eq!(verdict(&response), Verdict::WireCopy);
    assert_eq!(response.canonical_id, "talks");
    assert!(
        (response.copy_ratio - 1.0).abs() < 1e-9,
        "{}",
        response.copy_ratio
    );
    for line in &response.paragraphs[response.paragraphs.len() - 2..] {
        assert_eq!(kind(line), MatchKind::Skipped);
        assert_eq!(skip_reason(line), SkipReason::Boilerplate);
    }
    let related = server
        .client
        .get_duplicates(pb::GetDuplicatesRequest {
            id: "reprint".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(related.canonical_id, "talks");
    let ids: Vec<_> = related
        .related
        .iter()
        .map(|r| r.article_id.as_str())
        .collect();
    assert_eq!(ids, ["talks"], "the boilerplate relates nothing");

    // An article sharing only those lines is original, and after their
    // second isolation they are skipped wherever they stand.
    let unrelated = bbc("business/001.txt");
    let response = submit(
        &mut server,
        "unrelated",
        "outlet-c.example",
        &format!("{unrelated}\n\n{signup}\n\n{copyright}"),
    )
    .await;
    assert_eq!(verdict(&response), Verdict::Original);
    server.stop().await;
}
