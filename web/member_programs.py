"""The Mini App's programs page: the lottery pool and queue, stakes, the catalog (read-only).

Shown when the plan in effect runs a program; acting (a draw, a stake, a redemption) stays
in the bot, whose confirm buttons carry the idempotency keys.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.services.programs.screens import (  # issue 13
    catalog_view,
    lottery_view,
    percent,
    staking_view,
)
from functions.store.records import MemberRecord

from . import i18n
from .app import Signed, Web
from .member_common import (
    page_context,
)


def programs(web: Web, signed: Signed) -> Response[str]:
    """The programs the plan runs, read-only (issue 13); the placeholder when it runs none."""
    member = signed.member
    if member is not None and _runs_programs(web):
        return web.page("app/programs.html", _programs_context(web, signed, member))
    language = signed.language
    context = page_context(
        web,
        signed,
        "programs",
        "app.programs",
        placeholder="programs",
        message=i18n.t(language, "programs.later"),
        items=[
            i18n.t(language, f"programs.{name}")
            for name in ("lottery", "stakes", "stars", "catalog")
        ],
        extra=None,
    )
    return web.page("placeholder.html", context)


def _runs_programs(web: Web) -> bool:
    plan = web.members.plan
    return any(section is not None for section in (plan.lottery, plan.staking, plan.catalog))


def _programs_context(web: Web, signed: Signed, member: MemberRecord) -> dict[str, Any]:
    """The lottery, stakes and catalog as the bot's screens read them (issue 13)."""
    language = signed.language
    ledger = web.members.ledger
    lottery = lottery_view(ledger, member)
    staking = staking_view(ledger, member)
    catalog = catalog_view(ledger, member)
    draw_rule = ""
    entries: list[str] = []
    if lottery is not None:
        policy = lottery.policy
        draw_rule = i18n.t(
            language, "programs.draw_rule", cost=policy.cost, prize=policy.prize, every=policy.every
        )
        entries = [
            i18n.t(language, "programs.entry", entry=entry.seq, paid=entry.paid)
            for entry in lottery.waiting
        ]
    stakes = [
        i18n.t(
            language,
            "programs.stake",
            stake=stake.seq,
            points=stake.points,
            left=stake.left,
            rate=percent(stake.rate),
        )
        for stake in (staking.stakes if staking is not None else ())
    ]
    items = [
        i18n.t(language, "programs.item", name=item.name, price=item.price, stock=item.stock)
        for item in (catalog.items if catalog is not None else ())
    ]
    return page_context(
        web,
        signed,
        "programs",
        "app.programs",
        spare=member.programs.spare,
        lottery=lottery,
        draw_rule=draw_rule,
        entries=entries,
        staking=staking,
        stakes=stakes,
        catalog=catalog,
        items=items,
    )
