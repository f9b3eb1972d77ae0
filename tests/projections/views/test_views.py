"""order_board and volunteer_roster follow the events; the list queries filter, order and page as DESIGN §6 and §8 say."""

from __future__ import annotations

from datetime import timedelta

from domain.order import Order
from domain.volunteer import Volunteer
from tests.projections.scenario import RESIDENT, OTHER_SITE, SITE, STATION, district_day


def all_orders(read_model, now, **filters):  # type: ignore[no-untyped-def]
    items, cursor = read_model.orders(now=now, limit=200, **filters)
    assert cursor is None
    return items


def test_each_order_row_matches_its_aggregate(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    rows = {row["id"]: row for row in all_orders(read_model, clock.now())}
    assert set(rows) == {str(order_id) for order_id in day.orders.values()}
    for order_id in day.orders.values():
        order, row = app.load(Order, order_id), rows[str(order_id)]
        assert (row["status"], row["version"], row["placed_at"]) == (order.status, order.version, order.placed_at)
        assert row["accepted_by"] == (str(order.accepted_by) if order.accepted_by else None)
        assert (row["service_minutes"], row["rating"], row["cancel_reason"]) == (
            order.service_minutes, order.rating, order.cancel_reason)
        assert app.residents.revealed(row)["resident"] == RESIDENT  # the view holds it sealed
        assert row["resident"]["phone"].startswith("cf1:") and RESIDENT["phone"] not in str(row)


def test_the_board_shows_assignees_escalations_and_overdue_orders(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    rows = {row["id"]: row for row in all_orders(read_model, clock.now())}
    escalated = rows[str(day.orders["placed"])]
    assert [(e["from_site"], e["to_site"]) for e in escalated["escalations"]] == [(OTHER_SITE, STATION)]
    assert escalated["overdue"] is True and escalated["escalations"][0]["at"] == clock.now()
    assert rows[str(day.orders["dispatched"])]["assignee"] == {"team_id": str(day.team)}
    assert rows[str(day.orders["declined"])]["assignee"] is None
    overdue = all_orders(read_model, clock.now(), overdue=True)
    on_time = all_orders(read_model, clock.now(), overdue=False)
    assert {r["id"] for r in overdue} == {str(day.orders[k]) for k in ("placed", "dispatched", "declined")}
    assert len(overdue) + len(on_time) == len(day.orders)


def test_orders_filter_by_status_site_people_channel_and_time(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    now = clock.now()

    def ids(**filters):  # type: ignore[no-untyped-def]
        return {row["id"] for row in all_orders(read_model, now, **filters)}

    assert ids(status="reviewed") == {str(day.orders["reviewed"])}
    assert ids(site_ids=[STATION]) == {str(day.orders["placed"])}  # escalated to the station
    assert str(day.orders["placed"]) in ids(site_ids=[OTHER_SITE])  # and still on its own site's board
    assert ids(volunteer_id=day.volunteers[1]) == {str(day.orders["completed"])}
    assert ids(team_ids=[day.team]) == {str(day.orders["dispatched"])}
    assert ids(channel="hotline-12345", category="health") == {str(day.orders["placed"])}
    assert ids(placed_after=now + timedelta(seconds=1)) == set()
    assert len(ids(placed_before=now + timedelta(seconds=1), site_ids=[SITE])) == 5


def test_order_pages_run_newest_first_without_gaps_or_repeats(app, clock, read_model):
    for _ in range(7):
        app.place_order("haircut", SITE, "a haircut", {"name": "A", "phone": "1", "address": "x"}, "app",
                        actor="channel:app")
        clock.advance(timedelta(minutes=1) if _ % 2 else timedelta(0))  # equal times test the id tie-break
    read_model.catch_up()
    seen, cursor = [], None
    while True:
        page, cursor = read_model.orders(now=clock.now(), limit=3, cursor=cursor)
        seen += page
        if cursor is None:
            break
    assert len(seen) == 7 and len({row["id"] for row in seen}) == 7
    keys = [(row["placed_at"], row["id"]) for row in seen]
    assert keys == sorted(keys, reverse=True)


def test_the_roster_counts_load_credit_and_ratings(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    roster, cursor = read_model.volunteers()
    assert cursor is None
    by_id = {row["id"]: row for row in roster}
    for volunteer_id in day.volunteers:
        volunteer, row = app.load(Volunteer, volunteer_id), by_id[str(volunteer_id)]
        assert (row["active_orders"], row["completed_orders"], row["service_minutes"]) == (
            len(volunteer.active_orders), volunteer.completed_orders, volunteer.service_minutes)
        assert (row["average_rating"], row["stars"], row["version"]) == (
            volunteer.average_rating, volunteer.stars, volunteer.version)
        assert row["team_ids"] == [str(t) for t in volunteer.team_ids]
    assert by_id[str(day.volunteers[0])]["service_minutes"] == 40
    assert by_id[str(day.volunteers[0])]["average_rating"] == 5.0


def test_volunteers_filter_by_site_skill_and_availability_and_page(app, clock, read_model):
    day = district_day(app, clock)
    app.register_volunteer("Other", "13700000000", OTHER_SITE, ["legal-aid"], actor="dispatcher:d1")
    read_model.catch_up()
    names = lambda **f: {row["name"] for row in read_model.volunteers(**f)[0]}  # noqa: E731
    assert names(site_ids=[OTHER_SITE]) == {"Other"}
    assert names(skill="legal-aid") == {"Other"}
    assert names(skill="health") == {"Volunteer 0", "Volunteer 1", "Volunteer 2"}
    assert names(available=False) == {"Volunteer 2"}
    first, cursor = read_model.volunteers(limit=2)
    rest, end = read_model.volunteers(limit=2, cursor=cursor)
    assert end is None and len({r["id"] for r in first + rest}) == 4 == len(day.volunteers) + 1


def test_history_lists_an_orders_events_in_order_with_actors(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    history = read_model.history(day.orders["reviewed"])
    assert [h["type"] for h in history] == ["Placed", "Dispatched", "Accepted", "ServiceStarted",
                                            "ServiceCompleted", "Reviewed"]
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5, 6]
    positions = [h["position"] for h in history]
    assert positions == sorted(positions)
    assert app.residents.revealed(history[-1]["data"]) == {"comment": "great", "rating": 5}
    assert history[-1]["actor"] == "channel:district-app"
    assert app.residents.revealed(history[0]["data"])["resident"]["phone"] == "13900000000"
    masked = read_model.history(day.orders["reviewed"], mask=True)[0]["data"]["resident"]
    assert masked["phone"] == "139****0000" and "13900000000" not in str(masked)  # the one format (privacy.py)


def test_catching_up_twice_applies_nothing_new(app, clock, read_model):
    district_day(app, clock)
    position = read_model.catch_up()
    assert position == app.recorder.max_notification_id() and read_model.lag() == 0
    before = all_orders(read_model, clock.now())
    assert read_model.catch_up() == position
    assert all_orders(read_model, clock.now()) == before
    assert set(read_model.positions().values()) == {position}
