"""/gift: give locked points — one whole grant record — to another member (economics,
issue 12; seed 000 积分支持转赠并同步释放数据).

``/gift CODE`` (an invite code, an invite link or an @username, as /transfer takes them)
previews the sender's oldest locked grant — its remaining points and daily release — and
asks for confirmation; the confirm button carries the recipient (``gf:ok:<member>``) and
the gift's idempotency key is the preview message, so a double tap gives once. The
recipient's releases go on as the sender's would have; the recipient is told once.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Context,
    call,
    confirmed,
    edit,
    identify,
    message_key,
    rejection,
    reply,
    require_member,
    services,
    tell,
)
from bot.handlers.transfer import CALLBACK_DATA_MAX, _resolve
from bot.texts import t
from bot.views import name_of
from functions.rewards.errors import Rejected
from functions.rewards.events import GiftLocked

CALLBACK = re.compile(r"^gf:(?:ok:([A-Za-z0-9_-]{1,40})|no)$")


async def gift(update: Update, context: Context) -> None:
    """Preview giving the oldest locked grant to the member ``/gift CODE`` names."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    args = context.args or []
    if len(args) != 1:
        await reply(update, t(who.language, "economics.gift_usage"))
        return
    recipient = await _resolve(context, args[0])
    if recipient is None:
        await reply(update, t(who.language, "transfer.unknown_recipient"))
        return
    if recipient.member == member.member:
        await reply(update, t(who.language, "transfer.self"))
        return
    if member.frozen:
        await reply(update, t(who.language, "reject.frozen"))
        return
    if member.debt:
        await reply(update, t(who.language, "reject.in_debt"))
        return
    if not member.grants:
        await reply(update, t(who.language, "economics.gift_none"))
        return
    data = f"gf:ok:{recipient.member}"
    if len(data.encode()) > CALLBACK_DATA_MAX or not CALLBACK.match(data):
        await reply(update, t(who.language, "transfer.unknown_recipient"))
        return
    oldest = member.grants[0]
    text = t(
        who.language,
        "economics.gift_preview",
        points=oldest.remaining,
        daily=oldest.daily,
        name=name_of(who.language, recipient),
    )
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(who.language, "button.confirm"), callback_data=data),
                InlineKeyboardButton(t(who.language, "button.cancel"), callback_data="gf:no"),
            ]
        ]
    )
    await reply(update, text, reply_markup=buttons)


async def confirm(update: Update, context: Context) -> None:
    """Give the grant (once per preview message); tell the recipient."""
    press = await confirmed(update, context, CALLBACK, "economics.gift_cancelled")
    if press is None:
        return
    language, members = press.who.language, services(context).members
    key = message_key("gf", press.message)
    event = GiftLocked(press.member.member, press.match.group(1))
    try:
        result = await call(context, members.ledger.gift_locked, event, key)
    except Rejected as error:
        await edit(press.message, rejection(language, error))
        return
    recipient = await call(context, members.store.get_member, result.recipient)
    name = name_of(language, recipient)
    await edit(press.message, t(language, "economics.gift_done", points=result.points, name=name))
    sender = name_of("en", press.member, press.who.user.full_name)
    await tell(
        context,
        recipient,
        f"gift:{key}",
        lambda told: t(told, "economics.gift_received", points=result.points, name=sender),
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("gift", gift, filters=PRIVATE),
        CallbackQueryHandler(confirm, pattern=CALLBACK),
    ]
