"""Auto-dispatch latency with a district's worth of volunteers (140,000; --quick: 14,000).

Volunteers (1–3 skills of the catalogue, 90% available, homes spread over the 187 sites) are saved in
batches and folded into volunteer_roster; then orders at random sites and categories are dispatched,
each timed. Baseline, in the same run and store: `dispatch_order` of the same kind of order to a volunteer
named by the caller (no ranking) — `ratio_p50` is auto ÷ manual at the median.

Run: .venv/bin/python bench/bench_auto_dispatch.py [--quick] [--database-url URL] [--orders N]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timezone
from pathlib import Path

from common import emit, machine, note, parse_args, percentile, scratch_store, store_facts, store_kinds

from application.app import CivicFlow
from interfaces.bootstrap import application, open_read_model, wire_ports
from application.reference import bundled_sites, catalogue
from application.settings import Settings
from domain.volunteer import Volunteer

RESIDENT = {"name": "王女士", "phone": "13800000000", "address": "古城街道 1 号"}
BATCH = 2000


def populate(app: CivicFlow, count: int, rng: random.Random) -> None:
    sites, skills = [s["id"] for s in bundled_sites()], sorted(catalogue())
    at = datetime.now(timezone.utc)
    for start in range(0, count, BATCH):
        batch = []
        for i in range(start, min(count, start + BATCH)):
            v = Volunteer.register(f"志愿者{i}", f"139{i:08d}", rng.choice(sites), rng.sample(skills, rng.randint(1, 3)),
                                   actor="admin:bench", at=at)
            if rng.random() < 0.1:
                v.set_availability(False, actor="admin:bench", at=at)
            batch.append(v)
        app.save(*batch)


def timed_dispatches(app: CivicFlow, orders: int, rng: random.Random, auto: bool) -> list[float]:
    sites, skills = [s["id"] for s in bundled_sites()], sorted(catalogue())
    manual_target = None if auto else app.register_volunteer("基准", "13700000000", sites[0], skills,
                                                             capacity=10, actor="admin:bench").id
    times = []
    for _ in range(orders):
        order = app.place_order(rng.choice(skills), rng.choice(sites), "bench", RESIDENT, "bench",
                                actor="channel:bench").id
        started = time.perf_counter()
        if auto:
            app.auto_dispatch_order(order, actor="dispatcher:bench")
        else:
            app.dispatch_order(order, manual_target, actor="dispatcher:bench")
        times.append(time.perf_counter() - started)
    return times


def measure(base: str, volunteers: int, orders: int) -> None:
    with scratch_store(base, "autodispatch") as url:
        app = application(Settings(database_url=url, var_dir=Path("/tmp/civicflow-bench-var")), reference_data=False)
        app.load_reference_data()
        rng = random.Random(7)
        started = time.perf_counter()
        populate(app, volunteers, rng)
        model = open_read_model(app)
        model.catch_up()
        note(f"{volunteers} volunteers saved and projected in {time.perf_counter() - started:.1f} s")
        wire_ports(app, model)
        manual = timed_dispatches(app, orders, rng, auto=False)
        auto = timed_dispatches(app, orders, rng, auto=True)
        model.close()
        app.close()
    ms = {name: {"p50": round(percentile(t, 0.5) * 1000, 2), "p99": round(percentile(t, 0.99) * 1000, 2)}
          for name, t in (("auto", auto), ("manual", manual))}
    emit({"measurement": "auto_dispatch_ms", **store_facts(url), "volunteers": volunteers, "orders": orders,
          **ms, "ratio_p50": round(ms["auto"]["p50"] / ms["manual"]["p50"], 2), "machine": machine()})


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=None, help="orders dispatched per kind (default 500; quick 100)")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    volunteers = 14_000 if args.quick else 140_000
    orders = args.orders or (100 if args.quick else 500)
    for base in store_kinds(args):
        measure(base, volunteers, orders)


if __name__ == "__main__":
    main()
