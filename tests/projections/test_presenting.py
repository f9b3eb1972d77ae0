"""presenting: one shape per thing (DESIGN §8), whether it is built from the aggregate a command saved, from
the view row a query read, or from the row a replay folded in memory."""

from __future__ import annotations

from datetime import timedelta

from domain.order import Order
from domain.team import Team
from domain.volunteer import Volunteer
from projections import presenting
from tests.projections.scenario import SITE, district_day

ORDER_FIELDS = {"id", "status", "category", "site_id", "description", "channel", "priority", "resident",
                "placed_at", "assignee", "accepted_by", "started_at", "completed_at", "service_minutes", "rating",
                "comment", "cancel_reason", "escalations", "deadlines", "overdue", "service_basis", "door_codes",
                "version"}  # the last two: DESIGN §17
VOLUNTEER_FIELDS = {"id", "name", "home_site_id", "skills", "team_ids", "available", "suspended", "active_orders",
                    "completed_orders", "service_minutes", "confirmed_minutes", "declared_minutes", "average_rating",
                    "stars", "version"}


def test_an_order_is_presented_alike_from_its_aggregate_its_board_row_and_its_replay(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    for now in (clock.now(), clock.now() + timedelta(days=30)):
        rows = {item["id"]: item for item in read_model.orders(now=now, limit=200)[0]}
        for order_id in day.orders.values():
            aggregate = app.load(Order, order_id)
            presented = presenting.order(aggregate, now)
            assert presented == rows[str(order_id)]
            assert presented == read_model.order_at(order_id, version=aggregate.version, now=now)


def test_an_order_has_the_fields_of_design_section_8(app, clock, read_model):
    day = district_day(app, clock)
    order = presenting.order(app.load(Order, day.orders["placed"]), clock.now())
    assert set(order) == ORDER_FIELDS
    assert set(order["deadlines"]) == {"dispatch_by", "accept_by", "complete_by", "review_by"}
    assert set(order["resident"]) == {"name", "phone", "address"}
    assert [set(step) for step in order["escalations"]] == [{"from_site", "to_site", "at"}]
    assert presenting.order(app.load(Order, day.orders["dispatched"]), clock.now())["assignee"] == {
        "team_id": str(day.team)}


def test_a_volunteer_is_presented_alike_from_its_aggregate_its_roster_row_and_its_replay(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    rows = {item["id"]: item for item in read_model.volunteers(limit=200)[0]}
    for volunteer_id in day.volunteers:
        aggregate = app.load(Volunteer, volunteer_id)
        presented = presenting.volunteer(aggregate)
        assert set(presented) == VOLUNTEER_FIELDS
        assert presented == rows[str(volunteer_id)]
        assert presented == read_model.volunteer_at(volunteer_id, version=aggregate.version)
    assert presenting.volunteer(app.load(Volunteer, day.volunteers[0]))["average_rating"] == 5.0


def test_teams_and_sites_are_plain_values(app, clock):
    day = district_day(app, clock)
    team = app.load(Team, day.team)
    assert presenting.team(team) == {"id": str(day.team), "name": "Haircut team", "site_id": SITE,
                                     "member_ids": [str(v) for v in day.volunteers[:2]], "version": team.version}
    site = presenting.site(app.sites.get(SITE))
    assert set(site) == {"id", "name", "name_zh", "level", "parent_id", "lat", "lon"}
    assert (site["id"], site["parent_id"]) == (SITE, "station-babaoshan")


def test_a_sites_numbers_average_what_was_counted_and_say_none_for_nothing():
    row = {"site_id": SITE, "level": "post", "placed": 2, "dispatched": 0, "accepted": 0, "in_service": 0,
           "completed": 1, "reviewed": 3, "closed": 0, "cancelled": 1, "service_minutes": 120, "rating_count": 3,
           "rating_total": 13, "dispatch_seconds": 900, "dispatch_count": 2, "accept_seconds": 0, "accept_count": 0,
           "complete_seconds": 7200, "complete_count": 4}
    stats = presenting.site_stats_row(row)
    assert stats["total"] == 7 and stats["counts"]["reviewed"] == 3 and stats["service_minutes"] == 120
    assert stats["satisfaction"] == {"reviews": 3, "average_rating": 4.33}
    assert stats["timings"] == {"minutes_to_dispatch": 7.5, "minutes_to_accept": None, "minutes_to_complete": 30.0}
