"""Deep copies of aggregates: independent where state can change, sharing what cannot, the copy module untouched."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.copying import copy_sharing_immutables
from tests.domain.builders import at, completed_by, placed, team, volunteer


def escalated_order():  # type: ignore[no-untyped-def]
    order = placed()
    order.escalate("street-babaoshan", "no volunteer nearby", actor="dispatcher:d1", at=at(5))
    return order


def test_a_copied_order_is_equal_but_its_escalations_and_resident_are_its_own() -> None:
    order = escalated_order()
    twin = copy.deepcopy(order)
    assert twin == order and twin is not order
    twin.escalations.append({"from_site": "x", "to_site": "y", "at": at(9)})
    twin.escalations[0]["to_site"] = "changed"
    twin.resident["name"] = "someone else"
    assert len(order.escalations) == 1 and order.escalations[0]["to_site"] == "street-babaoshan"
    assert order.resident["name"] == "Wang Fang"


def test_a_copied_volunteer_has_its_own_skills_active_orders_and_teams() -> None:
    worker = volunteer(skills=("haircut", "repair"))
    team(worker)
    order = completed_by(worker)
    worker.active_orders.append(order.id)
    twin = copy.deepcopy(worker)
    twin.skills.append("cooking")
    twin.active_orders.clear()
    twin.team_ids.append(uuid4())
    assert worker.skills == ["haircut", "repair"] and worker.active_orders == [order.id]
    assert len(worker.team_ids) == 1


def test_a_copy_shares_the_ids_and_times_that_cannot_change() -> None:
    worker = volunteer()
    order = completed_by(worker)
    twin = copy.deepcopy(order)
    assert twin.id is order.id and twin.placed_at is order.placed_at
    assert twin.accepted_by is order.accepted_by and twin.completed_at is order.completed_at
    assert twin.category is order.category


def test_pending_events_are_copied_and_still_collected_from_the_copy_only() -> None:
    order = escalated_order()
    twin = copy.deepcopy(order)
    assert [type(e) for e in twin.collect_events()] == [type(e) for e in order.pending_events]
    assert len(order.pending_events) == 2 and twin.pending_events == []


def test_the_memo_keeps_one_copy_of_an_object_reached_twice_and_maps_the_aggregate_to_its_clone() -> None:
    order = placed()
    order.escalations = order.declined_by  # type: ignore[assignment]  # the same list under two names
    memo: dict[int, object] = {}
    twin = copy.deepcopy(order, memo)
    assert memo[id(order)] is twin
    assert twin.escalations is twin.declined_by and twin.declined_by is not order.declined_by


def test_immutable_leaves_are_shared_and_containers_copied() -> None:
    leaves = ["text", 3, 2.5, True, None, uuid4(), datetime(2026, 1, 1), date(2026, 1, 1), timedelta(1),
              Decimal("1.5"), frozenset({1, "a"})]
    for leaf in leaves:
        assert copy_sharing_immutables(leaf, {}) is leaf
    nested = {"ids": [uuid4()], "tags": {"a"}, "pair": (1, [2])}
    clone = copy_sharing_immutables(nested, {})
    assert clone == nested and clone["ids"] is not nested["ids"] and clone["tags"] is not nested["tags"]
    assert clone["pair"] is not nested["pair"] and clone["pair"][1] is not nested["pair"][1]
    assert clone["ids"][0] is nested["ids"][0]


def test_other_values_fall_back_to_deepcopy() -> None:
    class Box:
        def __init__(self) -> None:
            self.items = [1]

    box = Box()
    clone = copy_sharing_immutables({"box": box}, {})["box"]
    assert isinstance(clone, Box) and clone is not box and clone.items is not box.items


def test_copying_aggregates_leaves_the_copy_modules_dispatch_table_as_it_was() -> None:
    before = dict(copy._deepcopy_dispatch)  # type: ignore[attr-defined]
    copy.deepcopy([completed_by(volunteer()), escalated_order()])
    assert copy._deepcopy_dispatch == before  # type: ignore[attr-defined]
    assert UUID not in copy._deepcopy_dispatch and datetime not in copy._deepcopy_dispatch  # type: ignore[attr-defined]
