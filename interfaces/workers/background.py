"""Work a request starts and does not wait for (a full audit verification): one daemon thread per job, kept so
that a test, or a server shutting down, can wait for them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("civicflow.background")


class BackgroundJobs:
    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, name: str, work: Callable[[], Any]) -> None:
        thread = threading.Thread(target=self._logged, args=(name, work), name=name, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every job started so far; whether all of them finished."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in threads)

    @staticmethod
    def _logged(name: str, work: Callable[[], Any]) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - a background job's failure is logged (and recorded by the job itself)
            log.exception("background job %s failed", name)
