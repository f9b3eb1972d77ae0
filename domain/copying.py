"""Deep copies of aggregates that share immutable values instead of rebuilding them.

The repository deep-copies every aggregate it hands out from its cache, so that a command's mutations
never touch the cache. The standard `deepcopy` rebuilds each UUID and datetime through `__reduce_ex__`,
which is most of the cost of copying an order; these values cannot change, so a copy may share them.
Only the aggregates that inherit `CopiedSharingImmutables` copy this way: the `copy` module is not changed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

Memo = dict[int, Any]

# Exact types, not isinstance: a subclass may add mutable state.
IMMUTABLE_LEAVES: frozenset[type] = frozenset({
    str, bytes, int, float, complex, bool, type(None),
    UUID, datetime, date, time, timedelta, timezone, Decimal,
})


def copy_sharing_immutables(value: Any, memo: Memo) -> Any:
    """A deep copy of `value` in which immutable leaves are the same objects as in `value`.

    Lists, dicts, sets and tuples are copied element by element; anything else goes to `copy.deepcopy`
    with the same memo, so objects reached twice are copied once, as `deepcopy` itself does.
    """
    kind = type(value)
    if kind in IMMUTABLE_LEAVES:
        return value
    copier = CONTAINER_COPIERS.get(kind)
    if copier is None:
        return _frozenset_or_fallback(value, memo)
    known = memo.get(id(value))
    return known if known is not None else copier(value, memo)


def _copy_list(items: list[Any], memo: Memo) -> list[Any]:
    clone: list[Any] = []
    memo[id(items)] = clone  # registered before the elements: a list that holds itself stays a cycle
    clone.extend([copy_sharing_immutables(item, memo) for item in items])
    return clone


def _copy_dict(mapping: dict[Any, Any], memo: Memo) -> dict[Any, Any]:
    clone: dict[Any, Any] = {}
    memo[id(mapping)] = clone
    for key, item in mapping.items():
        clone[copy_sharing_immutables(key, memo)] = copy_sharing_immutables(item, memo)
    return clone


def _copy_set(members: set[Any], memo: Memo) -> set[Any]:
    clone = {copy_sharing_immutables(member, memo) for member in members}
    memo[id(members)] = clone
    return clone


def _copy_tuple(items: tuple[Any, ...], memo: Memo) -> tuple[Any, ...]:
    copied = tuple(copy_sharing_immutables(item, memo) for item in items)
    # As deepcopy does: a tuple whose elements all came back unchanged is itself immutable, so share it.
    clone = items if all(a is b for a, b in zip(copied, items)) else copied
    memo[id(items)] = clone
    return clone


def _frozenset_or_fallback(value: Any, memo: Memo) -> Any:
    if type(value) is frozenset and all(type(member) in IMMUTABLE_LEAVES for member in value):
        return value
    return copy.deepcopy(value, memo)


CONTAINER_COPIERS: dict[type, Callable[[Any, Memo], Any]] = {
    list: _copy_list, dict: _copy_dict, set: _copy_set, tuple: _copy_tuple,
}


class CopiedSharingImmutables:
    """Mixin for aggregates: `copy.deepcopy` copies the instance's state with `copy_sharing_immutables`.

    The clone is made as `deepcopy` makes one for a plain object (`cls.__new__`, then the state), and
    is put in the memo before its state is copied, as `deepcopy` does, so a reference back to the
    aggregate from inside its state gets the clone.
    """

    def __deepcopy__(self, memo: Memo) -> Any:
        cls = type(self)
        clone = cls.__new__(cls)
        memo[id(self)] = clone
        state = {name: copy_sharing_immutables(value, memo) for name, value in vars(self).items()}
        vars(clone).update(state)
        return clone
