"""A writer process for the two-process SQLite drill: order chains through the application itself.

Each command carries an idempotency key and is retried with it after a lost race or a busy store
(bounded); every attempt's outcome is logged to a JSON Lines journal as the drill's `Attempt`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from application.app import CivicFlow
from interfaces.bootstrap import application
from application.errors import ConcurrencyConflict, StoreUnavailable
from application.reference import catalogue
from application.settings import Settings

RESIDENT = {"name": "王女士", "phone": "13800000000", "address": "古城街道 1 号"}
RETRIES = 200
CHANNEL, DISPATCHER = "channel:drill", "dispatcher:drill"


def retried(command: Callable[[], Any]) -> Any:
    """Retry a keyed command after a lost race or a busy store: the key makes a retry safe."""
    for attempt in range(RETRIES):
        try:
            return command()
        except (ConcurrencyConflict, StoreUnavailable):
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.01)
    return None


def chain_commands(app: CivicFlow, chain: str, volunteer: UUID) -> list[tuple[str, Callable[..., Any]]]:
    category = next(iter(catalogue()))
    site = next(s.code for s in app.sites if s.level == "post")
    actor = f"volunteer:{volunteer}"
    return [("place", lambda _, key: app.place_order(category, site, chain, RESIDENT, "app", actor=CHANNEL,
                                                      idempotency_key=key)),
            ("dispatch", lambda o, key: app.dispatch_order(o, volunteer_id=volunteer, actor=DISPATCHER,
                                                           idempotency_key=key)),
            ("accept", lambda o, key: app.accept_order(o, volunteer, actor=actor, idempotency_key=key)),
            ("start", lambda o, key: app.start_service(o, volunteer, actor=actor, idempotency_key=key)),
            ("complete", lambda o, key: app.complete_service(o, volunteer, 10, actor=actor, idempotency_key=key)),
            ("review", lambda o, key: app.review_order(o, 5, actor=CHANNEL, idempotency_key=key))]


def run_chain(app: CivicFlow, volunteer: UUID, log: Callable[[dict[str, Any]], None]) -> None:
    chain, order_id = f"drill-{uuid.uuid4()}", None
    for name, command in chain_commands(app, chain, volunteer):
        try:
            result = retried(lambda: command(order_id, f"{chain}-{name}"))
        except Exception:  # noqa: BLE001 — the drill logs any refusal as unacknowledged and moves on
            log({"chain": chain, "command": name, "acknowledged": False, "version": None})
            return
        log({"chain": chain, "command": name, "acknowledged": True, "version": result.version})
        order_id = order_id or result.id


def run_chains(url: str, var_dir: Path, volunteers: list[str], chains: int, journal: Path) -> None:
    app = application(Settings(database_url=url, var_dir=var_dir), reference_data=False)
    with journal.open("a", encoding="utf-8") as out:
        def log(entry: dict[str, Any]) -> None:
            out.write(json.dumps(entry) + "\n")
            out.flush()

        for i in range(chains):
            run_chain(app, UUID(volunteers[i % len(volunteers)]), log)
    app.close()
