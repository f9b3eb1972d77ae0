"""Dashboards: a dispatcher sees its jurisdiction only, inspectors every site; the charts are SVG with titles; the
CSV is exactly the tables the page shows."""

from __future__ import annotations

import csv
import html as markup
import io
import re

from tests.interfaces.web.world import OTHER_POST, OTHER_STATION, POST, STATION


def tables_on(page: str) -> list[list[str]]:
    """Each table of the page as CSV would write it: caption, header, rows (cells unescaped)."""
    found = []
    for table in re.findall(r'<table id="table-[^"]+".*?</table>', page, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S).group(1)
        rows = [[markup.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
        found += [[markup.unescape(caption)], *rows, []]
    return found


def placed(rows: list[list[str]]) -> int:
    """The summary's first measure, orders placed (caption, header, then it), whatever the language."""
    return int(rows[2][1])


def test_the_csv_is_exactly_what_the_page_shows(console_as, world):
    world.order_in("reviewed")
    world.order_in("placed")
    inspector = console_as("inspector")
    query = {"site": STATION, "first": "2026-10-01", "last": "2026-11-30"}
    page = inspector.get("/console/dashboard", query_string=query).get_data(as_text=True)
    download = inspector.get("/console/dashboard/data.csv", query_string=query)
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows == tables_on(page)
    assert placed(rows) == 2


def test_the_charts_are_svg_with_a_title_and_a_description(console_as, world):
    world.order_in("completed")
    page = console_as("inspector").get("/console/dashboard").get_data(as_text=True)
    assert page.count('<svg role="img"') == 2 and "<title id=\"chart-weekly-t\">" in page
    assert "<desc id=\"chart-timings-d\">" in page


def test_a_dispatchers_dashboard_covers_only_its_jurisdiction(console_as, world):
    world.order_in("placed")
    world.ok("other-channel", "POST", "/api/v1/orders", {"category": "health", "site_id": OTHER_POST,
                                                        "description": "x", "resident": {"name": "李四", "phone": "13700001111",
                                                                     "address": "老山 1-1"}})
    dispatcher = console_as("dispatcher", site=STATION)
    page = dispatcher.get("/console/dashboard").get_data(as_text=True)
    assert f'value="{OTHER_STATION}"' not in page and f'value="{POST}"' in page
    assert dispatcher.get("/console/dashboard", query_string={"site": OTHER_STATION}).status_code == 404
    assert dispatcher.get("/console/dashboard/data.csv", query_string={"site": OTHER_STATION}).status_code == 404
    rows = list(csv.reader(io.StringIO(dispatcher.get("/console/dashboard/data.csv").get_data(as_text=True))))
    assert placed(rows) == 1  # the other station's order is not counted


def test_an_inspector_may_choose_any_site_and_the_site_alone(console_as, world):
    world.order_in("placed")
    inspector = console_as("inspector")
    page = inspector.get("/console/dashboard", query_string={"site": OTHER_STATION}).get_data(as_text=True)
    assert f'value="{STATION}"' in page
    alone = inspector.get("/console/dashboard/data.csv", query_string={"site": STATION, "scope": "site"})
    assert placed(list(csv.reader(io.StringIO(alone.get_data(as_text=True))))) == 0  # it was placed at a post
    rolled = inspector.get("/console/dashboard/data.csv", query_string={"site": STATION})
    assert placed(list(csv.reader(io.StringIO(rolled.get_data(as_text=True))))) == 1


def test_a_bad_date_falls_back_and_never_errs(console_as):
    inspector = console_as("inspector")
    assert inspector.get("/console/dashboard?first=yesterday&last=2026-13-45").status_code == 200
