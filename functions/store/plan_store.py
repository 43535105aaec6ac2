"""Plan versions on the table: immutable numbered items, a keyed audit chain, one head.

Part of :class:`~functions.store.ledger_store.LedgerStore` (docs/storage.md, "Plan
versions"). Version ``n`` is ``PLAN`` / ``V#<n:06d>``; publishing it is ONE transaction:

1. ``Put`` of the version, only if absent;
2. the head ``PLAN`` / ``HEAD`` moved from ``n - 1`` (condition: it still names
   ``n - 1`` and its hash), or created for version 1 (only if absent);
3. for every version after the first, a ``ConditionCheck`` on the settlement sequence
   ``SETTLE#SEQ``: absent, or its date (the last date claimed for settlement) before
   the new version's ``effective_from`` — a settled (or settling) day never changes plan.

Each version carries ``hash = HMAC(key, "plan\\n" + prev_hash + "\\n" + canonical body)``
under the journal's chain keyring (the key is never in the table), linking it to the
version before: the plans' audit chain. ``jifen verify`` checks it
(:func:`plan_chain_problems`), so nobody who can write the table but lacks the key can
edit a published plan, insert one, or reorder them unnoticed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .errors import StoreError, UnavailableError
from .items import SEQUENCE_KEY, Kind, keyed, number, optional_text, text
from .journal import canonical
from .keyring import Keyring
from .plan_items import (
    PLAN_HEAD_KEY,
    PLAN_PK,
    plan_draft,
    plan_draft_item,
    plan_draft_key,
    plan_head,
    plan_version,
    plan_version_item,
)
from .records import (
    NewPlanVersion,
    OrderSummary,
    PlanDraftRecord,
    PlanHead,
    PlanVersionRecord,
)
from .table import (
    Absent,
    Check,
    Compare,
    Put,
    Table,
    TransactionCancelled,
    TransactItem,
    Unavailable,
    Update,
    Value,
    all_of,
    any_of,
    eq,
)

DRAFT_TTL_S = 24 * 3600
"""How long a previewed publication waits for its confirmation."""


class PlanConflictError(StoreError):
    """Another version was published first (the head moved): read again and decide again."""


class PlanDateError(StoreError):
    """The new version's ``effective_from`` is not after the settlement sequence's date."""

    def __init__(self, last_claimed: str | None) -> None:
        super().__init__(f"the settlement of {last_claimed} is already claimed")
        self.last_claimed = last_claimed


def plan_digest(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def plan_mac(
    key: bytes,
    *,
    key_id: str,
    prev_hash: str,
    version: int,
    effective_from: str | None,
    operator: str,
    reason: str,
    text: str,
    published_at: int,
) -> str:
    """The keyed hash of one version, chained to the previous version's hash.

    The ``plan`` prefix keeps a version's MAC from ever matching a journal entry's.
    """
    body = canonical(
        {
            "version": version,
            "effective_from": effective_from,
            "operator": operator,
            "reason": reason,
            "text": text,
            "published_at": published_at,
            "key_id": key_id,
        }
    )
    message = ("plan\n" + prev_hash + "\n" + body).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class PlanProblem:
    """One finding in the plans' chain: ``plan`` (broken, forged) or ``chain_key``."""

    version: int
    check: str
    detail: str


def plan_chain_problems(
    versions: Sequence[PlanVersionRecord], head: PlanHead | None, keyring: Keyring
) -> list[PlanProblem]:
    """Everything wrong with the stored versions (in version order) and the head."""
    problems: list[PlanProblem] = []
    previous = ""
    for position, record in enumerate(versions, start=1):
        number_ = record.version

        def found(detail: str, check: str = "plan", number_: int = number_) -> None:
            problems.append(PlanProblem(number_, check, detail))

        if number_ != position:
            found(f"version {number_} found where {position} was expected")
        if record.prev_hash != previous:
            found(f"version {number_} does not point at the previous version")
        previous = record.hash
        if (record.effective_from is None) != (position == 1):
            found("only version 1 is in effect from the start; every later one needs a date")
        if plan_digest(record.text) != record.digest:
            found(f"version {number_}'s text does not match its digest")
        key = keyring.key(record.key_id) if record.key_id else None
        if not record.key_id:
            found(f"version {number_} names no chain key (unkeyed)")
            continue
        if key is None:
            found(
                f"version {number_} is under chain key {record.key_id!r}, which the keyring "
                "lacks (unverifiable)",
                "chain_key",
            )
            continue
        expected = plan_mac(
            key,
            key_id=record.key_id,
            prev_hash=record.prev_hash,
            version=number_,
            effective_from=record.effective_from,
            operator=record.operator,
            reason=record.reason,
            text=record.text,
            published_at=record.published_at,
        )
        if not hmac.compare_digest(expected, record.hash):
            found(f"version {number_} was altered (hash mismatch)")
    last = versions[-1] if versions else None
    if head is None and last is not None:
        problems.append(PlanProblem(last.version, "plan", "the versions have no head item"))
    elif head is not None and (
        last is None or (head.version, head.hash) != (last.version, last.hash)
    ):
        problems.append(
            PlanProblem(
                head.version,
                "plan",
                f"the head names version {head.version}, the last stored version is "
                f"{last.version if last else 'none'} (a version was removed or added by hand)",
            )
        )
    return problems


class PlanVersions:
    """The plan part of the ledger store (a mixin over ``self.table`` and its keyring)."""

    table: Table
    _keyring: Keyring

    def plan_versions(self) -> list[PlanVersionRecord]:
        """Every version, oldest first (one strongly consistent query)."""
        return [plan_version(item) for item in self.table.query(PLAN_PK, prefix="V#")]

    def plan_head(self) -> PlanHead | None:
        item = self.table.get(PLAN_HEAD_KEY)
        return plan_head(item) if item is not None else None

    def publish_plan(self, new: NewPlanVersion) -> PlanVersionRecord:
        """Write version ``new.version`` after ``new.previous`` in one transaction.

        Raises :class:`PlanConflictError` when another version got there first and
        :class:`PlanDateError` when the settlement sequence has reached the new
        version's date (nothing is written either way).
        """
        previous = new.previous
        if new.version != (previous.version + 1 if previous else 1):
            raise ValueError(f"version {new.version} cannot follow {previous}")
        prev_hash = previous.hash if previous else ""
        key_id, key = self._keyring.current()
        record = PlanVersionRecord(
            version=new.version,
            effective_from=new.effective_from,
            operator=new.operator,
            reason=new.reason,
            name=new.name,
            text=new.text,
            digest=plan_digest(new.text),
            published_at=new.published_at,
            prev_hash=prev_hash,
            hash=plan_mac(
                key,
                key_id=key_id,
                prev_hash=prev_hash,
                version=new.version,
                effective_from=new.effective_from,
                operator=new.operator,
                reason=new.reason,
                text=new.text,
                published_at=new.published_at,
            ),
            key_id=key_id,
        )
        moved: dict[str, Value] = {"version": record.version, "hash": record.hash}
        items: list[TransactItem] = [
            Put(plan_version_item(record), Absent(), "version"),
            Put(keyed(PLAN_HEAD_KEY, Kind.PLAN_HEAD, **moved), Absent(), "head")
            if previous is None
            else Update(
                PLAN_HEAD_KEY,
                set=moved,
                condition=all_of(eq("version", previous.version), eq("hash", previous.hash)),
                label="head",
            ),
        ]
        if new.effective_from is not None:
            items.append(
                Check(
                    SEQUENCE_KEY,
                    any_of(Absent(), Compare("date", "<", new.effective_from)),
                    "sequence",
                )
            )
        try:
            self.table.transact(items)
        except TransactionCancelled as exc:
            failed = {
                reason.label for reason in exc.reasons if reason.code == "ConditionalCheckFailed"
            }
            if "sequence" in failed:
                sequence = self.table.get(SEQUENCE_KEY)
                raise PlanDateError(
                    optional_text(sequence, "date") if sequence is not None else None
                ) from exc
            if failed & {"version", "head"}:
                raise PlanConflictError(f"version {new.version} was published meanwhile") from exc
            raise UnavailableError(f"plan not published: {exc}") from exc
        except Unavailable as exc:
            raise UnavailableError(f"plan not published: {exc}") from exc
        return record

    # -- drafts (the bot's two-step publish) ----------------------------------------
    def put_plan_draft(self, draft: PlanDraftRecord) -> None:
        """Keep a previewed publication until it is confirmed (or its TTL ends)."""
        expires_at = draft.created_at // 1_000_000 + DRAFT_TTL_S
        self.table.write(Put(plan_draft_item(draft, expires_at)))

    def plan_draft(self, draft_id: str) -> PlanDraftRecord | None:
        item = self.table.get(plan_draft_key(draft_id))
        return plan_draft(draft_id, item) if item is not None else None

    # -- what the dry run repeats ---------------------------------------------------
    def orders_since(self, since_us: int) -> Iterator[OrderSummary]:
        """Every order recorded at or after ``since_us`` (a full read of the table)."""
        for item in self.table.scan([Kind.ORDER]):
            at = number(item, "created_at")
            if at < since_us:
                continue
            try:
                result = json.loads(optional_text(item, "result") or "{}")
            except ValueError:
                continue
            amount, points = result.get("amount"), result.get("points_spent", 0)
            if not isinstance(amount, int) or not isinstance(points, int):
                continue  # a record written before results were typed: not repeated
            order = text(item, "pk").removeprefix("ORDER#")
            yield OrderSummary(order, text(item, "member"), amount, points, at)
