"""Replay: state at a version, a position or an instant; the whole log against the live views."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.projections.scenario import district_day


def test_an_order_as_it_stood_at_a_version_a_position_and_an_instant(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    order_id = day.orders["reviewed"]
    history = read_model.history(order_id)
    assert read_model.order_at(order_id, version=1)["status"] == "placed"
    assert read_model.order_at(order_id, version=3)["accepted_by"] == str(day.volunteers[0])
    assert read_model.order_at(order_id, position=history[3]["position"])["status"] == "in_service"
    assert read_model.order_at(order_id, position=history[0]["position"] - 1) is None
    completed = history[4]["timestamp"]
    assert read_model.order_at(order_id, at=completed - timedelta(microseconds=1))["status"] == "in_service"
    assert read_model.order_at(order_id, at=completed)["service_minutes"] == 40
    live = read_model.orders(now=clock.now(), status="reviewed")[0][0]
    assert read_model.order_at(order_id, now=clock.now()) == live


def test_a_volunteer_as_they_stood_before_and_after_a_credit(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    volunteer_id = day.volunteers[0]
    credited = next(h for h in read_model.history(volunteer_id) if h["type"] == "ServiceCredited")
    assert read_model.volunteer_at(volunteer_id, version=credited["version"] - 1)["service_minutes"] == 0
    assert read_model.volunteer_at(volunteer_id, position=credited["position"])["service_minutes"] == 40
    assert read_model.volunteer_at(day.orders["placed"], version=1) is None  # not a volunteer


def test_a_whole_log_replay_matches_the_live_views_row_by_row(app, clock, read_model):
    district_day(app, clock)
    read_model.catch_up()
    assert list(read_model.replay()) == []


def test_a_replay_reports_a_live_row_that_drifted(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    roster = read_model.tables.volunteer_roster
    with read_model.engine.begin() as conn:
        conn.execute(update(roster).where(roster.c.id == str(day.volunteers[0])).values(service_minutes=999))
    (difference,) = read_model.replay()
    assert difference.table == "volunteer_roster" and difference.key == (str(day.volunteers[0]),)
    assert (difference.live["service_minutes"], difference.replayed["service_minutes"]) == (999, 40)
