"""Runs the real wirecopy binary for the tests.

The server is started on port 0 (the kernel picks a free port) and reports
the address it bound in its startup log line (``... listen=127.0.0.1:PORT``
on stderr with RUST_LOG=info); that is parsed rather than guessing a free
port, which would race with other processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional, Sequence

from wirecopy_client import WirecopyClient, WirecopyError

CLIENT_DIR = Path(__file__).resolve().parent.parent  # clients/python
REPO_DIR = CLIENT_DIR.parent.parent
SEEDS_DIR = REPO_DIR / "tests" / "fixtures" / "seeds"
# The saved news pages: the Scrapy test site, and input for the scrapers' tools.
PAGES = Path(__file__).resolve().parent / "pages"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LISTEN = re.compile(r"\blisten=(?:\[?[0-9a-fA-F.:]+\]?):(\d+)")


def binary_path() -> Path:
    """$WIRECOPY_BIN, else ../../target/debug/wirecopy relative to clients/python."""
    raw = os.environ.get("WIRECOPY_BIN")
    if raw:
        p = Path(raw)
        return p if p.is_absolute() else (CLIENT_DIR / p).resolve()
    return REPO_DIR / "target" / "debug" / "wirecopy"


class ServerError(RuntimeError):
    pass


class WirecopyServer:
    """One ``wirecopy serve`` process over a data directory."""

    def __init__(self, data_dir: Path, args: Sequence[str] = (), binary: Optional[Path] = None):
        self.binary = Path(binary) if binary else binary_path()
        self.data_dir = Path(data_dir)
        self.args = list(args)
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.log: list[str] = []

    @property
    def target(self) -> str:
        assert self.port, "server not started"
        return f"127.0.0.1:{self.port}"

    def start(self, port: int = 0, attempts: int = 3, retry_pause: float = 30.0) -> "WirecopyServer":
        # The binary may be rebuilt (and so be briefly missing or
        # half-written) while the tests run: wait for it, and retry a start
        # that failed while the binary changed under it or that could not
        # even exec it. A server that exits with its own error (bad flag,
        # bad token file) fails at once.
        last_error: Optional[Exception] = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(retry_pause)
            waited = 0.0
            while not os.access(self.binary, os.X_OK) and waited < 120:
                time.sleep(2)
                waited += 2
            if not os.access(self.binary, os.X_OK):
                raise ServerError(
                    f"wirecopy binary not found at {self.binary}: build it (cargo build) or set WIRECOPY_BIN"
                )
            before = self._binary_identity()
            try:
                self._start_once(port)
                return self
            except (ServerError, OSError) as err:
                last_error = err
                code = self.proc.poll() if self.proc else None
                self.stop()
                replaced = self._binary_identity() != before
                crashed = code is not None and code < 0
                if not (isinstance(err, OSError) or replaced or crashed):
                    raise
        raise ServerError(f"wirecopy did not start after {attempts} attempts: {last_error}")

    def _binary_identity(self):
        try:
            st = self.binary.stat()
            return (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    def _start_once(self, port: int) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["RUST_LOG"] = "info"
        env.setdefault("NO_COLOR", "1")
        cmd = [str(self.binary), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(self.data_dir), *self.args]
        self.log = []
        self.port = None
        found = threading.Event()
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True, errors="replace"
        )

        def pump(stream) -> None:
            # Keep reading for the whole life of the process: a full stderr
            # pipe would block the server.
            for line in stream:
                line = _ANSI.sub("", line.rstrip("\n"))
                self.log.append(line)
                if self.port is None:
                    m = _LISTEN.search(line)
                    if m:
                        self.port = int(m.group(1))
                        found.set()
            found.set()

        threading.Thread(target=pump, args=(self.proc.stderr,), daemon=True).start()
        if not found.wait(60) or self.port is None:
            raise ServerError(
                f"no listen= line from {' '.join(cmd)} (exit {self.proc.poll()}):\n" + "\n".join(self.log[-20:])
            )
        # Listening is not the same as serving; the health service says when.
        deadline = time.monotonic() + 60
        with WirecopyClient(self.target, retries=False) as client:
            while True:
                try:
                    if client.health(timeout=2) == "SERVING":
                        return
                except WirecopyError:
                    pass
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise ServerError("server never reported SERVING:\n" + "\n".join(self.log[-20:]))
                time.sleep(0.1)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (graceful: in-flight requests finish, store flushed), then SIGKILL."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def restart(self) -> "WirecopyServer":
        """Stops and starts again on the same port and data directory."""
        port = self.port
        self.stop()
        return self.start(port=port or 0)

    def __enter__(self) -> "WirecopyServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed again)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(name: str) -> str:
    """The text of a seed article from the repository's test fixtures."""
    prefix = {"talks": "000_", "sputnik": "003_"}[name]
    (path,) = SEEDS_DIR.glob(prefix + "*.txt")
    return path.read_text(encoding="utf-8")


def edited_copy_of_talks(body: str) -> str:
    """A light republication of the talks story, as an outlet would run it.

    A dateline is added, curly quotes become straight ones, a typo is fixed,
    an ad line is inserted and the last paragraph is dropped: wirecopy must
    still see a WIRE_COPY of the original.
    """
    paragraphs = [p for p in body.splitlines() if p.strip()]
    paragraphs = [p.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'") for p in paragraphs]
    paragraphs[0] = "MOSCOW (AP) \u2014 " + paragraphs[0].replace("Amenian", "Armenian")
    paragraphs.insert(4, "ADVERTISEMENT")
    return "\n\n".join(paragraphs[:-1]) + "\n"


def cli_submit(server: "WirecopyServer", *paths) -> subprocess.CompletedProcess:
    """Runs ``wirecopy submit PATHS...`` against ``server`` and fails the test
    unless it exits 0. The summary table is on its stderr."""
    done = subprocess.run(
        [str(binary_path()), "submit", "--server", f"http://{server.target}", *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def required_tool(name: str, require_variable: str, install_hint: str) -> str:
    """The path of the program ``name``. Without it the test is skipped, or
    fails when ``require_variable`` is set (as CI sets it)."""
    import pytest
    import shutil

    path = shutil.which(name)
    if path:
        return path
    if os.environ.get(require_variable):
        pytest.fail(f"{require_variable} is set but {name} is not on PATH ({install_hint})")
    pytest.skip(f"{name} not on PATH ({install_hint})")
