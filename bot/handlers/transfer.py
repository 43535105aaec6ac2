"""/transfer <invite code> <points>: send available points to another member, confirmed.

The preview names the recipient; its confirm button carries recipient and
amount (``tr:ok:<member>:<hundredths>``), and the transfer's idempotency key is
the preview message, so a double tap or a redelivery moves points once.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Confirmed,
    Context,
    call,
    carry_out,
    identify,
    reply,
    require_member,
    services,
)
from bot.texts import t
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import Members, parse_points, valid_invite_code
from functions.services.results import TransferResult

CALLBACK = re.compile(r"^tr:(?:ok:([A-Za-z0-9_-]{1,40}):([0-9]{1,17})|no)$")
CALLBACK_DATA_MAX = 64
MAX_INPUT = 32


async def transfer(update: Update, context: Context) -> None:
    """Check recipient and amount, then ask for confirmation."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    args = context.args or []
    if len(args) != 2 or not valid_invite_code(args[0]):
        await reply(update, t(who.language, "transfer.usage"))
        return
    members = services(context).members
    try:
        if len(args[1]) > MAX_INPUT:
            raise Rejected(RejectCode.INVALID_AMOUNT, "too long")
        points = parse_points(args[1])
    except Rejected:
        await reply(update, t(who.language, "transfer.not_amount"))
        return
    recipient = await call(context, members.by_invite_code, args[0])
    if recipient is None:
        await reply(update, t(who.language, "transfer.unknown_code"))
        return
    if recipient.member == member.member:
        await reply(update, t(who.language, "transfer.self"))
        return
    data = f"tr:ok:{recipient.member}:{points}"
    if len(data.encode()) > CALLBACK_DATA_MAX or not CALLBACK.match(data):
        await reply(update, t(who.language, "transfer.unknown_code"))
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(who.language, "button.confirm"), callback_data=data),
                InlineKeyboardButton(t(who.language, "button.cancel"), callback_data="tr:no"),
            ]
        ]
    )
    preview = t(
        who.language,
        "transfer.preview",
        points=points,
        name=recipient.display_name or t(who.language, "someone"),
        code=args[0],
    )
    await reply(update, preview, reply_markup=buttons)


def _transfer(members: Members, pressed: Confirmed, key: str) -> TransferResult:
    recipient, points = pressed.match.group(1), int(pressed.match.group(2))
    return members.transfer(pressed.member, recipient, points, key)


def _done(language: str, result: TransferResult) -> str:
    return t(language, "transfer.done", points=result.points)


async def confirm(update: Update, context: Context) -> None:
    """Move the points shown in the preview (once per preview message)."""
    await carry_out(update, context, CALLBACK, "transfer.cancelled", "tr", _transfer, _done)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("transfer", transfer, filters=PRIVATE),
        CallbackQueryHandler(confirm, pattern=CALLBACK),
    ]
