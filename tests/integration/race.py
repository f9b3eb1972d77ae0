"""The 接单 race: many volunteers of one team try to accept the same team-dispatched order at the same instant.

Kept apart from the test module so that a 'spawn' child process imports only this (and the application).
"""

from __future__ import annotations

import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.app import CivicFlow
from application.persistence.clock import ManualClock
from application.errors import ConcurrencyConflict
from application.settings import Settings
from domain.base import InvalidTransition

CATEGORY, SITE = "elderly-care", "post-babaoshan-01"
RESIDENT = {"name": "Li", "phone": "13800000001", "address": "3 Lane"}
WON, CONFLICT, TOO_LATE = "won", "lost: ConcurrencyConflict", "lost: InvalidTransition"
HANG_GUARD_SECONDS = 120  # only stops a broken run from hanging forever; nothing is timed


@dataclass(frozen=True)
class TeamOrder:
    order_id: UUID
    volunteer_ids: list[UUID]


def dispatch_to_a_team(app: CivicFlow, members: int) -> TeamOrder:
    """A team of `members` volunteers who can all take the order, and an order dispatched to that team."""
    volunteer_ids = [app.register_volunteer(f"Volunteer {n}", f"1390000{n:04d}", SITE, [CATEGORY],
                                            actor="desk:post").id for n in range(members)]
    team_id = app.create_team("Elderly care team", SITE, actor="desk:post").id
    for volunteer_id in volunteer_ids:
        app.add_team_member(team_id, volunteer_id, actor="desk:post")
    order_id = app.place_order(CATEGORY, SITE, "help with shopping", RESIDENT, "district-app",
                               actor="channel:district-app").id
    app.dispatch_order(order_id, team_id=team_id, actor="desk:post")
    return TeamOrder(order_id, volunteer_ids)


def try_to_accept(app: CivicFlow, order_id: UUID, volunteer_id: UUID, barrier: Any) -> str:
    """Wait for every contender, then accept; any outcome other than winning or losing fails the test."""
    barrier.wait(timeout=HANG_GUARD_SECONDS)
    try:
        app.accept_order(order_id, volunteer_id, actor=f"volunteer:{volunteer_id}")
    except ConcurrencyConflict:
        return CONFLICT  # loaded the order before the winner saved it
    except InvalidTransition:
        return TOO_LATE  # loaded it after: it was no longer dispatched
    return WON


def race_in_threads(apps: list[CivicFlow], order_id: UUID, volunteer_ids: list[UUID], barrier: Any
                    ) -> dict[UUID, str]:
    """One thread per volunteer; `apps` is one app per thread, or the same app repeated."""
    with ThreadPoolExecutor(max_workers=len(volunteer_ids)) as pool:
        futures = {vid: pool.submit(try_to_accept, app, order_id, vid, barrier)
                   for app, vid in zip(apps, volunteer_ids, strict=True)}
        return {vid: future.result() for vid, future in futures.items()}


def race_in_a_process(url: str, clock: ManualClock, order_id: UUID, volunteer_ids: list[UUID], barrier: Any,
                      results: Any) -> None:
    """A 'spawn' child: its own application, one thread per volunteer; reports outcomes (or the error)."""
    # The parent made the tables; children racing CREATE TABLE on PostgreSQL can fail ("tuple concurrently updated").
    app = CivicFlow(Settings(database_url=url), clock, env={"CREATE_TABLE": "no"})
    try:
        outcomes = race_in_threads([app] * len(volunteer_ids), order_id, volunteer_ids, barrier)
        results.put(("ok", outcomes))
    except BaseException:  # noqa: BLE001 — the parent must see it, not wait for a result forever
        barrier.abort()
        results.put(("error", traceback.format_exc()))
    finally:
        app.close()


def tally(outcomes: dict[UUID, str]) -> Counter[str]:
    return Counter(outcomes.values())
