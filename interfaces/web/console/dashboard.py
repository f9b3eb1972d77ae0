"""Dashboards for dispatchers (their jurisdiction), inspectors and admins (every site): a site alone or rolled up
with the sites below it, over a date range; the charts (charts.py), the same numbers as tables, and a CSV of
exactly those tables."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.exceptions import NotFound

from domain.order import STATUSES
from interfaces.web.console import charts
from interfaces.web.console.session import person_required
from interfaces.web.console.templating import site_label
from interfaces.web.context import civicflow, now, policy, read_model
from projections.reads.period_dashboard import PeriodDashboard

blp = Blueprint("console_dashboard", __name__, url_prefix="/console/dashboard")
VIEWERS = ("dispatcher", "inspector", "admin")
DEFAULT_SPAN = timedelta(weeks=8)
STATUS_LABELS = {"placed": lazy_gettext("placed"), "dispatched": lazy_gettext("dispatched"),
                 "accepted": lazy_gettext("accepted"), "in_service": lazy_gettext("in service"),
                 "completed": lazy_gettext("completed"), "reviewed": lazy_gettext("reviewed"),
                 "closed": lazy_gettext("closed"), "cancelled": lazy_gettext("cancelled")}
STAGE_LABELS = {"to_dispatch": lazy_gettext("to dispatch"), "to_accept": lazy_gettext("to accept"),
                "to_complete": lazy_gettext("to complete")}


def visible_sites() -> list[str]:
    """The policy's reach: a dispatcher's jurisdiction, every site for inspectors and admins."""
    sites, principal, decides = civicflow().sites, g.principal, policy()
    if principal.role == "dispatcher":  # the policy's jurisdiction: the dispatcher's site and every site below it
        return [site.code for site in sites if decides.within(site.code, principal)]
    return [site.code for site in sites]


def chosen() -> dict[str, Any]:
    """The page's choices from the query, each defaulted; a site outside the person's reach is a 404."""
    sites, today = visible_sites(), now().date()
    site = request.args.get("site") or (g.principal.site_id if g.principal.role == "dispatcher" else None) \
        or (sites[0] if sites else "")
    if site not in sites:
        raise NotFound()
    last = _day(request.args.get("last")) or today
    first = _day(request.args.get("first")) or last - DEFAULT_SPAN + timedelta(days=1)
    if first > last:
        first, last = last, first
    return {"site": site, "first": first, "last": last, "rolled_up": request.args.get("scope") != "site",
            "sites": sites}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def the_report(choice: dict[str, Any]) -> dict[str, Any]:
    model = read_model()
    report = PeriodDashboard(model.engine, model.tables).report(
        choice["site"], first=choice["first"], last=choice["last"], rolled_up=choice["rolled_up"], now=now())
    if report is None:
        raise NotFound()
    return report


def tables_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    """What the page shows, as tables: the charts draw them, the page lists them, the CSV is them."""
    weeks = {"id": "weekly", "caption": _("Orders per week by status (week starting)"),
             "header": [_("Week"), *(str(STATUS_LABELS[s]) for s in STATUSES), _("Total")],
             "rows": [[w["week"].isoformat(), *(w["counts"][s] for s in STATUSES), w["total"]]
                      for w in report["weeks"]]}
    timings = {"id": "timings", "caption": _("Time taken, in minutes"),
               "header": [_("Stage"), _("Orders"), _("Median"), _("90th percentile")],
               "rows": [[str(STAGE_LABELS[stage]), t["count"], _blank(t["median_minutes"]), _blank(t["p90_minutes"])]
                        for stage, t in report["timings"].items()]}
    s, p = report["satisfaction"], report["participation"]
    summary = {"id": "summary", "caption": _("Summary"), "header": [_("Measure"), _("Value")],
               "rows": [[_("Orders placed"), report["total"]], [_("Overdue now"), report["overdue"]],
                        [_("Escalated"), report["escalated"]], [_("Reviews"), s["reviews"]],
                        [_("Satisfaction (rated 4 or 5)"), _percent(s["share"])],
                        [_("Volunteers registered"), p["registered"]],
                        [_("Volunteers who accepted an order"), p["active"]],
                        [_("Participation"), _percent(p["share"])]]}
    return [summary, weeks, timings]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def charts_of(report: dict[str, Any]) -> list[Any]:
    weeks = [w["week"].strftime("%m-%d") for w in report["weeks"]]
    by_status = [charts.Series(str(STATUS_LABELS[s]), [w["counts"][s] for w in report["weeks"]]) for s in STATUSES]
    stages = report["timings"]
    spreads = [charts.Series(_("median"), [t["median_minutes"] for t in stages.values()]),
               charts.Series(_("90th percentile"), [t["p90_minutes"] for t in stages.values()])]
    return [charts.stacked_bars("chart-weekly", _("Orders per week by status"),
                                _("Stacked bars, one per week; the table below lists the numbers."), weeks, by_status),
            charts.paired_bars("chart-timings", _("Time to dispatch, accept and complete"),
                               _("Median and 90th percentile in minutes; the table below lists them."),
                               [str(STAGE_LABELS[k]) for k in stages], spreads, _("min"))]


@blp.get("")
@person_required(*VIEWERS)
def dashboard_page() -> Any:
    choice = chosen()
    report = the_report(choice)
    return render_template("console/dashboard.html", choice=choice, report=report, tables=tables_of(report),
                           charts=charts_of(report), site_label=site_label)


@blp.get("/data.csv")
@person_required(*VIEWERS)
def dashboard_csv() -> Response:
    choice = chosen()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for table in tables_of(the_report(choice)):
        writer.writerows([[table["caption"]], table["header"], *table["rows"], []])
    name = f"dashboard-{choice['site']}-{choice['first']}-{choice['last']}.csv"
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
