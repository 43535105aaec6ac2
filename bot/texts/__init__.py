"""Message catalogs: every user-facing string of the bot, in Simplified and Traditional
Chinese and English.

Handlers name a message by key and pass values; :func:`t` picks the member's
language. Every catalog must hold the same keys with the same placeholders
(``tests/unit/test_bot_texts.py`` checks). Texts are plain (no parse mode),
so names and codes members type can never break formatting.

Amounts reach the texts as integer cents and are formatted here, at the edge, as
people read them: a placeholder ``{points:money}`` shows ``5100000`` as
``51,000.00``, and ``{points:+money}`` also marks a positive change (``+123.45``).
Anything but an ``int`` there is a :class:`TypeError`, so a pre-formatted string
cannot slip in.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Final

from . import en, zh, zh_hant

LANGUAGES: Final = ("zh", "zh-hant", "en")
DEFAULT_LANGUAGE: Final = "zh"
CATALOGS: Final[Mapping[str, Mapping[str, str]]] = {
    "zh": zh.MESSAGES,
    "zh-hant": zh_hant.MESSAGES,
    "en": en.MESSAGES,
}
TRADITIONAL_TAGS: Final = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
"""Language tags (and their prefixes) served the Traditional Chinese catalog."""
COMMAND_MENU_LANGUAGES: Final = ("zh", "en")
"""Telegram's command menus take two-letter language codes only."""
TELEGRAM_TEXT_MAX: Final = 4096
"""Telegram's limit on a message, counted in UTF-16 code units."""


def language_for(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Our language for a language tag: ``zh-hant``/``zh-tw``/``zh-hk``/``zh-mo`` →
    Traditional Chinese, other ``zh…`` → Simplified, any other → English, none → default.

    The one resolver, for Telegram's ``language_code`` and a member's stored language
    alike (the notification sender passes its configured default).
    """
    if not code:
        return default
    code = code.strip().lower().replace("_", "-")
    if code.startswith(TRADITIONAL_TAGS):
        return "zh-hant"
    if code.startswith("zh"):
        return "zh"
    return "en" if code else default


def supported(language: str | None) -> str | None:
    return language if language in CATALOGS else None


class _Formatter(string.Formatter):
    """``str.format`` plus the ``money`` and ``+money`` specs for amounts in cents."""

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec not in MONEY_SPECS:
            return str(super().format_field(value, format_spec))
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"an amount is given in cents (int), not {type(value).__name__}")
        sign = "+" if format_spec == "+money" and value > 0 else ""
        return sign + grouped(value)


def grouped(cents: int) -> str:
    """Hundredths as a decimal with thousands separators: ``-123456789`` → ``-1,234,567.89``."""
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}.{fraction:02d}"


MONEY_SPECS: Final = frozenset({"money", "+money"})
_FORMATTER: Final = _Formatter()


def t(language: str, key: str, /, **values: object) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in (amounts in cents)."""
    catalog = CATALOGS.get(language) or CATALOGS[DEFAULT_LANGUAGE]
    template = catalog.get(key)
    if template is None:
        template = CATALOGS["en"][key]
    return _FORMATTER.format(template, **values) if values else template


def known(language: str, key: str) -> str | None:
    """The message ``key`` if the catalogs have it (plan-defined names may not be)."""
    catalog = CATALOGS.get(language) or CATALOGS[DEFAULT_LANGUAGE]
    return catalog.get(key, CATALOGS["en"].get(key))


def all_texts(key: str) -> tuple[str, ...]:
    """``key`` in every language (recognising our own prompts in replies)."""
    return tuple(catalog[key] for catalog in CATALOGS.values())


def clip(text: str, limit: int = TELEGRAM_TEXT_MAX) -> str:
    """``text`` cut to ``limit`` UTF-16 code units (Telegram's measure), marked with …."""
    if len(text) <= limit // 2 or len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit - 1:
            return text[:index] + "…"
    return text
