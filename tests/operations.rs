//! Running wirecopy as an operator does: options from a TOML file with
//! flags and environment on top, Prometheus metrics scraped over HTTP,
//! JSON logs. All against the real binary.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{
    metrics::{find_value, scrape, value},
    process::{ServeProcess, BINARY},
    seed, SEED_SPUTNIK, SEED_TALKS,
};

/// The sum of every series whose line starts with `prefix`.
fn sum_values(metrics: &str, prefix: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(prefix))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A `wirecopy subscribe` process that has received its first event and
/// keeps reading the stream (a thread drains its output, so it never blocks
/// on a full pipe or dies of a closed one).
fn subscriber(server: &ServeProcess) -> Child {
    let mut child = Command::new(BINARY)
        .args(["subscribe", "--json"])
        .env("WIRECOPY_SERVER", &server.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("subscriber starts");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout);
    let mut first = String::new();
    lines.read_line(&mut first).expect("first event");
    assert!(first.contains("sequence"), "{first}");
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    child
}

#[test]
fn config_file_metrics_and_their_precedence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("wirecopy.toml");
    std::fs::write(
        &config,
        "# operator settings\nmetrics-listen = \"127.0.0.1:0\"\nmax_subscribers = 1\nfsync = true\n",
    )
    .expect("config written");
    let config_arg = config.display().to_string();
    let server = ServeProcess::start_with(&dir.path().join("data"), &["--config", &config_arg]);
    let metrics = server.metrics.clone().expect("metrics enabled by the file");

    let (_, wire) = seed(SEED_SPUTNIK);
    let (_, report) = seed(SEED_TALKS);
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(&feed).expect("dir");
    std::fs::write(feed.join("1-wire.txt"), format!("Wire\n\n{wire}")).expect("write");
    std::fs::write(feed.join("2-report.txt"), format!("Report\n\n{report}")).expect("write");
    std::fs::write(
        feed.join("3-copy.txt"),
        format!("Copy\n\nBy a staff writer\n{wire}"),
    )
    .expect("write");
    let submitted = server.client(&["submit", &feed.display().to_string()]);
    assert!(submitted.status.success(), "{submitted:?}");
    let missing = server.client(&["get", "no-such-article"]);
    assert!(!missing.status.success());

    // The file's max_subscribers = 1 holds: a second subscriber is refused.
    let mut first = subscriber(&server);
    let second = server.client(&["subscribe"]);
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("ResourceExhausted"),
        "{second:?}"
    );

    let text = scrape(&metrics);
    let submit_stream =
        "wirecopy_rpc_requests_total{rpc=\"wirecopy.v1.ArticleService/SubmitStream\",code=\"Ok\"}";
    assert_eq!(value(&text, submit_stream), 1.0);
    let not_found = "wirecopy_rpc_requests_total{rpc=\"wirecopy.v1.ArticleService/GetArticle\",code=\"NotFound\"}";
    assert_eq!(value(&text, not_found), 1.0);
    let refused = "wirecopy_rpc_requests_total{rpc=\"wirecopy.v1.FactService/Subscribe\",code=\"ResourceExhausted\"}";
    assert_eq!(value(&text, refused), 1.0);
    assert!(text.contains("wirecopy_rpc_duration_seconds_bucket{rpc=\"wirecopy.v1.ArticleService/GetArticle\",le=\"0.005\"}"), "{text}");
    assert_eq!(
        value(&text, "wirecopy_articles_total{verdict=\"ORIGINAL\"}"),
        2.0
    );
    assert_eq!(
        value(&text, "wirecopy_articles_total{verdict=\"WIRE_COPY\"}"),
        1.0
    );
    assert!(value(&text, "wirecopy_paragraphs_total{kind=\"EXACT\"}") >= 5.0);
    assert!(value(&text, "wirecopy_facts_created_total") > 0.0);
    assert!(value(&text, "wirecopy_facts_corroborated_total") > 0.0);
    assert_eq!(value(&text, "wirecopy_subscribers"), 1.0);
    assert!(value(&text, "wirecopy_fact_stream_head") > 0.0);
    assert_eq!(value(&text, "wirecopy_stored_articles"), 3.0);
    assert!(value(&text, "wirecopy_store_bytes") > 10_000.0);
    // The subscriber reads as fast as it can; its lag drains to zero.
    let deadline = Instant::now() + Duration::from_secs(20);
    while value(&scrape(&metrics), "wirecopy_subscriber_lag_max_events") > 0.0 {
        assert!(Instant::now() < deadline, "lag never drained");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = first.kill();
    let _ = first.wait();
    server.terminate();

    // A flag beats the file: two subscribers now fit.
    let server = ServeProcess::start_with(
        &dir.path().join("data"),
        &["--config", &config_arg, "--max-subscribers", "2"],
    );
    let mut one = subscriber(&server);
    let mut two = subscriber(&server);
    for child in [&mut one, &mut two] {
        let _ = child.kill();
        let _ = child.wait();
    }
    server.terminate();
}

#[test]
fn bad_config_files_are_refused_with_the_option_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (content, expected) in [
        ("colour = \"blue\"\n", "unknown option `colour`"),
        ("max-subscribers = \"many\"\n", "--max-subscribers"),
        ("listen = [1, 2]\n", "must be a string, number or boolean"),
        ("listen = \n", "not valid TOML"),
    ] {
        let config = dir.path().join("bad.toml");
        std::fs::write(&config, content).expect("config written");
        let output = Command::new(BINARY)
            .args(["serve", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--config")
            .arg(&config)
            .output()
            .expect("binary runs");
        assert!(!output.status.success(), "{content}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{content}: {stderr}");
    }
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let stderr = child.stderr.take().expect("piped");
    let mut lines = BufReader::new(stderr).lines();
    let mut records = Vec::new();
    // Up to the line that says where it listens (the store's and the match
    // window's come before it).
    while let Some(Ok(line)) = lines.next() {
        let record: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the line is JSON ({e}): {line}"));
        let listening = record["fields"]["listen"].is_string();
        records.push((line, record));
        if listening {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let (line, record) = records.pop().expect("a log line with the address");
    let earlier: Vec<&serde_json::Value> = records
        .iter()
        .map(|(_, earlier)| &earlier["fields"]["message"])
        .collect();
    assert_eq!(
        earlier,
        ["store opened", "match window loaded from the store"],
        "{records:?}"
    );
    assert_eq!(record["level"], "INFO", "{line}");
    assert_eq!(record["fields"]["message"], "wirecopy serving", "{line}");
    assert!(
        record["fields"]["listen"]
            .as_str()
            .is_some_and(|listen| listen.starts_with("127.0.0.1:")),
        "{line}"
    );
}

/// Scrapes until `done` holds for the exposition (streams are counted when
/// they end, which the server sees a moment after the client does); fails
/// with `what` after 20 s.
async fn scrape_until(metrics: &str, what: &str, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let address = metrics.to_owned();
        let text = tokio::task::spawn_blocking(move || scrape(&address))
            .await
            .expect("scrape task");
        if done(&text) {
            return;
        }
        assert!(Instant::now() < deadline, "never {what}, in:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_value(metrics: &str, series: &str, expected: f64) {
    let what = format!("{series} = {expected}");
    scrape_until(metrics, &what, |text| {
        find_value(text, series) == Some(expected)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_counted_by_how_they_end_and_stored_articles_always() {
    use wirecopy::api::pb::{
        self, article_service_client::ArticleServiceClient, fact_service_client::FactServiceClient,
    };

    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServeProcess::start_with(
        &dir.path().join("data"),
        &[
            "--metrics-listen",
            "127.0.0.1:0",
            "--max-message-bytes",
            "65536",
        ],
    );
    let metrics = server.metrics.clone().expect("metrics on");
    let channel = tonic::transport::Channel::from_shared(server.url.clone())
        .expect("url")
        .connect()
        .await
        .expect("connects");
    let mut articles = ArticleServiceClient::new(channel.clone());
    let (_, wire) = seed(SEED_SPUTNIK);

    // A stream whose second message is over the limit: the server answers
    // the first, then ends the stream with OUT_OF_RANGE in its trailers.
    let oversized = "word ".repeat(20_000);
    let requests = tokio_stream::iter([
        common::request("wire", "sputnik", &wire),
        common::request("too-big", "example.org", &oversized),
    ]);
    let mut responses = articles
        .submit_stream(requests)
        .await
        .expect("stream opens")
        .into_inner();
    let first = responses.message().await.expect("first answer");
    assert!(first.is_some_and(|response| response.error.is_none()));
    let ended = loop {
        match responses.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended without the size error"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), tonic::Code::OutOfRange, "{ended:?}");
    let stream_rpc = "wirecopy.v1.ArticleService/SubmitStream";
    wait_for_value(
        &metrics,
        &format!("wirecopy_rpc_requests_total{{rpc=\"{stream_rpc}\",code=\"OutOfRange\"}}"),
        1.0,
    )
    .await;
    wait_for_value(
        &metrics,
        &format!("wirecopy_rpc_in_flight{{rpc=\"{stream_rpc}\"}}"),
        0.0,
    )
    .await;

    // A subscription is in flight while open, and counted as Cancelled
    // once its client goes away.
    let subscribe_rpc = "wirecopy.v1.FactService/Subscribe";
    let mut facts = FactServiceClient::new(channel);
    let mut events = facts
        .subscribe(pb::SubscribeRequest::default())
        .await
        .expect("subscribes")
        .into_inner();
    let event = events.message().await.expect("an event");
    assert!(event.is_some_and(|event| event.sequence == 1));
    wait_for_value(
        &metrics,
        &format!("wirecopy_rpc_in_flight{{rpc=\"{subscribe_rpc}\"}}"),
        1.0,
    )
    .await;
    drop(events);
    wait_for_value(
        &metrics,
        &format!("wirecopy_rpc_requests_total{{rpc=\"{subscribe_rpc}\",code=\"Cancelled\"}}"),
        1.0,
    )
    .await;
    wait_for_value(
        &metrics,
        &format!("wirecopy_rpc_in_flight{{rpc=\"{subscribe_rpc}\"}}"),
        0.0,
    )
    .await;
    wait_for_value(
        &metrics,
        &format!("wirecopy_rpc_duration_seconds_count{{rpc=\"{subscribe_rpc}\"}}"),
        1.0,
    )
    .await;

    // A client that sends many articles on a stream and hangs up after
    // the first answer: what the server had queued is stored all the same,
    // and each stored article is counted by its verdict.
    let (_, report) = seed(SEED_TALKS);
    let many = tokio_stream::iter((0..200).map(move |n| {
        common::request(
            &format!("hung-up-{n}"),
            "example.org",
            &format!("Edition {n} of the report.\n\n{report}"),
        )
    }));
    let mut answers = articles
        .submit_stream(many)
        .await
        .expect("stream opens")
        .into_inner();
    for _ in 0..5 {
        let answer = answers.message().await.expect("an answer");
        assert!(answer.is_some_and(|response| response.error.is_none()));
    }
    drop(answers);
    let ended = format!("wirecopy_rpc_requests_total{{rpc=\"{stream_rpc}\"");
    scrape_until(
        &metrics,
        "both streams ended and every stored article counted",
        |text| {
            sum_values(text, &ended) == 2.0
                && sum_values(text, "wirecopy_articles_total{")
                    == value(text, "wirecopy_stored_articles")
        },
    )
    .await;
    server.terminate();
}
