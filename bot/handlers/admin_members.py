"""Operator commands on one member: freeze/unfreeze, adjust with a reason, look-up.

The journal names the operator as ``tg:<user id>`` and /lookup shows it in the member's
recent history; freezes, unfreezes and adjustments tell the member too.
"""

from __future__ import annotations

from telegram import Update

from bot.context import (
    Context,
    Who,
    call,
    rejection,
    reply,
    services,
    tell,
    update_key,
)
from bot.handlers.history import entry_lines
from bot.handlers.operators import REASON_MAX, operator_only, target_member
from bot.texts import t
from bot.views import account_text, level_name, when
from functions.rewards.errors import Rejected
from functions.services.members import parse_points
from functions.store.records import MemberRecord

LOOKUP_HISTORY = 5


async def _operator_and_member(
    update: Update, context: Context, usage: str
) -> tuple[Who, MemberRecord] | None:
    """The operator and the one member their command names (else ``usage``, or not found)."""
    who = await operator_only(update, context)
    if who is None:
        return None
    args = context.args or []
    if len(args) != 1:
        await reply(update, t(who.language, usage))
        return None
    member = await target_member(update, context, who, args[0])
    return None if member is None else (who, member)


async def _set_frozen(update: Update, context: Context, frozen: bool) -> None:
    found = await _operator_and_member(update, context, "admin.freeze_usage")
    if found is None:
        return
    who, member = found
    key = update_key(update)
    await call(context, services(context).members.set_frozen, member, frozen, key, who.operator)
    done = "admin.frozen" if frozen else "admin.unfrozen"
    await reply(update, t(who.language, done, member=member.member))
    notice = "notice.frozen" if frozen else "notice.unfrozen"
    support = services(context).support

    def told(language: str) -> str:
        text = t(language, notice)
        return text + "\n" + t(language, "help.support", contact=support) if support else text

    await tell(context, member, f"freeze:{key}", told)


async def freeze(update: Update, context: Context) -> None:
    """Freeze a member: no withdrawals, transfers or spending points."""
    await _set_frozen(update, context, True)


async def unfreeze(update: Update, context: Context) -> None:
    """Lift a freeze."""
    await _set_frozen(update, context, False)


async def adjust(update: Update, context: Context) -> None:
    """Add or remove available points; the reason is required, journaled and told."""
    who = await operator_only(update, context)
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
    member = await target_member(update, context, who, args[0])
    if member is None:
        return
    key = update_key(update)
    try:
        result = await call(
            context,
            services(context).members.adjust,
            member,
            delta,
            reason[:REASON_MAX],
            key,
            who.operator,
        )
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    await reply(update, t(who.language, "admin.adjusted", member=member.member, delta=result.delta))
    notice = "notice.adjusted_up" if result.delta > 0 else "notice.adjusted_down"
    reason_text = reason[:REASON_MAX]
    await tell(
        context,
        member,
        f"adjust:{key}",
        lambda language: t(language, notice, points=abs(result.delta), reason=reason_text),
    )


async def lookup(update: Update, context: Context) -> None:
    """Show one member: profile, balances, team figures and recent history with operators."""
    found = await _operator_and_member(update, context, "admin.lookup_usage")
    if found is None:
        return
    who, member = found
    bot = services(context)
    account = await call(context, bot.members.bot_store.payout_account, member.member)
    text = t(
        who.language,
        "admin.member",
        member=member.member,
        name=member.display_name or "-",
        telegram_id=member.telegram_id or "-",
        phone=member.phone or "-",
        code=member.invite_code or "-",
        referrer=member.referrer or "-",
        joined=when(member.joined_at, bot.zone),
        frozen=t(who.language, "yes" if member.frozen else "no"),
        available=member.available,
        locked=member.locked,
        withdrawing=member.withdrawing,
        payable=member.payable,
        team_size=member.team_size,
        team_volume=member.team_volume,
        level=level_name(who.language, member.level) if member.level else "-",
        account=account_text(who.language, account),
    )
    if member.debt or member.commission_debt:  # economics (issue 12)
        text += "\n" + t(
            who.language,
            "economics.lookup_debt",
            points=member.debt,
            commission=member.commission_debt,
        )
    page = await call(context, bot.members.history, member, limit=LOOKUP_HISTORY)
    if page.entries:
        lines = [t(who.language, "admin.recent")]
        lines += entry_lines(who.language, page, bot.zone, operators=True)
        text += "\n\n" + "\n".join(lines)
    await reply(update, text)


REGION_MAX = 60
"""A region name's length at most (a pool's region is a short label: a city, a province)."""


async def region(update: Update, context: Context) -> None:
    """``/region MEMBER REGION`` sets, ``/region MEMBER -`` clears a member's region: the
    region-scoped dividend pools (issue 12) share by it. Journaled with the operator."""
    who = await operator_only(update, context)
    if who is None:
        return
    args = context.args or []
    if len(args) != 2 or len(args[1]) > REGION_MAX:
        await reply(update, t(who.language, "admin.region_usage"))
        return
    member = await target_member(update, context, who, args[0])
    if member is None:
        return
    named = None if args[1] == "-" else args[1]
    ledger = services(context).members.ledger
    try:
        await call(
            context,
            ledger.set_region,
            member.member,
            named,
            update_key(update),
            operator=who.operator,
        )
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    done = "admin.region_set" if named else "admin.region_cleared"
    await reply(update, t(who.language, done, member=member.member, region=named or ""))
