"""`civicflow workers [--projections] [--supervise] [--webhooks]`: the loops beside the API, each in a process of
its own, started again if it dies; SIGTERM or SIGINT lets every loop finish its pass, then stops them all."""

from __future__ import annotations

import functools
import os
import signal

import click

from application.settings import Settings
from interfaces.workers.processes import LoopProcesses, selected, spawn_loop
from interfaces.workers.running import KINDS, prepare, webhooks_available
from interfaces.workers.wakeup import StopFlag


FALLBACK_SECONDS = 10.0  # a loop woken by NOTIFY still looks this often: a missed notification, a lost connection


def interval_option(name: str, flag: str) -> click.Option:  # type: ignore[type-arg]
    woken = (f"; on PostgreSQL woken at once by the store's NOTIFY, and then this is the fallback "
             f"(default {FALLBACK_SECONDS:g})") if KINDS[name].wake_on_events \
        else " (deadlines pass by time, not by events)"
    return click.option(f"--{flag}-interval", f"{name}_interval", type=click.FloatRange(0.05),
                        help=f"Seconds between {name} passes [default: {KINDS[name].interval:g}{woken}].")


def intervals(names: list[str], asked: dict[str, float | None], woken: bool) -> dict[str, float]:
    """Each loop's interval: the one asked for, else its own; a loop woken by notifications falls back slowly."""
    def default(name: str) -> float:
        return FALLBACK_SECONDS if woken and KINDS[name].wake_on_events else KINDS[name].interval
    return {name: asked[name] or default(name) for name in names}


@click.command()
@click.option("--projections", is_flag=True, help="Keep the views current.")
@click.option("--supervise", is_flag=True, help="Apply the deadlines (expire, escalate, close).")
@click.option("--webhooks", is_flag=True, help="Deliver the webhooks.")
@interval_option("projections", "projections")
@interval_option("supervision", "supervise")
@interval_option("webhooks", "webhooks")
@click.option("--poll", is_flag=True, help="Poll on the intervals even where the store notifies (to compare).")
@click.option("--stop-with-parent", is_flag=True, hidden=True, help="Stop when the process that started this one ends.")
def workers(projections: bool, supervise: bool, webhooks: bool, projections_interval: float | None,
            supervision_interval: float | None, webhooks_interval: float | None, poll: bool,
            stop_with_parent: bool) -> None:
    """Run the loops (all of them when none is named), each in its own process with its own connections; a loop
    that dies is started again. Each loop records a heartbeat after every pass; /readyz reports them."""
    if webhooks and not webhooks_available():
        raise click.ClickException("webhook delivery is not part of this installation")
    available = [name for name in KINDS if name != "webhooks" or webhooks_available()]
    names = selected(projections, supervise, webhooks, available)
    settings = Settings.from_env()
    woken = settings.store.kind == "postgresql" and not poll
    every = intervals(names, {"projections": projections_interval, "supervision": supervision_interval,
                              "webhooks": webhooks_interval}, woken)
    prepare(settings)
    click.echo(f"civicflow: workers on the {settings.store.kind} store: " + ", ".join(
        f"{name} ({'on NOTIFY, at least ' if woken and KINDS[name].wake_on_events else ''}every {every[name]:g} s)"
        for name in names), err=True)
    run_loops(every, poll, stop_with_parent)


def run_loops(every: dict[str, float], poll: bool, stop_with_parent: bool) -> None:
    """Until SIGTERM or SIGINT (or, asked, the end of the parent): this process's handlers are restored after."""
    stop, parent = StopFlag(), os.getppid()
    previous = {number: signal.signal(number, stop.request) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        LoopProcesses(every, lambda: stop() or (stop_with_parent and os.getppid() != parent),
                      start=functools.partial(spawn_loop, poll=poll), say=lambda line: click.echo(line, err=True)).run()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

if __name__ == "__main__":  # `python -m interfaces.cli.workers`: how `civicflow serve` starts the loops beside it
    workers()
