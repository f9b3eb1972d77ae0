"""/api/v1/sites and /api/v1/categories: the district's reference data, readable by every role."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from werkzeug.exceptions import NotFound

from interfaces.web import schemas_in as s
from interfaces.web.blueprints import api_blueprint
from interfaces.web.context import civicflow, cursors, now, policy, read_model
from interfaces.web.schemas_out import CategoryPage, SitePage, SiteStatsOut
from projections import presenting
from projections.reads.dashboard import SiteDashboard
from projections.reads.queries import InvalidCursor

ANY_ROLE = ("channel", "dispatcher", "volunteer", "inspector", "admin")
sites = api_blueprint("sites", "/sites", "The practice network: center, stations (所), posts (站), bases (基地)")
categories = api_blueprint("categories", "/categories", "The service catalogue")


@sites.route("")
class Sites(MethodView):
    @sites.roles(*ANY_ROLE)
    @sites.arguments(s.SiteQuery, location="query")
    @sites.response(200, SitePage)
    def get(self, query: dict[str, Any]) -> Any:
        """Every site, parents before children, optionally by `level` or `parent_id`."""
        wanted = [presenting.site(site) for site in civicflow().sites
                  if query.get("level", site.level) == site.level
                  and query.get("parent_id", site.parent_code) == site.parent_code]
        return page_of(wanted, "id", query)


@sites.route("/<site_id>/stats")
class SiteStats(MethodView):
    @sites.roles("dispatcher", "inspector", "admin")
    @sites.response(200, SiteStatsOut)
    def get(self, site_id: str) -> Any:
        """Counts by status, service minutes, satisfaction and timings of a site and every site below it."""
        if site_id not in civicflow().sites:  # answered before any query: a path is free text
            raise NotFound(f"no site {site_id}")
        if g.principal.role == "dispatcher" and not policy().within(site_id, g.principal):
            raise NotFound(f"no site {site_id} in your jurisdiction")
        model = read_model()
        stats = model.site_stats(site_id, now=now())
        if stats is None:
            raise NotFound(f"no site {site_id}")
        return with_dashboard(stats, SiteDashboard(model.engine, model.tables).stats(site_id, now=now()))


def with_dashboard(stats: dict[str, Any], board: dict[str, Any]) -> dict[str, Any]:
    """Add the dashboard's spreads (median, p90), share of good reviews, participation and escalations."""
    return {**stats, "timings": {**stats["timings"], **board["timings"]},
            "satisfaction": {**stats["satisfaction"], **board["satisfaction"]},
            "participation": board["participation"], "escalated": board["escalated"]}


@categories.route("")
class Categories(MethodView):
    @categories.roles(*ANY_ROLE)
    @categories.arguments(s.ReferenceQuery, location="query")
    @categories.response(200, CategoryPage)
    def get(self, query: dict[str, Any]) -> Any:
        """The service categories: code, names, whether it is a home service, typical minutes."""
        return page_of([vars(category) for category in civicflow().categories.values()], "code", query)


def page_of(items: list[dict[str, Any]], key: str, query: dict[str, Any]) -> dict[str, Any]:
    """One page of a list kept in memory, after the item a sealed cursor names (the list shape of §8)."""
    start = 0
    if "cursor" in query:
        last = cursors().decode(query["cursor"], 1)[0]
        start = next((i + 1 for i, item in enumerate(items) if item[key] == last), None)
        if start is None:
            raise InvalidCursor()
    page = items[start:start + query["limit"]]
    more = start + len(page) < len(items)
    return {"items": page, "next_cursor": cursors().encode(page[-1][key]) if more else None}
