"""What the crash drills check afterwards, on the store itself (DESIGN §7).

Input: the client's journal reduced to `Attempt`s (one per command, retries folded in) — which chain it
belongs to (the chain's key is the order's description), which command, whether it was acknowledged
(a 2xx answer), and the order version the answer reported.
Checks: every acknowledged command present exactly once (at the acknowledged version); nothing present
twice; unacknowledged commands wholly present or absent (the order's event and its volunteer's event
together); each aggregate's versions contiguous from 1; replay equals the live views; the audit chain verifies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import open_app_and_model
from projections.views.paging import notifications

EVENT_OF = {"place": "Placed", "dispatch": "Dispatched", "accept": "Accepted", "start": "ServiceStarted",
            "complete": "ServiceCompleted", "review": "Reviewed"}
# Commands that change the volunteer in the same save: order event → the volunteer's event for that order.
PAIRED = {"Accepted": "OrderTaken", "ServiceCompleted": "ServiceCredited", "Reviewed": "Rated"}


@dataclass(frozen=True)
class Attempt:
    chain: str  # the chain's key, carried in the order's description
    command: str
    acknowledged: bool
    version: int | None = None


@dataclass
class Stored:
    """The whole event log, decoded once."""

    versions: dict[Any, list[int]]
    types: dict[Any, list[str]]
    orders_by_chain: dict[str, list[Any]]
    volunteer_links: Counter[tuple[str, Any]]  # (volunteer event type, order id) → count
    positions: int


def read_store(app: Any) -> Stored:
    versions: dict[Any, list[int]] = defaultdict(list)
    types: dict[Any, list[str]] = defaultdict(list)
    chains: dict[str, list[Any]] = defaultdict(list)
    links: Counter[tuple[str, Any]] = Counter()
    count = 0
    for count, notification in enumerate(notifications(app.recorder), start=1):
        event = app.mapper.to_domain_event(notification)
        name = type(event).__name__
        versions[event.originator_id].append(event.originator_version)
        types[event.originator_id].append(name)
        if name == "Placed":
            chains[event.description].append(event.originator_id)
        if name in PAIRED.values():
            links[(name, event.order_id)] += 1
    return Stored(versions, types, chains, links, count)


def contiguity_problems(stored: Stored) -> list[str]:
    return [f"aggregate {aid}: versions {v[:5]}… not 1..{len(v)}" for aid, v in stored.versions.items()
            if sorted(v) != list(range(1, len(v) + 1))]


def command_problems(stored: Stored, attempts: list[Attempt]) -> list[str]:
    problems = []
    for attempt in attempts:
        orders = stored.orders_by_chain.get(attempt.chain, [])
        if len(orders) > 1:
            problems.append(f"chain {attempt.chain}: {len(orders)} orders placed for one key")
            continue
        present = Counter(stored.types[orders[0]]) if orders else Counter()
        times = present[EVENT_OF[attempt.command]]
        if times > 1:
            problems.append(f"chain {attempt.chain}: {attempt.command} stored {times} times")
        if attempt.acknowledged and times != 1:
            problems.append(f"chain {attempt.chain}: acknowledged {attempt.command} stored {times} times")
        elif attempt.acknowledged and attempt.version is not None:
            types = stored.types[orders[0]]
            if attempt.version > len(types) or types[attempt.version - 1] != EVENT_OF[attempt.command]:
                problems.append(f"chain {attempt.chain}: {attempt.command} not at acknowledged v{attempt.version}")
    return problems


def atomicity_problems(stored: Stored) -> list[str]:
    """Each order event that changes a volunteer is stored together with that volunteer's event, or neither."""
    problems = []
    for orders in stored.orders_by_chain.values():
        for order_id in orders:
            present = Counter(stored.types[order_id])
            for order_event, volunteer_event in PAIRED.items():
                if present[order_event] != stored.volunteer_links[(volunteer_event, order_id)]:
                    problems.append(f"order {order_id}: {present[order_event]} {order_event} but "
                                    f"{stored.volunteer_links[(volunteer_event, order_id)]} {volunteer_event}")
    return problems


def view_problems(app: Any, model: Any) -> list[str]:
    model.catch_up()
    differences = list(model.replay())
    report = model.verify()
    problems = [f"replay differs: {d.table} {d.key}" for d in differences[:5]]
    if not report.ok:
        problems.append(f"audit verify failed at {report.first_bad_position}: {report.reason}")
    return problems


def check(url: str, var_dir: Path, attempts: list[Attempt]) -> dict[str, Any]:
    """Every check on the store; returns counts and the problems found (an empty list means all passed)."""
    app, model = open_app_and_model(url, var_dir)
    try:
        stored = read_store(app)
        problems = [*contiguity_problems(stored), *command_problems(stored, attempts),
                    *atomicity_problems(stored), *view_problems(app, model)]
    finally:
        model.close()
        app.close()
    acknowledged = sum(a.acknowledged for a in attempts)
    return {"events": stored.positions, "aggregates": len(stored.versions), "commands": len(attempts),
            "acknowledged": acknowledged, "unacknowledged": len(attempts) - acknowledged,
            "problems": problems[:20], "problem_count": len(problems)}
