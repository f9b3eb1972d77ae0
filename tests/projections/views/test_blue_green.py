"""Blue/green rebuilds: the live views answer and fold throughout, a crash at any step leaves them serving and
the rebuild resumable, the switch leaves views equal to a fresh fold and keeps every signed checkpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, update

from interfaces.bootstrap import open_read_model
from projections import Hooks
from projections.views.generations import RebuildDiverged
from projections.views.index_names import index_names
from projections.views.tables import build_tables
from tests.projections.scenario import district_day, place
from tests.projections.views.test_exactly_once import SimulatedCrash, view_differences

PAGE = 7


@pytest.fixture
def fresh_fold(app):  # type: ignore[no-untyped-def]
    def fold():  # type: ignore[no-untyped-def]
        model = open_read_model(app, tables=build_tables("fresh_"))
        model.catch_up()
        return model
    return fold


def small_pages(generation):  # type: ignore[no-untyped-def]
    generation.runner.page_size = PAGE
    return generation


def leftover_tables(model) -> list[str]:  # type: ignore[no-untyped-def]
    names = inspect(model.engine).get_table_names()
    return sorted(name for name in names if name.startswith(("next_", "old_")))


def test_the_live_views_answer_and_fold_while_the_next_generation_is_folded(app, clock, read_model, fresh_fold):
    district_day(app, clock)
    read_model.catch_up()
    placed: list[str] = []

    def meanwhile(items) -> None:  # type: ignore[no-untyped-def]
        if not placed:  # a command answered mid-rebuild, then read back from the live views
            placed.append(str(place(app)))
            read_model.catch_up()
            assert read_model.orders(now=clock.now(), limit=500)[0][0]["id"] == placed[0]

    generation = small_pages(read_model.next_generation(hooks=Hooks(after_read=meanwhile)))
    generation.start()
    generation.fold()
    assert placed and read_model.rebuild_progress() == {"positions": generation.positions(), "behind": 0}
    generation.finish()
    assert read_model.rebuild_progress() is None and leftover_tables(read_model) == []
    fresh = fresh_fold()
    assert view_differences(read_model, fresh) == []
    assert placed[0] in {row["id"] for row in read_model.orders(now=clock.now(), limit=500)[0]}
    fresh.close()


def crash_on_page(page: int) -> Hooks:
    seen = {"n": 0}

    def before_commit(name: str, position: int) -> None:
        seen["n"] += 1
        if seen["n"] == page:
            raise SimulatedCrash(f"crashed before committing {name} at {position}")
    return Hooks(before_commit=before_commit)


def crash_on_step(prefix: str, nth: int = 1):  # type: ignore[no-untyped-def]
    seen = {"n": 0}

    def on_step(step: str) -> None:
        if step.startswith(prefix):
            seen["n"] += 1
            if seen["n"] == nth:
                raise SimulatedCrash(f"crashed at {step}")
    return on_step


@pytest.mark.parametrize("where", ["fold", "index", "switch"])
def test_a_crash_at_any_step_leaves_the_live_views_serving_and_the_rebuild_resumes(app, clock, read_model,
                                                                                   fresh_fold, where):
    district_day(app, clock)
    read_model.catch_up()
    hooks = crash_on_page(9) if where == "fold" else None
    on_step = {"fold": None, "index": crash_on_step("index", nth=3), "switch": crash_on_step("switch")}[where]
    crashing = small_pages(read_model.next_generation(hooks=hooks, on_step=on_step))
    with pytest.raises(SimulatedCrash):
        crashing.start()
        crashing.fold()
        crashing.finish()
    left_at = min(crashing.positions().values())
    assert left_at > 0 and read_model.rebuild_progress() is not None
    place(app)  # the live views still take commands and answer
    read_model.catch_up()
    fresh = fresh_fold()
    assert view_differences(read_model, fresh) == []
    fresh.close()
    starts: list[int] = []
    resumed = small_pages(read_model.next_generation(hooks=Hooks(after_read=lambda items: starts.append(
        items[0].position))))
    resumed.start()
    resumed.fold()
    resumed.finish()
    assert starts[0] > left_at  # resumed from the next generation's positions, not from 0
    assert read_model.rebuild_progress() is None and leftover_tables(read_model) == []
    fresh = fresh_fold()
    assert view_differences(read_model, fresh) == []
    fresh.close()


def test_restart_starts_over_from_position_0(app, clock, read_model):
    district_day(app, clock)
    crashing = small_pages(read_model.next_generation(hooks=crash_on_page(5)))
    with pytest.raises(SimulatedCrash):
        crashing.start()
        crashing.fold()
    starts: list[int] = []
    again = small_pages(read_model.next_generation(hooks=Hooks(after_read=lambda items: starts.append(
        items[0].position))))
    again.start(restart=True)
    again.fold()
    again.finish()
    assert starts[0] == 1 and read_model.rebuild_progress() is None


def test_a_discarded_generation_leaves_no_tables_and_the_live_views_as_they_were(app, clock, read_model, fresh_fold):
    district_day(app, clock)
    read_model.catch_up()
    given_up = small_pages(read_model.next_generation(views=["audit_log"]))
    given_up.start()
    given_up.fold()
    assert read_model.rebuild_progress() is not None
    given_up.discard()
    assert read_model.rebuild_progress() is None and leftover_tables(read_model) == []
    fresh = fresh_fold()
    assert view_differences(read_model, fresh) == []
    fresh.close()


def test_rebuilds_keep_every_signed_checkpoint_and_sign_the_new_chain(app, clock, read_model):
    district_day(app, clock)
    read_model.catch_up()
    before = read_model.checkpoints()[1]
    read_model.rebuild()
    place(app)  # not folded by the live views: the switch folds it and signs the rebuilt chain's new tip
    read_model.rebuild()
    after = read_model.checkpoints()[1]
    assert after[:len(before)] == before and len(after) > len(before)
    assert after[-1]["position"] == min(read_model.positions().values())
    assert read_model.verify().ok


def test_a_rebuilt_chain_that_does_not_reproduce_the_signed_checkpoint_is_not_switched_in(app, clock, read_model):
    district_day(app, clock)
    read_model.catch_up()
    newest = read_model.checkpoint()
    marks = read_model.tables.checkpoints
    with read_model.engine.begin() as conn:  # a checkpoint that disagrees with the log
        conn.execute(update(marks).where(marks.c.position == newest["position"]).values(head="0" * 64))
    with pytest.raises(RebuildDiverged):
        read_model.rebuild()
    assert read_model.rebuild_progress() is not None  # the live views were kept; the next generation waits
    assert read_model.orders(now=clock.now(), limit=5)[0]


def test_index_names_never_clash_and_are_not_built_twice(app, clock, read_model):
    district_day(app, clock)
    expected = {t.name: {str(i.name) for i in t.indexes} for t in read_model.tables.views()}
    for _ in range(3):  # on SQLite the names alternate between ix_<table>_… and ix_next_<table>_…
        read_model.rebuild()
        reopened = open_read_model(app)  # creating the tables again upgrades nothing and adds no index
        with reopened.engine.connect() as conn:
            found = {name: {n for n in index_names(conn, name) if n.startswith("ix_")} for name in expected}
        reopened.close()
        assert {name: len(names) for name, names in found.items()} == {n: len(e) for n, e in expected.items()}
        if app.settings.store.kind == "postgresql":
            assert found == expected  # the switch renamed them back
