"""`civicflow audit verify|checkpoint|export|replay`: the inspector's tools, streamed with progress bars."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from uuid import UUID

import click

from application.settings import Settings
from interfaces.cli import parallel
from interfaces.bootstrap import application, open_read_model
from interfaces.cli.projections import echo_json, latest, opened, progress_bar
from interfaces.cli.supervise import parse_instant
from projections import ReadModel
from projections.audit.verify import VerifyReport


def _finish(report: VerifyReport) -> None:
    echo_json(report.as_dict())
    if not report.ok:
        click.echo(f"verification FAILED at position {report.first_bad_position}: {report.reason}", err=True)
        sys.exit(1)


def _is_error_record(line: str, fmt: str) -> bool:
    """Whether an export's last line is the error record that replaces the seal when the store does not verify."""
    return line.startswith("error,") if fmt == "csv" else bool(line) and json.loads(line).get("record") == "error"


@click.group("audit")
def audit() -> None:
    """Inspection: verify, checkpoint, export and replay the history."""


@audit.command()
@click.option("--file", "file_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Verify an export file instead of the store (as civicflow-verify does).")
@click.option("--public-key", help="With --file: the audit key's public half you hold (else the file's own).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Processes to verify in, each a segment of the log (for the cores of this machine).")
def verify(file_path: Path | None, public_key: str | None, jobs: int) -> None:
    """Recompute the chain from the event store; compare with the audit table and every signed checkpoint."""
    if file_path is not None:
        with file_path.open(encoding="utf-8", newline="") as lines:
            report = ReadModel.verify_file(lines, public_key)
        echo_json(report)
        if not report["ok"]:
            click.echo(f"NOT PROVEN at line {report['line']} (position {report['position']}): {report['reason']}",
                       err=True)
            sys.exit(1)
        return
    if jobs > 1:
        settings = Settings.from_env()
        with progress_bar(f"verifying (first of {jobs} segments)", None) as advance:
            _finish(parallel.verify(settings, jobs, on_progress=advance))
        return
    with opened() as (app, model):
        with progress_bar("verifying", latest(app)) as advance:
            report = model.verify(on_progress=advance)
        _finish(report)


@audit.command()
def migrate() -> None:
    """Move a format v1 audit trail to v2: its v1 checkpoints verified and kept, a v2 chain folded from 0."""
    app = application(reference_data=False)
    model = open_read_model(app, create=False)
    try:
        with progress_bar("folding the v2 chain", latest(app)) as advance:
            result = model.migrate_audit(on_page=advance)
    finally:
        model.close()
        app.close()
    echo_json(result)
    if result.get("format") != 2:
        click.echo("migration REFUSED: the v1 checkpoints do not verify against the store", err=True)
        sys.exit(1)


@audit.command()
def checkpoint() -> None:
    """Catch the audit trail up and sign its head now."""
    with opened() as (_, model):
        echo_json({**model.checkpoint(), "public_key": model.checkpoints()[0]})


@audit.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--after", default=0, show_default=True, type=click.IntRange(0),
              help="From the signed checkpoint at or before this position (0: from genesis).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def export(fmt: str, after: int, output: Path | None) -> None:
    """Stream the audited events, verified as they are written, with their checkpoints and a final seal."""
    with opened() as (app, model):
        model.catch_up()
        out = output.open("w", encoding="utf-8", newline="") if output else click.get_text_stream("stdout")
        last = ""
        try:
            for last in model.export(fmt=fmt, after=after):
                out.write(last)
        finally:
            if output:
                out.close()
        if _is_error_record(last, fmt):
            click.echo("export ENDED WITHOUT A SEAL: the store does not verify (see the last record)", err=True)
            sys.exit(1)


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
