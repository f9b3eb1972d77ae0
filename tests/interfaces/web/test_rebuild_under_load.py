"""The blue/green switch under load: while a rebuild folds the next generation and switches it in, a client keeps
placing and dispatching orders and reading each one back from the views; no request fails, every read sees its
write, and afterwards the views equal a fresh fold. Synchronised by events (each page of the rebuild waits for
the client's next round), never by time."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from interfaces.bootstrap import open_read_model
from projections import Hooks
from projections.views.tables import build_tables
from tests.interfaces.web.world import World
from tests.projections.scenario import place
from tests.projections.views.test_exactly_once import view_differences

PAGE = 7
GUARD = 120  # seconds: only so that a deadlock fails the test instead of hanging it
ROUNDS_AFTER_SWITCH = 5
INTERLEAVED_ROUNDS = 12


class Load:
    """The client: rounds of place → read back → dispatch → read back, counted."""

    def __init__(self, world: World):
        self.world, self.rounds, self.requests = world, 0, 0
        self.failed: list[str] = []
        self.stale: list[str] = []
        self.switched, self.progress = threading.Event(), threading.Condition()
        self.rounds_at_switch = 0

    def call(self, who: str, method: str, path: str, body: Any = None) -> Any:
        self.requests += 1
        response = self.world.call(who, method, path, body)
        if response.status_code not in (200, 201):
            self.failed.append(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:200]}")
            return None
        return response.get_json()

    def one_round(self) -> None:
        self.world.clock.advance(timedelta(seconds=1))  # newest first: this round's order lists first
        placed = self.call("channel", "POST", "/api/v1/orders", {
            "category": "health", "site_id": "post-babaoshan-01", "description": "blood pressure check",
            "resident": {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}})
        if placed is None:
            return
        self.read_back("channel", placed["id"], "placed")
        dispatched = self.call("dispatcher", "POST", f"/api/v1/orders/{placed['id']}/dispatch",
                               {"volunteer_id": self.world.volunteer_id})
        if dispatched is not None:
            self.read_back("dispatcher", placed["id"], "dispatched")

    def read_back(self, who: str, order_id: str, status: str) -> None:
        listed = self.call(who, "GET", "/api/v1/orders?limit=1")
        if listed is not None and [(o["id"], o["status"]) for o in listed["items"]] != [(order_id, status)]:
            self.stale.append(f"{order_id} {status}: read {listed['items'][:1]}")

    def run(self) -> None:
        try:
            while not (self.switched.is_set() and self.rounds - self.rounds_at_switch >= ROUNDS_AFTER_SWITCH):
                self.one_round()
                with self.progress:
                    self.rounds += 1
                    self.progress.notify_all()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.failed.append(repr(error))
            raise

    def wait_for_round(self, n: int) -> None:
        with self.progress:
            if not self.progress.wait_for(lambda: self.rounds >= n or bool(self.failed), GUARD):
                raise RuntimeError(f"the client never reached round {n}")


def in_flight_read(web: Any, world: World, results: list[int]) -> threading.Thread:
    """A read started while the switch's transaction holds the views' lock (it waits, then reads the new ones)."""
    client = web.test_client()
    thread = threading.Thread(target=lambda: results.append(client.get(
        "/api/v1/orders?limit=5", headers=world.headers("channel")).status_code))
    thread.start()
    return thread


def test_the_switch_under_load_fails_no_request_and_every_read_sees_its_write(web, world, clock, capsys):
    app = world.app
    for _ in range(40):  # a log of a few pages before the client starts
        place(app)
    load = Load(world)
    next_round = {"n": 3}
    in_flight: list[int] = []
    started: list[threading.Thread] = []

    def between_pages(items: Any) -> None:  # the rebuild's first pages each wait for one more round of the client
        if next_round["n"] <= INTERLEAVED_ROUNDS:  # (then it outruns the client: ~2 events a round, 7 a page)
            load.wait_for_round(next_round["n"])
            next_round["n"] += 1

    def on_step(step: str) -> None:
        if step == "switch":
            started.append(in_flight_read(web, world, in_flight))

    rebuilder = open_read_model(app)  # a separate read model, as `civicflow projections rebuild` would open
    generation = rebuilder.next_generation(hooks=Hooks(after_read=between_pages), on_step=on_step)
    generation.runner.page_size = PAGE
    client = threading.Thread(target=load.run)
    client.start()
    try:
        generation.start()
        generation.fold()
        generation.finish()
        with load.progress:
            load.rounds_at_switch = load.rounds
        rounds_before = load.rounds
    finally:
        load.switched.set()
        client.join(GUARD)
    for thread in started:
        thread.join(GUARD)
    assert not client.is_alive()
    assert load.failed == [] and in_flight == [200]
    assert load.stale == []
    live = web.extensions["civicflow.read_model"]
    live.catch_up()
    fresh = open_read_model(app, tables=build_tables("fresh_"))
    fresh.catch_up()
    assert view_differences(live, fresh) == []
    assert rebuilder.rebuild_progress() is None
    fresh.close(), rebuilder.close()
    with capsys.disabled():
        print(f"\nswitch under load [{app.settings.store.kind}]: {load.requests} requests in {load.rounds} rounds "
              f"({rounds_before} while the rebuild folded, {load.rounds - rounds_before} after the switch, "
              f"1 read in flight during it), {len(load.failed)} failed, {len(load.stale)} stale reads; "
              f"views equal a fresh fold")
