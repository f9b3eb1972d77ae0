"""verify recomputes the chain from the event store and names the first position that was tampered with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlalchemy import update

from interfaces.bootstrap import open_read_model
from projections import ReadModel
from projections.audit.verify import Verifier
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


MUTATIONS: list[Callable[[Audited], int]] = [change_one_byte, delete_an_event, insert_a_forged_event,
                                             swap_two_events, alter_one_audit_row,
                                             rewrite_the_audit_table_consistently_without_the_key,
                                             truncate_the_tail]


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
    if mutate is rewrite_the_audit_table_consistently_without_the_key:
        assert "signed checkpoint" in report.reason  # the audit rows agree with the store: only the key tells


def test_a_forged_checkpoint_fails_its_signature(audited):
    t = audited.model.tables.checkpoints
    _, marks = audited.model.checkpoints()
    with audited.model.engine.begin() as conn:
        conn.execute(update(t).where(t.c.position == marks[1]["position"]).values(head="00" * 32))
    report = audited.model.verify()
    assert (report.ok, report.first_bad_position) == (False, marks[1]["position"])


def test_events_written_after_the_last_catch_up_are_not_yet_checked(audited, clock):
    place(audited.app)
    report = audited.model.verify()
    assert report.ok and report.checked == len(audited.raw.positions()) - 1


def test_rows_audited_while_verifying_are_left_for_the_next_run(audited):
    stop = audited.model.positions()["audit_log"]
    place(audited.app)
    audited.model.checkpoint()  # a worker appends and signs beyond `stop` during the verification
    model = audited.model
    report = Verifier(model.engine, model.tables, model.recorder, model.mapper, model.checkpoints()[0]).run(stop)
    assert report.ok and report.checked == len(audited.raw.positions()) - 1
