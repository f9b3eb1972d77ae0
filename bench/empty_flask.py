"""The HTTP baseline: an empty Flask endpoint, served by gunicorn exactly like `civicflow serve`.

Run: python -m bench.empty_flask --port P --workers N   (gunicorn with `civicflow serve`'s own options)
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask("empty")

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.post("/api/v1/orders", defaults={"rest": ""})
    @app.post("/api/v1/orders/<path:rest>")
    def empty(rest: str) -> Any:
        request.get_json(silent=True)  # read the body, as a real endpoint must
        return jsonify({}), 201 if not rest else 200

    return app


def main() -> None:
    from interfaces.cli.serve import Gunicorn, gunicorn_options

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    args = parser.parse_args()
    Gunicorn(gunicorn_options(args.host, args.port, args.workers), create_app).run()


if __name__ == "__main__":
    main()
