"""Jurisdiction (DESIGN §7): what each principal may see, and which resident data it may read.

Objects outside a principal's reach answer 404 (ids cannot be probed), so these checks raise NotFound.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import Forbidden, NotFound

from domain.team import Team
from domain.volunteer import Volunteer
from interfaces.web.auth import Principal
from interfaces.web.context import civicflow

MASK = "***"


def within(site_id: str | None, principal: Principal) -> bool:
    sites = civicflow().sites
    return site_id is not None and principal.site_id is not None and site_id in sites \
        and sites.is_within(site_id, principal.site_id)


def team_ids_of(principal: Principal) -> set[str]:
    if principal.volunteer_id is None:
        return set()
    volunteer = civicflow().find(Volunteer, principal.volunteer_id)
    return {str(t) for t in volunteer.team_ids} if volunteer else set()


def responsible_site(order: dict[str, Any]) -> str:
    return order["escalations"][-1]["to_site"] if order["escalations"] else order["site_id"]


def _volunteer_holds(order: dict[str, Any], principal: Principal) -> bool:
    me, assignee = str(principal.volunteer_id), order["assignee"] or {}
    return me in (assignee.get("volunteer_id"), order["accepted_by"])


def sees_order(principal: Principal, order: dict[str, Any]) -> bool:
    role = principal.role
    if role == "inspector":
        return True
    if role == "channel":
        return order["channel"] == principal.channel
    if role == "dispatcher":
        return within(order["site_id"], principal) or within(responsible_site(order), principal)
    if role == "volunteer":
        team = (order["assignee"] or {}).get("team_id")
        return _volunteer_holds(order, principal) or (team is not None and team in team_ids_of(principal))
    return False


def sees_resident(principal: Principal, order: dict[str, Any]) -> bool:
    """The placing channel, dispatchers in jurisdiction and the assigned volunteer; never inspectors."""
    if principal.role == "volunteer":
        return _volunteer_holds(order, principal)
    return principal.role in ("channel", "dispatcher") and sees_order(principal, order)


def present_order(principal: Principal, order: dict[str, Any]) -> dict[str, Any]:
    if sees_resident(principal, order):
        return order
    return {**order, "resident": mask_resident(order["resident"])}


def mask_resident(resident: dict[str, Any]) -> dict[str, Any]:
    name, phone = resident.get("name") or "", resident.get("phone") or ""
    return {"name": (name[:1] + "*" * max(len(name) - 1, 1)) if name else MASK,
            "phone": (phone[:3] + "****" + phone[-2:]) if len(phone) >= 7 else MASK,
            "address": MASK if resident.get("address") else None}


def require_order(principal: Principal, order: dict[str, Any]) -> dict[str, Any]:
    if not sees_order(principal, order):
        raise NotFound(f"no order {order['id']}")
    return order


def require_volunteer(principal: Principal, volunteer: Volunteer) -> Volunteer:
    mine = principal.role == "volunteer" and principal.volunteer_id == volunteer.id
    ours = principal.role == "dispatcher" and within(volunteer.home_site_id, principal)
    if not (mine or ours or principal.role in ("inspector", "admin")):
        raise NotFound(f"no volunteer {volunteer.id}")
    return volunteer


def require_team(principal: Principal, team: Team) -> Team:
    member = principal.role == "volunteer" and principal.volunteer_id in team.member_ids
    ours = principal.role == "dispatcher" and within(team.site_id, principal)
    if not (member or ours or principal.role == "inspector"):
        raise NotFound(f"no team {team.id}")
    return team


def require_site_in_jurisdiction(principal: Principal, field: str, site_id: str) -> None:
    """A dispatcher names a site outside its subtree: forbidden (unknown sites are left to the application)."""
    if principal.role == "dispatcher" and site_id in civicflow().sites and not within(site_id, principal):
        raise Forbidden(f"{field} {site_id} is outside your jurisdiction ({principal.site_id})")
