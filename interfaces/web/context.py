"""Per-app objects kept on the Flask app (never at module level): the application and the read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from application.app import CivicFlow
from application.policy import Policy


def civicflow() -> CivicFlow:
    return current_app.extensions["civicflow"]


def read_model() -> Any:
    """The projections' ReadModel, caught up to the store's head first: reads are read-your-writes (DESIGN §8).
    The head (one indexed `MAX(notification_id)`) and the views' positions are read on every call, so a command
    answered by any process is seen, and views set back (a rebuild, a position lowered by hand) are folded again;
    only when they lag is the log read. Nothing is remembered between requests."""
    model = current_app.extensions["civicflow.read_model"]
    if model.lag() > 0:
        model.catch_up()
    return model


def read_model_as_is() -> Any:
    """The read model without catching the views up: verification reads the event store itself, and must answer
    even when the views cannot follow the log."""
    return current_app.extensions["civicflow.read_model"]


def background() -> Any:
    return current_app.extensions["civicflow.background"]


def policy() -> Policy:
    return civicflow().policy


def cursors() -> Any:
    """The read model's cursor seal, without catching the views up (reference lists are not views)."""
    return current_app.extensions["civicflow.read_model"].cursors


def now() -> datetime:
    return civicflow().clock.now()
