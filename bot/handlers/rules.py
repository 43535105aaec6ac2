"""/rules: how the live plan works, in the member's language and with the plan's own numbers.

Every figure comes from the plan the bot runs (``JIFEN_PLAN_PATH``): tiers and their
multipliers, daily release, share per generation, team levels, the peer bonus, the cap,
the point price (fixed, or the reserve's price now), paying with points, commission,
withdrawal fee and minimum; then where to get help, as the operator configured it.
Sections a plan does not use are left out.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, call, identify, reply, services
from bot.texts import clip, t
from bot.views import level_name
from functions.rewards.money import format_rate, mul_floor
from functions.rewards.plan import Plan


def percent(rate: Fraction) -> str:
    """``Fraction(3, 250)`` → ``1.2%`` (exact: plan rates are decimals)."""
    text = format_rate(rate * 100)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def render(language: str, plan: Plan, price_cents: int | None, support: str | None) -> str:
    lines = [t(language, "rules.title")]
    grant = plan.grant
    if grant is not None and grant.tiers:
        lines.append(t(language, "rules.tiers"))
        for tier in grant.tiers:
            lines.append(
                t(language, "rules.tier", minimum=tier.min, multiplier=format_rate(tier.multiplier))
            )
    elif grant is not None and grant.ratio is not None:
        lines.append(t(language, "rules.ratio", points=mul_floor(100, grant.ratio)))
    if plan.release.mode == "daily" and plan.release.daily_rate is not None:
        lines.append(t(language, "rules.daily", rate=percent(plan.release.daily_rate)))
    else:
        lines.append(t(language, "rules.immediate"))
    if plan.share:
        rates = " · ".join(
            t(language, "rules.generation", generation=number, rate=percent(rate))
            for number, rate in enumerate(plan.share, start=1)
        )
        lines.append(t(language, "rules.share", rates=rates))
    if plan.team is not None and plan.team.levels:
        lines.append(t(language, "rules.levels"))
        for level in plan.team.levels:
            lines.append(
                t(
                    language,
                    "rules.level",
                    name=level_name(language, level.name),
                    minimum=level.min,
                    rate=percent(level.rate),
                )
            )
        if plan.team.peer_rate:
            lines.append(t(language, "rules.peer", rate=percent(plan.team.peer_rate)))
    if plan.share or plan.team is not None:
        lines.append(t(language, "rules.cap"))
    if plan.valuation.mode == "fixed":
        lines.append(t(language, "rules.price_fixed", price=price_cents or 0))
    elif price_cents is None:
        lines.append(t(language, "rules.price_reserve_none"))
    else:
        lines.append(t(language, "rules.price_reserve", price=price_cents))
    if plan.deduction is not None:
        lines.append(t(language, "rules.deduction", rate=percent(plan.deduction.max_ratio)))
    if plan.commission is not None:
        rates = " · ".join(
            t(
                language,
                "rules.generation",
                generation=number,
                rate=percent(rate.get("default", Fraction(0))),
            )
            for number, rate in enumerate(plan.commission.rates, start=1)
        )
        lines.append(t(language, "rules.commission", rates=rates))
    withdrawal = plan.withdrawal
    lines.append(
        t(
            language,
            "rules.withdrawal",
            rate=percent(withdrawal.fee_rate),
            minimum=withdrawal.min_points,
        )
    )
    if support:
        lines.append(t(language, "help.support", contact=support))
    return clip("\n".join(lines))


async def rules(update: Update, context: Context) -> None:
    """Explain the plan with its live numbers."""
    who = await identify(update, context)
    if who is None:
        return
    members = services(context).members
    price = await call(context, members.price_cents)
    await reply(update, render(who.language, members.plan, price, services(context).support))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("rules", rules, filters=PRIVATE)]
