"""Fixtures: real wirecopy servers on loopback, each over its own temp data dir."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from wirecopy_client import WirecopyClient
from wirecopy_server import PAGES, WirecopyServer


@pytest.fixture
def server_factory(tmp_path_factory):
    """Starts servers (extra CLI args allowed); all are stopped after the test."""
    started: list[WirecopyServer] = []

    def make(*args: str) -> WirecopyServer:
        data = tmp_path_factory.mktemp("wirecopy-data")
        srv = WirecopyServer(data, args)
        started.append(srv)
        return srv.start()

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def server(server_factory) -> WirecopyServer:
    """A fresh server: fact sequences start at 1 in every test."""
    return server_factory()


@pytest.fixture
def client(server):
    with WirecopyClient(server.target) as c:
        yield c


@pytest.fixture(scope="module")
def site():
    """The pages, served over real HTTP on a free loopback port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(PAGES)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
