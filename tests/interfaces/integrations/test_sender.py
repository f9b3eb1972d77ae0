"""The stdlib sender on a real socket: it connects to the checked address (the name is not resolved again),
keeps the connection alive, follows no redirect, reads Retry-After, and gives up at its timeout; and a receiver
behind it verifies the delivery with the `standardwebhooks` package."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from interfaces.integrations.webhooks.sender import HttpSender
from tests.interfaces.integrations.conftest import place, subscribe


class Recorder(ThreadingHTTPServer):
    """Answers each POST with the next scripted (status, headers); records (client port, Host, headers, body)."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.got.append({"port": self.client_address[1], "host": self.headers["Host"],
                                   "headers": dict(self.headers), "body": body})
                status, headers = server.script.pop(0) if server.script else (204, {})
                self.send_response(status)
                for name, value in {"Content-Length": "0", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_it_connects_to_the_checked_address_and_keeps_the_connection(recorder: Recorder) -> None:
    sender, url = HttpSender(), f"http://hooks.example.invalid:{recorder.port}/in?x=1"
    first = sender.send(url, b"{}", {"content-type": "application/json"}, 5.0, ("127.0.0.1",))
    second = sender.send(url, b"{}", {"content-type": "application/json"}, 5.0, ("127.0.0.1",))
    assert (first.status, second.status) == (204, 204)
    assert [g["host"] for g in recorder.got] == [f"hooks.example.invalid:{recorder.port}"] * 2
    assert recorder.got[0]["port"] == recorder.got[1]["port"], "one connection, kept alive"


def test_no_redirect_is_followed_and_retry_after_is_read(recorder: Recorder) -> None:
    recorder.script = [(302, {"Location": "http://169.254.169.254/latest"}), (503, {"Retry-After": "120"})]
    sender, url = HttpSender(), f"http://127.0.0.1:{recorder.port}/in"
    moved = sender.send(url, b"{}", {}, 5.0, ("127.0.0.1",))
    busy = sender.send(url, b"{}", {}, 5.0, ("127.0.0.1",))
    assert (moved.status, busy.status, busy.retry_after) == (302, 503, "120") and len(recorder.got) == 2


def test_a_receiver_that_never_answers_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the backlog), never answers
        port = silent.getsockname()[1]
        answer = HttpSender().send(f"http://127.0.0.1:{port}/in", b"{}", {}, 0.2, ("127.0.0.1",))
    assert answer.status is None and "timed out" in (answer.error or "")


def test_nobody_listening_is_a_failed_attempt() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    answer = HttpSender().send(f"http://127.0.0.1:{port}/in", b"{}", {}, 2.0, ("127.0.0.1",))
    assert answer.status is None and "Refused" in (answer.error or "")


def test_a_real_receiver_verifies_what_the_worker_sends(recorder: Recorder, tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(timezone.utc))  # Webhook.verify compares with the wall clock
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path, webhooks_allow_private=True)
    with bootstrap(settings, clock=clock) as system:
        delivery = WebhookDelivery.open(system)  # the real sender
        secret, _ = subscribe(system, url=f"http://localhost:{recorder.port}/in")
        place(system)
        assert delivery.one_pass()["delivered"] == 1
        delivery.close()
    [got] = recorder.got
    assert Webhook(secret).verify(got["body"], got["headers"])["type"] == "order.placed"
    assert b"13911112222" not in got["body"]


def test_it_falls_through_to_the_next_checked_address(recorder: Recorder) -> None:
    answer = HttpSender().send(f"http://hooks.example.invalid:{recorder.port}/in", b"{}", {}, 5.0,
                               ("::1", "127.0.0.1"))  # nothing of the recorder's on ::1
    assert answer.status == 204 and len(recorder.got) == 1
