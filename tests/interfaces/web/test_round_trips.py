"""What one request costs the PostgreSQL server, counted (not timed): a regression in round trips fails here.
The table these bounds come from is in bench/README.md ("HTTP round trips")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.interfaces.web.world import World
from tests.statements import Statements

pytestmark = pytest.mark.postgres


@pytest.fixture
def store_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def seen() -> Iterator[Statements]:
    with Statements() as statements:
        yield statements


def test_a_command_is_its_reads_and_one_write_in_one_round_trip(world: World, seen: Statements) -> None:
    order = world.order_in("accepted")
    seen.reset()
    world.ok("volunteer", "POST", f"/api/v1/orders/{order['id']}/start", {})
    store = seen.of("store")
    assert (store["INSERT civicflow_events"], store["COMMIT"], store["LOCK civicflow_events"]) == (1, 1, 1)
    reads = store["SELECT civicflow_events"]
    assert reads <= 2  # the token's and the order's fast-forward reads (the volunteer is known by identity)
    assert seen.total("store") == reads + 1  # and the write: lock, insert and commit in one wait
    assert seen.total("views") <= 1  # the resident's key, to present the order


def test_a_read_with_nothing_new_to_fold_reads_the_head_and_the_positions_once(world: World, seen: Statements
                                                                               ) -> None:
    world.ok("dispatcher", "GET", "/api/v1/volunteers")  # folds what the setup wrote
    seen.reset()
    world.ok("dispatcher", "GET", "/api/v1/volunteers")
    assert seen.of("store")["SELECT MAX civicflow_events"] == 1
    assert seen.of("store")["SELECT civicflow_events"] == 1  # the token; no page of notifications
    assert seen.of("views")["SELECT projection_positions"] == 1
    assert seen.total("store") == 2  # the token, the head
    assert seen.total("views") <= 8  # the positions, then the roster: pre-ping, BEGIN, SELECT, ROLLBACK each


def test_a_read_after_a_command_folds_it_once(world: World, seen: Statements) -> None:
    world.ok("dispatcher", "GET", "/api/v1/orders")
    world.place()
    seen.reset()
    assert len(world.ok("dispatcher", "GET", "/api/v1/orders")["items"]) == 1
    assert seen.of("views")["INSERT order_board"] == 1


def test_a_page_of_orders_reads_its_residents_keys_once(world: World, seen: Statements) -> None:
    for phone in ("13911112222", "13911113333", "13911112222"):
        world.place(resident={"name": "王秀英", "phone": phone, "address": "八宝山街道 3-201"})
    world.ok("dispatcher", "GET", "/api/v1/orders")
    seen.reset()
    assert len(world.ok("dispatcher", "GET", "/api/v1/orders")["items"]) == 3
    assert seen.of("views")["SELECT resident_keys"] == 1
