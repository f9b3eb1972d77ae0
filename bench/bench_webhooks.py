"""Webhook delivery lag at a steady command rate (issue 14: p99 < 1 s at 200 commands/s on PostgreSQL with 10
subscriptions, local receiver) ÷ the projection worker's lag measured in the same run.

Each run makes a scratch store, 10 subscriptions to every event type pointing at a local receiver (its own process:
an asyncio HTTP/1.1 server answering 200, recording each request's arrival time and webhook-id), and starts the
real worker as production runs it: `civicflow workers --projections --webhooks` (its own processes; on PostgreSQL
woken by NOTIFY, on SQLite polling on the loops' interval). This process then places orders through the
application at a fixed rate (default 200 commands/s) for a while, from `--clients` threads (default 4: integrators'
requests arrive side by side, and one sequence of commands, each waiting out the last one's commit, reached only
~75 commands/s on PostgreSQL beside the workers); each placing yields one `order.placed` delivery
per subscription. A delivery's lag is its first arrival at the receiver minus the commit time of the command (as
this process saw it answered); the projections' lag is the first sample (every 5 ms) of the views' lowest
position covering the command, minus the same commit time. The first second is warm-up and left out of the lags
(its deliveries still count). Every delivery must arrive (delivered == expected); signatures of a sample are
verified with the `standardwebhooks` package. Reported: p50/p99/max per run and the medians; the ratio is
webhooks p99 ÷ projections p99 (the median of the per-run ratios). Also the CPU the worker's loop processes spent
(both loops, from /proc, between the warm-up order's arrival and the last delivery) per delivery: a figure that
moves less with the machine's other load than the lag does.

Run: .venv/bin/python bench/bench_webhooks.py [--quick] [--rate 200] [--seconds 20] [--subscriptions 10]
     [--clients 4] [--database-url URL] [--compare-tree DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

from common import (CIVICFLOW_CLI, code_state, code_states, emit, machine, median, note, parse_args, percentile,
                    scratch_store, store_env, store_facts, store_kind, store_kinds, use_audit_key)

POST = "post-babaoshan-01"
RESIDENT = {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}
WARM_UP_SECONDS = 1.0
SAMPLE_SECONDS = 0.005
SAMPLE_EVERY = 97  # requests whose headers and body are kept for the signature check


# --- the receiver, in a process of its own (it does not share this process's interpreter lock) ----------------
# An asyncio server parsing with httptools (llhttp, in C): an integrator's receiver is a production server. The
# standard library's threaded one spent 236-276 µs of CPU per request, this one 136-160 µs (5,000 requests over a
# kept connection, twice each), CPU that the worker and the driver need at 2,000 requests/s (200 commands/s × 10).

class _Request:
    """One connection's requests: the path, headers and body of each as it completes; HTTP/1.1 keep-alive."""

    def __init__(self, transport: Any, record: Any):
        import httptools
        self.transport, self.record = transport, record
        self.parser = httptools.HttpRequestParser(self)
        self.url, self.headers, self.body = b"", {}, []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode().lower()] = value.decode()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        at = time.time()
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        self.record(self.url.decode(), self.headers, b"".join(self.body), at)
        self.url, self.headers, self.body = b"", {}, []


def serve_receiver(pipe: Any) -> None:
    import asyncio

    arrivals: list[tuple[str, str, int, float]] = []  # webhook-id, path, position, arrival (time.time())
    samples: list[tuple[str, dict[str, str], str]] = []
    seen: set[str] = set()
    lock = threading.Lock()

    def record(path: str, headers: dict[str, str], body: bytes, at: float) -> None:
        with lock:
            arrivals.append((headers["webhook-id"], path, json.loads(body)["data"]["position"], at))
            seen.add(headers["webhook-id"])
            if len(arrivals) % SAMPLE_EVERY == 1:
                samples.append((path, headers, body.decode()))

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.request = _Request(transport, record)

        def data_received(self, data: bytes) -> None:
            self.request.parser.feed_data(data)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(Protocol, "127.0.0.1", 0, backlog=128))
    threading.Thread(target=loop.run_forever, daemon=True).start()
    pipe.send(server.sockets[0].getsockname()[1])
    while (asked := pipe.recv()) != "stop":
        with lock:
            pipe.send(len(seen) if asked == "count" else (list(arrivals), list(samples)))
    loop.call_soon_threadsafe(loop.stop)


class Receiver:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=serve_receiver, args=(child,), daemon=True)
        self.process.start()
        self.port = self.pipe.recv()

    def ask(self, what: str) -> Any:
        self.pipe.send(what)
        return self.pipe.recv()

    def stop(self) -> None:
        self.pipe.send("stop")
        self.process.join(10)


# --- the views' position, sampled ------------------------------------------------------------------------------

class PositionSampler(threading.Thread):
    def __init__(self, system: Any):
        super().__init__(daemon=True)
        from sqlalchemy import func, select
        self.engine, self.samples, self.running = system.read_model.engine, [], True
        self.query = select(func.min(system.read_model.tables.positions.c.position))

    def run(self) -> None:
        with self.engine.connect() as conn:
            while self.running:
                self.samples.append((time.time(), conn.execute(self.query).scalar() or 0))
                conn.rollback()
                time.sleep(SAMPLE_SECONDS)


def first_reached(samples: list[tuple[float, int]], position: int) -> float | None:
    return next((at for at, reached in samples if reached >= position), None)


# --- one run ----------------------------------------------------------------------------------------------------

def subscribe_all(app: Any, port: int, count: int) -> dict[str, str]:
    """`count` subscriptions to every event type; the secret of each, by its URL's path."""
    from application.policy.principal import Principal
    from domain.webhook import EVENT_TYPES, WebhookSubscription

    admin, secrets = Principal(uuid4(), "admin"), {}
    for number in range(count):
        path = f"/hook/{number}"
        result = app.subscribe_webhook(admin, f"http://127.0.0.1:{port}{path}", list(EVENT_TYPES), actor="bench")
        secrets[path] = app.webhook_secret(app.load(WebhookSubscription, result.id))
    return secrets


def drive(app: Any, rate: float, seconds: float, clients: int = 1) -> list[tuple[float, int]]:
    """Place orders at `rate` per second from `clients` threads (command n is due at n / rate and is placed by
    client n mod `clients`, as concurrent integrators' requests are: one command's commit wait does not hold up
    the next); (commit time, notification id of its `order.placed`) of each, in commit order."""
    start, placed = time.perf_counter(), []

    def client(first: int) -> None:
        for number in range(first, int(rate * seconds), clients):
            delay = start + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            order = app.place_order("health", POST, f"bench {number}", RESIDENT, "district-app", actor="bench")
            placed.append((time.time(), str(order.id)))  # list.append is atomic: no lock needed

    threads = [threading.Thread(target=client, args=(first,)) for first in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    positions = placings(app, {order_id for _, order_id in placed})
    return sorted((at, positions[order_id]) for at, order_id in placed)


def placings(app: Any, order_ids: set[str]) -> dict[str, int]:
    """The notification id of each order's first event, read back from the log's tail."""
    head, found = app.recorder.max_notification_id() or 0, {}
    start = max(1, head - 20 * len(order_ids) - 100)
    while start <= head and len(found) < len(order_ids):
        page = app.recorder.select_notifications(start, 1000)
        found.update({str(n.originator_id): n.id for n in page
                      if n.originator_version == 1 and str(n.originator_id) in order_ids})
        start = page[-1].id + 1
    return found


def loops_cpu(parent: int) -> float:
    """CPU seconds (user + system) spent so far by the loop processes `civicflow workers` started (Linux /proc)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    stats = [Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() for pid in children]
    return sum(int(stat[11]) + int(stat[12]) for stat in stats) / os.sysconf("SC_CLK_TCK")


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def verified(samples: list[tuple[str, dict[str, str], str]], secrets: dict[str, str]) -> int:
    """How many sampled requests verify with `standardwebhooks` (each must: a failure raises)."""
    from standardwebhooks import Webhook

    for path, headers, body in samples:
        Webhook(secrets[path]).verify(body, {k.lower(): v for k, v in headers.items()})
    return len(samples)


def one_run(base: str, rate: float, seconds: float, subscriptions: int, extra: list[str],
            tree: str | None = None, clients: int = 1) -> dict[str, Any]:
    """`tree`: the worker runs that folder's code (another commit's checkout) instead of this one's."""
    from application.settings import Settings
    from interfaces.bootstrap import bootstrap

    with scratch_store(base, "webhooks") as url:
        var_dir = Path(tempfile.mkdtemp(prefix="civicflow-webhooks-var-"))
        use_audit_key(var_dir)
        receiver = Receiver()
        env = {**store_env(url, var_dir), "CIVICFLOW_WEBHOOKS_ALLOW_PRIVATE": "1",
               **({"PYTHONPATH": tree} if tree else {})}
        worker = None
        try:
            with bootstrap(Settings(database_url=url, var_dir=var_dir, webhooks_allow_private=True)) as system:
                app = system.app
                secrets = subscribe_all(app, receiver.port, subscriptions)
                worker = subprocess.Popen([CIVICFLOW_CLI, "workers", "--projections", "--webhooks", *extra],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                drive(app, 1, 1)  # one order, to see the worker deliver before the clock starts
                wait_for(lambda: receiver.ask("count") >= subscriptions, 120, "the worker to start")
                warmed = loops_cpu(worker.pid)
                sampler = PositionSampler(system)
                sampler.start()
                began = time.perf_counter()
                commands = drive(app, rate, seconds, clients)
                achieved = len(commands) / (time.perf_counter() - began)
                expected = (len(commands) + 1) * subscriptions
                wait_for(lambda: receiver.ask("count") >= expected, 120, "every delivery")
                wait_for(lambda: first_reached(sampler.samples, commands[-1][1]) is not None, 60, "the views")
                sampler.running = False
                sampler.join()
                spent = loops_cpu(worker.pid) - warmed
            arrivals, samples = receiver.ask("dump")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=60)
            receiver.stop()
            shutil.rmtree(var_dir, ignore_errors=True)
    return measure(commands, arrivals, sampler.samples, expected, achieved) | {
        "signatures_verified": verified(samples, secrets), "loops_cpu_seconds": round(spent, 2),
        "loops_cpu_us_per_delivery": round(spent / expected * 1e6, 1)}


def measure(commands: list[tuple[float, int]], arrivals: list[tuple[str, str, int, float]],
            samples: list[tuple[float, int]], expected: int, achieved: float) -> dict[str, Any]:
    committed = {position: at for at, position in commands}
    start = commands[0][0] + WARM_UP_SECONDS
    first: dict[str, tuple[int, float]] = {}
    for message, _, position, at in arrivals:
        if message not in first or at < first[message][1]:
            first[message] = (position, at)
    hooks = [max(0.0, at - committed[p]) for p, at in first.values() if p in committed and committed[p] >= start]
    views = [max(0.0, reached - at) for at, position in commands if at >= start
             and (reached := first_reached(samples, position)) is not None]
    return {"commands": len(commands), "achieved_rate": round(achieved, 1), "expected": expected,
            "delivered": len(first), "duplicates": len(arrivals) - len(first), **figures("webhooks", hooks),
            **figures("projections", views)}


def figures(name: str, lags: list[float]) -> dict[str, float]:
    return {f"{name}_p50_ms": round(percentile(lags, 0.5) * 1000, 1),
            f"{name}_p99_ms": round(percentile(lags, 0.99) * 1000, 1),
            f"{name}_max_ms": round(max(lags) * 1000, 1)}


def main() -> None:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
        parser.add_argument("--seconds", type=float, default=None, help="per run (default 20; --quick 5)")
        parser.add_argument("--subscriptions", type=int, default=10)
        parser.add_argument("--clients", type=int, default=4, help="threads placing the commands (1: one after "
                            "another, each waiting for the last one's commit)")
        parser.add_argument("--worker-arg", action="append", default=[], help="passed to `civicflow workers`")
        parser.add_argument("--compare-tree", metavar="DIR", help="also run each run's worker on the code in DIR "
                            "(e.g. `git archive main | tar -x -C DIR`), alternating: an A/B, ratio this ÷ DIR")

    args = parse_args(__doc__.splitlines()[0], extra)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    at_start = code_state()
    for base in store_kinds(args):
        note(f"webhook lag on {store_kind(base)} at {args.rate:g} commands/s, {args.subscriptions} subscriptions, "
             f"{seconds:g} s per run, {args.runs} runs")
        runs, before = [], []
        for number in range(args.runs):
            trees = [None] if not args.compare_tree else [None, args.compare_tree][::1 if number % 2 == 0 else -1]
            for tree in trees:
                result = one_run(base, args.rate, seconds, args.subscriptions, args.worker_arg, tree, args.clients)
                (before if tree else runs).append(result)
                emit({"bench": "webhooks", "run": number, "code": tree or "this tree", "clients": args.clients,
                      **result, "load_average": os.getloadavg()[0], **store_facts(base)})
        if before:
            emit({"bench": "webhooks", "summary": "a/b", "compare_tree": args.compare_tree, "ratio": round(median(
                [a["webhooks_p99_ms"] / b["webhooks_p99_ms"] for a, b in zip(runs, before)]), 3),
                "ratio_is": "webhooks p99 this tree / the compared tree's (paired runs)",
                "before_webhooks_p99_ms": median([b["webhooks_p99_ms"] for b in before]),
                "after_webhooks_p99_ms": median([a["webhooks_p99_ms"] for a in runs]),
                "cpu_ratio": round(median([a["loops_cpu_us_per_delivery"] / b["loops_cpu_us_per_delivery"]
                                           for a, b in zip(runs, before)]), 3),
                "cpu_ratio_is": "the loop processes' CPU per delivery, this tree / the compared tree's (paired runs)"})
        keys = [key for key in runs[0] if key.endswith("_ms") or key in ("achieved_rate", "loops_cpu_us_per_delivery")]
        emit({"bench": "webhooks", "summary": True, "rate": args.rate, "seconds": seconds, "clients": args.clients,
              "subscriptions": args.subscriptions, "runs": args.runs, "worker_args": args.worker_arg,
              **{key: median([r[key] for r in runs]) for key in keys},
              "all_delivered": all(r["delivered"] == r["expected"] for r in runs),
              "ratio": round(median([r["webhooks_p99_ms"] / max(r["projections_p99_ms"], 0.1) for r in runs]), 3),
              "ratio_is": "webhooks p99 / projections p99 (same run)", "machine": machine(),
              **code_states(at_start), **store_facts(base)})


if __name__ == "__main__":
    main()
