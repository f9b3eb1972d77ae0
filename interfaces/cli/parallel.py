"""Rebuild and verify split between processes, for the cores of one machine.

Rebuild: blue/green (projections/views/generations.py), the next generation's groups of views
(projections.read_model.partition_views) folded one process each. Each group folds the whole log under its own
position rows, so on PostgreSQL the groups fold at the same time; on SQLite their writes take turns but reading
and decoding the log overlap. This process then indexes the next tables and switches them in.
Verify: one process per segment of the log; each segment starts from the head the audit table claims at its
start, and the joined report checks every claim against the segment before it (projections.audit.verify.joined).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from application.settings import Settings
from interfaces.bootstrap import bootstrap
from projections.read_model import partition_views
from projections.audit.report import VerifyReport, joined

Progress = Callable[[int], None] | None
SPAWN = multiprocessing.get_context("spawn")  # children open their own connections: none are copied by fork
# Children open the store `prepared`: the parent has created its tables, and processes creating them at the same
# instant race in PostgreSQL's CREATE TABLE IF NOT EXISTS ("tuple concurrently updated").


def fold_views(settings: Settings, views: Sequence[str], on_page: Progress = None) -> int:
    """Fold `views` of the next generation (already started) in this process; returns their lowest position."""
    with bootstrap(settings, prepared=True, views=views) as system:
        return system.read_model.next_generation(views).fold(on_page)


def rebuild(settings: Settings, jobs: int, on_page: Progress = None, restart: bool = False) -> dict[str, int]:
    """Fold the next generation of every view in `jobs` processes (this one included), resuming one under way
    unless `restart`; then index it and switch it in. The new live views' positions."""
    with bootstrap(settings, reference_data=False) as system:
        model = system.read_model
        generation = model.next_generation()
        generation.start(restart)
        first, *others = partition_views(jobs)
        with ProcessPoolExecutor(max_workers=max(1, len(others)), mp_context=SPAWN) as pool:
            futures = [pool.submit(fold_views, settings, group) for group in others]
            fold_views(settings, first, on_page)
            for future in futures:
                future.result()  # a failed group fails the rebuild (the live views stay; run it again to resume)
        generation.finish(on_page)
        return model.positions()


def verify_segment(settings: Settings, after: int, stop: int, on_progress: Progress = None) -> VerifyReport:
    with bootstrap(settings, prepared=True) as system:
        return system.read_model.verify(on_progress, after=after, stop=stop, links=False)


def verify(settings: Settings, jobs: int, on_progress: Progress = None) -> VerifyReport:
    """The audit trail verified in `jobs` segments side by side (this process takes the first); the checkpoints'
    signatures and links, and a migrated store's v1 checkpoints, are checked here once."""
    with bootstrap(settings, reference_data=False) as system:
        model = system.read_model
        stop = model.verification_stop()
        bounds = [stop * part // jobs for part in range(jobs)] + [stop]
        claims = [model.claimed_head(start) for start in bounds[:-1]]
        broken = model.checkpoint_chain_report()
    if broken is not None:
        return broken
    with ProcessPoolExecutor(max_workers=max(1, jobs - 1), mp_context=SPAWN) as pool:
        futures = [pool.submit(verify_segment, settings, start, end) for start, end in zip(bounds[1:-1], bounds[2:])]
        reports = [verify_segment(settings, 0, bounds[1], on_progress), *(f.result() for f in futures)]
    return joined([(start, *claim, report) for start, claim, report in zip(bounds, claims, reports)])
