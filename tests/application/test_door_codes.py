"""Door codes through the application (memory and SQLite): derived from the key store's secret, only their keyed
digests stored, wrong tries saved before the refusal (so another process counts them too), confirmed and declared
minutes apart, hand confirmation saved with the volunteer, and events from before door codes read as declared."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from application.settings import Settings
from domain.door_codes import COMPLETE, START, DoorCodeLocked, WrongDoorCode
from domain.order import Order
from domain.volunteer import Volunteer
from tests.application.conftest import place, register
from tests.conftest import make_app


def accepted(app, worker):  # type: ignore[no-untyped-def]
    order = place(app)
    app.dispatch_order(order.id, volunteer_id=worker.id, actor="dispatcher:d1")
    result = app.accept_order(order.id, worker.id, actor="v")
    return order.id, {kind: app.door_codes.code(order.id, result.version, kind) for kind in (START, COMPLETE)}


def refusals(app, order_id) -> int:  # type: ignore[no-untyped-def]
    return sum(e.topic.endswith("Order.DoorCodeRefused") for e in app.recorder.select_events(order_id))


def test_the_codes_are_six_digits_the_order_holds_their_keyed_digests(civic):
    worker = register(civic)
    order_id, codes = accepted(civic, worker)
    order = civic.load(Order, order_id)
    assert all(len(code) == 6 and code.isdigit() for code in codes.values()) and codes[START] != codes[COMPLETE]
    for kind, code in codes.items():
        assert order.door_codes[kind]["digest"] == civic.door_codes.digest(order_id, kind, code) != code
    stored = b"".join(e.state for e in civic.recorder.select_events(order_id))
    assert not any(code.encode() in stored for code in codes.values())


def test_right_codes_confirm_and_declared_minutes_are_counted_apart(civic, clock):
    worker = register(civic)
    (confirmed, codes), (declared, _) = accepted(civic, worker), accepted(civic, worker)
    civic.start_service(confirmed, worker.id, codes[START], actor="v")
    civic.start_service(declared, worker.id, actor="v")
    clock.advance(timedelta(minutes=45))
    civic.complete_service(confirmed, worker.id, 40, None, codes[COMPLETE], actor="v")
    civic.complete_service(declared, worker.id, 30, actor="v")
    volunteer = civic.load(Volunteer, worker.id)
    assert (volunteer.confirmed_minutes, volunteer.declared_minutes, volunteer.service_minutes) == (40, 30, 70)
    credits = [e for e in civic.repository.event_store.get(worker.id) if isinstance(e, Volunteer.ServiceCredited)]
    assert [(e.order_id, e.basis) for e in credits] == [(confirmed, "confirmed"), (declared, "declared")]


def test_each_wrong_try_is_saved_before_it_is_refused_and_the_fifth_locks(civic):
    worker = register(civic)
    order_id, codes = accepted(civic, worker)
    wrong = f"{(int(codes[START]) + 1) % 1_000_000:06d}"
    for tried in range(1, 6):
        with pytest.raises(WrongDoorCode):
            civic.start_service(order_id, worker.id, wrong, actor="v")
        assert refusals(civic, order_id) == tried
    with pytest.raises(DoorCodeLocked):
        civic.start_service(order_id, worker.id, codes[START], actor="v")
    assert refusals(civic, order_id) == 5
    civic.start_service(order_id, worker.id, actor="v")
    assert civic.load(Order, order_id).start_basis == "declared"


def test_another_process_on_the_same_store_counts_the_same_tries(clock, tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'civicflow.db'}", var_dir=tmp_path / "var")
    first, second = make_app(settings, clock), make_app(settings, clock)
    try:
        worker = register(first)
        order_id, codes = accepted(first, worker)
        assert second.door_codes.code(order_id, first.load(Order, order_id).version, START) == codes[START]
        wrong = f"{(int(codes[START]) + 1) % 1_000_000:06d}"
        for app in (first, second, first, second, first):
            with pytest.raises(WrongDoorCode):
                app.start_service(order_id, worker.id, wrong, actor="v")
        with pytest.raises(DoorCodeLocked):
            second.start_service(order_id, worker.id, codes[START], actor="v")
    finally:
        first.close()
        second.close()


def test_a_hand_confirmation_moves_the_minutes_in_the_same_save(civic, clock):
    worker = register(civic)
    order_id, _ = accepted(civic, worker)
    civic.start_service(order_id, worker.id, actor="v")
    clock.advance(timedelta(minutes=45))
    civic.complete_service(order_id, worker.id, 40, actor="v")
    civic.confirm_service(order_id, "the resident called the station", actor="dispatcher:d1")
    volunteer, order = civic.load(Volunteer, worker.id), civic.load(Order, order_id)
    assert (volunteer.confirmed_minutes, volunteer.declared_minutes, order.service_basis) == (40, 0, "confirmed")
    [moved] = [e for e in civic.repository.event_store.get(worker.id) if isinstance(e, Volunteer.ServiceConfirmed)]
    assert (moved.order_id, moved.minutes, moved.actor) == (order_id, 40, "dispatcher:d1")
    assert civic.residents.reveal_value("reason", moved.reason) == "the resident called the station"


def test_events_from_before_door_codes_read_as_declared(civic, clock):
    worker = register(civic)
    order_id, _ = accepted(civic, worker)
    civic.start_service(order_id, worker.id, actor="v")
    clock.advance(timedelta(minutes=45))
    civic.complete_service(order_id, worker.id, 40, actor="v")
    mapper, seen = civic.mapper, []
    for aggregate_id in (order_id, worker.id):
        for stored in civic.recorder.select_events(aggregate_id):
            state = json.loads(mapper.compressor.decompress(stored.state) if mapper.compressor else stored.state)
            if "basis" not in state:
                continue
            del state["basis"]  # as the store holds events recorded before door codes
            old = stored.__class__(stored.originator_id, stored.originator_version, stored.topic,
                                   json.dumps(state).encode())
            seen.append(type(mapper.to_domain_event(old)).__name__)
            assert mapper.to_domain_event(old).basis == "declared"
    assert seen == ["ServiceStarted", "ServiceCompleted", "ServiceCredited"]
