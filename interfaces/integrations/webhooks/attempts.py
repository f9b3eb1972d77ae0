"""When a delivery is tried again: the Standard Webhooks schedule, a receiver's `Retry-After` (seconds or an HTTP
date, honoured as the earliest next try, up to a day), and what each answer means."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from interfaces.integrations.webhooks.sender import Response

# Seconds before each attempt: the first at once, the tenth a day after the ninth; then it has failed.
SCHEDULE = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600)
LONGEST_WAIT = timedelta(hours=24)
GONE = 410


def delivered(response: Response) -> bool:
    return response.status is not None and 200 <= response.status < 300


def gone(response: Response) -> bool:
    return response.status == GONE


def next_attempt(attempts_made: int, now: datetime, retry_after: str | None) -> datetime | None:
    """When to try after `attempts_made` failed attempts; None when the schedule is spent."""
    if attempts_made >= len(SCHEDULE):
        return None
    scheduled = now + timedelta(seconds=SCHEDULE[attempts_made])
    asked = _retry_after(retry_after, now)
    return max(scheduled, now + min(asked, LONGEST_WAIT)) if asked is not None else scheduled


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None  # unreadable: the schedule alone decides
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))
