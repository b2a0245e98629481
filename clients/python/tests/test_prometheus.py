"""A real Prometheus scraping a real server, with wirecopy's shipped rules.

Prometheus and promtool come from Debian's `prometheus` package (.ci/run
installs it). The test is skipped when they are not on PATH, unless
WIRECOPY_REQUIRE_PROMETHEUS is set (as .ci/run does), in which case a
missing Prometheus is a failure.

It checks what an operator relies on: the rules in examples/prometheus
pass promtool's syntax check and its unit tests; Prometheus scrapes
/metrics (so the exposition parses); after traffic, the recording rules
the README's dashboards use give the numbers the traffic implies.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request

import grpc
import pytest

from wirecopy_client import WirecopyClient, WirecopyError, verdict_name
from wirecopy_server import REPO_DIR, dead_port, edited_copy_of_talks, required_tool, seed
from test_walkthrough import metrics_address

RULES_DIR = REPO_DIR / "examples" / "prometheus"


def tool(name: str) -> str:
    return required_tool(name, "WIRECOPY_REQUIRE_PROMETHEUS", "apt-get install prometheus")


def test_the_shipped_rules_pass_promtool():
    promtool = tool("promtool")
    for args in (["check", "rules", "wirecopy-rules.yml"],
                 ["check", "config", "prometheus.yml"],
                 ["test", "rules", "wirecopy-rules.test.yml"]):
        done = subprocess.run([promtool, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (args, done.stdout, done.stderr)


class Prometheus:
    """A Prometheus process scraping one target every second."""

    def __init__(self, binary: str, target: str, workdir) -> None:
        config = workdir / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{json.dumps(str(RULES_DIR / 'wirecopy-rules.yml'))}]\n"
            "scrape_configs:\n"
            f"  - job_name: wirecopy\n    static_configs: [{{targets: [{json.dumps(target)}]}}]\n"
        )
        self.log = open(workdir / "prometheus.log", "w")
        self.port = dead_port()
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def api(self, path: str, **params: str) -> dict:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> dict[str, float]:
        """An instant query's result as {labels as JSON: value}."""
        result = self.api("query", query=expr)["result"]
        return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1]) for r in result}

    def wait_for(self, expr: str, check, timeout: float = 60.0) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited {self.proc.returncode}")
            try:
                last = self.query(expr)
                if check(last):
                    return last
            except OSError as error:  # not listening yet
                last = error
            time.sleep(0.5)
        raise AssertionError(f"{expr}: {last}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def test_prometheus_scrapes_the_server_and_the_rules_read_its_traffic(server_factory, tmp_path):
    binary = tool("prometheus")
    server = server_factory("--metrics-listen", "127.0.0.1:0", "--max-subscribers", "1")
    prometheus = Prometheus(binary, metrics_address(server), tmp_path)
    try:
        # Scraped at least once before any traffic, so rates see it begin.
        prometheus.wait_for('up{job="wirecopy"}', lambda r: list(r.values()) == [1.0])

        # Traffic in two scrape intervals: a rate needs a series to move
        # between two samples (the article counters start at zero, but a
        # histogram and a status code appear with their first call). Each
        # interval has a Submit, a NOT_FOUND (the client's mistake) and a
        # Subscribe refused by the subscriber limit (the server's refusal).
        talks = seed("talks")
        submit_count = 'wirecopy_rpc_duration_seconds_count{rpc="wirecopy.v1.ArticleService/Submit"}'
        refused = 'wirecopy_rpc_requests_total{rpc="wirecopy.v1.FactService/Subscribe",code="ResourceExhausted"}'
        with WirecopyClient(server.target) as client:
            verdicts = [verdict_name(client.submit(id="talks", source="a.example", body=talks).verdict)]
            following = client.subscribe()
            assert next(following).sequence == 1  # the one subscription allowed

            def refused_subscription() -> None:
                with pytest.raises(WirecopyError) as error:
                    next(client.subscribe())
                assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

            def not_found(article_id: str) -> None:
                with pytest.raises(WirecopyError) as error:
                    client.get_article(article_id)
                assert error.value.code() == grpc.StatusCode.NOT_FOUND

            not_found("nope-1")
            refused_subscription()
            prometheus.wait_for(f"{submit_count} + on() {refused}", lambda r: list(r.values()) == [2.0])
            verdicts += [
                verdict_name(client.submit(id="copy", source="b.example", body=edited_copy_of_talks(talks)).verdict),
                verdict_name(client.submit(id="sputnik", source="c.example", body=seed("sputnik")).verdict),
            ]
            not_found("nope-2")
            refused_subscription()
            assert verdicts == ["ORIGINAL", "WIRE_COPY", "ORIGINAL"]
            check_rules(prometheus)
            following.close()
    finally:
        prometheus.stop()


def check_rules(prometheus: Prometheus) -> None:
    """The recording rules and alerts over the traffic above."""
    stored = prometheus.wait_for(
        "sum by (verdict) (wirecopy_articles_total) > 0",
        lambda r: sum(r.values()) == 3,
    )
    assert stored == {'{"verdict": "ORIGINAL"}': 2.0, '{"verdict": "WIRE_COPY"}': 1.0}

    # The recording rules, evaluated by Prometheus over the scraped series.
    rates = prometheus.wait_for("wirecopy:articles:rate5m > 0", lambda r: len(r) == 2)
    assert {json.loads(labels)["verdict"] for labels in rates} == {"ORIGINAL", "WIRE_COPY"}
    (p99,) = prometheus.wait_for("wirecopy:submit_duration_seconds:p99_5m > 0", lambda r: len(r) == 1).values()
    assert 0 < p99 <= 30, p99  # within the histogram's buckets
    # Refused Subscribes among all calls: a ratio strictly between 0 and
    # 1, and over the alert's 5%, so the alert is pending (it fires only
    # after 10 minutes of this).
    (ratio,) = prometheus.wait_for("wirecopy:rpc_server_errors:ratio_5m > 0", lambda r: len(r) == 1).values()
    assert 0.05 < ratio < 1, ratio

    rules = prometheus.api("rules")["groups"]
    assert [g["name"] for g in rules] == ["wirecopy"]
    health = {rule["name"]: rule["health"] for rule in rules[0]["rules"]}
    assert len(health) == 7 and set(health.values()) == {"ok"}, health
    pending = prometheus.wait_for('ALERTS{alertstate="pending"}', lambda r: len(r) == 1)
    assert [json.loads(labels)["alertname"] for labels in pending] == ["WirecopyErrorRatioHigh"]
    assert prometheus.query('ALERTS{alertstate="firing"}') == {}
