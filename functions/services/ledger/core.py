"""What every ledger use case shares: the store and plans, retries, replays of keyed events.

The plan is versioned (:mod:`functions.rewards.versions`): ``plan`` is the first
version, ``plans`` where the history comes from (the table, cached, in the deployed
stack; just ``plan`` when not given). Decisions take the version in effect on their
business date: the date a scenario passes, else the local date of the clock in ``zone``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo

from functions.rewards.decisions import Pool as PricePool
from functions.rewards.decisions import point_price
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.money import Cents
from functions.rewards.plan import Plan
from functions.rewards.versions import PlanHistory, PlanVersion, local_date
from functions.store.commit import Commit
from functions.store.errors import (
    AlreadyExistsError,
    ConflictError,
    GuardError,
    SettlementRunningError,
    UnavailableError,
)
from functions.store.ports import LedgerPort
from functions.store.records import MemberRecord

from ..plan_sources import PlanSource, StaticPlans
from ..results import Record, RecordError

T = TypeVar("T")
R = TypeVar("R")

SETTLEMENT_RUNNING = "the daily settlement is running; try again in a few minutes"
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
"""The default business day's zone (``JIFEN_TIME_ZONE`` sets the runtime's)."""


def wall_clock_us() -> int:
    """Microseconds since the epoch: journal timestamps and join order."""
    return time.time_ns() // 1000


def read_once(clock: Callable[[], int]) -> Callable[[], int]:
    """An event's timestamp: ``clock`` read on first use, the same value after."""
    stamp: list[int] = []

    def at() -> int:
        if not stamp:
            stamp.append(clock())
        return stamp[0]

    return at


@dataclass
class LedgerCore:
    """One store and one plan, and how a use case commits against them."""

    store: LedgerPort
    plan: Plan
    clock: Callable[[], int] = wall_clock_us
    max_attempts: int = 12
    sleep: Callable[[float], None] = time.sleep
    _rng: random.Random = field(default_factory=random.Random)
    plans: PlanSource | None = None
    """Where the plan's versions come from (None: ``plan`` alone, from the start)."""
    zone: ZoneInfo = BUSINESS_ZONE
    apply_threads: int = 1
    """Members of one settlement page applied at once (each member is its own conditional
    write, so their order within a page does not matter)."""
    load_processes: int = 1
    """Worker processes reading the members for a settlement's compute step (issue 16)."""

    def __post_init__(self) -> None:
        if self.plans is None:
            self.plans = StaticPlans(PlanHistory.of(self.plan))

    # -- plan versions -------------------------------------------------------
    def business_date(self, at_us: int | None = None) -> str:
        """The local date (in ``zone``) of ``at_us``, or of now by the ledger's clock."""
        return local_date(self.clock() if at_us is None else at_us, self.zone)

    def plan_history(self, date: str | None = None) -> PlanHistory:
        """Every version, exact for decisions on ``date``."""
        assert self.plans is not None
        return self.plans.history(date)

    def plan_on(self, date: str) -> Plan:
        """The version in effect on ``date`` (docs/rules-decisions.md, "Plan versions")."""
        return self.plan_history(date).plan_on(date)

    def version_for(self, business_date: str | None, at: Callable[[], int]) -> PlanVersion:
        """The version of an event: by its business date (a scenario's), else by the local
        date of its own timestamp, ``at()`` (read only when a date is needed: one plan
        that no date can change needs none)."""
        assert self.plans is not None
        if business_date is None:
            only = self.plans.only()
            if only is not None:
                return only
            business_date = self.business_date(at())
        return self.plan_history(business_date).at(business_date)

    def current_plan(self) -> Plan:
        """The version in effect today (screens, prices, the shop)."""
        return self.version_for(None, self.clock).plan

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until it commits; conflicts and throttling back off and retry."""
        for round_ in range(self.max_attempts):
            try:
                return attempt()
            except (ConflictError, GuardError, UnavailableError):
                if round_ == self.max_attempts - 1:
                    raise Rejected(RejectCode.BUSY, "too much contention; try again") from None
                self.sleep(min(0.2, 0.002 * 2**round_) * self._rng.random())
        raise AssertionError("unreachable")

    def _replay(self, key: str, read: Callable[[Record], R]) -> R | None:
        stored = self.store.stored_result(key)
        return None if stored is None else stored_result(stored, read)

    def _keyed(self, key: str, read: Callable[[Record], R], decide: Callable[[], R]) -> R:
        """A keyed event: the first result if ``key`` was committed, else ``decide`` (which
        commits), retried on conflicts, each attempt looking for the first result again."""

        def attempt() -> R:
            replay = self._replay(key, read)
            return decide() if replay is None else replay

        return self._retrying(attempt)

    def _commit_keyed(self, commit: Commit) -> None:
        try:
            self.store.commit(commit)
        except SettlementRunningError:
            raise Rejected(RejectCode.BUSY, SETTLEMENT_RUNNING) from None
        except AlreadyExistsError as exc:
            # the same key committed concurrently: the replay at the next attempt returns it
            raise ConflictError(str(exc)) from None

    def pool(self) -> PricePool:
        totals = self.store.system_totals()
        return PricePool(totals.reserve, totals.circulating)

    def member(self, name: str) -> MemberRecord:
        record = self.store.get_member(name)
        if record is None:
            raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
        return record

    def price(self) -> Cents | None:
        """Cash per point now, floored to a hundredth (None: no price yet)."""
        value = point_price(self.current_plan(), self.pool())
        return None if value is None else value.numerator * 100 // value.denominator


def stored_result(text: str, read: Callable[[Record], R]) -> R:
    """A keyed event's stored result as its typed value.

    A record that does not read as this use case's result means the key was
    first used by another kind of request: refused, and nothing is written.
    """
    try:
        record = json.loads(text)
        if not isinstance(record, dict):
            raise RecordError("the stored result is not a JSON object")
        return read(record)
    except ValueError:  # not JSON, or a RecordError
        raise Rejected(
            RejectCode.INVALID_EVENT,
            "that idempotency key was already used for a different kind of request",
        ) from None
