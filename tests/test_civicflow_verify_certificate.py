"""civicflow-verify --certificate (civicflow_verify.py): a certificate file proven offline with a key the verifier
holds; any edit, another key, or totals that do not add up are refused. Built here from scratch, no store."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import civicflow_verify as cv

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
DOCUMENT = {"v": 1, "kind": "civicflow-service-certificate", "serial": "CF-2026-ABCDEFGH",
            "issued_at": "2026-11-02T08:00:00+00:00",
            "volunteer": {"id": "v", "name": "李雷", "masked_id": "138****0001"},
            "issuer": {"id": "post-1", "name": "八宝山"}, "period": {"from": "2026-11-01", "to": "2026-11-30"},
            "services": [{"order_id": "o1", "minutes": 30, "basis": "confirmed", "position": 7},
                         {"order_id": "o2", "minutes": 45, "basis": "declared", "position": 9}],
            "totals": {"services": 2, "confirmed_minutes": 30, "declared_minutes": 45, "all_minutes": 75},
            "verify_url": "https://civicflow.example/verify/CF-2026-ABCDEFGH"}


def signed(document: dict[str, Any], key: Ed25519PrivateKey = KEY) -> dict[str, Any]:
    document = copy.deepcopy(document)  # each test edits its own copy
    return {"certificate": document, "signature": key.sign(cv.canonical_json(document)).hex(), "public_key": PUBLIC}


def test_a_genuine_certificate_is_proven() -> None:
    report = cv.verify_certificate(signed(DOCUMENT), PUBLIC)
    assert report["ok"] and report["serial"] == "CF-2026-ABCDEFGH" and report["positions"] == [7, 9]
    assert report["fingerprint"] == cv.fingerprint(PUBLIC)


@pytest.mark.parametrize("edit", [
    lambda d: d["services"][0].update(minutes=300),
    lambda d: d["services"][1].update(basis="confirmed"),
    lambda d: d["volunteer"].update(name="韩梅梅"),
    lambda d: d["period"].update(to="2026-12-31"),
    lambda d: d["services"].pop(),
])
def test_any_edit_breaks_the_signature(edit: Any) -> None:
    tampered = signed(DOCUMENT)
    edit(tampered["certificate"])
    report = cv.verify_certificate(tampered, PUBLIC)
    assert not report["ok"] and "signature" in report["reason"]


def test_another_key_or_a_file_naming_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    assert not cv.verify_certificate(signed(DOCUMENT, other), PUBLIC)["ok"]
    named = {**signed(DOCUMENT), "public_key": "00" * 32}
    assert "another key" in cv.verify_certificate(named, PUBLIC)["reason"]


def test_signed_totals_that_do_not_add_up_are_refused() -> None:
    wrong = copy.deepcopy(DOCUMENT)
    wrong["totals"]["all_minutes"] = 76
    assert "totals" in cv.verify_certificate(signed(wrong), PUBLIC)["reason"]


@pytest.mark.parametrize("presented", [[], {"certificate": "x"}, {"certificate": {"kind": "other", "v": 1}},
                                       {"certificate": DOCUMENT}])
def test_what_is_not_a_certificate_is_refused(presented: Any) -> None:
    assert not cv.verify_certificate(presented, PUBLIC)["ok"]


def test_the_command_line_exits_0_1_or_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(signed(DOCUMENT), ensure_ascii=False), encoding="utf-8")
    tampered = signed(DOCUMENT)
    tampered["certificate"]["services"][0]["minutes"] = 300
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    assert cv.main(["--certificate", str(good), "--public-key", PUBLIC]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert cv.main(["--certificate", str(bad), "--public-key", PUBLIC]) == 1
    assert "NOT GENUINE" in capsys.readouterr().err
    assert cv.main(["--certificate", str(good)]) == 2
    assert cv.main(["--certificate", str(tmp_path / "missing.json"), "--public-key", PUBLIC]) == 2
    with pytest.raises(SystemExit):
        cv.main([])
