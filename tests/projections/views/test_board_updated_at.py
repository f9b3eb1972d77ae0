"""order_board keeps the time of each order's latest event (`updated_at`); a board from before the column gets
it in place when opened, from the audit log (or, where the log has not the row's events yet, the row's own
lifecycle times), and holds then the rows a fold from position 0 makes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from interfaces.bootstrap import open_read_model
from tests.projections.scenario import CHANNEL, place


def updated_at(read_model):  # type: ignore[no-untyped-def]
    board = read_model.tables.order_board
    with read_model.engine.connect() as conn:
        return dict(conn.execute(select(board.c.id, board.c.updated_at)).all())


def two_orders(app, clock):  # type: ignore[no-untyped-def]
    """One cancelled an hour after it was placed, one only placed: their ids and the times of their last events."""
    cancelled = place(app)
    placed_at = clock.now()
    clock.advance(timedelta(hours=1))
    app.cancel_order(cancelled, "moved away", actor=CHANNEL)
    cancelled_at = clock.now()
    clock.advance(timedelta(minutes=5))
    untouched = place(app)
    return {str(cancelled): cancelled_at, str(untouched): clock.now()}, placed_at


def test_every_event_sets_updated_at(app, clock, read_model):  # type: ignore[no-untyped-def]
    latest, _ = two_orders(app, clock)
    read_model.catch_up()
    assert updated_at(read_model) == latest


def test_a_board_from_before_updated_at_gets_it_from_the_audit_log_when_opened(app, clock, read_model):  # type: ignore[no-untyped-def]
    latest, _ = two_orders(app, clock)
    read_model.catch_up()
    _drop_updated_at(read_model)
    upgraded = open_read_model(app)  # creating the tables upgrades the board
    try:
        assert updated_at(upgraded) == latest
        assert list(upgraded.replay()) == []  # the same rows a fold from position 0 makes
    finally:
        upgraded.close()


def test_without_the_audit_log_the_rows_own_latest_time_is_taken(app, clock, read_model):  # type: ignore[no-untyped-def]
    latest, placed_at = two_orders(app, clock)
    read_model.catch_up()
    _drop_updated_at(read_model)
    with read_model.engine.begin() as conn:  # as if the audit log, folded by another worker, were behind
        conn.execute(delete(read_model.tables.audit_log))
    upgraded = open_read_model(app)
    try:
        [cancelled, untouched] = latest
        assert updated_at(upgraded) == {cancelled: placed_at, untouched: latest[untouched]}  # no cancel time kept
    finally:
        upgraded.close()


def _drop_updated_at(read_model):  # type: ignore[no-untyped-def]
    with read_model.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE order_board DROP COLUMN updated_at")
