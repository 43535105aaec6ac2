"""The referral tree as parent-index arrays, walked bottom-up in linear time.

Members are numbered ``0..n-1``; ``parents[i]`` is the referrer's number or -1.
Everything that aggregates over a team (team volume, share per generation,
team differential) is one pass over a bottom-up order: children before
parents. No ancestor chain is ever walked, so a 100,000-deep line costs the
same as a bushy tree of the same size.
"""

from __future__ import annotations

from collections.abc import Sequence

from .money import Cents

NO_PARENT = -1

INT64_LIMIT = 2**63
"""Sums below this fit the tree passes' machine integers (``array('q')``, numpy int64)."""


class TreeError(ValueError):
    """The parent array does not describe a forest (a cycle or a bad index)."""


def bottom_up_order(parents: Sequence[int]) -> Sequence[int]:
    """Every member after all of its descendants.

    When each referrer was numbered before its invitees (join order, the usual
    case) that is simply the reverse numbering; otherwise a breadth-first order
    from the roots is built and reversed, still O(n).
    """
    n = len(parents)
    if all(parent < index for index, parent in enumerate(parents)):
        return range(n - 1, -1, -1)
    first_child = [NO_PARENT] * n
    next_sibling = [NO_PARENT] * n
    roots: list[int] = []
    for index, parent in enumerate(parents):
        if parent == NO_PARENT:
            roots.append(index)
        elif not 0 <= parent < n:
            raise TreeError(f"member {index} has an unknown parent {parent}")
        else:
            next_sibling[index] = first_child[parent]
            first_child[parent] = index
    order = roots
    cursor = 0
    while cursor < len(order):
        child = first_child[order[cursor]]
        while child != NO_PARENT:
            order.append(child)
            child = next_sibling[child]
        cursor += 1
    if len(order) != n:
        raise TreeError("the referral tree has a cycle")
    order.reverse()
    return order


def team_volumes(
    parents: Sequence[int], personal: Sequence[Cents], order: Sequence[int] | None = None
) -> list[Cents]:
    """Sum of descendants' personal volumes for every member (not counting its own)."""
    team = [0] * len(parents)
    for index in order if order is not None else bottom_up_order(parents):
        parent = parents[index]
        if parent != NO_PARENT:
            team[parent] += team[index] + personal[index]
    return team


def team_sizes(parents: Sequence[int], order: Sequence[int] | None = None) -> list[int]:
    """Number of descendants of every member."""
    size = [0] * len(parents)
    for index in order if order is not None else bottom_up_order(parents):
        parent = parents[index]
        if parent != NO_PARENT:
            size[parent] += size[index] + 1
    return size
