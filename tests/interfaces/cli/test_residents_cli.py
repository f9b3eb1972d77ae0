"""`civicflow residents data|erase`: the phone asked for at a hidden prompt, never echoed back."""

from __future__ import annotations

import json

from click.testing import CliRunner

from interfaces.cli.main import cli
from tests.projections.scenario import RESIDENT, place


def run(store_url, *args: str, phone: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["residents", *args], input=f"{phone}\n",
                              env={"CIVICFLOW_DATABASE_URL": store_url}, catch_exceptions=False)


def test_a_copy_then_erasure_from_the_command_line(app, store_url):
    order = place(app)
    copy = run(store_url, "data", phone=RESIDENT["phone"])
    assert copy.exit_code == 0
    held = json.loads(copy.stdout.strip().splitlines()[-1])
    assert held["resident"] == RESIDENT and [o["id"] for o in held["orders"]] == [str(order)]
    erased = run(store_url, "erase", "--reason", "request 12", phone=RESIDENT["phone"])
    assert erased.exit_code == 0 and RESIDENT["phone"] not in erased.stdout
    assert json.loads(erased.stdout.strip().splitlines()[-1])["orders"] == 1
    after = json.loads(run(store_url, "data", phone=RESIDENT["phone"]).stdout.strip().splitlines()[-1])
    assert after["resident"]["phone"] == "erased" and after["erased_at"]
    unknown = run(store_url, "erase", "--reason", "x", phone="13100000000")
    assert unknown.exit_code == 1 and "no resident" in unknown.stderr
