"""The console's dashboards over a date range: weeks by status, timings, the site alone or rolled up, the range's
edges; and the audit trail's exact filters and paging."""

from __future__ import annotations

from datetime import date, timedelta

from projections.reads.audit_filters import AuditFilter, audit_page, known_values
from projections.reads.period_dashboard import PeriodDashboard, week_starts
from tests.application.conftest import RESIDENT
from tests.conftest import START

POST, STATION, CHANNEL = "post-babaoshan-02", "station-babaoshan", "channel:district-app"


def orders_over_two_weeks(app, clock):  # type: ignore[no-untyped-def]
    """Two orders on START's day (one served in 30 minutes), one a week later; one more outside the range."""
    volunteer = app.register_volunteer("A", "13800000001", POST, ["haircut"], actor="d").id
    first = app.place_order("haircut", POST, "trim", RESIDENT, "app", actor=CHANNEL).id
    app.place_order("haircut", POST, "trim", RESIDENT, "app", actor=CHANNEL)
    clock.advance(timedelta(minutes=10)), app.dispatch_order(first, volunteer, actor="x")
    clock.advance(timedelta(minutes=5)), app.accept_order(first, volunteer, actor="x")
    app.start_service(first, volunteer, actor="x")
    clock.advance(timedelta(minutes=30)), app.complete_service(first, volunteer, 30, actor="x")
    clock.set(START + timedelta(days=7)), app.place_order("haircut", POST, "trim", RESIDENT, "app", actor=CHANNEL)
    clock.set(START + timedelta(days=30)), app.place_order("haircut", POST, "trim", RESIDENT, "app", actor=CHANNEL)


def test_weeks_by_status_and_timings_over_the_range(app, clock, read_model):
    orders_over_two_weeks(app, clock)
    read_model.catch_up()
    first, last = START.date(), START.date() + timedelta(days=13)
    report = PeriodDashboard(read_model.engine, read_model.tables).report(
        STATION, first=first, last=last, rolled_up=True, now=clock.now())
    assert report["total"] == 3 and report["sites"] > 1
    weeks = {w["week"]: w for w in report["weeks"]}
    monday = first - timedelta(days=first.weekday())
    assert weeks[monday]["counts"]["completed"] == 1 and weeks[monday]["counts"]["placed"] == 1
    assert weeks[monday + timedelta(days=7)]["total"] == 1
    assert report["timings"]["to_dispatch"]["median_minutes"] == 10.0
    assert report["timings"]["to_complete"]["p90_minutes"] == 30.0
    assert report["participation"] == {"registered": 1, "active": 1, "share": 1.0}


def test_the_site_alone_leaves_out_the_sites_below_and_an_unknown_site_is_none(app, clock, read_model):
    orders_over_two_weeks(app, clock)
    read_model.catch_up()
    board = PeriodDashboard(read_model.engine, read_model.tables)
    alone = board.report(STATION, first=START.date(), last=START.date(), rolled_up=False, now=clock.now())
    assert alone["total"] == 0 and alone["sites"] == 1
    assert board.report("nowhere", first=START.date(), last=START.date(), rolled_up=True, now=clock.now()) is None


def test_weeks_start_on_monday_and_cover_the_range():
    assert week_starts(date(2026, 11, 4), date(2026, 11, 16)) == [date(2026, 11, 2), date(2026, 11, 9),
                                                                  date(2026, 11, 16)]


def test_audit_filters_match_exactly_and_page_by_position(app, clock, read_model):
    orders_over_two_weeks(app, clock)
    read_model.catch_up()
    engine, tables = read_model.engine, read_model.tables
    placed, _ = audit_page(engine, tables, AuditFilter(type="Placed", actor=CHANNEL))
    assert len(placed) == 4 and {r["type"] for r in placed} == {"Placed"}
    assert audit_page(engine, tables, AuditFilter(actor="channel:%"))[0] == []  # no wildcards
    later, _ = audit_page(engine, tables, AuditFilter(type="Placed", since=START + timedelta(days=1)))
    assert len(later) == 2
    one, after = audit_page(engine, tables, AuditFilter(type="Placed"), limit=3)
    rest, end = audit_page(engine, tables, AuditFilter(type="Placed"), after=after, limit=3)
    assert after == one[-1]["position"] and [r["position"] for r in rest] == [placed[-1]["position"]] and end is None
    assert "Placed" in known_values(engine, tables, "type") and "Order" in known_values(engine, tables, "aggregate_type")
