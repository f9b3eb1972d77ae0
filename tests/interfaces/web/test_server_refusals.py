"""What gunicorn refuses before the app sees it — a URI or a header too long, a malformed header or request line —
is answered as application/problem+json too (DESIGN §7), by a real `civicflow serve` over raw sockets."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.interfaces.web.test_serve_end_to_end import STARTUP_TIMEOUT_SECONDS, Server, server  # noqa: F401 - the fixture

REFUSED = {
    "a URI of 10,000 bytes": (b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "a header line of 20,000 bytes": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20_000 + b"\r\n\r\n",
                                      431),
    "a malformed header line": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400),
    "a malformed request line": (b"NOT A REQUEST LINE\r\n\r\n", 400),
}


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """These requests never reach the store: SQLite alone (the `server` fixture serves on it)."""
    return f"sqlite:///{tmp_path / 'civicflow.db'}"


def exchange(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the answer to the end (gunicorn closes the connection after an error)."""
    with socket.create_connection(("127.0.0.1", urlsplit(server.base).port), timeout=30) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole request was read: its answer is still waiting
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def test_what_gunicorn_refuses_is_answered_as_a_problem(server: Server) -> None:
    for case, (request, status) in REFUSED.items():
        answered, headers, body = exchange(server, request)
        assert (answered, headers.get("content-type")) == (status, "application/problem+json"), (case, body)
        problem = json.loads(body)
        assert problem["status"] == status and problem["title"] and problem["detail"], (case, problem)
        with urllib.request.urlopen(server.base + problem["type"], timeout=30) as page:  # the type resolves
            assert page.status == 200 and page.headers.get_content_type() == "text/html", case


def test_a_refused_request_is_logged_as_gunicorn_logs_it(server: Server) -> None:
    exchange(server, REFUSED["a malformed header line"][0])
    while "Invalid request from ip=127.0.0.1" not in (line := server.lines.get(timeout=STARTUP_TIMEOUT_SECONDS)):
        assert "Traceback" not in line, server.diagnosis()
