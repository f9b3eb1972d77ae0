"""Personal data: what sealing and opening a resident's fields cost per order (DESIGN §14), against placing one.

Measured in the same run, on the same store:
- `place_order`: the application placing an order (sealing included) — the baseline of the ratios;
- `seal_new_resident`: sealing a new resident's name, phone, address and description (their key made and
  synced in the key store first);
- `seal_known_resident`: the same for a resident who has a key already (a read of the key store);
- `open_order`: opening a presented order's sealed fields (one key read, four AES-GCM decryptions).
`cost_share` is the seal's part of a placement.

Run: .venv/bin/python bench/bench_personal_data.py [--quick] [--database-url URL]
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

from common import emit, machine, median, note, parse_args, scratch_store, store_facts, store_kinds, timed

from application.settings import Settings
from domain.order import Order
from interfaces.bootstrap import application
from projections import presenting

DESCRIPTION = "上门理发，请先打电话 13912345678"


def resident(i: int) -> dict[str, str]:
    return {"name": f"居民{i}", "phone": f"139{i:08d}", "address": f"八宝山街道 {i} 号"}


def measure(url: str, orders: int, runs: int) -> dict[str, float]:
    with TemporaryDirectory() as var:
        app = application(Settings(database_url=url, var_dir=Path(var)))
        try:
            return per_order(app, orders, runs)
        finally:
            app.close()


def per_order(app, orders: int, runs: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    at, offset = datetime.now(timezone.utc), [0]

    def fresh(n: int) -> list[dict[str, str]]:
        offset[0] += n
        return [resident(offset[0] + i) for i in range(n)]

    def seal(people: list[dict[str, str]]) -> None:
        for person in people:
            app.residents.seal_placement(person, DESCRIPTION, at)

    def place(people: list[dict[str, str]]) -> list:  # type: ignore[type-arg]
        return [app.place_order("haircut", "post-babaoshan-01", DESCRIPTION, p, "bench", actor="channel:bench").id
                for p in people]

    known = fresh(orders)
    seal(known)
    placed = place(fresh(orders))
    shown = [presenting.order(app.load(Order, order_id), at) for order_id in placed]
    results = {"place_order": [], "seal_new_resident": [], "seal_known_resident": [], "open_order": []}
    for _ in range(runs):
        people = fresh(orders)
        results["place_order"].append(timed(lambda: place(people)) / orders)
        people = fresh(orders)
        results["seal_new_resident"].append(timed(lambda: seal(people)) / orders)
        results["seal_known_resident"].append(timed(lambda: seal(known)) / orders)
        results["open_order"].append(timed(lambda: [app.residents.revealed(o) for o in shown]) / orders)
    return {name: median(values) * 1e6 for name, values in results.items()}  # microseconds per order


def main() -> None:
    args = parse_args(__doc__.split("\n\n")[0])
    orders = 100 if args.quick else 500
    for base in store_kinds(args):
        with scratch_store(base, "personal") as url:
            note(f"{url}: {orders} orders x {args.runs} runs")
            us = measure(url, orders, args.runs)
        emit({"bench": "personal_data", **store_facts(url), "orders": orders, "runs": args.runs,
              "us_per_order": {k: round(v, 1) for k, v in us.items()},
              "cost_share_new_resident": round(us["seal_new_resident"] / us["place_order"], 3),
              "cost_share_known_resident": round(us["seal_known_resident"] / us["place_order"], 3),
              "machine": machine()})


if __name__ == "__main__":
    main()
