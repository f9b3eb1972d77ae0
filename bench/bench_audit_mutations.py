"""The audit mutation table: each kind of tampering, where it was done and where `verify` detected it,
on SQLite and PostgreSQL (the same scenario and mutations as tests/projections/audit/test_verify.py).

The scenario and mutations are imported from the `tests` package, so the project root goes on the import
path (PYTHONPATH=.) — run from the project root:

Run: PYTHONPATH=. .venv/bin/python bench/bench_audit_mutations.py [--database-url URL ...]
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common import emit, parse_args, scratch_store, store_facts, store_kinds

from interfaces.bootstrap import application, open_read_model
from application.persistence.clock import ManualClock
from application.settings import Settings


def tamper_kit() -> SimpleNamespace:
    """The scenario and mutations of tests/projections/audit/test_verify.py (needs the project root on PYTHONPATH)."""
    try:
        from tests.conftest import START
        from tests.projections.scenario import district_day, place
        from tests.projections.audit.tamper import RawStore
        from tests.projections.audit.test_verify import EVERY, MUTATIONS, Audited
    except ModuleNotFoundError as missing:
        if missing.name != "tests":
            raise
        raise SystemExit("bench_audit_mutations imports the `tests` package: run it from the project root as "
                         "PYTHONPATH=. .venv/bin/python bench/bench_audit_mutations.py") from None
    return SimpleNamespace(START=START, district_day=district_day, place=place, RawStore=RawStore, EVERY=EVERY,
                           MUTATIONS=MUTATIONS, Audited=Audited)


def audited_store(kit: SimpleNamespace, url: str, folder: Path) -> Any:
    clock = ManualClock(kit.START)
    app = application(Settings(database_url=url, var_dir=folder), clock=clock, reference_data=False)
    app.load_reference_data()
    model = open_read_model(app, key_path=folder / "key.pem", checkpoint_every=kit.EVERY)
    raw = kit.RawStore(app)
    day = kit.district_day(app, clock)
    gap = raw.make_gap(app, then=lambda: [kit.place(app) for _ in range(3)])
    model.catch_up()
    model.checkpoint()
    completed_at = next(h["position"] for h in model.history(day.orders["reviewed"])
                        if h["type"] == "ServiceCompleted")
    return kit.Audited(app, model, raw, completed_at, gap)


def main() -> None:
    args = parse_args("audit mutation table")
    kit = tamper_kit()
    for base in store_kinds(args):
        for mutate in [None, *kit.MUTATIONS]:
            with scratch_store(base, "mutations") as url, tempfile.TemporaryDirectory() as folder:
                audited = audited_store(kit, url, Path(folder))
                expected = mutate(audited) if mutate else None
                report = audited.model.verify()
                emit({**store_facts(url), "mutation": mutate.__name__ if mutate else "untouched",
                      "events_in_store": len(audited.raw.positions()), "event_changed_at": audited.completed_at,
                      "expected_at": expected, "ok": report.ok,
                      "detected_at": report.first_bad_position, "reason": report.reason})
                audited.raw.close(), audited.model.close(), audited.app.close()


if __name__ == "__main__":
    main()
