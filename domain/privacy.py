"""The one format in which a resident's personal data is shown to whoever may not read it (DESIGN §14):
the name's first character, the phone's first three and last two digits, and no address at all."""

from __future__ import annotations

import re
from typing import Any

MASK = "***"


def mask_name(name: str | None) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else MASK


def mask_phone(phone: str | None) -> str:
    return (phone[:3] + "****" + phone[-2:]) if phone and len(phone) >= 7 else MASK


def mask_resident(resident: dict[str, Any]) -> dict[str, Any]:
    return {"name": mask_name(resident.get("name")), "phone": mask_phone(resident.get("phone")),
            "address": MASK if resident.get("address") else None}


# Phone and ID numbers people type into free text (descriptions, comments, notes): mainland mobiles, landlines
# with their area code, and 18-digit resident ID numbers; not inside a longer run of digits.
_NUMBERS_IN_TEXT = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![\dXx])")


def mask_free_text(text: str | None) -> str | None:
    """Free text with every phone or ID number in it masked like a phone (first three, last two digits)."""
    return None if text is None else _NUMBERS_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
