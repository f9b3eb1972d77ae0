"""Door codes (DESIGN §17) made and checked with a key the event store never sees.

A code is derived, not drawn: HMAC(key, order id ‖ the version of its acceptance ‖ kind), as six digits. So the
plain code is stored nowhere (not in an event, a view or an export): the placing channel's reads derive it again
(`code`), and the order's events hold only its keyed digest (`digest`), which cannot be undone by trying the
million codes without the key. The key is derived from the installation's secret in the key store
(application/residents.py), apart from the events."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from uuid import UUID

from domain.door_codes import KINDS

DIGITS = 6


class DoorCodes:
    def __init__(self, key: Callable[[], bytes]):
        self._key_source = key
        self._key: bytes | None = None

    def _mac(self, *parts: object) -> bytes:
        if self._key is None:
            self._key = self._key_source()
        message = "\x1f".join(str(part) for part in parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def code(self, order_id: UUID | str, issued_version: int, kind: str) -> str:
        """The plain code of `kind` issued when the order was accepted at `issued_version`."""
        number = int.from_bytes(self._mac("code", order_id, issued_version, kind)[:8], "big") % 10 ** DIGITS
        return f"{number:0{DIGITS}d}"

    def digest(self, order_id: UUID | str, kind: str, code: str | None) -> str | None:
        """The keyed digest of a code as an order records it (None for no code)."""
        return None if code is None else self._mac("digest", order_id, kind, code).hex()

    def issue(self, order_id: UUID, issued_version: int) -> dict[str, str]:
        """The digests of the codes for an acceptance recorded at `issued_version`, by kind."""
        return {kind: self.digest(order_id, kind, self.code(order_id, issued_version, kind))  # type: ignore[misc]
                for kind in KINDS}
