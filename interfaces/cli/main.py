"""The `civicflow` command."""

from __future__ import annotations

import click

from interfaces.bootstrap import application
from interfaces.cli.audit import audit
from interfaces.cli.demo import demo
from interfaces.cli.projections import projections
from interfaces.cli.residents import residents
from interfaces.cli.serve import serve
from interfaces.cli.supervise import supervise
from interfaces.cli.tokens import tokens
from interfaces.cli.users import users
from interfaces.cli.webhooks import webhooks
from interfaces.cli.workers import workers
from projections.audit.migrate import AuditFormatV1
from projections.views.runner import ViewsDamaged


class Civicflow(click.Group):
    """Conditions an operator must act on end the command with what to do, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (AuditFormatV1, ViewsDamaged) as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=Civicflow)
def cli() -> None:
    """civicflow: 点单 → 派单 → 接单 → 评单 for community volunteer service."""


@cli.command("init")
def init() -> None:
    """Create the store and load the district's sites (once)."""
    app = application(reference_data=False)
    try:
        added = app.load_reference_data()
        click.echo(f"store ready ({app.settings.store.kind}); {added} sites added, {len(app.sites)} in all")
    finally:
        app.close()


cli.add_command(serve)
cli.add_command(tokens)
cli.add_command(users)
cli.add_command(supervise)
cli.add_command(demo)
cli.add_command(projections)
cli.add_command(audit)
cli.add_command(residents)
cli.add_command(workers)
cli.add_command(webhooks)
