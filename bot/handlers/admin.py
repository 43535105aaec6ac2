"""Operator commands: withdrawal queue, freeze/unfreeze, adjust with a reason, look-up.

Only Telegram user ids in ``JIFEN_ADMIN_IDS`` may use them; everyone else is
refused before anything is read or changed, buttons included. The journal
names the operator as ``tg:<user id>``. Deciding a withdrawal tells the
member in their own language, once per request and decision however often
(and from however many ``/queue`` lists) the button is pressed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    LOGGER,
    PRIVATE,
    Context,
    Who,
    call,
    edit,
    identify,
    notify_once,
    pressed,
    pressed_message,
    rejection,
    reply,
    services,
    update_key,
)
from bot.texts import DEFAULT_LANGUAGE, supported, t
from functions.rewards.errors import Rejected
from functions.services.members import parse_points
from functions.services.results import WithdrawalResult
from functions.store.records import MemberRecord, WithdrawalRecord, WithdrawalStatus

CALLBACK = re.compile(r"^adm:(ok|no):([0-9a-f]{1,40})$")
QUEUE_SHOWN = 10
REASON_MAX = 500


async def _operator(update: Update, context: Context) -> Who | None:
    """The sender if allow-listed; anyone else is refused here and gets None."""
    who = await identify(update, context)
    if who is None:
        return None
    if who.user.id in services(context).admin_ids:
        return who
    if update.callback_query is not None:
        await update.callback_query.answer(t(who.language, "admin.refused"), show_alert=True)
    else:
        await reply(update, t(who.language, "admin.refused"))
    return None


async def _target(update: Update, context: Context, who: Who, text: str) -> MemberRecord | None:
    member = await call(context, services(context).members.find, text)
    if member is None:
        await reply(update, t(who.language, "admin.not_found", target=text[:64]))
    return member


def _request_text(language: str, request: WithdrawalRecord, zone: Any) -> str:
    when = dt.datetime.fromtimestamp(request.requested_at / 1_000_000, zone)
    return t(
        language,
        "admin.request",
        request_id=request.request_id,
        member=request.member,
        points=request.points,
        net=request.net,
        fee=request.fee,
        when=when.strftime("%Y-%m-%d %H:%M"),
    )


async def queue(update: Update, context: Context) -> None:
    """List pending withdrawals, each with approve and reject buttons."""
    who = await _operator(update, context)
    if who is None:
        return
    bot = services(context)
    pending = await call(context, bot.members.pending_withdrawals, QUEUE_SHOWN)
    if not pending:
        await reply(update, t(who.language, "admin.queue_empty"))
        return
    for request in pending:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(who.language, "admin.approve"),
                        callback_data=f"adm:ok:{request.request_id}",
                    ),
                    InlineKeyboardButton(
                        t(who.language, "admin.reject"),
                        callback_data=f"adm:no:{request.request_id}",
                    ),
                ]
            ]
        )
        await reply(update, _request_text(who.language, request, bot.zone), reply_markup=buttons)


async def decide(update: Update, context: Context) -> None:
    """Approve or reject one request and tell the member."""
    press = await pressed(update, await _operator(update, context), CALLBACK)
    if press is None:
        return
    who, query, match = press.who, press.query, press.match
    approve = match.group(1) == "ok"
    try:
        result, member = await call(
            context,
            services(context).members.decide_withdrawal,
            match.group(2),
            approve=approve,
            operator=who.operator,
        )
    except Rejected as error:
        await query.answer(rejection(who.language, error), show_alert=True)
        return
    # The member first: a redelivery after a crash may find the query too old to answer.
    await _notify(context, member, result, approve)
    await query.answer()
    status_key = "admin.approved" if approve else "admin.rejected"
    await edit(
        pressed_message(update),
        t(who.language, status_key, request_id=result.request_id, member=result.member),
    )


async def _notify(
    context: Context, member: MemberRecord | None, result: WithdrawalResult, approved: bool
) -> None:
    """Tell the member the decision, once; a blocked bot or a gone chat is only logged."""
    if member is None or member.telegram_id is None:
        return
    telegram_id = member.telegram_id
    language = supported(member.language) or DEFAULT_LANGUAGE
    key = "withdraw.approved" if approved else "withdraw.rejected"
    text = t(
        language,
        key,
        request_id=result.request_id,
        points=result.points,
        net=result.net,
    )
    status = WithdrawalStatus.APPROVED if approved else WithdrawalStatus.REJECTED
    try:
        await notify_once(
            context,
            f"withdrawal:{result.request_id}:{status}",
            lambda: context.bot.send_message(telegram_id, text),
        )
    except TelegramError as exc:
        LOGGER.warning("could not tell %s about %s: %s", member.member, result.request_id, exc)


async def _operator_and_member(
    update: Update, context: Context, usage: str
) -> tuple[Who, MemberRecord] | None:
    """The operator and the one member their command names (else ``usage``, or not found)."""
    who = await _operator(update, context)
    if who is None:
        return None
    args = context.args or []
    if len(args) != 1:
        await reply(update, t(who.language, usage))
        return None
    member = await _target(update, context, who, args[0])
    return None if member is None else (who, member)


async def _set_frozen(update: Update, context: Context, frozen: bool) -> None:
    found = await _operator_and_member(update, context, "admin.freeze_usage")
    if found is None:
        return
    who, member = found
    await call(
        context,
        services(context).members.set_frozen,
        member,
        frozen,
        update_key(update),
        who.operator,
    )
    key = "admin.frozen" if frozen else "admin.unfrozen"
    await reply(update, t(who.language, key, member=member.member))


async def freeze(update: Update, context: Context) -> None:
    """Freeze a member: no withdrawals, transfers or spending points."""
    await _set_frozen(update, context, True)


async def unfreeze(update: Update, context: Context) -> None:
    """Lift a freeze."""
    await _set_frozen(update, context, False)


async def adjust(update: Update, context: Context) -> None:
    """Add or remove available points; the reason is required and journaled."""
    who = await _operator(update, context)
    if who is None:
        return
    args = context.args or []
    reason = " ".join(args[2:]).strip()
    if len(args) < 3 or not reason or len(args[1]) > 32 or args[1][:1] not in "+-":
        await reply(update, t(who.language, "admin.adjust_usage"))
        return
    try:
        points = parse_points(args[1][1:])
    except Rejected:
        await reply(update, t(who.language, "admin.adjust_usage"))
        return
    delta = points if args[1][0] == "+" else -points
    member = await _target(update, context, who, args[0])
    if member is None:
        return
    try:
        result = await call(
            context,
            services(context).members.adjust,
            member,
            delta,
            reason[:REASON_MAX],
            update_key(update),
            who.operator,
        )
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    await reply(
        update,
        t(who.language, "admin.adjusted", member=member.member, delta=result.delta),
    )


async def lookup(update: Update, context: Context) -> None:
    """Show one member: profile, balances, team figures."""
    found = await _operator_and_member(update, context, "admin.lookup_usage")
    if found is None:
        return
    who, member = found
    zone = services(context).zone
    joined = dt.datetime.fromtimestamp(member.joined_at / 1_000_000, zone)
    await reply(
        update,
        t(
            who.language,
            "admin.member",
            member=member.member,
            name=member.display_name or "-",
            telegram_id=member.telegram_id or "-",
            phone=member.phone or "-",
            code=member.invite_code or "-",
            referrer=member.referrer or "-",
            joined=joined.strftime("%Y-%m-%d %H:%M"),
            frozen=t(who.language, "yes" if member.frozen else "no"),
            available=member.available,
            locked=member.locked,
            withdrawing=member.withdrawing,
            payable=member.payable,
            team_size=member.team_size,
            team_volume=member.team_volume,
            level=member.level or "-",
        ),
    )


ADMIN_COMMANDS = {
    "queue": queue,
    "freeze": freeze,
    "unfreeze": unfreeze,
    "adjust": adjust,
    "lookup": lookup,
}


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    commands: list[BaseHandler[Update, Context, Any]] = [
        CommandHandler(name, callback, filters=PRIVATE) for name, callback in ADMIN_COMMANDS.items()
    ]
    return [*commands, CallbackQueryHandler(decide, pattern=CALLBACK)]
