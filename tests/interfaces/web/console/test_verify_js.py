"""static/verify.js gives civicflow-verify's verdicts: the same ok/fail, line, position and reason, on good and
mutated exports (bench/bench_audit_mutations.py's export rows: tests/projections/audit/test_export.py's
EXPORT_MUTATIONS, the display edit, a foreign key's re-signing, and more), in JSON Lines and CSV, run in
Chromium with WebCrypto. Python's json.loads / json.dumps details (floats as repr writes them, code-point key
order, big integers, 2.0 ≠ 2) are exercised by a file re-hashed and re-signed around such values."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civicflow_verify import CSV_COLUMNS, CSV_JSON, GENESIS, canonical_json, content_sha256, leaf_hash, next_head, \
    signed_payload, verify_lines
from projections.audit.signing import public_key_hex
from tests.projections.audit.test_export import EXPORT_MUTATIONS, events_at, exported, read_model  # noqa: F401

VERIFY_JS = Path(__file__).resolve().parents[4] / "interfaces" / "web" / "console" / "static" / "verify.js"
Records = list[dict[str, Any]]


def jsonl_text(records: Records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def csv_text(records: Records) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([json.dumps(r[n], ensure_ascii=False, sort_keys=True) if n in CSV_JSON and n in r
                         else "" if r.get(n) is None else r[n] for n in CSV_COLUMNS])
    return out.getvalue()


def re_signed(records: Records, edit: Callable[[Records], None]) -> tuple[Records, str]:
    """The records edited, every hash after recomputed and every signature redone with a new key."""
    found, key = copy.deepcopy(records), Ed25519PrivateKey.generate()
    edit(found)
    found[0]["public_key"] = public_key_hex(key.public_key())
    head = GENESIS
    for r in found[1:]:
        if r["record"] == "event":
            r["prev_hash"], r["content_sha256"] = head, content_sha256(r)
            head = r["hash"] = next_head(head, leaf_hash(r["position"], r["state_sha256"], r["content_sha256"]))
        elif r["record"] in ("checkpoint", "seal"):
            r["head"] = head if r["position"] else GENESIS
            r["signature"] = key.sign(canonical_json(signed_payload(r))).hex()
    return found, found[0]["public_key"]


def odd_values(found: Records) -> None:
    """Values whose canonical JSON a naive port gets wrong."""
    event = found[events_at(found)[3]]
    event["data"] = {**event["data"], "floats": [1e16, 1e-07, 39.906, 0.1, 100.0, -0.0, 1e22, 5e-324, 123456.789e3],
                     "big": 12345678901234567890123, "\uffff": "bmp last", "😀": "astral", "é": "\u2028/\x7f\x1f\"\\",
                     "nested": {"b": [True, False, None], "a": {"z": 1, "Z": 2}}}


def edit_field(field: str, value: Any) -> Callable[[Records], int]:
    def mutate(found: Records) -> int:
        index = events_at(found)[5]
        found[index][field] = value
        return index
    mutate.__name__ = f"{field}_set_to_{value!r}"
    return mutate


def cut_in_a_line(found: Records) -> int:
    found[-3] = "CUT"  # type: ignore[call-overload]  # written as a broken line below
    return len(found) - 3


def header_version_as_float(found: Records) -> int:
    found[0]["v"] = 2.0  # Python: 2.0 == 2, so still the header of v2
    return 0


def edit_display(found: Records) -> int:
    """The display masks are shown, not proven: still verifies (as in bench/bench_audit_mutations.py)."""
    index = next(i for i, r in enumerate(found) if r.get("display"))
    found[index]["display"] = {"note": "anything"}
    return index


def re_signed_with_a_foreign_key(found: Records) -> int:
    """The header's key replaced and every signature redone: self-consistent, but not the key the inspector holds."""
    key = Ed25519PrivateKey.generate()
    found[0]["public_key"] = public_key_hex(key.public_key())
    for r in found[1:]:
        if r["record"] in ("checkpoint", "seal"):
            r["signature"] = key.sign(canonical_json(signed_payload(r))).hex()
    return 0


def record_after_the_seal(found: Records) -> int:
    found.append(dict(found[events_at(found)[0]]))
    return len(found) - 1


EXTRA_MUTATIONS = [edit_field("position", "7"), edit_field("position", True), edit_field("version", 2.0),
                   edit_field("state_sha256", "ab" * 31 + " " * 2), header_version_as_float, record_after_the_seal,
                   cut_in_a_line, edit_display]


def text_of(records: Records, fmt: str) -> str:
    if fmt == "jsonl":
        return "".join('{"record": "event", "posit\n' if r == "CUT" else json.dumps(r, ensure_ascii=False) + "\n"
                       for r in records)
    return csv_text([r for r in records if r != "CUT"])


def cases(records: Records, real_key: str) -> list[tuple[str, str, str | None]]:
    """(name, file text, public key or None) for both formats."""
    found: list[tuple[str, str, str | None]] = []
    for fmt in ("jsonl", "csv"):
        found.append((f"{fmt}: untouched", text_of(records, fmt), real_key))
        found.append((f"{fmt}: untouched, the file's own key", text_of(records, fmt), None))
        for mutate in [*EXPORT_MUTATIONS, *EXTRA_MUTATIONS]:
            mutated = copy.deepcopy(records)
            mutate(mutated)
            found.append((f"{fmt}: {mutate.__name__}", text_of(mutated, fmt), None))
        foreign_signed = copy.deepcopy(records)
        re_signed_with_a_foreign_key(foreign_signed)
        found.append((f"{fmt}: re-signed with a foreign key, the file's own key", text_of(foreign_signed, fmt), None))
        found.append((f"{fmt}: re-signed with a foreign key, the real key", text_of(foreign_signed, fmt), real_key))
        odd, foreign = re_signed(records, odd_values)
        found.append((f"{fmt}: odd values, re-signed", text_of(odd, fmt), foreign))
        found.append((f"{fmt}: odd values, re-signed, checked with the real key", text_of(odd, fmt), real_key))
        found.append((f"{fmt}: not an export", "hello\n", None))
        found.append((f"{fmt}: empty", "", None))
    return found


def python_report(text: str, key: str | None, tmp_path: Path) -> dict[str, Any]:
    """As `civicflow-verify FILE` reads a file (UTF-8, newline="")."""
    path = tmp_path / "export"
    path.write_text(text, encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as lines:
        return verify_lines(lines, key)


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """JSON parse errors are worded by each language's parser: compare their kind, not their wording."""
    reason = report["reason"]
    if reason and reason.startswith(("the line is not JSON", "a cell cannot be read")):
        report = {**report, "reason": reason.split(":")[0]}
    return report


@pytest.fixture
def verifier_page(page: Any) -> Any:
    page.goto("/healthz")  # any page of the live server: http://127.0.0.1 is a secure context (WebCrypto)
    page.add_script_tag(path=str(VERIFY_JS))
    return page


def test_verify_js_agrees_with_civicflow_verify(verifier_page, read_model, exported, tmp_path):  # noqa: F811
    records, real_key = [json.loads(line) for line in exported], read_model.checkpoints()[0]
    checked = cases(records, real_key)
    texts = [[text, key] for _, text, key in checked]
    in_browser = verifier_page.evaluate(
        "async cases => { const out = []; for (const [t, k] of cases) "
        "out.push(CivicflowVerify.reportJSON(await CivicflowVerify.verifyText(t, k))); return out; }", texts)
    disagreements = [(name, python, json.loads(js)) for (name, text, key), js in zip(checked, in_browser)
                     if comparable(python := python_report(text, key, tmp_path)) != comparable(json.loads(js))]
    assert not disagreements, disagreements[:3]
    verdicts = {name: json.loads(js)["ok"] for (name, _, _), js in zip(checked, in_browser)}
    assert verdicts["jsonl: untouched"] and verdicts["csv: odd values, re-signed"]
    assert not verdicts["jsonl: edit_type"] and not verdicts["csv: odd values, re-signed, checked with the real key"]
    assert verdicts["csv: edit_display"] and verdicts["jsonl: re-signed with a foreign key, the file's own key"]
    assert not verdicts["jsonl: re-signed with a foreign key, the real key"]
    assert sum(not ok for ok in verdicts.values()) >= 2 * (len(EXPORT_MUTATIONS) + 5)


def test_the_fingerprint_is_the_documented_one(verifier_page):
    key = "957ed21d287b936e8b3fc4320a02e5999d072f3bfc01570584426e21e5e62c7e"  # docs/audit-format.md §11
    assert verifier_page.evaluate("k => CivicflowVerify.fingerprint(k)", key) == "8396dde62a5399aa"
    assert hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16] == "8396dde62a5399aa"
