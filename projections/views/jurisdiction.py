"""Jurisdictions on the order board: a site and every site below it, as one indexed column.

Each order_board row stores the chain of its site from the root down (`ancestor_0` the root, `ancestor_1`
the site below it on the way to the order's site, ...). "The orders of the subtree of S" is then
`ancestor_<depth of S> = S`, one index range already in newest-first order, instead of an IN over the
whole subtree that the database must gather and sort. A leaf's subtree is the leaf itself (`site_id = S`),
so only the upper depths need columns; a root deeper than those falls back to the IN list.

An order is in a jurisdiction by its site alone: escalation only moves an order's responsible site up
the chain of its own site (to the parent of the responsible site, DESIGN §10), so "responsible site in
the subtree, or site in the subtree" is "site in the subtree".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, false, select

DEPTHS = 2  # center (0) and station or base (1); posts, the leaves, are filtered by site_id itself
COLUMNS = tuple(f"ancestor_{depth}" for depth in range(DEPTHS))

Parents = Mapping[str, "str | None"]


def chain(parents: Parents, site: str) -> list[str]:
    """The site's ancestors from the root down to the site itself (a site unknown to the tree is a root)."""
    path = [site]
    while (parent := parents.get(path[-1])) is not None and parent not in path:
        path.append(parent)
    return path[::-1]


def ancestor_columns(parents: Parents, site: str) -> dict[str, str | None]:
    path = chain(parents, site)
    return {name: path[depth] if depth < len(path) else None for depth, name in enumerate(COLUMNS)}


def subtree(parents: Parents, root: str) -> list[str]:
    return [site for site in parents if root in chain(parents, site)]


def read_parents(conn: Connection, tree: Table) -> dict[str, str | None]:
    return dict(conn.execute(select(tree.c.id, tree.c.parent_id)).tuples().all())


def jurisdiction_clause(board: Table, parents: Parents, root: str) -> Any:
    """Orders whose site is `root` or lies below it; none for a site the tree does not know."""
    if root not in parents:
        return false()
    if root not in parents.values():  # a leaf
        return board.c.site_id == root
    depth = len(chain(parents, root)) - 1
    if depth < DEPTHS:
        return board.c[COLUMNS[depth]] == root
    return board.c.site_id.in_(subtree(parents, root))
