"""/history: the member's journal, newest first, paged with inline buttons.

A button carries only the page position (``hist:<before_seq>``), never a
member id: the page is always read for whoever pressed it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Context,
    call,
    edit,
    identify,
    pressed,
    pressed_message,
    reply,
    require_member,
    services,
)
from bot.texts import t
from functions.services.members import HistoryEntry, HistoryPage
from functions.store.records import EntryKind

CALLBACK = re.compile(r"^hist:([0-9]{1,12})$")


def _entry(language: str, entry: HistoryEntry, zone: ZoneInfo) -> str:
    when = dt.datetime.fromtimestamp(entry.at_us / 1_000_000, zone).strftime("%Y-%m-%d %H:%M")
    known = isinstance(entry.kind, EntryKind)
    kind = t(language, f"history.kind.{entry.kind}") if known else entry.kind
    moves = [
        t(language, f"history.{bucket}", points=amount)
        for bucket, amount in (
            ("available", entry.available),
            ("locked", entry.locked),
            ("withdrawing", entry.withdrawing),
        )
        if amount
    ]
    head = t(language, "history.entry", seq=entry.seq, when=when, kind=kind)
    return head + ("\n    " + " · ".join(moves) if moves else "")


def render(
    language: str, page: HistoryPage, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.entries:
        return t(language, "history.empty"), None
    lines = [t(language, "history.title")]
    lines += [_entry(language, entry, zone) for entry in page.entries]
    buttons = []
    if page.newer is not None:
        buttons.append(
            InlineKeyboardButton(t(language, "history.newer"), callback_data=f"hist:{page.newer}")
        )
    if page.older is not None:
        buttons.append(
            InlineKeyboardButton(t(language, "history.older"), callback_data=f"hist:{page.older}")
        )
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


async def history(update: Update, context: Context) -> None:
    """Send the newest page."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    bot = services(context)
    page = await call(context, bot.members.history, member)
    text, markup = render(who.language, page, bot.zone)
    await reply(update, text, reply_markup=markup)


async def turn_page(update: Update, context: Context) -> None:
    """Replace the shown page with the requested one."""
    press = await pressed(update, await identify(update, context), CALLBACK, member=True)
    if press is None:
        return
    await press.query.answer()
    bot = services(context)
    before = int(press.match.group(1))
    page = await call(context, bot.members.history, press.member, before_seq=before)
    text, markup = render(press.who.language, page, bot.zone)
    await edit(pressed_message(update), text, reply_markup=markup)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("history", history, filters=PRIVATE),
        CallbackQueryHandler(turn_page, pattern=CALLBACK),
    ]
