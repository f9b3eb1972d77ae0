"""The audit chain is exactly DESIGN §6's format v2, checkpoints are signed with a key kept outside the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from application.accounts import Accounts
from domain.order import Order
from interfaces.bootstrap import audit_key_path, open_read_model
from projections.audit.event_data import event_data, type_names
from projections.audit.signing import Signer
from tests.projections.scenario import RESIDENT, SITE, district_day, place

PERSONAL = {"phone", "description", "comment", "note", "reason", "cancel_reason"}  # DESIGN §14, written out again
PLACE = "八宝山街道第01社区新时代文明实践站"  # the order's site: what a masked address shows (domain/privacy.py)


def canonical(value) -> bytes:  # type: ignore[no-untyped-def]
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sealed(value, key: bytes = b"") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A ciphertext's seal is its hash; a value stored in clear is sealed with an HMAC (it may be guessable)."""
    if isinstance(value, str) and value.startswith("cf1:"):
        return {"sealed": hashlib.sha256(canonical(value)).hexdigest()}
    return {"sealed": hmac.new(key, canonical(value), hashlib.sha256).hexdigest()}


def independent_form(notification, event, key: bytes) -> dict:  # type: ignore[no-untyped-def]
    """DESIGN §6's inspector form written out again: personal fields replaced by their seals."""
    data = event_data(event)
    for name in PERSONAL & data.keys():
        data[name] = None if data[name] is None else sealed(data[name], key)
    if isinstance(data.get("resident"), dict):
        data["resident"] = {k: None if v is None else sealed(v, key) for k, v in data["resident"].items()}
    aggregate_type, event_type = type_names(notification.topic)
    return {"type": event_type, "aggregate_type": aggregate_type, "aggregate_id": str(notification.originator_id),
            "version": notification.originator_version, "timestamp": event.timestamp.isoformat(),
            "actor": getattr(event, "actor", None), "data": data}


def independent_head(previous: str, notification, event, key: bytes) -> str:  # type: ignore[no-untyped-def]
    form = independent_form(notification, event, key)
    leaf = {"v": 2, "position": notification.id, "state_sha256": hashlib.sha256(notification.state).hexdigest(),
            "content_sha256": hashlib.sha256(canonical(form)).hexdigest()}
    leaf_hash = hashlib.sha256(b"\x00" + canonical(leaf)).digest()
    return hashlib.sha256(b"\x01" + bytes.fromhex(previous) + leaf_hash).hexdigest()


def test_every_audit_row_chains_the_stored_bytes_and_the_inspector_form_from_the_genesis_head(app, clock, tmp_path):
    district_day(app, clock)
    model = open_read_model(app, key_path=tmp_path / "k.pem")
    model.catch_up()
    key = Signer.from_file(tmp_path / "k.pem").derive_key("audit seals")
    head = hashlib.sha256(b"civicflow-audit-v2").hexdigest()
    rows, after = [], 0
    while after is not None:
        page, after = model.audit_events(after=after, limit=100)
        rows += page
    notifications = app.recorder.select_notifications(1, 10_000)
    assert [r["position"] for r in rows] == [n.id for n in notifications]
    for row, notification in zip(rows, notifications):
        assert row["prev_hash"] == head
        head = independent_head(head, notification, app.mapper.to_domain_event(notification), key)
        assert row["hash"] == head
    model.close()


def test_personal_fields_are_sealed_in_the_inspector_form_and_masked_beside_it(app, clock, read_model):
    order = app.find(Order, place(app))
    app.register_volunteer("Li Lei", "13800000009", SITE, ["haircut"], actor="dispatcher:d1")
    read_model.catch_up()
    record = next(json.loads(line) for line in read_model.export() if str(order.id) in line)
    assert record["data"]["resident"]["phone"] == sealed(order.resident["phone"])  # the hash of the ciphertext
    volunteer = next(json.loads(line) for line in read_model.export() if '"Registered"' in line and '"phone"' in line)
    bare_hash = hashlib.sha256(canonical("13800000009")).hexdigest()  # what trying every phone number would find
    assert volunteer["data"]["phone"]["sealed"] != bare_hash and volunteer["display"]["phone"] == "138****0009"
    assert record["data"]["description"] == sealed(order.description)
    assert record["display"]["resident"] == {"name": "W********", "phone": "139****0000", "address": PLACE}
    assert record["display"]["description"] == "haircut please"  # opened, with no number in it to mask
    assert RESIDENT["name"] not in json.dumps(record, ensure_ascii=False)


def test_checkpoints_genesis_every_n_events_and_on_demand_are_signed_and_linked(app, clock, tmp_path):
    key_path = tmp_path / "keys" / "audit.pem"
    model = open_read_model(app, key_path=key_path, checkpoint_every=50)
    district_day(app, clock)
    model.catch_up()
    latest = model.checkpoint()
    public_key, marks = model.checkpoints()
    total = app.recorder.max_notification_id()
    assert [m["count"] for m in marks][0] == 0 and marks[0]["head"] == hashlib.sha256(b"civicflow-audit-v2").hexdigest()
    # every 50th, and (the day lasting hours) some due by time between them
    assert {*range(50, total + 1, 50), total} <= {m["count"] for m in marks} and marks[-1] == latest
    assert [m["previous"] for m in marks] == [None, *(m["position"] for m in marks[:-1])]
    for mark in marks:
        payload = {"v": 2, "kind": "checkpoint", "position": mark["position"], "head": mark["head"],
                   "count": mark["count"], "at": mark["at"].isoformat(), "previous": mark["previous"], "every": 50}
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(mark["signature"]), canonical(payload))
    assert model.checkpoint() == latest  # nothing new: the same checkpoint, not a second one
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    model.close()


def test_a_checkpoint_is_taken_when_the_last_is_ten_minutes_old_whatever_the_count(app, clock, tmp_path):
    model = open_read_model(app, key_path=tmp_path / "k.pem", checkpoint_every=1_000)
    place(app)
    model.catch_up()
    assert [m["count"] for m in model.checkpoints()[1]] == [0]  # genesis only: none is due yet by time
    clock.advance(timedelta(minutes=10))
    place(app)
    model.catch_up()
    assert [m["position"] for m in model.checkpoints()[1]] == [0, app.recorder.max_notification_id()]
    model.close()


def test_the_key_is_made_on_first_start_and_reused_afterwards(app, tmp_path):
    key_path = tmp_path / "audit.pem"
    first = open_read_model(app, key_path=key_path)
    second = open_read_model(app, key_path=key_path)
    assert key_path.exists() and first.checkpoints()[0] == second.checkpoints()[0]
    first.close(), second.close()


def test_a_fresh_install_has_its_genesis_checkpoint_and_the_key_beside_the_store(app):
    model = open_read_model(app)
    assert [m["count"] for m in model.checkpoints()[1]] == [0]
    assert audit_key_path(app.settings).exists()
    model.close()


def test_a_console_accounts_password_hash_is_sealed_in_the_audit_form_and_its_export(app, read_model):
    Accounts(app).create("审计测试员", "inspector", password="a long enough password", actor="admin:cli")
    read_model.catch_up()
    created = next(json.loads(line) for line in read_model.export() if '"ConsoleUser"' in line)
    assert set(created["data"]["password_hash"]) == {"sealed"}
    assert "$argon2" not in "".join(read_model.export())
