"""The console's own pages: sign-in, sign-out, the language switch, the home page, and the vendored assets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.exceptions import NotFound

from application.accounts import InvalidAccountRequest, SignInRefused, SignInThrottled
from interfaces.web.console.i18n import LOCALES
from interfaces.web.console.session import (accounts, current_principal, end_session, person_required, safe_next,
                                            start_session, to_sign_in)

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
                static_url_path="/static")
NAME_LIMIT, PASSWORD_LIMIT = 100, 1000


@blp.get("/")
@person_required()
def home() -> Any:
    principal = current_principal()
    if principal is not None and principal.role == "dispatcher":
        return redirect(url_for("queue.queue_page"))
    return render_template("console/home.html")


@blp.get("/sign-in")
def sign_in() -> Any:
    return render_template("console/sign_in.html", next=safe_next(request.args.get("next")), error=None)


@blp.post("/sign-in")
def sign_in_post() -> Any:
    name = request.form.get("name", "")[:NAME_LIMIT]
    password = request.form.get("password", "")[:PASSWORD_LIMIT]
    target = safe_next(request.form.get("next"))
    try:
        user = accounts().sign_in(name, password, request.remote_addr or "-")
    except SignInThrottled as error:
        return render_template("console/sign_in.html", next=target, error="throttled", until=error.until), 429
    except SignInRefused:
        return render_template("console/sign_in.html", next=target, error="refused", name=name), 401
    start_session(user)
    if user.password_change_due:
        return redirect(url_for("console.change_password", next=target))
    return redirect(target)


@blp.get("/password")
def change_password() -> Any:
    if current_principal() is None:
        return to_sign_in()
    return render_template("console/password.html", next=safe_next(request.args.get("next")), error=None)


@blp.post("/password")
def change_password_post() -> Any:
    principal, target = current_principal(), safe_next(request.form.get("next"))
    if principal is None:
        return to_sign_in()
    current, new = (request.form.get(field, "")[:PASSWORD_LIMIT] for field in ("current", "new"))
    if new != request.form.get("repeat", "")[:PASSWORD_LIMIT]:
        return render_template("console/password.html", next=target, error="mismatch"), 422
    try:
        accounts().change_password(principal.token_id, current, new)
    except InvalidAccountRequest as error:
        return render_template("console/password.html", next=target, error="refused", detail=str(error)), 422
    return redirect(target)


@blp.post("/sign-out")
def sign_out() -> Any:
    principal = current_principal()
    if principal is not None:
        accounts().sign_out(principal.token_id)  # a copy of this cookie kept elsewhere is no longer honoured
    end_session()
    return redirect(url_for("console.sign_in"))


@blp.post("/language")
def choose_language() -> Any:
    locale = request.form.get("locale")
    if locale in LOCALES:
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next")))


@blp.get("/<path:unknown>")
def unknown_page(unknown: str) -> Any:
    raise NotFound()  # answered by the console's 404 page (errors.py), not the API's problem+json
