"""Per-app objects kept on the Flask app (never at module level): the application and the read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from application.app import CivicFlow
from application.policy import Policy


def civicflow() -> CivicFlow:
    return current_app.extensions["civicflow"]


class CaughtUp:
    """The lowest view position this process has seen after catching the views up. Positions only grow, so a read
    whose store head (one indexed `MAX(notification_id)`) is not past it has nothing to fold: it skips reading
    the positions (twice) and an empty page of notifications. The head is asked on every read, so a command
    answered by any other process is still seen (DESIGN §8, read-your-writes)."""

    def __init__(self) -> None:
        self.position = 0

    def ensure(self, model: Any) -> None:
        if (model.recorder.max_notification_id() or 0) > self.position:
            self.position = max(self.position, model.catch_up())


def read_model() -> Any:
    """The projections' ReadModel, caught up to the store's head first: reads are read-your-writes."""
    model = current_app.extensions["civicflow.read_model"]
    current_app.extensions.setdefault("civicflow.caught_up", CaughtUp()).ensure(model)
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
