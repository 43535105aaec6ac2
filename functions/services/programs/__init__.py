"""The engagement programs' use cases (issue 13; docs/rules-programs.md).

:class:`ProgramEvents` is part of :class:`~functions.services.ledger.Ledger`: each
member event (draw, lottery exit, stake, unstake, redeem) and operator action
(promote, list an item) reads what the engine needs, lets the engine decide and
commits one keyed transaction, like every other ledger use case.
"""

from __future__ import annotations

from .events import ProgramEvents, has_bought
from .results import DrawResult, ExitResult, RedeemResult, RoleResult, StakeResult, UnstakeResult

__all__ = [
    "DrawResult",
    "ExitResult",
    "ProgramEvents",
    "RedeemResult",
    "RoleResult",
    "StakeResult",
    "UnstakeResult",
    "has_bought",
]
