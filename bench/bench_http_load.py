"""HTTP: commands per second and p50/p99 through `civicflow serve` ÷ an empty Flask endpoint under the same load.

Both servers run under gunicorn with the same worker count (2, then 4) on 127.0.0.1, started side by side;
runs alternate between them. The load: `--clients` threads, each driving whole order chains (place,
dispatch, accept, start, complete, review: six POSTs with JSON bodies and bearer tokens) one request at a
time, a new connection per request (`--keep-alive`: one kept-alive connection per client thread, as an
integrator's HTTP library with a connection pool would; gunicorn's sync worker, which `civicflow serve` uses,
closes every connection anyway, so the two modes differ only under a worker class that keeps connections).
The empty endpoint gets the very same requests, from the same client, under the same gunicorn options.

Run: .venv/bin/python bench/bench_http_load.py [--quick] [--database-url URL] [--workers 2 --workers 4] [--keep-alive]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import emit, machine, median, note, parse_args, percentile, scratch_store, store_facts, store_kinds
from http_client import (District, Journal, Session, chain_steps, free_port, prepare_district,
                         start_civicflow, start_empty_flask, stop, wait_ready)


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, action="append", help="gunicorn workers (default: 2 and 4)")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--keep-alive", action="store_true", help="each client thread reuses one connection")


def drive(port: int, district: District, slot: int, chains: int, journal: Journal, keep_alive: bool = False) -> int:
    """Run `chains` order chains one request at a time; returns how many commands failed."""
    failures = 0
    session = Session(port) if keep_alive else None
    for _ in range(chains):
        order_id = str(uuid.uuid4())
        for name, path, body, token in chain_steps(district, slot):
            entry = journal.send(port, "POST", path.format(id=order_id), body, token, session=session)
            if entry["status"] not in (200, 201):
                failures += 1
                break
            if name == "place" and isinstance(entry["response"], dict):
                order_id = entry["response"].get("id", order_id)
    if session is not None and session.conn is not None:
        session.conn.close()
    return failures


def one_run(port: int, district: District, clients: int, chains: int, keep_alive: bool) -> dict[str, Any]:
    journal = Journal()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        failures = sum(pool.map(lambda slot: drive(port, district, slot, chains, journal, keep_alive),
                                range(clients)))
    seconds = time.perf_counter() - started
    latencies = [entry["ms"] for entry in journal.entries]
    return {"per_s": len(latencies) / seconds, "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
            "failures": failures}


def measure(base: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    chains = 1 if args.quick else 8
    logs = Path(tempfile.mkdtemp(prefix="civicflow-http-"))
    with scratch_store(base, "http") as url:
        district = prepare_district(url, logs, args.clients)
        ports = {"civicflow": free_port(), "empty_flask": free_port()}
        servers = {"civicflow": start_civicflow(url, logs, workers, ports["civicflow"], logs / "civicflow.log"),
                   "empty_flask": start_empty_flask(workers, ports["empty_flask"], logs / "empty.log")}
        try:
            for port in ports.values():
                wait_ready(port)
            runs: dict[str, list[dict[str, Any]]] = {side: [] for side in servers}
            for run in range(args.runs + 1):  # the first run warms both up and is not counted
                for side, port in ports.items():
                    result = one_run(port, district, args.clients, chains, args.keep_alive)
                    if run:
                        runs[side].append(result)
                note(f"{base} workers={workers}: run {run}/{args.runs}")
        finally:
            for server in servers.values():
                stop(server)
    return summarise(base, workers, args, runs, chains)


def summarise(base: str, workers: int, args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]],
              chains: int) -> dict[str, Any]:
    facts = {**store_facts(base), "workers": workers, "clients": args.clients, "keep_alive": args.keep_alive,
             "requests_per_run": args.clients * chains * 6, "runs": args.runs}
    medians = {}
    for side, results in runs.items():
        medians[side] = {key: median([r[key] for r in results]) for key in ("per_s", "p50", "p99", "failures")}
        emit({"bench": "http_load", "side": side, **facts, "requests_per_s": round(medians[side]["per_s"], 1),
              "p50_ms": round(medians[side]["p50"], 2), "p99_ms": round(medians[side]["p99"], 2),
              "failed_chains": medians[side]["failures"]})
    ratio = median([a["per_s"] / b["per_s"] for a, b in zip(runs["civicflow"], runs["empty_flask"])])
    app = medians["civicflow"]
    return {**facts, "commands_per_s": round(app["per_s"], 1), "p50_ms": round(app["p50"], 2),
            "p99_ms": round(app["p99"], 2), "empty_requests_per_s": round(medians["empty_flask"]["per_s"], 1),
            "ratio": round(ratio, 3)}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    summaries = [measure(base, workers, args) for base in store_kinds(args) for workers in (args.workers or [2, 4])]
    for summary in summaries:
        emit({"bench": "http_load", "summary": True, "machine": machine(), **summary})


if __name__ == "__main__":
    main()
