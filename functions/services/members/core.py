"""What the bot-facing use cases share: the ledger, its store and plan, the bot's records."""

from __future__ import annotations

from collections.abc import Sequence

from functions.rewards.decisions import Pool
from functions.rewards.money import parse_cents
from functions.rewards.plan import Plan
from functions.store.ports import BotPort

from ..ledger import Ledger


class MembersCore:
    """One :class:`Ledger` and the bot's own records."""

    def __init__(
        self, ledger: Ledger, bot_store: BotPort, flat_packages: Sequence[str] = ()
    ) -> None:
        self.ledger = ledger
        self.store = ledger.store
        self.bot_store = bot_store
        self._flat_packages = tuple(parse_cents(text) for text in flat_packages)

    @property
    def plan(self) -> Plan:
        """The plan version in effect today (the shop, prices, minimums)."""
        return self.ledger.current_plan()

    def _pool(self) -> Pool:
        """The platform totals, read only where the price depends on them (reserve mode)."""
        return self.ledger.pool() if self.plan.valuation.mode == "reserve" else Pool(0, 0)
