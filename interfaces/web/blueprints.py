"""Blueprints of /api/v1: every request authenticated first, every operation's roles checked and documented."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import flask
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from interfaces.web.auth import allow, authenticate
from interfaces.web.json_body import parse_json_body

API_PREFIX = "/api/v1"


class StrictParser(FlaskParser):
    """Unknown query parameters are rejected like unknown body fields (422), not silently ignored."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def _raw_load_json(self, req: flask.Request) -> Any:
        """Bodies are parsed strictly (json_body.py), not by webargs' plain json.loads; an empty body is
        missing, as webargs has it."""
        data = req.get_data(cache=True) if is_json_request(req) else b""
        return parse_json_body(data) if data else core.missing


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Each schema is built once: webargs builds a schema given as a class anew on every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def roles(self, *names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Who may call the operation: checked before the body is read, listed in the OpenAPI operation."""

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def checked(*args: Any, **kwargs: Any) -> Any:
                allow(*names)
                return view(*args, **kwargs)

            summary, _, rest = (view.__doc__ or view.__name__).strip().partition("\n")
            checked.__doc__ = f"{summary}\n\n{rest.strip()}\n\nRoles: {', '.join(names)}.".replace("\n\n\n", "\n\n")
            return self.doc(**{"x-roles": list(names)})(checked)

        return decorator


def api_blueprint(name: str, path: str, description: str) -> ApiBlueprint:
    blueprint = ApiBlueprint(name, f"interfaces.web.{name}", url_prefix=API_PREFIX + path, description=description)
    blueprint.before_request(_authenticate)
    return blueprint


def _authenticate() -> None:
    authenticate()  # returns nothing: a value returned here would become the response
