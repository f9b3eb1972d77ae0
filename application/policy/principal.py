"""Who is calling: a token's role and its binding (a site, a volunteer or a channel)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Principal:
    token_id: UUID
    role: str
    site_id: str | None = None
    volunteer_id: UUID | None = None
    channel: str | None = None
    name: str | None = None

    @property
    def actor(self) -> str:
        """Who the events say did it; unique per token, so idempotency keys are scoped per principal."""
        binding = self.site_id or self.volunteer_id or self.channel or self.name or "-"
        return f"{self.role}:{binding}#{self.token_id.hex[:12]}"
