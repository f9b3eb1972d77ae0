"""Folding a page in memory (each row the page touches loaded once, folded, written once) gives the views that
folding one event at a time does, for any history: pages of 1 are the event-at-a-time fold."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from application.persistence.clock import ManualClock
from application.settings import Settings
from domain.base import DomainError
from interfaces.bootstrap import application, open_read_model
from projections.views.tables import build_tables
from tests.conftest import START
from tests.projections.scenario import CHANNEL, DISPATCHER, OTHER_SITE, SITE, STATION, place, serve
from tests.projections.views.test_exactly_once import view_differences

ORDER, VOLUNTEER = st.integers(0, 3), st.integers(0, 2)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("place"), st.sampled_from([SITE, OTHER_SITE, STATION]), st.sampled_from(["haircut", "health"])),
    st.tuples(st.just("serve"), ORDER, VOLUNTEER), st.tuples(st.just("serve"), ORDER, VOLUNTEER),
    st.tuples(st.just("dispatch"), ORDER, VOLUNTEER), st.tuples(st.just("dispatch_team"), ORDER),
    st.tuples(st.just("accept"), ORDER, VOLUNTEER), st.tuples(st.just("decline"), ORDER, VOLUNTEER),
    st.tuples(st.just("start"), ORDER, VOLUNTEER), st.tuples(st.just("complete"), ORDER, VOLUNTEER),
    st.tuples(st.just("review"), ORDER, st.integers(1, 5)), st.tuples(st.just("cancel"), ORDER),
    st.tuples(st.just("escalate"), ORDER), st.tuples(st.just("available"), VOLUNTEER, st.booleans()),
    st.tuples(st.just("later"), st.integers(1, 600))), min_size=4, max_size=40)
# Every history opens with orders whose several events fall in one page (and a volunteer's), then goes its own way.
OPENING = [("place", SITE, "haircut"), ("place", OTHER_SITE, "health"), ("serve", 0, 0), ("review", 0, 5),
           ("place", STATION, "haircut"), ("dispatch", 2, 1), ("escalate", 1)]


def run(app, clock, volunteers, team, orders, step) -> None:  # type: ignore[no-untyped-def]
    kind, *args = step
    order = orders[args[0] % len(orders)] if orders and kind not in ("place", "available", "later") else None
    volunteer = volunteers[args[1] % 3] if len(args) > 1 and kind not in ("place", "review") else None
    commands = {
        "place": lambda: orders.append(place(app, args[0], args[1])),
        "serve": lambda: serve(app, clock, order, volunteer, 30),
        "dispatch": lambda: app.dispatch_order(order, volunteer, actor=DISPATCHER),
        "dispatch_team": lambda: app.dispatch_order(order, team_id=team, actor=DISPATCHER),
        "accept": lambda: app.accept_order(order, volunteer, actor=f"volunteer:{volunteer}"),
        "decline": lambda: app.decline_order(order, volunteer, "too far", actor=f"volunteer:{volunteer}"),
        "start": lambda: app.start_service(order, volunteer, actor=f"volunteer:{volunteer}"),
        "complete": lambda: app.complete_service(order, volunteer, 30, actor=f"volunteer:{volunteer}"),
        "review": lambda: app.review_order(order, args[1], "ok", actor=CHANNEL),
        "cancel": lambda: app.cancel_order(order, "moved", actor=CHANNEL),
        "escalate": lambda: app.escalate_order(order, "late", actor="system:supervisor"),
        "available": lambda: app.set_availability(volunteers[args[0]], args[1], actor=DISPATCHER),
        "later": lambda: clock.advance(timedelta(minutes=args[0])),
    }
    if order is None and kind not in ("place", "available", "later"):
        return
    try:
        commands[kind]()
    except DomainError:  # a command the history does not allow: it changes nothing
        pass


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS, st.integers(2, 60))
def test_a_page_folded_in_memory_equals_the_event_at_a_time_fold(steps, page) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(START)
        app = application(Settings(database_url=f"sqlite:///{Path(folder) / 'cf.db'}", var_dir=Path(folder)),
                          clock=clock)
        volunteers = [app.register_volunteer(f"V{n}", f"1380000000{n}", SITE, ["haircut", "health"],
                                             actor=DISPATCHER).id for n in range(3)]
        team = app.create_team("Team", SITE, volunteers[0], actor=DISPATCHER).id
        orders: list = []
        for step in [*OPENING, *steps]:
            run(app, clock, volunteers, team, orders, step)
        one, paged = (open_read_model(app, tables=build_tables(prefix), page_size=size)
                      for prefix, size in (("one_", 1), ("paged_", page)))
        try:
            one.catch_up(), paged.catch_up()
            assert one.positions() == paged.positions()
            assert view_differences(one, paged) == []
        finally:
            one.close(), paged.close(), app.close()
