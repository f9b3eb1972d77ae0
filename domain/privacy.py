"""The one format in which a resident's personal data is shown to whoever may not read it (DESIGN §14):
the name's first character, the phone's first three and last four digits, the address as the order's site's
name; and what every read shows once the resident's data is erased."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MASK = "***"
ERASED = "erased"  # shown instead of a personal value whose key was destroyed (DESIGN §14)


def mask_name(name: str | None) -> str:
    if name == ERASED:
        return ERASED
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else MASK


def mask_phone(phone: str | None) -> str:
    if phone == ERASED:
        return ERASED
    return (phone[:3] + "****" + phone[-4:]) if phone and len(phone) >= 8 else MASK


def mask_resident(resident: dict[str, Any], place: str | None = None) -> dict[str, Any]:
    """`place`: the name of the order's site, shown for the address (where, without saying which door)."""
    address = resident.get("address")
    return {"name": mask_name(resident.get("name")), "phone": mask_phone(resident.get("phone")),
            "address": ERASED if address == ERASED else (place or MASK) if address else None}


# Phone and ID numbers people type into free text (descriptions, comments, notes): mainland mobiles, landlines
# with their area code, and 18-digit resident ID numbers; not inside a longer run of digits.
_NUMBERS_IN_TEXT = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![\dXx])")


def mask_free_text(text: str | None) -> str | None:
    """Free text with every phone or ID number in it masked like a phone (first three, last four digits)."""
    if text is None or text == ERASED:
        return text
    return _NUMBERS_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


# Typed by people, so phone or ID numbers may be in it: an order's description, note, comment and the reasons given
# for cancelling, recalling or declining it (`cancel_reason` is how an order shows the first).
FREE_TEXT = ("description", "comment", "note", "reason", "cancel_reason")


def mask_personal(record: dict[str, Any], place_of: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    """An order, or an event's data, with every personal field in the one masked format: the resident's (the
    address as the name of the order's site, from `place_of`), a volunteer's own phone (their registration),
    and the phone or ID numbers in free text."""
    out = dict(record)
    if isinstance(record.get("resident"), dict):
        site = record.get("site_id")
        place = place_of(site) if place_of is not None and isinstance(site, str) else None
        out["resident"] = mask_resident(record["resident"], place)
    if isinstance(record.get("phone"), str):
        out["phone"] = mask_phone(record["phone"])
    for name in FREE_TEXT:
        if isinstance(record.get(name), str):
            out[name] = mask_free_text(record[name])
    return out
