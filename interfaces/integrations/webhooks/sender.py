"""The port that sends a signed delivery, and its adapter: HTTP/1.1 on a socket to the address the URL policy
checked (never re-resolving the name), the answer parsed by `httptools` (llhttp, in C: the standard library's
http.client spent most of a delivery's CPU parsing headers through the email package), no redirect followed (a
redirect could lead where the policy refuses), connections kept alive between deliveries and shared by the
delivery threads."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httptools

TIMEOUT_SECONDS = 15.0
READ_AT_MOST = 65_536  # what a receiver says is not ours to keep; read a little, then drop the connection
Key = tuple[str, str, int | None, tuple[str, ...]]  # scheme, host, port, addresses: one kept connection each


@dataclass(frozen=True)
class Response:
    """What came back: a status (None when no answer came: timeout, refused, reset) and the Retry-After header."""

    status: int | None
    retry_after: str | None = None
    error: str | None = None


class Sender(Protocol):
    def send(self, url: str, body: bytes, headers: dict[str, str], timeout: float,
             addresses: tuple[str, ...]) -> Response:
        """POST `body` to `url`, connecting to one of `addresses` (those the URL policy allowed for its host)."""


class Stale(ConnectionError):
    """A kept connection the receiver had closed before answering anything: tried once anew."""


class _Answer:
    """The parser's callbacks: the status comes from the parser; Retry-After, whether the connection may be kept and
    the end of the message from here."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.retry_after: str | None = None
        self.headers_done = self.complete = self.keep_alive = False
        self.body_bytes = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"retry-after":
            self.retry_after = value.decode("latin-1").strip()

    def on_headers_complete(self) -> None:
        self.headers_done = True
        # asked here: once the message is complete, llhttp has reset its flags and says False for any 200 with a
        # Content-Length (every delivery then opened a connection of its own)
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)

    def on_message_complete(self) -> None:
        self.complete = True


class Connection:
    """One HTTP/1.1 connection to the first of the checked addresses that answers (TLS checked against the URL's
    host name); the Host header still names the URL's host."""

    def __init__(self, key: Key, timeout: float, tls: ssl.SSLContext):
        scheme, host, port, addresses = key
        name = f"[{host}]" if ":" in host else host if host.isascii() else host.encode("idna").decode("ascii")
        self.host_header = name if port is None else f"{name}:{port}"
        self.sock = _connect(addresses, port or (443 if scheme == "https" else 80), timeout)
        if scheme == "https":
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        self.reusable = True

    def post(self, target: str, body: bytes, headers: dict[str, str], timeout: float) -> Response:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST {target} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                   f"Content-Length: {len(body)}\r\n{head}\r\n").encode("ascii") + body
        self.sock.settimeout(timeout)
        self.sock.sendall(request)
        answer = _Answer()
        parser = answer.parser
        received = False
        while not answer.complete and answer.body_bytes <= READ_AT_MOST:
            data = self.sock.recv(65_536)
            if not data:
                self._ended(answer, received)
                break
            received = True
            parser.feed_data(data)
        self.reusable = answer.complete and answer.keep_alive  # else: closed, or too long to read through
        return Response(parser.get_status_code(), answer.retry_after)

    def _ended(self, answer: _Answer, received: bool) -> None:
        """The receiver closed the connection: a kept one before answering (stale), or a body read to its end."""
        self.reusable = False
        if not received:
            raise Stale("the receiver closed the connection without answering")
        if not answer.headers_done:
            raise ConnectionError("the receiver closed the connection mid-answer")

    def close(self) -> None:
        self.sock.close()


def _checked(target: str) -> str:
    """The request target as sent: ASCII with no space or control character (else ValueError: a failed attempt)."""
    if not target.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        raise ValueError(f"the URL's path cannot be sent as it is: {target[:80]!r}")
    return target


def _connect(addresses: tuple[str, ...], port: int, timeout: float) -> socket.socket:
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise failure


class HttpSender:
    """Kept connections are shared by the delivery threads: one is taken out while a thread sends on it and put
    back after, so a receiver sees about as many connections as deliveries in flight to it (the courier sends one
    subscription's deliveries one at a time: one connection per subscription), not one per thread."""

    def __init__(self) -> None:
        self.idle: dict[Key, list[Connection]] = {}
        self.lock = threading.Lock()
        self.tls = ssl.create_default_context()

    def send(self, url: str, body: bytes, headers: dict[str, str], timeout: float,
             addresses: tuple[str, ...]) -> Response:
        parts = urlsplit(url)
        try:
            target = _checked((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        except ValueError as error:
            return _failed(error)
        key = (parts.scheme, parts.hostname or "", parts.port, addresses)
        for fresh in (False, True):
            connection = None
            try:
                connection = self._take(key, timeout, fresh)
                response = connection.post(target, body, headers, timeout)
            except (Stale, BrokenPipeError, ConnectionResetError) as error:
                _close(connection)
                if fresh:  # a kept connection the receiver had closed is tried once anew
                    return _failed(error)
                continue
            except (OSError, httptools.HttpParserError, ValueError) as error:  # timeout, refused, a bad reply
                _close(connection)
                return _failed(error)
            self._give_back(key, connection)
            return response
        raise AssertionError("unreachable")

    def _take(self, key: Key, timeout: float, fresh: bool) -> Connection:
        with self.lock:
            kept = self.idle.get(key)
            connection = kept.pop() if kept and not fresh else None
        return connection or Connection(key, timeout, self.tls)  # UnicodeError (a bad IDN) is a ValueError

    def _give_back(self, key: Key, connection: Connection) -> None:
        if not connection.reusable:
            connection.close()
            return
        with self.lock:
            self.idle.setdefault(key, []).append(connection)

    def close(self) -> None:
        with self.lock:
            kept, self.idle = self.idle, {}
        for connections in kept.values():
            for connection in connections:
                connection.close()


def _close(connection: Connection | None) -> None:
    if connection is not None:
        connection.close()


def _failed(error: BaseException) -> Response:
    return Response(None, error=f"{type(error).__name__}: {error}"[:300])
