"""`civicflow tokens create|list|revoke`: bearer tokens for the HTTP API, stored only as hashes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import click

from application.errors import ApplicationError
from application.tokens import ROLES, AccessToken, TokenBook, token_id_for
from interfaces.bootstrap import application

CLI_ACTOR = "cli:tokens"


@contextmanager
def token_book() -> Iterator[TokenBook]:
    app = application()  # with the sites: a dispatcher's must exist even on a store that was never served
    try:
        yield TokenBook(app)
    except ApplicationError as error:
        raise click.ClickException(str(error)) from error
    finally:
        app.close()


def describe(token: AccessToken) -> str:
    binding = token.site_id or token.volunteer_id or token.channel
    return f"{token.role}" + (f" {binding}" if binding else "") + (f" ({token.name})" if token.name else "")


@click.group()
def tokens() -> None:
    """Bearer tokens for the HTTP API (the secret is shown once; only its hash is stored)."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES), help="what the token may do")
@click.option("--site", help="dispatcher: the site whose subtree it acts in")
@click.option("--volunteer", type=click.UUID, help="volunteer: the volunteer it acts as")
@click.option("--channel", help="channel: the intake channel's name (e.g. district-app, hotline-12345)")
@click.option("--name", help="a label for people: who holds the token")
def create(role: str, site: str | None, volunteer: UUID | None, channel: str | None, name: str | None) -> None:
    """Issue a token; the token itself is printed alone on the last line."""
    with token_book() as book:
        secret, token = book.issue(role, site_id=site, volunteer_id=volunteer, channel=channel, name=name,
                                   actor=CLI_ACTOR)
    click.echo(f"issued token {token.id}: {describe(token)}")
    click.echo(secret)


@tokens.command("list")
def list_tokens() -> None:
    """Every token issued, oldest first, with its role, binding and whether it is revoked."""
    with token_book() as book:
        for token in book.all():
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
            click.echo(f"{token.id}  {token.created_on:%Y-%m-%d %H:%M}  {state:<24}  {describe(token)}")


@tokens.command("revoke")
@click.argument("token")
def revoke(token: str) -> None:
    """Revoke a token, named by its id (from `tokens list`) or by the token itself."""
    try:
        token_id = UUID(token)
    except ValueError:
        token_id = token_id_for(token)
    with token_book() as book:
        revoked = book.revoke(token_id, actor=CLI_ACTOR)
    click.echo(f"revoked token {revoked.id}: {describe(revoked)}")
