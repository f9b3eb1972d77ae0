"""`civicflow audit verify|checkpoint|export|replay`: the inspector's tools, streamed with progress bars."""

from __future__ import annotations

import sys
from pathlib import Path
from uuid import UUID

import click

from application.settings import Settings
from interfaces.cli import parallel
from interfaces.cli.projections import echo_json, latest, opened, progress_bar
from interfaces.cli.supervise import parse_instant
from projections import ReadModel
from projections.audit.verify import VerifyReport


def _finish(report: VerifyReport) -> None:
    echo_json(report.as_dict())
    if not report.ok:
        click.echo(f"verification FAILED at position {report.first_bad_position}: {report.reason}", err=True)
        sys.exit(1)


@click.group("audit")
def audit() -> None:
    """Inspection: verify, checkpoint, export and replay the history."""


@audit.command()
@click.option("--file", "file_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Verify an export file instead of the store.")
@click.option("--start-head", help="The head the file's first line must chain to (genesis for a full export).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Processes to verify in, each a segment of the log (for the cores of this machine).")
def verify(file_path: Path | None, start_head: str | None, jobs: int) -> None:
    """Recompute the hash chain from the event store; compare with the audit table and signed checkpoints."""
    if file_path is not None:
        with file_path.open(encoding="utf-8") as lines:
            _finish(ReadModel.verify_file(lines, start_head))
        return
    if jobs > 1:
        settings = Settings.from_env()
        with progress_bar(f"verifying (first of {jobs} segments)", None) as advance:
            _finish(parallel.verify(settings, jobs, on_progress=advance))
        return
    with opened() as (app, model):
        with progress_bar("verifying", model.positions()["audit_log"]) as advance:
            report = model.verify(on_progress=advance)
        _finish(report)


@audit.command()
def checkpoint() -> None:
    """Catch the audit trail up and sign its head now."""
    with opened() as (_, model):
        echo_json({**model.checkpoint(), "public_key": model.checkpoints()[0]})


@audit.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--after", default=0, show_default=True, type=click.IntRange(0), help="Only positions after this.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def export(fmt: str, after: int, output: Path | None) -> None:
    """Stream every audited event (position, hash, previous hash; personal data masked)."""
    with opened() as (app, model):
        model.catch_up()
        out = output.open("w", encoding="utf-8") if output else click.get_text_stream("stdout")
        try:
            for line in model.export(fmt=fmt, after=after):
                out.write(line)
        finally:
            if output:
                out.close()


@audit.command()
@click.option("--order", "order_id", type=click.UUID, help="Show this order as it stood then.")
@click.option("--volunteer", "volunteer_id", type=click.UUID, help="Show this volunteer as they stood then.")
@click.option("--version", type=click.IntRange(1))
@click.option("--position", type=click.IntRange(0))
@click.option("--at", "at_text", metavar="RFC3339")
def replay(order_id: UUID | None, volunteer_id: UUID | None, version: int | None, position: int | None,
           at_text: str | None) -> None:
    """Without --order/--volunteer: replay the whole log into scratch tables and compare with the live views."""
    at = parse_instant(at_text) if at_text else None
    with opened() as (app, model):
        if order_id or volunteer_id:
            model.catch_up()
            state = (model.order_at(order_id, version=version, position=position, at=at) if order_id else
                     model.volunteer_at(volunteer_id, version=version, position=position, at=at))  # type: ignore
            echo_json(state)
            sys.exit(0 if state is not None else 1)
        with progress_bar("replaying", latest(app)) as advance:
            found = 0
            for difference in model.replay(on_page=advance):
                found += 1
                echo_json({"table": difference.table, "key": difference.key, "live": difference.live,
                           "replayed": difference.replayed})
        echo_json({"differences": found, "position": model.positions()["audit_log"]})
        if found:
            sys.exit(1)
