"""The read side: view tables fed from the notification log, and the inspector's audit trail."""

from projections.read_model import ReadModel
from projections.views.runner import Hooks

__all__ = ["Hooks", "ReadModel"]
