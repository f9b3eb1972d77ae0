"""`civicflow supervise [--once] [--now RFC3339]`: apply the deadlines of DESIGN §10 (one JSON line a pass)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from application.persistence.clock import Clock, ManualClock, SystemClock
from interfaces.bootstrap import bootstrap
from interfaces.workers.loops import keep_running, supervision_pass


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise click.BadParameter(f"not an RFC 3339 instant: {text}") from error
    if instant.tzinfo is None:
        raise click.BadParameter("the instant needs a timezone offset (e.g. 2026-11-02T10:00:00Z)")
    return instant


@click.command()
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option("--now", "now_text", metavar="RFC3339", help="Evaluate the deadlines at this instant (one pass).")
@click.option("--interval", default=60, show_default=True, type=click.IntRange(1), help="Seconds between passes.")
def supervise(once: bool, now_text: str | None, interval: int) -> None:
    """Expire unaccepted dispatches, escalate missed deadlines one level up, close unreviewed orders."""
    clock: Clock = ManualClock(parse_instant(now_text)) if now_text else SystemClock()
    with bootstrap(clock=clock) as system:
        keep_running(lambda: supervision_pass(system), lambda done: click.echo(json.dumps(done)),
                     once=once or now_text is not None, interval=interval)
