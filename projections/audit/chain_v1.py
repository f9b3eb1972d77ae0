"""Format v1 of the audit chain, kept to verify the v1 checkpoints of a migrated store (`civicflow audit migrate`).

v1 chained only this envelope of ids and the stored bytes' hash (so an export's readable fields went unproven):

envelope = canonical JSON of {position, originator_id, originator_version, topic, state_sha256}
leaf_n   = sha256(0x00 ‖ envelope_n)
head_n   = sha256(0x01 ‖ head_prev ‖ leaf_n), head_prev being the head of the previous present position
head_0   = sha256("civicflow-audit-v1")
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any
from uuid import UUID

GENESIS = hashlib.sha256(b"civicflow-audit-v1").digest()
LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def envelope(position: int, originator_id: UUID | str, originator_version: int, topic: str,
             state_sha256: str) -> dict[str, Any]:
    return {"position": position, "originator_id": str(originator_id), "originator_version": originator_version,
            "topic": topic, "state_sha256": state_sha256}


def notification_envelope(notification: Any) -> dict[str, Any]:
    """The envelope of a stored event, hashing its bytes exactly as recorded (ciphertext if encrypted)."""
    return envelope(notification.id, notification.originator_id, notification.originator_version,
                    notification.topic, hashlib.sha256(notification.state).hexdigest())


def leaf_hash(env: dict[str, Any]) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + canonical_json(env)).digest()


@lru_cache(maxsize=1024)  # topics are few
def _json_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def notification_leaf(notification: Any) -> tuple[dict[str, Any], bytes]:
    """A stored event's envelope and leaf hash. This runs once per event when folding and when verifying, so the
    canonical JSON is written out directly: its keys are fixed and sorted, and a UUID, two integers and a hex
    digest need no escaping (equal to leaf_hash(env), which the tests check)."""
    env = notification_envelope(notification)
    text = (f'{{"originator_id":"{env["originator_id"]}","originator_version":{int(env["originator_version"])},'
            f'"position":{int(env["position"])},"state_sha256":"{env["state_sha256"]}",'
            f'"topic":{_json_text(env["topic"])}}}')
    return env, hashlib.sha256(LEAF_PREFIX + text.encode("utf-8")).digest()


def next_head(previous_head: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + previous_head + leaf).digest()


def chain(previous_head: bytes, env: dict[str, Any]) -> bytes:
    return next_head(previous_head, leaf_hash(env))
