"""Open311: p50/p99 of `GET /open311/v2/requests.json` (through the Flask app, in-process) by order count.

Each size is a scratch store whose order_board view is filled with synthetic rows, written straight into the
view in bulk (placed over the last 365 days, spread over the district's posts, categories and statuses): the
application's own write path builds ~10,000 orders a minute here, too slow for a million, and GET requests
reads only this view. Query shapes:
- `default`: no parameters, i.e. the most recent 90 days, the first 1,000 results (the specification's limit);
- `service_status`: `service_code=health&status=open&page_size=50` (the category index, tables.py; 50 results
  at every size, so that the sizes compare the query and not the length of the answer);
- `page`: `page=3&page_size=50` (the extensions' paging).
Baseline, side by side in every run: `GET services.json` (the same app and request path, no query).
The summary's "ratio" is p99 at the largest size ÷ p99 at the smallest, per shape (target ≤ 1.5).

Run: .venv/bin/python bench/bench_open311.py [--quick] [--database-url URL] [--orders 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text

from common import emit, machine, median, note, parse_args, percentile, scratch_store, store_facts, store_kinds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for create_app

from application.settings import Settings  # noqa: E402
from domain.order import STATUSES  # noqa: E402
from interfaces.web.app import close_app, create_app  # noqa: E402

SHAPES = {"default": "", "service_status": "service_code=health&status=open&page_size=50",
          "page": "page=3&page_size=50"}
BASELINE = "/open311/v2/services.json"
BATCH = 5_000


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, help="the large size (default 1,000,000; --quick 20,000)")
    parser.add_argument("--samples", type=int, help="requests per shape and run (default 40, --quick 10)")


@contextmanager
def filled_app(base: str, orders: int) -> Iterator[Any]:
    with scratch_store(base, "open311") as url:
        var_dir = Path(tempfile.mkdtemp(prefix="civicflow-open311-var-"))
        app = create_app({"SETTINGS": Settings(database_url=url, var_dir=var_dir)})
        try:
            started = time.perf_counter()
            fill_board(app, orders)
            note(f"{url}: {orders} rows written in {time.perf_counter() - started:.0f} s")
            yield app
        finally:
            close_app(app)
            shutil.rmtree(var_dir, ignore_errors=True)


def fill_board(app: Any, orders: int) -> None:
    model = app.extensions["civicflow.read_model"]
    model.catch_up()  # the sites and catalogue first, as a real store has them
    posts = [site.code for site in app.extensions["civicflow"].sites if site.level == "post"]
    codes = list(app.extensions["civicflow"].categories)
    now, rng = datetime.now(timezone.utc), random.Random(311)
    table = model.tables.order_board
    with model.engine.begin() as conn:
        for start in range(0, orders, BATCH):
            conn.execute(table.insert(), [synthetic_row(rng, now, posts, codes)
                                          for _ in range(min(BATCH, orders - start))])
    if model.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load: without statistics
        with model.engine.begin() as conn:  # the planner sorts the 90 days instead of reading the index backwards
            conn.execute(text(f'ANALYZE "{table.name}"'))


def synthetic_row(rng: random.Random, now: datetime, posts: list[str], codes: list[str]) -> dict[str, Any]:
    placed = now - timedelta(seconds=rng.randrange(365 * 86_400))
    site, status = rng.choice(posts), rng.choice(STATUSES)
    return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "status": status,
            "category": rng.choice(codes), "site_id": site, "responsible_site_id": site, "description": "量血压",
            "channel": "bench", "priority": "normal", "resident": {"name": "x", "phone": "x", "address": None},
            "placed_at": placed, "updated_at": placed, "escalations": [], "dispatch_by": placed + timedelta(hours=2),
            "complete_by": placed + timedelta(days=7), "version": 1}


def latencies_ms(client: Any, path: str, samples: int) -> list[float]:
    values = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(path)
        values.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.data[:300]
    return values


def measure_size(base: str, orders: int, args: argparse.Namespace) -> dict[str, float]:
    samples = args.samples or (10 if args.quick else 40)
    runs: dict[str, list[tuple[float, float]]] = {}
    with filled_app(base, orders) as app:
        client = app.test_client()
        for run in range(args.runs):
            paths = {"baseline_services": BASELINE,
                     **{name: f"/open311/v2/requests.json?{query}" for name, query in SHAPES.items()}}
            for name, path in paths.items():
                values = latencies_ms(client, path, samples)
                runs.setdefault(name, []).append((percentile(values, 0.5), percentile(values, 0.99)))
            note(f"{orders} orders: run {run + 1}/{args.runs}")
        results = len(client.get("/open311/v2/requests.json").get_json())
    facts = {**store_facts(base), "orders": orders, "samples": samples, "runs": args.runs,
             "default_results": results, "load_average": list(os.getloadavg())}
    p99 = {}
    for name, pairs in runs.items():
        p50, p99[name] = median([p[0] for p in pairs]), median([p[1] for p in pairs])
        emit({"bench": "open311", "query": name, **facts, "p50_ms": round(p50, 2), "p99_ms": round(p99[name], 2)})
    return p99


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    sizes = (1_000, args.orders or 20_000) if args.quick else (10_000, args.orders or 1_000_000)
    for base in store_kinds(args):
        p99 = {size: measure_size(base, size, args) for size in sizes}
        small, large = sizes
        emit({"bench": "open311", "summary": True, "machine": machine(), **store_facts(base), "sizes": list(sizes),
              **{f"p99_ms_{name}_at_{size}": round(p99[size][name], 2) for size in sizes for name in p99[size]},
              "ratio": {name: round(p99[large][name] / p99[small][name], 3) for name in SHAPES},
              "baseline_ratio": round(p99[large]["baseline_services"] / p99[small]["baseline_services"], 3)})


if __name__ == "__main__":
    main()
