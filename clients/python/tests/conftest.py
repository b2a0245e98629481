"""Fixtures: real wirecopy servers on loopback, each over its own temp data dir."""

from __future__ import annotations

import pytest

from wirecopy_client import WirecopyClient
from wirecopy_server import WirecopyServer


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
