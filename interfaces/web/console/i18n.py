"""The console's languages: zh-CN by default, English by choice (kept in the session)."""

from __future__ import annotations

from flask import request, session

CONSOLE_PREFIX = "/console"
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def chosen_locale() -> str:
    locale = session.get("locale") if request.path.startswith(CONSOLE_PREFIX) else None
    return locale if locale in LOCALES else DEFAULT_LOCALE
