"""docs/webhooks.md's verification snippet, run as written against what the worker signs: it accepts a delivery
signed with the secret (and, during a rotation, with either secret), and refuses a changed body or another secret."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from interfaces.integrations.webhooks.signing import signed_headers

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
OLD, NEW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def snippet() -> dict[str, Any]:
    [code] = [block for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S) if "verify" in block]
    scope: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), scope)  # noqa: S102 - our own documentation's example
    return scope


def test_the_documented_check_accepts_what_civicflow_signs_and_nothing_else() -> None:
    verified_event = snippet()["verified_event"]
    body = '{"data":{"order_id":"x","position":7,"site_id":"s","status":"placed","version":1},"type":"order.placed"}'
    headers = signed_headers("msg_1", datetime.now(timezone.utc), body, [NEW, OLD])  # a rotation's grace period
    assert verified_event(NEW, body.encode(), headers)["data"]["position"] == 7
    assert verified_event(OLD, body.encode(), headers)["type"] == "order.placed"
    assert verified_event(NEW, body.replace("7", "8").encode(), headers) is None
    assert verified_event("whsec_" + "A" * 32, body.encode(), headers) is None
    stale = signed_headers("msg_1", datetime(2026, 1, 1, tzinfo=timezone.utc), body, [NEW])
    assert verified_event(NEW, body.encode(), stale) is None  # a replayed request, too old
