"""The audit mutation table (format v2): each kind of tampering, where it was done, where it was expected to be
found and where it was reported, on SQLite and PostgreSQL.

Targets:
- `store`: the event table rewritten with raw SQL (tests/projections/audit/tamper.py: RawStore), found by
  `ReadModel.verify()` (the full verification, from genesis);
- `view tables`: the audit view's own tables (its position row, audit rows, checkpoints), found by `verify()`;
- `export jsonl`, `export csv`: an export's records edited, dropped, reordered or re-signed, found by
  `ReadModel.verify_file()` (the standalone verifier, civicflow_verify.py). CSV files are parsed and written again
  with the csv module (columns `civicflow_verify.CSV_COLUMNS`, JSON cells for actor/data/display/previous/every).

The scenario and the mutations are those of the tests, imported from them: the `audited` fixture and
MUTATIONS of tests/projections/audit/test_verify.py, the `read_model`/`exported` fixtures and EXPORT_MUTATIONS
of tests/projections/audit/test_export.py (a fixture's function is called through `inspect.unwrap`). Every store
row gets a fresh scratch store (SQLite file, or PostgreSQL schema), removed afterwards; the export rows mutate
copies of the records of one exported store per kind.

One JSON line per row: {"store", "target", "mutation", "expected_position_or_line", "reported", "detected",
"reason", ...}; `at_expected` says whether the reported position/line is the expected one. Lines of an export are
lines of the file (docs/audit-format.md §8: in CSV line 1 is the column header). Two rows are expected to
verify: editing `display` (masks are shown, not proven) and a file re-signed with a foreign key checked without
a public key (self-consistent; the same file checked with the real key is its own row, which must fail).
The summary line lists what went undetected; the exit status is 1 if anything did (or a "verifies" row did not).

Run (from the project root: it imports the `tests` package):
    PYTHONPATH=. .venv/bin/python bench/bench_audit_mutations.py [--database-url URL ...]
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common import (code_state, code_states, emit, machine, note, parse_args, scratch_store, store_facts, store_kind,
                    store_kinds)

from application.persistence.clock import ManualClock
from application.settings import Settings
from civicflow_verify import CSV_COLUMNS, CSV_INTEGERS, CSV_JSON, canonical_json, signed_payload

Record = dict[str, Any]
STORE_MUTATIONS = {"change_one_byte", "delete_an_event", "insert_a_forged_event", "swap_two_events",
                   "truncate_the_tail", "rewrite_the_audit_table_consistently_without_the_key"}
VERIFIES = "verifies (display is not proven)"
SELF_CONSISTENT = "verifies (self-consistent: checked against the file's own key)"


def tamper_kit() -> SimpleNamespace:
    """The tests' scenario and mutations (needs the project root on PYTHONPATH)."""
    try:
        from tests.conftest import START, make_app
        from tests.projections.audit import test_export, test_verify
    except ModuleNotFoundError as missing:
        if missing.name != "tests":
            raise
        raise SystemExit("bench_audit_mutations imports the `tests` package: run it from the project root as "
                         "PYTHONPATH=. .venv/bin/python bench/bench_audit_mutations.py") from None
    return SimpleNamespace(START=START, make_app=make_app, verify=test_verify, export=test_export,
                           audited=inspect.unwrap(test_verify.audited),
                           read_model=inspect.unwrap(test_export.read_model),
                           exported=inspect.unwrap(test_export.exported))


@contextmanager
def fixture_value(generator: Iterator[Any]) -> Iterator[Any]:
    """A yield-fixture's value, and its teardown afterwards."""
    value = next(generator)
    try:
        yield value
    finally:
        next(generator, None)


@contextmanager
def fresh_app(kit: SimpleNamespace, base: str) -> Iterator[tuple[Any, ManualClock, Path]]:
    """The tests' `app` on a scratch store: (app, clock, tmp_path)."""
    with scratch_store(base, "mutations") as url, tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(kit.START)
        app = kit.make_app(Settings(database_url=url, var_dir=Path(folder) / "var"), clock)
        try:
            yield app, clock, Path(folder)
        finally:
            app.close()


# --- the store and its view tables ---------------------------------------------------------------------------

def forge_a_checkpoints_head(a: Any) -> int:
    """test_verify.test_a_forged_checkpoint_fails_its_signature: a signed checkpoint's head replaced."""
    from sqlalchemy import update
    t = a.model.tables.checkpoints
    _, marks = a.model.checkpoints()
    with a.model.engine.begin() as conn:
        conn.execute(update(t).where(t.c.position == marks[1]["position"]).values(head="00" * 32))
    return marks[1]["position"]


def store_rows(kit: SimpleNamespace, base: str) -> Iterator[Record]:
    for mutate in [None, *kit.verify.MUTATIONS, forge_a_checkpoints_head]:
        name = mutate.__name__ if mutate else "untouched"
        with fresh_app(kit, base) as (app, clock, tmp), fixture_value(kit.audited(app, clock, tmp)) as audited:
            row: Record = {"store": store_kind(base),
                           "target": "store" if name in STORE_MUTATIONS or mutate is None else "view tables",
                           "mutation": name}
            try:
                expected = mutate(audited) if mutate else None
            except Exception as error:  # e.g. catch_up failing on a UNIQUE constraint after the position was lowered
                yield {**row, "expected_position_or_line": None, "reported": None, "detected": False,
                       "reason": None, "mutation_crashed": f"{type(error).__name__}: {error}",
                       "traceback": traceback.format_exc(limit=-3)}
                continue
            report = audited.model.verify()
            yield {**row, "expected_position_or_line": expected if mutate else "verifies",
                   "reported": report.first_bad_position, "detected": not report.ok, "reason": report.reason,
                   "at_expected": report.first_bad_position == expected if mutate else report.ok,
                   "events_in_store": len(audited.raw.positions()), "checked": report.checked,
                   **({"catch_up_crashed": None} if name.startswith("lower_the_audit_position") else {})}


# --- exports -------------------------------------------------------------------------------------------------

def jsonl_records(lines: list[str]) -> list[Record]:
    return [json.loads(line) for line in lines if line.strip()]


def csv_records(lines: list[str]) -> list[Record]:
    """An export's CSV rows as records: an empty cell is an absent field, JSON cells and integers decoded."""
    rows = csv.reader(io.StringIO("".join(lines), newline=""))
    assert tuple(next(rows)) == CSV_COLUMNS
    return [{name: json.loads(cell) if name in CSV_JSON else int(cell) if name in CSV_INTEGERS else cell
             for name, cell in zip(CSV_COLUMNS, cells) if cell != ""} for cells in rows]


def csv_text(records: list[Record]) -> tuple[str, list[int]]:
    """The records written as an export's CSV, and the file line each record starts on (line 1: the header)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    starts = []
    for record in records:
        starts.append(out.getvalue().count("\n") + 1)
        writer.writerow([json.dumps(record[n], ensure_ascii=False, sort_keys=True) if n in CSV_JSON and n in record
                         else "" if record.get(n) is None else record[n] for n in CSV_COLUMNS])
    return out.getvalue(), starts


def jsonl_text(records: list[Record]) -> tuple[str, list[int]]:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), list(range(1, len(records) + 1))


def file_line(starts: list[int], text: str, index: int) -> int:
    """The file line of the record at `index` (one past the last line for an index past the end)."""
    return starts[index] if index < len(starts) else text.count("\n") + 1


def edit_the_display_masks(found: list[Record]) -> int:
    """test_export.test_the_display_masks_are_shown_not_proven."""
    index = next(i for i, r in enumerate(found) if r.get("display"))
    found[index]["display"] = {"note": "anything"}
    return index


def re_sign_with_a_foreign_key(found: list[Record]) -> int:
    """test_export.test_a_file_re_signed_with_a_foreign_key_fails...: header key replaced, every signature redone."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from projections.audit.signing import public_key_hex
    foreign = Ed25519PrivateKey.generate()
    found[0]["public_key"] = public_key_hex(foreign.public_key())
    for record in found[1:]:
        if record["record"] in ("checkpoint", "seal"):
            record["signature"] = foreign.sign(canonical_json(signed_payload(record))).hex()
    return 0  # the header: where the key given and the file's key differ


def export_rows(kit: SimpleNamespace, base: str) -> Iterator[Record]:
    with fresh_app(kit, base) as (app, clock, _), fixture_value(kit.read_model(app)) as model:
        exported = {"jsonl": kit.exported(app, clock, model), "csv": list(model.export(fmt="csv"))}
        real_key = model.checkpoints()[0]
        for fmt, (parse, write) in {"jsonl": (jsonl_records, jsonl_text), "csv": (csv_records, csv_text)}.items():
            mutations: list[tuple[str, Callable[[list[Record]], int] | None, str | None]] = [
                ("untouched (parsed and written again)", None, real_key),
                *((m.__name__, m, None) for m in kit.export.EXPORT_MUTATIONS),
                ("edit_display", edit_the_display_masks, None),
                ("re_signed_with_a_foreign_key, checked without a public key", re_sign_with_a_foreign_key, None),
                ("re_signed_with_a_foreign_key, checked with the real public key", re_sign_with_a_foreign_key,
                 real_key)]
            for name, mutate, key in mutations:
                found = parse(exported[fmt])
                index = mutate(found) if mutate else None
                text, starts = write(found)
                report = model.verify_file(io.StringIO(text, newline=""), key)
                expect_ok = mutate in (None, edit_the_display_masks) or (mutate is re_sign_with_a_foreign_key
                                                                         and key is None)
                expected: Any = file_line(starts, text, index) if not expect_ok else \
                    VERIFIES if mutate is edit_the_display_masks else \
                    SELF_CONSISTENT if mutate is re_sign_with_a_foreign_key else "verifies"
                yield {"store": store_kind(base), "target": f"export {fmt}", "mutation": name,
                       "expected_position_or_line": expected, "reported": report["line"],
                       "detected": not report["ok"], "reason": report["reason"],
                       "at_expected": report["ok"] if expect_ok else report["line"] == expected,
                       "reported_position": report["position"], "key_source": report["key_source"],
                       "records": len(found), "expect_ok": expect_ok}


def main() -> None:
    args = parse_args("audit mutation table (format v2)")
    os.environ.pop("CIVICFLOW_AUDIT_KEY", None)  # every scratch store signs with its own key, in its own folder
    kit, code = tamper_kit(), code_state()
    rows: list[Record] = []
    for base in store_kinds(args):
        note(f"{store_kind(base)}: store and view-table mutations (a fresh store each)")
        for row in store_rows(kit, base):
            emit(row)
            rows.append(row)
        note(f"{store_kind(base)}: export mutations")
        for row in export_rows(kit, base):
            emit(row)
            rows.append(row)
    expect_ok = [r for r in rows if r.get("expect_ok") or r["expected_position_or_line"] == "verifies"]
    mutated = [r for r in rows if r not in expect_ok]
    undetected = [f"{r['store']}/{r['target']}/{r['mutation']}" for r in mutated if not r["detected"]]
    wrongly_failing = [f"{r['store']}/{r['target']}/{r['mutation']}" for r in expect_ok if r["detected"]]
    elsewhere = [f"{r['store']}/{r['target']}/{r['mutation']}: expected {r['expected_position_or_line']}, "
                 f"reported {r['reported']}" for r in mutated if r["detected"] and not r.get("at_expected")]
    emit({"summary": True, "stores": sorted({r["store"] for r in rows}), "rows": len(rows),
          "mutations": len(mutated), "detected": len(mutated) - len(undetected), "undetected": undetected,
          "expected_to_verify": len(expect_ok), "expected_to_verify_but_failed": wrongly_failing,
          "detected_elsewhere_than_expected": elsewhere, "machine": machine(), **code_states(code),
          **{k: v for base in store_kinds(args) for k, v in store_facts(base).items() if k != "store"}})
    sys.exit(1 if undetected or wrongly_failing else 0)


if __name__ == "__main__":
    main()
