"""The members' persistent menu: a reply keyboard of the main screens, in their language.

A press sends the button's label as text; :mod:`bot.handlers.menu` recognises the labels
of every language (a member may switch language while an old keyboard is shown).
"""

from __future__ import annotations

from typing import Final

from telegram import ReplyKeyboardMarkup

from bot.texts import LANGUAGES, t

ROWS: Final = (
    ("balance", "history", "team"),
    ("shop", "withdraw", "transfer"),
    ("invite", "rules", "help"),
    ("programs",),  # issue 13: lottery, staking, catalog
)
SCREENS: Final = tuple(name for row in ROWS for name in row)
LABELS: Final[dict[str, str]] = {
    t(language, f"menu.{name}"): name for language in LANGUAGES for name in SCREENS
}
"""Every button label, in every language, to the screen it opens."""


def keyboard(language: str) -> ReplyKeyboardMarkup:
    """The menu, kept open under the input field."""
    return ReplyKeyboardMarkup(
        [[t(language, f"menu.{name}") for name in row] for row in ROWS],
        resize_keyboard=True,
        is_persistent=True,
    )
