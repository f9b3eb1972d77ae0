"""Projections: events per second folded into every view from position 0 ÷ a raw decoded read of the same log.

The store holds the seeded demo district (`civicflow demo --no-views`). Each run times, on the same store:
- `raw_decoded_read` (the baseline): page through the notification log with the library's recorder
  (pages of 1,000) and decode every event with the application's mapper, nothing else;
- `catch_up`: `ReadModel.rebuild()` — drop the views and fold them all again from position 0 (order board,
  volunteer roster, site stats, audit log with its hash chain and signed checkpoints), in this process;
- `catch_up_2_jobs`: the same rebuild split between two processes (`civicflow projections rebuild --jobs 2`:
  the audit log in one, order board + site stats + roster in the other: `partition_views`), timed from the drop
  to the last commit;
- with `--split`, also each group of `rebuild --jobs 2` alone (`split_<views>`: fold from position 0 into a next
  generation holding only those views, no indexes, no switch, then discarded): what one process's share costs by
  itself, the bound on what two processes can reach.

Run: .venv/bin/python bench/bench_projections.py [--quick] [--database-url URL] [--split]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from common import (demo_store, emit, machine, median, note, open_app_and_model, parse_args, store_facts,
                    store_kinds, timed, use_audit_key)
from interfaces.cli import parallel
from projections.read_model import partition_views
from projections.views.paging import notifications

PAGE = 1_000


def raw_decoded_read(app: Any) -> int:
    """Every event of the log, read in pages and decoded: the floor for any projection."""
    count = 0
    for count, notification in enumerate(notifications(app.recorder, page=PAGE), start=1):
        app.mapper.to_domain_event(notification)
    return count


def measure_store(base: str, args: argparse.Namespace) -> dict[str, Any]:
    orders, volunteers = (500, 100) if args.quick else (10_000, 2_000)
    with demo_store(base, orders, volunteers, "proj") as (url, var_dir):
        app, model = open_app_and_model(url, var_dir)
        events = app.recorder.max_notification_id() or 0
        raw, fold, jobs = [], [], []
        split: dict[tuple[str, ...], list[float]] = {group: [] for group in partition_views(2)} if args.split else {}
        for run in range(args.runs):
            raw.append(events / timed(lambda: raw_decoded_read(app)))
            for group, ratios in split.items():
                ratios.append(events / timed(lambda: fold_alone(model, group)) / raw[-1])
            fold.append(events / timed(model.rebuild))
            jobs.append(events / timed(lambda: rebuild_in_two_processes(app.settings, var_dir)))
            note(f"{base}: run {run + 1}/{args.runs}: raw {raw[-1]:.0f}/s, catch-up {fold[-1]:.0f}/s, "
                 f"2 jobs {jobs[-1]:.0f}/s")
        model.close()
        app.close()
    facts = {**store_facts(base), "orders": orders, "events": events, "runs": args.runs}
    emit({"bench": "projections", "side": "raw_decoded_read", **facts, "events_per_s": round(median(raw))})
    emit({"bench": "projections", "side": "catch_up", **facts, "events_per_s": round(median(fold))})
    emit({"bench": "projections", "side": "catch_up_2_jobs", **facts, "events_per_s": round(median(jobs))})
    for group, ratios in split.items():
        emit({"bench": "projections", "side": f"split_{'+'.join(group)}", **facts, "ratio": round(median(ratios), 3),
              "ratios": [round(r, 3) for r in ratios]})
    ratio = round(median([f / r for f, r in zip(fold, raw)]), 3)
    ratio_jobs = round(median([j / r for j, r in zip(jobs, raw)]), 3)
    return {**facts, "catch_up_events_per_s": round(median(fold)), "raw_events_per_s": round(median(raw)),
            "catch_up_2_jobs_events_per_s": round(median(jobs)), "ratio": ratio, "ratio_2_jobs": ratio_jobs}


def fold_alone(model: Any, views: tuple[str, ...]) -> None:
    generation = model.next_generation(views=views)
    generation.start(restart=True)
    generation.fold()
    generation.discard()


def rebuild_in_two_processes(settings: Any, var_dir: Path) -> None:
    use_audit_key(var_dir)
    parallel.rebuild(settings, jobs=2)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda parser: parser.add_argument(
        "--split", action="store_true", help="also fold each group of `rebuild --jobs 2` alone"))
    for summary in [measure_store(base, args) for base in store_kinds(args)]:
        emit({"bench": "projections", "summary": True, "machine": machine(), **summary})


if __name__ == "__main__":
    main()
