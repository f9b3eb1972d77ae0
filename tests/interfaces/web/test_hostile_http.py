"""Hostile bodies over a real socket to `civicflow serve` (gunicorn dechunks them, so only a real server can
send these): a malformed chunk size is 400, a chunked body over 64 KiB is 413, and neither writes anything."""

from __future__ import annotations

import json
import socket

from tests.interfaces.web.test_serve_end_to_end import Server, server  # noqa: F401  # the fixture, on both stores

RESIDENT = {"name": "王秀英", "phone": "13911112222", "address": "八宝山 3-201"}


def send_raw(server: Server, head: str, body: bytes) -> tuple[int, str, dict]:
    """One request written byte for byte; the status, content type and JSON body of the answer."""
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    header, _, content = answer.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), fields.get("content-type", ""), json.loads(content)


def chunked_post(server: Server, path: str, token: str, chunks: bytes) -> tuple[int, str, dict]:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    return send_raw(server, head, chunks)


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_hostile_chunked_bodies_are_4xx_problems_and_write_nothing(server: Server) -> None:
    channel, = server.tokens(["--role", "channel", "--channel", "district-app"])
    status, order = server.call(channel, "POST", "/api/v1/orders", {
        "category": "health", "site_id": "post-babaoshan-01", "description": "check", "resident": RESIDENT})
    assert status == 201, order
    cancel = f"/api/v1/orders/{order['id']}/cancel"

    smuggled = chunk(b'{"reason": "smuggled"}') + b"".join(chunk(b" " * 50_000) for _ in range(4)) + b"0\r\n\r\n"
    assert chunked_post(server, cancel, channel, smuggled)[:2] == (413, "application/problem+json")
    declared = b'{"reason": "too long"}' + b" " * 100_000
    head = (f"POST {cancel} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {channel}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(declared)}\r\nConnection: close\r\n\r\n")
    assert send_raw(server, head, declared)[:2] == (413, "application/problem+json")  # read on, so seen whole
    malformed = b"zz\r\n{}\r\n0\r\n\r\n"
    status, kind, problem = chunked_post(server, cancel, channel, malformed)
    assert (status, kind, problem["status"]) == (400, "application/problem+json", 400), problem

    assert server.call(channel, "GET", f"/api/v1/orders/{order['id']}")[1]["status"] == "placed"
    accepted = chunk(b'{"reason": "moved away"}') + b"0\r\n\r\n"
    status, _, cancelled = chunked_post(server, cancel, channel, accepted)
    assert (status, cancelled["status"], cancelled["cancel_reason"]) == (200, "cancelled", "moved away")
