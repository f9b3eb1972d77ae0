"""Errors on console pages, for people: the API's problem (the same status and text, from problems.py) shown as
an HTML page, or — for an htmx request — as a fragment swapped into the page's `#console-problem` region."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, json, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from interfaces.web.problems import from_application_error, from_http_exception

PROBLEM_REGION = "#console-problem"


def install(blueprint: Blueprint) -> None:
    """Console blueprints answer every error with a page (or a fragment), never problem+json. Blueprints live as
    long as the process and each app registers them again: their handlers are set once, before the first."""
    if blueprint.error_handler_spec[None][None].get(HTTPException) is not None:
        return
    blueprint.register_error_handler(CSRFError, csrf_refused)
    blueprint.register_error_handler(HTTPException, http_error)
    blueprint.register_error_handler(Exception, application_error)


def csrf_refused(error: CSRFError) -> Any:
    return problem_response(400, "csrf", error.description)


def http_error(error: HTTPException) -> Any:
    return from_problem(from_http_exception(error))


def application_error(error: Exception) -> Any:
    return from_problem(from_application_error(error))  # unexpected errors are logged there, and answer 500


def from_problem(problem: Response) -> Any:
    body = json.loads(problem.get_data())
    response = problem_response(problem.status_code, body["type"].rsplit("/", 1)[-1], body["detail"])
    for name in ("Retry-After", "Allow"):
        if name in problem.headers:
            response.headers[name] = problem.headers[name]
    return response


def problem_response(status: int, slug: str, detail: str) -> Response:
    if request.headers.get("HX-Request"):
        html = render_template("console/_problem.html", status=status, slug=slug, detail=detail)
        response = Response(html, status=status, mimetype="text/html")
        response.headers.update({"HX-Retarget": PROBLEM_REGION, "HX-Reswap": "innerHTML"})
        return response
    html = render_template("console/problem.html", status=status, slug=slug, detail=detail)
    return Response(html, status=status, mimetype="text/html")
