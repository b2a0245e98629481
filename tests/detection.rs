//! Wire-copy detection through the real server: the copies real outlets
//! make of a wire story are found paragraph by paragraph, and different
//! stories on the same event are not.

mod common;

use common::*;
use wirecopy::api::pb::{MatchKind, Verdict};

/// Seed 000 republished by another outlet: a byline, a dateline, a few
/// typos, and curly quotes swapped for straight ones.
fn edited_copy(body: &str) -> String {
    let mut lines = paragraphs(body);
    lines[0] = format!("MOSCOW (Reuters) - {}", lines[0]);
    lines[1] = lines[1].replace("progress", "progres");
    lines[3] = lines[3].replace("stressed", "stresed");
    lines[8] = lines[8].replace("negotiations", "negotations");
    let mut copy = String::from("By Jane Doe | Reuters\n\n");
    copy.push_str(&lines.join("\n\n"));
    copy.replace(['\u{201C}', '\u{201D}'], "\"")
        .replace('\u{2019}', "'")
}

#[tokio::test]
async fn edited_republication_is_a_wire_copy_matched_paragraph_by_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    let original = submit(&mut server, "talks", "origin.example", &body).await;
    assert_eq!(verdict(&original), Verdict::Original);
    assert_eq!(original.canonical_id, "talks");

    let copy = submit(&mut server, "copy", "reprint.example", &edited_copy(&body)).await;
    assert_eq!(verdict(&copy), Verdict::WireCopy);
    assert_eq!(copy.canonical_id, "talks");
    assert!(copy.copy_ratio > 0.95, "copy ratio {}", copy.copy_ratio);
    assert_eq!(
        kind(&copy.paragraphs[0]),
        MatchKind::Skipped,
        "the byline is not evidence"
    );
    for paragraph in &copy.paragraphs[1..] {
        assert!(
            matches!(kind(paragraph), MatchKind::Exact | MatchKind::Near),
            "paragraph {} is {:?}",
            paragraph.index,
            kind(paragraph)
        );
        assert_eq!(paragraph.source_article_id, "talks");
        assert_eq!(paragraph.source_paragraph, paragraph.index - 1);
    }
    // Quotes restyled or a dateline added: still the same normalised text.
    assert_eq!(kind(&copy.paragraphs[1]), MatchKind::Exact);
    assert_eq!(kind(&copy.paragraphs[2]), MatchKind::Near);
    let datelines: Vec<_> = copy.credits.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        datelines,
        vec!["By Jane Doe | Reuters", "MOSCOW (Reuters) - "]
    );
    assert_eq!(copy.credits[1].agencies, vec!["Reuters"]);
    server.stop().await;
}

#[tokio::test]
async fn two_reports_on_the_same_talks_are_not_copies() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, talks) = seed(SEED_TALKS);
    let (_, sputnik) = seed(SEED_SPUTNIK);
    submit(&mut server, "talks", "a", &talks).await;
    let other = submit(&mut server, "sputnik", "b", &sputnik).await;
    assert_eq!(verdict(&other), Verdict::Original);
    assert_eq!(other.copy_ratio, 0.0);
    let related = server
        .client
        .get_duplicates(wirecopy::api::pb::GetDuplicatesRequest {
            id: "sputnik".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(related.related.is_empty(), "{:?}", related.related);
    server.stop().await;
}

#[tokio::test]
async fn an_article_repeating_its_own_lede_is_not_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, sputnik) = seed(SEED_SPUTNIK);
    let response = submit(&mut server, "sputnik", "urdupoint", &sputnik).await;
    assert_eq!(verdict(&response), Verdict::Original);
    assert!(response
        .paragraphs
        .iter()
        .all(|p| matches!(kind(p), MatchKind::None | MatchKind::Skipped)));
    // The lede and its repetition under the dateline are both new text.
    assert_eq!(kind(&response.paragraphs[2]), MatchKind::None);
    assert_eq!(kind(&response.paragraphs[3]), MatchKind::None);
    let dateline = response
        .credits
        .iter()
        .find(|c| c.kind == 1)
        .expect("a dateline");
    assert_eq!(dateline.agencies, vec!["UrduPoint News", "Sputnik"]);
    server.stop().await;
}

#[tokio::test]
async fn merged_split_trimmed_and_padded_copies_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    submit(&mut server, "talks", "origin", &body).await;
    let lines = paragraphs(&body);

    // Paragraphs 1 and 2 merged into one.
    let merged = format!("{}\n{} {}\n{}", lines[0], lines[1], lines[2], lines[3]);
    let response = submit(&mut server, "merged", "m", &merged).await;
    assert_eq!(verdict(&response), Verdict::WireCopy);
    let joined = &response.paragraphs[1];
    assert_eq!(kind(joined), MatchKind::Near);
    assert!(matches!(joined.source_paragraph, 1 | 2));
    assert!(response.copy_ratio > 0.99, "{}", response.copy_ratio);

    // Paragraph 3 split at its sentence boundary.
    let (first, second) = lines[3].split_once(". ").expect("two sentences");
    let split = format!("{}\n{first}.\n{second}", lines[0]);
    let response = submit(&mut server, "split", "s", &split).await;
    assert_eq!(verdict(&response), Verdict::WireCopy);
    for half in &response.paragraphs[1..] {
        assert_eq!(kind(half), MatchKind::Near);
        assert_eq!(
            (half.source_article_id.as_str(), half.source_paragraph),
            ("talks", 3)
        );
    }

    // Every paragraph trimmed of its last sentence, or padded with one.
    let trimmed: Vec<String> = lines
        .iter()
        .map(|l| match l.rsplit_once(". ") {
            Some((head, _)) if head.split_whitespace().count() >= 12 => format!("{head}."),
            _ => l.clone(),
        })
        .collect();
    let response = submit(&mut server, "trimmed", "t", &trimmed.join("\n")).await;
    assert_eq!(verdict(&response), Verdict::WireCopy);
    assert!(response
        .paragraphs
        .iter()
        .all(|p| p.source_article_id == "talks"));

    let padded: Vec<String> = lines
        .iter()
        .map(|l| format!("{l} Our correspondent in the region says the mood remains tense."))
        .collect();
    let response = submit(&mut server, "padded", "p", &padded.join("\n")).await;
    assert_eq!(verdict(&response), Verdict::WireCopy);
    assert!(
        response.copy_ratio < 0.95,
        "padding is not copied text: {}",
        response.copy_ratio
    );
    for (index, paragraph) in response.paragraphs.iter().enumerate() {
        assert_eq!(kind(paragraph), MatchKind::Near);
        assert_eq!(paragraph.source_paragraph as usize, index);
    }

    // A single paragraph lifted into otherwise new text is a partial copy.
    let partial = format!(
        "{}\nThe foreign ministry in Yerevan released a statement of its own later in the evening.\nAnalysts in Baku said they expected the talks to continue well into next year without a deal.\nThe next round is scheduled to take place in Geneva at the end of the month, officials said.",
        lines[5]
    );
    let response = submit(&mut server, "partial", "q", &partial).await;
    assert_eq!(verdict(&response), Verdict::PartialCopy);
    assert_eq!(response.canonical_id, "talks");
    server.stop().await;
}

#[tokio::test]
async fn a_copy_of_a_copy_resolves_to_the_first_article() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path()).await;
    let (_, body) = seed(SEED_TALKS);
    submit(&mut server, "wire", "agency", &body).await;
    let first = edited_copy(&body);
    submit(&mut server, "reprint", "outlet-1", &first).await;
    // The second outlet copied the first reprint, typos and all.
    let response = submit(
        &mut server,
        "reprint-of-reprint",
        "outlet-2",
        &first.replace("By Jane Doe | Reuters", "By John Roe"),
    )
    .await;
    assert_eq!(verdict(&response), Verdict::WireCopy);
    assert_eq!(response.canonical_id, "wire");
    // Each paragraph names the text it is closest to: the reprint's where
    // the reprint changed it (typos), the wire's where it did not; and
    // where the passage first appeared, the wire, either way.
    for paragraph in &response.paragraphs[1..] {
        assert_eq!(kind(paragraph), MatchKind::Exact);
        assert_eq!(paragraph.origin_article_id, "wire");
    }
    let reprinted: Vec<_> = response.paragraphs[1..]
        .iter()
        .filter(|p| p.source_article_id == "reprint")
        .map(|p| p.index)
        .collect();
    assert_eq!(reprinted, [2, 4, 9], "the paragraphs the reprint edited");
    server.stop().await;
}

/// A story of its own, different for each `n`: distinct words, so no two
/// share a passage.
fn unrelated_story(n: usize) -> String {
    let words = [
        "harbour",
        "council",
        "budget",
        "railway",
        "festival",
        "drought",
        "vaccine",
        "election",
        "factory",
        "glacier",
        "museum",
        "tariff",
        "airport",
        "orchard",
        "satellite",
        "hospital",
    ];
    (0..3)
        .map(|paragraph| {
            let mut line: Vec<String> = (0..30)
                .map(|w| {
                    format!(
                        "{}{}",
                        words[(n * 7 + paragraph * 3 + w) % words.len()],
                        n * 100 + paragraph * 31 + w
                    )
                })
                .collect();
            line.push("said.".into());
            line.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[tokio::test]
async fn copies_are_found_within_the_match_window_and_not_beyond_it_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // Generations of two articles: the window is the last two to four.
    let config = wirecopy::engine::EngineConfig {
        match_window: 4,
        ..Default::default()
    };
    let options = wirecopy::server::ServeOptions::default;
    let mut server = TestServer::start_with(dir.path(), config, options()).await;
    let (_, body) = seed(SEED_TALKS);
    submit(&mut server, "talks", "origin.example", &body).await;
    for n in 0..4 {
        submit(
            &mut server,
            &format!("other-{n}"),
            "x.example",
            &unrelated_story(n),
        )
        .await;
    }
    // Sequences 1..=5: generations {1,2} {3,4} {5}; "talks" has left.
    let late = submit(
        &mut server,
        "late-copy",
        "reprint.example",
        &edited_copy(&body),
    )
    .await;
    assert_eq!(
        verdict(&late),
        Verdict::Original,
        "a copy of an article older than the window is not detected"
    );
    // Still stored and readable, and its duplicates still answer.
    let stored = server
        .client
        .get_article(wirecopy::api::pb::GetArticleRequest { id: "talks".into() })
        .await
        .expect("an article outside the window is still stored")
        .into_inner();
    assert_eq!(stored.article.expect("article").body, body);
    server
        .client
        .get_duplicates(wirecopy::api::pb::GetDuplicatesRequest { id: "talks".into() })
        .await
        .expect("duplicates of an article outside the window answer");
    // A resubmission is recognised whatever the window.
    let again = submit(&mut server, "talks", "origin.example", &body).await;
    assert_eq!(verdict(&again), Verdict::Resubmitted);
    server.stop().await;

    // After a restart the window is loaded from the store: the late copy
    // (sequence 6, in the window) is found, the old story still is not.
    let mut server = TestServer::start_with(dir.path(), config, options()).await;
    let copy_of_late = submit(
        &mut server,
        "copy-of-late",
        "y.example",
        &edited_copy(&body),
    )
    .await;
    assert_eq!(verdict(&copy_of_late), Verdict::WireCopy);
    assert_eq!(copy_of_late.canonical_id, "late-copy");

    // The window's filter of the texts the archive holds is what tells a
    // text stored before the window from a new one. After a restart from
    // the saved window, and after one that rebuilds the window from the
    // store alone, a copy of texts that left the window again is not
    // detected and leaves the stored articles' texts as they were.
    for (round, file_removed) in [(0, false), (1, true)] {
        for n in 0..4 {
            let id = format!("later-{round}-{n}");
            submit(
                &mut server,
                &id,
                "x.example",
                &unrelated_story(10 + round * 4 + n),
            )
            .await;
        }
        server.stop().await;
        if file_removed {
            std::fs::remove_file(dir.path().join(wirecopy::store::WINDOW_FILE))
                .expect("the saved window is there to remove");
        }
        server = TestServer::start_with(dir.path(), config, options()).await;
        let again = submit(
            &mut server,
            &format!("late-{round}"),
            "z.example",
            &edited_copy(&body),
        )
        .await;
        assert_eq!(verdict(&again), Verdict::Original, "round {round}");
        for (id, expected) in [("talks", body.clone()), ("late-copy", edited_copy(&body))] {
            let stored = server
                .client
                .get_article(wirecopy::api::pb::GetArticleRequest { id: id.into() })
                .await
                .expect("stored articles answer")
                .into_inner();
            assert_eq!(
                stored.article.map(|a| a.body),
                Some(expected),
                "round {round}: {id} reads as submitted"
            );
        }
    }
    server.stop().await;
}
