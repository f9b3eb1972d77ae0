"""Audit verify (format v2): events per second recomputed and compared ÷ a raw read plus SHA-256 of the same bytes;
and the incremental verify's time per call with 1,000 new events since the newest signed checkpoint.

The store holds the seeded demo district with its views caught up (so the audit table and its signed
checkpoints exist). Each run times, on the same store:
- `raw_read_sha256` (the baseline): page through the notification log (`select_notifications`, pages of 1,000)
  and SHA-256 each stored event's bytes, nothing else;
- `verify`: `ReadModel.verify()` — recompute every leaf from the event store (stored bytes → state hash, decoded
  event → inspector form → content hash) and compare it with the audit table and every signed checkpoint, in
  this process;
- `chain_only` (for scale, not a target): the v2 chain alone recomputed from the store (decode, inspector form,
  state and content hashes, leaf and node), no audit table, no checkpoints — the floor of any v2 verify;
- `verify_2_jobs`: the same as `verify` in two processes, each a half of the log
  (`interfaces.cli.parallel.verify(settings, jobs=2)`, as `civicflow audit verify --jobs 2`), timed from start
  to the joined report (process start-up included).

Then `verify_recent` (`GET /api/v1/audit/verify`): `--recent-calls` rounds (default 20), each appending 1,000
events through the application (order chains: place, dispatch, accept, start, complete, review; topped up with
single placed orders to exactly 1,000), catching the views up (not timed), then timing one
`ReadModel.verify_recent()`: from the newest signed checkpoint (the tip the previous call signed) over the
1,000 new events, ending with its own checkpoint at the tip. So that the 1,000 events all lie after the newest
checkpoint, that part folds with a checkpoint due every 10⁹ events (with the default of 1,000 a checkpoint
would fall inside the window and the call would cover fewer events); every other checkpoint rule is the
default. p50 and p99 (nearest rank: of 20 calls, the slowest) of the calls.

Run: .venv/bin/python bench/bench_audit_verify.py [--quick] [--database-url URL] [--recent-calls N]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path
from typing import Any

from common import (audit_key, code_state, code_states, demo_store, emit, machine, median, note,
                    open_app_and_model, parse_args, percentile, store_facts, store_kinds, timed, use_audit_key)
from interfaces.bootstrap import open_read_model
from interfaces.cli import parallel
from application.reference import bundled_sites, catalogue
from projections.audit.chain import GENESIS, chain_step
from projections.audit.log import notification_content
from projections.views.paging import notifications

PAGE = 1_000
RECENT_EVENTS = 1_000
NO_CHECKPOINT_BY_COUNT = 10**9
EVENTS_PER_CHAIN = 9
CHANNEL, DISPATCHER, VOLUNTEER = "channel:bench", "dispatcher:bench", "volunteer:bench"
RESIDENT = {"name": "王女士", "phone": "13800000000", "address": "古城街道 1 号"}


def raw_read_sha256(app: Any) -> int:
    count = 0
    for count, notification in enumerate(notifications(app.recorder, page=PAGE), start=1):
        hashlib.sha256(notification.state).digest()
    return count


def chain_only(app: Any) -> int:
    """The v2 chain recomputed from the store and nothing else (no audit table, no checkpoints): the least any
    v2 verify must do, to show how much of verify's time is the floor of decoding and hashing itself."""
    head, count = GENESIS, 0
    for count, notification in enumerate(notifications(app.recorder, page=PAGE), start=1):
        content = notification_content(notification, app.mapper.to_domain_event(notification))
        head = chain_step(head, notification.id, content["state_sha256"], content["content_sha256"])
    return count


def verified(model: Any) -> None:
    ensure_ok(model.verify())


def verified_in_two_processes(settings: Any, var_dir: Path) -> None:
    use_audit_key(var_dir)
    ensure_ok(parallel.verify(settings, jobs=2))


def ensure_ok(report: Any) -> None:
    if not report.ok:
        raise SystemExit(f"verify failed on an untouched store: {report.as_dict()}")


# --- incremental -----------------------------------------------------------------------------------

class Appender:
    """Exactly `n` new events through the application: order chains, topped up with placed orders."""

    def __init__(self, app: Any):
        self.app = app
        self.category, self.site = next(iter(catalogue())), bundled_sites()[-1]["id"]
        self.volunteers = [app.register_volunteer(f"志愿者{i}", f"1390000{i:04d}", self.site, [self.category],
                                                  actor="admin:bench").id for i in range(20)]
        self.chains = 0

    def place(self) -> Any:
        return self.app.place_order(self.category, self.site, "bench order", RESIDENT, "app", actor=CHANNEL).id

    def chain(self) -> None:
        volunteer, app = self.volunteers[self.chains % len(self.volunteers)], self.app
        order = self.place()
        app.dispatch_order(order, volunteer_id=volunteer, actor=DISPATCHER)
        app.accept_order(order, volunteer, actor=VOLUNTEER)
        app.start_service(order, volunteer, actor=VOLUNTEER)
        app.complete_service(order, volunteer, 10, actor=VOLUNTEER)
        app.review_order(order, 5, actor=CHANNEL)
        self.chains += 1

    def append(self, n: int) -> int:
        start = self.head()
        while (added := self.head() - start) < n:
            self.chain() if n - added >= EVENTS_PER_CHAIN else self.place()
        return added

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0


def measure_recent(app: Any, default_model: Any, var_dir: Path, calls: int) -> dict[str, Any]:
    appender = Appender(app)
    default_model.catch_up()  # the volunteers' events, folded (and signed) under the default rules
    default_model.close()
    model = open_read_model(app, key_path=audit_key(var_dir), checkpoint_every=NO_CHECKPOINT_BY_COUNT)
    ensure_ok(model.verify_recent())  # signs the tip (its `every` is 10⁹ from here on): the first round starts here
    times, windows, appended = [], [], []
    events_before = appender.head()
    for call in range(calls):
        appended.append(appender.append(RECENT_EVENTS))
        model.catch_up()
        anchor = model.checkpoints()[1][-1]
        started = time.perf_counter()
        report = model.verify_recent()
        times.append(time.perf_counter() - started)
        ensure_ok(report)
        windows.append(report.checked - report.pending - anchor["count"])
        if report.from_position != anchor["position"] or model.checkpoints()[1][-1]["position"] != appender.head():
            raise SystemExit(f"verify_recent did not start at the newest checkpoint or sign the tip: {report}")
    events_after = appender.head()
    model.close()
    ms = [t * 1000 for t in times]
    return {"calls": calls, "events_since_newest_checkpoint": sorted(set(windows)),
            "appended_per_call": sorted(set(appended)), "events_before": events_before,
            "events_after": events_after, "p50_ms": round(percentile(ms, 0.5), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "median_ms": round(median(ms), 2),
            "min_ms": round(min(ms), 2), "max_ms": round(max(ms), 2),
            "events_per_s_p50": round(RECENT_EVENTS / (percentile(ms, 0.5) / 1000))}


def measure_store(base: str, args: argparse.Namespace) -> dict[str, Any]:
    orders, volunteers = (500, 100) if args.quick else (10_000, 2_000)
    with demo_store(base, orders, volunteers, "verify", views=True) as (url, var_dir):
        app, model = open_app_and_model(url, var_dir)
        events = app.recorder.max_notification_id() or 0
        checkpoints = len(model.checkpoints()[1])
        raw, chain, verify, jobs = [], [], [], []
        for run in range(args.runs):
            raw.append(events / timed(lambda: raw_read_sha256(app)))
            chain.append(events / timed(lambda: chain_only(app)))
            verify.append(events / timed(lambda: verified(model)))
            jobs.append(events / timed(lambda: verified_in_two_processes(app.settings, var_dir)))
            note(f"{base}: run {run + 1}/{args.runs}: raw+sha256 {raw[-1]:.0f}/s, chain {chain[-1]:.0f}/s, "
                 f"verify {verify[-1]:.0f}/s, 2 jobs {jobs[-1]:.0f}/s")
        note(f"{base}: verify_recent, {args.recent_calls} calls of {RECENT_EVENTS} new events each")
        recent = measure_recent(app, model, var_dir, args.recent_calls)
        app.close()
    facts = {**store_facts(base), "format": 2, "orders": orders, "volunteers": volunteers, "events": events,
             "checkpoints": checkpoints, "runs": args.runs}
    emit({"bench": "audit_verify", "side": "raw_read_sha256", **facts, "events_per_s": round(median(raw))})
    emit({"bench": "audit_verify", "side": "verify", **facts, "events_per_s": round(median(verify)),
          "ratio": round(median([v / r for v, r in zip(verify, raw)]), 3)})
    emit({"bench": "audit_verify", "side": "chain_only", **facts, "events_per_s": round(median(chain)),
          "ratio": round(median([c / r for c, r in zip(chain, raw)]), 3)})
    emit({"bench": "audit_verify", "side": "verify_2_jobs", **facts, "events_per_s": round(median(jobs)),
          "ratio": round(median([j / r for j, r in zip(jobs, raw)]), 3)})
    emit({"bench": "audit_verify", "side": "verify_recent", **store_facts(base), "format": 2, **recent})
    return {**facts, "verify_events_per_s": round(median(verify)), "raw_events_per_s": round(median(raw)),
            "chain_only_events_per_s": round(median(chain)), "verify_2_jobs_events_per_s": round(median(jobs)),
            "ratio": round(median([v / r for v, r in zip(verify, raw)]), 3),
            "ratio_2_jobs": round(median([j / r for j, r in zip(jobs, raw)]), 3),
            "ratio_chain_only": round(median([c / r for c, r in zip(chain, raw)]), 3),
            "verify_recent_1000_p50_ms": recent["p50_ms"], "verify_recent_1000_p99_ms": recent["p99_ms"],
            "verify_recent_calls": recent["calls"]}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--recent-calls", type=int, default=20, help="verify_recent calls, each after 1,000 new events"))
    code = code_state()
    for summary in [measure_store(base, args) for base in store_kinds(args)]:
        emit({"bench": "audit_verify", "summary": True, "machine": machine(), **code_states(code), **summary})


if __name__ == "__main__":
    main()
