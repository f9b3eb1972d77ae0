"""Exports (format v2, docs/audit-format.md): a header, the signed checkpoint the range starts from (or genesis),
every audited event in its inspector form with display masks beside it, the signed checkpoints inside the range,
and a seal signed at export time over the last record. Each event is verified against the event store as it is
written: a record that does not verify ends the file with an error record and no seal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from civicflow_verify import CSV_COLUMNS, CSV_JSON, VERSION, signed_payload
from projections.audit.chain import Sealer
from projections.audit.checkpoints import as_record
from domain.privacy import FREE_TEXT, mask_personal
from projections.audit.signing import Signer
from projections.audit.verify import Start, Verifier

FORMATS = ("jsonl", "csv")
SEGMENT = 10_000  # positions verified, then written, at a time


Shown = Callable[[dict[str, Any]], dict[str, Any]]  # event data as inspectors see it: opened, then masked
PERSONAL = ("resident", "phone", *FREE_TEXT)


def event_record(row: Mapping[str, Any], sealer: Sealer, shown: Shown = mask_personal) -> dict[str, Any]:
    """An audit row as an export record: the proven inspector form, derived display masks, the hashes."""
    return {"record": "event", "position": row["position"], **sealer.form(dict(row)),
            "display": display(row["data"], shown(row["data"])), "content_sha256": row["content_sha256"],
            "state_sha256": row["state_sha256"], "prev_hash": row["prev_hash"], "hash": row["hash"]}


def display(data: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The personal fields as shown to inspectors (the one masked format), beside their seals; not proven."""
    return {name: shown[name] for name in PERSONAL if data.get(name) is not None}


class Export:
    """The records of one export, produced by a verifier walking the store, the audit table and the checkpoints."""

    def __init__(self, verifier: Verifier, signer: Signer, now: datetime, shown: Shown = mask_personal):
        self.verifier, self.signer, self.now = verifier, signer, now
        self.pending: list[dict[str, Any]] = []
        verifier.on_event = lambda row: self.pending.append(event_record(row, verifier.sealer, shown))
        verifier.on_checkpoint = lambda mark: self.pending.append(
            {"record": "checkpoint", **as_record(dict(mark))})

    def records(self, start: Start, stop: int, after: int) -> Iterator[dict[str, Any]]:
        yield {"record": "header", "v": VERSION, "format": "civicflow-audit", "public_key": self.signer.public_key,
               "requested_after": after, "exported_at": self.now.isoformat()}
        if start.checkpoint is not None:
            yield {"record": "checkpoint", **as_record(dict(start.checkpoint))}
        last, report = start.position, None
        for segment_stop in range(start.position + SEGMENT, stop + SEGMENT, SEGMENT):
            report = self.verifier.run(min(segment_stop, stop), start)
            yield from self.pending  # a segment's records at a time: memory stays flat on any length
            last = next((r["position"] for r in reversed(self.pending) if r["record"] == "event"), last)
            self.pending.clear()
            if not report.ok:
                yield {"record": "error", "position": report.first_bad_position, "reason": report.reason}
                return
            start = Start(min(segment_stop, stop), report.head, report.checked, self.verifier.last_checkpoint)
        head, count = (report.head, report.checked) if report else (start.head, start.count)
        seal = {"v": VERSION, "kind": "seal", "position": last, "head": head, "count": count,
                "at": self.now.isoformat()}
        yield {"record": "seal", **seal, "signature": self.signer.sign(signed_payload(seal))}


def jsonl_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def csv_header() -> str:
    return _csv_line(CSV_COLUMNS)


def csv_line(record: Mapping[str, Any]) -> str:
    cells = []
    for name in CSV_COLUMNS:
        if name not in record:
            cells.append("")
        elif name in CSV_JSON:
            cells.append(json.dumps(record[name], ensure_ascii=False, sort_keys=True))
        else:
            cells.append("" if record[name] is None else record[name])
    return _csv_line(cells)


def _csv_line(values: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def lines_of(records: Iterator[dict[str, Any]], fmt: str) -> Iterator[str]:
    """The records as lines of `fmt` (one of FORMATS: the caller checks it before streaming starts)."""
    if fmt == "csv":
        yield csv_header()
    for record in records:
        yield jsonl_line(record) if fmt == "jsonl" else csv_line(record)
