"""Operator commands: the withdrawal queue (member actions: admin_members.py).

Only Telegram user ids in ``JIFEN_ADMIN_IDS`` may use them; everyone else is
refused before anything is read or changed, buttons included. The journal
names the operator as ``tg:<user id>``, and /lookup shows it in the member's
recent history.

The queue is one message per page of :data:`QUEUE_PAGE` requests, each with the
member's name, masked phone and masked payout account, an approve and a reject
button, a button approving the whole page and paging buttons. The requests a page
shows are kept with the message (conversation state), so "approve all" decides
exactly what the operator saw. A rejection asks for the reason first; the member
reads it. Every decision tells the member in their own language, once per request
and decision however often (and from however many lists) the button is pressed;
freezes, unfreezes and adjustments tell the member too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Context,
    Who,
    ask,
    call,
    pressed,
    pressed_message,
    rejection,
    reply,
    services,
    stop_asking,
    tell,
    tell_together,
)
from bot.handlers.admin_members import adjust, freeze, lookup, region, unfreeze
from bot.handlers.operators import REASON_MAX, operator_only
from bot.replies import answers
from bot.texts import clip, t
from bot.views import account_text, masked_phone, name_of, short_request, when
from functions.rewards.errors import Rejected
from functions.services.results import WithdrawalResult
from functions.store.records import MemberRecord, WithdrawalStatus

CALLBACK = re.compile(r"^adm:(ok|no):([0-9a-f]{1,40})$")
PAGE = re.compile(r"^adm:page:([0-9]{1,4})$")
ALL = re.compile(r"^adm:all$")
QUEUE_PAGE = 10
QUEUE_PAGES_MAX = 50
"""Pages are read from the oldest request on (offset paging: fine for a review queue)."""


# -- the queue ---------------------------------------------------------------------------


def _page_key(chat: int, message: int) -> str:
    return f"queue:{chat}:{message}"


async def _page_view(
    context: Context, language: str, ids: list[str], page: int, more: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The page's text and buttons, each request as it stands now."""
    members = services(context).members
    zone = services(context).zone
    requests = [await call(context, members.withdrawal, request_id) for request_id in ids]
    owners = {request.member for request in requests if request is not None}
    found = await call(context, members.store.get_members, sorted(owners)) if owners else {}
    lines = [t(language, "admin.queue_title", page=page + 1)]
    rows: list[list[InlineKeyboardButton]] = []
    pending = 0
    for number, (request_id, request) in enumerate(zip(ids, requests, strict=True), start=1):
        if request is None:
            continue
        member = found.get(request.member)
        account = await call(context, members.bot_store.payout_account, request.member)
        lines.append(
            t(
                language,
                "admin.request",
                number=number,
                request=short_request(request_id),
                when=when(request.requested_at, zone),
                name=name_of(language, member, request.member),
                phone=masked_phone(member.phone if member else None),
                points=request.points,
                net=request.net,
                fee=request.fee,
                account=account_text(language, account),
            )
        )
        if request.status == WithdrawalStatus.PENDING:
            pending += 1
            rows.append(
                [
                    InlineKeyboardButton(
                        t(language, "admin.approve", number=number),
                        callback_data=f"adm:ok:{request_id}",
                    ),
                    InlineKeyboardButton(
                        t(language, "admin.reject", number=number),
                        callback_data=f"adm:no:{request_id}",
                    ),
                ]
            )
        else:
            lines.append(
                t(language, f"admin.decided.{request.status}", by=request.decided_by or "-")
            )
    paging = []
    if pending > 1:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "admin.approve_all", count=pending), callback_data="adm:all"
                )
            ]
        )
    if page > 0:
        paging.append(
            InlineKeyboardButton(
                t(language, "admin.previous"), callback_data=f"adm:page:{page - 1}"
            )
        )
    if more:
        paging.append(
            InlineKeyboardButton(t(language, "admin.next"), callback_data=f"adm:page:{page + 1}")
        )
    if paging:
        rows.append(paging)
    return clip("\n\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None


async def _pending_page(context: Context, page: int) -> tuple[list[str], bool]:
    """The ids of pending requests on ``page`` (oldest first) and whether more follow."""
    wanted = (page + 1) * QUEUE_PAGE + 1
    pending = await call(context, services(context).members.pending_withdrawals, wanted)
    shown = pending[page * QUEUE_PAGE : (page + 1) * QUEUE_PAGE]
    return [request.request_id for request in shown], len(pending) > (page + 1) * QUEUE_PAGE


async def queue(update: Update, context: Context) -> None:
    """The first page of pending withdrawals."""
    who = await operator_only(update, context)
    if who is None:
        return
    await _send_page(update, context, who, 0)


async def _send_page(update: Update, context: Context, who: Who, page: int) -> None:
    ids, more = await _pending_page(context, page)
    if not ids:
        await reply(update, t(who.language, "admin.queue_empty"))
        return
    text, markup = await _page_view(context, who.language, ids, page, more)
    sent = await reply(update, text, reply_markup=markup)
    if sent is not None:
        await _keep_page(context, sent.chat.id, sent.message_id, ids, page, more)


async def _keep_page(
    context: Context, chat: int, message: int, ids: list[str], page: int, more: bool
) -> None:
    store = services(context).members.bot_store
    await call(
        context, store.remember, _page_key(chat, message), {"ids": ids, "page": page, "more": more}
    )


async def turn_page(update: Update, context: Context) -> None:
    press = await pressed(update, await operator_only(update, context), PAGE)
    if press is None:
        return
    await press.query.answer()
    page = min(int(press.match.group(1)), QUEUE_PAGES_MAX)
    await _send_page(update, context, press.who, page)


async def _refresh(context: Context, language: str, chat: int, message: int) -> None:
    """Show a kept page again as its requests stand now (after a decision)."""
    store = services(context).members.bot_store
    kept = await call(context, store.recall, _page_key(chat, message))
    if not kept:
        return
    ids = [str(request_id) for request_id in kept.get("ids", [])]
    text, markup = await _page_view(
        context, language, ids, int(kept.get("page", 0)), bool(kept.get("more"))
    )
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat, message_id=message, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def decide(update: Update, context: Context) -> None:
    """Approve one request and tell the member; for a rejection, ask the reason first."""
    press = await pressed(update, await operator_only(update, context), CALLBACK)
    if press is None:
        return
    who, query, match = press.who, press.query, press.match
    request_id = match.group(2)
    message = pressed_message(update)
    assert message is not None  # pressed() refuses inaccessible messages
    if match.group(1) == "no":
        request = await call(context, services(context).members.withdrawal, request_id)
        if request is None or request.status != WithdrawalStatus.PENDING:
            await query.answer(t(who.language, "reject.not_pending"), show_alert=True)
            return
        await ask(
            context,
            who,
            "admin.reason",
            request=request_id,
            chat=message.chat.id,
            message=message.message_id,
        )
        await query.answer()
        await reply(
            update,
            t(
                who.language,
                "admin.reason_ask",
                request=short_request(request_id),
                points=request.points,
            ),
        )
        return
    try:
        result = await _decide(context, who, request_id, approve=True, reason=None)
    except Rejected as error:
        await query.answer(rejection(who.language, error), show_alert=True)
        return
    await query.answer(t(who.language, "admin.approved", request=short_request(result.request_id)))
    await _refresh(context, who.language, message.chat.id, message.message_id)


async def _decide(
    context: Context, who: Who, request_id: str, *, approve: bool, reason: str | None
) -> WithdrawalResult:
    """Decide one request and tell its member (once per request and decision)."""
    result, member, notice = await _decided(
        context, who, request_id, approve=approve, reason=reason
    )
    await tell(context, member, notice[0], notice[1])
    return result


async def _decided(
    context: Context, who: Who, request_id: str, *, approve: bool, reason: str | None
) -> tuple[WithdrawalResult, MemberRecord | None, tuple[str, Callable[[str], str]]]:
    """Decide one request; its member and the notice to tell them (key, text by language)."""
    result, member = await call(
        context,
        services(context).members.decide_withdrawal,
        request_id,
        approve=approve,
        operator=who.operator,
        reason=reason,
    )
    account = (
        await call(context, services(context).members.bot_store.payout_account, member.member)
        if member is not None and approve
        else None
    )
    status = WithdrawalStatus.APPROVED if approve else WithdrawalStatus.REJECTED

    def text(language: str) -> str:
        return t(
            language,
            f"withdraw.{status}",
            request=short_request(result.request_id),
            points=result.points,
            net=result.net,
            account=account_text(language, account),
            reason=reason or "-",
        )

    return result, member, (f"withdrawal:{result.request_id}:{status}", text)


@answers("admin.reason")
async def reason_answer(
    update: Update, context: Context, who: Who, pending: dict[str, Any], text: str
) -> None:
    """The reason for a rejection: reject, tell the member, show the page again."""
    if who.user.id not in services(context).admin_ids:
        await stop_asking(context, who)
        return
    reason = " ".join(text.split())[:REASON_MAX]
    if not reason:
        await reply(update, t(who.language, "admin.reason_ask_again"))
        return
    await stop_asking(context, who)
    request_id = str(pending.get("request"))
    try:
        result = await _decide(context, who, request_id, approve=False, reason=reason)
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    await reply(
        update,
        t(who.language, "admin.rejected", request=short_request(result.request_id), reason=reason),
    )
    chat, message = pending.get("chat"), pending.get("message")
    if isinstance(chat, int) and isinstance(message, int):
        await _refresh(context, who.language, chat, message)


async def approve_all(update: Update, context: Context) -> None:
    """Approve every request still pending on this page (exactly those it showed)."""
    press = await pressed(update, await operator_only(update, context), ALL)
    if press is None:
        return
    message = pressed_message(update)
    assert message is not None
    store = services(context).members.bot_store
    kept = await call(context, store.recall, _page_key(message.chat.id, message.message_id))
    if not kept:
        await press.query.answer(t(press.who.language, "button.expired"))
        return
    approved = 0
    news: dict[str, tuple[MemberRecord | None, list[tuple[str, Callable[[str], str]]]]] = {}
    for request_id in [str(value) for value in kept.get("ids", [])]:
        request = await call(context, services(context).members.withdrawal, request_id)
        if request is None or request.status != WithdrawalStatus.PENDING:
            continue
        try:
            result, member, notice = await _decided(
                context, press.who, request_id, approve=True, reason=None
            )
        except Rejected:
            continue
        news.setdefault(result.member, (member, []))[1].append(notice)
        approved += 1
    for member, notices in news.values():  # one message per member: 1 message/s per chat
        await tell_together(context, member, notices)
    await press.query.answer(t(press.who.language, "admin.approved_all", count=approved))
    await _refresh(context, press.who.language, message.chat.id, message.message_id)


ADMIN_COMMANDS = {
    "queue": queue,
    "freeze": freeze,
    "unfreeze": unfreeze,
    "adjust": adjust,
    "lookup": lookup,
    "region": region,  # issue 12: region-scoped pools
}


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    commands: list[BaseHandler[Update, Context, Any]] = [
        CommandHandler(name, callback, filters=PRIVATE) for name, callback in ADMIN_COMMANDS.items()
    ]
    return [
        *commands,
        CallbackQueryHandler(decide, pattern=CALLBACK),
        CallbackQueryHandler(turn_page, pattern=PAGE),
        CallbackQueryHandler(approve_all, pattern=ALL),
    ]
