"""Demo orders in every state, each carried through its life by the domain's own methods.

Every order is given a target state; its life (dispatch, accept, service, review...) is laid out backwards
from `now`, so open orders are recent (some past their deadlines, for `supervise` to find) and finished
ones spread over the last 90 days. Missed dispatch deadlines are escalated as the supervisor would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from application.base import CivicFlowBase
from domain.order import (ACCEPTED, CANCELLED, CLOSED, COMPLETED, DISPATCHED, IN_SERVICE, PLACED, REVIEWED,
                          Order)
from domain.team import Team
from domain.volunteer import Volunteer, VolunteerError

# target state → (share of orders, how far back its placement may lie beyond its own life)
TARGETS = {REVIEWED: (44, timedelta(days=90)), CLOSED: (10, timedelta(days=80)), COMPLETED: (6, timedelta(days=6)),
           IN_SERVICE: (3, timedelta(hours=6)), ACCEPTED: (6, timedelta(days=1)),
           DISPATCHED: (6, timedelta(minutes=90)), PLACED: (10, timedelta(hours=4)),
           CANCELLED: (15, timedelta(days=90))}
CHANNELS = (("district-app", 6), ("hotline-12345", 3), ("dispatcher", 1))
SUPERVISOR, MINUTE = "system:supervisor", timedelta(minutes=1)


@dataclass
class Pools:
    """Volunteers by (site, skill) and by skill, and teams by site: where the demo looks for people."""

    by_site_skill: dict[tuple[str, str], list[Volunteer]] = field(default_factory=dict)
    by_skill: dict[str, list[Volunteer]] = field(default_factory=dict)
    teams_by_site: dict[str, list[Team]] = field(default_factory=dict)
    people: dict[UUID, Volunteer] = field(default_factory=dict)

    @classmethod
    def of(cls, volunteers: list[Volunteer], teams: list[Team]) -> Pools:
        pools = cls(people={v.id: v for v in volunteers})
        for v in volunteers:
            for skill in v.skills:
                pools.by_site_skill.setdefault((v.home_site_id, skill), []).append(v)
                pools.by_skill.setdefault(skill, []).append(v)
        for team in teams:
            pools.teams_by_site.setdefault(team.site_id, []).append(team)
        return pools


class OrderFactory:
    def __init__(self, app: CivicFlowBase, rng: random.Random, pools: Pools, now: datetime,
                 sites: list[str], skills: list[str]):
        self.app, self.rng, self.pools, self.now = app, rng, pools, now
        self.posts = [code for code in sites if code.startswith("post-")] or sites
        self.sites, self.skills, self.deadlines = sites, skills, app.settings.deadlines
        self.targets, self.weights = list(TARGETS), [share for share, _ in TARGETS.values()]

    def build(self) -> tuple[Order, list[Volunteer]]:
        rng = self.rng
        target, category = rng.choices(self.targets, self.weights)[0], rng.choice(self.skills)
        life = self._life(target, self.app.categories[category].typical_minutes)
        placed_at = self.now - sum(life.values(), timedelta()) - rng.random() * TARGETS[target][1]
        order = self._place(category, placed_at)
        touched = self._live(order, target, life, placed_at)
        return order, touched

    def _life(self, target: str, typical_minutes: int) -> dict[str, timedelta]:
        """How long each step before the target state took (a tenth of dispatches come late)."""
        rng = self.rng
        late = rng.random() < 0.1
        steps = {"dispatch": timedelta(minutes=rng.uniform(125, 300) if late else rng.uniform(3, 90)),
                 "accept": timedelta(minutes=rng.uniform(1, 50)), "start": timedelta(minutes=rng.uniform(10, 600)),
                 "service": timedelta(minutes=max(1, round(rng.uniform(0.7, 1.3) * typical_minutes))),
                 "review": timedelta(minutes=rng.uniform(5, 4000))}
        upto = {PLACED: 0, CANCELLED: 1, DISPATCHED: 1, ACCEPTED: 2, IN_SERVICE: 3, COMPLETED: 4, CLOSED: 4,
                REVIEWED: 5}[target]
        life = dict(list(steps.items())[:upto])
        if target == CLOSED:
            life["close"] = self.deadlines.review + MINUTE
        return life

    def _place(self, category: str, at: datetime) -> Order:
        rng = self.rng
        site = rng.choice(self.posts) if rng.random() < 0.85 else rng.choice(self.sites)
        priority = "urgent" if rng.random() < 0.1 else "normal"
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        resident = {"name": rng.choice("王李张刘陈杨赵黄") + rng.choice(("先生", "女士")),
                    "phone": f"15{rng.randrange(10**9):09d}", "address": f"{site} {rng.randint(1, 40)}号楼"}
        return Order.place(UUID(int=rng.getrandbits(128), version=4), category=category, site_id=site,
                           description=f"{category} 服务", channel=channel, priority=priority, resident=resident,
                           window=None, dispatch_by=self.deadlines.dispatch_by(at, priority),
                           complete_by=self.deadlines.complete_by(at, priority, None), actor=f"channel:{channel}",
                           at=at)

    def _live(self, order: Order, target: str, life: dict[str, timedelta], at: datetime) -> list[Volunteer]:
        """Carry the order through `life`; returns the volunteers it changed."""
        at = self._maybe_escalate(order, at + life.get("dispatch", self.now - at))
        if target == CANCELLED or target == PLACED:
            if target == CANCELLED:
                order.cancel("the resident no longer needs it", actor=f"channel:{order.channel}", at=at)
            return []
        worker, team = self._pick(order)
        if worker is None:
            return []
        order.dispatch(volunteer_id=None if team else worker.id, team_id=team.id if team else None,
                       accept_by=self.deadlines.accept_by(at), actor="dispatcher:demo", at=at)
        if target == DISPATCHED:
            return []
        self._serve(order, worker, team, life, at)
        return [worker]

    def _serve(self, order: Order, worker: Volunteer, team: Team | None, life: dict[str, timedelta],
               at: datetime) -> None:
        actor = f"volunteer:{worker.id}"
        at += life["accept"]
        order.accept(worker, team, actor=actor, at=at)
        for step in [name for name in life if name not in ("dispatch", "accept")]:
            at += life[step]
            self._step(order, worker, step, life, at)

    def _step(self, order: Order, worker: Volunteer, step: str, life: dict[str, timedelta], at: datetime) -> None:
        actor = f"volunteer:{worker.id}"
        if step == "start":
            order.start_service(worker, actor=actor, at=at)
        elif step == "service":
            minutes = int(life["service"] / MINUTE)
            order.complete_service(worker, minutes, None, review_by=self.deadlines.review_by(at), actor=actor, at=at)
        elif step == "review":
            rating = self.rng.choices((5, 4, 3, 2, 1), (60, 25, 10, 3, 2))[0]
            order.review(worker, rating, None, actor=f"channel:{order.channel}", at=at)
        else:
            order.close_review_window(actor=SUPERVISOR, at=at)

    def _maybe_escalate(self, order: Order, dispatch_at: datetime) -> datetime:
        """A dispatch after its deadline was preceded by the supervisor's escalation (吹哨)."""
        missed = min(dispatch_at, self.now) > order.dispatch_by + MINUTE
        parent = self.app.sites.parent_of(order.site_id)
        if missed and parent is not None and self.rng.random() < 0.8:
            order.escalate(parent, "dispatch deadline missed", actor=SUPERVISOR, at=order.dispatch_by + MINUTE)
        return dispatch_at

    def _pick(self, order: Order) -> tuple[Volunteer | None, Team | None]:
        """An eligible volunteer near the order (sometimes through a team of its site), or nobody."""
        teams = self.pools.teams_by_site.get(order.site_id, [])
        if teams and self.rng.random() < 0.3:
            team = self.rng.choice(teams)
            members = [self.pools.people[m] for m in team.member_ids if m in self.pools.people]
            worker = self._first_eligible(members, order.category)
            if worker is not None:
                return worker, team
        local = self.pools.by_site_skill.get((order.site_id, order.category), [])
        return self._first_eligible(local, order.category) or self._first_eligible(
            self.pools.by_skill.get(order.category, []), order.category), None

    def _first_eligible(self, people: list[Volunteer], category: str, tries: int = 8) -> Volunteer | None:
        for volunteer in self.rng.sample(people, min(tries, len(people))):
            try:
                volunteer.check_can_take(category)
            except VolunteerError:
                continue
            return volunteer
        return None
