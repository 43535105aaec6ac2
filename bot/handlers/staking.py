"""/stake: staking (issue 13, seed 002 上链): open stakes, opening one, ending one early.

``/stake`` shows the member's open stakes (each with an "end early" button) and how to
stake; ``/stake POINTS TERM`` previews a stake with its bonus and penalty. Both previews
carry a confirm button; the event's idempotency key is the preview message.
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
    reply,
    require_member,
    services,
)
from bot.texts import t
from functions.rewards.errors import Rejected
from functions.services.members import Members, parse_points
from functions.services.programs import StakeResult, UnstakeResult
from functions.services.programs.screens import StakingView, percent, staking_view

END = re.compile(r"^sk:end:([0-9]{1,12})$")
STAKE = re.compile(r"^sk:(?:ok:([0-9]{1,17}):([0-9]{1,6})|no)$")
ENDED = re.compile(r"^sk:e:(?:([0-9]{1,12})|no)$")
END_BUTTONS = 5


def render(language: str, view: StakingView) -> str:
    lines = [t(language, "staking.title", staked=view.staked)]
    lines += [
        t(
            language,
            "staking.stake",
            stake=s.seq,
            points=s.points,
            left=s.left,
            rate=percent(s.rate),
        )
        for s in view.stakes
    ]
    if not view.stakes:
        lines.append(t(language, "staking.none"))
    lines.append(_usage(language, view))
    return "\n".join(lines)


def _usage(language: str, view: StakingView) -> str:
    terms = ", ".join(str(term) for term in view.policy.terms)
    return t(language, "staking.usage", terms=terms, rate=percent(view.next_rate))


def _confirm(language: str, ok: str, no: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "button.confirm"), callback_data=ok),
                InlineKeyboardButton(t(language, "button.cancel"), callback_data=no),
            ]
        ]
    )


async def stake(update: Update, context: Context) -> None:
    """The stakes screen, or with ``POINTS TERM`` the preview of a new stake."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    view = await call(context, staking_view, services(context).members.ledger, member)
    if view is None:
        await reply(update, t(who.language, "reject.program_off"))
        return
    args = context.args or []
    if not args:
        rows = [
            [
                InlineKeyboardButton(
                    t(who.language, "staking.end_button", stake=s.seq),
                    callback_data=f"sk:end:{s.seq}",
                )
            ]
            for s in view.stakes[:END_BUTTONS]
        ]
        markup = InlineKeyboardMarkup(rows) if rows else None
        await reply(update, render(who.language, view), reply_markup=markup)
        return
    try:
        points = parse_points(args[0]) if len(args) == 2 and len(args[0]) <= 32 else None
    except Rejected:
        points = None
    term = int(args[1]) if len(args) == 2 and args[1].isdigit() and len(args[1]) <= 6 else None
    if points is None or term is None:
        await reply(update, _usage(who.language, view))
        return
    if term not in view.policy.terms:
        await reply(
            update, t(who.language, "reject.invalid_term") + "\n" + _usage(who.language, view)
        )
        return
    text = t(
        who.language,
        "staking.preview",
        points=points,
        term=term,
        rate=percent(view.next_rate),
        penalty=percent(view.policy.early_exit_penalty),
    )
    markup = _confirm(who.language, f"sk:ok:{points}:{term}", "sk:no")
    await reply(update, text, reply_markup=markup)


def _stake(members: Members, pressed_: Confirmed, key: str) -> StakeResult:
    points, term = int(pressed_.match.group(1)), int(pressed_.match.group(2))
    return members.ledger.stake(pressed_.member.member, points, term, key)


def _staked(language: str, result: StakeResult) -> str:
    return t(language, "staking.staked", stake=result.stake, points=result.points, term=result.term)


async def confirm_stake(update: Update, context: Context) -> None:
    await carry_out(update, context, STAKE, "staking.cancelled", "stake", _stake, _staked)


async def choose_end(update: Update, context: Context) -> None:
    """An "end early" button: the preview of ending that stake."""
    press = await pressed(update, await identify(update, context), END, member=True)
    if press is None:
        return
    await press.query.answer()
    seq = int(press.match.group(1))
    language = press.who.language
    text = t(language, "staking.end_preview", stake=seq)
    await reply(update, text, reply_markup=_confirm(language, f"sk:e:{seq}", "sk:e:no"))


def _end(members: Members, pressed_: Confirmed, key: str) -> UnstakeResult:
    return members.ledger.unstake(pressed_.member.member, key, stake=int(pressed_.match.group(1)))


def _ended(language: str, result: UnstakeResult) -> str:
    return t(
        language,
        "staking.ended",
        stake=result.stake,
        returned=result.returned,
        penalty=result.penalty,
    )


async def confirm_end(update: Update, context: Context) -> None:
    await carry_out(update, context, ENDED, "staking.cancelled", "unstake", _end, _ended)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("stake", stake, filters=PRIVATE),
        CallbackQueryHandler(confirm_stake, pattern=STAKE),
        CallbackQueryHandler(choose_end, pattern=END),
        CallbackQueryHandler(confirm_end, pattern=ENDED),
    ]
