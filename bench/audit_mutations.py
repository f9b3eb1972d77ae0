"""The audit mutation table: each kind of tampering, where it was done and where `verify` detected it,
on SQLite and PostgreSQL (the same scenario and mutations as tests/projections/test_audit_verify.py).

Run: .venv/bin/python bench/audit_mutations.py [--database-url URL ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from application.app import CivicFlow  # noqa: E402
from application.clock import ManualClock  # noqa: E402
from application.settings import Settings  # noqa: E402
from bench.common import emit, parse_args, scratch_store, store_facts, store_kinds  # noqa: E402
from interfaces.wiring import open_read_model  # noqa: E402
from tests.conftest import START  # noqa: E402
from tests.projections.scenario import district_day, place  # noqa: E402
from tests.projections.tamper import RawStore  # noqa: E402
from tests.projections.test_audit_verify import EVERY, MUTATIONS, Audited  # noqa: E402


def audited_store(url: str, folder: Path) -> Audited:
    clock = ManualClock(START)
    app = CivicFlow(Settings(database_url=url, var_dir=folder), clock)
    app.load_reference_data()
    model = open_read_model(app, key_path=folder / "key.pem", checkpoint_every=EVERY)
    raw = RawStore(app)
    day = district_day(app, clock)
    gap = raw.make_gap(app, then=lambda: [place(app) for _ in range(3)])
    model.catch_up()
    model.checkpoint()
    completed_at = next(h["position"] for h in model.history(day.orders["reviewed"])
                        if h["type"] == "ServiceCompleted")
    return Audited(app, model, raw, completed_at, gap)


def main() -> None:
    args = parse_args("audit mutation table")
    for base in store_kinds(args):
        for mutate in [None, *MUTATIONS]:
            with scratch_store(base, "mutations") as url, tempfile.TemporaryDirectory() as folder:
                audited = audited_store(url, Path(folder))
                expected = mutate(audited) if mutate else None
                report = audited.model.verify()
                emit({**store_facts(url), "mutation": mutate.__name__ if mutate else "untouched",
                      "events_in_store": len(audited.raw.positions()), "event_changed_at": audited.completed_at,
                      "expected_at": expected, "ok": report.ok,
                      "detected_at": report.first_bad_position, "reason": report.reason})
                audited.raw.close(), audited.model.close(), audited.app.close()


if __name__ == "__main__":
    main()
