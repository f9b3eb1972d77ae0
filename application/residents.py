"""Residents' personal data (DESIGN §14): every personal field sealed with the resident's own AES-GCM key before it
becomes an event, so the event store, its views and its backups hold ciphertext only; reading goes through here
(the policy decides who sees it in clear); erasing a resident destroys their key (crypto-shredding).

A sealed value is `cf1:<resident id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, the field's name bound in as
associated data. The resident id is an HMAC of the phone under the installation's secret: it names the key
without the phone being stored anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.persistence.key_store import KeyStore
from domain.privacy import ERASED, FREE_TEXT

PREFIX = "cf1"
NONCE_BYTES = 12
RESIDENT_FIELDS = ("name", "phone", "address")
SEALED_AS = {"cancel_reason": "reason"}  # a field an order shows under another name than its event's
_SEALED = re.compile(r"^cf1:([0-9a-f]{32}):([A-Za-z0-9_-]+)$")


def normalized_phone(phone: str) -> str:
    return re.sub(r"[\s\-()+]", "", phone)


def sealed_key(value: Any) -> str | None:
    """The resident id a sealed value names, or None for anything else (plain values of older stores)."""
    found = _SEALED.match(value) if isinstance(value, str) else None
    return found.group(1) if found else None


class Residents:
    def __init__(self, keys: KeyStore):
        self.keys = keys
        self._secret: bytes | None = None

    def resident_id(self, phone: str) -> str:
        mac = hmac.new(self._installation_secret(), normalized_phone(phone).encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def digest_key(self) -> bytes:
        """The key of idempotency digests (application/idempotency.py), derived from the installation's secret."""
        return hmac.new(self._installation_secret(), b"idempotency digests", hashlib.sha256).digest()

    def door_code_key(self) -> bytes:
        """The key door codes are derived and digested with (application/door_codes.py), from the same secret."""
        return hmac.new(self._installation_secret(), b"door codes", hashlib.sha256).digest()

    def _installation_secret(self) -> bytes:
        if self._secret is None:
            self._secret = self.keys.secret()
        return self._secret

    # --- sealing ----------------------------------------------------------------------------------

    def seal_placement(self, resident: Mapping[str, Any], description: str, at: datetime
                       ) -> tuple[dict[str, Any], str]:
        """A new order's resident and description, sealed with the resident's key (made, and synced, first)."""
        if not resident.get("phone"):
            return dict(resident), description  # the order refuses it (domain/order.py): nothing to seal
        rid = self.resident_id(resident["phone"])
        key = self.keys.key_for(rid, at)
        sealed = {name: None if resident.get(name) is None else _seal(key, rid, name, resident[name])
                  for name in RESIDENT_FIELDS}
        return sealed, _seal(key, rid, "description", description)

    def seal_text_for(self, resident: Mapping[str, Any], field: str, text: str | None) -> str | None:
        """Free text about an order (a note, a comment, a reason), sealed with its resident's key if the order has
        one; about an erased resident, not kept at all (it would be their data stored readable again)."""
        rid = sealed_key(resident.get("phone"))
        if text is None or rid is None:
            return text
        key = self.keys.key(rid)
        return ERASED if key is None else _seal(key, rid, field, text)

    # --- reading ----------------------------------------------------------------------------------

    def revealed(self, record: Mapping[str, Any], keys: dict[str, bytes | None] | None = None) -> dict[str, Any]:
        """An order (or an event's data) with its sealed fields opened: ERASED where the key is gone. `keys`:
        the residents' keys read already (`revealed_all`); any other is read as it is met."""
        keys = {} if keys is None else keys
        out = dict(record)
        if isinstance(record.get("resident"), Mapping):
            out["resident"] = {name: self._open(keys, name, value) for name, value in record["resident"].items()}
        for name in FREE_TEXT:
            if name in record:
                out[name] = self._open(keys, name, record[name])
        return out

    def revealed_all(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Several orders opened as `revealed` opens each, their residents' keys read in one go (a page of a list
        costs one read of the key store, not one per order)."""
        keys = self.keys.keys_of({rid for record in records for rid in _sealed_keys(record)})
        return [self.revealed(record, keys) for record in records]

    def reveal_value(self, field: str, value: Any) -> Any:
        return self._open({}, field, value)

    def reveal_values(self, field: str, values: Sequence[Any]) -> list[Any]:
        """Values of one field of many orders (a page), opened with their residents' keys read at once."""
        rids = {rid for rid in map(sealed_key, values) if rid is not None}
        keys = self.keys.keys_of(rids)
        return [self._open(keys, field, value) for value in values]

    def _open(self, keys: dict[str, bytes | None], field: str, value: Any) -> Any:
        rid = sealed_key(value)
        if rid is None:
            return value
        if rid not in keys:
            keys[rid] = self.keys.key(rid)
        key = keys[rid]
        return ERASED if key is None else _open(key, rid, SEALED_AS.get(field, field), value)


def _sealed_keys(record: Mapping[str, Any]) -> Iterator[str]:
    resident = record.get("resident")
    values = [*(resident.values() if isinstance(resident, Mapping) else ()), *(record.get(f) for f in FREE_TEXT)]
    return (rid for rid in map(sealed_key, values) if rid is not None)


def _seal(key: bytes, rid: str, field: str, value: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, str(value).encode("utf-8"), f"{rid}:{field}".encode())
    return f"{PREFIX}:{rid}:{base64.urlsafe_b64encode(nonce + sealed).rstrip(b'=').decode()}"


def _open(key: bytes, rid: str, field: str, value: str) -> str:
    body = value.rsplit(":", 1)[1]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{rid}:{field}".encode()).decode("utf-8")
    except InvalidTag:
        return ERASED  # not this resident's field, or altered: unreadable, as if erased
