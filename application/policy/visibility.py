"""Jurisdiction (DESIGN §7): what each principal may see, and whose resident data it may read.

Objects outside a principal's reach answer as missing ones do (NotFound), so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.door_codes import DoorCodes
from application.errors import ApplicationError, NotFound
from application.policy.principal import Principal
from application.persistence.clock import Clock
from application.residents import Residents
from application.settings import Settings
from application.sites import SiteDirectory
from domain.door_codes import ACTIVE, KINDS
from domain.order import Order
from domain.privacy import mask_personal
from domain.team import Team
from domain.volunteer import Volunteer


class OutsideJurisdiction(ApplicationError):
    def __init__(self, field: str, site_id: str, principal: Principal):
        super().__init__(f"{field} {site_id} is outside your jurisdiction ({principal.site_id})")


@dataclass(frozen=True)
class OrderReach:
    """What decides who may see an order, from the aggregate or from its presented form (a view row)."""

    id: str
    channel: str
    site_id: str
    responsible_site_id: str
    assignee_volunteer_id: str | None
    assignee_team_id: str | None
    accepted_by: str | None
    completed_at: datetime | None = None

    @classmethod
    def of_order(cls, order: Order) -> OrderReach:
        return cls(str(order.id), order.channel, order.site_id, order.responsible_site_id,
                   _text(order.assignee_volunteer_id), _text(order.assignee_team_id), _text(order.accepted_by),
                   order.completed_at)

    @classmethod
    def of_view(cls, order: Mapping[str, Any]) -> OrderReach:
        assignee, escalations = order["assignee"] or {}, order["escalations"]
        return cls(str(order["id"]), order["channel"], order["site_id"],
                   escalations[-1]["to_site"] if escalations else order["site_id"],
                   assignee.get("volunteer_id"), assignee.get("team_id"), order["accepted_by"],
                   order.get("completed_at"))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class Directory(Protocol):
    """What the policy reads of the application: the site tree and the volunteers' teams."""

    @property
    def sites(self) -> SiteDirectory: ...

    settings: Settings
    clock: Clock
    residents: Residents
    door_codes: DoorCodes

    def find(self, cls: type, aggregate_id: Any) -> Any: ...


class Policy:
    def __init__(self, directory: Directory):
        self.directory = directory

    def within(self, site_id: str | None, principal: Principal) -> bool:
        sites = self.directory.sites
        return site_id is not None and principal.site_id is not None and site_id in sites \
            and sites.is_within(site_id, principal.site_id)

    def team_ids_of(self, principal: Principal) -> set[str]:
        if principal.volunteer_id is None:
            return set()
        volunteer = self.directory.find(Volunteer, principal.volunteer_id)
        return {str(t) for t in volunteer.team_ids} if volunteer else set()

    def sees_order(self, principal: Principal, order: OrderReach) -> bool:
        role = principal.role
        if role == "inspector":
            return True
        if role == "channel":
            return order.channel == principal.channel
        if role == "dispatcher":
            return self.within(order.site_id, principal) or self.within(order.responsible_site_id, principal)
        if role == "volunteer":
            return _holds(order, principal) or (order.assignee_team_id is not None
                                                 and order.assignee_team_id in self.team_ids_of(principal))
        return False

    def sees_resident(self, principal: Principal, order: OrderReach) -> bool:
        """The placing channel, dispatchers in jurisdiction and the assigned volunteer until the access period
        after completion ends; never inspectors."""
        if principal.role == "volunteer":
            return _holds(order, principal) and not self._access_ended(order)
        return principal.role in ("channel", "dispatcher") and self.sees_order(principal, order)

    def _access_ended(self, order: OrderReach) -> bool:
        period = self.directory.settings.volunteer_sees_resident_for
        return order.completed_at is not None and self.directory.clock.now() - order.completed_at > period

    def shown(self, principal: Principal, order: dict[str, Any]) -> dict[str, Any]:
        """A presented order as this principal may see it: its sealed fields opened, and masked in the one
        format unless it may read the resident's data."""
        return self.readable(principal, OrderReach.of_view(order), order)

    def shown_all(self, principal: Principal, orders: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """A page of presented orders, each as `shown` gives it; their residents' keys read at once."""
        opened = self.directory.residents.revealed_all(orders)
        return [self._shown(principal, OrderReach.of_view(order), o) for order, o in zip(orders, opened)]

    def readable(self, principal: Principal, order: OrderReach, record: Mapping[str, Any]) -> dict[str, Any]:
        """An order or an event's data about it, opened, and masked for a principal without the right."""
        return self._shown(principal, order, self.directory.residents.revealed(record))

    def _shown(self, principal: Principal, order: OrderReach, opened: dict[str, Any]) -> dict[str, Any]:
        shown = opened if self.sees_resident(principal, order) else mask_personal(opened, self.site_name)
        return self._with_door_codes(principal, order, shown)

    def _with_door_codes(self, principal: Principal, order: OrderReach, shown: dict[str, Any]) -> dict[str, Any]:
        """The placing channel, and nobody else, reads the door codes themselves (DESIGN §17), while active."""
        held = shown.get("door_codes")
        if not held or not (principal.role == "channel" and principal.channel == order.channel):
            return shown
        derive = self.directory.door_codes.code
        plain = {kind: {**held[kind], "code": derive(order.id, held["issued_version"], kind)
                        if held[kind]["state"] == ACTIVE else None} for kind in KINDS}
        return {**shown, "door_codes": {**held, **plain}}

    def site_name(self, site_id: str) -> str | None:
        site = self.directory.sites.get(site_id)
        return None if site is None else site.name_zh

    def require_order(self, principal: Principal, order: OrderReach) -> None:
        if not self.sees_order(principal, order):
            raise NotFound("order", order.id)

    def require_volunteer(self, principal: Principal, volunteer: Volunteer) -> Volunteer:
        if not (self._own_or_ours(principal, volunteer) or principal.role in ("inspector", "admin")):
            raise NotFound("volunteer", volunteer.id)
        return volunteer

    def require_certifiable(self, principal: Principal, volunteer: Volunteer) -> Volunteer:
        """Who may have a volunteer's hours certified (DESIGN §17): the volunteer, a dispatcher of their home site
        (or above it), an admin; not inspectors, who read the audit trail instead."""
        if not (self._own_or_ours(principal, volunteer) or principal.role == "admin"):
            raise NotFound("volunteer", volunteer.id)
        return volunteer

    def _own_or_ours(self, principal: Principal, volunteer: Volunteer) -> bool:
        mine = principal.role == "volunteer" and principal.volunteer_id == volunteer.id
        return mine or (principal.role == "dispatcher" and self.within(volunteer.home_site_id, principal))

    def require_team(self, principal: Principal, team: Team) -> Team:
        member = principal.role == "volunteer" and principal.volunteer_id in team.member_ids
        ours = principal.role == "dispatcher" and self.within(team.site_id, principal)
        if not (member or ours or principal.role == "inspector"):
            raise NotFound("team", team.id)
        return team

    def require_site_in_jurisdiction(self, principal: Principal, field: str, site_id: str) -> None:
        """A dispatcher names a site outside its subtree: forbidden (unknown sites are left to the commands)."""
        if principal.role == "dispatcher" and site_id in self.directory.sites and not self.within(site_id, principal):
            raise OutsideJurisdiction(field, site_id, principal)


def _holds(order: OrderReach, principal: Principal) -> bool:
    me = str(principal.volunteer_id)
    return me in (order.assignee_volunteer_id, order.accepted_by)
