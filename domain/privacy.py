"""The one format in which a resident's personal data is shown to whoever may not read it (DESIGN §14):
the name's first character, the phone's first three and last two digits, and no address at all."""

from __future__ import annotations

from typing import Any

MASK = "***"


def mask_name(name: str | None) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else MASK


def mask_phone(phone: str | None) -> str:
    return (phone[:3] + "****" + phone[-2:]) if phone and len(phone) >= 7 else MASK


def mask_resident(resident: dict[str, Any]) -> dict[str, Any]:
    return {"name": mask_name(resident.get("name")), "phone": mask_phone(resident.get("phone")),
            "address": MASK if resident.get("address") else None}
