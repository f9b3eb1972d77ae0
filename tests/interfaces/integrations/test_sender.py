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


@pytest.mark.parametrize("status", [200, 202, 204])  # llhttp forgets keep-alive of a completed 200 with a length
def test_it_connects_to_the_checked_address_and_keeps_the_connection(recorder: Recorder, status: int) -> None:
    recorder.script = [(status, {})] * 3
    sender, url = HttpSender(), f"http://hooks.example.invalid:{recorder.port}/in?x=1"
    answers = [sender.send(url, b"{}", {"content-type": "application/json"}, 5.0, ("127.0.0.1",)).status
               for _ in range(3)]
    assert answers == [status] * 3
    assert [g["host"] for g in recorder.got] == [f"hooks.example.invalid:{recorder.port}"] * 3
    assert len({g["port"] for g in recorder.got}) == 1, "one connection, kept alive"


def test_delivery_threads_share_the_kept_connections(recorder: Recorder) -> None:
    sender, url = HttpSender(), f"http://127.0.0.1:{recorder.port}/in"
    first = sender.send(url, b"{}", {}, 5.0, ("127.0.0.1",))
    other = threading.Thread(target=sender.send, args=(url, b"{}", {}, 5.0, ("127.0.0.1",)))
    other.start()
    other.join(10)
    sender.close()
    assert first.status == 204 and len(recorder.got) == 2
    assert recorder.got[0]["port"] == recorder.got[1]["port"], "another thread sent on the same connection"


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


def one_shot_server(answers: list[bytes]) -> tuple[socket.socket, threading.Thread]:
    """A socket server that answers each connection's first request with the next of `answers`, then closes it."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        for answer in answers:
            conn, _ = server.accept()
            with conn:
                conn.recv(65_536)
                conn.sendall(answer)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


def test_a_kept_connection_the_receiver_closed_is_tried_once_anew() -> None:
    server, thread = one_shot_server([b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"] * 2)
    with server:
        sender, url = HttpSender(), f"http://127.0.0.1:{server.getsockname()[1]}/in"
        first = sender.send(url, b"{}", {}, 5.0, ("127.0.0.1",))  # kept: the server says nothing of closing it
        second = sender.send(url, b"{}", {}, 5.0, ("127.0.0.1",))  # the kept one is closed: a new one is made
        thread.join(5)
    assert (first.status, second.status) == (200, 200)


@pytest.mark.parametrize("answer, status", [
    (b"HTTP/1.0 200 OK\r\nRetry-After: 3\r\n\r\nthe body runs to the end of the connection", 200),
    (b"HTTP/1.1 500 Oops\r\nContent-Length: 200000\r\n\r\n" + b"x" * 200_000, 500),  # read a little, then dropped
    (b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 202)])
def test_answers_of_every_framing_are_read(answer: bytes, status: int) -> None:
    server, thread = one_shot_server([answer])
    with server:
        got = HttpSender().send(f"http://127.0.0.1:{server.getsockname()[1]}/in", b"{}", {}, 5.0, ("127.0.0.1",))
        thread.join(5)
    assert got.status == status and got.error is None


@pytest.mark.parametrize("answer", [b"SSH-2.0-OpenSSH_9.2\r\n", b"HTTP/1.1 200 OK\r\nContent-Le"])
def test_a_garbled_or_cut_answer_is_a_failed_attempt(answer: bytes) -> None:
    server, thread = one_shot_server([answer])
    with server:
        got = HttpSender().send(f"http://127.0.0.1:{server.getsockname()[1]}/in", b"{}", {}, 5.0, ("127.0.0.1",))
        thread.join(5)
    assert got.status is None and got.error


def test_a_url_that_cannot_be_sent_as_it_is_is_a_failed_attempt() -> None:
    got = HttpSender().send("http://127.0.0.1:9/a b", b"{}", {}, 1.0, ("127.0.0.1",))
    assert got.status is None and "cannot be sent" in (got.error or "")
