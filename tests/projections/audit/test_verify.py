"""verify recomputes the chain from the event store and names the first position that was tampered with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlalchemy import update

from interfaces.bootstrap import open_read_model
from projections import ReadModel
from projections.audit.verify import Verifier
from projections.views.runner import ViewsDamaged
from tests.projections.scenario import district_day, place
from tests.projections.audit.tamper import RawStore, rewrite_audit_from

EVERY = 25


@dataclass
class Audited:
    app: Any
    model: ReadModel
    raw: RawStore
    completed_at: int  # position of a ServiceCompleted event in the middle of the log
    gap: int  # a free position inside the audited range


@pytest.fixture
def audited(app, clock, tmp_path):  # type: ignore[no-untyped-def]
    model = open_read_model(app, key_path=tmp_path / "key.pem", checkpoint_every=EVERY)
    raw = RawStore(app)
    day = district_day(app, clock)
    place(app)
    model.catch_up()
    model.checkpoint()  # one on demand in the middle of the log, between two due every EVERY events
    gap = raw.make_gap(app, then=lambda: [place(app) for _ in range(3)])
    model.catch_up()
    model.checkpoint()
    completed_at = next(h["position"] for h in model.history(day.orders["reviewed"]) if h["type"] ==
                        "ServiceCompleted")
    yield Audited(app, model, raw, completed_at, gap)
    raw.close()
    model.close()


def change_one_byte(a: Audited) -> int:
    a.raw.flip_byte(a.completed_at)
    return a.completed_at


def delete_an_event(a: Audited) -> int:
    a.raw.delete(a.completed_at)
    return a.completed_at


def insert_a_forged_event(a: Audited) -> int:
    originator_id, _, topic, state = a.raw.row(a.completed_at)
    a.raw.insert(a.gap, originator_id, 99, topic, state)
    return a.gap


def swap_two_events(a: Audited) -> int:
    a.raw.swap(a.completed_at, a.completed_at + 3)
    return a.completed_at


def alter_one_audit_row(a: Audited) -> int:
    t = a.model.tables.audit_log
    with a.model.engine.begin() as conn:
        conn.execute(update(t).where(t.c.position == a.completed_at).values(actor="volunteer:someone-else"))
    return a.completed_at


def rewrite_the_audit_table_consistently_without_the_key(a: Audited) -> int:
    state = a.raw.row(a.completed_at)[3]
    assert b'"service_minutes":40' in state
    a.raw.set_state(a.completed_at, state.replace(b'"service_minutes":40', b'"service_minutes":400'))
    rewrite_audit_from(a.model, a.completed_at)
    _, marks = a.model.checkpoints()
    return min(m["position"] for m in marks if m["position"] >= a.completed_at)


def truncate_the_tail(a: Audited) -> int:
    first_cut = a.raw.positions()[-4]
    a.raw.delete(first_cut, and_after=True)
    return first_cut


def lower_the_audit_position_below_an_altered_event(a: Audited) -> int:
    """The issue's attack: alter an audited event, move the audit view's position back below it, so that the
    view folds the altered event again — only the signed checkpoints still know the original."""
    state = a.raw.row(a.completed_at)[3]
    a.raw.set_state(a.completed_at, state.replace(b'"service_minutes":40', b'"service_minutes":400'))
    positions = a.model.tables.positions
    with a.model.engine.begin() as conn:
        conn.execute(update(positions).where(positions.c.name == "audit_log").values(position=a.completed_at - 3))
    a.model.catch_up()  # folds the altered event again (no longer a duplicate-row failure)
    _, marks = a.model.checkpoints()
    return min(m["position"] for m in marks if m["position"] >= a.completed_at)


def edit_an_audit_rows_data_and_its_content_hash(a: Audited) -> int:
    t = a.model.tables.audit_log
    with a.model.engine.begin() as conn:
        row = conn.execute(t.select().where(t.c.position == a.completed_at)).mappings().one()
        conn.execute(update(t).where(t.c.position == a.completed_at)
                     .values(data={**row["data"], "service_minutes": 1}, content_sha256="0" * 64))
    return a.completed_at


def corrupt_an_audit_rows_hash(a: Audited) -> int:
    t = a.model.tables.audit_log
    with a.model.engine.begin() as conn:
        conn.execute(update(t).where(t.c.position == a.completed_at).values(hash="not hex"))
    return a.completed_at


def delete_a_checkpoint_due_every_n_events(a: Audited) -> int:
    _, marks = a.model.checkpoints()
    target = next(m["position"] for m in marks if m["count"] == 2 * EVERY)
    with a.model.engine.begin() as conn:
        conn.execute(a.model.tables.checkpoints.delete().where(a.model.tables.checkpoints.c.position == target))
    return target


def delete_a_checkpoint_taken_on_demand(a: Audited) -> int:
    _, marks = a.model.checkpoints()
    target = next(i for i, m in enumerate(marks) if m["count"] % EVERY and 0 < i < len(marks) - 1)
    with a.model.engine.begin() as conn:
        conn.execute(a.model.tables.checkpoints.delete()
                     .where(a.model.tables.checkpoints.c.position == marks[target]["position"]))
    return marks[target + 1]["position"]  # the next one names it


def corrupt_an_audit_rows_stored_json(a: Audited) -> int:
    garbage = "{not json" if a.app.settings.store.kind == "sqlite" else '"not an object"'  # PostgreSQL checks JSON
    a.raw.sql("UPDATE audit_log SET data = ? WHERE position = ?", garbage, a.completed_at)
    return a.completed_at


def delete_an_audit_row(a: Audited) -> int:
    t = a.model.tables.audit_log
    with a.model.engine.begin() as conn:
        conn.execute(t.delete().where(t.c.position == a.completed_at))
    return a.completed_at


MUTATIONS: list[Callable[[Audited], int]] = [change_one_byte, delete_an_event, insert_a_forged_event,
                                             swap_two_events, alter_one_audit_row,
                                             rewrite_the_audit_table_consistently_without_the_key,
                                             truncate_the_tail, lower_the_audit_position_below_an_altered_event,
                                             edit_an_audit_rows_data_and_its_content_hash, corrupt_an_audit_rows_hash,
                                             delete_a_checkpoint_due_every_n_events,
                                             delete_a_checkpoint_taken_on_demand, delete_an_audit_row,
                                             corrupt_an_audit_rows_stored_json]
SIGNED_ONLY = {rewrite_the_audit_table_consistently_without_the_key, lower_the_audit_position_below_an_altered_event}


def test_an_untouched_log_verifies_with_every_checkpoint(audited):
    report = audited.model.verify()
    assert report.ok and report.first_bad_position is None
    assert report.checked == len(audited.raw.positions())
    _, marks = audited.model.checkpoints()
    assert report.checkpoints == len(marks) >= 3 and report.head == marks[-1]["head"]


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_tampering_is_detected_at_the_right_position(audited, mutate):
    expected = mutate(audited)
    report = audited.model.verify()
    assert (report.ok, report.first_bad_position) == (False, expected), report.reason
    if mutate in SIGNED_ONLY:
        assert "signed checkpoint" in report.reason  # the audit rows agree with the store: only the key tells


def test_a_forged_checkpoint_fails_its_signature(audited):
    t = audited.model.tables.checkpoints
    _, marks = audited.model.checkpoints()
    with audited.model.engine.begin() as conn:
        conn.execute(update(t).where(t.c.position == marks[1]["position"]).values(head="00" * 32))
    report = audited.model.verify()
    assert (report.ok, report.first_bad_position) == (False, marks[1]["position"])


def test_the_views_positions_do_not_bound_verification(audited):
    """Whatever the audit view's position says, every event in the store is recomputed."""
    positions = audited.model.tables.positions
    with audited.model.engine.begin() as conn:
        conn.execute(update(positions).where(positions.c.name == "audit_log").values(position=1))
    place(audited.app)
    report = audited.model.verify()
    assert report.ok and report.checked == len(audited.raw.positions()) and report.pending == 1
    audited.raw.flip_byte(audited.completed_at)
    assert audited.model.verify().first_bad_position == audited.completed_at


def test_an_undecodable_event_is_a_finding_and_catching_up_says_the_views_are_damaged(audited):
    audited.raw.set_state(audited.completed_at, b"\xff not an event")
    report = audited.model.verify()
    assert (report.ok, report.first_bad_position) == (False, audited.completed_at) and "decoded" in report.reason
    positions = audited.model.tables.positions
    with audited.model.engine.begin() as conn:
        conn.execute(update(positions).values(position=audited.completed_at - 1))
    with pytest.raises(ViewsDamaged) as damaged:
        audited.model.catch_up()
    assert damaged.value.position == audited.completed_at


def test_incremental_verification_checks_only_what_came_since_the_newest_checkpoint(audited):
    newest = audited.model.checkpoints()[1][-1]
    for _ in range(2):
        place(audited.app)
    audited.model.catch_up()
    report = audited.model.verify_recent()
    assert report.ok and report.from_position == newest["position"]
    assert report.checked == len(audited.raw.positions())  # counts the chain from genesis, not the work done
    after = audited.model.checkpoints()[1][-1]
    assert after["position"] == max(audited.raw.positions())  # recorded: the next call starts here
    assert audited.model.verify_recent().from_position == after["position"]
    audited.raw.flip_byte(audited.completed_at)  # before the anchor: the full verification's to find
    assert audited.model.verify_recent().ok and not audited.model.verify().ok


def test_incremental_verification_finds_an_event_altered_since_the_newest_checkpoint(audited):
    place(audited.app)
    audited.model.catch_up()
    audited.raw.flip_byte(max(audited.raw.positions()))
    report = audited.model.verify_recent()
    assert (report.ok, report.first_bad_position) == (False, max(audited.raw.positions()))


def test_events_written_after_the_last_catch_up_are_recomputed_but_pending(audited, clock):
    place(audited.app)
    report = audited.model.verify()
    assert report.ok and report.checked == len(audited.raw.positions()) and report.pending == 1


def test_rows_audited_while_verifying_are_left_for_the_next_run(audited):
    stop = max(audited.raw.positions())
    place(audited.app)
    audited.model.checkpoint()  # a worker appends and signs beyond `stop` during the verification
    model = audited.model
    report = Verifier(model.engine, model.tables, model.recorder, model.mapper, model.checkpoints()[0],
                      every=EVERY, sealer=model.sealer).run(stop)
    assert report.ok and report.checked == len(audited.raw.positions()) - 1
