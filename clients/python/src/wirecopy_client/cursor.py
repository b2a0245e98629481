"""A file-based cursor for the fact stream.

The server's promise: subscribe with ``after_sequence = N`` and you get
every event after N exactly once. The client's half of the bargain is to
remember N durably, and to remember it *together with* whatever it did with
the events. If the cursor and the results are saved separately, a crash
between the two writes either loses events (cursor saved first) or counts
them twice (results saved first). So ``commit`` writes the sequence and an
optional JSON-serialisable ``state`` in one atomic file replacement: after
a crash the file holds either the old pair or the new pair, never a mix.

Usage::

    store = CursorStore("facts.cursor")
    counts = store.state or {}
    for event in client.subscribe(after=store.sequence):
        if event.kind != pb.FactEvent.HEARTBEAT:
            kind = pb.FactKind.Name(event.fact.kind)
            counts[kind] = counts.get(kind, 0) + 1
        store.commit(event.sequence, counts)

Consumers whose results live elsewhere (a database) should store the
sequence in that same transaction instead; this helper is for the common
case of a consumer whose state fits in a small file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Union

try:  # POSIX only; on other systems the lock is skipped.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class CursorLockedError(RuntimeError):
    """Another process holds this cursor: two consumers would both process every event."""


class CursorStore:
    """The last processed sequence (and the consumer's state), in a file.

    The file is JSON ``{"sequence": N, "state": ...}``; a file holding just
    a number (as written by hand, or ``wirecopy subscribe --after N``) is
    read as that sequence. A missing file means "nothing processed": 0.

    By default the store takes an exclusive lock (``PATH.lock``) for as long
    as it is open, so a second consumer started on the same cursor fails at
    once instead of double-processing. Close it (or use ``with``) to release.
    """

    def __init__(self, path: Union[str, os.PathLike], *, lock: bool = True, fsync: bool = True):
        self.path = Path(path)
        self.fsync = fsync
        self._lock_file = None
        if lock and fcntl is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lf = open(self.path.with_name(self.path.name + ".lock"), "a+")
            try:
                fcntl.flock(lf, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lf.close()
                raise CursorLockedError(f"{self.path} is in use by another consumer") from None
            self._lock_file = lf
        self.sequence, self.state = self._read()

    def _read(self) -> tuple[int, Any]:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return 0, None
        if not text:
            return 0, None
        data = json.loads(text)
        if isinstance(data, int):
            return data, None
        return int(data.get("sequence", 0)), data.get("state")

    def commit(self, sequence: int, state: Any = None) -> None:
        """Durably records that every event up to ``sequence`` is processed.

        ``state`` (any JSON value) is saved in the same atomic write. A
        sequence lower than the saved one is refused: moving the cursor
        back would replay events the state already counts.
        """
        sequence = int(sequence)
        if sequence < self.sequence:
            raise ValueError(f"cursor would move back from {self.sequence} to {sequence}")
        payload = json.dumps({"sequence": sequence, "state": state}, ensure_ascii=False)
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        # Write a sibling temp file, flush it to disk, then rename it over
        # the cursor: rename is atomic on POSIX, so readers and crashes see
        # the old or the new content, never a torn write.
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload + "\n")
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if self.fsync and hasattr(os, "O_DIRECTORY"):
            # Make the rename itself durable.
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        self.sequence, self.state = sequence, state

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor releases the flock
            self._lock_file = None

    def __enter__(self) -> "CursorStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CursorStore({str(self.path)!r}, sequence={self.sequence})"
