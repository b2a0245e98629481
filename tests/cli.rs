//! The `wirecopy` binary end to end: `serve` on a real port, the client
//! subcommands against it, graceful shutdown on SIGTERM, and a restart on
//! the same data directory.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use common::{
    process::{ServeProcess, BINARY},
    seed, SEED_SPUTNIK, SEED_TALKS,
};

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Seed 000 written to `dir` as a plain-text file (its title on the first
/// line), and the seed's body.
fn talks_txt(dir: &Path) -> (PathBuf, String) {
    let (_, talks) = seed(SEED_TALKS);
    let file = dir.join("talks.txt");
    std::fs::write(&file, format!("Lavrov meets Ayvazian\n\n{talks}")).unwrap();
    (file, talks)
}

#[test]
fn serve_submit_get_dupes_shutdown_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let (talks_file, talks) = talks_txt(&inputs);
    let (title, sputnik) = seed(SEED_SPUTNIK);
    let sputnik_file = inputs.join("sputnik.txt");
    std::fs::write(&sputnik_file, format!("{title}\n\n{sputnik}")).unwrap();
    let copy = serde_json::json!({
        "url": "https://reprint.example/lavrov",
        "source": "reprint.example",
        "title": "Lavrov: ceasefire holds",
        "body": format!("MOSCOW (Reuters) - {}", talks.replace(['\u{201C}', '\u{201D}'], "\"")),
        "published_at": "2020-12-01T23:32:00Z",
    });
    let feed = inputs.join("feed.jsonl");
    std::fs::write(&feed, format!("{copy}\n")).unwrap();

    let server = ServeProcess::start(&data);
    let talks_id = talks_file.display().to_string();
    let submitted = stdout(&server.client(&[
        "submit",
        &talks_id,
        &sputnik_file.display().to_string(),
        &feed.display().to_string(),
    ]));
    let lines: Vec<&str> = submitted.lines().collect();
    assert_eq!(lines.len(), 3, "{submitted}");
    assert!(lines[0].contains("\tORIGINAL\t"), "{submitted}");
    assert!(lines[1].contains("\tORIGINAL\t"), "{submitted}");
    assert!(
        lines[2].starts_with("https://reprint.example/lavrov\tWIRE_COPY"),
        "{submitted}"
    );
    assert!(
        lines[2].ends_with(&format!("canonical {talks_id}")),
        "{submitted}"
    );

    let got: serde_json::Value = serde_json::from_str(&stdout(&server.client(&[
        "get",
        "--json",
        "https://reprint.example/lavrov",
    ])))
    .unwrap();
    assert_eq!(got["article"]["source"], "reprint.example");
    assert_eq!(got["article"]["published_at"], "2020-12-01T23:32:00Z");
    assert_eq!(got["analysis"]["verdict"], "WIRE_COPY");
    assert_eq!(got["analysis"]["credits"][0]["agencies"][0], "Reuters");

    let dupes: serde_json::Value =
        serde_json::from_str(&stdout(&server.client(&["dupes", "--json", &talks_id]))).unwrap();
    assert_eq!(
        dupes["related"][0]["article_id"],
        "https://reprint.example/lavrov"
    );
    assert_eq!(dupes["related"][0]["relation"], "LATER");
    assert_eq!(dupes["related"].as_array().map(Vec::len), Some(1));

    // For people, each copied passage stands beside its source span.
    let lavrov = "https://reprint.example/lavrov";
    for command in ["get", "dupes"] {
        let shown = stdout(&server.client(&[command, lavrov]));
        let side_by_side = shown
            .split_once("copied passages, beside their sources:")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("{command} shows no passages: {shown}"));
        let heading = side_by_side
            .lines()
            .find(|line| line.contains("this article"))
            .unwrap_or_else(|| panic!("{command}: no column headings: {side_by_side}"));
        assert!(heading.contains(&format!("| {talks_id} [0]")), "{heading}");
        // The copy's first words beside the original's, on one line.
        let first = side_by_side
            .lines()
            .find(|line| line.contains("We are satisfied"))
            .unwrap_or_else(|| panic!("{command}: no passage text: {side_by_side}"));
        assert_eq!(first.matches("We are satisfied").count(), 2, "{first}");
    }

    let facts = stdout(&server.client(&["facts", "--json", &talks_id]));
    let facts: Vec<serde_json::Value> = facts
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(facts
        .iter()
        .any(|f| f["kind"] == "QUOTE" && f["body"]["speaker"] == "Ara Ayvazian"));
    assert!(facts.iter().all(|f| f["corroborated"] == false));

    // `subscribe` follows the stream until stopped; read its first event.
    let mut subscriber = Command::new(BINARY)
        .args([
            "subscribe",
            "--json",
            "--kind",
            "quote",
            "--entity",
            "ayvazian",
        ])
        .env("WIRECOPY_SERVER", &server.url)
        .stdout(Stdio::piped())
        .spawn()
        .expect("subscribe starts");
    let mut first = String::new();
    BufReader::new(subscriber.stdout.take().expect("stdout is piped"))
        .read_line(&mut first)
        .expect("an event arrives");
    subscriber.kill().expect("subscriber stops");
    let _ = subscriber.wait();
    let event: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(event["kind"], "FACT_CREATED");
    assert_eq!(event["fact"]["body"]["speaker"], "Ara Ayvazian");
    assert_eq!(event["article_id"], talks_id.as_str());

    let missing = server.client(&["get", "no-such-article"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NotFound"));

    let log = server.terminate();
    assert!(log.contains("store flushed"), "{log}");

    // Everything acknowledged is there after a restart.
    let server = ServeProcess::start(&data);
    let readable = stdout(&server.client(&["get", &talks_id]));
    assert!(readable.contains("verdict:   ORIGINAL"), "{readable}");
    assert!(readable.contains("Lavrov said Russian, French and U.S. diplomats"));

    // `delete` goes on past an id that fails, and then exits with failure.
    let sputnik_id = sputnik_file.display().to_string();
    let deleted = server.client(&["delete", "--json", &sputnik_id, "no-such-article"]);
    assert!(!deleted.status.success());
    assert!(String::from_utf8_lossy(&deleted.stderr).contains("no-such-article: NotFound"));
    let report: serde_json::Value =
        serde_json::from_str(&String::from_utf8_lossy(&deleted.stdout)).unwrap();
    assert_eq!(report["id"], sputnik_id.as_str());
    assert!(report["facts_retracted"].as_u64() > Some(0), "{report}");
    assert!(!server.client(&["get", &sputnik_id]).status.success());
    server.terminate();
}

#[test]
fn a_memory_store_serves_and_forgets_at_exit() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = talks_txt(dir.path());
    let id = file.display().to_string();
    let data = dir.path().join("data");
    let server = ServeProcess::start_with(&data, &["--store", "memory"]);
    assert!(server.client(&["submit", &id]).status.success());
    assert!(stdout(&server.client(&["get", &id])).contains("verdict:   ORIGINAL"));
    server.terminate();
    assert!(
        !data.exists(),
        "a memory store writes nothing to --data-dir"
    );
    let server = ServeProcess::start_with(&data, &["--store", "memory"]);
    assert!(!server.client(&["get", &id]).status.success());
    server.terminate();
}

#[test]
fn export_and_import_rebuild_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let (_, talks) = seed(SEED_TALKS);
    let (title, sputnik) = seed(SEED_SPUTNIK);
    let lines = [
        serde_json::json!({"id": "talks", "source": "armenpress", "body": talks,
            "labels": {"section": "world", "run": "7"}}),
        serde_json::json!({"id": "sputnik", "source": "sputnik", "title": title, "body": sputnik,
            "published_at": "2020-12-01T23:32:00Z", "language": "en"}),
        serde_json::json!({"id": "copy", "source": "reprint.example", "url": "https://reprint.example/1",
            "body": format!("MOSCOW (Reuters) - {talks}"), "published_at": "0001-01-01T00:00:00Z"}),
    ];
    let feed = dir.path().join("feed.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&feed, text.join("\n")).unwrap();

    let first = ServeProcess::start(&dir.path().join("first"));
    stdout(&first.client(&["submit", &feed.display().to_string()]));
    let exported = dir.path().join("export.jsonl");
    stdout(&first.client(&["export", "--output", &exported.display().to_string()]));
    let resumed = stdout(&first.client(&["export", "--after", "2"]));
    let describe = |server: &ServeProcess| -> Vec<(String, String)> {
        ["talks", "sputnik", "copy"]
            .iter()
            .map(|id| {
                let got: serde_json::Value =
                    serde_json::from_str(&stdout(&server.client(&["get", "--json", id]))).unwrap();
                (
                    got["analysis"].to_string(),
                    stdout(&server.client(&["facts", "--json", id])),
                )
            })
            .collect()
    };
    let before = describe(&first);
    first.terminate();

    let export = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(export.lines().count(), 3, "{export}");
    assert_eq!(
        resumed.trim_end(),
        export.lines().nth(2).unwrap(),
        "--after resumes after a sequence"
    );

    let second = ServeProcess::start(&dir.path().join("second"));
    stdout(&second.client(&["import", &exported.display().to_string()]));
    let again = stdout(&second.client(&["export"]));
    assert_eq!(again, export, "a re-export equals the export");
    assert_eq!(
        describe(&second),
        before,
        "analyses and facts are rebuilt the same"
    );
    // Importing the same export again changes nothing.
    let repeated = second.client(&["import", &exported.display().to_string()]);
    assert!(repeated.status.success());
    assert!(String::from_utf8_lossy(&repeated.stderr).contains("RESUBMITTED 3"));
    second.terminate();
}

#[test]
fn a_public_address_needs_tokens_or_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let refused = Command::new(BINARY)
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .output()
        .expect("serve runs");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("--tokens") && message.contains("--insecure"),
        "{message}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "refused before opening the store"
    );

    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "secret-token-0123456789 admin\n").unwrap();
    let refused = Command::new(BINARY)
        .args(["serve", "--listen", "0.0.0.0:0", "--tokens"])
        .arg(&tokens)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .expect("serve runs");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("line 1") && message.contains("admin"),
        "{message}"
    );
    assert!(
        !message.contains("secret-token"),
        "tokens are never printed"
    );
}

/// `wirecopy submit` on a folder as scrapers leave it: news-please's one
/// pretty-printed JSON per article, trafilatura JSON Lines, a saved page,
/// a plain-text file, a bad line and files that are not articles.
#[test]
fn submit_reads_scraper_output_and_summarises() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(feed.join("news-please/urdupoint.com")).expect("dirs");
    let (title, wire) = seed(SEED_SPUTNIK);
    let (_, report) = seed(SEED_TALKS);
    let wire_url = "https://www.urdupoint.com/en/world/russia-sees-no-deliberate.html";
    let news_please = serde_json::json!({
        "authors": [], "date_download": "2020-12-02 08:00:00", "date_modify": null,
        "date_publish": "2020-12-01 23:32:00", "description": null, "filename": "x.json",
        "image_url": null, "language": "en", "localpath": null, "maintext": wire,
        "source_domain": "urdupoint.com", "text": null, "title": title, "title_page": null,
        "title_rss": null, "url": wire_url,
    });
    std::fs::write(
        feed.join("news-please/urdupoint.com/russia.json"),
        serde_json::to_string_pretty(&news_please).expect("json"),
    )
    .expect("write");
    // trafilatura: a copy of the wire story on another site, and a bad line.
    let copy = format!(
        "By our correspondent\n{}",
        wire.replace("Sputnik", "agency")
    );
    let trafilatura = serde_json::json!({
        "title": title, "author": null, "hostname": "copier.example", "date": "2020-12-02",
        "fingerprint": "f", "id": null, "license": null, "comments": "", "raw_text": copy,
        "text": copy, "language": "en", "image": null, "pagetype": "article",
        "source": "https://copier.example/russia", "source-hostname": "Copier", "excerpt": "",
        "categories": "", "tags": "",
    });
    std::fs::write(
        feed.join("trafilatura.jsonl"),
        format!("{trafilatura}\n{{\"title\": \"no text\"}}\n"),
    )
    .expect("write");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pages/report-wordpress.html"),
        feed.join("report.html"),
    )
    .expect("copy page");
    std::fs::write(feed.join("talks.txt"), format!("Talks\n\n{report}")).expect("write");
    std::fs::write(feed.join("README.md"), "not an article").expect("write");

    let server = ServeProcess::start(&dir.path().join("data"));
    let output = server.client(&["submit", &feed.display().to_string()]);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "an unreadable record fails the run"
    );
    let row = |name: &str| {
        err.lines()
            .find(|line| line.trim_start().starts_with(name))
            .and_then(|line| line.split_whitespace().last())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(row("read as news-please JSON"), "1", "{err}");
    assert_eq!(row("read as trafilatura JSON"), "1", "{err}");
    assert_eq!(row("read as HTML page"), "1", "{err}");
    assert_eq!(row("read as plain text"), "1", "{err}");
    // The trafilatura copy of the wire story, and talks.txt, which is the
    // same report as the saved page read before it.
    assert_eq!(row("WIRE_COPY"), "2", "{err}");
    assert_eq!(row("ORIGINAL"), "2", "{err}");
    assert_eq!(row("UNREADABLE"), "1", "{err}");
    assert!(
        err.contains("trafilatura.jsonl:2\tno article text"),
        "{err}"
    );
    assert!(
        row("facts created").parse::<u64>().unwrap_or(0) > 0,
        "{err}"
    );
    // Directory order: news-please/… first, so the trafilatura copy is
    // found as a copy of the news-please original, both keyed by URL.
    let copy_line = out
        .lines()
        .find(|line| line.starts_with("https://copier.example/russia\t"))
        .unwrap_or_else(|| panic!("copy answered: {out}"));
    assert!(copy_line.contains("WIRE_COPY"), "{copy_line}");
    assert!(
        copy_line.contains(&format!("canonical {wire_url}")),
        "{copy_line}"
    );
    let stored = stdout(&server.client(&["get", "--json", wire_url]));
    assert!(stored.contains("\"source\":\"urdupoint.com\""), "{stored}");
    assert!(stored.contains("2020-12-01T23:32:00Z"), "{stored}");
    server.terminate();
}

/// `wirecopy submit` with its stderr on a terminal (a pseudo-terminal the
/// test holds the other end of) draws a progress bar with the article
/// count, rate and ETA; with stderr on a pipe it draws none.
#[test]
fn submit_draws_a_progress_bar_on_a_terminal_only() {
    use std::{io::Read, os::fd::OwnedFd, time::Duration};

    let dir = tempfile::tempdir().expect("tempdir");
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(&feed).expect("dir");
    let (_, report) = seed(SEED_TALKS);
    for n in 0..300 {
        std::fs::write(
            feed.join(format!("{n:03}.txt")),
            format!("Edition {n}\n\nEdition {n} of the morning report.\n\n{report}"),
        )
        .expect("write");
    }
    let server = ServeProcess::start(&dir.path().join("data"));

    let terminal =
        rustix::pty::openpt(rustix::pty::OpenptFlags::RDWR | rustix::pty::OpenptFlags::NOCTTY)
            .expect("a pseudo-terminal");
    rustix::pty::grantpt(&terminal).expect("grantpt");
    rustix::pty::unlockpt(&terminal).expect("unlockpt");
    let name = rustix::pty::ptsname(&terminal, Vec::new()).expect("ptsname");
    let side = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(std::ffi::OsStr::new(
            name.to_str().expect("the terminal's name is UTF-8"),
        ))
        .expect("the terminal side opens");
    let mut child = Command::new(BINARY)
        .args(["submit", &feed.display().to_string()])
        .env("WIRECOPY_SERVER", &server.url)
        .stdout(Stdio::null())
        .stderr(Stdio::from(OwnedFd::from(side)))
        .spawn()
        .expect("submit runs");
    // Drain the terminal until the child closes its side (reads then fail
    // with EIO), so the child never blocks on a full terminal buffer.
    let mut screen = std::fs::File::from(terminal);
    let drawn = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(read @ 1..) = screen.read(&mut chunk) {
            bytes.extend_from_slice(&chunk[..read]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("child status") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("submit still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let screen = drawn.join().expect("reader");
    let bar = regex::Regex::new(r"\d+ articles, \d+/s ETA \d+").expect("pattern");
    assert!(bar.is_match(&screen), "no progress bar in:\n{screen}");
    assert!(
        screen.contains("WIRE_COPY"),
        "summary on the terminal:\n{screen}"
    );

    // The same on a pipe: the summary, and no bar redrawn in place.
    let piped = server.client(&["submit", &feed.display().to_string()]);
    let piped = String::from_utf8_lossy(&piped.stderr).into_owned();
    assert!(piped.contains("RESUBMITTED"), "{piped}");
    assert!(
        !piped.contains('\r') && !piped.contains('\u{1b}'),
        "{piped:?}"
    );
}
