"""Optimistic concurrency (expected versions, lost races) and idempotency keys."""

from datetime import timedelta

import pytest

from application.app import CivicFlow
from application.errors import ConcurrencyConflict, IdempotencyKeyReused, VersionMismatch
from application.settings import Settings
from domain.order import Order
from tests.application.conftest import RESIDENT, place, register


def test_a_matching_expected_version_is_accepted_and_a_stale_one_refused(civic):
    order = place(civic)
    with pytest.raises(VersionMismatch) as stale:
        civic.recall_order(order.id, "x", actor="d", expected_version=5)
    assert (stale.value.expected, stale.value.actual) == (5, 1)
    worker = register(civic)
    result = civic.dispatch_order(order.id, volunteer_id=worker.id, actor="d", expected_version=1)
    assert result.version == 2


def test_a_lost_race_between_two_processes_is_a_typed_conflict(tmp_path, clock):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path)
    first, second = CivicFlow(settings, clock), CivicFlow(settings, clock)
    first.load_reference_data()
    order = place(first)
    stale_copy = second.load(Order, order.id)
    first.cancel_order(order.id, "resident called", actor="channel:district-app")
    stale_copy.cancel("duplicate", actor="channel:district-app", at=clock.now())
    with pytest.raises(ConcurrencyConflict):
        second.commit([stale_copy])
    kept = first.load(Order, order.id).cancel_reason  # sealed with the resident's key (application/residents.py)
    assert first.residents.reveal_value("cancel_reason", kept) == "resident called"
    first.close()
    second.close()


def test_a_retry_with_the_same_key_returns_the_first_result_and_writes_nothing(civic, clock):
    first = place(civic, idempotency_key="req-1")
    written = civic.recorder.max_notification_id()
    clock.advance(timedelta(minutes=5))
    retry = place(civic, idempotency_key="req-1")
    assert (retry.id, retry.version, retry.replayed) == (first.id, first.version, True)
    assert civic.recorder.max_notification_id() == written


def test_a_retried_command_on_an_existing_order_replays_its_first_version(civic):
    order = place(civic)
    worker = register(civic)
    first = civic.dispatch_order(order.id, volunteer_id=worker.id, actor="d", idempotency_key="k")
    civic.recall_order(order.id, "oops", actor="d")
    retry = civic.dispatch_order(order.id, volunteer_id=worker.id, actor="d", idempotency_key="k")
    assert (retry.version, retry.replayed) == (first.version, True)
    assert civic.load(Order, order.id).status == "placed"


def test_the_same_key_with_a_different_request_is_refused(civic):
    place(civic, idempotency_key="req-1")
    with pytest.raises(IdempotencyKeyReused):
        place(civic, idempotency_key="req-1", description="something else")


def test_keys_belong_to_their_principal(civic):
    mine = place(civic, idempotency_key="req-1")
    theirs = place(civic, idempotency_key="req-1", actor="channel:hotline-12345")
    assert mine.id != theirs.id and not theirs.replayed


def test_a_failed_command_does_not_consume_its_key(civic):
    with pytest.raises(Exception):
        place(civic, idempotency_key="req-1", site_id="post-nowhere")
    assert not place(civic, idempotency_key="req-1").replayed


def test_positional_and_keyword_forms_of_a_request_are_the_same_request(civic):
    first = civic.place_order("haircut", "post-babaoshan-01", "trim", RESIDENT, "district-app", actor="c",
                              idempotency_key="k")
    retry = civic.place_order(category="haircut", site_id="post-babaoshan-01", description="trim",
                              resident=RESIDENT, channel="district-app", priority="normal", actor="c",
                              idempotency_key="k")
    assert retry.replayed and retry.id == first.id
