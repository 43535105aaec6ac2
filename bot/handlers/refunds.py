"""Operators refund an order (economics, issue 12): ``/refund <order id>``.

Only allow-listed operators (the same check as the other operator commands). The refund
is keyed by the Telegram update, so a redelivered update replays its first result; the
order is refunded at most once whatever the key (``already_refunded``). The operator
reads what was taken back; the member is told once, with any debt the refund left.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, call, rejection, reply, services, tell, update_key
from bot.handlers.operators import operator_only
from bot.texts import t
from functions.rewards.errors import Rejected
from functions.services.ledger.refunds import RefundResult

ORDER_MAX = 200
"""Longer arguments are not order ids (merchant orders are ``<merchant>:<id>``)."""


def told(language: str, result: RefundResult) -> str:
    """What the member reads: the refund, and the debt it left if any."""
    text = t(language, "economics.refund_title", order=result.order, cash=result.cash)
    if result.debt:
        text += "\n" + t(language, "economics.debt", points=result.debt)
    return text


async def refund(update: Update, context: Context) -> None:
    """Refund one whole order by its id (clawback, debt, commission taken back)."""
    who = await operator_only(update, context)
    if who is None:
        return
    args = context.args or []
    if len(args) != 1 or len(args[0]) > ORDER_MAX:
        await reply(update, t(who.language, "economics.refund_usage"))
        return
    ledger = services(context).members.ledger
    try:
        result = await call(context, ledger.refund, args[0], update_key(update), by=who.operator)
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    await reply(
        update,
        t(
            who.language,
            "economics.refunded",
            order=result.order,
            member=result.member,
            points=result.points_returned,
            clawed=result.clawed_back,
            debt=result.debt,
        ),
    )
    member = await call(context, ledger.store.get_member, result.member)
    await tell(context, member, f"refund:{result.order}", lambda language: told(language, result))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("refund", refund, filters=PRIVATE)]
