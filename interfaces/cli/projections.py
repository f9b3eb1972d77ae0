"""`civicflow projections run|rebuild|status`: keep the view tables current, rebuild them, report lag."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from application.app import CivicFlow
from application.settings import Settings
from interfaces.bootstrap import application, bootstrap
from interfaces.cli import parallel
from interfaces.workers.loops import catch_up_pass, keep_running
from projections import ReadModel
from projections.read_model import VIEW_UNITS

VIEW_NAMES = [name for _, names in VIEW_UNITS for name in names]


@contextmanager
def opened(views: Sequence[str] | None = None) -> Iterator[tuple[CivicFlow, ReadModel]]:
    """The application and its read model (all views, or only `views`) on the configured store, closed afterwards."""
    with bootstrap(reference_data=False, views=views) as system:
        yield system.app, system.read_model


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (stdout stays machine-readable); yields `advance_to(position)`."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda position: progress.update(task, completed=position)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, default=_plain, ensure_ascii=False, sort_keys=True))


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def latest(app: CivicFlow) -> int:
    return app.recorder.max_notification_id() or 0


@click.group("projections")
def projections() -> None:
    """The read side: view tables fed from the event log."""


@projections.command()
@click.option("--once", is_flag=True, help="Catch up once, then exit.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.05), help="Seconds between polls.")
@click.option("--view", "views", multiple=True, type=click.Choice(VIEW_NAMES),
              help="Keep only this view current (repeatable); workers may split the views between them.")
def run(once: bool, interval: float, views: tuple[str, ...]) -> None:
    """Keep every view current (a worker; several may run: each page is applied once)."""
    with bootstrap(reference_data=False, views=views or None) as system:
        def one_pass() -> dict[str, Any]:
            with progress_bar("catching up", latest(system.app)) as advance:
                return catch_up_pass(system, advance)

        keep_running(one_pass, echo_json, once=once, interval=interval)


@projections.command()
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, len(VIEW_UNITS)),
              help="Processes to fold the views in (groups of views side by side; helps most on PostgreSQL).")
@click.option("--restart", is_flag=True, help="Start over from position 0 instead of resuming a rebuild under way.")
def rebuild(jobs: int, restart: bool) -> None:
    """Fold every view again from position 0 beside the live ones, then switch them in: the views keep answering
    throughout; an interrupted rebuild resumes where it stopped (signed checkpoints are kept)."""
    settings = Settings.from_env()
    app = application(settings, reference_data=False)  # only the log's head: no view needs opening
    total = latest(app)
    app.close()
    with progress_bar("rebuilding" if jobs == 1 else f"rebuilding ({jobs} jobs)", total) as advance:
        positions = parallel.rebuild(settings, jobs, on_page=advance, restart=restart)
    echo_json({"rebuilt_to": min(positions.values(), default=0), "positions": positions})


@projections.command()
def status() -> None:
    """Each view's position, the log's latest position and the lag; a rebuild under way, how far it is."""
    with opened() as (app, model):
        echo_json({"latest": latest(app), "positions": model.positions(), "lag": model.lag(),
                   "rebuild": model.rebuild_progress()})
