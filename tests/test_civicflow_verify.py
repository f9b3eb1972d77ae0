"""The standalone verifier of audit exports, format v2 (civicflow_verify.py, docs/audit-format.md).

Export files are built here from scratch (an Ed25519 key made for the test, hashes from the module's own
primitives, which are themselves checked against an independent re-implementation), so these tests need no
store: a good file is proven, in JSON Lines and in CSV, and each way of tampering with one is refused, naming
the line of the file where the proof breaks.
"""

from __future__ import annotations

import ast
import copy
import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import civicflow_verify as cv

MODULE = Path(cv.__file__)
Record = dict[str, Any]


# --- an independent re-implementation of the format's hashes (hashlib and json only) -------------------------

def my_canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def my_content(form: Record) -> str:
    proven = {k: form[k] for k in ("type", "aggregate_type", "aggregate_id", "version", "timestamp", "actor", "data")}
    return hashlib.sha256(my_canonical(proven)).hexdigest()


def my_leaf(position: int, state: str, content: str) -> bytes:
    body = {"v": 2, "position": position, "state_sha256": state, "content_sha256": content}
    return hashlib.sha256(b"\x00" + my_canonical(body)).digest()


def my_head(previous: str, leaf: bytes) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(previous) + leaf).hexdigest()


# --- building export files -------------------------------------------------------------------------------------

class Key:
    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        self.public = self.private.public_key().public_bytes(serialization.Encoding.Raw,
                                                             serialization.PublicFormat.Raw).hex()

    def sign(self, record: Record) -> Record:
        signed = {k: v for k, v in record.items() if k != "signature"}
        signed["signature"] = self.private.sign(cv.canonical_json(cv.signed_payload(signed))).hex()
        return signed


KEY, FOREIGN = Key(), Key()
AT = "2026-11-02T08:00:00+00:00"

FORMS: list[Record] = [  # what real exports carry: null actors, CJK, nested data, seals, floats, empty data
    {"type": "Registered", "aggregate_type": "Site", "aggregate_id": "center", "version": 1,
     "timestamp": "2026-11-02T08:00:00.000001+00:00", "actor": "system:reference-data",
     "data": {"code": "center", "lat": 39.906, "name_zh": "石景山区新时代文明实践中心", "parent_code": None}},
    {"type": "Created", "aggregate_type": "Team", "aggregate_id": "523d2a54-cdaa-4c43-936a-a40cacc66a57",
     "version": 1, "timestamp": "2026-11-02T08:01:00+00:00", "actor": None,
     "data": {"leader_id": None, "name": "base-11 志愿服务队 1", "site_id": "base-11"}},
    {"type": "Placed", "aggregate_type": "Order", "aggregate_id": "75fa6dd8-91fd-485c-a69b-ae29f652d008",
     "version": 1, "timestamp": "2026-11-02T08:02:00+00:00", "actor": "channel:district-app",
     "data": {"category": "health", "description": {"sealed": "3a" * 32},
              "resident": {"address": None, "name": {"sealed": "1d" * 32}, "phone": {"sealed": "fc" * 32}},
              "tags": ["a", 1, None, {"k": "值"}]}},
    {"type": "MemberAdded", "aggregate_type": "Team", "aggregate_id": "523d2a54-cdaa-4c43-936a-a40cacc66a57",
     "version": 2, "timestamp": "2026-11-02T08:03:00+00:00", "actor": "admin:demo",
     "data": {"volunteer_id": "f73bceb2-0a37-59e5-8b97-0eb300af4112"}},
    {"type": "Rated", "aggregate_type": "Order", "aggregate_id": "75fa6dd8-91fd-485c-a69b-ae29f652d008",
     "version": 2, "timestamp": "2026-11-02T08:04:00+00:00", "actor": "channel:hotline-12345",
     "data": {"comment": {"sealed": "cc" * 32}, "rating": 4}},
    {"type": "Closed", "aggregate_type": "Order", "aggregate_id": "75fa6dd8-91fd-485c-a69b-ae29f652d008",
     "version": 3, "timestamp": "2026-11-02T08:05:00+00:00", "actor": "system:supervisor", "data": {}},
]
DISPLAYS: list[Record] = [{}, {}, {"description": "health 服务", "resident": {"address": None, "name": "王**",
                                                                              "phone": "156****0009"}},
                          {}, {"comment": "很好"}, {}]
POSITIONS = [1, 2, 4, 5, 8, 9]  # positions have gaps: the chain links the previous present one


def event(position: int, form: Record, previous: str, display: Record | None = None) -> Record:
    form, display = copy.deepcopy(form), copy.deepcopy(display)  # tests edit records in place
    state = hashlib.sha256(f"stored bytes of {position}".encode()).hexdigest()
    content = cv.content_sha256(form)
    return {"record": "event", "position": position, **form, "display": display or {}, "content_sha256": content,
            "state_sha256": state, "prev_hash": previous, "hash": cv.next_head(previous, cv.leaf_hash(
                position, state, content))}


def checkpoint(key: Key, position: int, head: str, count: int, previous: int | None) -> Record:
    return key.sign({"record": "checkpoint", "v": 2, "kind": "checkpoint", "position": position, "head": head,
                     "count": count, "at": AT, "previous": previous, "every": 3})


def seal(key: Key, position: int, head: str, count: int) -> Record:
    return key.sign({"record": "seal", "v": 2, "kind": "seal", "position": position, "head": head, "count": count,
                     "at": AT})


def header(key: Key, after: int = 0) -> Record:
    return {"record": "header", "v": 2, "format": "civicflow-audit", "public_key": key.public,
            "requested_after": after, "exported_at": AT}


def export(key: Key = KEY) -> list[Record]:
    """A whole export, line by line:

        1 header   2 checkpoint@0 (genesis)   3 event@1   4 event@2   5 event@4   6 checkpoint@4
        7 event@5  8 event@8                  9 event@9   10 seal@9
    """
    records = [header(key), checkpoint(key, 0, cv.GENESIS, 0, None)]
    head = cv.GENESIS
    for count, (position, form, display) in enumerate(zip(POSITIONS, FORMS, DISPLAYS), start=1):
        records.append(event(position, form, head, display))
        head = records[-1]["hash"]
        if position == 4:
            records.append(checkpoint(key, 4, head, count, 0))
    records.append(seal(key, POSITIONS[-1], head, len(POSITIONS)))
    return records


def range_export(key: Key = KEY) -> list[Record]:
    """An export from the signed checkpoint at position 4: header, checkpoint@4, events 5, 8, 9, seal."""
    whole = export(key)
    return [header(key, after=4), whole[5], *whole[6:]]


def jsonl(records: list[Record]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)


def csv_text(records: list[Record]) -> str:
    """CSV as the format says: the header row, one row per record, JSON in the JSON cells, empty = absent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cv.CSV_COLUMNS)
    for record in records:
        writer.writerow(["" if name not in record else
                         json.dumps(record[name], ensure_ascii=False, sort_keys=True) if name in cv.CSV_JSON else
                         "" if record[name] is None else record[name] for name in cv.CSV_COLUMNS])
    return out.getvalue()


def lines_of(records: list[Record], fmt: str) -> list[str]:
    text = jsonl(records) if fmt == "jsonl" else csv_text(records)
    return text.splitlines(keepends=True)


def verify(records: list[Record], fmt: str = "jsonl", public_key: str | None = None) -> Record:
    return cv.verify_lines(io.StringIO("".join(lines_of(records, fmt)), newline=""), public_key)


def file_line(fmt: str, record_line: int) -> int:
    """The line of the file holding the n-th record: CSV has its column header on line 1."""
    return record_line + (fmt == "csv")


FORMATS = ["jsonl", "csv"]
FORMATS_LINES = FORMATS  # tests that name the line of a failure


def reason_of(report: Record) -> str:
    return report["reason"] or ""


# --- (a) what the module may import -------------------------------------------------------------------------

def test_the_module_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import of {node.module!r}"
            imported.append(node.module or "")
    assert imported, "no imports found: is this the module?"
    outside = sorted({name for name in imported
                      if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "cryptography"})
    assert outside == []
    assert not any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__"
                   for node in ast.walk(tree))


def test_it_ships_as_the_civicflow_verify_console_script() -> None:
    import configparser
    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[1] / "setup.cfg", encoding="utf-8")
    assert "civicflow_verify" in config["options"]["py_modules"].split()
    scripts = [line.strip() for line in config["options.entry_points"]["console_scripts"].splitlines()]
    assert "civicflow-verify = civicflow_verify:main" in scripts


# --- (b) the primitives equal an independent re-implementation ----------------------------------------------

JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 63), 2 ** 63),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(),
                        st.text(alphabet="石景山区志愿服务队派单接单评单é\"\\\n\t\x00\x1f\u2028"))
JSON = st.recursive(JSON_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                    max_leaves=12)
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["Placed", "Order", "admin:demo", "石景山", ""]))
FORM = st.fixed_dictionaries({"type": TEXT, "aggregate_type": TEXT, "aggregate_id": TEXT,
                              "version": st.integers(0, 2 ** 40), "timestamp": TEXT,
                              "actor": st.one_of(st.none(), TEXT),
                              "data": st.dictionaries(st.text(max_size=8), JSON, max_size=5)})
HEX = st.binary(min_size=32, max_size=32).map(bytes.hex)


@settings(max_examples=200, deadline=None)
@given(form=FORM, extra=st.dictionaries(st.sampled_from(["display", "hash", "record", "position"]), JSON),
       position=st.integers(0, 2 ** 63), state=HEX, previous=HEX)
def test_hashes_equal_an_independent_implementation(form: Record, extra: Record, position: int, state: str,
                                                    previous: str) -> None:
    record = {**extra, **form}  # fields outside the inspector form do not enter the content hash
    content = cv.content_sha256(record)
    assert content == my_content(form)
    assert cv.canonical_json(form) == my_canonical(form)
    assert cv.leaf_hash(position, state, content) == my_leaf(position, state, content)
    assert cv.next_head(previous, my_leaf(position, state, content)) == my_head(previous, my_leaf(position, state,
                                                                                                   content))


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert cv.canonical_json({"b": [1, None, True], "a": "石", "c": {"z": 1, "y": "\n"}}) == \
        '{"a":"石","b":[1,null,true],"c":{"y":"\\n","z":1}}'.encode("utf-8")
    assert cv.GENESIS == hashlib.sha256(b"civicflow-audit-v2").hexdigest() == \
        "b38d6b716a68be534edf7d3dd8a07d2e1c2160df1c0e3b58b15e54a9ee670d8b"


# The worked example of docs/audit-format.md: position 210 of a real export (`civicflow demo`).
WORKED = {"actor": "admin:demo", "aggregate_id": "523d2a54-cdaa-4c43-936a-a40cacc66a57", "aggregate_type": "Team",
          "content_sha256": "8c6569df8ae87d9815396953d66370010c3e8f88b4c25e3ef8880ec540cb5104",
          "data": {"leader_id": None, "name": "base-11 志愿服务队 1", "site_id": "base-11"}, "display": {},
          "hash": "d26f72d2aaa25fa49d2a132335899f2b387fd72a147a6707202b48a398eb9cef", "position": 210,
          "prev_hash": "7383ce2743017f9171a1b49423ef118a942a2411c348c001e2c28fbfa21541aa", "record": "event",
          "state_sha256": "53917b7e1cd7ecf7820054300e71e59163ebb47bb4a19a5dbbc440e6dec5685e",
          "timestamp": "2026-02-04T22:53:21.909390+00:00", "type": "Created", "version": 1}


def test_the_documented_worked_example() -> None:
    form_bytes = ('{"actor":"admin:demo","aggregate_id":"523d2a54-cdaa-4c43-936a-a40cacc66a57",'
                  '"aggregate_type":"Team","data":{"leader_id":null,"name":"base-11 志愿服务队 1",'
                  '"site_id":"base-11"},"timestamp":"2026-02-04T22:53:21.909390+00:00","type":"Created",'
                  '"version":1}').encode("utf-8")
    assert cv.canonical_json({k: WORKED[k] for k in cv.FORM_FIELDS}) == form_bytes and len(form_bytes) == 257
    assert cv.content_sha256(WORKED) == WORKED["content_sha256"] == hashlib.sha256(form_bytes).hexdigest()
    leaf = cv.leaf_hash(210, WORKED["state_sha256"], WORKED["content_sha256"])
    assert leaf.hex() == "2dd48a5df21eec275f12a00b27a484ee21d23684de8fc7911f5d70ce22765ef3"
    assert cv.next_head(WORKED["prev_hash"], leaf) == WORKED["hash"]


def test_signed_payloads_are_the_documented_fields() -> None:
    cp = checkpoint(KEY, 4, "ab" * 32, 3, 0)
    assert cv.signed_payload(cp) == {"v": 2, "kind": "checkpoint", "position": 4, "head": "ab" * 32, "count": 3,
                                     "at": AT, "previous": 0, "every": 3}
    sl = seal(KEY, 9, "cd" * 32, 6)
    assert cv.signed_payload(sl) == {"v": 2, "kind": "seal", "position": 9, "head": "cd" * 32, "count": 6, "at": AT}
    assert cv.signature_is_valid(KEY.public, cp) and cv.signature_is_valid(KEY.public, sl)
    assert not cv.signature_is_valid(FOREIGN.public, cp)
    assert not cv.signature_is_valid(KEY.public, {**cp, "count": 4})
    assert not cv.signature_is_valid(KEY.public, {**sl, "kind": "checkpoint"})  # a seal is no checkpoint
    assert not cv.signature_is_valid("not hex", cp) and not cv.signature_is_valid(KEY.public, {**cp, "signature": 1})


def test_the_fingerprint_is_the_first_16_hex_of_the_sha256_of_the_raw_key() -> None:
    assert cv.fingerprint(KEY.public) == hashlib.sha256(bytes.fromhex(KEY.public)).hexdigest()[:16]
    assert cv.fingerprint("957ed21d287b936e8b3fc4320a02e5999d072f3bfc01570584426e21e5e62c7e") == "8396dde62a5399aa"


# --- (c) files: the good ones are proven ---------------------------------------------------------------------

def test_the_test_files_are_written_like_real_exports() -> None:
    from projections.audit.export import csv_header, csv_line, jsonl_line
    records = export()
    assert jsonl(records) == "".join(jsonl_line(r) for r in records)
    assert csv_text(records) == csv_header() + "".join(csv_line(r) for r in records)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_whole_export_is_proven(fmt: str) -> None:
    records = export()
    for public_key in (None, KEY.public):
        report = verify(records, fmt, public_key)
        assert report["ok"] is True, report
        assert (report["line"], report["position"], report["reason"]) == (None, None, None)
        assert report["events"] == 6 and report["checkpoints"] == 2
        assert report["from"] == {"position": 0, "head": cv.GENESIS, "count": 0}
        assert report["to"] == {"position": 9, "head": records[-2]["hash"], "count": 6, "at": AT}
        assert report["public_key"] == KEY.public
    assert verify(records, fmt, KEY.public)["key_source"] == "given"
    assert "file's own" in verify(records, fmt)["key_source"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_range_from_a_signed_checkpoint_is_proven(fmt: str) -> None:
    records = range_export()
    report = verify(records, fmt, KEY.public)
    assert report["ok"] is True, report
    assert report["from"] == {"position": 4, "head": records[1]["head"], "count": 3}
    assert report["events"] == 3 and report["to"]["count"] == 6


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_of_nothing_is_proven(fmt: str) -> None:
    records = [header(KEY), checkpoint(KEY, 0, cv.GENESIS, 0, None), seal(KEY, 0, cv.GENESIS, 0)]
    report = verify(records, fmt)
    assert report["ok"] is True and report["events"] == 0 and report["to"]["head"] == cv.GENESIS


def test_display_masks_are_not_proven() -> None:
    """Documented behaviour: the masks beside the seals are derived for reading, not covered by any hash."""
    records = export()
    records[4]["display"] = {"description": "an edited mask", "resident": {"name": "李**"}}
    records[6]["display"] = {"comment": "x"}
    del records[2]["display"]
    assert verify(records)["ok"] is True


# --- (c) files: each way of tampering fails, naming the line --------------------------------------------------

Mutation = Callable[[list[Record]], None]


def edit(line: int, **fields: Any) -> Mutation:
    def apply(records: list[Record]) -> None:
        records[line - 1].update(fields)
    return apply


def edit_data(records: list[Record]) -> None:
    records[4]["data"]["resident"]["address"] = {"sealed": "00" * 32}  # line 5: a seal where there was null


PROVEN_FIELD_EDITS = {
    "type": edit(4, type="Removed"),
    "aggregate_type": edit(4, aggregate_type="Order"),
    "aggregate_id": edit(4, aggregate_id="center"),
    "version": edit(4, version=2),
    "timestamp": edit(4, timestamp="2026-11-02T08:01:00.000001+00:00"),
    "actor": edit(4, actor="admin:someone-else"),  # was null
    "actor to null": edit(3, actor=None),
    "data: a value": edit(3, data={**FORMS[0]["data"], "lat": 39.907}),
    "data: CJK text": edit(4, data={**FORMS[1]["data"], "name": "base-11 志愿服务队 2"}),
    "data: a key added": edit(3, data={**FORMS[0]["data"], "extra": None}),
    "data: a nested seal": edit_data,
}


@pytest.mark.parametrize("fmt", FORMATS_LINES)
@pytest.mark.parametrize("field", PROVEN_FIELD_EDITS)
def test_editing_a_proven_field_fails_at_its_line(fmt: str, field: str) -> None:
    records = export()
    PROVEN_FIELD_EDITS[field](records)
    line = next(n for n, (a, b) in enumerate(zip(records, export()), start=1) if a != b)
    report = verify(records, fmt)
    assert report["ok"] is False
    assert report["line"] == file_line(fmt, line)
    assert report["position"] == records[line - 1]["position"]
    assert "a proven field was edited" in reason_of(report)


def recompute_from(records: list[Record], line: int, key: Key | None = None) -> None:
    """What a forger without the key does after editing line `line`: recompute that record's hashes and every
    later event's (and, holding `key`, re-sign the checkpoints and seal too)."""
    head = records[line - 1]["prev_hash"]
    count = 0
    for record in records:
        if record["record"] == "event" and record["position"] < records[line - 1]["position"]:
            count += 1
    for record in records[line - 1:]:
        if record["record"] == "event":
            record["content_sha256"] = cv.content_sha256(record)
            record["prev_hash"] = head
            record["hash"] = head = cv.next_head(head, cv.leaf_hash(record["position"], record["state_sha256"],
                                                                     record["content_sha256"]))
            count += 1
        elif key is not None:
            record.update(key.sign({**record, "head": head, "count": count}))


def edit_and_fix_content(records: list[Record]) -> None:
    records[3]["type"] = "Removed"
    records[3]["content_sha256"] = cv.content_sha256(records[3])


def edit_and_fix_hash(records: list[Record]) -> None:
    records[3]["type"] = "Removed"
    records[3]["content_sha256"] = cv.content_sha256(records[3])
    records[3]["hash"] = cv.next_head(records[3]["prev_hash"], cv.leaf_hash(2, records[3]["state_sha256"],
                                                                             records[3]["content_sha256"]))


def edit_and_fix_the_rest(records: list[Record]) -> None:
    records[6]["actor"] = "admin:forger"  # line 7, after the checkpoint at line 6
    recompute_from(records, 7)


def edit_and_fix_up_to_a_checkpoint(records: list[Record]) -> None:
    records[3]["actor"] = "admin:forger"
    recompute_from(records, 4)


def drop(*lines: int) -> Mutation:
    def apply(records: list[Record]) -> None:
        for line in sorted(lines, reverse=True):
            del records[line - 1]
    return apply


def swap(a: int, b: int) -> Mutation:
    def apply(records: list[Record]) -> None:
        records[a - 1], records[b - 1] = records[b - 1], records[a - 1]
    return apply


def duplicate(line: int) -> Mutation:
    def apply(records: list[Record]) -> None:
        records.insert(line, copy.deepcopy(records[line - 1]))
    return apply


def append(make: Callable[[list[Record]], Record]) -> Mutation:
    def apply(records: list[Record]) -> None:
        records.append(make(records))
    return apply


def bad_signature(records: list[Record]) -> None:
    signature = records[5]["signature"]
    records[5]["signature"] = signature[:10] + ("0" if signature[10] != "0" else "1") + signature[11:]


def checkpoint_over_another_head(records: list[Record]) -> None:
    records[5]["head"] = records[3]["hash"]  # signature kept: it no longer covers what the record says


def error_record_instead_of_seal(records: list[Record]) -> None:
    records[-1] = {"record": "error", "position": 9, "reason": "the store does not verify"}


# name: (mutation, line of the file it must fail at, a phrase of the reason)
MUTATIONS: dict[str, tuple[Mutation, int, str]] = {
    "content hash recomputed after an edit": (edit_and_fix_content, 4, "hash does not match its position"),
    "record hash recomputed after an edit": (edit_and_fix_hash, 5, "does not chain to the one before it"),
    "the rest of the chain recomputed after an edit": (edit_and_fix_the_rest, 10, "signed seal does not match"),
    "the chain recomputed up to a checkpoint": (edit_and_fix_up_to_a_checkpoint, 6, "signed checkpoint does not"),
    "state hash edited": (edit(5, state_sha256="ab" * 32), 5, "hash does not match its position, state hash"),
    "position edited": (edit(5, position=3), 5, "hash does not match its position"),
    "hash edited": (edit(5, hash="ab" * 32), 5, "hash does not match its position"),
    "prev_hash edited": (edit(5, prev_hash="ab" * 32), 5, "does not chain to the one before it"),
    "first event dropped": (drop(3), 3, "dropped at the start"),
    "the first two events dropped": (drop(3, 4), 3, "dropped at the start"),
    "a middle event dropped": (drop(7), 7, "does not chain to the one before it"),
    "an event before a checkpoint dropped": (drop(5), 5, "signed checkpoint does not match"),
    "the last event dropped": (drop(9), 9, "signed seal does not match"),
    "the seal dropped": (drop(10), 10, "ends without its seal"),
    "the last event and the seal dropped": (drop(9, 10), 9, "ends without its seal"),
    "two events swapped": (swap(7, 8), 7, "does not chain to the one before it"),
    "the first two events swapped": (swap(3, 4), 3, "dropped at the start"),
    "an event moved after the checkpoint": (swap(5, 6), 5, "signed checkpoint does not match"),
    "an event repeated": (duplicate(7), 8, "out of order"),
    "an event after the seal": (append(lambda r: copy.deepcopy(r[8])), 11, "a record after the seal"),
    "a second seal": (append(lambda r: copy.deepcopy(r[9])), 11, "a record after the seal"),
    "a checkpoint with a bad signature": (bad_signature, 6, "signature is not valid"),
    "a checkpoint edited, its signature kept": (checkpoint_over_another_head, 6, "signature is not valid"),
    "a seal edited, its signature kept": (edit(10, count=5), 10, "seal's signature is not valid"),
    "a checkpoint signed by another key": (lambda r: r.__setitem__(5, FOREIGN.sign(r[5])), 6, "not valid"),
    "a seal re-signed as a checkpoint": (edit(10, record="checkpoint"), 10, "signature is not valid"),
    "the header dropped": (drop(1), 1, "must be the header of format v2"),
    "a header of another version": (edit(1, v=1), 1, "must be the header of format v2"),
    "an error record instead of the seal": (error_record_instead_of_seal, 10, "unknown record type 'error'"),
}


@pytest.mark.parametrize("fmt", FORMATS_LINES)
@pytest.mark.parametrize("name", MUTATIONS)
def test_tampering_fails_at_its_line(fmt: str, name: str) -> None:
    mutate, line, phrase = MUTATIONS[name]
    records = export()
    mutate(records)
    report = verify(records, fmt)
    assert report["ok"] is False, report
    assert report["line"] == file_line(fmt, line), report
    assert phrase in reason_of(report), report


@pytest.mark.parametrize("fmt", FORMATS_LINES)
def test_a_file_re_signed_with_a_foreign_key_is_only_refused_against_the_real_key(fmt: str) -> None:
    forged = export(FOREIGN)
    forged[3]["actor"] = "admin:forger"
    recompute_from(forged, 4, key=FOREIGN)
    own = verify(forged, fmt)
    assert own["ok"] is True and own["public_key"] == FOREIGN.public  # consistent, but signed by whom?
    assert "pass --public-key" in own["key_source"]
    real = verify(forged, fmt, KEY.public)
    assert real["ok"] is False and real["line"] == file_line(fmt, 1)
    assert "another key than the one given" in reason_of(real)
    assert verify(export(), fmt, FOREIGN.public)["ok"] is False


def test_a_header_naming_the_real_key_over_foreign_signatures_fails_at_the_first_signature() -> None:
    records = export(FOREIGN)
    records[0]["public_key"] = KEY.public
    report = verify(records, public_key=KEY.public)
    assert (report["ok"], report["line"]) == (False, 2)
    assert "signature is not valid" in reason_of(report)


@pytest.mark.parametrize("fmt", FORMATS_LINES)
def test_a_range_without_its_starting_checkpoint_fails(fmt: str) -> None:
    records = range_export()
    del records[1]
    report = verify(records, fmt, KEY.public)
    assert report["ok"] is False and report["line"] == file_line(fmt, 2) and report["position"] == 5
    assert "dropped at the start" in reason_of(report)


def test_a_range_cannot_start_from_an_unsigned_or_foreign_checkpoint() -> None:
    records = range_export()
    records[1] = FOREIGN.sign(records[1])
    assert verify(records)["line"] == 2 and not verify(records)["ok"]
    records[1]["signature"] = None
    assert verify(records)["line"] == 2 and "signature is not valid" in reason_of(verify(records))


def test_a_range_fails_when_its_first_events_are_dropped() -> None:
    records = range_export()
    del records[2]
    report = verify(records)
    assert (report["ok"], report["line"], report["position"]) == (False, 3, 8)
    assert "dropped at the start" in reason_of(report)


@pytest.mark.parametrize("line_text", [
    "not json at all\n", "{\"record\": \"event\", \"position\": 2\n", "[1, 2]\n", "null\n", "\"text\"\n",
    json.dumps({"record": "event", "position": 2}) + "\n",
    json.dumps({"record": "event", "position": "two", **FORMS[1], "content_sha256": "", "state_sha256": "",
                "prev_hash": "", "hash": ""}) + "\n",
    json.dumps({"record": "event", "position": [2], **FORMS[1], "content_sha256": "", "state_sha256": "",
                "prev_hash": "", "hash": ""}) + "\n",
    json.dumps({"record": "checkpoint"}) + "\n", json.dumps({"record": "seal", "signature": "zz"}) + "\n",
    json.dumps({"no record": True}) + "\n",
])
def test_a_malformed_line_is_not_proven_and_raises_nothing(line_text: str) -> None:
    lines = lines_of(export(), "jsonl")
    lines[3] = line_text
    report = cv.verify_lines(lines)
    assert report["ok"] is False and report["line"] == 4, report
    assert report["reason"]


def test_a_cut_file_and_strange_first_lines_are_not_proven() -> None:
    text = jsonl(export())
    cut = cv.verify_lines(io.StringIO(text[: len(text) - 40]))
    assert (cut["ok"], cut["line"]) == (False, 10) and "not JSON" in reason_of(cut)
    for first in ["", "hello\n", "record,position\n", "\n"]:
        report = cv.verify_lines(io.StringIO(first))
        assert (report["ok"], report["line"]) == (False, 1), (first, report)


def test_an_unreadable_csv_cell_is_not_proven_at_its_line() -> None:
    bad_cell = csv_text(export()).replace('"{""code""', '"{code', 1)  # the data cell of the first event
    report = cv.verify_lines(io.StringIO(bad_cell, newline=""))
    assert (report["ok"], report["line"]) == (False, 4) and "cannot be read" in reason_of(report)


@pytest.mark.parametrize("field, value", [("head", 5), ("position", "4"), ("count", "3")])
def test_a_malformed_signed_starting_checkpoint_is_not_proven_and_raises_nothing(field: str, value: Any) -> None:
    records = range_export(FOREIGN)
    records[1] = FOREIGN.sign({**records[1], field: value})
    if field == "head":
        records[2]["prev_hash"] = value
    report = verify(records)
    assert report["ok"] is False and report["line"] in (2, 3)


@pytest.mark.parametrize("line, value", [(4, 2.9), (4, "2"), (3, True)])
def test_editing_a_position_into_another_json_type_fails(line: int, value: Any) -> None:
    records = export()
    records[line - 1]["position"] = value
    report = verify(records)
    assert report["ok"] is False and report["line"] == line


# --- (d) the command ---------------------------------------------------------------------------------------

def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text(jsonl(export()), encoding="utf-8")
    tampered = export()
    tampered[6]["data"] = {"rating": 5}
    bad.write_text(jsonl(tampered), encoding="utf-8")

    assert cv.main([str(good)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["ok"] is True and err == ""
    assert cv.main([str(good), "--public-key", KEY.public]) == 0
    assert json.loads(capsys.readouterr().out)["key_source"] == "given"

    assert cv.main([str(bad)]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["line"] == 7 and "NOT PROVEN at line 7 (position 5)" in err
    assert cv.main([str(good), "--public-key", FOREIGN.public]) == 1
    assert "NOT PROVEN at line 1" in capsys.readouterr().err

    assert cv.main([str(tmp_path / "missing.jsonl")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "cannot read" in err
    assert cv.main([str(tmp_path)]) == 2  # a directory
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes(b"\xff\xfe not utf-8\n")
    assert cv.main([str(latin)]) == 2
    with pytest.raises(SystemExit) as usage:
        cv.main([])
    assert usage.value.code == 2


def test_main_proves_a_csv_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.csv"
    path.write_text(csv_text(export()), encoding="utf-8", newline="")
    assert cv.main([str(path), "--public-key", KEY.public]) == 0
