"""civicflow-verify: check a civicflow audit export (format v2) with nothing but this file.

Standard library and `cryptography` only, no civicflow imports, so that an inspector can read every line of
what they run. The format is docs/audit-format.md; in short, per event record:

    content_sha256 = sha256(canonical({type, aggregate_type, aggregate_id, version, timestamp, actor, data}))
    leaf           = sha256(0x00 ‖ canonical({"v": 2, "position", "state_sha256", "content_sha256"}))
    hash           = sha256(0x01 ‖ prev_hash ‖ leaf),  the first prev_hash being GENESIS or a checkpoint's head

and every checkpoint record, and the seal that ends the file, is an Ed25519 signature over the canonical JSON of
its signed fields. A file is proven from genesis, or from a signed checkpoint it starts with, to its seal.

    civicflow-verify FILE [--public-key HEX]      exit 0: proven; 1: not; 2: unreadable file or bad arguments

A service-record certificate (docs/audit-format.md, "Certificates") is the JSON {certificate, signature,
public_key}: an Ed25519 signature over the canonical JSON of `certificate`, checked against a key you hold:

    civicflow-verify --certificate FILE --public-key HEX   exit 0: genuine; 1: not; 2: unreadable or bad arguments
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

VERSION = 2
GENESIS = hashlib.sha256(b"civicflow-audit-v2").hexdigest()
LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"
FORM_FIELDS = ("type", "aggregate_type", "aggregate_id", "version", "timestamp", "actor", "data")
CHECKPOINT_FIELDS = ("v", "kind", "position", "head", "count", "at", "previous", "every")
SEAL_FIELDS = ("v", "kind", "position", "head", "count", "at")
CSV_COLUMNS = ("record", "position", "aggregate_type", "aggregate_id", "version", "type", "timestamp", "actor",
               "data", "display", "content_sha256", "state_sha256", "prev_hash", "hash", "kind", "v", "head",
               "count", "at", "previous", "every", "signature", "public_key")
CSV_JSON = frozenset({"actor", "data", "display", "previous", "every"})  # cells holding JSON (null, objects)
CSV_INTEGERS = frozenset({"position", "version", "count", "v"})


# json.dumps with these options, its encoder made once (it runs for every event of a store)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (not \\u escapes)."""
    return _CANONICAL.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_sha256(form: dict[str, Any]) -> str:
    return sha256_hex(canonical_json({name: form[name] for name in FORM_FIELDS}))


def leaf_hash(position: int, state_sha256: str, content: str) -> bytes:
    """sha256(0x00 ‖ canonical({"v": 2, "position", "state_sha256", "content_sha256"})). It runs for every event
    of a store, so its canonical JSON is written out here: the keys are fixed (in sorted order), an integer and two
    hex digests need no escaping — and anything else is refused, so the text is always the canonical one."""
    if type(position) is not int or not (_is_hex(state_sha256) and _is_hex(content)):
        leaf = {"v": VERSION, "position": position, "state_sha256": state_sha256, "content_sha256": content}
        raise ValueError(f"not a leaf of format v2: {leaf!r}")
    text = f'{{"content_sha256":"{content}","position":{position},"state_sha256":"{state_sha256}","v":{VERSION}}}'
    return hashlib.sha256(LEAF_PREFIX + text.encode("ascii")).digest()


def next_head(previous_head: str, leaf: bytes) -> str:
    return hashlib.sha256(NODE_PREFIX + bytes.fromhex(previous_head) + leaf).hexdigest()


def signed_payload(record: dict[str, Any]) -> dict[str, Any]:
    """What a checkpoint's or a seal's signature covers."""
    return {name: record[name] for name in (SEAL_FIELDS if record.get("kind") == "seal" else CHECKPOINT_FIELDS)}


def signature_is_valid(public_key: str, record: dict[str, Any]) -> bool:
    try:
        payload = signed_payload(record)
    except KeyError:
        return False
    return signature_is_valid_for(public_key, payload, record.get("signature"))


def fingerprint(public_key: str) -> str:
    """A short name for a public key, to compare by eye or read out: the first 16 hex digits of the SHA-256 of
    its 32 raw bytes."""
    return sha256_hex(bytes.fromhex(public_key))[:16]


class Bad(Exception):
    """The file is not proven: which record (its line number) and why."""

    def __init__(self, line: int, reason: str, position: Any = None):
        super().__init__(reason)
        self.line, self.reason, self.position = line, reason, position


def read_records(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The records of an export, JSON Lines or CSV (told apart by the first line), each with its line number in
    the file (in CSV, line 1 is the column header)."""
    iterator = iter(lines)
    first = next(iterator, "")
    if first.lstrip().startswith("{"):
        yield 1, _json_record(first, 1)
        yield from ((n, _json_record(line, n)) for n, line in enumerate(iterator, start=2) if line.strip())
        return
    header = next(csv.reader([first]))
    if tuple(header) != CSV_COLUMNS:
        raise Bad(1, "the first line is neither a JSON record nor the CSV header of format v2")
    reader = csv.reader(iterator)
    for cells in reader:
        yield reader.line_num + 1, _csv_record(dict(zip(header, cells)), reader.line_num + 1)


def _json_record(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as error:
        raise Bad(number, f"the line is not JSON: {error}") from None
    if not isinstance(record, dict):
        raise Bad(number, "the line is not a JSON object")
    return record


def _csv_record(cells: dict[str, str], number: int) -> dict[str, Any]:
    record: dict[str, Any] = {}
    try:
        for name, cell in cells.items():
            if cell == "":  # absent (a present null is the JSON cell "null")
                continue
            record[name] = json.loads(cell) if name in CSV_JSON else int(cell) if name in CSV_INTEGERS else cell
    except ValueError as error:
        raise Bad(number, f"a cell cannot be read: {error}") from None
    return record


class FileVerifier:
    """Walks the records once: header, an optional starting checkpoint, events and checkpoints, the seal."""

    def __init__(self, public_key: str | None = None):
        public_key = None if public_key is None else public_key.strip().lower()
        self.trusted_key, self.public_key = public_key, public_key
        self.head, self.count, self.position, self.events = GENESIS, 0, 0, 0
        self.start: dict[str, Any] | None = None
        self.seal: dict[str, Any] | None = None
        self.checkpoints = 0
        self.header_seen = False

    def run(self, records: Iterable[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        line = 0
        try:
            for line, record in records:
                self._record(line, record)
            if self.seal is None:
                raise Bad(line + 1, "the file ends without its seal: records were dropped at the end, or it is cut")
        except Bad as bad:
            return self._report(False, bad.line, bad.reason, bad.position)
        return self._report(True)

    def _record(self, line: int, record: dict[str, Any]) -> None:
        kind = record.get("record")
        if not self.header_seen:
            self.header_seen = True
            return self._header(line, record)
        if self.seal is not None:
            raise Bad(line, "a record after the seal: the seal must end the file")
        if kind == "event":
            return self._event(line, record)
        if kind in ("checkpoint", "seal"):
            return self._signed(line, record, kind)
        raise Bad(line, f"unknown record type {kind!r}")

    def _header(self, line: int, record: dict[str, Any]) -> None:
        if record.get("record") != "header" or record.get("v") != VERSION:
            raise Bad(line, "the first record must be the header of format v2")
        if self.trusted_key is not None and record.get("public_key") != self.trusted_key:
            raise Bad(line, "the file was signed with another key than the one given (--public-key)")
        self.public_key = record.get("public_key")

    def _event(self, line: int, record: dict[str, Any]) -> None:
        try:
            position, state, content = record["position"], record["state_sha256"], content_sha256(record)
            prev_hash, claimed_content, claimed_hash = record["prev_hash"], record["content_sha256"], record["hash"]
        except (KeyError, TypeError, ValueError) as error:
            raise Bad(line, f"the event record lacks a field or has a malformed one: {error}") from None
        if not (_is_int(position) and _is_hex(prev_hash) and isinstance(state, str)):
            raise Bad(line, "the event record's position, state hash or previous hash is malformed", position)
        if position <= self.position:
            raise Bad(line, "the records are out of order (position not after the previous one)", position)
        if prev_hash != self.head:
            reason = ("the first event does not chain to genesis or to the checkpoint the file starts from: "
                      "records were dropped at the start" if self.events == 0 else
                      "the event does not chain to the one before it: records were dropped, inserted or reordered")
            raise Bad(line, reason, position)
        if claimed_content != content:
            raise Bad(line, "a proven field was edited: the content hash does not match type, aggregate, version, "
                            "timestamp, actor and data", position)
        try:
            head = next_head(self.head, leaf_hash(position, state, content))
        except ValueError:
            raise Bad(line, "the previous hash is not a SHA-256 hex digest", position) from None
        if claimed_hash != head:
            raise Bad(line, "the record's hash does not match its position, state hash and content hash", position)
        self.head, self.count, self.position, self.events = head, self.count + 1, position, self.events + 1

    def _signed(self, line: int, record: dict[str, Any], kind: str) -> None:
        if self.public_key is None or not signature_is_valid(self.public_key, record) or record.get("kind") != kind:
            raise Bad(line, f"the {kind}'s signature is not valid for the public key", record.get("position"))
        if not (_is_int(record.get("position")) and _is_int(record.get("count")) and _is_hex(record.get("head"))):
            raise Bad(line, f"the {kind}'s position, count or head is malformed", record.get("position"))
        starts = self.events == 0 and self.start is None and self.checkpoints == 0
        if kind == "checkpoint" and starts and record["position"] > 0:  # a range: proven from this checkpoint on
            self.head, self.count, self.position = record["head"], record["count"], record["position"]
            self.start = record
            return
        if (record["position"], record["head"], record["count"]) != (self.position, self.head, self.count):
            raise Bad(line, f"the signed {kind} does not match the chain recomputed up to it: records were "
                            "dropped, edited or reordered before it", record.get("position"))
        if kind == "seal":
            self.seal = record
        else:
            self.checkpoints += 1

    def _report(self, ok: bool, line: int | None = None, reason: str | None = None,
                position: Any = None) -> dict[str, Any]:
        start = self.start or {"position": 0, "head": GENESIS, "count": 0}
        return {"ok": ok, "line": line, "position": position, "reason": reason, "events": self.events,
                "checkpoints": self.checkpoints, "from": {k: start[k] for k in ("position", "head", "count")},
                "to": None if self.seal is None else {k: self.seal[k] for k in ("position", "head", "count", "at")},
                "public_key": self.public_key,
                "key_source": "given" if self.trusted_key else "the file's own (pass --public-key to check it)"}


def _is_int(value: Any) -> bool:
    return type(value) is int and value >= 0  # not a bool, a float or a string of digits


def _is_hex(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return value == value.lower()


def verify_lines(lines: Iterable[str], public_key: str | None = None) -> dict[str, Any]:
    """The report of one export file's lines: {"ok", "line", "position", "reason", "events", ...}."""
    verifier = FileVerifier(public_key)
    try:
        return verifier.run(read_records(lines))
    except Bad as bad:  # raised while reading a record
        return verifier._report(False, bad.line, bad.reason, bad.position)


CERTIFICATE_KIND, CERTIFICATE_VERSION = "civicflow-service-certificate", 1


def certificate_totals(services: list[dict[str, Any]]) -> dict[str, Any]:
    """The totals a certificate states, recomputed from its services."""
    confirmed = sum(s["minutes"] for s in services if s["basis"] == "confirmed")
    declared = sum(s["minutes"] for s in services if s["basis"] != "confirmed")
    return {"services": len(services), "confirmed_minutes": confirmed, "declared_minutes": declared,
            "all_minutes": confirmed + declared}


def _certificate_problem(presented: Any, public_key: str) -> str | None:
    if not isinstance(presented, dict) or not isinstance(presented.get("certificate"), dict):
        return "not a certificate file: no `certificate` object"
    document = presented["certificate"]
    if (document.get("kind"), document.get("v")) != (CERTIFICATE_KIND, CERTIFICATE_VERSION):
        return f"not a certificate of format {CERTIFICATE_VERSION} ({CERTIFICATE_KIND})"
    if presented.get("public_key") not in (None, public_key):
        return "the certificate names another key than the one given (--public-key)"
    if not signature_is_valid_for(public_key, document, presented.get("signature")):
        return "the signature is not valid for the public key: the certificate was edited or not signed with it"
    try:
        if certificate_totals(document["services"]) != document["totals"]:
            return "the totals do not add up to the services listed"
    except (KeyError, TypeError) as error:
        return f"a service or the totals are malformed: {error}"
    return None


def signature_is_valid_for(public_key: str, payload: Any, signature: Any) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(bytes.fromhex(signature),
                                                                             canonical_json(payload))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_certificate(presented: Any, public_key: str) -> dict[str, Any]:
    """The report on one certificate file: {"ok", "reason", "serial", "period", "totals", "events", ...}. Offline it
    proves who signed what; whether it was revoked since is for the online page to say (`verify_url`)."""
    public_key = public_key.strip().lower()
    problem = _certificate_problem(presented, public_key)
    document = presented.get("certificate") if isinstance(presented, dict) else None
    document = document if isinstance(document, dict) else {}
    return {"ok": problem is None, "reason": problem, "serial": document.get("serial"),
            "period": document.get("period"), "totals": document.get("totals"),
            "positions": [s.get("position") for s in document.get("services", []) if isinstance(s, dict)],
            "verify_url": document.get("verify_url"), "public_key": public_key,
            "fingerprint": fingerprint(public_key) if _is_hex(public_key) else None}


def _main_certificate(path: str, public_key: str | None) -> int:
    if not public_key:
        print("civicflow-verify: --certificate needs --public-key (the audit key you hold)", file=sys.stderr)
        return 2
    try:
        with open(path, encoding="utf-8") as file:
            presented = json.load(file)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"civicflow-verify: cannot read {path}: {error}", file=sys.stderr)
        return 2
    report = verify_certificate(presented, public_key)
    print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    if not report["ok"]:
        print(f"NOT GENUINE: {report['reason']}", file=sys.stderr)
    return 0 if report["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="civicflow-verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="an export of `civicflow audit export` or GET /api/v1/audit/export")
    parser.add_argument("--certificate", metavar="FILE",
                        help="a certificate (JSON) of GET /api/v1/volunteers/{id}/certificate, instead of an export")
    parser.add_argument("--public-key", help="the audit key's public half (64 hex digits) you hold")
    args = parser.parse_args(argv)
    if (args.file is None) == (args.certificate is None):
        parser.error("give either an export FILE or --certificate FILE")
    if args.certificate is not None:
        return _main_certificate(args.certificate, args.public_key)
    try:
        with open(args.file, encoding="utf-8", newline="") as lines:
            report = verify_lines(lines, args.public_key)
    except (OSError, UnicodeDecodeError) as error:
        print(f"civicflow-verify: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    if not report["ok"]:
        print(f"NOT PROVEN at line {report['line']} (position {report['position']}): {report['reason']}",
              file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
