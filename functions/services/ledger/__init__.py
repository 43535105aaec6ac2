"""Use cases: load what the rules need, let the engine decide, commit one transaction.

Every method takes the business event's idempotency key. Retrying with the
same key returns the first result and changes nothing; a version conflict
(someone else wrote in between) reloads and decides again. Rejections are the
engine's :class:`Rejected` with its stable code.

:class:`Ledger` is assembled from :mod:`.member_events` (join, purchase,
transfer, freeze, adjustment) and :mod:`.withdrawals` (request, decide, pay,
claim for a payout), both over :mod:`.core` (the store, retries, replays).
"""

from __future__ import annotations

from ..programs.events import ProgramEvents  # issue 13
from .core import LedgerCore, wall_clock_us
from .gifts import Gifts  # economics (issue 12)
from .member_events import MemberEvents
from .refunds import Refunds  # economics (issue 12)
from .regions import Regions  # economics (issue 12)
from .withdrawals import Withdrawals, request_id_for

__all__ = ["Ledger", "LedgerCore", "request_id_for", "wall_clock_us"]


class Ledger(MemberEvents, Withdrawals, ProgramEvents, Refunds, Gifts, Regions):
    """The platform's use cases over one store and one plan."""
