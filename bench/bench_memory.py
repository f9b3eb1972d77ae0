"""Memory: peak resident memory of `civicflow projections rebuild` and `civicflow audit verify`, each in its
own process, next to a process doing only a raw decoded read of the same log (the baseline).

The store holds the seeded demo district (built here), or is given with `--store URL` (e.g. a prebuilt
large store; it is rebuilt in place, so give only a store of your own). Peak memory is the child's
ru_maxrss from wait4. The summary's "ratio" is the larger peak ÷ the raw read's peak; the target is < 300 MB.
On a `--store`, `--store-runs N` may take fewer runs than the protocol's 5 (a rebuild of 1,000,000 orders
takes a quarter of an hour or more); the output then says `"fewer_runs_than_protocol": true`.

Run: .venv/bin/python bench/bench_memory.py [--quick] [--database-url URL] [--store URL [--store-runs N]]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import (CIVICFLOW_CLI, MIN_RUNS, demo_store, emit, machine, median, note, parse_args, store_env,
                          store_facts, store_kinds)

STEPS = {"raw_decoded_read": [sys.executable, __file__, "--raw-read"],
         "rebuild": [CIVICFLOW_CLI, "projections", "rebuild"],
         "verify": [CIVICFLOW_CLI, "audit", "verify"]}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="a prebuilt store of your own (views are rebuilt in it)")
    parser.add_argument("--store-runs", type=int, help="runs on --store, fewer than 5 allowed (said in the output)")
    parser.add_argument("--raw-read", action="store_true", help=argparse.SUPPRESS)


def raw_read() -> None:
    from bench_projections import raw_decoded_read  # the child runs this file, so bench/ is on its import path
    from interfaces.bootstrap import application
    from application.settings import Settings

    app = application(Settings.from_env(), reference_data=False)
    print(raw_decoded_read(app))
    app.close()


def peak_mb(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a child to completion; its peak resident memory (MB) and wall time (s)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{command} failed ({child.returncode}): {child.stderr.read()[-2000:]!r}")  # type: ignore
    return usage.ru_maxrss / 1024, time.perf_counter() - started


@contextmanager
def the_store(base: str, args: argparse.Namespace) -> Iterator[tuple[str, Path, int]]:
    if args.store:
        yield args.store, Path(tempfile.gettempdir()), 0
        return
    orders = 300 if args.quick else 10_000
    with demo_store(base, orders, orders // 5, "memory", views=True) as (url, var_dir):
        yield url, var_dir, orders


def measure(base: str, args: argparse.Namespace) -> dict[str, Any]:
    with the_store(base, args) as (url, var_dir, orders):
        env = store_env(url, var_dir)
        if args.store:  # a prebuilt store keeps its own audit key and var dir
            env = {**os.environ, "CIVICFLOW_DATABASE_URL": url}
        runs = args.store_runs if args.store and args.store_runs else args.runs
        peaks: dict[str, list[tuple[float, float]]] = {step: [] for step in STEPS}
        for run in range(runs):
            for step, command in STEPS.items():
                peaks[step].append(peak_mb(command, env))
            note(f"{url}: run {run + 1}/{runs}: " + ", ".join(f"{s} {v[-1][0]:.0f} MB" for s, v in peaks.items()))
    facts = {**store_facts(url), "orders": orders or None, "runs": runs,
             **({"fewer_runs_than_protocol": True} if runs < MIN_RUNS else {})}
    result = {step: median([p for p, _ in values]) for step, values in peaks.items()}
    for step, values in peaks.items():
        emit({"bench": "memory", "step": step, **facts, "peak_mb": round(result[step], 1),
              "seconds": round(median([s for _, s in values]), 2)})
    return {**facts, **{f"{step}_peak_mb": round(mb, 1) for step, mb in result.items()},
            "ratio": round(max(result["rebuild"], result["verify"]) / result["raw_decoded_read"], 3)}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    if args.raw_read:
        raw_read()
        return
    bases = [args.store] if args.store else store_kinds(args)
    for summary in [measure(base, args) for base in bases]:
        emit({"bench": "memory", "summary": True, "machine": machine(), **summary})


if __name__ == "__main__":
    main()
