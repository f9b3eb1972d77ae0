"""Who is signed in to the console: a signed session cookie naming the account, checked against the store and
the application's clock on every request (idle and absolute timeouts, signing out, disabling)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask import Flask, Response, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound

from application.accounts import Accounts, ConsoleUser, Person, person_of
from interfaces.web.context import civicflow

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)


class ConsoleSessions(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over TLS (directly or as a proxy's X-Forwarded-Proto
    says, once ProxyFix trusts it), so a plain-HTTP install on an isolated network still works."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def accounts() -> Accounts:
    return Accounts(civicflow())


def start_session(user: ConsoleUser) -> None:
    """A new session for a person who just signed in: nothing of the previous one (nor its CSRF token) is kept."""
    locale, now = session.get("locale"), civicflow().clock.now().isoformat()
    session.clear()
    session.update(uid=str(user.id), signed_in=now, seen=now)
    if locale:
        session["locale"] = locale


def end_session() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def current_principal() -> Person | None:
    """The signed-in person as a policy Principal, or None when there is no valid session (it is then ended)."""
    if "principal" not in g:
        g.principal = _principal_of_session()
        if g.principal is None and "uid" in session:
            end_session()
    return g.principal


def _principal_of_session() -> Person | None:
    try:
        user_id = UUID(session["uid"])
        signed_in, seen = (datetime.fromisoformat(session[key]) for key in ("signed_in", "seen"))
    except (KeyError, ValueError, TypeError):
        return None
    now = civicflow().clock.now()
    if now - signed_in > ABSOLUTE_TIMEOUT or now - seen > IDLE_TIMEOUT:
        return None
    user = accounts().current(user_id)
    if user is None or not user.active or (user.signed_out_at is not None and user.signed_out_at >= signed_in):
        return None
    session["seen"] = now.isoformat()
    g.password_change_due = user.password_change_due
    return person_of(user)


def person_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A console page for these roles (any role when none is named): no valid session → the sign-in page, with
    `next`; a role not listed → the 404 page, as for an object the person may not see."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal is None:
                return to_sign_in()
            if g.get("password_change_due"):  # a one-time password: replaced before anything else
                return navigate(url_for("console.change_password", next=asked_path()))
            if roles and principal.role not in roles:
                raise NotFound()
            return view(*args, **kwargs)

        return checked

    return decorator


def to_sign_in() -> Response:
    return navigate(url_for("console.sign_in", next=asked_path()))


def asked_path() -> str | None:
    """The page to come back to afterwards (a form's post is not repeated)."""
    return request.full_path.rstrip("?") if request.method == "GET" else None


def navigate(target: str) -> Response:
    if request.headers.get("HX-Request"):  # htmx would swap the page into a fragment: have it navigate instead
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)  # type: ignore[return-value]


def safe_next(target: str | None) -> str:
    """Only a path of the console itself: `next` must not send anyone elsewhere."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.home")
