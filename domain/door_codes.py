"""Door codes (DESIGN §17): a one-time start code and a completion code per accepted order, which the resident
reads out at the door. The order holds only their keyed digests (computed by the application, which alone holds
the key), how many wrong tries each has had and whether it was used. A service is `confirmed` when both codes were
given right, else `declared`; a dispatcher may confirm a declared one by hand, with a reason.

The codes' record is a plain dict, written by the functions below for the aggregate and for the order_board view
alike: {"issued_version", "expires_at", "start": {"digest", "failures", "used"}, "complete": {...}}."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.base import DomainError

START, COMPLETE = "start", "complete"
KINDS = (START, COMPLETE)
CONFIRMED, DECLARED = "confirmed", "declared"
BASES = (CONFIRMED, DECLARED)
MAX_TRIES = 5
ACTIVE, USED, LOCKED, EXPIRED, VOID = "active", "used", "locked", "expired", "void"
STATES = (ACTIVE, USED, LOCKED, EXPIRED, VOID)

Codes = dict[str, Any]


class DoorCodeError(DomainError):
    """A door code the command cannot take; without one the service is `declared`."""

    field = "door_code"


class NoDoorCodes(DoorCodeError):
    def __init__(self) -> None:
        super().__init__("this order has no door codes (it was accepted before they were issued): "
                         "send no door_code")


class DoorCodeLocked(DoorCodeError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"the {kind} code is locked after {MAX_TRIES} wrong tries: send no door_code "
                         "(the service is then declared) or ask a dispatcher to confirm it")


class DoorCodeExpired(DoorCodeError):
    def __init__(self, kind: str, expires_at: datetime) -> None:
        super().__init__(f"the {kind} code expired at {expires_at.isoformat()}: send no door_code "
                         "(the service is then declared)")


class DoorCodeUsed(DoorCodeError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"the {kind} code was used already")


class StartNotConfirmed(DoorCodeError):
    def __init__(self) -> None:
        super().__init__("the service was started without the start code, so it cannot be confirmed at the "
                         "door: complete it without a door_code (a dispatcher may confirm it later)")


class WrongDoorCode(DoorCodeError):
    """Recorded on the order (`DoorCodeRefused`) before it is answered: every server process counts the same."""

    def __init__(self, kind: str, tries_left: int) -> None:
        super().__init__(f"wrong {kind} code: {tries_left} tries left")
        self.kind, self.tries_left = kind, tries_left


class WrongDoorCodeNowLocked(WrongDoorCode, DoorCodeLocked):
    def __init__(self, kind: str) -> None:
        DomainError.__init__(self, f"wrong {kind} code: that was the {MAX_TRIES}th wrong try, the code is now "
                                   "locked; send no door_code (the service is then declared)")
        self.kind, self.tries_left = kind, 0


def issued(version: int, expires_at: Any, digests: Mapping[str, str | None]) -> Codes:
    """The codes issued at the order's acceptance (`version`); `expires_at` as the holder keeps instants."""
    return {"issued_version": version, "expires_at": expires_at,
            **{kind: {"digest": digests.get(kind), "failures": 0, "used": False} for kind in KINDS}}


def refused(codes: Codes, kind: str) -> Codes:
    return {**codes, kind: {**codes[kind], "failures": codes[kind]["failures"] + 1}}


def used(codes: Codes, kind: str) -> Codes:
    return {**codes, kind: {**codes[kind], "used": True}}


def without_digests(codes: Codes) -> Codes:
    """What a view keeps of the codes: their state, never a digest."""
    return {**codes, **{kind: {k: v for k, v in codes[kind].items() if k != "digest"} for kind in KINDS}}


def state(codes: Codes, kind: str, awaited: bool, now: datetime) -> str:
    """A code's state at `now`; `awaited`: whether the order still waits for this code (its status)."""
    code = codes[kind]
    if code["used"]:
        return USED
    if not awaited:
        return VOID
    if code["failures"] >= MAX_TRIES:
        return LOCKED
    return EXPIRED if now > codes["expires_at"] else ACTIVE


def require_usable(codes: Codes | None, kind: str, now: datetime) -> Codes:
    """Refuse a code that cannot be tried (nothing is recorded for these)."""
    if codes is None:
        raise NoDoorCodes()
    found = state(codes, kind, True, now)
    if found == USED:
        raise DoorCodeUsed(kind)
    if found == LOCKED:
        raise DoorCodeLocked(kind)
    if found == EXPIRED:
        raise DoorCodeExpired(kind, codes["expires_at"])
    return codes


def refusal(codes: Codes, kind: str) -> WrongDoorCode:
    """The error a wrong try answers, once it is counted in `codes`."""
    left = MAX_TRIES - codes[kind]["failures"]
    return WrongDoorCodeNowLocked(kind) if left <= 0 else WrongDoorCode(kind, left)
