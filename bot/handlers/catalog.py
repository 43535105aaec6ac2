"""/catalog: the redemption catalog (issue 13, seed 002 权益兑换), and its operator commands.

Members see the items in stock, one button each; a press previews the redemption
(spare points pay first) with a confirm button whose preview message is the event's
idempotency key; the answer carries the voucher code. Operators list items
(``/list_item``), see the latest redemptions (``/redemptions [ITEM]``) and set roles
(``/promote MEMBER ROLE``, seed 003).
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
    pressed,
    rejection,
    reply,
    require_member,
    services,
    update_key,
)
from bot.handlers.operators import operator_only, target_member
from bot.texts import clip, t
from functions.rewards.errors import Rejected
from functions.rewards.roles import ROLES
from functions.services.members import Members, parse_points
from functions.services.programs import RedeemResult
from functions.services.programs.screens import CatalogView, catalog_view

ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
"""Item ids operators may give: they travel in callback data (64 bytes at most)."""
CHOOSE = re.compile(r"^cg:item:([A-Za-z0-9_-]{1,40})$")
REDEEM = re.compile(r"^cg:(?:ok:([A-Za-z0-9_-]{1,40})|no)$")
NAME_MAX = 60
REDEMPTIONS_SHOWN = 20


def render(language: str, view: CatalogView) -> str:
    lines = [t(language, "catalog.title", spare=view.spare, available=view.available)]
    lines += [
        t(language, "catalog.item", name=item.name, price=item.price, stock=item.stock)
        for item in view.items
    ]
    if not view.items:
        lines.append(t(language, "catalog.empty"))
    return "\n".join(lines)


async def catalog(update: Update, context: Context) -> None:
    """The items in stock and what the member can spend; one button per item."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    view = await call(context, catalog_view, services(context).members.ledger, member)
    if view is None:
        await reply(update, t(who.language, "reject.program_off"))
        return
    rows = [
        [
            InlineKeyboardButton(
                t(who.language, "catalog.button", name=item.name, price=item.price),
                callback_data=f"cg:item:{item.item}",
            )
        ]
        for item in view.items
        if ITEM_ID.match(item.item)
    ]
    markup = InlineKeyboardMarkup(rows) if rows else None
    await reply(update, render(who.language, view), reply_markup=markup)


async def choose(update: Update, context: Context) -> None:
    """An item's button: the redemption's preview with its price."""
    press = await pressed(update, await identify(update, context), CHOOSE, member=True)
    if press is None:
        return
    await press.query.answer()
    language = press.who.language
    item = await call(context, services(context).members.store.catalog_item, press.match.group(1))
    if item is None:
        await reply(update, t(language, "reject.unknown_item"))
        return
    text = t(language, "catalog.preview", name=item.name, price=item.price)
    confirm = InlineKeyboardButton(
        t(language, "button.confirm"), callback_data=f"cg:ok:{item.item}"
    )
    cancel = InlineKeyboardButton(t(language, "button.cancel"), callback_data="cg:no")
    await reply(update, text, reply_markup=InlineKeyboardMarkup([[confirm, cancel]]))


def _redeem(members: Members, pressed_: Confirmed, key: str) -> RedeemResult:
    return members.ledger.redeem(pressed_.member.member, pressed_.match.group(1), key)


def _redeemed(language: str, result: RedeemResult) -> str:
    return t(language, "catalog.redeemed", name=result.name, price=result.price, code=result.code)


async def redeem(update: Update, context: Context) -> None:
    await carry_out(update, context, REDEEM, "catalog.cancelled", "redeem", _redeem, _redeemed)


# -- operators ------------------------------------------------------------------------


async def list_item(update: Update, context: Context) -> None:
    """``/list_item ITEM PRICE STOCK LIMIT NAME``: list or restock an item."""
    who = await operator_only(update, context)
    if who is None:
        return
    args = context.args or []
    name = " ".join(args[4:]).strip()[:NAME_MAX]
    numbers = args[2:4] if len(args) >= 4 else []
    if len(args) < 5 or not ITEM_ID.match(args[0]) or not all(n.isdigit() for n in numbers):
        await reply(update, t(who.language, "catalog.list_usage"))
        return
    try:
        price = parse_points(args[1]) if len(args[1]) <= 32 else None
    except Rejected:
        price = None
    stock, limit = (int(n) for n in numbers)
    if price is None or stock > 10**9 or limit > 10**9:
        await reply(update, t(who.language, "catalog.list_usage"))
        return
    ledger = services(context).members.ledger
    try:
        item = await call(context, ledger.list_item, args[0], name, price, stock, limit=limit)
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    await reply(
        update,
        t(
            who.language,
            "catalog.listed",
            item=item.item,
            name=item.name,
            price=item.price,
            stock=item.stock,
        ),
    )


async def redemptions(update: Update, context: Context) -> None:
    """``/redemptions [ITEM]``: the latest redemptions, newest first, with their codes."""
    who = await operator_only(update, context)
    if who is None:
        return
    args = context.args or []
    item = args[0] if args and ITEM_ID.match(args[0]) else None
    store = services(context).members.store
    rows = await call(context, store.redemptions, item, REDEMPTIONS_SHOWN)
    if not rows:
        await reply(update, t(who.language, "catalog.no_redemptions"))
        return
    lines = [t(who.language, "catalog.redemptions_title")]
    lines += [
        t(
            who.language,
            "catalog.redemption",
            item=row.item,
            number=row.number,
            member=row.member,
            price=row.price,
            code=row.code,
        )
        for row in rows
    ]
    await reply(update, clip("\n".join(lines)))


async def promote(update: Update, context: Context) -> None:
    """``/promote MEMBER ROLE``: set a member's role (member, promoter, partner)."""
    who = await operator_only(update, context)
    if who is None:
        return
    args = context.args or []
    if len(args) != 2 or args[1] not in ROLES:
        await reply(update, t(who.language, "roles.promote_usage"))
        return
    member = await target_member(update, context, who, args[0])
    if member is None:
        return
    ledger = services(context).members.ledger
    try:
        await call(
            context,
            ledger.promote,
            member.member,
            args[1],
            update_key(update),
            operator=who.operator,
        )
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    role = t(who.language, f"roles.{args[1]}")
    await reply(update, t(who.language, "roles.promoted", member=member.member, role=role))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("catalog", catalog, filters=PRIVATE),
        CallbackQueryHandler(choose, pattern=CHOOSE),
        CallbackQueryHandler(redeem, pattern=REDEEM),
        CommandHandler("list_item", list_item, filters=PRIVATE),
        CommandHandler("redemptions", redemptions, filters=PRIVATE),
        CommandHandler("promote", promote, filters=PRIVATE),
    ]
