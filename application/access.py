"""The caller's access check, applied by `load` to the aggregate a command acts on.

The web layer must refuse (404) a command on an order the caller may not see. Checking it on the very copy
the command loads reads the order once instead of twice, and the check and the command see the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from eventsourcing.domain import Aggregate

AccessCheck = Callable[[Aggregate], None]
_pending: ContextVar[AccessCheck | None] = ContextVar("civicflow_access_check", default=None)


@contextmanager
def access_checked(check: AccessCheck) -> Iterator[None]:
    """Within the block, the next aggregate `load`ed (a command's primary: it loads it first) goes through
    `check`, which raises to refuse it. Context-local: other threads and requests are not affected."""
    token = _pending.set(check)
    try:
        yield
    finally:
        _pending.reset(token)


def apply_access_check(aggregate: Aggregate) -> None:
    check = _pending.get()
    if check is not None:
        _pending.set(None)  # once: what the command loads after its primary is not the caller's to check
        check(aggregate)
