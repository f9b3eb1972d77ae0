"""The query parameters of GET requests: comma lists, W3C dates (a range of at most 90 days, by default the most
recent 90), status, and the extensions' page and page_size. Every mistake is a 400."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from uuid import UUID

from projections.reads.open311 import MAX_RESULTS, STATUSES_OF, RequestFilter
from interfaces.web.open311.formats import Open311Error

MAX_RANGE = timedelta(days=90)
YEARS = (1900, 9000)


def comma_list(args: Mapping[str, str], name: str) -> list[str]:
    return [value.strip() for value in args.get(name, "").split(",") if value.strip()]


def request_ids(text: str) -> list[str]:
    """Order ids; one that is no uuid is named in a 400."""
    ids = [value.strip() for value in text.split(",") if value.strip()]
    if len(ids) > MAX_RESULTS:
        raise Open311Error(400, f"at most {MAX_RESULTS} service_request_id at once")
    for value in ids:
        try:
            UUID(value)
        except ValueError:
            raise Open311Error(400, f"service_request_id {value!r} is not a service request id") from None
    return [str(UUID(value)) for value in ids]


def request_filter(args: Mapping[str, str], services: Mapping[str, object], now: datetime) -> RequestFilter:
    page, page_size = number(args, "page", 1, 1_000_000), number(args, "page_size", MAX_RESULTS, MAX_RESULTS)
    if args.get("service_request_id"):  # it overrides every other parameter (the specification)
        return RequestFilter(ids=request_ids(args["service_request_id"]), page=page, page_size=page_size)
    codes = comma_list(args, "service_code")
    unknown = [code for code in codes if code not in services]
    if unknown:
        raise Open311Error(400, f"unknown service_code {', '.join(unknown)} (see services)")
    statuses = comma_list(args, "status")
    if any(status not in STATUSES_OF for status in statuses):
        raise Open311Error(400, "status must be open or closed (comma-separated)")
    start, end = date_range(args.get("start_date"), args.get("end_date"), now)
    return RequestFilter(service_codes=codes, start=start, end=end, statuses=statuses, page=page,
                         page_size=page_size)


def date_range(start_text: str | None, end_text: str | None, now: datetime) -> tuple[datetime, datetime]:
    start, end = w3c_date("start_date", start_text), w3c_date("end_date", end_text)
    if start is None and end is None:
        end = now
    start = start if start is not None else end - MAX_RANGE  # type: ignore[operator]
    end = end if end is not None else start + MAX_RANGE
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_RANGE:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def w3c_date(name: str, text: str | None) -> datetime | None:
    """A W3C date or date-time (2010-01-01T00:00:00Z); one without an offset is taken as UTC."""
    if text is None or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Open311Error(400, f"{name} {text!r} is not a W3C date-time, e.g. 2010-01-01T00:00:00Z") from None
    if not YEARS[0] <= value.year <= YEARS[1]:  # else ± 90 days or the shift to UTC overflows (a 500)
        raise Open311Error(400, f"{name} must be in the years {YEARS[0]} to {YEARS[1]}")
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def number(args: Mapping[str, str], name: str, default: int, most: int) -> int:
    text = args.get(name)
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= most:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {most}")
    return int(text)


def flag(args: Mapping[str, str], name: str) -> bool:
    value = args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0", ""):
        raise Open311Error(400, f"{name} must be true or false")
    return value in ("true", "1")
