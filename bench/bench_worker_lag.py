"""Projection lag at a steady command rate on PostgreSQL: `civicflow workers --projections` woken by the event
store's NOTIFY ÷ the same worker polling (`--poll`, every 0.5 s: the interval the SQLite default polls at).

Each run starts the worker on a fresh scratch schema, places orders at a fixed rate (default 200 commands/s) from
this process for a while, and samples the views' lowest position every 2 ms on a connection of its own. A
command's lag is the time from its commit (as this process saw it answered) to the first sample at or past its
notification id. The first second of each run is warm-up and left out. Reported: p50, p99 and max lag per mode;
the ratio is notify p99 ÷ poll p99 (lower is better), the median of the per-run ratios.

Run: .venv/bin/python bench/bench_worker_lag.py [--quick] [--rate 200] [--seconds 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import bisect
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from common import (CIVICFLOW_CLI, DEFAULT_POSTGRES_URL, emit, machine, median, note, parse_args, percentile,
                    scratch_store, store_env, store_facts, use_audit_key, without_query)

POST = "post-babaoshan-01"
RESIDENT = {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}
WARM_UP_SECONDS = 1.0
SAMPLE_SECONDS = 0.002


class PositionSampler(threading.Thread):
    """(time, lowest view position) every 2 ms, on its own connection, until stopped."""

    def __init__(self, url: str, schema: str):
        super().__init__(daemon=True)
        self.url, self.schema, self.samples, self.running = url, schema, [], True

    def run(self) -> None:
        with psycopg.connect(without_query(self.url), autocommit=True) as conn:
            query = f'SELECT min(position) FROM "{self.schema}".projection_positions'
            while self.running:
                try:
                    position = conn.execute(query).fetchone()[0] or 0
                except psycopg.errors.UndefinedTable:  # the worker has not prepared the views yet
                    position = 0
                self.samples.append((time.perf_counter(), position))
                time.sleep(SAMPLE_SECONDS)

    def reached(self, position: int) -> bool:
        return bool(self.samples) and self.samples[-1][1] >= position


def lags(commands: list[tuple[float, int]], samples: list[tuple[float, int]]) -> list[float]:
    """Seconds from each command's commit to the first sample whose position covers it."""
    times, positions = [t for t, _ in samples], [p for _, p in samples]
    found = []
    for committed, position in commands:
        index = bisect.bisect_left(positions, position)  # positions never go down
        if index < len(samples):
            found.append(max(0.0, times[index] - committed))
    return found


def drive(app: Any, rate: float, seconds: float) -> list[tuple[float, int]]:
    """Place orders at `rate` per second; (commit time, notification id) of each."""
    commands, start = [], time.perf_counter()
    for number in range(int(rate * seconds)):
        delay = start + number / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        app.place_order("health", POST, f"bench {number}", RESIDENT, "district-app", actor="bench")
        commands.append((time.perf_counter(), app.recorder.max_notification_id()))
    return [c for c in commands if c[0] - start >= WARM_UP_SECONDS]


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def one_run(base: str, mode: str, rate: float, seconds: float) -> dict[str, Any]:
    from application.settings import Settings
    from interfaces.bootstrap import application

    with scratch_store(base, "lag") as url:
        var_dir = Path(tempfile.mkdtemp(prefix="civicflow-lag-var-"))
        use_audit_key(var_dir)
        schema = url.split("schema=")[1].split("&")[0]
        args = [CIVICFLOW_CLI, "workers", "--projections", *(["--poll"] if mode == "poll" else [])]
        app = application(Settings(database_url=url, var_dir=var_dir))
        worker = subprocess.Popen(args, env=store_env(url, var_dir), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        sampler = PositionSampler(url, schema)
        try:
            sampler.start()
            wait_for(lambda: sampler.reached(app.recorder.max_notification_id()), 60, "the worker to start")
            began = time.perf_counter()
            commands = drive(app, rate, seconds)
            achieved = (len(commands) + rate * WARM_UP_SECONDS) / (time.perf_counter() - began)
            wait_for(lambda: sampler.reached(commands[-1][1]), 60, "the views to catch up")
        finally:
            sampler.running = False
            worker.terminate()
            worker.wait(timeout=60)
            app.close()
        measured = lags(commands, sampler.samples)
    return {"mode": mode, "commands": len(commands), "achieved_rate": round(achieved, 1),
            "p50_ms": round(percentile(measured, 0.5) * 1000, 1), "p99_ms": round(percentile(measured, 0.99) * 1000, 1),
            "max_ms": round(max(measured) * 1000, 1)}


def main() -> None:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
        parser.add_argument("--seconds", type=float, default=None, help="per run (default 20; --quick 6)")

    args = parse_args(__doc__.splitlines()[0], extra)
    seconds = args.seconds or (6.0 if args.quick else 20.0)
    base = next((url for url in args.database_urls or [] if url.startswith("postgres")), DEFAULT_POSTGRES_URL)
    note(f"projection lag at {args.rate:g} commands/s, {seconds:g} s per run, {args.runs} runs per mode")
    ratios, runs = [], {"notify": [], "poll": []}
    for number in range(args.runs):
        pair = {mode: one_run(base, mode, args.rate, seconds) for mode in ("notify", "poll")}
        for mode, result in pair.items():
            runs[mode].append(result)
            emit({"bench": "worker_lag", "run": number, **result, **store_facts(base)})
        ratios.append(pair["notify"]["p99_ms"] / pair["poll"]["p99_ms"])
    summary = {mode: {key: median([r[key] for r in results]) for key in ("p50_ms", "p99_ms", "max_ms",
                                                                         "achieved_rate")}
               for mode, results in runs.items()}
    emit({"bench": "worker_lag", "summary": True, "rate": args.rate, "seconds": seconds, "runs": args.runs,
          **summary, "ratio": round(median(ratios), 3), "ratio_is": "notify p99 / poll p99",
          "machine": machine(), **store_facts(base)})


if __name__ == "__main__":
    main()
