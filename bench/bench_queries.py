"""Queries: p50/p99 of the order board, filtered by site and status, first page and a deep cursor, by size.

Each size is a store holding the seeded demo district with its views caught up: built here in a scratch
store (`civicflow demo`), or given with `--store-at ORDERS=URL` (e.g. a prebuilt 100,000-order store).
Query shapes (50 rows a page, as the API serves them):
- `first_page`: the orders of a station's jurisdiction (the station and its posts) in one status;
- `deep_cursor`: the page after following the cursor `--depth` pages into a station's jurisdiction.
Both ask as the API asks for a dispatcher's jurisdiction: by its root site (`jurisdiction=`). With `--site-list`
they send the request the API sent before: the expanded list of the jurisdiction's sites (`site_ids=`, an
order's site or responsible site among them), answered by the present code (not the code of before).
The summary's "ratio" is p99 at the largest size ÷ p99 at the smallest (the target: ≤ 1.5, and < 20 ms).

Run: .venv/bin/python bench/bench_queries.py [--quick] [--database-url URL] [--store-at 100000=sqlite:////tmp/x.db]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import (demo_store, emit, machine, median, note, open_app_and_model, parse_args, percentile,
                    store_facts, store_kinds)

STATUSES = ("placed", "reviewed", "closed", "dispatched")


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store-at", action="append", default=[], metavar="ORDERS=URL",
                        help="use a prebuilt store (views caught up) for that size")
    parser.add_argument("--depth", type=int, default=20, help="pages followed before the deep-cursor query")
    parser.add_argument("--site-list", action="store_true", help="filter by the expanded site list instead")
    parser.add_argument("--samples", type=int, help="queries per shape and run (default 300, --quick 60)")


@contextmanager
def sized_store(base: str, orders: int, prebuilt: dict[int, str]) -> Iterator[tuple[str, Path]]:
    if orders in prebuilt:
        url = prebuilt[orders]
        yield url, Path(url.split("///", 1)[-1]).parent if url.startswith("sqlite") else Path(tempfile.gettempdir())
        return
    with demo_store(base, orders, max(200, orders // 5), "queries", views=True) as store:
        yield store


def shapes(model: Any, sites: Any, depth: int, site_list: bool) -> dict[str, Callable[[int], Any]]:
    stations = [site.code for site in sites if site.level == "station"]
    now = datetime.now(timezone.utc)
    reach = {s: {"site_ids": sites.subtree(s)} if site_list else {"jurisdiction": s} for s in stations}

    def first_page(i: int) -> Any:
        station = stations[i % len(stations)]
        return model.orders(**reach[station], status=STATUSES[i % len(STATUSES)], now=now)

    deep = [deep_cursor(model, reach[station], depth, now) for station in stations]

    def deep_page(i: int) -> Any:
        where, cursor = deep[i % len(deep)]
        return model.orders(**where, cursor=cursor, now=now)

    return {"first_page": first_page, "deep_cursor": deep_page}


def deep_cursor(model: Any, where: dict[str, Any], depth: int, now: datetime) -> tuple[dict[str, Any], str | None]:
    cursor = None
    for _ in range(depth):
        _, next_cursor = model.orders(**where, cursor=cursor, now=now)
        if next_cursor is None:
            break
        cursor = next_cursor
    return where, cursor


def load_average() -> list[float]:
    return [round(load, 2) for load in os.getloadavg()]


def latencies_ms(query: Callable[[int], Any], samples: int) -> list[float]:
    values = []
    for i in range(samples):
        started = time.perf_counter()
        query(i)
        values.append((time.perf_counter() - started) * 1000)
    return values


def measure_size(base: str, orders: int, args: argparse.Namespace, prebuilt: dict[int, str]) -> dict[str, Any]:
    samples = args.samples or (60 if args.quick else 300)
    with sized_store(base, orders, prebuilt) as (url, var_dir):
        app, model = open_app_and_model(url, var_dir)
        model.catch_up()
        runs: dict[str, list[tuple[float, float]]] = {}
        for run in range(args.runs):
            for name, query in shapes(model, app.sites, args.depth, args.site_list).items():
                values = latencies_ms(query, samples)
                runs.setdefault(name, []).append((percentile(values, 0.5), percentile(values, 0.99)))
            note(f"{url}: {orders} orders, run {run + 1}/{args.runs}")
        model.close()
        app.close()
    facts = {**store_facts(url), "orders": orders, "samples": samples, "runs": args.runs,
             "filter": "site_list" if args.site_list else "jurisdiction", "load_average": load_average()}
    result = {}
    for name, pairs in runs.items():
        p50, p99 = median([p[0] for p in pairs]), median([p[1] for p in pairs])
        emit({"bench": "queries", "query": name, **facts, "p50_ms": round(p50, 2), "p99_ms": round(p99, 2)})
        result[name] = p99
    return result


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    prebuilt = {int(size): url for size, url in (item.split("=", 1) for item in args.store_at)}
    sizes = sorted({1_000 if args.quick else 10_000, *prebuilt})
    for base in store_kinds(args):
        kind = store_facts(base)["store"]
        mine = {size: url for size, url in prebuilt.items() if store_facts(url)["store"] == kind}
        p99 = {size: measure_size(base, size, args, mine) for size in sizes if size in mine or size == sizes[0]}
        small, large = min(p99), max(p99)
        emit({"bench": "queries", "summary": True, "machine": machine(), **store_facts(base),
              "filter": "site_list" if args.site_list else "jurisdiction", "load_average": load_average(),
              "sizes": sorted(p99), **{f"p99_ms_{name}_at_{size}": round(p99[size][name], 2)
                                       for size in sorted(p99) for name in p99[size]},
              "ratio": round(max(p99[large][n] / p99[small][n] for n in p99[small]), 3) if large != small else None})


if __name__ == "__main__":
    main()
