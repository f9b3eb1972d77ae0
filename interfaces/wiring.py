"""Wiring the read side to the application: settings → ReadModel on the same store (projections never
import `application`; this module is where the two meet)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from application.base import CivicFlowBase
from application.settings import Settings
from projections import ReadModel

AUDIT_KEY_ENV = "CIVICFLOW_AUDIT_KEY"
AUDIT_KEY_FILE = "civicflow-audit-ed25519.pem"


def audit_key_path(settings: Settings, env: dict[str, str] | None = None) -> Path:
    """Where the audit signing key lives: $CIVICFLOW_AUDIT_KEY, else beside the SQLite file, else the var dir."""
    override = (os.environ if env is None else env).get(AUDIT_KEY_ENV)
    if override:
        return Path(override)
    store = settings.store
    folder = store.path.parent if store.kind == "sqlite" and store.path is not None else settings.var_dir
    return folder / AUDIT_KEY_FILE


def read_model_options(settings: Settings) -> dict[str, Any]:
    store = settings.store
    return {"sqlalchemy_url": store.sqlalchemy_url(),
            "schema": store.schema if store.kind == "postgresql" else None,
            "key_path": audit_key_path(settings)}


def open_read_model(app: CivicFlowBase, settings: Settings | None = None, **options: Any) -> ReadModel:
    """The read model of `app`'s store, its tables created if missing."""
    settings = settings or app.settings
    options = {**read_model_options(settings), **options}
    return ReadModel.open(recorder=app.recorder, mapper=app.mapper, **options)
