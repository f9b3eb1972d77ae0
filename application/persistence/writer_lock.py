"""One writer at a time on a SQLite store, handed over at once between processes.

SQLite lets one connection write at a time; a writer that finds the store locked polls it, sleeping
1, 2, 5, 10… ms between tries (its busy handler), so under concurrent commands from several server
workers much of a command's time went to sleeping after the lock was already free (py-spy: 17 % of a
gunicorn worker's samples in clock_nanosleep under the INSERT). An exclusive `flock` on a file beside the
database queues the application's own writers in the kernel instead: the next one wakes as soon as the
previous one's commit (with its fsync) is done. SQLite's locking is unchanged and still guards the store
against every other writer (projection workers, the CLI); the lock only decides who asks first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # not on POSIX: SQLite's own busy handler alone decides
    fcntl = None  # type: ignore[assignment]

F = TypeVar("F", bound=Callable[..., Any])


def lock_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".writer-lock")


class WriterLock:
    """An exclusive lock across processes (flock) and across the threads of this process."""

    def __init__(self, path: Path):
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if fcntl is None:
                yield
                return
            fd = self._descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def guard(self, write: F) -> F:
        """`write`, called with the lock held."""

        @wraps(write)
        def locked(*args: Any, **kwargs: Any) -> Any:
            with self.held():
                return write(*args, **kwargs)

        return locked  # type: ignore[return-value]

    def _descriptor(self) -> int:
        """The lock file, opened once per process: a forked child (a gunicorn worker) opens its own, since
        flock locks belong to the open file and a shared one would not exclude the parent."""
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None
