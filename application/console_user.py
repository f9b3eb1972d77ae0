"""A console user (DESIGN §13): an aggregate event-sourced like tokens. Its id is derived from its sign-in name, so
signing in is one `get`. Failed sign-ins are events (with the address they came from), so every server process
sees the same count: after `MAX_FAILURES` failures from one address within `THROTTLE_WINDOW`, that address may
not try again until the window has passed. Signing out is an event too: a session issued before it ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import CivicAggregate

ACCOUNT_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/console-user")
MAX_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)


def account_id_for(name: str) -> UUID:
    return uuid5(ACCOUNT_NAMESPACE, name.strip().casefold())


class ConsoleUser(CivicAggregate):
    class Created(CivicAggregate.Created):
        name: str
        role: str
        site_id: str | None
        password_hash: str
        one_time: bool  # a generated password, known to whoever created the account: to be replaced first

    def __init__(self, name: str, role: str, site_id: str | None, password_hash: str, one_time: bool, actor: str):
        self.name, self.role, self.site_id, self.password_hash = name, role, site_id, password_hash
        self.password_change_due = one_time
        self.disabled_at: datetime | None = None
        self.signed_out_at: datetime | None = None
        self.failures: dict[str, list[datetime]] = {}  # address → failures since its last success

    class SignInFailed(CivicAggregate.Event):
        address: str

        def apply(self, user: ConsoleUser) -> None:
            user.failures.setdefault(self.address, []).append(self.timestamp)

    class SignedIn(CivicAggregate.Event):
        address: str

        def apply(self, user: ConsoleUser) -> None:
            user.failures.pop(self.address, None)

    class SignedOut(CivicAggregate.Event):
        def apply(self, user: ConsoleUser) -> None:
            user.signed_out_at = self.timestamp

    class PasswordChanged(CivicAggregate.Event):
        password_hash: str

        def apply(self, user: ConsoleUser) -> None:
            user.password_hash, user.password_change_due = self.password_hash, False

    class Disabled(CivicAggregate.Event):
        def apply(self, user: ConsoleUser) -> None:
            user.disabled_at = self.timestamp

    def throttled_until(self, address: str, now: datetime) -> datetime | None:
        recent = [at for at in self.failures.get(address, []) if now - at < THROTTLE_WINDOW]
        return recent[-MAX_FAILURES] + THROTTLE_WINDOW if len(recent) >= MAX_FAILURES else None

    def fail_sign_in(self, address: str, *, actor: str, at: datetime) -> None:
        self._record(self.SignInFailed, address=address, actor=actor, at=at)

    def sign_in(self, address: str, *, actor: str, at: datetime) -> None:
        self._record(self.SignedIn, address=address, actor=actor, at=at)

    def sign_out(self, *, actor: str, at: datetime) -> None:
        self._record(self.SignedOut, actor=actor, at=at)

    def change_password(self, password_hash: str, *, actor: str, at: datetime) -> None:
        self._record(self.PasswordChanged, password_hash=password_hash, actor=actor, at=at)

    def disable(self, *, actor: str, at: datetime) -> None:
        if self.disabled_at is None:  # disabling twice records nothing new
            self._record(self.Disabled, actor=actor, at=at)

    @property
    def active(self) -> bool:
        return self.disabled_at is None
