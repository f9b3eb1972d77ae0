"""Console queue: p50/p99 of the dispatcher's queue page (GET /console/queue, HTML, in-process test client) against
baselines in the same run: the API's plain order list (GET /api/v1/orders, same jurisdiction) and the raw SELECT
of the queue's first page.

The board is filled with synthetic rows written straight into order_board (placed over 90 days at every post,
30 % open, 5 % of those escalated), not by replaying events: building the views from a million orders' events
takes hours on this machine, and the queue reads only the view. The queue's partial indexes
(projections/views/queue_order.py) are created with the table, as in production.

Run: .venv/bin/python bench/bench_console_queue.py [--orders 200000] [--samples 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from common import emit, machine, median, note, percentile

START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
OPEN = ("placed", "dispatched", "accepted", "in_service")
CLOSED = ("completed", "reviewed", "closed", "cancelled")


def board_rows(count: int, posts: list[tuple[str, str, str]], seed: int = 7) -> Any:
    """(post, its station, the center) triples → synthetic board rows, in batches."""
    rng, batch = random.Random(seed), []
    for i in range(count):
        post, station, center = posts[i % len(posts)]
        placed = START - timedelta(minutes=rng.randrange(90 * 24 * 60))
        status = rng.choice(OPEN) if rng.random() < 0.3 else rng.choice(CLOSED)
        escalated = status in OPEN and rng.random() < 0.05
        batch.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "status": status, "category": "health",
            "site_id": post, "responsible_site_id": station if escalated else post, "description": "-",
            "channel": "district-app", "priority": "urgent" if rng.random() < 0.1 else "normal",
            "resident": {"name": "x", "phone": "x"}, "placed_at": placed, "escalations": [],
            "dispatch_by": placed + timedelta(hours=2), "accept_by": placed + timedelta(hours=3),
            "complete_by": placed + timedelta(days=7), "version": 1, "ancestor_0": center, "ancestor_1": station,
        })
        if len(batch) == 10_000:
            yield batch
            batch = []
    if batch:
        yield batch


def fill_board(web: Any, count: int) -> str:
    """Write the rows; returns the busiest station (the one the dispatcher works at)."""
    app, model = web.extensions["civicflow"], web.extensions["civicflow.read_model"]
    model.catch_up()
    sites = app.sites
    # post → (post, station, center): the board's site and ancestor columns (center at depth 0, station at 1)
    posts = [(s.code, *sites.ancestors(s.code)[:2]) for s in sites if s.level == "post"]
    posts = [(post, station, center) for post, station, center in posts]
    started = time.perf_counter()
    with model.engine.begin() as conn:
        for batch in board_rows(count, posts):
            conn.execute(insert(model.tables.order_board), batch)
    note(f"{count} board rows in {time.perf_counter() - started:.1f} s")
    return posts[0][1]


def timed(call: Any, samples: int) -> tuple[float, float]:
    values = []
    for i in range(samples):
        started = time.perf_counter()
        call(i)
        values.append((time.perf_counter() - started) * 1000)
    return percentile(values, 0.5), percentile(values, 0.99)


def shapes(web: Any, station: str) -> dict[str, Any]:
    from application.accounts import Accounts
    from application.tokens import TokenBook

    app, model = web.extensions["civicflow"], web.extensions["civicflow.read_model"]
    password, _ = Accounts(app).create("bench", "dispatcher", site_id=station, password="bench's own password",
                                       actor="bench")
    secret, _ = TokenBook(app).issue("dispatcher", site_id=station, actor="bench")
    console, api = web.test_client(), web.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', console.get("/console/sign-in").get_data(as_text=True))
    console.post("/console/sign-in", data={"name": "bench", "password": password, "csrf_token": token.group(1)})
    headers = {"Authorization": f"Bearer {secret}"}
    first = model.queue(jurisdiction=station, now=app.clock.now())
    table, cursor = model.tables.order_board, first[1]

    def ok(response: Any) -> None:
        assert response.status_code == 200, response.status_code

    def raw(_: int) -> None:
        from projections.views.queue_order import is_open, queue_key
        with model.engine.connect() as conn:
            conn.execute(select(table).where(is_open(table), table.c.ancestor_1 == station)
                         .order_by(*queue_key(table)).limit(51)).all()

    return {
        "raw_select_queue_page": raw,
        "api_orders_list": lambda i: ok(api.get("/api/v1/orders?limit=50", headers=headers)),
        "console_queue_page": lambda i: ok(console.get("/console/queue")),
        "console_queue_next_page": lambda i: ok(console.get(f"/console/queue?cursor={cursor}")),
        "console_queue_filtered": lambda i: ok(console.get("/console/queue?status=placed&category=health")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from application.persistence.clock import ManualClock
    from application.settings import Settings
    from interfaces.web.app import close_app, create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    web = create_app({"SETTINGS": Settings(database_url=f"sqlite:///{folder / 'civicflow.db'}",
                                           var_dir=folder / "var"), "CLOCK": ManualClock(START)})
    try:
        station = fill_board(web, args.orders)
        logging.getLogger("civicflow.http").disabled = True  # a log line per request would be measured too
        calls = shapes(web, station)
        runs: dict[str, list[tuple[float, float]]] = {}
        for run in range(args.runs):
            for name, call in calls.items():
                runs.setdefault(name, []).append(timed(call, args.samples))
            note(f"run {run + 1}/{args.runs}")
        report(runs, args, station)
    finally:
        close_app(web)
        shutil.rmtree(folder, ignore_errors=True)  # a million rows take gigabytes


def report(runs: dict[str, list[tuple[float, float]]], args: argparse.Namespace, station: str) -> None:
    baseline = median([p99 for _, p99 in runs["api_orders_list"]])
    for name, pairs in runs.items():
        p50, p99 = median([p[0] for p in pairs]), median([p[1] for p in pairs])
        emit({"bench": "console_queue", "shape": name, "store": "sqlite", "orders": args.orders, "station": station,
              "samples": args.samples, "runs": args.runs, "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
              "p99_vs_api_list": round(p99 / baseline, 2), "machine": machine()})


if __name__ == "__main__":
    main()
