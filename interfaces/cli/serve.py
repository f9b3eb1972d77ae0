"""`civicflow serve`: gunicorn in front of the Flask app, the store and views prepared before workers start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.web import create_app

# A channel token first: it is the one that places orders (an admin's cannot); then how to get the others.
# People (dispatchers, inspectors) use the console with an account of their own, not a token.
SIGN_IN_HINT = """people sign in to the console at {base}/console/ with an account; create one with:
  {civicflow} users create --role dispatcher --site station-babaoshan --name 张调度
  (it prints a one-time password, replaced at the first sign-in; --role inspector or admin take no --site)"""
TOKEN_HINT = """every /api/v1 call needs a bearer token; in another terminal, issue one with:
  {civicflow} tokens create --role channel --channel district-app --name app
  other roles: --role dispatcher --site SITE_ID, --role volunteer --volunteer VOLUNTEER_ID, --role inspector,
  --role admin (see {civicflow} tokens create --help)"""
LOOPS_BESIDE = ("the loops run beside the server (`{civicflow} workers`: deadlines applied every 30 s, views and "
                "webhook deliveries kept current), and stop with it; /readyz reports their lag")
LOOPS_APART = ("the loops do not run in this process: run `{civicflow} workers` (deadlines, views, webhook delivery; "
               "woken by LISTEN/NOTIFY on PostgreSQL), or serve --with-workers")
# Sync workers: one request at a time per process, each accepted by whichever worker is free. The threaded
# worker (gthread, 2 or 4 threads, keep-alive) was measured side by side with bench/bench_http_load.py and served
# no more commands per second, with a longer tail; it only made the empty-Flask baseline slower. gunicorn's
# sync worker closes every connection (no keep-alive): put a buffering proxy in front for slow clients.
# ProblemWorker is gunicorn's sync worker, answering what gunicorn refuses itself as problem+json.
WORKER_CLASS = "interfaces.cli.gunicorn_worker.ProblemWorker"
# The access log: gunicorn's default line without the query string and the referer (%(r)s and %(f)s carry
# them): personal data travels in bodies only, and no log line may pick it up from a URL (DESIGN §14).
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


def gunicorn_options(host: str, port: int, workers: int, timeout: int = 30) -> dict[str, Any]:
    """How `civicflow serve` runs gunicorn (the bench serves its empty-Flask baseline the same way)."""
    return {"bind": f"{host}:{port}", "workers": workers, "worker_class": WORKER_CLASS, "timeout": timeout,
            "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT, "errorlog": "-", "graceful_timeout": 10}


class Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with `options`, each worker loading its app with `load_app` after the fork."""

    def __init__(self, options: dict[str, Any], load_app: Callable[[], Any]):
        self.options, self.load_app = options, load_app
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.load_app()


def _worker_app() -> Any:
    return create_app({"STORE_PREPARED": True})  # in each worker: its own connections, never shared


def prepare_store(settings: Settings) -> tuple[int, int]:
    """Create the store, load the sites and create and catch up the views once, before any worker starts."""
    with bootstrap(settings) as system:
        return len(system.app.sites), system.read_model.catch_up()


WORKERS_GRACE_SECONDS = 75  # the loops finish the pass under way (interfaces/workers/processes.py waits 60 s)


def start_loops() -> subprocess.Popen[bytes]:
    """`civicflow workers` (every loop) beside gunicorn, in the same environment; it stops if this process dies."""
    return subprocess.Popen([sys.executable, "-m", "interfaces.cli.workers", "--stop-with-parent"], env=os.environ)


def stop_loops(loops: subprocess.Popen[bytes]) -> None:
    """Ask the loops to finish their passes and stop (on Ctrl-C they were told by the terminal already)."""
    if loops.poll() is None:
        loops.send_signal(signal.SIGTERM)
    try:
        loops.wait(timeout=WORKERS_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        loops.kill()
        loops.wait()


def civicflow_command(argv0: str | None = None, executable: str | None = None) -> str:
    """This `civicflow` script as the user should type it: `.venv/bin/civicflow` under the current directory (the
    quick start's venv is not on PATH), else its absolute path; the one beside the interpreter under `python -m`."""
    script = Path(argv0 or sys.argv[0])
    if script.name != "civicflow":
        script = Path(executable or sys.executable).with_name("civicflow")
    script = script.absolute()  # not resolve(): a venv's bin/ may hold symlinks, and the venv's path is the point
    try:
        relative = script.relative_to(Path.cwd())
    except ValueError:
        return str(script)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"


def check_can_listen(host: str, port: int) -> None:
    """Bind host:port as gunicorn will (SO_REUSEADDR), then let it go: a busy port is said at once, by name,
    before the store is prepared — gunicorn itself would only give up after retrying for 5 s."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}. Is another server using port {port}? "
            f"Choose another port: make run PORT={port + 1}  (or civicflow serve --port {port + 1})") from error


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(5, 600), help="worker timeout, seconds")
@click.option("--with-workers/--no-workers", "with_loops", default=None,
              help="Also run the loops (supervision of the deadlines, projections, webhook delivery) as a "
                   "`civicflow workers` child process, stopped with the server. Default: on for SQLite (so one "
                   "command is the whole system), off for PostgreSQL (run `civicflow workers` processes there).")
def serve(host: str, port: int, workers: int, timeout: int, with_loops: bool | None) -> None:
    """Run the HTTP API under gunicorn; creates the store and loads the sites on first start. On SQLite it also
    runs the loops (deadlines, projections, webhook delivery) beside it, unless --no-workers."""
    check_can_listen(host, port)
    settings = Settings.from_env()
    sites, position = prepare_store(settings)
    click.echo(f"civicflow: {settings.store.kind} store, {sites} sites, views at position {position}")
    with_loops = settings.store.kind == "sqlite" if with_loops is None else with_loops
    loops = start_loops() if with_loops else None
    click.echo(f"civicflow: serving on http://{host}:{port} with {workers} worker(s)  (docs: /docs, health: /healthz)")
    click.echo("civicflow: " + (LOOPS_BESIDE if with_loops else LOOPS_APART).format(civicflow=civicflow_command()))
    click.echo("civicflow: " + TOKEN_HINT.format(civicflow=civicflow_command()))
    click.echo("civicflow: " + SIGN_IN_HINT.format(civicflow=civicflow_command(), base=f"http://{host}:{port}"))
    try:
        Gunicorn(gunicorn_options(host, port, workers, timeout), _worker_app).run()
    finally:
        if loops is not None:
            stop_loops(loops)
