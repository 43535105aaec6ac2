"""/history: every movement of the member's account, newest first, paged with inline buttons.

The page merges the member's own journal with the entries of others that moved its
balances (transfers received, commissions; :mod:`functions.services.members.history`).
Each line says what happened with its details: the counterparty of a transfer, the
operator's reason for an adjustment, package and cash of a purchase, the business date
of a settlement. A button carries only the page position (``hist:<before_seq>:<before_at>``,
or ``hist:new``), never a member id: the page is always read for whoever pressed it.
"""

from __future__ import annotations

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
from bot.views import short_request, when
from functions.rewards.money import AmountError, parse_cents
from functions.services.members import HistoryCursor, HistoryEntry, HistoryPage
from functions.store.records import EntryKind

CALLBACK = re.compile(r"^hist:(?:new|([0-9]{1,12}):([0-9]{1,20}|-))$")
DETAIL_MAX = 120
"""Reasons and notes are cut on the history screen (the journal keeps them whole)."""


def _cents(details: dict[str, Any], name: str) -> int:
    value = details.get(name)
    try:
        return parse_cents(value) if isinstance(value, str) else 0
    except AmountError:
        return 0


def _text(details: dict[str, Any], name: str) -> str:
    value = details.get(name)
    return value[:DETAIL_MAX] if isinstance(value, str) else ""


def title(language: str, entry: HistoryEntry, names: dict[str, str | None]) -> str:
    """What happened, with its details, in one line."""
    kind, details = entry.kind, entry.details
    other = entry.counterparty
    name = (names.get(other) if other else None) or t(language, "someone")
    if kind == EntryKind.TRANSFER:
        return t(
            language, "history.transfer_in" if entry.source else "history.transfer_out", name=name
        )
    if kind == EntryKind.PURCHASE and entry.source:
        return t(language, "history.commission_in", name=name)
    if kind == EntryKind.PURCHASE:
        key = "history.purchase_points" if _cents(details, "points_spent") else "history.purchase"
        return t(
            language,
            key,
            amount=_cents(details, "amount"),
            cash=_cents(details, "cash"),
            points=_cents(details, "points_spent"),
        )
    if kind == EntryKind.SETTLEMENT:
        return t(language, "history.settlement", date=_text(details, "date"))
    if kind == EntryKind.ADJUSTMENT:
        return t(language, "history.adjustment", reason=_text(details, "reason"))
    if kind == EntryKind.REFUND:  # economics (issue 12)
        order = _text(details, "order")
        return t(language, "economics.refund_title", order=order, cash=_cents(details, "cash"))
    request = details.get("request_id")
    if (
        isinstance(kind, EntryKind)
        and kind.value.startswith("withdrawal_")
        and isinstance(request, str)
    ):
        line = t(language, f"history.kind.{kind.value}") + " " + short_request(request)
        reason = _text(details, "reason")
        if kind == EntryKind.WITHDRAWAL_REJECTED and reason:
            line += ": " + reason
        return line
    return t(language, f"history.kind.{kind}") if isinstance(kind, EntryKind) else kind


def _entry(
    language: str,
    entry: HistoryEntry,
    names: dict[str, str | None],
    zone: ZoneInfo,
    operators: bool = False,
) -> str:
    moves = [
        t(language, f"history.{bucket}", points=amount)
        for bucket, amount in (
            ("available", entry.available),
            ("locked", entry.locked),
            ("withdrawing", entry.withdrawing),
            ("commission", entry.commission),
            ("spare", entry.spare),  # issue 13
            ("staked", entry.staked),
        )
        if amount
    ]
    note = _text(entry.details, "note") if entry.kind == EntryKind.TRANSFER else ""
    if note:
        moves.append(t(language, "history.note", note=note))
    operator = _text(entry.details, "operator") if operators and entry.source is None else ""
    if operator:
        moves.append(t(language, "history.by", operator=operator))
    head = t(
        language, "history.entry", when=when(entry.at_us, zone), what=title(language, entry, names)
    )
    return head + ("\n    " + " · ".join(moves) if moves else "")


def entry_lines(
    language: str, page: HistoryPage, zone: ZoneInfo, *, operators: bool = False
) -> list[str]:
    """The page's entries as lines (``operators``: who acted, for /lookup)."""
    return [_entry(language, entry, page.names, zone, operators) for entry in page.entries]


def _cursor_data(cursor: HistoryCursor) -> str:
    at = "-" if cursor.before_at is None else str(cursor.before_at)
    return f"hist:{cursor.before_seq}:{at}"


def render(
    language: str, page: HistoryPage, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.entries:
        return t(language, "history.empty"), None
    lines = [t(language, "history.title"), *entry_lines(language, page, zone)]
    buttons = []
    if not page.first:
        buttons.append(
            InlineKeyboardButton(t(language, "history.newest"), callback_data="hist:new")
        )
    if page.older is not None:
        buttons.append(
            InlineKeyboardButton(
                t(language, "history.older"), callback_data=_cursor_data(page.older)
            )
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
    seq, at = press.match.group(1), press.match.group(2)
    cursor = None if seq is None else HistoryCursor(int(seq), None if at == "-" else int(at))
    page = await call(context, bot.members.history, press.member, cursor=cursor)
    text, markup = render(press.who.language, page, bot.zone)
    await edit(pressed_message(update), text, reply_markup=markup)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("history", history, filters=PRIVATE),
        CallbackQueryHandler(turn_page, pattern=CALLBACK),
    ]
