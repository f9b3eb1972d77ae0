"""The repository's copies from its cache go through the aggregates' own `__deepcopy__`, and building the
application patches nothing in the standard library."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from uuid import UUID

from application.app import CivicFlow
from application.idempotency import IdempotencyRecord, idempotency_record_id
from application.settings import Settings
from domain.order import Order
from tests.application.conftest import place
from tests.conftest import make_app


def test_building_and_using_an_application_leaves_the_copy_modules_dispatch_table_as_it_was(clock,
                                                                                             tmp_path: Path) -> None:
    before = dict(copy._deepcopy_dispatch)  # type: ignore[attr-defined]
    application = make_app(Settings(database_url="memory://", var_dir=tmp_path / "var"), clock)
    try:
        application.find(Order, place(application).id)
    finally:
        application.close()
    assert copy._deepcopy_dispatch == before  # type: ignore[attr-defined]
    assert UUID not in copy._deepcopy_dispatch and datetime not in copy._deepcopy_dispatch  # type: ignore[attr-defined]


def test_two_loads_from_the_cache_are_separate_copies_sharing_ids_and_times(memory_app: CivicFlow) -> None:
    order_id = place(memory_app).id
    first, second = memory_app.find(Order, order_id), memory_app.find(Order, order_id)
    assert first is not None and second is not None and first is not second
    assert first.id is second.id and first.placed_at is second.placed_at  # our __deepcopy__ was used
    first.declined_by.append(order_id)
    assert second.declined_by == [] and memory_app.find(Order, order_id).declined_by == []


def test_an_idempotency_record_from_the_cache_copies_the_same_way(memory_app: CivicFlow) -> None:
    place(memory_app, idempotency_key="k-1")
    record_id = idempotency_record_id("channel:district-app", "k-1")
    first, second = (memory_app.find(IdempotencyRecord, record_id) for _ in range(2))
    assert first is not None and second is not None and first is not second
    assert first.result_id is second.result_id and first.modified_on is second.modified_on
