"""`civicflow audit migrate`: a v1 store is refused until migrated, never silently; migrating verifies and keeps
its v1 checkpoints, folds a v2 chain from 0, and the result verifies, the v1 checkpoints with it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from interfaces.bootstrap import audit_key_path, open_read_model
from projections.audit.migrate import AuditFormatV1
from projections.audit.signing import Signer
from tests.projections.audit.tamper import RawStore
from tests.projections.audit.v1_store import make_v1
from tests.projections.scenario import district_day


@pytest.fixture
def v1_store(app, clock):  # type: ignore[no-untyped-def]
    district_day(app, clock)
    model = open_read_model(app)
    model.catch_up()
    signed = make_v1(model, Signer.from_file(audit_key_path(app.settings)), clock.now())
    model.close()
    return signed


def test_a_v1_store_is_refused_until_it_is_migrated(app, v1_store):
    with pytest.raises(AuditFormatV1, match="civicflow audit migrate"):
        open_read_model(app)


def test_migration_keeps_the_v1_checkpoints_and_the_store_then_verifies(app, v1_store):
    model = open_read_model(app, create=False)
    result = model.migrate_audit()
    assert result["migrated"] and result["v1_checkpoints_kept"] == v1_store >= 4 and result["v1"]["ok"]
    report = model.verify()
    assert report.ok and report.checked == app.recorder.max_notification_id(), report
    assert model.v1_checkpoints() == {"ok": True, "checkpoints": v1_store, "first_bad_position": None, "reason": None}
    assert model.migrate_audit() == {"migrated": False, "format": 2}  # once is enough
    model.close()
    open_read_model(app).close()  # and it opens as any v2 store


def test_a_v1_store_whose_history_was_altered_is_not_migrated(app, v1_store):
    raw = RawStore(app)
    target = raw.positions()[60]
    raw.flip_byte(target)
    raw.close()
    model = open_read_model(app, create=False)
    result = model.migrate_audit()
    assert (result["migrated"], result["format"]) == (False, 1)
    assert result["v1"]["first_bad_position"] == 100  # the first v1 checkpoint after it no longer matches
    model.close()


def test_a_v1_checkpoint_altered_after_migration_fails_the_full_verification(app, v1_store):
    model = open_read_model(app, create=False)
    model.migrate_audit()
    with model.engine.begin() as conn:
        conn.execute(text("UPDATE audit_checkpoints_v1 SET count = count + 1 WHERE position = 100"))
    report = model.verify()
    assert (report.ok, report.first_bad_position) == (False, 100) and report.reason.startswith("format v1")
    model.close()
