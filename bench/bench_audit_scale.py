"""Scale of the inspector's tools on a store of ≥100,000 events: wall time, events/s and peak memory of
`civicflow projections rebuild` (a full fold), `audit verify`, `audit replay` and `audit export`,
next to a raw read of the same notification log (the baseline), each in its own process under /usr/bin/time.

Build a store first (once), e.g.:
  CIVICFLOW_DATABASE_URL=sqlite:////tmp/cfscale/civicflow.db civicflow demo --volunteers 3000 --orders 20000 --no-views
Run: .venv/bin/python bench/bench_audit_scale.py --database-url sqlite:////tmp/cfscale/civicflow.db [--runs 1]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from common import emit, machine, median, parse_args, store_facts

ROOT = Path(__file__).resolve().parent.parent

CIVICFLOW = [str(Path(sys.executable).parent / "civicflow")]
STEPS = {"raw_read": [sys.executable, __file__, "--raw-read"],
         "rebuild": [*CIVICFLOW, "projections", "rebuild"],
         "verify": [*CIVICFLOW, "audit", "verify"], "replay": [*CIVICFLOW, "audit", "replay"],
         "export_jsonl": [*CIVICFLOW, "audit", "export", "--output", os.devnull]}


def raw_read() -> None:
    """The baseline: page through the whole notification log with the library's recorder, nothing else."""
    from interfaces.bootstrap import application
    from application.settings import Settings

    app = application(Settings.from_env(), reference_data=False)
    count, after = 0, 0
    while page := app.recorder.select_notifications(after, 1_000, inclusive_of_start=False):
        count, after = count + len(page), page[-1].id
    print(count)


def measured(command: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))  # type: ignore
    return {"seconds": seconds, "peak_mb": peak_kb / 1024}


def events_in(url: str) -> int:
    from interfaces.bootstrap import application
    from application.settings import Settings

    app = application(Settings(database_url=url), reference_data=False)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def main() -> None:
    if "--raw-read" in sys.argv:
        return raw_read()
    args = parse_args("audit scale", lambda p: p.add_argument("--raw-read", action="store_true"))
    for url in args.database_urls or []:
        env = {**os.environ, "CIVICFLOW_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        events, baseline = events_in(url), None
        for step, command in STEPS.items():  # raw_read first: the baseline of every ratio
            runs = [measured(command, env) for _ in range(args.runs)]
            seconds = median([r["seconds"] for r in runs])
            baseline = baseline or seconds
            emit({**store_facts(url), "step": step, "events": events, "runs": len(runs), "seconds": round(seconds, 2),
                  "events_per_second": round(events / seconds), "peak_mb": round(max(r["peak_mb"] for r in runs), 1),
                  "times_raw_read": round(seconds / baseline, 1), "load_average": os.getloadavg()[0]})
    emit({"machine": machine()})


if __name__ == "__main__":
    main()
