"""Bearer tokens for the HTTP API, event-sourced and stored only as hashes.

The aggregate id is derived from the SHA-256 of the secret, so authenticating a request is one `get`;
the secret itself is shown once, when it is issued, and never stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from application.base import CivicFlowBase
from application.errors import ApplicationError
from domain.base import CivicAggregate
from domain.volunteer import Volunteer

ROLES = ("channel", "dispatcher", "volunteer", "inspector", "admin")
TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/token")
TOKEN_PREFIX = "cf_"
PROACTIVE_CHANNEL = "proactive"


class InvalidTokenRequest(ApplicationError):
    """A token was asked for with a role or binding that does not fit."""


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_id_for(secret: str) -> UUID:
    return uuid5(TOKEN_NAMESPACE, token_digest(secret))


class AccessToken(CivicAggregate):
    class Issued(CivicAggregate.Created):
        role: str
        site_id: str | None
        volunteer_id: UUID | None
        channel: str | None
        name: str | None

    def __init__(self, role: str, site_id: str | None, volunteer_id: UUID | None, channel: str | None,
                 name: str | None, actor: str):
        self.role, self.site_id, self.volunteer_id = role, site_id, volunteer_id
        self.channel, self.name = channel, name
        self.revoked_at: datetime | None = None

    class Revoked(CivicAggregate.Event):
        def apply(self, token: AccessToken) -> None:
            token.revoked_at = self.timestamp

    def revoke(self, *, actor: str, at: datetime) -> None:
        if self.revoked_at is None:  # revoking twice is harmless: nothing new to record
            self._record(self.Revoked, actor=actor, at=at)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


TOKEN_TOPICS = (get_topic(AccessToken.Issued), get_topic(AccessToken.Revoked))


class TokenBook:
    """Issues, authenticates, lists and revokes tokens on the application's event store."""

    def __init__(self, app: CivicFlowBase):
        self.app = app

    def issue(self, role: str, *, site_id: str | None = None, volunteer_id: UUID | None = None,
              channel: str | None = None, name: str | None = None, actor: str) -> tuple[str, AccessToken]:
        self._check_binding(role, site_id, volunteer_id, channel)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = AccessToken._create(AccessToken.Issued, id=token_id_for(secret), role=role, site_id=site_id,
                                    volunteer_id=volunteer_id, channel=channel, name=name, actor=actor,
                                    timestamp=self.app.clock.now())
        self.app.commit([token])
        return secret, token

    def authenticate(self, secret: str) -> AccessToken | None:
        """The active token with this secret, or None; the token returned is for reading only."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            return None
        # Every request reads the token's events after the cached version, so a revocation made by any
        # process is honoured on the next request; only the copy of the (read-only) token is saved.
        token = self.app.peek(AccessToken, token_id_for(secret))
        return token if token is not None and token.active else None

    def revoke(self, token_id: UUID, *, actor: str) -> AccessToken:
        token = self.app.load(AccessToken, token_id)
        token.revoke(actor=actor, at=self.app.clock.now())
        self.app.commit([token])
        return token

    def all(self) -> list[AccessToken]:
        """Every token ever issued, oldest first: found by the token topics in the notification log."""
        ids = dict.fromkeys(n.originator_id for n in self._notifications())
        return [t for t in (self.app.find(AccessToken, i) for i in ids) if t is not None]

    def _notifications(self) -> Iterator:  # type: ignore[type-arg]
        start = 1
        while page := self.app.recorder.select_notifications(start, 500, topics=TOKEN_TOPICS):
            yield from page
            start = page[-1].id + 1

    def _check_binding(self, role: str, site_id: str | None, volunteer_id: UUID | None,
                       channel: str | None) -> None:
        if role not in ROLES:
            raise InvalidTokenRequest(f"role must be one of {', '.join(ROLES)}")
        needs = {"dispatcher": "site", "volunteer": "volunteer", "channel": "channel"}.get(role)
        given = {"site": site_id, "volunteer": volunteer_id, "channel": channel}
        if any(value is not None for key, value in given.items() if key != needs):
            raise InvalidTokenRequest(f"{with_article(role)} token takes no other binding than {needs or 'none'}")
        if needs is not None and not given[needs]:
            raise InvalidTokenRequest(f"{with_article(role)} token needs --{needs}")
        if site_id is not None:
            self.app.require_site("site", site_id)
        if volunteer_id is not None:
            self.app.referenced(Volunteer, "volunteer", volunteer_id)
        if channel == PROACTIVE_CHANNEL:
            raise InvalidTokenRequest("the proactive channel belongs to dispatchers")


def with_article(role: str) -> str:
    """"an inspector", "a channel": the article by the role's first letter (no role name has a silent h)."""
    return ("an " if role[:1].lower() in "aeiou" else "a ") + role
