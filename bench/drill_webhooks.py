"""Drill (DESIGN §16): `civicflow workers --webhooks` against a local receiver; a burst of orders; the worker is
killed with SIGKILL mid-burst and started again. Every event must arrive at least once, none lost; a duplicate
carries the same webhook-id. Prints JSON lines; exits 1 if anything was lost.

    .venv/bin/python bench/drill_webhooks.py [--orders 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import scratch_store  # noqa: E402
from application.policy.principal import Principal  # noqa: E402
from application.settings import Settings  # noqa: E402
from interfaces.bootstrap import bootstrap  # noqa: E402

RESIDENT = {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}


def receiver() -> tuple[ThreadingHTTPServer, list[tuple[str, int]]]:
    got: list[tuple[str, int]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.headers["webhook-id"], json.loads(body)["data"]["position"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = str(Path(sys.executable).with_name("civicflow"))  # the installed entry point, beside this python
    return subprocess.Popen([command, "workers", "--webhooks"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            cwd=Path(__file__).resolve().parents[1])


def wait_for(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--database-url", default="sqlite", help="a PostgreSQL URL: a scratch schema in it")
    args = parser.parse_args()
    with scratch_store(args.database_url, "drill_webhooks") as url:
        return drill(url, args.orders)


def drill(url: str, orders: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="drill-webhooks-"))
    env = {**os.environ, "CIVICFLOW_DATABASE_URL": url, "CIVICFLOW_VAR_DIR": str(folder / "var"),
           "CIVICFLOW_WEBHOOKS_ALLOW_PRIVATE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    server, got = receiver()
    settings = Settings(database_url=url, var_dir=folder / "var", webhooks_allow_private=True)
    with bootstrap(settings) as system:
        admin = Principal(uuid4(), "admin")
        system.app.subscribe_webhook(admin, f"http://127.0.0.1:{server.server_port}/in", ["order.placed"],
                                     actor=admin.actor)
        worker = start_worker(env)
        killed_at = None
        for number in range(orders):
            system.app.place_order("health", "post-babaoshan-01", "drill", RESIDENT, "drill", actor="drill")
            if number == orders // 2:  # mid-burst, once the worker is delivering
                wait_for(lambda: len(got) >= orders // 4, 60)
                os.killpg(worker.pid, signal.SIGKILL)  # the worker and its loop, with no chance to clean up
                worker.wait()
                killed_at = number
                print(json.dumps({"event": "killed", "after_orders": number + 1, "received": len(got)}), flush=True)
                worker = start_worker(env)
        complete = wait_for(lambda: len({p for _, p in got}) >= orders, 120)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    report = {"event": "result", **verdict(got, orders), "killed_after": killed_at, "complete": complete,
              "store": url.split(":", 1)[0]}
    print(json.dumps(report), flush=True)
    server.shutdown()
    return 0 if report["lost"] == 0 and report["one_position_per_id"] and report["in_order"] else 1


def verdict(got: list[tuple[str, int]], orders: int) -> dict[str, object]:
    """Every position arrived (none lost), each webhook-id names one position, first arrivals in log order."""
    ids = Counter(i for i, _ in got)
    by_id = {i: {p for j, p in got if j == i} for i in ids}
    firsts = list(dict.fromkeys(p for _, p in got))  # each position at its first arrival
    return {"orders": orders, "received": len(got), "distinct": len(ids),
            "duplicates": sum(c - 1 for c in ids.values()), "lost": orders - len(set(firsts)),
            "one_position_per_id": all(len(v) == 1 for v in by_id.values()), "in_order": firsts == sorted(firsts)}


if __name__ == "__main__":
    sys.exit(main())
