"""Flattening a domain event for people: its type, aggregate type, actor and own fields as JSON values."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID


NOT_DATA = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp", "actor"})


_PLAIN = frozenset({str, int, float, bool, type(None)})


def json_value(value: Any) -> Any:
    if type(value) in _PLAIN:  # most fields: checked first, by exact type, as it runs for every field of every event
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    return value


def event_data(event: Any) -> dict[str, Any]:
    return {k: json_value(v) for k, v in sorted(vars(event).items()) if k not in NOT_DATA}


@lru_cache(maxsize=256)  # a store has a few dozen topics; this runs for every event
def type_names(topic: str) -> tuple[str, str]:
    """("Order", "Placed") from "domain.order:Order.Placed"."""
    qualname = topic.rpartition(":")[2]
    aggregate, _, event = qualname.rpartition(".")
    return aggregate or qualname, event
