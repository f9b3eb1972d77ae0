"""Console accounts for people (DESIGN §13): argon2id hashes, sign-in throttled per account and address, a
generated (one-time) password to be replaced at the first sign-in, signing out and disabling. The account itself
is the ConsoleUser aggregate (console_user.py), event-sourced like tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.utils import get_topic

from application.base import CivicFlowBase
from application.errors import ApplicationError, NotFound
from application.console_user import MAX_FAILURES, THROTTLE_WINDOW, ConsoleUser, account_id_for
from application.policy import Principal

__all__ = ["MAX_FAILURES", "THROTTLE_WINDOW", "Accounts", "ConsoleUser", "Person", "account_id_for", "person_of"]

CONSOLE_ROLES = ("dispatcher", "inspector", "admin")
MIN_PASSWORD = 12
HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters; stateless
# Verified when the name is unknown, so an unknown name takes as long to refuse as a wrong password.
UNKNOWN_HASH = HASHER.hash(secrets.token_urlsafe(16))


class InvalidAccountRequest(ApplicationError):
    """An account was asked for with a role, binding, name or password that does not fit."""


class PasswordChangeRefused(InvalidAccountRequest):
    """A new password that was not accepted (the present one was wrong, or the new one does not fit)."""


class SignInRefused(ApplicationError):
    def __init__(self) -> None:
        super().__init__("the name or the password is wrong, or the account is disabled")


class SignInThrottled(ApplicationError):
    def __init__(self, until: datetime):
        super().__init__(f"too many failed sign-ins from this address; try again after {until:%H:%M} UTC")
        self.until = until


ACCOUNT_TOPICS = (get_topic(ConsoleUser.Created),)


@dataclass(frozen=True)
class Person(Principal):
    """A console user as the policy sees them: the role and site binding of a token, and an actor that names
    the person (so the events say who it was)."""

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.site_id or '-'}#user:{self.name}:{self.token_id.hex[:12]}"


def person_of(user: ConsoleUser) -> Person:
    return Person(user.id, user.role, user.site_id, name=user.name)


class Accounts:
    """Creates, authenticates, signs out, lists and disables console users on the application's store."""

    def __init__(self, app: CivicFlowBase):
        self.app = app

    def create(self, name: str, role: str, *, site_id: str | None = None, password: str | None = None,
               actor: str) -> tuple[str, ConsoleUser]:
        """The new account and its password (generated, to be shown once, unless one is given)."""
        name, one_time = self._check(name, role, site_id), password is None
        password = secrets.token_urlsafe(12) if password is None else _long_enough(password)
        user = ConsoleUser._create(ConsoleUser.Created, id=account_id_for(name), name=name, role=role,
                                   site_id=site_id, password_hash=HASHER.hash(password), one_time=one_time,
                                   actor=actor, timestamp=self.app.clock.now())
        self.app.commit([user])
        return password, user

    def sign_in(self, name: str, password: str, address: str) -> ConsoleUser:
        user = self.app.find(ConsoleUser, account_id_for(name)) if name.strip() else None
        now = self.app.clock.now()
        if user is None:
            _verify(UNKNOWN_HASH, password)
            raise SignInRefused()
        until = user.throttled_until(address, now)
        if until is not None:
            raise SignInThrottled(until)
        if not (_verify(user.password_hash, password) and user.active):
            user.fail_sign_in(address, actor=f"sign-in:{address}", at=now)
            self.app.commit([user])
            raise SignInRefused()
        user.sign_in(address, actor=person_of(user).actor, at=now)
        self.app.commit([user])
        return user

    def sign_out(self, user_id: UUID) -> None:
        user = self.app.load(ConsoleUser, user_id)
        user.sign_out(actor=person_of(user).actor, at=self.app.clock.now())
        self.app.commit([user])

    def change_password(self, user_id: UUID, current: str, new: str) -> ConsoleUser:
        """The person replaces their password (a one-time one first of all), proving they know the present one."""
        user = self.app.load(ConsoleUser, user_id)
        if not _verify(user.password_hash, current):
            raise PasswordChangeRefused("the present password is wrong")
        if new == current:
            raise PasswordChangeRefused("the new password must differ from the present one")
        user.change_password(HASHER.hash(_long_enough(new)), actor=person_of(user).actor, at=self.app.clock.now())
        self.app.commit([user])
        return user

    def current(self, user_id: UUID) -> ConsoleUser | None:
        """The account as the store holds it now (read only): a disabling or signing out by any process counts."""
        return self.app.peek(ConsoleUser, user_id)

    def disable(self, name_or_id: str, *, actor: str) -> ConsoleUser:
        user = self.app.find(ConsoleUser, _id_of(name_or_id))
        if user is None:
            raise NotFound("console user", name_or_id)
        user.disable(actor=actor, at=self.app.clock.now())
        self.app.commit([user])
        return user

    def all(self) -> list[ConsoleUser]:
        """Every account, oldest first, found by its creation topic in the notification log."""
        ids = dict.fromkeys(n.originator_id for n in self._notifications())
        return [u for u in (self.app.find(ConsoleUser, i) for i in ids) if u is not None]

    def _notifications(self) -> Iterator:  # type: ignore[type-arg]
        start = 1
        while page := self.app.recorder.select_notifications(start, 500, topics=ACCOUNT_TOPICS):
            yield from page
            start = page[-1].id + 1

    def _check(self, name: str, role: str, site_id: str | None) -> str:
        if role not in CONSOLE_ROLES:
            raise InvalidAccountRequest(f"role must be one of {', '.join(CONSOLE_ROLES)}")
        if (role == "dispatcher") != (site_id is not None):
            raise InvalidAccountRequest("a dispatcher needs --site; other roles take none")
        if site_id is not None:
            self.app.require_site("site", site_id)
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidAccountRequest("a name needs 1 to 100 characters")
        if self.app.find(ConsoleUser, account_id_for(name)) is not None:
            raise InvalidAccountRequest(f"there is already an account named {name!r}")
        return name


def _long_enough(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidAccountRequest(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _id_of(name_or_id: str) -> UUID:
    try:
        return UUID(name_or_id)
    except ValueError:
        return account_id_for(name_or_id)
