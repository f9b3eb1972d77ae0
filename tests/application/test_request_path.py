"""What the request path relies on: tokens read without copies yet revoked at once, commands answering
with the aggregate they saved, copies that share only immutable values, one SQLite writer at a time."""

from __future__ import annotations

import copy
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from application.app import CivicFlow
from application.errors import NotFound
from application.policy import Principal
from application.settings import Settings
from application.tokens import TokenBook
from application.persistence.writer_lock import lock_path_for
from domain.order import Order
from tests.application.conftest import place, register
from tests.conftest import make_app
from tests.stores import POSTGRES_ADMIN_URL


def test_a_token_revoked_by_another_process_is_refused_at_once_though_this_one_cached_it(app: CivicFlow,
                                                                                       settings: Settings,
                                                                                       clock) -> None:
    secret, token = TokenBook(app).issue("inspector", actor="admin:test")
    assert TokenBook(app).authenticate(secret) is not None
    assert TokenBook(app).authenticate(secret) is not None  # now answered from this process's cache
    other_process = CivicFlow(settings, clock)
    try:
        TokenBook(other_process).revoke(token.id, actor="admin:test")
    finally:
        other_process.close()
    assert TokenBook(app).authenticate(secret) is None


def test_a_command_answers_with_the_aggregate_it_saved_not_the_cached_copy(app: CivicFlow) -> None:
    worker = register(app)
    placed = place(app)
    result = app.dispatch_order(placed.id, volunteer_id=worker.id, actor="dispatcher:d1")
    assert isinstance(result.aggregate, Order) and result.aggregate.version == result.version == 2
    stored = app.find(Order, placed.id)
    assert stored is not None and stored.status == result.aggregate.status == "dispatched"
    result.aggregate.description = "changed by the caller"  # the caller's object is its own
    assert app.residents.reveal_value("description", app.find(Order, placed.id).description) == "a haircut at home"


def test_a_replayed_command_carries_no_aggregate(app: CivicFlow) -> None:
    place(app, idempotency_key="k-1")
    replay = place(app, idempotency_key="k-1")
    assert replay.replayed and replay.aggregate is None


def test_copies_share_uuids_and_datetimes_but_not_what_can_change(app: CivicFlow) -> None:
    worker = register(app)
    order = app.load(Order, place(app).id)
    twin = copy.deepcopy(order)
    assert twin.id is order.id and twin.placed_at is order.placed_at
    assert twin.resident == order.resident and twin.resident is not order.resident
    twin.declined_by.append(worker.id)
    assert order.declined_by == []


@pytest.fixture
def sqlite_app(tmp_path: Path, clock) -> Iterator[CivicFlow]:
    application = make_app(Settings(database_url=f"sqlite:///{tmp_path / 'store.db'}", var_dir=tmp_path), clock)
    yield application
    application.close()


def test_sqlite_writes_hold_the_writer_lock_that_other_processes_wait_for(sqlite_app: CivicFlow,
                                                                          tmp_path: Path) -> None:
    lock_file = lock_path_for(tmp_path / "store.db")
    seen: list[bool] = []

    def locked_elsewhere() -> bool:
        other = os.open(lock_file, os.O_RDWR)  # another open file: as another process would hold it
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(other)
        return False

    recorder = sqlite_app.recorder
    insert = recorder._insert_events  # runs inside the write transaction

    def observed_insert(*args: Any, **kwargs: Any) -> Any:
        seen.append(locked_elsewhere())
        return insert(*args, **kwargs)

    recorder._insert_events = observed_insert  # type: ignore[method-assign]
    place(sqlite_app)
    assert seen == [True] and not locked_elsewhere()


@pytest.mark.postgres
def test_commands_carry_on_when_the_server_dropped_the_pooled_connections(postgres_url: str, tmp_path: Path,
                                                                          clock, monkeypatch) -> None:
    """No pre-ping: a pooled connection the server closed fails its statement and the call is retried on
    a new one, so the command neither fails nor is written twice."""
    name = f"civicflow-test-{os.getpid()}-{tmp_path.name}"[:60]
    monkeypatch.setenv("PGAPPNAME", name)
    app = make_app(Settings(database_url=postgres_url, var_dir=tmp_path), clock)
    try:
        order = place(app)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, application_name="test-admin") as admin:
            dropped = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE application_name = %s", (name,)).fetchone()
        assert dropped is not None and dropped[0] >= 1
        result = app.cancel_order(order.id, "resident called", actor="channel:district-app")
        assert result.version == 2
        assert [e.originator_version for e in app.events.get(order.id)] == [1, 2]
    finally:
        app.close()


def test_a_caller_sees_its_commands_order_through_the_policy_and_a_refusal_writes_nothing(app: CivicFlow) -> None:
    worker, outsider = register(app), register(app, phone="13800000077")
    order = place(app)
    app.dispatch_order(order.id, volunteer_id=worker.id, actor="dispatcher:d1")
    assignee = Principal(uuid4(), "volunteer", volunteer_id=worker.id)
    app.accept_order(order.id, worker.id, actor=assignee.actor, principal=assignee)
    stranger = Principal(uuid4(), "volunteer", volunteer_id=outsider.id)
    with pytest.raises(NotFound) as refused:
        app.start_service(order.id, worker.id, actor=stranger.actor, principal=stranger)
    assert str(refused.value) == f"no order {order.id}"  # what a missing order answers: ids cannot be probed
    assert app.load(Order, order.id).version == 3
