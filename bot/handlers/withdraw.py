"""/withdraw: amount → preview of fee and net cash → confirm → request for review.

The conversation's only waiting state is "amount asked". Its state lives in
the container's memory, so the question is sent as a forced reply and a reply
to it is an entry point too: when the answer reaches another Lambda container
it is still understood. ``/withdraw 100`` skips the question. The preview's
buttons carry the amount (``wd:ok:<hundredths>``), so confirming needs no
state at all, and the request's idempotency key is the preview message: a
double tap or a redelivered update requests once. Operators decide in
:mod:`bot.handlers.admin`, which tells the member.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import (
    PRIVATE,
    Confirmed,
    Context,
    Who,
    call,
    carry_out,
    identify,
    rejection,
    reply,
    require_member,
    services,
)
from bot.texts import all_texts, t
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import Members, parse_points
from functions.services.results import WithdrawalResult

AMOUNT = 1
CALLBACK = re.compile(r"^wd:(?:ok:([0-9]{1,17})|no)$")
MAX_INPUT = 64
"""Longer answers are not amounts; they are refused before any parsing."""


class _AnswersOurQuestion(filters.MessageFilter):
    """A reply to the bot's "how many points?" question, in any language."""

    def filter(self, message: Message) -> bool:
        asked = message.reply_to_message
        return bool(
            asked is not None
            and asked.from_user is not None
            and asked.from_user.is_bot
            and asked.text
            and asked.text.startswith(all_texts("withdraw.ask"))
        )


ANSWERS_QUESTION = _AnswersOurQuestion(name="answers_withdraw_question")


async def begin(update: Update, context: Context) -> object:
    """Ask for the amount (or preview at once for ``/withdraw <points>``)."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return ConversationHandler.END
    if context.args:
        return await _preview(update, context, who, " ".join(context.args))
    question = "\n".join(
        [
            t(who.language, "withdraw.ask"),
            t(who.language, "withdraw.available", points=member.available),
        ]
    )
    await reply(
        update,
        question,
        reply_markup=ForceReply(input_field_placeholder=t(who.language, "withdraw.placeholder")),
    )
    return AMOUNT


async def amount(update: Update, context: Context) -> object:
    """Read the amount and show the preview."""
    who = await identify(update, context)
    member = await require_member(update, who)
    message = update.effective_message
    if who is None or member is None or message is None or message.text is None:
        return ConversationHandler.END
    return await _preview(update, context, who, message.text)


async def _preview(update: Update, context: Context, who: Who, text: str) -> object:
    assert who.member is not None
    try:
        if len(text) > MAX_INPUT:
            raise Rejected(RejectCode.INVALID_AMOUNT, "too long")
        points = parse_points(text)
        quote = await call(context, services(context).members.quote_withdrawal, who.member, points)
    except Rejected as error:
        if error.code is RejectCode.INVALID_AMOUNT:
            await reply(update, t(who.language, "withdraw.not_amount"))
            return AMOUNT  # ask again
        if error.code is RejectCode.BELOW_MINIMUM:
            minimum = services(context).members.plan.withdrawal.min_points
            await reply(update, t(who.language, "withdraw.below_minimum", minimum=minimum))
            return ConversationHandler.END
        await reply(update, rejection(who.language, error))
        return ConversationHandler.END
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(who.language, "button.confirm"), callback_data=f"wd:ok:{quote.points}"
                ),
                InlineKeyboardButton(t(who.language, "button.cancel"), callback_data="wd:no"),
            ]
        ]
    )
    preview = t(
        who.language,
        "withdraw.preview",
        points=quote.points,
        gross=quote.gross,
        fee=quote.fee,
        net=quote.net,
    )
    await reply(update, preview, reply_markup=buttons)
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> object:
    """Leave the conversation."""
    who = await identify(update, context)
    if who is not None:
        await reply(update, t(who.language, "withdraw.cancelled"))
    return ConversationHandler.END


def _withdraw(members: Members, pressed: Confirmed, key: str) -> WithdrawalResult:
    return members.withdraw(pressed.member, int(pressed.match.group(1)), key)


def _requested(language: str, result: WithdrawalResult) -> str:
    return t(
        language,
        "withdraw.requested",
        request_id=result.request_id,
        points=result.points,
        net=result.net,
        fee=result.fee,
    )


async def confirm(update: Update, context: Context) -> None:
    """Request the withdrawal shown in the preview (once per preview message)."""
    await carry_out(update, context, CALLBACK, "withdraw.cancelled", "wd", _withdraw, _requested)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    text = PRIVATE & filters.TEXT & ~filters.COMMAND
    conversation: ConversationHandler[Context] = ConversationHandler(
        entry_points=[
            CommandHandler("withdraw", begin, filters=PRIVATE),
            MessageHandler(text & ANSWERS_QUESTION, amount),
        ],
        states={AMOUNT: [MessageHandler(text, amount)]},
        fallbacks=[CommandHandler("cancel", cancel, filters=PRIVATE)],
        allow_reentry=True,
        name="withdraw",
    )
    return [conversation, CallbackQueryHandler(confirm, pattern=CALLBACK)]
