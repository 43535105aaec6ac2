"""The web's catalogs: its own strings per language, the bot's language resolution.

Which languages exist is the bot's decision (:data:`bot.texts.LANGUAGES`, resolved by
:func:`bot.texts.language_for`); the web offers each of them for which it has a
catalog here, so a language the bot adds appears on the web with its catalog
(``tests/unit/test_web_texts.py`` fails while one is missing). Rejections reuse the
bot's ``reject.<code>`` texts, so a refusal reads the same in chat and on a page.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Final

from bot import texts as bot_texts

from .texts import en, zh, zh_hant

CATALOGS: Final[Mapping[str, Mapping[str, str]]] = {
    "zh": zh.MESSAGES,
    "en": en.MESSAGES,
    "zh-hant": zh_hant.MESSAGES,
}
LANGUAGES: Final = tuple(code for code in bot_texts.LANGUAGES if code in CATALOGS)
DEFAULT_LANGUAGE: Final = bot_texts.DEFAULT_LANGUAGE
HTML_LANG: Final = {"zh": "zh-Hans", "en": "en", "zh-hant": "zh-Hant"}
"""BCP 47 tags for ``<html lang>``: screen readers and CJK font choice depend on it."""
LANGUAGE_NAMES: Final = {"zh": "简体中文", "en": "English", "zh-hant": "繁體中文"}


def offered(code: str | None) -> str | None:
    """``code`` if the web offers it (a catalog here and a language of the bot)."""
    return code if code in LANGUAGES else None


def resolve(*choices: str | None) -> str:
    """The first choice the web offers; tags (``zh-TW``, ``en-US``) go through the bot's
    resolver. The default when none is given."""
    for choice in choices:
        if not choice:
            continue
        found = offered(choice) or offered(bot_texts.language_for(choice, default=""))
        if found:
            return found
    return DEFAULT_LANGUAGE


def accept_language(header: str | None) -> str | None:
    """The first tag of an ``Accept-Language`` header (quality order is good enough)."""
    if not header:
        return None
    first = header.split(",")[0].split(";")[0].strip()
    return first or None


def money(cents: int) -> str:
    """``1234567`` → ``12,345.67``: exact, from integers, with thousands separators."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise TypeError(f"an amount is given in cents (int), not {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{fraction:02d}"


class _Formatter(string.Formatter):
    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec == "money":
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError("an amount is given in cents (int)")
            return money(value)
        return str(super().format_field(value, format_spec))


_FORMATTER: Final = _Formatter()


def t(language: str, key: str, /, **values: object) -> str:
    """The web message ``key`` in ``language`` (English when this catalog lacks it)."""
    catalog = CATALOGS.get(language) or CATALOGS[DEFAULT_LANGUAGE]
    template = catalog.get(key) or CATALOGS["en"][key]
    return _FORMATTER.format(template, **values) if values else template


def rejection(language: str, code: str, message: str) -> str:
    """A refusal as the bot words it (``reject.<code>``), else the rule's own message."""
    catalogs = bot_texts.CATALOGS
    key = f"reject.{code}"
    if any(key in catalog for catalog in catalogs.values()):
        return bot_texts.t(language, key)
    return message


def entry_kind(language: str, kind: str) -> str:
    """A journal entry's kind as the bot's history names it (the stored text if unknown)."""
    key = f"history.kind.{kind}"
    if any(key in catalog for catalog in bot_texts.CATALOGS.values()):
        return bot_texts.t(language, key)
    return kind
