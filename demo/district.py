"""A realistic district for demos and scale runs: volunteers and teams on the real sites, then orders.

Aggregates are built with the domain's own methods (every rule applies: skills, capacity, minutes) and
saved through the application in batches — one `save(*many)` per batch, as fast as the store allows.
Everything is drawn from one seeded generator, so a seed gives the same district.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from application.base import CivicFlowBase
from demo.orders import OrderFactory, Pools
from application.errors import AlreadyExists
from domain.team import Team
from domain.volunteer import Volunteer, volunteer_id_for_phone

ADMIN = "admin:demo"
BATCH = 2000
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
Progress = Callable[[str, int], None]  # (stage, how many more done)


@dataclass
class District:
    volunteers: list[Volunteer] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    orders_by_status: dict[str, int] = field(default_factory=dict)


def demo_phone(seed: int, index: int) -> str:
    return f"13{seed % 100:02d}{index:07d}"


def seeded_uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


class DemoLoader:
    def __init__(self, app: CivicFlowBase, seed: int, now: datetime, progress: Progress = lambda s, n: None):
        self.app, self.seed, self.now, self.progress = app, seed, now, progress
        self.rng = random.Random(seed)
        self.sites = [site.code for site in app.sites]
        self.skills = sorted(app.categories)

    def load(self, volunteers: int, orders: int) -> District:
        if self.app.find(Volunteer, volunteer_id_for_phone(demo_phone(self.seed, 0))) is not None:
            raise AlreadyExists(f"this store already holds the demo district of seed {self.seed}")
        district = District()
        district.volunteers = self._volunteers(volunteers)
        district.teams = self._teams(district.volunteers)
        district.orders_by_status = self._orders(district, orders)
        return district

    def _save_in_batches(self, stage: str | None, items: list, batch: int = BATCH) -> None:  # type: ignore
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            self.app.save(*chunk)
            if stage is not None:
                self.progress(stage, len(chunk))

    def _volunteers(self, count: int) -> list[Volunteer]:
        rng, registered_at = self.rng, self.now - timedelta(days=365)
        people = []
        for i in range(count):
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            skills = rng.sample(self.skills, rng.choice((1, 1, 2, 2, 2, 3)))
            volunteer = Volunteer.register(name, demo_phone(self.seed, i), rng.choice(self.sites), skills,
                                           actor=ADMIN, at=registered_at)
            if rng.random() < 0.08:
                volunteer.set_availability(False, actor=f"volunteer:{volunteer.id}", at=registered_at)
            elif rng.random() < 0.005:
                volunteer.suspend("complaint under review", actor=ADMIN, at=registered_at)
            people.append(volunteer)
        self._save_in_batches("volunteers", people)
        return people

    def _teams(self, people: list[Volunteer]) -> list[Team]:
        """About one team per 140 volunteers, each at a site, its members drawn from that site's volunteers."""
        rng, at = self.rng, self.now - timedelta(days=300)
        by_site: dict[str, list[Volunteer]] = {}
        for volunteer in people:
            by_site.setdefault(volunteer.home_site_id, []).append(volunteer)
        teams = []
        for n in range(max(1, len(people) // 140)):
            site = rng.choice(self.sites)
            members = rng.sample(by_site.get(site, []), min(len(by_site.get(site, [])), rng.randint(5, 30)))
            team = Team.create(seeded_uuid(rng), f"{site} 志愿服务队 {n + 1}", site, actor=ADMIN, at=at)
            for member in members:
                if team.id not in member.team_ids:
                    team.add_member(member.id, actor=ADMIN, at=at)
                    member.join_team(team.id, actor=ADMIN, at=at)
            teams.append(team)
        joined = [v for v in people if v.team_ids]
        self._save_in_batches(None, [*teams, *joined])
        self.progress("teams", len(teams))
        return teams

    def _orders(self, district: District, count: int) -> dict[str, int]:
        pools = Pools.of(district.volunteers, district.teams)
        factory = OrderFactory(self.app, self.rng, pools, self.now, self.sites, self.skills)
        counts: dict[str, int] = {}
        for start in range(0, count, BATCH):
            changed: dict[UUID, object] = {}
            for _ in range(min(BATCH, count - start)):
                order, touched = factory.build()
                counts[order.status] = counts.get(order.status, 0) + 1
                changed[order.id] = order
                changed.update((a.id, a) for a in touched)
            self.app.save(*changed.values())  # type: ignore[arg-type]
            self.progress("orders", min(BATCH, count - start))
        return counts
