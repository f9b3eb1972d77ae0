"""The civicflow application: every command of the order workflow over one event store."""

from __future__ import annotations

from application.commands.certificates import CertificateCommands
from application.commands.orders import OrderCommands
from application.commands.residents import ResidentCommands
from application.commands.supervision import SupervisionCommands
from application.commands.volunteers import VolunteerCommands
from application.commands.webhooks import WebhookCommands


class CivicFlow(OrderCommands, VolunteerCommands, SupervisionCommands, ResidentCommands, WebhookCommands,
                CertificateCommands):
    """点单 → 派单 → 接单 → 评单, with volunteers, teams and the district's sites."""
