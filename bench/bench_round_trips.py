"""Round trips to PostgreSQL per HTTP request: what psycopg sends for each POST of the order chain and for the GETs,
by statement kind, from the event store's pool ("store") and from the views' and key store's engines ("views").

Counted, not timed (tests/statements.py patches psycopg while it runs); each request is counted on the third of
three identical chains, so one-off work (first-use PREPAREs, the first catch-up) is left out.
Run: PYTHONPATH=. .venv/bin/python bench/bench_round_trips.py [--database-url postgresql://...]
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from common import DEFAULT_POSTGRES_URL, emit, parse_args, scratch_store
from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.web.app import close_app, create_app
from tests.conftest import START
from tests.interfaces.web.world import POST, RESIDENT, World
from tests.statements import Statements

CHAINS = 3


ORDER = "/api/v1/orders/{id}"
REQUESTS = [  # (name, who, method, path, body); {id} is the order the chain placed
    ("POST place", "channel", "POST", "/api/v1/orders",
     {"category": "health", "site_id": POST, "description": "bench", "resident": RESIDENT}),
    ("POST dispatch", "dispatcher", "POST", ORDER + "/dispatch", "volunteer"),
    ("POST accept", "volunteer", "POST", ORDER + "/accept", {}),
    ("POST start", "volunteer", "POST", ORDER + "/start", {}),
    ("POST complete", "volunteer", "POST", ORDER + "/complete", {"service_minutes": 10}),
    ("POST review", "channel", "POST", ORDER + "/review", {"rating": 5}),
    ("GET order", "channel", "GET", ORDER, None),
    ("GET orders (folds the chain)", "dispatcher", "GET", "/api/v1/orders", None),
    ("GET orders (nothing new)", "dispatcher", "GET", "/api/v1/orders", None),
    ("GET order history", "channel", "GET", ORDER + "/history", None),
    ("GET volunteers", "dispatcher", "GET", "/api/v1/volunteers", None),
]


def count(url: str, var_dir: Path) -> list[dict[str, Any]]:
    clock = ManualClock(START)
    web = create_app({"SETTINGS": Settings(database_url=url, var_dir=var_dir), "CLOCK": clock, "TESTING": True})
    try:
        world, rows = World.build(web, web.test_client(), clock), []
        with Statements() as seen:
            for chain in range(CHAINS):
                order_id = ""
                for name, who, method, path, body in REQUESTS:
                    body = {"volunteer_id": world.volunteer_id} if body == "volunteer" else body
                    seen.reset()
                    response = world.call(who, method, path.format(id=order_id), body)
                    assert response.status_code < 300, (name, response.status_code, response.get_json())
                    order_id = order_id or response.get_json()["id"]
                    if chain == CHAINS - 1:
                        rows.append({"request": name, "store_round_trips": seen.total("store"),
                                     "views_round_trips": seen.total("views"), "store": dict(seen.of("store")),
                                     "views": dict(seen.of("views"))})
        return rows
    finally:
        close_app(web)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    for base in args.database_urls or [DEFAULT_POSTGRES_URL]:
        with scratch_store(base, "round_trips") as url:
            for row in count(url, Path(tempfile.mkdtemp(prefix="civicflow-rt-"))):
                emit({"bench": "round_trips", **row})


if __name__ == "__main__":
    main()
