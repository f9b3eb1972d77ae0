"""A receiver for webhook tests: it records every request and answers what the test scripts (2xx by default)."""

from __future__ import annotations

import base64
import hmac
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from standardwebhooks import Webhook

from interfaces.integrations.webhooks.sender import Response


@dataclass
class Received:
    url: str
    body: bytes
    headers: dict[str, str]
    timeout: float
    addresses: tuple[str, ...]

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        """The signature check of Standard Webhooks at the header's own timestamp (the tests' clock is not the
        wall clock, which `Webhook.verify` compares against)."""
        at = datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), tz=timezone.utc)
        expected = Webhook(secret).sign(self.headers["webhook-id"], at, self.body.decode()).split(",", 1)[1]
        given = [s.split(",", 1)[1] for s in self.headers["webhook-signature"].split(" ")]
        return any(hmac.compare_digest(base64.b64decode(expected), base64.b64decode(g)) for g in given)


@dataclass
class FakeReceiver:
    """The Sender port. `answers`: responses to give next, in order (then `default`); `down`: answer nothing."""

    default: Response = field(default_factory=lambda: Response(204))
    answers: deque[Response | Exception] = field(default_factory=deque)
    down: bool = False
    received: list[Received] = field(default_factory=list)

    def send(self, url: str, body: bytes, headers: dict[str, str], timeout: float,
             addresses: tuple[str, ...]) -> Response:
        self.received.append(Received(url, body, dict(headers), timeout, addresses))
        if self.down:
            return Response(None, error="ConnectionRefusedError: [Errno 111] Connection refused")
        answer = self.answers.popleft() if self.answers else self.default
        if isinstance(answer, Exception):
            raise answer
        return answer

    def types(self) -> list[str]:
        return [r.payload["type"] for r in self.received]

    def positions(self) -> list[int]:
        return [r.payload["data"]["position"] for r in self.received]
