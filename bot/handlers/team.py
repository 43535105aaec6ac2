"""/team: direct invitees, team size and volume, level and the way to the next one."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, call, identify, reply, require_member, services
from bot.texts import t
from functions.services.members import TeamView


def render(language: str, team: TeamView) -> str:
    member = team.member
    lines = [
        t(language, "team.title"),
        t(language, "team.direct_count", count=team.direct_count),
    ]
    for invitee in team.direct:
        lines.append(t(language, "team.invitee", name=invitee.display_name or invitee.member))
    if team.direct_count > len(team.direct):
        lines.append(t(language, "team.more", count=team.direct_count - len(team.direct)))
    lines += [
        t(language, "team.size", count=member.team_size),
        t(language, "team.volume", amount=member.team_volume),
        t(language, "team.level", level=team.level or t(language, "team.no_level")),
    ]
    if team.next_level is not None and team.to_next_level is not None:
        lines.append(
            t(
                language,
                "team.next",
                level=team.next_level,
                amount=team.to_next_level,
                percent=team.progress_percent or 0,
            )
        )
    elif team.level is not None:
        lines.append(t(language, "team.top"))
    lines.append(t(language, "team.as_of"))
    return "\n".join(lines)


async def team(update: Update, context: Context) -> None:
    """Show the member's team figures (as of the last settlement)."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    view = await call(context, services(context).members.team, member)
    await reply(update, render(who.language, view))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("team", team, filters=PRIVATE)]
