"""/withdraw: payout account (once) → amount → preview of fee and net cash → confirm → review.

Where the cash goes is asked once (bank card, Alipay or WeChat: holder's name and
number), kept as the member's payout account (:class:`PayoutAccount`), shown only
masked and changeable with /payout. The amount question is kept in the table
(:func:`bot.context.ask`), so the answer is understood by any Lambda container; a
non-number, an amount below the minimum or more than is available asks again, saying
why. ``/withdraw 100`` skips the question. The preview's buttons carry the amount
(``wd:ok:<hundredths>``), so confirming needs no state, and the request's idempotency
key is the preview message: a double tap or a redelivered update requests once.
Operators are told that requests wait (:mod:`bot.operators`) and decide in
:mod:`bot.handlers.admin`, which tells the member. /withdrawals lists the member's
requests with their status, by short number (:func:`bot.views.short_request`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Confirmed,
    Context,
    Who,
    ask,
    call,
    carry_out,
    edit,
    identify,
    pressed,
    pressed_message,
    rejection,
    reply,
    require_member,
    services,
    stop_asking,
)
from bot.operators import requests_waiting
from bot.replies import answers
from bot.texts import t
from bot.views import account_text, day, short_request
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import Members, parse_points
from functions.services.results import WithdrawalResult
from functions.store.bot_store import PAYOUT_METHODS, PayoutAccount
from functions.store.records import MemberRecord, WithdrawalRecord

CALLBACK = re.compile(r"^wd:(?:ok:([0-9]{1,17})|no)$")
METHOD = re.compile(r"^pay:(" + "|".join(PAYOUT_METHODS) + r")$")
CHANGE = re.compile(r"^pay:change$")
MAX_INPUT = 64
"""Longer answers are not amounts; they are refused before any parsing."""
NAME_MAX = 40
ACCOUNT_RE = {
    "bank": re.compile(r"[0-9]{12,19}"),
    "alipay": re.compile(r"1[0-9]{10}|[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}"),
    "wechat": re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}|1[0-9]{10}"),
}
"""A bank card number; an Alipay phone or e-mail; a WeChat id or phone."""
LISTED = 10


async def begin(update: Update, context: Context) -> None:
    """Ask for the payout account first if there is none, then for the amount (or preview at
    once for ``/withdraw <points>``)."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    account = await _account(context, member)
    if account is None:
        await _ask_method(update, context, who, "withdraw.account_first")
        return
    if context.args:
        await _preview(update, context, who, " ".join(context.args))
        return
    await _ask_amount(update, context, who, member, account)


async def _account(context: Context, member: MemberRecord) -> PayoutAccount | None:
    return await call(context, services(context).members.bot_store.payout_account, member.member)


async def _ask_amount(
    update: Update, context: Context, who: Who, member: MemberRecord, account: PayoutAccount
) -> None:
    await ask(context, who, "withdraw.amount")
    question = "\n".join(
        [
            t(who.language, "withdraw.ask"),
            t(who.language, "withdraw.available", points=member.available),
            t(who.language, "withdraw.paid_to", account=account_text(who.language, account)),
        ]
    )
    placeholder = t(who.language, "withdraw.placeholder")
    await reply(update, question, reply_markup=ForceReply(input_field_placeholder=placeholder))


@answers("withdraw.amount")
async def amount_answer(
    update: Update, context: Context, who: Who, pending: dict[str, Any], text: str
) -> None:
    """The amount asked for: preview it, or ask again saying why not."""
    await _preview(update, context, who, text)


async def _preview(update: Update, context: Context, who: Who, text: str) -> None:
    member = who.member
    assert member is not None
    members = services(context).members
    try:
        if len(text) > MAX_INPUT:
            raise Rejected(RejectCode.INVALID_AMOUNT, "too long")
        points = parse_points(text)
        quote = await call(context, members.quote_withdrawal, member, points)
    except Rejected as error:
        again = {
            RejectCode.INVALID_AMOUNT: t(who.language, "withdraw.not_amount"),
            RejectCode.BELOW_MINIMUM: t(
                who.language, "withdraw.below_minimum", minimum=members.plan.withdrawal.min_points
            ),
            RejectCode.INSUFFICIENT_POINTS: t(
                who.language, "withdraw.insufficient", points=member.available
            ),
        }.get(error.code)
        if again is not None:
            await ask(context, who, "withdraw.amount")
            await reply(update, again)
        else:
            await stop_asking(context, who)
            await reply(update, rejection(who.language, error))
        return
    await stop_asking(context, who)
    account = await _account(context, member)
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
        account=account_text(who.language, account),
    )
    await reply(update, preview, reply_markup=buttons)


def _withdraw(members: Members, pressed: Confirmed, key: str) -> WithdrawalResult:
    return members.withdraw(pressed.member, int(pressed.match.group(1)), key)


def _requested(language: str, result: WithdrawalResult) -> str:
    return t(
        language,
        "withdraw.requested",
        number=short_request(result.request_id),
        points=result.points,
        net=result.net,
        fee=result.fee,
    )


async def _tell_operators(context: Context, pressed: Confirmed, result: WithdrawalResult) -> None:
    await requests_waiting(context)


async def confirm(update: Update, context: Context) -> None:
    """Request the withdrawal shown in the preview (once per preview message)."""
    await carry_out(
        update,
        context,
        CALLBACK,
        "withdraw.cancelled",
        "wd",
        _withdraw,
        _requested,
        after=_tell_operators,
    )


# -- the payout account ------------------------------------------------------------------


async def _ask_method(update: Update, context: Context, who: Who, intro: str) -> None:
    buttons = [
        InlineKeyboardButton(
            t(who.language, f"payout.method.{method}"), callback_data=f"pay:{method}"
        )
        for method in PAYOUT_METHODS
    ]
    text = t(who.language, intro) + "\n" + t(who.language, "payout.choose")
    await reply(update, text, reply_markup=InlineKeyboardMarkup([buttons]))


async def payout(update: Update, context: Context) -> None:
    """/payout: the account on file (masked) with a button to change it."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    account = await _account(context, member)
    if account is None:
        await _ask_method(update, context, who, "payout.none_yet")
        return
    change = InlineKeyboardButton(t(who.language, "payout.change"), callback_data="pay:change")
    await reply(
        update,
        t(who.language, "payout.current", account=account_text(who.language, account)),
        reply_markup=InlineKeyboardMarkup([[change]]),
    )


async def change(update: Update, context: Context) -> None:
    press = await pressed(update, await identify(update, context), CHANGE, member=True)
    if press is None:
        return
    await press.query.answer()
    await _ask_method(update, context, press.who, "payout.changing")


async def choose_method(update: Update, context: Context) -> None:
    """A payout method button: ask for the holder's name and the number."""
    press = await pressed(update, await identify(update, context), METHOD, member=True)
    if press is None:
        return
    method = press.match.group(1)
    await ask(context, press.who, "payout.account", method=method)
    await press.query.answer()
    await edit(
        pressed_message(update),
        t(
            press.who.language,
            f"payout.ask.{method}",
            method=t(press.who.language, f"payout.method.{method}"),
        ),
    )


def parse_account(method: str, text: str) -> PayoutAccount | None:
    """``NAME NUMBER`` as a member types it (a bank card may be typed in groups of digits)."""
    words = unicodedata.normalize("NFKC", text).split()
    if len(words) < 2:
        return None
    digits: list[str] = []
    while method == "bank" and words and words[-1].isdigit():
        digits.insert(0, words.pop())
    number = "".join(digits) if digits else words.pop()
    name = " ".join(words).strip()
    if not name or len(name) > NAME_MAX or not ACCOUNT_RE[method].fullmatch(number):
        return None
    return PayoutAccount(method, name, number)


@answers("payout.account")
async def account_answer(
    update: Update, context: Context, who: Who, pending: dict[str, Any], text: str
) -> None:
    """Save the account (then go on to the amount), or ask again."""
    member = who.member
    method = str(pending.get("method"))
    if member is None or method not in PAYOUT_METHODS:
        await stop_asking(context, who)
        return
    account = parse_account(method, text)
    if account is None:
        await reply(update, t(who.language, f"payout.bad.{method}"))
        return
    await call(
        context, services(context).members.bot_store.save_payout_account, member.member, account
    )
    await reply(
        update, t(who.language, "payout.saved", account=account_text(who.language, account))
    )
    await _ask_amount(update, context, who, member, account)


# -- my withdrawals ----------------------------------------------------------------------


def render_list(language: str, requests: list[WithdrawalRecord], zone: Any) -> str:
    if not requests:
        return t(language, "withdrawals.empty")
    lines = [t(language, "withdrawals.title")]
    for request in requests:
        status = t(language, f"withdrawals.status.{request.status}")
        if request.status == "rejected" and request.reason:
            status += " — " + request.reason
        lines.append(
            t(
                language,
                "withdrawals.line",
                number=short_request(request.request_id),
                date=day(request.requested_at, zone),
                points=request.points,
                net=request.net,
                status=status,
            )
        )
    return "\n".join(lines)


async def withdrawals(update: Update, context: Context) -> None:
    """/withdrawals: the member's latest requests, newest first, with their status."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    bot = services(context)
    found = await call(context, bot.members.withdrawals_of, member, LISTED)
    await reply(update, render_list(who.language, found, bot.zone))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("withdraw", begin, filters=PRIVATE),
        CommandHandler("withdrawals", withdrawals, filters=PRIVATE),
        CommandHandler("payout", payout, filters=PRIVATE),
        CallbackQueryHandler(confirm, pattern=CALLBACK),
        CallbackQueryHandler(choose_method, pattern=METHOD),
        CallbackQueryHandler(change, pattern=CHANGE),
    ]
