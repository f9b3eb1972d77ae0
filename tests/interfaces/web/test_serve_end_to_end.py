"""End to end: `civicflow serve` as a real process (gunicorn, 2 workers) on a free port, driven over real HTTP.

点单 → 派单 → 接单 → start → complete → 评单 by the right roles' tokens (issued with `civicflow tokens create`),
then the history, the volunteer's credited minutes, the audit trail and `audit/verify` — on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CIVICFLOW = str(Path(sys.executable).with_name("civicflow"))
STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], port: int):
        self.env, self.base = env, f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([CIVICFLOW, "serve", "--port", str(port), "--workers", "2"], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:  # keeps the pipe empty, so the server never blocks writing its logs
        for line in self.process.stdout:  # type: ignore[union-attr]  (its access log and its errors, merged)
            self.lines.put(line)
            self.log.append(line)

    def diagnosis(self) -> str:
        lines = [line for line in self.log if '"event": "request"' not in line]
        return f"server exit code {self.process.poll()}; its log:\n" + "".join(lines[-40:])

    def wait_until_listening(self) -> None:
        """gunicorn logs 'Listening at' once the socket is bound; requests then queue until a worker takes them."""
        while "Listening at" not in (line := self.lines.get(timeout=STARTUP_TIMEOUT_SECONDS)):
            assert self.process.poll() is None, f"civicflow serve exited: {line}"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tokens(self, *requests: list[str]) -> list[str]:
        """`civicflow tokens create ...` for each request, one after the other; each token is its last stdout line.

        (Not side by side: processes opening a PostgreSQL store at the same instant race in eventsourcing's
        CREATE TABLE IF NOT EXISTS — "tuple concurrently updated".)"""
        runs = [subprocess.run([CIVICFLOW, "tokens", "create", *args], env=self.env, capture_output=True, text=True,
                               timeout=60) for args in requests]
        assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
        return [run.stdout.strip().splitlines()[-1] for run in runs]

    def call(self, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except urllib.error.URLError as error:
            raise AssertionError(f"{method} {path}: {error}\n{self.diagnosis()}") from error


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[Server]:
    env = {**os.environ, "CIVICFLOW_DATABASE_URL": store_url, "CIVICFLOW_VAR_DIR": str(tmp_path / "var")}
    running = Server(env, free_port())
    try:
        running.wait_until_listening()
        yield running
    finally:
        running.stop()


def step(server: Server, token: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
    status, answer = server.call(token, method, path, body)
    print(f"  {method} {path} -> {status} {answer.get('status', '') if isinstance(answer, dict) else ''}")
    assert status == expect, answer
    return answer


def test_an_order_walks_the_whole_workflow_over_real_http(server: Server, store_url: str) -> None:
    print(f"\ncivicflow serve on {store_url.split('?')[0].split('://')[0]}, 2 workers, {server.base}")
    dispatcher, channel, inspector = server.tokens(["--role", "dispatcher", "--site", "station-babaoshan"],
                                                   ["--role", "channel", "--channel", "district-app"],
                                                   ["--role", "inspector"])
    volunteer_id = step(server, dispatcher, "POST", "/api/v1/volunteers", {
        "name": "Li Lei", "phone": "13800000001", "home_site_id": "post-babaoshan-01", "skills": ["health"]},
        expect=201)["id"]
    [volunteer] = server.tokens(["--role", "volunteer", "--volunteer", volunteer_id])
    order = step(server, channel, "POST", "/api/v1/orders", {
        "category": "health", "site_id": "post-babaoshan-01", "description": "blood pressure check",
        "resident": {"name": "王秀英", "phone": "13911112222", "address": "八宝山 3-201"}}, expect=201)
    path = f"/api/v1/orders/{order['id']}"
    step(server, dispatcher, "POST", f"{path}/dispatch", {"volunteer_id": volunteer_id})
    step(server, volunteer, "POST", f"{path}/accept", {})
    step(server, volunteer, "POST", f"{path}/start", {})
    step(server, volunteer, "POST", f"{path}/complete", {"service_minutes": 10})
    reviewed = step(server, channel, "POST", f"{path}/review", {"rating": 5, "comment": "很好"})
    assert (reviewed["status"], reviewed["version"]) == ("reviewed", 6)
    history = step(server, inspector, "GET", f"{path}/history")["items"]
    assert [item["type"] for item in history] == ["Placed", "Dispatched", "Accepted", "ServiceStarted",
                                                  "ServiceCompleted", "Reviewed"]
    assert step(server, volunteer, "GET", f"/api/v1/volunteers/{volunteer_id}")["service_minutes"] == 10
    listed = step(server, dispatcher, "GET", "/api/v1/orders?status=reviewed")["items"]
    assert [row["id"] for row in listed] == [order["id"]]
    audit = step(server, inspector, "GET", f"/api/v1/audit/events?aggregate_id={order['id']}")["items"]
    assert [item["version"] for item in audit] == [1, 2, 3, 4, 5, 6] and all(item["hash"] for item in audit)
    verified = step(server, inspector, "GET", "/api/v1/audit/verify")
    assert verified["ok"] is True and verified["first_bad_position"] is None and verified["checked"] > 6
    print(f"  order {order['id']} reviewed; volunteer credited 10 minutes; audit trail of {len(audit)} events; "
          f"audit/verify ok over {verified['checked']} events")
    logged = "".join(server.log)
    assert "status=reviewed" not in logged and "GET /api/v1/orders HTTP" in logged  # no query string is logged
    assert "13911112222" not in logged and "王秀英" not in logged
