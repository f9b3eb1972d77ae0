"""GET /api/v1/sites/{id}/stats carries the dashboard: spreads, share of good reviews, participation."""

from __future__ import annotations

from tests.interfaces.web.world import POST, STATION


def test_site_stats_report_spreads_satisfaction_participation_and_escalations(world):  # type: ignore[no-untyped-def]
    world.order_in("reviewed")
    stats = world.ok("dispatcher", "GET", f"/api/v1/sites/{POST}/stats")
    assert stats["timings"]["to_dispatch"]["count"] == 1
    assert stats["timings"]["to_complete"]["median_minutes"] is not None
    assert (stats["satisfaction"]["rated_4_or_more"], stats["satisfaction"]["share"]) == (1, 1.0)
    assert stats["participation"] == {"registered": 1, "active_30d": 1, "share": 1.0}
    assert stats["escalated"] == 0
    station = world.ok("inspector", "GET", f"/api/v1/sites/{STATION}/stats")
    assert station["participation"]["registered"] == 1 and station["total"] == 1
