"""接单 race on both stores: the first acceptance wins, every other contender loses, loads stay consistent.

Observed outcome counts are printed (run with `-s` to see them).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from application.app import CivicFlow
from application.persistence.clock import ManualClock
from application.settings import Settings
from domain.order import ACCEPTED, Order
from domain.volunteer import Volunteer
from tests.integration.race import (CONFLICT, HANG_GUARD_SECONDS, TOO_LATE, WON, TeamOrder, dispatch_to_a_team,
                                    race_in_a_process, race_in_threads, tally)

CONTENDERS = 8
PROCESSES, THREADS_PER_PROCESS = 2, 4


def with_small_pool(url: str) -> str:
    """Eight apps in one test share the server's 100 connections with other tests: two connections each."""
    return f"{url}&pool_size=2&max_overflow=2" if url.startswith("postgresql") else url


@pytest.fixture
def setup_app(store_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[CivicFlow]:
    app = CivicFlow(Settings(database_url=store_url, var_dir=tmp_path / "var"), clock)
    app.load_reference_data()
    yield app
    app.close()


def assert_exactly_one_winner(outcomes: dict[UUID, str]) -> UUID:
    counts = tally(outcomes)
    assert counts[WON] == 1, counts
    assert counts[CONFLICT] + counts[TOO_LATE] == len(outcomes) - 1, counts
    return next(vid for vid, outcome in outcomes.items() if outcome == WON)


def assert_loads_agree_with_the_order(url: str, clock: ManualClock, race: TeamOrder, winner: UUID,
                                      versions_before: dict[UUID, int]) -> None:
    """Read back on a fresh application: only the winner holds the order; the losers wrote nothing."""
    app = CivicFlow(Settings(database_url=url), clock)
    try:
        order = app.load(Order, race.order_id)
        assert (order.status, order.accepted_by) == (ACCEPTED, winner)
        for volunteer_id in race.volunteer_ids:
            volunteer = app.load(Volunteer, volunteer_id)
            holds = [race.order_id] if volunteer_id == winner else []
            assert volunteer.active_orders == holds
            assert volunteer.version == versions_before[volunteer_id] + (volunteer_id == winner)
    finally:
        app.close()


def volunteer_versions(app: CivicFlow, race: TeamOrder) -> dict[UUID, int]:
    return {vid: app.load(Volunteer, vid).version for vid in race.volunteer_ids}


def test_eight_threads_with_their_own_apps_accept_a_team_order_at_once(setup_app, store_url, clock):
    race = dispatch_to_a_team(setup_app, CONTENDERS)
    before = volunteer_versions(setup_app, race)
    apps = [CivicFlow(Settings(database_url=with_small_pool(store_url)), clock) for _ in range(CONTENDERS)]
    try:
        outcomes = race_in_threads(apps, race.order_id, race.volunteer_ids, threading.Barrier(CONTENDERS))
    finally:
        for app in apps:
            app.close()
    print(f"\n{setup_app.settings.store.kind}, {CONTENDERS} threads: {dict(tally(outcomes))}")
    winner = assert_exactly_one_winner(outcomes)
    assert_loads_agree_with_the_order(store_url, clock, race, winner, before)


def race_in_spawned_processes(url: str, clock: ManualClock, race: TeamOrder) -> dict[UUID, str]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES * THREADS_PER_PROCESS), context.Queue()
    shares = [race.volunteer_ids[i::PROCESSES] for i in range(PROCESSES)]
    processes = [context.Process(target=race_in_a_process, args=(url, clock, race.order_id, share, barrier, results))
                 for share in shares]
    for process in processes:
        process.start()
    reports = [results.get(timeout=HANG_GUARD_SECONDS) for _ in processes]
    for process in processes:
        process.join(timeout=HANG_GUARD_SECONDS)
    errors = [detail for status, detail in reports if status == "error"]
    assert not errors, errors[0]
    return {vid: outcome for _, outcomes in reports for vid, outcome in outcomes.items()}


@pytest.mark.postgres
def test_two_processes_of_four_threads_accept_a_team_order_at_once(postgres_url, clock, tmp_path):
    app = CivicFlow(Settings(database_url=postgres_url, var_dir=tmp_path / "var"), clock)
    try:
        app.load_reference_data()
        race = dispatch_to_a_team(app, PROCESSES * THREADS_PER_PROCESS)
        before = volunteer_versions(app, race)
    finally:
        app.close()
    outcomes = race_in_spawned_processes(postgres_url, clock, race)
    print(f"\npostgresql, {PROCESSES} processes x {THREADS_PER_PROCESS} threads: {dict(tally(outcomes))}")
    winner = assert_exactly_one_winner(outcomes)
    assert_loads_agree_with_the_order(postgres_url, clock, race, winner, before)
