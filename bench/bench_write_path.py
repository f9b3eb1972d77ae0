"""Write path: the full order chain through CivicFlow ÷ the raw eventsourcing library doing the same work.

One chain = place, dispatch, accept, start, complete, review: 6 saves, 9 events, 2 aggregates (the order
and its volunteer). Both sides start from an empty store of the same kind (SQLite file or PostgreSQL
schema), use the same domain aggregates and the same pool of volunteers, and run the same number of chains.

Baselines, measured in the same run:
- `raw_library` (the "ratio" baseline): a plain `eventsourcing.application.Application` with the library's
  defaults, each step `repository.get` → domain method → `save` (what the application must do too);
- `raw_appends`: the same saves of the same events, with the aggregates kept in memory (no reads at all):
  the floor of the store itself, reported as `ratio_vs_appends`.

Run: .venv/bin/python bench/bench_write_path.py [--quick] [--database-url URL] [--profile]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

from common import emit, machine, median, note, parse_args, scratch_store, store_facts, store_kinds, timed

from interfaces.bootstrap import application
from application.reference import bundled_sites, catalogue
from application.settings import Settings
from domain.order import Order
from domain.volunteer import Volunteer
from eventsourcing.application import Application

EVENTS_PER_CHAIN = 9
SAVES_PER_CHAIN = 6
VOLUNTEERS = 20
CHANNEL, DISPATCHER, VOLUNTEER = "channel:bench", "dispatcher:bench", "volunteer:bench"
RESIDENT = {"name": "王女士", "phone": "13800000000", "address": "古城街道 1 号"}


def now() -> datetime:
    return datetime.now(timezone.utc)


def category_and_site() -> tuple[str, str]:
    return next(iter(catalogue())), bundled_sites()[-1]["id"]


def new_volunteer(i: int, site: str, category: str) -> Volunteer:
    return Volunteer.register(f"志愿者{i}", f"1390000{i:04d}", site, [category], 3, actor="admin:bench", at=now())


# --- the application -------------------------------------------------------------------------------

def civicflow_side(url: str, var_dir: Path) -> Callable[[int], None]:
    app = application(Settings(database_url=url, var_dir=var_dir), reference_data=False)
    app.load_reference_data()
    category, site = category_and_site()
    volunteers = [app.register_volunteer(f"志愿者{i}", f"1390000{i:04d}", site, [category], actor="admin:bench").id
                  for i in range(VOLUNTEERS)]

    def chain(i: int) -> None:
        volunteer = volunteers[i % VOLUNTEERS]
        order = app.place_order(category, site, "bench order", RESIDENT, "app", actor=CHANNEL).id
        app.dispatch_order(order, volunteer_id=volunteer, actor=DISPATCHER)
        app.accept_order(order, volunteer, actor=VOLUNTEER)
        app.start_service(order, volunteer, actor=VOLUNTEER)
        app.complete_service(order, volunteer, 10, actor=VOLUNTEER)
        app.review_order(order, 5, actor=CHANNEL)

    chain.app = app  # type: ignore[attr-defined]
    return chain


# --- the raw library --------------------------------------------------------------------------------

class RawLibrary(Application):
    name = "rawbench"


def raw_side(url: str, var_dir: Path) -> Callable[[int], None]:
    raw = RawLibrary(env=Settings(database_url=url, var_dir=var_dir).store.eventsourcing_env())
    category, site = category_and_site()
    volunteers = [new_volunteer(i, site, category) for i in range(VOLUNTEERS)]
    raw.save(*volunteers)
    ids = [v.id for v in volunteers]
    get = raw.repository.get

    def chain(i: int) -> None:
        vid = ids[i % VOLUNTEERS]
        order = place(category, site)
        raw.save(order)
        order = get(order.id)
        order.dispatch(volunteer_id=vid, accept_by=now(), actor=DISPATCHER, at=now())
        raw.save(order)
        order, volunteer = get(order.id), get(vid)
        order.accept(volunteer, None, actor=VOLUNTEER, at=now())
        raw.save(order, volunteer)
        order, volunteer = get(order.id), get(vid)
        order.start_service(volunteer, actor=VOLUNTEER, at=now())
        raw.save(order)
        finish(raw, get(order.id), get(vid))

    chain.app = raw  # type: ignore[attr-defined]
    return chain


def place(category: str, site: str) -> Order:
    at = now()
    return Order.place(uuid4(), category=category, site_id=site, description="bench order", channel="app",
                       priority="normal", resident=RESIDENT, window=None, dispatch_by=at, complete_by=at,
                       actor=CHANNEL, at=at)


def finish(raw: Application, order: Order, volunteer: Volunteer) -> None:
    order.complete_service(volunteer, 10, None, review_by=now(), actor=VOLUNTEER, at=now())
    raw.save(order, volunteer)
    order, volunteer = raw.repository.get(order.id), raw.repository.get(volunteer.id)
    order.review(volunteer, 5, None, actor=CHANNEL, at=now())
    raw.save(order, volunteer)


def appends_side(url: str, var_dir: Path) -> Callable[[int], None]:
    """The same saves with no reads: aggregates stay in memory between steps."""
    raw = RawLibrary(env=Settings(database_url=url, var_dir=var_dir).store.eventsourcing_env())
    category, site = category_and_site()
    volunteers = [new_volunteer(i, site, category) for i in range(VOLUNTEERS)]
    raw.save(*volunteers)

    def chain(i: int) -> None:
        volunteer = volunteers[i % VOLUNTEERS]
        order = place(category, site)
        raw.save(order)
        order.dispatch(volunteer_id=volunteer.id, accept_by=now(), actor=DISPATCHER, at=now())
        raw.save(order)
        order.accept(volunteer, None, actor=VOLUNTEER, at=now())
        raw.save(order, volunteer)
        order.start_service(volunteer, actor=VOLUNTEER, at=now())
        raw.save(order)
        finish_in_memory(raw, order, volunteer)

    chain.app = raw  # type: ignore[attr-defined]
    return chain


def finish_in_memory(raw: Application, order: Order, volunteer: Volunteer) -> None:
    order.complete_service(volunteer, 10, None, review_by=now(), actor=VOLUNTEER, at=now())
    raw.save(order, volunteer)
    order.review(volunteer, 5, None, actor=CHANNEL, at=now())
    raw.save(order, volunteer)


SIDES: dict[str, Callable[[str, Path], Callable[[int], None]]] = {
    "civicflow": civicflow_side, "raw_library": raw_side, "raw_appends": appends_side}


# --- running ----------------------------------------------------------------------------------------

def run_once(side: str, base: str, chains: int) -> float:
    """Chains per second for one side, on a fresh store."""
    with scratch_store(base, "write") as url:
        var_dir = Path(url.split("///", 1)[-1]).parent if url.startswith("sqlite") else Path("/tmp")
        chain = SIDES[side](url, var_dir)
        try:
            seconds = timed(lambda: [chain(i) for i in range(chains)])
        finally:
            chain.app.close()  # type: ignore[attr-defined]
    return chains / seconds


def measure_store(base: str, args: argparse.Namespace) -> dict[str, Any]:
    chains = 40 if args.quick else 300
    rates: dict[str, list[float]] = {side: [] for side in SIDES}
    for run in range(args.runs):
        for side in SIDES:  # interleaved, so drift hits every side alike
            rates[side].append(run_once(side, base, chains))
        note(f"{base}: run {run + 1}/{args.runs} done")
    facts = store_facts(base)
    for side, values in rates.items():
        emit({"bench": "write_path", "side": side, **facts, "chains": chains, "runs": args.runs,
              "chains_per_s": round(median(values), 1), "events_per_s": round(median(values) * EVENTS_PER_CHAIN),
              "all_chains_per_s": [round(v, 1) for v in values]})
    app, raw, appends = (median(rates[s]) for s in SIDES)
    return {**facts, "chains_per_s": round(app, 1), "raw_library_chains_per_s": round(raw, 1),
            "raw_appends_chains_per_s": round(appends, 1),
            "ratio": paired_ratio(rates["civicflow"], rates["raw_library"]),
            "ratio_vs_appends": paired_ratio(rates["civicflow"], rates["raw_appends"])}


def paired_ratio(sides: list[float], baselines: list[float]) -> float:
    """The median of the per-run ratios: each run's pair shares the machine's load at that moment."""
    return round(median([a / b for a, b in zip(sides, baselines)]), 3)


def profile(base: str) -> None:
    """Profile the application side only (pyinstrument, installed in the venv for this purpose)."""
    from pyinstrument import Profiler
    profiler = Profiler()
    with scratch_store(base, "profile") as url:
        chain = civicflow_side(url, Path("/tmp"))
        profiler.start()
        for i in range(200):
            chain(i)
        profiler.stop()
        chain.app.close()  # type: ignore[attr-defined]
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument("--profile", action="store_true"))
    if args.profile:
        for base in store_kinds(args):
            profile(base)
        return
    summaries = [measure_store(base, args) for base in store_kinds(args)]
    for summary in summaries:
        emit({"bench": "write_path", "summary": True, "machine": machine(), "events_per_chain": EVENTS_PER_CHAIN,
              "saves_per_chain": SAVES_PER_CHAIN, **summary})


if __name__ == "__main__":
    main()
