"""The audit hash chain of DESIGN §6, format v2, over stored events and their inspector form.

The format's primitives (canonical JSON, leaf, head, what a signature covers) are defined once, in the
standalone verifier inspectors run (civicflow_verify.py, no project imports); this module applies them to the
event store: the state hash of the stored bytes and the content hash of the inspector form.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from json.encoder import encode_basestring
from datetime import datetime, timezone
from typing import Any

from civicflow_verify import GENESIS, canonical_json, content_sha256, leaf_hash, next_head, sha256_hex
from domain.privacy import FREE_TEXT

__all__ = ["GENESIS", "canonical_json", "content_sha256", "leaf_hash", "next_head", "sha256_hex"]  # re-exported

# Personal fields (DESIGN §14) by name: the resident's, a volunteer's phone, and free text people type; and a
# console account's password hash, which an inspector never needs and an export must not hand out for cracking.
SEALED_FIELDS = frozenset({"phone", "password_hash", *FREE_TEXT})
RESIDENT = "resident"
CIPHERTEXT = re.compile(r"^cf1:[0-9a-f]{32}:[A-Za-z0-9_-]+$")  # application/residents.py's sealed values


class Sealer:
    """What the inspector form carries instead of a personal value: its seal. For a value stored encrypted, the
    SHA-256 of its ciphertext (random: it reveals nothing, and survives erasure); for one stored in clear (a
    volunteer's phone, a store from before encryption), an HMAC under a key derived from the audit key — a bare
    hash of a phone number is undone by trying all of them."""

    def __init__(self, key: bytes = b""):
        self.key = key

    def seal(self, value: Any) -> dict[str, str]:
        text = canonical_json(value)
        if isinstance(value, str) and CIPHERTEXT.match(value):
            return {"sealed": sha256_hex(text)}
        return {"sealed": hmac.digest(self.key, text, "sha256").hex()}  # hmac.new(...).hexdigest(), in one call

    def data(self, data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for name, value in data.items():
            if name in SEALED_FIELDS and value is not None:
                out[name] = self.seal(value)
            elif name == RESIDENT and isinstance(value, dict):
                out[name] = {k: None if v is None else self.seal(v) for k, v in value.items()}
        return out

    def form(self, content: dict[str, Any]) -> dict[str, Any]:
        """The inspector form of an audit row's content (projections.audit.log.audit_content)."""
        return {"type": content["type"], "aggregate_type": content["aggregate_type"],
                "aggregate_id": content["aggregate_id"], "version": content["version"],
                "timestamp": form_timestamp(content["timestamp"]), "actor": content["actor"],
                "data": self.data(content["data"])}

    def form_json(self, content: dict[str, Any], data_text: str) -> bytes:
        """canonical_json(self.form(content)), given the canonical text of its data: the fields in sorted order
        around the data's text, which is reused when nothing in it is sealed (most events) — the audit row
        stores that same text, so each event's data is serialised once (tests/projections/audit/test_chain.py
        checks this equals canonical_json of the form)."""
        data = content["data"]
        if not SEALED_FIELDS.isdisjoint(data) or RESIDENT in data:
            data_text = canonical_json(self.data(data)).decode("utf-8")
        return "".join(('{"actor":', _json_text(content["actor"]), ',"aggregate_id":',
                        _json_text(content["aggregate_id"]), ',"aggregate_type":', _json_text(content["aggregate_type"]),
                        ',"data":', data_text, ',"timestamp":', _json_text(form_timestamp(content["timestamp"])),
                        ',"type":', _json_text(content["type"]), ',"version":', _json_text(content["version"]),
                        "}")).encode("utf-8")


def _json_text(value: Any) -> str:
    """A canonical JSON scalar: strings by the json module's own escaping, integers and null as json writes them,
    anything else by canonical_json."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return canonical_json(value).decode("utf-8")


def form_timestamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


def state_sha256(notification: Any) -> str:
    return hashlib.sha256(notification.state).hexdigest()


def chain_step(previous_head: str, position: int, state: str, content: str) -> str:
    return next_head(previous_head, leaf_hash(position, state, content))
