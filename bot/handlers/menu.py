"""The menu keyboard's buttons: each label (in any language) opens its screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import PRIVATE, Context
from bot.handlers import (
    balance,
    history,
    invite,
    programs,
    rules,
    shop,
    start,
    team,
    transfer,
    withdraw,
)
from bot.menu import LABELS

SCREENS: dict[str, Callable[[Update, Context], Awaitable[object]]] = {
    "balance": balance.balance,
    "history": history.history,
    "team": team.team,
    "invite": invite.invite,
    "shop": shop.shop,
    "withdraw": withdraw.begin,
    "transfer": transfer.transfer,
    "rules": rules.rules,
    "help": start.help_command,
    "programs": programs.programs,  # issue 13
}


class _MenuLabel(filters.MessageFilter):
    """A text that is one of the menu's labels."""

    def filter(self, message: Message) -> bool:
        return message.text in LABELS


MENU_LABEL = _MenuLabel(name="menu_label")


async def open_screen(update: Update, context: Context) -> None:
    """Open the screen the pressed label names (as its command without arguments)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    context.args = []
    await SCREENS[LABELS[message.text]](update, context)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [MessageHandler(PRIVATE & filters.TEXT & MENU_LABEL, open_screen)]
