"""`civicflow demo [--volunteers N] [--orders N] [--seed S]`: load a realistic district, with progress bars."""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from demo.district import DemoLoader, District
from application.errors import AlreadyExists
from interfaces.bootstrap import System, bootstrap


def progress_bars(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def catch_up_views(system: System, bars: Progress) -> None:
    """Fold the new events into the views, so that the API and dashboards answer at once."""
    model = system.read_model
    latest = system.app.recorder.max_notification_id() or 0
    task = bars.add_task("views", total=latest, completed=min(model.positions().values(), default=0))
    model.catch_up(on_page=lambda position: bars.update(task, completed=position))
    bars.update(task, completed=latest)


def summary(district: District, seconds: float) -> str:
    states = ", ".join(f"{status} {n}" for status, n in sorted(district.orders_by_status.items()))
    return (f"demo district loaded in {seconds:.1f} s: {len(district.volunteers)} volunteers, "
            f"{len(district.teams)} teams, {sum(district.orders_by_status.values())} orders ({states})")


@click.command()
@click.option("--volunteers", default=2000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--orders", default=10_000, show_default=True, type=click.IntRange(0, 100_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--views/--no-views", default=True, show_default=True, help="Catch the views up afterwards.")
def demo(volunteers: int, orders: int, seed: int, views: bool) -> None:
    """Load the district's sites, teams, volunteers and orders in every state through the application."""
    started, console = time.perf_counter(), Console(stderr=True)
    with bootstrap() as system, progress_bars(console) as bars:
        app = system.app
        tasks = {name: bars.add_task(name, total=total) for name, total in
                 (("volunteers", volunteers), ("teams", None), ("orders", orders))}
        loader = DemoLoader(app, seed, app.clock.now(), lambda stage, n: bars.advance(tasks[stage], n))
        try:
            district = loader.load(volunteers, orders)
        except AlreadyExists as error:
            raise click.ClickException(f"{error}; choose another --seed or an empty store") from error
        bars.update(tasks["teams"], total=bars.tasks[tasks["teams"]].completed)
        if views:
            catch_up_views(system, bars)
    click.echo(summary(district, time.perf_counter() - started))
