"""A rebuild split between processes, one per group of views (projections.read_model.partition_views).

Each group folds the whole log under its own position rows, so on PostgreSQL the groups fold at the same
time on different cores; on SQLite their writes take turns but reading and decoding the log overlap.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from application.app import CivicFlow
from application.settings import Settings
from interfaces.wiring import open_read_model
from projections.read_model import partition_views


def fold_views(settings: Settings, views: Sequence[str], on_page: Callable[[int], None] | None = None) -> int:
    """Fold `views` (already reset) from position 0 in this process; returns their lowest position."""
    app = CivicFlow(settings)
    model = open_read_model(app, views=views)
    try:
        return model.fold_from_scratch(on_page)
    finally:
        model.close()
        app.close()


def rebuild(settings: Settings, jobs: int, on_page: Callable[[int], None] | None = None) -> dict[str, int]:
    """Drop and recreate every view, then fold them in `jobs` processes (this one included); their positions."""
    app = CivicFlow(settings)
    model = open_read_model(app)
    try:
        model.reset()
        first, *others = partition_views(jobs)
        spawn = multiprocessing.get_context("spawn")  # no forked copies of open connections
        with ProcessPoolExecutor(max_workers=max(1, len(others)), mp_context=spawn) as pool:
            futures = [pool.submit(fold_views, settings, group) for group in others]
            fold_views(settings, first, on_page)
            for future in futures:
                future.result()  # a failed group fails the rebuild
        return model.positions()
    finally:
        model.close()
        app.close()
