"""A settlement's breakdown as members read it, on /balance and in the daily notice alike.

One function words both, so they say the same thing in the same order: a header with
what was credited, then only the non-zero parts, which add up to it. Acceleration
(share, team, peer) is paid from the member's own locked points and capped by them
(RULES.md §4): what the cap held back is shown as a negative line, with what the
member can do about it, so ``static + shares + team + peer − over the cap = credited``.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import t


def settlement_lines(
    language: str,
    *,
    date: str,
    static: int,
    share: Sequence[int],
    team: int,
    peer: int,
    paid: int,
    forfeited: int,
) -> list[str]:
    """The header (credited = static + paid) and the non-zero parts, in cents."""
    lines = [t(language, "settled.header", date=date, points=static + paid)]
    if static:
        lines.append(t(language, "settled.static", points=static))
    for generation, part in enumerate(share, start=1):
        if part:
            lines.append(t(language, "settled.share", generation=generation, points=part))
    if team:
        lines.append(t(language, "settled.team", points=team))
    if peer:
        lines.append(t(language, "settled.peer", points=peer))
    if forfeited:
        lines.append(t(language, "settled.forfeited", points=-forfeited))
        lines.append(t(language, "settled.forfeited_why"))
    return lines
