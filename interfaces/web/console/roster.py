"""The roster: the volunteers whose home site is in the dispatcher's jurisdiction, searched by name, skill,
availability and site, paged by keyset; htmx redraws the table as the search changes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask_smorest import abort

from interfaces.web.console.session import person_required
from interfaces.web.context import civicflow, policy, read_model

blp = Blueprint("roster", __name__, url_prefix="/console/roster")
PAGE_SIZE = 50
AVAILABILITY = {"": None, "yes": True, "no": False}


@blp.get("")
@person_required("dispatcher")
def roster_page() -> Any:
    args, principal = request.args, g.principal
    site, skill = args.get("site") or None, args.get("skill") or None
    if site is not None and not policy().within(site, principal):
        abort(422, message=f"site {site!r} is not in your jurisdiction")
    if skill is not None and skill not in civicflow().categories:
        abort(422, message=f"there is no skill {skill!r}")
    if args.get("available", "") not in AVAILABILITY:
        abort(422, message="available must be yes or no")
    rows, cursor = read_model().volunteers(
        site_ids=[site] if site else civicflow().sites.subtree(principal.site_id), skill=skill,
        available=AVAILABILITY[args.get("available", "")], name=(args.get("q") or "").strip()[:50] or None,
        cursor=args.get("cursor") or None, limit=PAGE_SIZE)
    template = "console/_roster_table.html" if request.headers.get("HX-Request") else "console/roster.html"
    return render_template(template, volunteers=rows, next_cursor=cursor, args=args,
                           sites=civicflow().sites.subtree(principal.site_id), categories=civicflow().categories)
