"""The port that sends a signed delivery, and its adapter on the standard library's http.client: it connects to
the address the URL policy checked (never re-resolving the name), follows no redirect (a redirect could lead where
the policy refuses), and keeps one connection per receiver and thread alive between deliveries."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 15.0
READ_AT_MOST = 65_536  # what a receiver says is not ours to keep; read a little, then drop the connection
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
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


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to the first of the given addresses that answers; the Host header still names the URL's
    host."""

    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        failure: OSError = OSError(f"no address for {self.host}")
        for address in self.addresses:
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
            except OSError as error:
                failure = error
                continue
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return
        raise failure


class _PinnedTls(_Pinned):
    """TLS to a given address, the certificate checked against the URL's host name."""

    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, addresses, timeout)
        self.context = context

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


class HttpSender:
    def __init__(self) -> None:
        self.local = threading.local()  # each delivery thread its own connections
        self.tls = ssl.create_default_context()

    def send(self, url: str, body: bytes, headers: dict[str, str], timeout: float,
             addresses: tuple[str, ...]) -> Response:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname or "", parts.port, addresses)
        for fresh in (False, True):
            connection = self._connection(key, timeout, fresh)
            try:
                connection.request("POST", target, body=body, headers=headers)
                return self._answer(key, connection.getresponse())
            except STALE as error:
                self._drop(key)
                if fresh:  # a kept connection the receiver had closed is tried once anew
                    return Response(None, error=f"{type(error).__name__}: {error}"[:300])
            except (OSError, http.client.HTTPException, ValueError) as error:  # timeout, refused, bad reply
                self._drop(key)
                return Response(None, error=f"{type(error).__name__}: {error}"[:300])
        raise AssertionError("unreachable")

    def _answer(self, key: Key, reply: http.client.HTTPResponse) -> Response:
        reply.read(READ_AT_MOST)
        if not reply.isclosed() or reply.will_close:
            self._drop(key)  # too long to read through, or the receiver closes it
        return Response(reply.status, reply.getheader("Retry-After"))

    def _connection(self, key: Key, timeout: float, fresh: bool) -> _Pinned:
        kept = self._kept()
        if fresh or key not in kept:
            self._drop(key)
            scheme, host, port, addresses = key
            if scheme == "https":
                kept[key] = _PinnedTls(host, port or 443, addresses, timeout, self.tls)
            else:
                kept[key] = _Pinned(host, port or 80, addresses, timeout)
        return kept[key]

    def _drop(self, key: Key) -> None:
        connection = self._kept().pop(key, None)
        if connection is not None:
            connection.close()

    def _kept(self) -> dict[Key, _Pinned]:
        if not hasattr(self.local, "connections"):
            self.local.connections = {}
        return self.local.connections  # type: ignore[no-any-return]
