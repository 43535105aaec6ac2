"""/shop: the plan's packages through Telegram Payments, optionally part-paid with points.

The invoice payload ``buy:<amount>:<points>`` (hundredths) names the package
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
from functions.services.members import Package

CALLBACK = re.compile(r"^shop:([0-9]{1,17}):([cp])$")
PAYLOAD = re.compile(r"^buy:([0-9]{1,17}):([0-9]{1,17})$")


def _package_buttons(
    language: str, package: Package, deduction: int
) -> list[list[InlineKeyboardButton]]:
    rows = [
        [
            InlineKeyboardButton(
                t(
                    language,
                    "shop.buy_button",
                    amount=package.amount,
                    points=package.points,
                ),
                callback_data=f"shop:{package.amount}:c",
            )
        ]
    ]
    if deduction > 0:
        rows.append(
            [
                InlineKeyboardButton(
                    t(
                        language,
                        "shop.deduct_button",
                        amount=package.amount,
                        points=deduction,
                    ),
                    callback_data=f"shop:{package.amount}:p",
                )
            ]
        )
    return rows


async def shop(update: Update, context: Context) -> None:
    """List the packages, each with a buy button (and a part-paid-with-points one)."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    members = services(context).members
    packages = members.catalogue()
    if not packages:
        await reply(update, t(who.language, "shop.empty"))
        return
    rows: list[list[InlineKeyboardButton]] = []
    lines = [t(who.language, "shop.title")]
    for package in packages:
        deduction = members.deduction_for(member, package.amount)
        rows += _package_buttons(who.language, package, deduction)
        lines.append(
            t(
                who.language,
                "shop.package",
                amount=package.amount,
                points=package.points,
            )
        )
    if members.plan.deduction is not None:
        lines.append(t(who.language, "shop.deduction_note"))
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def choose(update: Update, context: Context) -> None:
    """Send the invoice for the chosen package (with the points deduction worked out now)."""
    press = await pressed(update, await identify(update, context), CALLBACK, member=True)
    if press is None:
        return
    who, query, match, member = press.who, press.query, press.match, press.member
    bot = services(context)
    if not bot.provider_token:
        await query.answer(t(who.language, "shop.unavailable"), show_alert=True)
        return
    try:
        package = bot.members.package(int(match.group(1)))
    except Rejected:
        await query.answer(t(who.language, "button.expired"))
        return
    points = bot.members.deduction_for(member, package.amount) if match.group(2) == "p" else 0
    cash = package.amount - points
    await query.answer()
    description_key = "shop.invoice_points" if points else "shop.invoice_cash"
    await context.bot.send_invoice(
        chat_id=who.user.id,
        title=t(who.language, "shop.invoice_title", amount=package.amount)[:32],
        description=t(
            who.language,
            description_key,
            amount=package.amount,
            points=points,
            cash=cash,
            granted=package.points,
        )[:255],
        payload=f"buy:{package.amount}:{points}",
        provider_token=bot.provider_token,
        currency=CURRENCY,
        prices=[LabeledPrice(t(who.language, "shop.price_label"), cash)],
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
