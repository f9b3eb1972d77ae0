"""`civicflow serve`: gunicorn in front of the Flask app, the store prepared before workers start."""

from __future__ import annotations

from typing import Any

import click
from gunicorn.app.base import BaseApplication

from application.app import CivicFlow
from application.settings import Settings
from interfaces.web import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app()


def prepare_store(settings: Settings) -> CivicFlow:
    app = CivicFlow(settings)
    app.load_reference_data()
    return app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the HTTP API under gunicorn; creates the store and loads the sites on first start."""
    settings = Settings.from_env()
    app = prepare_store(settings)
    click.echo(f"civicflow: {settings.store.kind} store, {len(app.sites)} sites loaded")
    click.echo(f"civicflow: serving on http://{host}:{port}  (GET /healthz)")
    app.close()
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-"}).run()
