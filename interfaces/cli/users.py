"""`civicflow users create|list|disable`: console accounts for people (tokens stay for integrators)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from application.accounts import CONSOLE_ROLES, Accounts, ConsoleUser
from application.errors import ApplicationError
from interfaces.bootstrap import application

CLI_ACTOR = "cli:users"


@contextmanager
def account_book() -> Iterator[Accounts]:
    app = application()  # with the sites: a dispatcher's must exist even on a store that was never served
    try:
        yield Accounts(app)
    except ApplicationError as error:
        raise click.ClickException(str(error)) from error
    finally:
        app.close()


def describe(user: ConsoleUser) -> str:
    return f"{user.name}  {user.role}" + (f" {user.site_id}" if user.site_id else "")


@click.group()
def users() -> None:
    """Console accounts for people: argon2id password hashes, sign-in throttled after failures."""


@users.command("create")
@click.option("--role", required=True, type=click.Choice(CONSOLE_ROLES), help="what the person may do")
@click.option("--site", help="dispatcher: the site whose subtree they work in")
@click.option("--name", required=True, help="the name the person signs in with")
@click.option("--password-stdin", is_flag=True, help="read the password from stdin instead of generating one")
def create(role: str, site: str | None, name: str, password_stdin: bool) -> None:
    """Create an account; a generated one-time password (replaced by the person at the first sign-in) is printed
    alone on the last line."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with account_book() as book:
        generated, user = book.create(name, role, site_id=site, password=password, actor=CLI_ACTOR)
    click.echo(f"created console user {user.id}: {describe(user)}")
    if password is None:
        click.echo(generated)


@users.command("list")
def list_users() -> None:
    """Every account, oldest first, with its role, site and whether it is disabled."""
    with account_book() as book:
        for user in book.all():
            state = f"disabled {user.disabled_at:%Y-%m-%d %H:%M}" if user.disabled_at else "active"
            click.echo(f"{user.id}  {user.created_on:%Y-%m-%d %H:%M}  {state:<24}  {describe(user)}")


@users.command("disable")
@click.argument("user")
def disable(user: str) -> None:
    """Disable an account, named by its name or id: its sessions end at their next request."""
    with account_book() as book:
        disabled = book.disable(user, actor=CLI_ACTOR)
    click.echo(f"disabled console user {disabled.id}: {describe(disabled)}")
