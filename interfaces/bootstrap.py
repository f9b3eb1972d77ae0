"""The composition root: settings → the application, its read model, and every port wired to its adapter.

Web, CLI, workers, bench and tests all start here (tests override by keyword, as cosmicpython's bootstrap.py
does); nothing else constructs the application or the read model. `projections` never imports `application`:
this is where the two meet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from application.app import CivicFlow
from application.base import CivicFlowBase
from application.persistence.clock import Clock
from application.settings import Settings
from projections import ReadModel
from projections.reads.candidates import RosterCandidates
from projections.reads.deadlines import BoardDueOrders
from projections.reads.residents import BoardResidentOrders

AUDIT_KEY_ENV = "CIVICFLOW_AUDIT_KEY"
AUDIT_KEY_FILE = "civicflow-audit-ed25519.pem"


@dataclass
class System:
    """The application and its read model on one store; closed together."""

    app: CivicFlow
    read_model: ReadModel

    def close(self) -> None:
        self.read_model.close()
        self.app.close()

    def __enter__(self) -> System:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None, prepared: bool = False,
              reference_data: bool = True, **read_model_options: Any) -> System:
    """The whole system on the configured store. `prepared`: the store, its tables and the reference data
    exist already (`civicflow serve` readies them before forking: workers starting together must not race
    each other creating tables). `reference_data`: load the district's sites if the store lacks them.
    `read_model_options` override the read model's (tests: `key_path`, `hooks`, `page_size`, `views`...)."""
    app = application(settings, clock=clock, prepared=prepared, reference_data=reference_data)
    model = open_read_model(app, create=not prepared, **read_model_options)
    wire_ports(app, model)
    return System(app, model)


def application(settings: Settings | None = None, *, clock: Clock | None = None, prepared: bool = False,
                reference_data: bool = True) -> CivicFlow:
    """The application alone, for commands that read no view (tokens, init)."""
    app = CivicFlow(settings or Settings.from_env(), clock, env={"CREATE_TABLE": "no"} if prepared else None)
    if reference_data and not prepared:
        app.load_reference_data()  # idempotent: a no-op once the sites are in the store
    return app


def open_read_model(app: CivicFlowBase, **options: Any) -> ReadModel:
    """A read model on `app`'s store (its tables created unless `create=False`), on the application's clock
    (checkpoints are dated by it); options override the settings'."""
    defaults = {**read_model_settings(app.settings), "clock": app.clock.now}
    model = ReadModel.open(recorder=app.recorder, mapper=app.mapper, **{**defaults, **options})
    model.unseal = app.residents.revealed  # personal fields open through the application's key store
    model.place_of = app.policy.site_name  # and a masked address reads as the order's site
    return model


def wire_ports(app: CivicFlow, model: ReadModel) -> None:
    """The application's ports → the view adapters: auto-dispatch candidates, the orders due, a resident's orders,
    a volunteer's services and the audit key (certificates)."""
    app.use_candidates(RosterCandidates(model.engine, model.tables))
    app.use_due_orders(BoardDueOrders(model.engine, model.tables))
    app.use_resident_orders(BoardResidentOrders(model.engine, model.tables, model.catch_up))
    app.use_certificates(model.service_records, None if model.marks is None else model.marks.signer)


def read_model_settings(settings: Settings) -> dict[str, Any]:
    store = settings.store
    return {"sqlalchemy_url": store.sqlalchemy_url(), "schema": store.schema if store.kind == "postgresql" else None,
            "key_path": audit_key_path(settings)}


def audit_key_path(settings: Settings, env: dict[str, str] | None = None) -> Path:
    """Where the audit signing key lives: $CIVICFLOW_AUDIT_KEY, else beside the SQLite file, else the var dir."""
    override = (os.environ if env is None else env).get(AUDIT_KEY_ENV)
    if override:
        return Path(override)
    store = settings.store
    folder = store.path.parent if store.kind == "sqlite" and store.path is not None else settings.var_dir
    return folder / AUDIT_KEY_FILE
