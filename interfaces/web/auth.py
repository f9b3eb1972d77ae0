"""Who is calling: bearer tokens → a Principal with a role and a binding (site, volunteer or channel)."""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from application.policy import Principal
from application.tokens import AccessToken, TokenBook, with_article
from interfaces.web.context import civicflow

CHALLENGE = 'Bearer realm="civicflow"'


class MissingToken(Unauthorized):
    description = "send 'Authorization: Bearer <token>'; tokens come from `civicflow tokens create`"

    def get_headers(self, environ=None, scope=None):  # type: ignore[no-untyped-def]
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", CHALLENGE)]


class BadToken(MissingToken):
    description = "the bearer token is unknown or revoked"

    def get_headers(self, environ=None, scope=None):  # type: ignore[no-untyped-def]
        headers = [h for h in super().get_headers(environ, scope) if h[0] != "WWW-Authenticate"]
        return [*headers, ("WWW-Authenticate", f'{CHALLENGE}, error="invalid_token"')]


def authenticate() -> Principal:
    """Called before every /api/v1 request; the principal is kept on `g` for the request."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise MissingToken()
    token = TokenBook(civicflow()).authenticate(secret.strip())
    if token is None:
        raise BadToken()
    g.principal = principal_of(token)
    return g.principal


def allow(*roles: str) -> Principal:
    """The route's role check: a role that may never use the route gets 403."""
    principal: Principal = g.principal
    if principal.role not in roles:
        raise Forbidden(f"{with_article(principal.role)} token may not use this route (allowed: {', '.join(roles)})")
    return principal


def principal_of(token: AccessToken) -> Principal:
    return Principal(token.id, token.role, token.site_id, token.volunteer_id, token.channel, token.name)
