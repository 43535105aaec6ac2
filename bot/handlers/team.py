"""/team: direct invitees (live) with join date and contribution, the second generation,
and the team's size, volume and level as of the last settlement, clearly labelled.

Direct invitees and their invitees are counted now; team size and volume cover every
generation and are computed by the daily settlement, so they are shown with its date
(and may not yet include members who joined since). No phone number is ever shown.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, call, identify, reply, require_member, services
from bot.texts import t
from bot.views import day, level_name
from functions.services.members import TeamView


def render(language: str, team: TeamView, zone: Any) -> str:
    member = team.member
    lines = [t(language, "team.title"), t(language, "team.direct_count", count=team.direct_count)]
    for invitee in team.direct:
        lines.append(
            t(
                language,
                "team.invitee",
                name=invitee.display_name or t(language, "someone"),
                joined=day(invitee.joined_at, zone),
                bought=invitee.bought,
                invited=invitee.invited,
            )
        )
    if team.direct_count > len(team.direct):
        lines.append(t(language, "team.more", count=team.direct_count - len(team.direct)))
    if team.second_generation is not None:
        lines.append(t(language, "team.second", count=team.second_generation))
    lines.append("")
    if member.last_settled is None:
        lines.append(t(language, "team.not_settled"))
    else:
        lines += [
            t(language, "team.as_of", date=member.last_settled),
            t(language, "team.size", count=member.team_size),
            t(language, "team.volume", amount=member.team_volume),
        ]
    lines.append(t(language, "team.level", level=level_name(language, team.level)))
    if team.next_level is not None and team.to_next_level is not None:
        lines.append(
            t(
                language,
                "team.next",
                level=level_name(language, team.next_level),
                amount=team.to_next_level,
                percent=team.progress_percent or 0,
            )
        )
    elif team.level is not None:
        lines.append(t(language, "team.top"))
    return "\n".join(lines)


async def team(update: Update, context: Context) -> None:
    """Show the member's team."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    bot = services(context)
    view = await call(context, bot.members.team, member)
    await reply(update, render(who.language, view, bot.zone))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("team", team, filters=PRIVATE)]
