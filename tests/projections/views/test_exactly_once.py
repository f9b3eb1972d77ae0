"""Exactly once, proven: a crash before commit, a rebuild, two workers — the views always equal a fresh fold."""

from __future__ import annotations

import threading

import pytest

from domain.volunteer import Volunteer
from interfaces.bootstrap import open_read_model
from projections import Hooks
from projections.audit.compare import differences
from projections.views.tables import build_tables
from tests.projections.scenario import district_day

PAGE = 7  # small pages, so that a catch-up spans many transactions


class SimulatedCrash(Exception):
    pass


def view_differences(live, fresh):  # type: ignore[no-untyped-def]
    pairs = zip(live.tables.views(), fresh.tables.views())
    return [d for a, b in pairs if a.name != live.tables.positions.name for d in differences(live.engine, a, b)]


@pytest.fixture
def fresh_fold(app):  # type: ignore[no-untyped-def]
    """A second set of views (prefix fresh_) on the same store, folded in one go when asked."""
    def fold():  # type: ignore[no-untyped-def]
        model = open_read_model(app, tables=build_tables("fresh_"))
        model.catch_up()
        return model
    return fold


def crash_at(projection: str, page: int) -> Hooks:
    commits = {"n": 0}

    def before_commit(name: str, position: int) -> None:
        if name == projection:
            commits["n"] += 1
            if commits["n"] == page:
                raise SimulatedCrash(f"{name} crashed before committing position {position}")
    return Hooks(before_commit=before_commit)


@pytest.mark.parametrize("projection", ["volunteer_roster", "order_board", "site_stats", "audit_log"])
def test_a_crash_before_commit_then_a_restart_leaves_views_equal_to_a_fresh_fold(app, clock, fresh_fold,
                                                                                 projection):
    day = district_day(app, clock)
    crashing = open_read_model(app, hooks=crash_at(projection, page=3), page_size=PAGE)
    with pytest.raises(SimulatedCrash):
        crashing.catch_up()
    crashed_at = crashing.positions()[projection]
    crashing.close()
    restarted = open_read_model(app, page_size=PAGE)
    assert restarted.positions()[projection] == crashed_at  # the crashed page was not recorded
    restarted.catch_up()
    fresh = fresh_fold()
    assert view_differences(restarted, fresh) == []
    minutes = {row["id"]: row["service_minutes"] for row in restarted.volunteers()[0]}
    assert minutes == {str(v): app.load(Volunteer, v).service_minutes for v in day.volunteers}
    restarted.close(), fresh.close()


def test_rebuilding_twice_gives_identical_tables(app, clock, read_model, fresh_fold):
    district_day(app, clock)
    read_model.catch_up()
    snapshot = fresh_fold()
    read_model.rebuild()
    assert view_differences(read_model, snapshot) == []
    read_model.rebuild()
    assert view_differences(read_model, snapshot) == []
    snapshot.close()


def test_two_workers_on_the_same_projection_do_not_apply_a_page_twice(app, clock, fresh_fold):
    district_day(app, clock)
    a_holds_lock, b_has_read = threading.Event(), threading.Event()

    def a_before_commit(name: str, position: int) -> None:
        if name == "volunteer_roster" and not a_holds_lock.is_set():
            a_holds_lock.set()
            assert b_has_read.wait(60), "worker B never read its page"

    worker_a = open_read_model(app, hooks=Hooks(before_commit=a_before_commit), page_size=PAGE)
    worker_b = open_read_model(app, hooks=Hooks(after_read=lambda items: b_has_read.set()), page_size=PAGE)
    errors: list[BaseException] = []

    def run(model) -> None:  # type: ignore[no-untyped-def]
        try:
            model.catch_up()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    thread_a = threading.Thread(target=run, args=(worker_a,))
    thread_a.start()
    assert a_holds_lock.wait(60)
    thread_b = threading.Thread(target=run, args=(worker_b,))
    thread_b.start()
    thread_a.join(120), thread_b.join(120)
    assert errors == [] and not thread_a.is_alive() and not thread_b.is_alive()
    fresh = fresh_fold()
    assert view_differences(worker_a, fresh) == []
    worker_a.close(), worker_b.close(), fresh.close()


def test_workers_starting_side_by_side_create_the_tables_once(app):
    models, errors = [], []

    def start() -> None:
        try:
            models.append(open_read_model(app))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(models) == 4
    assert set(models[0].positions().values()) == {0}
    for model in models:
        model.close()
