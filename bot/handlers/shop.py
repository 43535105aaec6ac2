"""/shop: the plan's packages through Telegram Payments, optionally part-paid with points.

The listing shows, for each package, the exact grant of paying it in cash and of the
points split offered, decided by the engine (:meth:`Members.quote`): tiers apply to
the cash, and each package is a tier's minimum, so a split puts the cash below the
package's tier: the listing, the button and the invoice say so plainly, with the exact
grant, before the member pays (RULES.md §3 is unchanged). A button
carries package and points (``shop:<amount>:<points>``); the invoice says the grant
again. The invoice payload ``buy:<amount>:<points>`` (hundredths) names the package
and the points offered; pre-checkout checks it against the catalogue and the
member's state *now*, and the successful payment becomes one purchase whose
order id and idempotency key are Telegram's charge id, so a repeated payment
message never grants twice. The "payment received" message is a notice keyed
by the charge id too (:func:`~bot.context.notify_once`): sent once, even when
the update is processed again after a crash that followed the purchase.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.context import (
    CURRENCY,
    LOGGER,
    PRIVATE,
    Context,
    call,
    identify,
    notify_once,
    pressed,
    rejection,
    reply,
    request_retry,
    require_member,
    services,
)
from bot.texts import t
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import Offer, Quote

CALLBACK = re.compile(r"^shop:([0-9]{1,17}):([0-9]{1,17})$")
PAYLOAD = re.compile(r"^buy:([0-9]{1,17}):([0-9]{1,17})$")
INVOICE_TITLE_MAX = 32
INVOICE_DESCRIPTION_MAX = 255


def _split_line(language: str, split: Quote) -> str:
    if split.drops_tier:
        return t(
            language,
            "shop.split_drops",
            points=split.points,
            cash=split.cash,
            granted=split.granted,
            minimum=split.cash_tier_min or 0,
        )
    return t(language, "shop.split", points=split.points, cash=split.cash, granted=split.granted)


def _buttons(language: str, offer: Offer) -> list[list[InlineKeyboardButton]]:
    package = offer.package
    label = t(language, "shop.buy_button", amount=package.amount, points=package.points)
    rows = [[InlineKeyboardButton(label, callback_data=f"shop:{package.amount}:0")]]
    split = offer.split
    if split is not None:
        key = "shop.split_button_drops" if split.drops_tier else "shop.split_button"
        label = t(language, key, amount=package.amount, points=split.points, granted=split.granted)
        data = f"shop:{package.amount}:{split.points}"
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return rows


async def shop(update: Update, context: Context) -> None:
    """List the packages with the grant each gives, cash only and with the points offered."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    members = services(context).members
    offers = await call(context, members.offers, member)
    if not offers:
        await reply(update, t(who.language, "shop.empty"))
        return
    rows: list[list[InlineKeyboardButton]] = []
    lines = [t(who.language, "shop.title")]
    for offer in offers:
        package = offer.package
        rows += _buttons(who.language, offer)
        lines.append(t(who.language, "shop.package", amount=package.amount, points=package.points))
        if offer.split is not None:
            lines.append(_split_line(who.language, offer.split))
    if members.plan.deduction is not None:
        lines.append(t(who.language, "shop.deduction_note"))
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def choose(update: Update, context: Context) -> None:
    """Send the invoice for the chosen package and split, saying the exact grant first."""
    press = await pressed(update, await identify(update, context), CALLBACK, member=True)
    if press is None:
        return
    who, query, match, member = press.who, press.query, press.match, press.member
    bot = services(context)
    if not bot.provider_token:
        await query.answer(t(who.language, "shop.unavailable"), show_alert=True)
        return
    amount, points = int(match.group(1)), int(match.group(2))
    try:
        package = bot.members.package(amount)
        if points > bot.members.deduction_for(member, package.amount):
            raise Rejected(RejectCode.INSUFFICIENT_POINTS, "the points are no longer there")
        quote = await call(context, bot.members.quote, member, package.amount, points)
    except Rejected:
        await query.answer(t(who.language, "button.expired"), show_alert=True)
        return
    await query.answer()
    if quote.drops_tier:
        key = "shop.invoice_drops"
    else:
        key = "shop.invoice_points" if quote.points else "shop.invoice_cash"
    description = t(
        who.language,
        key,
        amount=quote.amount,
        points=quote.points,
        cash=quote.cash,
        granted=quote.granted,
        full=quote.cash_granted,
        minimum=quote.cash_tier_min or 0,
    )
    await context.bot.send_invoice(
        chat_id=who.user.id,
        title=t(who.language, "shop.invoice_title", amount=package.amount)[:INVOICE_TITLE_MAX],
        description=description[:INVOICE_DESCRIPTION_MAX],
        payload=f"buy:{package.amount}:{quote.points}",
        provider_token=bot.provider_token,
        currency=CURRENCY,
        prices=[LabeledPrice(t(who.language, "shop.price_label"), quote.cash)],
    )


async def pre_checkout(update: Update, context: Context) -> None:
    """Approve the payment only if package, amount and member state still allow it."""
    query = update.pre_checkout_query
    who = await identify(update, context)
    if query is None or who is None:
        return
    match = PAYLOAD.match(query.invoice_payload)
    error: str | None = None
    if match is None or query.currency != CURRENCY:
        error = t(who.language, "shop.invoice_invalid")
    else:
        amount, points = int(match.group(1)), int(match.group(2))
        try:
            await call(
                context,
                services(context).members.check_order,
                who.member,
                amount,
                points,
                query.total_amount,
            )
        except Rejected as refused:
            error = rejection(who.language, refused)
    await query.answer(ok=error is None, error_message=error)


async def paid(update: Update, context: Context) -> None:
    """Record the purchase (once per charge id) and tell the member what it granted."""
    who = await identify(update, context)
    message = update.effective_message
    if who is None or message is None or message.successful_payment is None:
        return
    payment = message.successful_payment
    match = PAYLOAD.match(payment.invoice_payload)
    amount, points = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if (
        match is None
        or who.member is None
        or payment.currency != CURRENCY
        or payment.total_amount != amount - points
    ):
        LOGGER.error("payment %s cannot be matched to a package or member", payment.to_dict())
        await reply(update, t(who.language, "shop.payment_unmatched"))
        return
    try:
        outcome = await call(
            context,
            services(context).members.pay,
            who.member,
            amount,
            points,
            payment.telegram_payment_charge_id,
        )
    except Exception as error:
        # The money is taken: unless the rules refused for good, have Telegram redeliver
        # the update (the charge id keeps the retry from granting twice).
        if not isinstance(error, Rejected) or error.code is RejectCode.BUSY:
            request_retry(context, update)
        raise
    result = outcome.result
    lines = [
        t(
            who.language,
            "shop.paid",
            amount=result.amount,
            cash=result.cash,
            points=result.points_spent,
            granted=result.granted,
        )
    ]
    if result.locked:
        lines.append(t(who.language, "shop.paid_locked", daily=result.daily))
    if outcome.points_refused is not None:
        lines.append(t(who.language, "shop.points_refused"))
    try:
        await notify_once(
            context,
            f"paid:{payment.telegram_payment_charge_id}",
            lambda: reply(update, "\n".join(lines)),
        )
    except TelegramError:
        raise
    except Exception:
        # The notice could not be claimed (the store failed): have Telegram redeliver, so
        # the member still hears about the purchase, which the retry replays.
        request_retry(context, update)
        raise


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("shop", shop, filters=PRIVATE),
        CallbackQueryHandler(choose, pattern=CALLBACK),
        PreCheckoutQueryHandler(pre_checkout),
        MessageHandler(filters.SUCCESSFUL_PAYMENT & filters.UpdateType.MESSAGE, paid),
    ]
