"""The audit chain is exactly DESIGN §6's, checkpoints are signed with a key kept outside the database."""

from __future__ import annotations

import hashlib
import json
import stat
from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from interfaces.bootstrap import audit_key_path, open_read_model
from projections.audit.chain import leaf_hash, notification_envelope, notification_leaf
from tests.projections.scenario import district_day


def independent_head(previous: bytes, notification) -> bytes:  # type: ignore[no-untyped-def]
    """DESIGN §6 written out again, without the project's code."""
    envelope = {"position": notification.id, "originator_id": str(notification.originator_id),
                "originator_version": notification.originator_version, "topic": notification.topic,
                "state_sha256": hashlib.sha256(notification.state).hexdigest()}
    canonical = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    leaf = hashlib.sha256(b"\x00" + canonical).digest()
    return hashlib.sha256(b"\x01" + previous + leaf).digest()


def test_every_audit_row_chains_the_stored_bytes_from_the_genesis_head(app, clock, tmp_path):
    district_day(app, clock)
    model = open_read_model(app, key_path=tmp_path / "k.pem")
    model.catch_up()
    head = hashlib.sha256(b"civicflow-audit-v1").digest()
    rows, after = [], 0
    while after is not None:
        page, after = model.audit_events(after=after, limit=100)
        rows += page
    notifications = app.recorder.select_notifications(1, 10_000)
    assert [r["position"] for r in rows] == [n.id for n in notifications]
    for row, notification in zip(rows, notifications):
        assert row["prev_hash"] == head.hex()
        head = independent_head(head, notification)
        assert row["hash"] == head.hex()
    model.close()


def test_checkpoints_every_n_events_and_on_demand_are_signed_with_the_published_key(app, clock, tmp_path):
    key_path = tmp_path / "keys" / "audit.pem"
    model = open_read_model(app, key_path=key_path, checkpoint_every=50)
    district_day(app, clock)
    model.catch_up()
    latest = model.checkpoint()
    public_key, marks = model.checkpoints()
    total = app.recorder.max_notification_id()
    assert [m["count"] for m in marks] == [*range(50, total + 1, 50), total] and marks[-1] == latest
    for mark in marks:
        payload = {"position": mark["position"], "head": mark["head"], "count": mark["count"],
                   "at": mark["at"].isoformat()}
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(mark["signature"]), json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    assert model.checkpoint() == latest  # nothing new: the same checkpoint, not a second one
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    model.close()


def test_the_key_is_made_on_first_start_and_reused_afterwards(app, tmp_path):
    key_path = tmp_path / "audit.pem"
    first = open_read_model(app, key_path=key_path)
    second = open_read_model(app, key_path=key_path)
    assert key_path.exists() and first.checkpoints()[0] == second.checkpoints()[0]
    first.close(), second.close()


def test_the_default_key_lives_beside_the_store_not_in_it(app):
    model = open_read_model(app)
    model.checkpoint()
    assert audit_key_path(app.settings).exists()
    model.close()


@given(position=st.integers(1, 2**62), version=st.integers(1, 2**31), topic=st.text(min_size=1),
       state=st.binary(max_size=64), originator=st.uuids())
def test_the_written_out_leaf_equals_the_canonical_json_leaf(position, version, topic, state, originator):  # type: ignore[no-untyped-def]
    stored = SimpleNamespace(id=position, originator_id=originator, originator_version=version, topic=topic,
                             state=state)
    env, leaf = notification_leaf(stored)
    assert leaf == leaf_hash(env) == leaf_hash(notification_envelope(stored))
