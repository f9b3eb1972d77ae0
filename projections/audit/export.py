"""Export of the audit trail as JSON Lines or CSV, streamed; every line carries its position, hash and the
previous hash, so that a file verifies itself (`verify_lines`). Personal data is masked."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Engine, select

from projections.audit.chain import GENESIS, chain, envelope
from projections.audit.event_data import masked
from projections.views.paging import rows
from projections.views.tables import ViewTables
from projections.audit.verify import VerifyReport

FIELDS = ("position", "aggregate_id", "aggregate_type", "version", "type", "topic", "timestamp", "actor", "data",
          "state_sha256", "prev_hash", "hash")
FORMATS = ("jsonl", "csv")


def _record(row: Mapping[str, Any], mask: bool) -> dict[str, Any]:
    record = {name: row[name] for name in FIELDS}
    record["timestamp"] = row["timestamp"].isoformat()
    record["data"] = masked(row["data"]) if mask else row["data"]
    return record


def export_lines(engine: Engine, tables: ViewTables, *, fmt: str = "jsonl", after: int = 0,
                 mask: bool = True) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    records = (_record(row, mask) for row in rows(engine, select(tables.audit_log), tables.audit_log.c.position,
                                                   after=after))
    if fmt == "jsonl":
        yield from (json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        return
    yield _csv_line(FIELDS)
    for r in records:
        yield _csv_line([json.dumps(r["data"], ensure_ascii=False, sort_keys=True) if k == "data" else r[k]
                         for k in FIELDS])


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


def parse_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Records of an export, JSON Lines or CSV (told apart by the first line)."""
    iterator = iter(lines)
    first = next(iterator, "")
    if first.startswith("{"):
        yield json.loads(first)
        yield from (json.loads(line) for line in iterator if line.strip())
        return
    header = next(csv.reader([first]))
    for values in csv.reader(iterator):
        record = dict(zip(header, values))
        yield {**record, "position": int(record["position"]), "version": int(record["version"])}


def verify_lines(lines: Iterable[str], start_head: str | None = None) -> VerifyReport:
    """Recompute every line's hash from its envelope and the previous line's hash. The first line must
    chain to `start_head` when given (the genesis head for a full export, a checkpoint's head otherwise).
    The masked fields are not covered: the hash is over the stored bytes, which the file does not carry."""
    head, checked = start_head, 0
    for record in parse_lines(lines):
        position = record["position"]
        if head is not None and record["prev_hash"] != head:
            reason = "the first line does not chain to the expected head" if checked == 0 else \
                "the line does not chain to the previous line"
            return VerifyReport(False, checked, head, position, reason)
        env = envelope(position, record["aggregate_id"], record["version"], record["topic"], record["state_sha256"])
        recomputed = chain(bytes.fromhex(record["prev_hash"]), env).hex()
        if recomputed != record["hash"]:
            return VerifyReport(False, checked, head or "", position, "the line's hash does not match its content")
        head, checked = recomputed, checked + 1
    return VerifyReport(True, checked, head or GENESIS.hex())
