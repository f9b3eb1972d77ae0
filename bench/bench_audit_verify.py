"""Audit verify: events per second recomputed and compared ÷ a raw read plus SHA-256 of the same bytes.

The store holds the seeded demo district with its views caught up (so the audit table and its signed
checkpoints exist). Each run times, on the same store:
- `raw_read_sha256` (the baseline): page through the notification log (pages of 1,000) and SHA-256 each
  stored event's bytes, nothing else;
- `verify`: `ReadModel.verify()` — recompute the hash chain from the event store and compare it with the
  audit table and every signed checkpoint, in this process;
- `chain_only` (for scale, not a target): the hash chain alone recomputed from the store (canonical JSON
  envelope and three SHA-256 per event), no audit table, no decoding — the floor of any verify;
- `verify_2_jobs`: the same in two processes, each a half of the log (`civicflow audit verify --jobs 2`),
  timed from start to the joined report (process start-up included).

Run: .venv/bin/python bench/bench_audit_verify.py [--quick] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from common import (demo_store, emit, machine, median, note, open_app_and_model, parse_args, store_facts,
                    store_kinds, timed, use_audit_key)
from interfaces.cli import parallel
from projections.audit.chain import GENESIS, next_head, notification_leaf
from projections.views.paging import notifications

PAGE = 1_000


def raw_read_sha256(app: Any) -> int:
    count = 0
    for count, notification in enumerate(notifications(app.recorder, page=PAGE), start=1):
        hashlib.sha256(notification.state).digest()
    return count


def chain_only(app: Any) -> int:
    """The chain recomputed from the store and nothing else (no audit table, no decoding, no checkpoints):
    the least any verify must do, to show how much of verify's time is the floor of the hashing itself."""
    head, count = GENESIS, 0
    for count, notification in enumerate(notifications(app.recorder, page=PAGE), start=1):
        head = next_head(head, notification_leaf(notification)[1])
    return count


def verified(model: Any) -> None:
    ensure_ok(model.verify())


def verified_in_two_processes(settings: Any, var_dir: Path) -> None:
    use_audit_key(var_dir)
    ensure_ok(parallel.verify(settings, jobs=2))


def ensure_ok(report: Any) -> None:
    if not report.ok:
        raise SystemExit(f"verify failed on an untouched store: {report.as_dict()}")


def measure_store(base: str, args: argparse.Namespace) -> dict[str, Any]:
    orders, volunteers = (500, 100) if args.quick else (10_000, 2_000)
    with demo_store(base, orders, volunteers, "verify", views=True) as (url, var_dir):
        app, model = open_app_and_model(url, var_dir)
        events = app.recorder.max_notification_id() or 0
        raw, chain, verify, jobs = [], [], [], []
        for run in range(args.runs):
            raw.append(events / timed(lambda: raw_read_sha256(app)))
            chain.append(events / timed(lambda: chain_only(app)))
            verify.append(events / timed(lambda: verified(model)))
            jobs.append(events / timed(lambda: verified_in_two_processes(app.settings, var_dir)))
            note(f"{base}: run {run + 1}/{args.runs}: raw+sha256 {raw[-1]:.0f}/s, verify {verify[-1]:.0f}/s, "
                 f"2 jobs {jobs[-1]:.0f}/s")
        model.close()
        app.close()
    facts = {**store_facts(base), "orders": orders, "events": events, "runs": args.runs}
    emit({"bench": "audit_verify", "side": "raw_read_sha256", **facts, "events_per_s": round(median(raw))})
    emit({"bench": "audit_verify", "side": "verify", **facts, "events_per_s": round(median(verify))})
    emit({"bench": "audit_verify", "side": "chain_only", **facts, "events_per_s": round(median(chain)),
          "ratio": round(median([c / r for c, r in zip(chain, raw)]), 3)})
    emit({"bench": "audit_verify", "side": "verify_2_jobs", **facts, "events_per_s": round(median(jobs))})
    return {**facts, "verify_events_per_s": round(median(verify)), "raw_events_per_s": round(median(raw)),
            "verify_2_jobs_events_per_s": round(median(jobs)),
            "ratio": round(median([v / r for v, r in zip(verify, raw)]), 3),
            "ratio_2_jobs": round(median([j / r for j, r in zip(jobs, raw)]), 3)}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    for summary in [measure_store(base, args) for base in store_kinds(args)]:
        emit({"bench": "audit_verify", "summary": True, "machine": machine(), **summary})


if __name__ == "__main__":
    main()
