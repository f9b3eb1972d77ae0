"""Crash drills (DESIGN §7): faults mid-load lose nothing acknowledged and leave nothing half-written.

Drills (each ends with one verdict line, {"drill": ..., "verdict": "PASS"|"FAIL", ...}):
- `gunicorn_sigkill`: `civicflow serve` (2 workers) under load; its master and workers are SIGKILLed
  together, then restarted on the same port — several times;
- `postgres_restart`: the same load on PostgreSQL while the server is restarted with
  `pg_ctlcluster --skip-systemctl-redirect 15 main restart -m immediate` (and checked running afterwards);
- `sqlite_two_processes`: two processes run order chains through the application on one SQLite file,
  sharing volunteers (so they race on the same aggregates).
Clients log every request and its outcome, and retry a command with the same Idempotency-Key after a
transport error, a 5xx or a conflict (bounded by a deadline). Afterwards bench/drill_checks.py checks the store.

Run: .venv/bin/python bench/bench_crash_drills.py [--quick] [--drill NAME ...] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

from common import (DEFAULT_POSTGRES_URL, emit, machine, note, parse_args, scratch_store, store_facts,
                    without_query)
from drill_checks import Attempt, check
from drill_scale import projection_workers
from http_client import (District, Journal, chain_steps, free_port, prepare_district, start_civicflow, stop,
                         wait_ready)

RETRY_FOR_SECONDS = 60
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart", "-m", "immediate"]
DRILL_APP_NAME = "civicflow-crash-drill"
PG_START = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"]


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drill", action="append", choices=list(DRILLS), help="default: every drill")


# --- an HTTP client that keeps going through faults ------------------------------------------------

def retryable(entry: dict[str, Any]) -> bool:
    status = entry["status"]
    if status is None or status >= 500:
        return True
    kind = entry["response"].get("type", "") if isinstance(entry["response"], dict) else ""
    return status == 409 and not kind.endswith("/invalid-transition")


def send_until_answered(journal: Journal, port: int, path: str, body: Any, token: str, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        entry = journal.send(port, "POST", path, body, token, key=key, timeout=10)
        if not retryable(entry) or time.monotonic() > deadline:
            return entry
        time.sleep(0.2)


def http_chain(journal: Journal, port: int, district: District, slot: int) -> list[Attempt]:
    chain, order_id, attempts = f"drill-{uuid.uuid4()}", None, []
    for name, path, body, token in chain_steps(district, slot):
        if name == "place":
            body = {**body, "description": chain}
        entry = send_until_answered(journal, port, path.format(id=order_id), body, token, f"{chain}-{name}")
        ok = entry["status"] in (200, 201)
        version = entry["response"].get("version") if ok and isinstance(entry["response"], dict) else None
        attempts.append(Attempt(chain, name, ok, version))
        if not ok:
            break
        order_id = order_id or entry["response"]["id"]
    return attempts


def http_load(port: int, district: District, clients: int, chains: int, journal: Journal,
              disrupted: threading.Event) -> list[Attempt]:
    """Each client runs at least `chains` chains, and goes on until the disruption is over (at most 10×)."""
    def client(slot: int) -> list[Attempt]:
        attempts: list[Attempt] = []
        for done in range(chains * 10):
            if done >= chains and disrupted.is_set():
                break
            attempts += http_chain(journal, port, district, slot)
        return attempts

    with ThreadPoolExecutor(clients) as pool:
        return [attempt for attempts in pool.map(client, range(clients)) for attempt in attempts]


# --- the drills -----------------------------------------------------------------------------------

def served_drill(base: str, args: argparse.Namespace, disrupt: Any, workers: int = 2, clients: int = 0,
                 beside: Any = None) -> dict[str, Any]:
    """Load `civicflow serve` on a scratch store while `disrupt(server_box, restart)` runs beside it;
    `beside(url, var_dir, extra)` is a context manager around the load (e.g. projection workers)."""
    clients, chains = clients or (4 if args.quick else 6), 6 if args.quick else 20
    beside, extra = beside or (lambda url, var_dir, extra: contextlib.nullcontext()), {}
    with scratch_store(base, "drill") as url:
        var_dir = Path(tempfile.mkdtemp(prefix="civicflow-drill-"))
        district = prepare_district(url, var_dir, clients)
        port, log = free_port(), var_dir / "server.log"
        box = [start_civicflow(url, var_dir, workers, port, log)]
        wait_ready(port)

        def restart() -> None:
            box[0] = start_civicflow(url, var_dir, workers, port, log)
            wait_ready(port)

        journal, disrupted = Journal(var_dir / "journal.jsonl"), threading.Event()

        def disruption() -> None:
            try:
                disrupt(box, restart)
            finally:
                disrupted.set()

        disruptor = threading.Thread(target=disruption)
        disruptor.start()
        try:
            with beside(url, var_dir, extra):
                attempts = http_load(port, district, clients, chains, journal, disrupted)
        finally:
            disruptor.join()
            stop(box[0])
        outcome = check(url, var_dir, attempts)
    outcome["problems"] += extra.pop("problems", [])
    outcome["problem_count"] = len(outcome["problems"])
    return {**outcome, **extra, "requests": len(journal.entries), "journal": str(journal.path),
            "transport_errors": sum(e["status"] is None for e in journal.entries),
            "server_errors": sum((e["status"] or 0) >= 500 for e in journal.entries)}


def gunicorn_sigkill(base: str, args: argparse.Namespace) -> dict[str, Any]:
    kills = 2 if args.quick else 4

    def disrupt(box: list[subprocess.Popen[bytes]], restart: Any) -> None:
        for _ in range(kills):
            time.sleep(1.5)
            os.killpg(box[0].pid, signal.SIGKILL)  # master and every worker at once
            box[0].wait(timeout=30)
            restart()

    return {"kills": kills, **served_drill(base, args, disrupt)}


def postgres_restart(base: str, args: argparse.Namespace) -> dict[str, Any]:
    if store_facts(base)["store"] != "postgresql":
        base = DEFAULT_POSTGRES_URL

    os.environ["PGAPPNAME"] = DRILL_APP_NAME  # our connections, told apart from everyone else's

    def disrupt(box: list[subprocess.Popen[bytes]], restart: Any) -> None:
        time.sleep(2)
        try:
            done = subprocess.run(PG_RESTART, capture_output=True, text=True, timeout=120)
            note(f"postgres restart: exit {done.returncode} {done.stderr.strip()[-200:]}")
        finally:
            ensure_postgres_running(base)

    wait_for_other_clients_to_leave(base)
    try:
        return {"restarts": 1, **served_drill(base, args, disrupt)}
    finally:
        ensure_postgres_running(base)


def wait_for_other_clients_to_leave(base: str, patience: float = 480) -> None:
    """The restart drops every connection to the server: give other users of it (test runs) time to finish."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        with psycopg.connect(without_query(base), autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                               "AND application_name <> %s", (DRILL_APP_NAME,)).fetchone()
        if not row or row[0] == 0:
            return
        note(f"postgres restart waits: {row[0]} other client connection(s)")
        time.sleep(5)


def ensure_postgres_running(base: str) -> None:
    """Never leave the server down: wait for it, and start it if it does not come back."""
    for attempt in range(60):
        try:
            with psycopg.connect(without_query(base), connect_timeout=3):
                return
        except psycopg.OperationalError:
            if attempt == 10:
                subprocess.run(PG_START, capture_output=True, timeout=120)
            time.sleep(1)
    raise SystemExit("PostgreSQL did not come back after the drill: start it with " + " ".join(PG_START))


def postgres_scale_out(base: str, args: argparse.Namespace) -> dict[str, Any]:
    """4 API workers and 2 projection workers (the views split between them) on one PostgreSQL database under
    concurrent load: nothing lost or doubled, and the workers' views converge to the log's latest position
    (before the checks catch up)."""
    if store_facts(base)["store"] != "postgresql":
        base = DEFAULT_POSTGRES_URL
    os.environ["PGAPPNAME"] = DRILL_APP_NAME
    return {"api_workers": 4, "projection_workers": 2,
            **served_drill(base, args, lambda box, restart: None, workers=4, clients=8,
                           beside=lambda url, var_dir, extra: projection_workers(url, var_dir, 2, extra))}


# --- two processes on one SQLite file -------------------------------------------------------------

def sqlite_two_processes(base: str, args: argparse.Namespace) -> dict[str, Any]:
    if store_facts(base)["store"] != "sqlite":
        base = "sqlite"
    chains = 15 if args.quick else 60
    with scratch_store(base, "drill") as url:
        var_dir = Path(url.split("///", 1)[-1]).parent
        volunteers = [vid for vid, _ in prepare_district(url, var_dir, 4).volunteers]
        journals = [var_dir / f"journal-{n}.jsonl" for n in range(2)]
        context = multiprocessing.get_context("spawn")
        workers = [context.Process(target=write_chains, args=(url, str(var_dir), volunteers, chains, str(path)))
                   for path in journals]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=600)
        exits = [worker.exitcode for worker in workers]
        attempts = [Attempt(**json.loads(line)) for path in journals for line in path.read_text().splitlines()]
        outcome = check(url, var_dir, attempts)
    return {"processes": 2, "exit_codes": exits, **outcome}


def write_chains(url: str, var_dir: str, volunteers: list[str], chains: int, journal: str) -> None:
    """One writer process: order chains through its own application, each command retried on a lost race."""
    from drill_app import run_chains  # the spawned child imports from bench/ too (multiprocessing hands it the parent's import path)
    run_chains(url, Path(var_dir), volunteers, chains, Path(journal))


DRILLS = {"gunicorn_sigkill": gunicorn_sigkill, "postgres_restart": postgres_restart,
          "postgres_scale_out": postgres_scale_out,
          "sqlite_two_processes": sqlite_two_processes}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    base = (args.database_urls or ["sqlite"])[0]
    for name in args.drill or list(DRILLS):
        started = time.perf_counter()
        outcome = DRILLS[name](base, args)
        verdict = "PASS" if outcome["problem_count"] == 0 and outcome["acknowledged"] > 0 else "FAIL"
        emit({"drill": name, "verdict": verdict, "seconds": round(time.perf_counter() - started, 1),
              "machine": machine(), **outcome})


if __name__ == "__main__":
    main()
