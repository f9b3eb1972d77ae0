"""zh-CN is the console's default: every message its templates and modules use has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

CONSOLE = Path(__file__).resolve().parents[4] / "interfaces" / "web" / "console"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None}


def used_msgids() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    return {message for _, _, message, _, _ in extract_from_dir(str(CONSOLE), method_map, keywords=KEYWORDS)
            if isinstance(message, str)}


def test_every_console_message_has_a_chinese_translation():
    with (CONSOLE / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        translated = {message.id for message in read_po(po) if message.id and message.string}
    assert sorted(used_msgids() - translated) == []


def test_the_english_catalogue_lists_the_same_messages():
    catalogues = {}
    for locale in ("zh_Hans_CN", "en"):
        with (CONSOLE / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalogues[locale] = {message.id for message in read_po(po) if message.id}
    assert catalogues["zh_Hans_CN"] == catalogues["en"]
