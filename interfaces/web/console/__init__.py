"""/console: the HTML console for people (DESIGN §13), in the same Flask app as the API.

`install_console(app)` sets up what every console blueprint shares: the catalogues (zh-CN by default, English by
choice), CSRF on console requests only (the API and Open311 authenticate by token, not by cookie), the session
cookie, and the HTML error pages. Each console area is a plain `flask.Blueprint` under /console in BLUEPRINTS.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from interfaces.web.console import errors, orders, queue, roster, signin, templating
from interfaces.web.console import audit_pages, dashboard, inspect  # console-B: inspectors, dashboards
from interfaces.web.console.i18n import CONSOLE_PREFIX, DEFAULT_LOCALE, chosen_locale
from interfaces.web.console.session import ConsoleSessions

TRANSLATIONS = Path(__file__).parent / "translations"
BLUEPRINTS = (signin.blp, queue.blp, orders.blp, roster.blp, inspect.blp, audit_pages.blp, dashboard.blp)


def install_console(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = session_key(app)
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None,  # the session's own timeouts apply
                      SESSION_COOKIE_NAME="civicflow_console", SESSION_COOKIE_PATH=CONSOLE_PREFIX,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    app.session_interface = ConsoleSessions()  # Secure when the request came over TLS
    Babel(app, locale_selector=chosen_locale, default_locale=DEFAULT_LOCALE, default_timezone="Asia/Shanghai")
    csrf = CSRFProtect(app)

    @app.before_request
    def protect_console_forms() -> None:
        if request.path.startswith(CONSOLE_PREFIX + "/"):
            csrf.protect()  # every unsafe method: forms and htmx requests alike

    templating.install(app)
    for blueprint in BLUEPRINTS:
        errors.install(blueprint)
        app.register_blueprint(blueprint)


def session_key(app: Flask) -> bytes:
    """Derived from the installation's secret in the key store: every worker and every restart agrees on it."""
    secret = app.extensions["civicflow"].residents.keys.secret()
    return hmac.new(secret, b"civicflow console session cookies", hashlib.sha256).digest()
