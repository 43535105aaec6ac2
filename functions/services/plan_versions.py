"""Publishing a plan version: review a candidate, then publish it in one transaction.

:class:`PlanPublisher` reviews a candidate (load errors, the plan check, the effective
date) and publishes it: one transaction that refuses a date the settlement sequence has
reached, or a head that moved since the review (``plan_changed``). The bot's two-step
publish keeps the reviewed candidate as a draft until its operator confirms. Where the
plans are read from is :mod:`functions.services.plan_sources`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.plan import Plan, canonical_plan_text, load_plan_text
from functions.rewards.plan_changes import plan_changes
from functions.rewards.plan_check import check_plan_text
from functions.rewards.plan_findings import CheckLimits, Finding, Severity
from functions.rewards.simulation import PlatformState
from functions.rewards.versions import (
    PlanVersion,
    check_effective_date,
    local_date,
)
from functions.store.plan_store import PlanConflictError, PlanDateError
from functions.store.ports import LedgerPort
from functions.store.records import (
    NewPlanVersion,
    PlanDraftRecord,
    PlanHead,
    PlanVersionRecord,
)

from .plan_sources import PlanSource, StoredPlans

DEFAULT_MAX_AGE_S = 60.0
"""How long a container trusts the versions it read (``JIFEN_PLAN_CACHE_S``)."""
REASON_MAX = 500
BOOTSTRAP_OPERATOR = "bootstrap"


# -- publishing ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    """What publishing a candidate would do: its version, its findings, what changes."""

    plan: Plan | None
    """None when the text does not load (its findings say why)."""
    text: str
    effective_from: str
    version: int
    base: PlanHead | None
    current: PlanVersionRecord | None
    findings: tuple[Finding, ...]
    changes: tuple[tuple[str, str, str], ...]
    """``(key, before, after)`` for every plan parameter that differs from the latest version."""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def draft_id(self) -> str:
        """Names this exact candidate on top of this exact base (the bot's confirm button)."""
        base = self.base.hash if self.base else ""
        seed = "\n".join((base, self.effective_from, canonical_or(self.plan, self.text)))
        return hashlib.sha256(seed.encode()).hexdigest()[:16]


def canonical_or(plan: Plan | None, text: str) -> str:
    return canonical_plan_text(plan) if plan is not None else text


@dataclass
class PlanPublisher:
    """Reviewing and publishing versions on one store (the CLI, the bot, scenarios)."""

    store: LedgerPort
    plans: StoredPlans
    clock: Callable[[], int]
    zone: ZoneInfo
    check_today: bool = True
    """Refuse an effective date that is not after today (the live rule; scenarios: False)."""
    limits: CheckLimits = field(default_factory=CheckLimits)

    def today(self) -> str:
        return local_date(self.clock(), self.zone)

    def versions(self) -> tuple[PlanVersionRecord, ...]:
        """Every stored version (bootstrapping version 1 if there is none)."""
        return self.plans.records()

    def version(self, number: int | None = None) -> PlanVersionRecord:
        """Version ``number``, or the latest."""
        versions = self.versions()
        if number is None:
            return versions[-1]
        if not 1 <= number <= len(versions):
            raise Rejected(RejectCode.NOT_FOUND, f"there is no version {number}")
        return versions[number - 1]

    def in_effect(self, date: str | None = None) -> PlanVersion:
        """The version in effect on ``date`` (default: today)."""
        day = date or self.today()
        return self.plans.history(day).at(day)

    def review(
        self, text: str, effective_from: str, *, state: PlatformState | None = None
    ) -> Review:
        """Load and check ``text`` as the next version from ``effective_from``.

        The date is refused (``effective_date_passed``) before anything is checked;
        findings never raise: a text that does not load is a review with errors.
        """
        records = self.versions()
        current = records[-1]
        sequence = self.store.settlement_sequence()
        check_effective_date(
            effective_from,
            last_settled=sequence.date if sequence is not None else None,
            today=self.today() if self.check_today else None,
        )
        plan, findings = check_plan_text(text, state=state, limits=self.limits)
        base_plan = load_plan_text(current.text)
        changes = plan_changes(base_plan, plan) if plan is not None else ()
        return Review(
            plan=plan,
            text=text,
            effective_from=effective_from,
            version=current.version + 1,
            base=PlanHead(current.version, current.hash),
            current=current,
            findings=tuple(findings),
            changes=tuple(changes),
        )

    def publish(
        self,
        review: Review,
        *,
        reason: str,
        operator: str,
        acknowledge_warnings: bool = False,
        checked: bool = True,
    ) -> PlanVersionRecord:
        """Publish a reviewed candidate, only on top of the version it was reviewed against.

        Errors block; warnings need ``acknowledge_warnings``; the store refuses a date the
        settlement sequence reached meanwhile (``effective_date_passed``) and a head that
        moved (``plan_changed``). A repeat of a publication already made returns it.
        ``checked=False`` publishes despite the findings (scenario histories: they
        simulate what a plan does, lawful or not).
        """
        reason = reason.strip()
        if not reason:
            raise Rejected(RejectCode.INVALID_EVENT, "a publication needs a reason")
        if review.plan is None:
            raise Rejected(RejectCode.PLAN_CHECK_FAILED, "the plan does not load")
        if checked and review.errors:
            codes = ", ".join(sorted({f.code for f in review.errors}))
            raise Rejected(RejectCode.PLAN_CHECK_FAILED, f"the plan check found errors: {codes}")
        if checked and review.warnings and not acknowledge_warnings:
            codes = ", ".join(sorted({f.code for f in review.warnings}))
            raise Rejected(
                RejectCode.PLAN_CHECK_FAILED,
                f"the plan check found warnings ({codes}); acknowledge them to publish",
            )
        text = canonical_plan_text(review.plan)
        try:
            record = self.store.publish_plan(
                NewPlanVersion(
                    version=review.version,
                    effective_from=review.effective_from,
                    operator=operator,
                    reason=reason[:REASON_MAX],
                    name=review.plan.name,
                    text=text,
                    published_at=self.clock(),
                    previous=review.base,
                )
            )
        except PlanDateError as exc:
            raise Rejected(
                RejectCode.EFFECTIVE_DATE_PASSED,
                f"effective_from {review.effective_from} must be after {exc.last_claimed}, "
                "the last date claimed for settlement",
            ) from None
        except PlanConflictError:
            self.plans.invalidate()
            latest = self.versions()[-1]
            if (
                latest.version == review.version
                and latest.text == text
                and latest.effective_from == review.effective_from
                and latest.operator == operator
            ):
                return latest  # this very publication, repeated (a double press)
            raise Rejected(
                RejectCode.PLAN_CHANGED,
                f"version {latest.version} was published since this one was reviewed; "
                "review it again",
            ) from None
        self.plans.invalidate()
        return record

    # -- the bot's two steps --------------------------------------------------------
    def draft(self, review: Review, *, reason: str, operator: str) -> PlanDraftRecord:
        """Keep a reviewed candidate for its operator's confirmation."""
        draft = PlanDraftRecord(
            draft_id=review.draft_id,
            text=review.text,
            effective_from=review.effective_from,
            reason=reason.strip()[:REASON_MAX],
            operator=operator,
            base_version=review.version - 1,
            created_at=self.clock(),
        )
        self.store.put_plan_draft(draft)
        return draft

    def confirm(self, draft_id: str, *, operator: str) -> PlanVersionRecord:
        """Publish a draft its operator confirmed (reviewed again: the state may have moved).

        Pressing the preview's button is the acknowledgement of the warnings it showed.
        """
        draft = self.store.plan_draft(draft_id)
        if draft is None or draft.operator != operator:
            raise Rejected(RejectCode.NOT_FOUND, "that preview expired; send the plan again")
        latest = self.versions()[-1]
        if latest.version > draft.base_version:
            if latest.version == draft.base_version + 1 and latest.operator == operator:
                plan = load_plan_text(latest.text)
                candidate = load_plan_text(draft.text)
                if plan == candidate and latest.effective_from == draft.effective_from:
                    return latest  # already published from this draft
            raise Rejected(
                RejectCode.PLAN_CHANGED,
                f"version {latest.version} was published since this preview; send it again",
            )
        review = self.review(draft.text, draft.effective_from)
        return self.publish(
            review, reason=draft.reason, operator=operator, acknowledge_warnings=True
        )


class _LedgerPlans(Protocol):
    """What :func:`publisher_of` needs of a ledger (its store, plans, clock and zone)."""

    store: LedgerPort
    plan: Plan
    plans: PlanSource | None
    zone: ZoneInfo

    def clock(self) -> int: ...


def publisher_of(ledger: _LedgerPlans) -> PlanPublisher:
    """A publisher on ``ledger``'s table that refreshes the ledger's own plans when it publishes.

    A ledger reading its plans from the table shares them; one built with a fixed plan
    gets a table-backed history bootstrapped from that plan (publishing needs the table).
    """
    plans = ledger.plans
    if not isinstance(plans, StoredPlans):
        plans = StoredPlans(ledger.store, ledger.plan, clock=ledger.clock)
    return PlanPublisher(ledger.store, plans, ledger.clock, ledger.zone)
