"""The day's proof of liabilities as a use case: build, store, publish, serve proofs.

**When.** Right after a date's settlement run is finished (the settlement driver's
``after_finish`` step, or the state machine's ``PublishProof`` state), and on demand
(``jifen proof publish DATE``). Settling is never held up by it: a failed build is
reported and can be redone while it is still possible (below).

**As of what.** The leaves are the members as one pass over the listing reads them after
the date's run is done: each leaf is one member item at one ``version`` (its balances,
``journal_seq`` and ``journal_head`` written by one transaction). Nothing is recomputed
from history, so the day is exact for the state it read; events after the run are in it
if they came before the pass (the record's ``built_at`` says when). Because a later
settlement would move balances by a day, a build is refused (``proof_too_late``) once a
later run has finished or any member carries a later run's ``settled_seq``; the day's
stored leaves, not the live table, are what a member's proof for that day is served
from, for as long as the table keeps them.

**Secrets.** The day's salt is derived from the current chain key
(:func:`functions.proofs.merkle.day_salt`); the header keeps only the key's id, so the
salt is recomputed from the keyring (SSM in AWS) whenever a proof is served. Neither the
salt nor a nonce is ever published.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from functions.proofs.day import (
    Day,
    Holding,
    Shape,
    decode_page,
    locate,
    split_entries,
    stored_proof,
)
from functions.proofs.documents import (
    FIELD_NAMES,
    FIELDS,
    daily_record,
    encode,
    proof_document,
    record_name,
)
from functions.proofs.encoding import (
    PAGE_BITS,
    ProofError,
    day_salt,
    member_commitment,
    member_nonce,
)
from functions.proofs.solvency import fixed_solvency, reserve_solvency
from functions.rewards.plan import Plan
from functions.store.keyring import Keyring
from functions.store.ports import LedgerPort, ProofStorage
from functions.store.proof_store import ProofDay, ProofStatus
from functions.store.records import MemberRecord
from functions.store.settlement_store import RunStatus

from ..ledger import wall_clock_us
from .publication import RecordPublisher

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def holding_of(member: MemberRecord) -> Holding:
    """A member item as a leaf's holding (balances in :data:`FIELDS` order)."""
    return Holding(
        member.member,
        (member.available, member.locked, member.withdrawing, member.commission, member.payable),
        member.journal_seq,
        member.journal_head,
        member.version,
    )


def iso_us(epoch_us: int) -> str:
    return (_EPOCH + dt.timedelta(microseconds=epoch_us)).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Published:
    """A day's record, stored and published (``built``: this call built it)."""

    date: str
    members: int
    root: str
    journal_root: str
    location: str
    built: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "status": "published",
            "members": self.members,
            "root": self.root,
            "journal_root": self.journal_root,
            "record": self.location,
            "built": self.built,
        }


@dataclass(frozen=True, slots=True)
class ProofFile:
    """A member's proof of one day: the JSON file and what its summary line says."""

    date: str
    member: str
    document: bytes
    points: int
    points_total: int

    @property
    def filename(self) -> str:
        return f"jifen-proof-{self.date}.json"


class ProofService:
    """Builds, stores and publishes days; serves members their proofs. Reading stored days
    (proofs, audits) needs no ``plan``; building one does (its valuation)."""

    def __init__(
        self,
        ledger: LedgerPort,
        proofs: ProofStorage,
        plan: Plan | None,
        keyring: Keyring,
        publisher: RecordPublisher,
        *,
        declared_cash: int | None = None,
        clock: Callable[[], int] = wall_clock_us,
        page_bits: int = PAGE_BITS,
    ) -> None:
        self.ledger = ledger
        self.proofs = proofs
        self.plan = plan
        self.keyring = keyring
        self.publisher = publisher
        self.declared_cash = declared_cash
        self.clock = clock
        self.page_bits = page_bits

    # -- building and publishing --------------------------------------------------------
    def publish(self, date: str) -> Published:
        """Build the day if it has no header yet, then publish its record (idempotent)."""
        day = self.proofs.proof_day(date)
        built = day is None
        if day is None:
            day = self.build(date)
        location = self.publisher.publish(record_name(date), day.record.encode("utf-8"))
        if day.status != ProofStatus.PUBLISHED:
            self.proofs.mark_proof_published(date, day.build_id, location, self.clock())
        self.proofs.advance_latest_proof(date)
        return Published(date, day.members, day.root, day.journal_root, location, built)

    def build(self, date: str) -> ProofDay:
        """Read every member once, build the day, store its parts and header."""
        run = self.ledger.settlement_run(date)
        if run is None or run.status != RunStatus.DONE:
            raise ProofError("proof_not_settled", f"{date} is not settled (its run is not done)")
        sequence = self.ledger.settlement_sequence()
        if sequence is not None and (
            sequence.seq > run.run_seq + 1 or (sequence.seq > run.run_seq and not sequence.open)
        ):
            raise ProofError(
                "proof_too_late", f"{sequence.date} was settled after {date}: its balances moved"
            )
        holdings = []
        for member in self.ledger.iter_members():
            if member.settled_seq > run.run_seq:
                raise ProofError(
                    "proof_too_late",
                    f"{member.member} was settled by a run after {date}: its balances moved",
                )
            holdings.append(holding_of(member))
        key_id, key = self.keyring.current()
        built = Day.build(date, len(FIELDS), holdings, day_salt(key, date), self.page_bits)
        at = self.clock()
        record = daily_record(
            date=date,
            built_at=iso_us(at),
            run_seq=run.run_seq,
            root=built.trees.root,
            journal_root=built.journal_root,
            depth=built.shape.depth,
            solvency=self._solvency(built),
        )
        build_id = uuid.uuid4().hex[:12]
        self.proofs.save_proof_parts(date, build_id, built.pages(), built.tops())
        root_hash, members, _ = built.root
        return self.proofs.create_proof_day(
            ProofDay(
                date=date,
                build_id=build_id,
                status=ProofStatus.STORED,
                key_id=key_id,
                run_seq=run.run_seq,
                members=members,
                depth=built.shape.depth,
                page_bits=built.shape.page_bits,
                pages=built.shape.pages,
                chunks=built.shape.chunks,
                root=root_hash.hex(),
                journal_root=built.journal_root.hex(),
                record=encode(record).decode("utf-8"),
                heads=built.heads(),
                built_at=at,
            )
        )

    def _solvency(self, built: Day) -> dict[str, Any]:
        if self.plan is None:
            raise ProofError("proof_no_plan", "building a day needs the plan (its valuation)")
        _, _, sums = built.root
        totals = dict(zip(FIELD_NAMES, sums, strict=True))
        if self.plan.valuation.mode == "reserve":
            reserve = self.ledger.system_totals().reserve
            return reserve_solvency(reserve, (leaf.balances[0] for leaf in built.leaves))
        return fixed_solvency(
            self.plan.valuation.fixed_price,
            totals["available"] + totals["locked"],
            totals["commission"] + totals["payable"],
            self.declared_cash,
        )

    # -- reading a stored day --------------------------------------------------------------
    def salt(self, day: ProofDay) -> bytes:
        key = self.keyring.key(day.key_id)
        if key is None:
            raise ProofError(
                "proof_key_missing", f"the chain keyring lacks {day.key_id!r}, {day.date}'s key"
            )
        return day_salt(key, day.date)

    def shape(self, day: ProofDay) -> Shape:
        return Shape(day.members, len(FIELDS), day.page_bits)

    def record(self, day: ProofDay) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(day.record)
        return found

    def member_proof(self, member: str, date: str | None = None) -> ProofFile | None:
        """``member``'s proof of ``date`` (default: the newest published day); None when
        no day is published or the member has no leaf in it (joined later)."""
        date = date or self.proofs.latest_proof_date()
        day = self.proofs.proof_day(date) if date else None
        if day is None or not day.published or day.members == 0:
            return None
        shape, salt = self.shape(day), self.salt(day)
        commitment = member_commitment(member_nonce(salt, member), day.date, member)
        firsts, _, _ = split_entries(day.heads, shape)
        chunk = locate(firsts, commitment)
        top = self._part(self.proofs.proof_top(day.date, day.build_id, chunk), "top", chunk)
        top_firsts, _, _ = split_entries(top, shape)
        number = chunk * shape.page_size + locate(top_firsts, commitment)
        page = self._part(self.proofs.proof_page(day.date, day.build_id, number), "page", number)
        proof = stored_proof(day.date, shape, salt, member, day.heads, (chunk, top), (number, page))
        if proof is None:
            return None
        record = self.record(day)
        document = proof_document(proof, record, record_name(day.date))
        points = [name for name, asset in FIELDS if asset == "points"]
        balances = dict(zip(FIELD_NAMES, proof.leaf.balances, strict=True))
        return ProofFile(
            day.date,
            member,
            encode(document),
            sum(balances[name] for name in points),
            sum(int(record["root"]["sums"][name]) for name in points),
        )

    @staticmethod
    def _part(payload: bytes | None, what: str, number: int) -> bytes:
        if payload is None:
            raise ProofError("proof_stored", f"the day's {what} {number} is missing")
        return payload

    def rebuild(self, day: ProofDay) -> Day:
        """The day again, from its stored pages alone (what an audit compares)."""
        holdings: list[Holding] = []
        for payload in self.proofs.proof_pages(day.date, day.build_id):
            holdings.extend(decode_page(payload))
        return Day.build(day.date, len(FIELDS), holdings, self.salt(day), day.page_bits)


def publish_after_settlement(
    service: Callable[[], ProofService], outcome: dict[str, Any]
) -> dict[str, Any]:
    """The step after a finished run: publish its day; a failure is reported, not raised
    (the run is done whatever happens here; ``jifen proof publish DATE`` redoes it)."""
    date = str(outcome["date"])
    try:
        return service().publish(date).as_json()
    except ProofError as exc:
        return {"date": date, "status": "failed", "code": exc.code, "message": exc.message}
    except Exception as exc:  # reported (and alarmed on): it never fails the finished run
        return {"date": date, "status": "failed", "code": "proof_error", "message": repr(exc)}


def days_to_check(proofs: ProofStorage, which: str, dates: Iterable[str] = ()) -> list[str]:
    """``latest``, ``all`` or ``none`` stored days (plus any named), oldest first."""
    chosen = set(dates)
    if which == "all":
        chosen.update(proofs.proof_dates())
    elif which == "latest":
        latest = proofs.latest_proof_date()
        if latest is not None:
            chosen.add(latest)
    return sorted(chosen)
