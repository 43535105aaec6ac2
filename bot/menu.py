"""The members' persistent menu: a reply keyboard of the main screens, in their language.

A press sends the button's label as text; :mod:`bot.handlers.menu` recognises the labels
of every language (a member may switch language while an old keyboard is shown).
"""

from __future__ import annotations

from typing import Final

from telegram import ReplyKeyboardMarkup

from bot.context import Context, services
from bot.texts import LANGUAGES, t

ROWS: Final = (
    ("balance", "history", "team"),
    ("shop", "withdraw", "transfer"),
    ("invite", "rules", "help"),
)
PROGRAMS_ROW: Final = ("programs",)
"""Issue 13: shown below the others while today's plan runs a lottery, staking or a catalog."""
SCREENS: Final = tuple(name for row in (*ROWS, PROGRAMS_ROW) for name in row)
LABELS: Final[dict[str, str]] = {
    t(language, f"menu.{name}"): name for language in LANGUAGES for name in SCREENS
}
"""Every button label, in every language, to the screen it opens."""


def keyboard(language: str, *, programs: bool = False) -> ReplyKeyboardMarkup:
    """The menu, kept open under the input field (with ``programs``, their button too)."""
    rows = (*ROWS, PROGRAMS_ROW) if programs else ROWS
    return ReplyKeyboardMarkup(
        [[t(language, f"menu.{name}") for name in row] for row in rows],
        resize_keyboard=True,
        is_persistent=True,
    )


def offers_programs(context: Context) -> bool:
    """Whether today's plan runs a program the member menu opens (issue 13)."""
    plan = services(context).members.plan
    return any(section is not None for section in (plan.lottery, plan.staking, plan.catalog))
