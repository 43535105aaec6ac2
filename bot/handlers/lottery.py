"""/lottery: the points lottery (issue 13, seed 002 积分抽奖): the pool, your waiting draws.

A draw and leaving the queue each go through a preview with a confirm button; the
event's idempotency key is the preview message (:func:`~bot.context.carry_out`), so a
double tap or a redelivered press draws once. Members whose waiting draw this draw
made win are told, once per draw.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
    reply,
    require_member,
    services,
    tell,
)
from bot.texts import t
from functions.services.members import Members
from functions.services.programs import DrawResult, ExitResult
from functions.services.programs.screens import LotteryView, lottery_view

OPEN = re.compile(r"^lt:(?:(draw)|exit:([0-9]{1,12}))$")
DRAW = re.compile(r"^lt:d:(?:(ok)|no)$")
EXIT = re.compile(r"^lt:x:(?:([0-9]{1,12})|no)$")
EXIT_BUTTONS = 5
"""Waiting draws offered a "leave" button (the oldest ones)."""


def render(language: str, view: LotteryView) -> str:
    policy = view.policy
    lines = [
        t(language, "lottery.title", pool=view.pool, draws=view.draws),
        t(
            language,
            "lottery.rules",
            cost=policy.cost,
            minimum=policy.min_available,
            every=policy.every,
            prize=policy.prize,
        ),
    ]
    if view.free_draws:
        lines.append(t(language, "lottery.free", count=view.free_draws))
    lines += [t(language, "lottery.entry", entry=e.seq, paid=e.paid) for e in view.waiting]
    if not view.waiting:
        lines.append(t(language, "lottery.no_entries"))
    return "\n".join(lines)


def buttons(language: str, view: LotteryView) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(t(language, "lottery.draw_button"), callback_data="lt:draw")]]
    for entry in view.waiting[:EXIT_BUTTONS]:
        label = t(language, "lottery.exit_button", entry=entry.seq)
        rows.append([InlineKeyboardButton(label, callback_data=f"lt:exit:{entry.seq}")])
    return InlineKeyboardMarkup(rows)


def _confirm(language: str, ok: str, no: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "button.confirm"), callback_data=ok),
                InlineKeyboardButton(t(language, "button.cancel"), callback_data=no),
            ]
        ]
    )


async def lottery(update: Update, context: Context) -> None:
    """The pool, the rules in numbers, the member's waiting draws; draw and leave buttons."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    view = await call(context, lottery_view, services(context).members.ledger, member)
    if view is None:
        await reply(update, t(who.language, "reject.program_off"))
        return
    await reply(update, render(who.language, view), reply_markup=buttons(who.language, view))


async def choose(update: Update, context: Context) -> None:
    """A draw or leave button: the preview, with what it costs or gives back."""
    press = await pressed(update, await identify(update, context), OPEN, member=True)
    if press is None:
        return
    await press.query.answer()
    language = press.who.language
    view = await call(context, lottery_view, services(context).members.ledger, press.member)
    if view is None:
        await reply(update, t(language, "reject.program_off"))
        return
    if press.match.group(1):
        key = "lottery.draw_preview_free" if view.free_draws else "lottery.draw_preview"
        text = t(language, key, cost=view.policy.cost)
        await reply(update, text, reply_markup=_confirm(language, "lt:d:ok", "lt:d:no"))
        return
    seq = int(press.match.group(2))
    entry = next((e for e in view.waiting if e.seq == seq), None)
    if entry is None:
        await reply(update, t(language, "reject.no_entry"))
        return
    text = t(language, "lottery.exit_preview", entry=seq, refund=view.refund(entry))
    await reply(update, text, reply_markup=_confirm(language, f"lt:x:{seq}", "lt:x:no"))


def _draw(members: Members, pressed_: Confirmed, key: str) -> DrawResult:
    return members.ledger.draw(pressed_.member.member, key)


def _drawn(language: str, result: DrawResult) -> str:
    lines = [t(language, "lottery.drawn", entry=result.entry, pool=result.pool)]
    lines += [t(language, "lottery.won", entry=e, prize=p) for _, e, p in result.winners]
    return "\n".join(lines)


def _won_notice(entry: int, prize: int) -> Callable[[str], str]:
    return lambda language: t(language, "lottery.notice_won", entry=entry, prize=prize)


async def _tell_winners(context: Context, pressed_: Confirmed, result: DrawResult) -> None:
    members = services(context).members
    for name, entry, prize in result.winners:
        if name == pressed_.member.member:
            continue  # the drawer reads it in the answer
        winner = await call(context, members.store.get_member, name)
        await tell(context, winner, f"lottery-won:{entry}", _won_notice(entry, prize))


async def draw(update: Update, context: Context) -> None:
    await carry_out(
        update, context, DRAW, "lottery.cancelled", "draw", _draw, _drawn, after=_tell_winners
    )


def _exit(members: Members, pressed_: Confirmed, key: str) -> ExitResult:
    seq = int(pressed_.match.group(1))
    return members.ledger.lottery_exit(pressed_.member.member, key, entry=seq)


def _exited(language: str, result: ExitResult) -> str:
    return t(language, "lottery.exited", entry=result.entry, refund=result.refund)


async def leave(update: Update, context: Context) -> None:
    await carry_out(update, context, EXIT, "lottery.cancelled", "lottery-exit", _exit, _exited)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("lottery", lottery, filters=PRIVATE),
        CallbackQueryHandler(choose, pattern=OPEN),
        CallbackQueryHandler(draw, pattern=DRAW),
        CallbackQueryHandler(leave, pattern=EXIT),
    ]
