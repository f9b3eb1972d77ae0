"""`civicflow projections ...` and `civicflow audit ...` on a real store, as an operator would run them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from interfaces.bootstrap import audit_key_path, open_read_model
from interfaces.cli.main import cli
from projections import Hooks
from projections.audit.signing import Signer
from projections.read_model import partition_views
from tests.projections.audit.v1_store import make_v1
from tests.projections.scenario import district_day
from tests.projections.audit.tamper import RawStore


@pytest.fixture
def civicflow(app, store_url, tmp_path):  # type: ignore[no-untyped-def]
    # The key the test's own read model signs with (its genesis checkpoint): one installation, one key.
    env = {"CIVICFLOW_DATABASE_URL": store_url, "CIVICFLOW_AUDIT_KEY": str(audit_key_path(app.settings)),
           "CIVICFLOW_VAR_DIR": str(tmp_path / "var")}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return run


def last_json(result) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_projection_workers_catch_up_rebuild_and_report_lag(app, clock, civicflow):
    district_day(app, clock)
    latest = app.recorder.max_notification_id()
    assert last_json(civicflow("projections", "status"))["lag"] == latest
    assert last_json(civicflow("projections", "run", "--once")) == {"position": latest, "lag": 0}
    rebuilt = last_json(civicflow("projections", "rebuild"))
    assert rebuilt["rebuilt_to"] == latest and set(rebuilt["positions"].values()) == {latest}
    assert last_json(civicflow("projections", "status"))["lag"] == 0


def test_audit_verify_exits_non_zero_naming_the_first_bad_position(app, clock, civicflow):
    district_day(app, clock)
    civicflow("projections", "run", "--once")
    ok = civicflow("audit", "verify")
    assert ok.exit_code == 0 and last_json(ok)["ok"] is True
    raw = RawStore(app)
    target = raw.positions()[-10]
    raw.flip_byte(target)
    raw.close()
    failed = civicflow("audit", "verify")
    assert failed.exit_code == 1 and last_json(failed)["first_bad_position"] == target
    assert f"position {target}" in failed.stderr


def test_checkpoint_export_and_verify_file(app, clock, civicflow, tmp_path):
    district_day(app, clock)
    mark = last_json(civicflow("audit", "checkpoint"))
    assert mark["count"] == app.recorder.max_notification_id() and len(mark["public_key"]) == 64
    for fmt in ("jsonl", "csv"):
        path = tmp_path / f"audit.{fmt}"
        assert civicflow("audit", "export", "--format", fmt, "--output", str(path)).exit_code == 0
        verified = civicflow("audit", "verify", "--file", str(path), "--public-key", mark["public_key"])
        assert verified.exit_code == 0 and last_json(verified)["to"]["head"] == mark["head"]
    lines = (tmp_path / "audit.jsonl").read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(json.loads(lines[5])["state_sha256"], "0" * 64)
    (tmp_path / "bad.jsonl").write_text("".join(lines))
    bad = civicflow("audit", "verify", "--file", str(tmp_path / "bad.jsonl"))
    assert bad.exit_code == 1 and last_json(bad)["line"] == 6 and "line 6" in bad.stderr


def test_an_export_of_a_tampered_store_exits_non_zero_and_ends_without_a_seal(app, clock, civicflow, tmp_path):
    district_day(app, clock)
    civicflow("projections", "run", "--once")
    raw = RawStore(app)
    target = raw.positions()[20]
    raw.flip_byte(target)
    raw.close()
    exported = civicflow("audit", "export", "--output", str(tmp_path / "e.jsonl"))
    assert exported.exit_code == 1 and "WITHOUT A SEAL" in exported.stderr
    last = json.loads((tmp_path / "e.jsonl").read_text().splitlines()[-1])
    assert last["record"] == "error" and last["position"] == target


def test_audit_replay_compares_the_whole_log_and_shows_an_order_then(app, clock, civicflow):
    day = district_day(app, clock)
    whole = civicflow("audit", "replay")
    assert whole.exit_code == 0 and last_json(whole)["differences"] == 0
    then = civicflow("audit", "replay", "--order", str(day.orders["reviewed"]), "--version", "2")
    assert then.exit_code == 0 and last_json(then)["status"] == "dispatched"


def test_a_rebuild_in_two_processes_folds_the_same_views_as_one(app, clock, civicflow, read_model):
    district_day(app, clock)
    latest = app.recorder.max_notification_id()
    civicflow("projections", "rebuild")
    single = snapshot(read_model)
    rebuilt = last_json(civicflow("projections", "rebuild", "--jobs", "2"))
    assert rebuilt["rebuilt_to"] == latest and set(rebuilt["positions"].values()) == {latest}
    assert snapshot(read_model) == single
    verified = last_json(civicflow("audit", "verify"))
    assert verified["ok"] is True, verified


def test_workers_may_split_the_views_between_them(app, clock, civicflow, read_model):
    district_day(app, clock)
    latest = app.recorder.max_notification_id()
    civicflow("projections", "run", "--once", "--view", "audit_log", "--view", "volunteer_roster")
    assert read_model.positions() == {"audit_log": latest, "volunteer_roster": latest, "order_board": 0,
                                      "site_stats": 0}
    civicflow("projections", "run", "--once", "--view", "order_board", "--view", "site_stats")
    assert set(read_model.positions().values()) == {latest}
    assert civicflow("projections", "run", "--once", "--view", "nonsense").exit_code == 2


def test_view_groups_cover_every_view_once_and_keep_the_board_with_the_site_tree():
    for jobs in range(1, 6):
        groups = partition_views(jobs)
        names = [name for group in groups for name in group]
        assert sorted(names) == ["audit_log", "order_board", "site_stats", "volunteer_roster"]
        assert len(groups) == min(jobs, 3)
        assert any({"order_board", "site_stats"} <= set(group) for group in groups)


def snapshot(model) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every view's rows in key order (positions aside)."""
    tables = [t for t in model.tables.views() if t is not model.tables.positions]
    with model.engine.connect() as conn:
        return {t.name: sorted(tuple(map(str, row)) for row in conn.execute(select(t))) for t in tables}


def test_audit_migrate_moves_a_v1_store_to_v2_and_it_verifies(app, clock, civicflow):
    district_day(app, clock)
    model = open_read_model(app)
    model.catch_up()
    kept = make_v1(model, Signer.from_file(audit_key_path(app.settings)), clock.now())
    model.close()
    refused = civicflow("projections", "status")  # any command that opens the views refuses a v1 trail
    assert refused.exit_code == 1 and "civicflow audit migrate" in refused.stderr
    migrated = civicflow("audit", "migrate")
    assert migrated.exit_code == 0 and last_json(migrated)["v1_checkpoints_kept"] == kept
    verified = civicflow("audit", "verify")
    assert verified.exit_code == 0 and last_json(verified)["checked"] == app.recorder.max_notification_id()


class Interrupted(Exception):
    pass


def interrupted_rebuild(read_model, pages: int) -> int:  # type: ignore[no-untyped-def]
    """A rebuild that stops after `pages` pages of the next generation (as a killed one would); its position."""
    done = {"n": 0}

    def after_read(items) -> None:  # type: ignore[no-untyped-def]
        done["n"] += 1
        if done["n"] > pages:
            raise Interrupted()
    generation = read_model.next_generation(hooks=Hooks(after_read=after_read))
    generation.runner.page_size = 10
    generation.start()
    with pytest.raises(Interrupted):
        generation.fold()
    return min(generation.positions().values())


def test_status_shows_an_interrupted_rebuild_and_rebuild_resumes_it_or_restarts(app, clock, civicflow, read_model):
    district_day(app, clock)
    latest = app.recorder.max_notification_id()
    left_at = interrupted_rebuild(read_model, pages=3)
    status = last_json(civicflow("projections", "status"))
    assert status["rebuild"] == {"positions": dict.fromkeys(status["positions"], left_at), "behind": latest - left_at}
    assert status["lag"] == latest  # the live views are untouched: still where they were (never folded here)
    rebuilt = last_json(civicflow("projections", "rebuild", "--jobs", "2"))
    assert rebuilt["rebuilt_to"] == latest and last_json(civicflow("projections", "status"))["rebuild"] is None
    single = snapshot(read_model)
    interrupted_rebuild(read_model, pages=2)
    restarted = last_json(civicflow("projections", "rebuild", "--restart"))
    assert restarted["rebuilt_to"] == latest and snapshot(read_model) == single
    assert last_json(civicflow("audit", "verify"))["ok"] is True
