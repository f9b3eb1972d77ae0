"""site_stats counts each site's orders by status and rolls them up post → station → center."""

from __future__ import annotations

from collections import Counter

from domain.order import Order
from tests.projections.scenario import OTHER_SITE, SITE, STATION, district_day


def expected_counts(app, order_ids, sites):  # type: ignore[no-untyped-def]
    """A fresh fold from the aggregates: the status of every order placed at one of `sites`."""
    orders = [app.load(Order, order_id) for order_id in order_ids]
    return Counter(order.status for order in orders if order.site_id in sites)


def test_counts_roll_up_from_posts_to_station_and_center(app, clock, read_model):
    day = district_day(app, clock)
    read_model.catch_up()
    orders = list(day.orders.values())
    for site, covered in [(SITE, {SITE}), (OTHER_SITE, {OTHER_SITE}), (STATION, {SITE, OTHER_SITE}),
                          ("center", {SITE, OTHER_SITE})]:
        stats = read_model.site_stats(site)
        assert Counter({k: v for k, v in stats["counts"].items() if v}) == expected_counts(app, orders, covered)
    assert read_model.site_stats(SITE)["total"] == 5 and read_model.site_stats("center")["total"] == 6
    assert read_model.site_stats("center")["level"] == "center"


def test_minutes_ratings_timings_and_overdue_are_summed_per_subtree(app, clock, read_model):
    district_day(app, clock)
    read_model.catch_up()
    post, station = read_model.site_stats(SITE, now=clock.now()), read_model.site_stats(STATION, now=clock.now())
    assert post["service_minutes"] == station["service_minutes"] == 70
    assert post["satisfaction"] == {"reviews": 1, "average_rating": 5.0}
    assert post["timings"] == {"minutes_to_dispatch": 0.0, "minutes_to_accept": 0.0, "minutes_to_complete": 35.0}
    assert (post["overdue"], station["overdue"]) == (2, 3)


def test_a_site_without_orders_shows_zeros_and_an_unknown_site_nothing(app, clock, read_model):
    read_model.catch_up()
    quiet = read_model.site_stats("post-babaoshan-09")
    assert quiet["total"] == 0 and quiet["satisfaction"]["average_rating"] is None
    assert read_model.site_stats("no-such-site") is None
