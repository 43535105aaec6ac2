"""/team: direct invitees, team size and volume, level and the way to the next one."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, member_screen
from bot.texts import t
from functions.services.members import Members, TeamView


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
    await member_screen(update, context, Members.team, render)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("team", team, filters=PRIVATE)]
