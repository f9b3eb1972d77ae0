"""`civicflow residents erase|data`: a resident's rights (PIPL Art. 47 and 45) for operators. The phone is asked
for at a hidden prompt (or read from stdin), never taken as an argument: arguments land in shell histories and
process lists."""

from __future__ import annotations

import json
from uuid import UUID

import click

from application.errors import ApplicationError
from application.policy import Principal
from domain.resident import ResidentErasure
from interfaces.bootstrap import bootstrap
from projections import presenting

CLI_ACTOR = "cli:residents"
OPERATOR = Principal(UUID(int=0), "admin", name="cli")  # an operator at the machine asks as an admin
PHONE = click.option("--phone", prompt="the resident's phone", hide_input=True,
                     help="prompted for (hidden) when not given; prefer the prompt or stdin")


@click.group()
def residents() -> None:
    """A resident's data: erase it (crypto-shredding), or show everything held."""


@residents.command("erase")
@PHONE
@click.option("--reason", required=True, help="why (a request's reference); phone and ID numbers are masked")
def erase(phone: str, reason: str) -> None:
    """Destroy the resident's key: their personal fields in every order become unreadable everywhere."""
    system = bootstrap(reference_data=False)  # a resident's orders are found on the order board
    app = system.app
    try:
        result = app.erase_resident(app.residents.resident_id(phone), reason, actor=CLI_ACTOR)
        erasure = app.load(ResidentErasure, result.id)
        click.echo(json.dumps({"resident_id": erasure.resident_id, "orders": len(erasure.order_ids),
                               "erased_at": erasure.created_on.isoformat(), "reason": erasure.reason}))
    except ApplicationError as error:
        raise click.ClickException(str(error)) from error
    finally:
        system.close()


@residents.command("data")
@PHONE
def data(phone: str) -> None:
    """Everything held about the resident, as JSON (a copy for them, PIPL Art. 45)."""
    system = bootstrap(reference_data=False)
    app = system.app
    try:
        orders, erasure = app.resident_orders(app.residents.resident_id(phone), OPERATOR)
        now = app.clock.now()
        shown = [app.residents.revealed(presenting.order(order, now)) for order in orders]
        copy = presenting.resident_copy(shown, erasure.created_on if erasure else None)
        click.echo(json.dumps(copy, ensure_ascii=False, default=str))
    except ApplicationError as error:
        raise click.ClickException(str(error)) from error
    finally:
        system.close()
