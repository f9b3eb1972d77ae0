"""HTTP helpers for the load bench and the crash drills: servers on 127.0.0.1, a logging client, a district.

Only loopback targets; every loop is bounded by a count or a deadline.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import CIVICFLOW_CLI, store_env

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
RESIDENT = {"name": "王女士", "phone": "13800000000", "address": "古城街道 1 号"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- servers --------------------------------------------------------------------------------------

def start_civicflow(url: str, var_dir: Path, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`civicflow serve` in its own process group (so a drill can SIGKILL master and workers at once)."""
    command = [CIVICFLOW_CLI, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=store_env(url, var_dir), stdout=out, stderr=out,
                                start_new_session=True, cwd=var_dir)


def start_empty_flask(workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    """The baseline: an empty Flask endpoint under gunicorn with `civicflow serve`'s options and worker count."""
    command = [sys.executable, "-m", "bench.empty_flask", "--host", HOST, "--port", str(port),
               "--workers", str(workers)]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_ready(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/healthz", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no server answered on {HOST}:{port} within {timeout} s")


def stop(server: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the server's whole process group (master and workers) and reap the master."""
    try:
        os.killpg(server.pid, sig)
    except ProcessLookupError:
        pass
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


# --- the client -----------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: Any = None, token: str | None = None,
            timeout: float = 30, headers: dict[str, str] | None = None,
            session: Session | None = None) -> tuple[int, Any]:
    """One request: on a new connection, closed afterwards, or on `session`'s kept-alive connection."""
    conn = session.connection(timeout) if session else http.client.HTTPConnection(HOST, port, timeout=timeout)
    keep = False
    try:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
        response = conn.getresponse()
        raw = response.read()
        keep = session is not None and not response.will_close
        return response.status, json.loads(raw) if raw and raw[:1] in b"{[" else raw
    finally:
        if not keep:
            conn.close()
            if session:
                session.conn = None


@dataclass
class Session:
    """One connection reused from request to request, as HTTP client libraries with a connection pool do
    (requests.Session, OkHttp, Go's net/http); reopened when the server closed it. No retries: a request
    that fails on it is reported like any other transport error."""

    port: int
    conn: http.client.HTTPConnection | None = None

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        return self.conn


@dataclass
class Journal:
    """Every request and its outcome (status and body, or the transport error), in order, thread-safe."""

    path: Path | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, port: int, method: str, path: str, body: Any = None, token: str | None = None,
             key: str | None = None, timeout: float = 30, session: Session | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"method": method, "path": path, "body": body, "key": key, "sent": time.time()}
        started = time.perf_counter()
        try:
            headers = {"Idempotency-Key": key} if key else None
            entry["status"], entry["response"] = request(port, method, path, body, token, timeout, headers, session)
        except (OSError, http.client.HTTPException) as error:
            entry["status"], entry["error"] = None, f"{type(error).__name__}: {error}"
        entry["ms"] = (time.perf_counter() - started) * 1000
        self._log(entry)
        return entry

    def _log(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.entries.append(entry)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


# --- a district to load ---------------------------------------------------------------------------

@dataclass
class District:
    category: str
    site: str
    channel_token: str
    dispatcher_token: str
    volunteers: list[tuple[str, str]]  # (volunteer id, its token)


def prepare_district(url: str, var_dir: Path, volunteers: int) -> District:
    """Sites, volunteers and tokens, written through the application before any server starts."""
    from interfaces.bootstrap import application
    from application.reference import catalogue
    from application.settings import Settings
    from application.tokens import TokenBook

    app = application(Settings(database_url=url, var_dir=var_dir), reference_data=False)
    app.load_reference_data()
    category = next(iter(catalogue()))
    site = next(s.code for s in app.sites if s.level == "post")
    book = TokenBook(app)
    channel, _ = book.issue("channel", channel="bench-app", actor="admin:bench")
    dispatcher, _ = book.issue("dispatcher", site_id="center", actor="admin:bench")
    people = []
    for i in range(volunteers):
        vid = app.register_volunteer(f"志愿者{i}", f"1370000{i:04d}", site, [category], actor="admin:bench").id
        people.append((str(vid), book.issue("volunteer", volunteer_id=vid, actor="admin:bench")[0]))
    app.close()
    return District(category, site, channel, dispatcher, people)


def chain_steps(district: District, slot: int) -> list[tuple[str, str, Any, str]]:
    """The six commands of one order as (name, path template, body, token); `{id}` is the order id."""
    vid, vtoken = district.volunteers[slot % len(district.volunteers)]
    return [("place", "/api/v1/orders", {"category": district.category, "site_id": district.site,
                                         "description": "bench order", "resident": RESIDENT},
             district.channel_token),
            ("dispatch", "/api/v1/orders/{id}/dispatch", {"volunteer_id": vid}, district.dispatcher_token),
            ("accept", "/api/v1/orders/{id}/accept", {}, vtoken),
            ("start", "/api/v1/orders/{id}/start", {}, vtoken),
            ("complete", "/api/v1/orders/{id}/complete", {"service_minutes": 10}, vtoken),
            ("review", "/api/v1/orders/{id}/review", {"rating": 5}, district.channel_token)]
