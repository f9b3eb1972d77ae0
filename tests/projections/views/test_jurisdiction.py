"""A dispatcher's jurisdiction on the order board: the orders of a site and every site below it, escalated
ones included, newest first, paged by cursor without gaps or repeats, read as one index range."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, event, inspect

from domain.order import Order
from interfaces.bootstrap import open_read_model
from tests.projections.scenario import OTHER_SITE, SITE, STATION, place

OTHER_STATION_POST = "post-laoshan-01"


def jurisdiction_ids(read_model, now, root, **filters):  # type: ignore[no-untyped-def]
    ids, cursor = [], None
    while True:
        page, cursor = read_model.orders(now=now, jurisdiction=root, cursor=cursor, limit=3, **filters)
        ids += [row["id"] for row in page]
        if cursor is None:
            return ids


def test_every_sites_jurisdiction_holds_the_orders_at_or_escalated_within_its_subtree(app, clock, read_model):
    twice = place(app, SITE)
    app.escalate_order(twice, "not dispatched", actor="system:supervisor")  # to the station
    app.escalate_order(twice, "still not dispatched", actor="system:supervisor")  # to the center
    once = place(app, OTHER_SITE)
    app.escalate_order(once, "not dispatched", actor="system:supervisor")
    orders = [app.load(Order, order_id) for order_id in (twice, once, place(app, OTHER_STATION_POST),
                                                         place(app, STATION), place(app, SITE))]
    read_model.catch_up()
    for site in app.sites:
        reach = set(app.sites.subtree(site.code))
        expected = {str(o.id) for o in orders if o.site_id in reach or o.responsible_site_id in reach}
        assert set(jurisdiction_ids(read_model, clock.now(), site.code)) == expected, site.code
    center = app.sites.ancestors(SITE)[-1]
    assert str(twice) in jurisdiction_ids(read_model, clock.now(), center)
    assert str(twice) not in jurisdiction_ids(read_model, clock.now(), app.sites.parent_of(OTHER_STATION_POST))


def test_a_site_list_holds_the_orders_at_or_escalated_to_its_sites_paged_newest_first(app, clock, read_model):
    twice = place(app, SITE)
    app.escalate_order(twice, "not dispatched", actor="system:supervisor")
    clock.advance(timedelta(minutes=1))
    app.escalate_order(twice, "still not dispatched", actor="system:supervisor")
    once = place(app, OTHER_SITE)
    app.escalate_order(once, "not dispatched", actor="system:supervisor")
    orders = [app.load(Order, order_id) for order_id in (twice, once, place(app, OTHER_STATION_POST),
                                                         place(app, STATION), place(app, SITE), place(app, SITE))]
    read_model.catch_up()
    center = app.sites.ancestors(SITE)[-1]
    newest_first = [row["id"] for row in read_model.orders(now=clock.now(), limit=200)[0]]
    for sites in ([SITE], [STATION], [center], [OTHER_SITE], [SITE, STATION], [STATION, center], []):
        expected = {str(o.id) for o in orders if o.site_id in sites or o.responsible_site_id in sites}
        assert site_list_ids(read_model, clock.now(), sites) == [i for i in newest_first if i in expected], sites
    assert site_list_ids(read_model, clock.now(), [center]) == [str(twice)]
    assert site_list_ids(read_model, clock.now(), [SITE], status="cancelled") == []


def site_list_ids(read_model, now, sites, **filters):  # type: ignore[no-untyped-def]
    ids, cursor = [], None
    while True:
        page, cursor = read_model.orders(now=now, site_ids=sites, cursor=cursor, limit=2, **filters)
        ids += [row["id"] for row in page]
        if cursor is None:
            return ids


def test_a_jurisdiction_of_an_unknown_site_is_empty(app, clock, read_model):
    place(app, SITE)
    read_model.catch_up()
    assert jurisdiction_ids(read_model, clock.now(), "no-such-site") == []
    assert jurisdiction_ids(read_model, clock.now(), "") == []


def test_a_deep_cursor_returns_exactly_the_next_rows_of_the_jurisdiction(app, clock, read_model):
    for n in range(14):
        place(app, (SITE, OTHER_SITE, OTHER_STATION_POST, STATION)[n % 4])
        clock.advance(timedelta(minutes=1) if n % 3 == 2 else timedelta(0))  # equal times test the id tie-break
    read_model.catch_up()
    now = clock.now()
    everything, _ = read_model.orders(now=now, limit=200)
    mine = [row["id"] for row in everything if row["site_id"] in app.sites.subtree(STATION)]
    assert len(mine) == 11 and [r["placed_at"] for r in everything] == sorted((r["placed_at"] for r in everything),
                                                                              reverse=True)
    assert jurisdiction_ids(read_model, now, STATION) == mine
    cursor, seen = None, []
    for _ in range(3):
        page, cursor = read_model.orders(now=now, jurisdiction=STATION, cursor=cursor, limit=2)
        seen += [row["id"] for row in page]
    page, _ = read_model.orders(now=now, jurisdiction=STATION, cursor=cursor, limit=2)
    assert seen == mine[:6] and [row["id"] for row in page] == mine[6:8]


def test_a_jurisdiction_page_is_one_index_range_without_a_sort_on_sqlite(app, clock, read_model):
    if read_model.engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner picks by table size; bench/README.md shows its EXPLAIN at 1,000,000
    for _ in range(4):
        place(app, SITE)
        clock.advance(timedelta(minutes=1))
    read_model.catch_up()
    statements = []
    event.listen(read_model.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, *rest: statements.append((sql, params)))
    first, cursor = read_model.orders(now=clock.now(), jurisdiction=STATION, status="placed", limit=1)
    read_model.orders(now=clock.now(), jurisdiction=STATION, cursor=cursor, limit=1)
    pages = [(sql, params) for sql, params in statements if "FROM order_board" in sql]
    assert len(pages) == 2
    with read_model.engine.connect() as conn:
        plans = [" ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                 for sql, params in pages]
    for plan in plans:
        assert "ancestor_1" in plan and "TEMP B-TREE" not in plan, plan


def test_an_order_at_a_site_missing_from_the_tree_stops_the_board_rather_than_fold_it_wrong(app, clock, read_model):
    read_model.catch_up()  # the district's sites
    place(app, SITE)
    with read_model.engine.begin() as conn:  # as if site_stats, folded by another worker, lagged behind
        conn.execute(delete(read_model.tables.site_tree))
    restarted = open_read_model(app)  # a new process: it knows no site yet
    try:
        with pytest.raises(LookupError, match=SITE):
            restarted.catch_up()
        assert restarted.orders(now=clock.now()) == ([], None)
    finally:
        restarted.close()


def test_a_board_from_before_the_jurisdiction_columns_is_upgraded_in_place_when_opened(app, clock, read_model):
    escalated = place(app, SITE)
    app.escalate_order(escalated, "not dispatched", actor="system:supervisor")
    ours = {str(escalated), str(place(app, STATION)), str(place(app, OTHER_SITE))}
    place(app, OTHER_STATION_POST)
    read_model.catch_up()
    _as_before_the_columns(read_model)
    upgraded = open_read_model(app)  # creating the tables upgrades the board
    try:
        assert set(jurisdiction_ids(upgraded, clock.now(), STATION)) == ours
        assert list(upgraded.replay()) == []  # the same rows a fold from position 0 makes
        with upgraded.engine.connect() as conn:
            indexes = index_names(conn, "order_board")
        assert indexes == {index.name for index in upgraded.tables.order_board.indexes}
    finally:
        upgraded.close()


def _as_before_the_columns(read_model):  # type: ignore[no-untyped-def]
    board = read_model.tables.order_board
    with read_model.engine.begin() as conn:
        for index in [i for i in board.indexes if "ancestor" in i.name or "escalated" in i.name]:
            index.drop(conn)
        for name in ("ancestor_0", "ancestor_1"):
            conn.exec_driver_sql(f"ALTER TABLE order_board DROP COLUMN {name}")
        conn.exec_driver_sql("CREATE INDEX ix_order_board_placed ON order_board (placed_at, id)")
        conn.exec_driver_sql("CREATE INDEX ix_order_board_responsible_status ON order_board "
                             "(responsible_site_id, status, placed_at)")


def index_names(conn, table: str) -> set[str]:
    """Every index of the table, those on expressions too (SQLAlchemy does not reflect these on SQLite)."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                    "AND sql IS NOT NULL", (table,))
        return {name for (name,) in rows}
    return {index["name"] for index in inspect(conn).get_indexes(table)}
