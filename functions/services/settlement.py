"""Daily settlement on the store: compute once, persist the results, apply per member.

1. **Compute.** Load every member (join order) with its open grants and
   personal volume, run the engine's linear :func:`settle` in memory, and write
   the per-member results as compressed pages (``SETTLE#<date>`` / ``PAGE#n``),
   then the run record. Members are not touched yet, so a crash here is
   harmless and a rerun recomputes.
2. **Apply.** Each page's members get one transaction each (balances, grants,
   counters, journal entry) conditioned on ``last_settled != date``; then the
   page is marked applied together with its circulating total. Pages are
   independent, so they can fan out (Step Functions Distributed Map) and a
   crash at any write followed by a rerun converges on one clean run's state:
   the results were fixed before anything was applied.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from functions.rewards.ledger import Bucket, Posting
from functions.rewards.money import format_cents
from functions.rewards.report import SettlementRow
from functions.rewards.settlement import SettlementInput, settle
from functions.rewards.tree import NO_PARENT, team_sizes
from functions.store import models as m
from functions.store.errors import ConflictError, GuardError, UnavailableError
from functions.store.ledger_store import Commit
from functions.store.records import GrantRecord, MemberRecord

from .ledger import Ledger

PAGE_SIZE = 1000
"""Members per page: a page item stays far below DynamoDB's 400 KB item limit."""


@dataclass(frozen=True, slots=True)
class MemberResult:
    """One member's settlement, as persisted in a page.

    A member is listed when the run moves its points (static, paid, forfeited)
    or when its team figures changed; the latter only refreshes statements.
    """

    member: str
    static: int
    share: tuple[int, ...]
    team: int
    peer: int
    paid: int
    forfeited: int
    releases: tuple[tuple[int, int], ...]  # (grant seq, released) oldest first
    team_volume: int = 0
    team_size: int = 0
    level: str | None = None

    @property
    def moves_points(self) -> bool:
        return bool(self.static or self.paid or self.forfeited)

    def to_list(self) -> list[Any]:
        return [
            self.member,
            self.static,
            list(self.share),
            self.team,
            self.peer,
            self.paid,
            self.forfeited,
            [list(pair) for pair in self.releases],
            self.team_volume,
            self.team_size,
            self.level,
        ]

    @classmethod
    def from_list(cls, row: Sequence[Any]) -> MemberResult:
        member, static, share, team, peer, paid, forfeited, releases, volume, size, level = row
        return cls(
            member,
            static,
            tuple(share),
            team,
            peer,
            paid,
            forfeited,
            tuple((seq, amount) for seq, amount in releases),
            volume,
            size,
            level,
        )

    def statement(self) -> dict[str, Any]:
        """Why the member got what they got (bot balance screen, notifications)."""
        return {
            "static": format_cents(self.static),
            "share": [format_cents(part) for part in self.share],
            "team": format_cents(self.team),
            "peer": format_cents(self.peer),
            "paid": format_cents(self.paid),
            "forfeited": format_cents(self.forfeited),
        }


def encode_page(results: Iterable[MemberResult]) -> bytes:
    return zlib.compress(json.dumps([row.to_list() for row in results]).encode(), 6)


def decode_page(payload: bytes) -> list[MemberResult]:
    return [MemberResult.from_list(row) for row in json.loads(zlib.decompress(payload))]


def compute(
    ledger: Ledger, members: Sequence[MemberRecord]
) -> tuple[list[MemberResult], dict[str, int]]:
    """Run the engine over the loaded membership; return the listed members and totals."""
    index = {record.member: position for position, record in enumerate(members)}
    missing = [r.member for r in members if r.referrer and r.referrer not in index][:5]
    if missing:  # the listing (a GSI) lags behind a very recent join: try again shortly
        raise SettlementError(f"referrers of {missing} are not listed yet; retry the run")
    parents = [index[record.referrer] if record.referrer else NO_PARENT for record in members]
    grants = [[(grant.remaining, grant.daily) for grant in record.grants] for record in members]
    outcome = settle(
        ledger.plan,
        SettlementInput(parents, [record.personal_volume for record in members], grants),
    )
    sizes = team_sizes(parents)
    levels = ledger.plan.levels
    level_names = [levels[position].name if position >= 0 else None for position in outcome.level]
    active = set(outcome.active())
    results: list[MemberResult] = []
    for position, record in enumerate(members):
        team_changed = (
            record.team_volume != outcome.team_volume[position]
            or record.team_size != sizes[position]
            or record.level != level_names[position]
        )
        if position not in active and not team_changed:
            continue
        remaining = outcome.remaining[position] or ()
        releases = tuple(
            (grant.seq, grant.remaining - left)
            for grant, left in zip(record.grants, remaining, strict=False)
            if grant.remaining != left
        )
        results.append(
            MemberResult(
                record.member,
                outcome.static[position],
                tuple(parts[position] for parts in outcome.share_by_generation),
                outcome.team[position],
                outcome.peer[position],
                outcome.paid[position],
                outcome.forfeited[position],
                releases,
                outcome.team_volume[position],
                sizes[position],
                level_names[position],
            )
        )
    totals = outcome.totals()
    summary = {
        "static": totals.static,
        "share": totals.share,
        "team": totals.team,
        "peer": totals.peer,
        "paid": totals.paid,
        "forfeited": totals.forfeited,
        "members": len(active),
    }
    return results, summary


class SettlementError(RuntimeError):
    """The run cannot proceed now (inconsistent listing, or another worker holds it)."""


def _pages(results: Sequence[MemberResult]) -> Iterator[list[MemberResult]]:
    for start in range(0, len(results), PAGE_SIZE):
        yield list(results[start : start + PAGE_SIZE])


def prepare_run(ledger: Ledger, date: str) -> m.SettlementRunItem:
    """Step 1: claim the run, compute it and publish its pages (or return the published run).

    The run record is claimed first (``computing`` with a fresh ``run_id``);
    pages are written under that id and published by a conditional switch to
    ``computed``. A run left ``computing`` by a crashed worker is taken over
    with a new id, so pages of different computations never mix.
    """
    store = ledger.store
    run = store.settlement_run(date)
    if run is not None and run.status != "computing":
        return run
    run_id = uuid.uuid4().hex[:16]
    if run is None:
        claimed = store.claim_run(date, run_id, ledger.clock())
    else:
        claimed = store.take_over_run(run, run_id)
    if not claimed:
        return _published(ledger, date)
    results, summary = compute(ledger, list(store.iter_members()))
    payloads = [encode_page(page) for page in _pages(results)]
    store.write_pages(date, run_id, payloads)
    if not store.mark_run_computed(date, run_id, len(payloads), json.dumps(summary)):
        return _published(ledger, date)
    published = store.settlement_run(date)
    assert published is not None
    return published


def _published(ledger: Ledger, date: str) -> m.SettlementRunItem:
    run = ledger.store.settlement_run(date)
    if run is None or run.status == "computing":
        raise SettlementError(f"another worker is computing the settlement of {date}")
    return run


def apply_member(
    ledger: Ledger, date: str, result: MemberResult, record: MemberRecord | None
) -> bool:
    """Apply one member's result once; False if it was already applied."""
    store = ledger.store
    if not result.moves_points:  # only the team figures changed: not a ledger event
        store.set_team_figures(result.member, result.team_volume, result.team_size, result.level)
        return True
    for attempt in range(ledger.max_attempts):
        if record is None or attempt:
            record = store.get_member(result.member)
        assert record is not None, f"settled member {result.member!r} vanished"
        if record.last_settled == date:
            return False
        released = result.static + result.paid
        by_seq = dict(result.releases)
        grants = tuple(
            GrantRecord(g.seq, g.order, g.points, g.remaining - by_seq.get(g.seq, 0), g.daily)
            for g in record.grants
        )
        assert sum(by_seq.values()) == released, "releases must add up to static + paid"
        postings = (
            (
                Posting(result.member, Bucket.LOCKED, -released),
                Posting(result.member, Bucket.AVAILABLE, released),
            )
            if released
            else ()
        )
        try:
            store.commit(
                Commit(
                    event_key=f"settle:{date}:{result.member}",
                    kind="settlement",
                    at=ledger.clock(),
                    chain=record,
                    postings=postings,
                    details={"date": date, **result.statement()},
                    statistics={
                        result.member: {"released": released, "forfeited": result.forfeited}
                    },
                    sets={
                        result.member: {
                            "grants": tuple(g for g in grants if g.remaining > 0),
                            "last_settled": date,
                            "team_volume": result.team_volume,
                            "team_size": result.team_size,
                            "level": result.level,
                        }
                    },
                    unless_settled=date,
                    defer_circulating=True,
                )
            )
            return True
        except (ConflictError, GuardError, UnavailableError):
            ledger.sleep(min(0.2, 0.002 * 2**attempt))
    raise UnavailableError(f"could not settle {result.member!r} on {date}")


def apply_page(ledger: Ledger, page: m.SettlementPageItem) -> int:
    """Step 2 for one page: every member, then the page's circulating total, once."""
    results = decode_page(page.payload)
    loaded = ledger.store.get_members([result.member for result in results])
    applied = 0
    for result in results:
        applied += apply_member(ledger, page.date, result, loaded.get(result.member))
    released = sum(result.static + result.paid for result in results)
    for attempt in range(ledger.max_attempts):
        try:
            ledger.store.apply_page_totals(page, released, ledger.clock())
            return applied
        except UnavailableError:
            ledger.sleep(min(0.2, 0.002 * 2**attempt))
    raise UnavailableError(f"could not record page {page.page} of {page.date}")


def run_settlement(ledger: Ledger, date: str) -> SettlementRow:
    """Settle ``date`` end to end (single-function path); a finished date is a no-op.

    While pages are applied the settlement gate is open, so reserve-valued
    withdrawals wait for the price to be whole again; a crash leaves it open
    until a rerun finishes (the alarm on the failed run says why).
    """
    store = ledger.store
    run = store.settlement_run(date)
    if run is not None and run.status == "done":
        store.close_gate(date)  # a crash right after finishing may have left it open
        return SettlementRow(date, "already_settled")
    run = prepare_run(ledger, date)
    if run.status != "done":
        store.set_gate(date, "applying")
        applied = store.applied_pages(date, run.run_id)
        for page in store.settlement_pages(date, run.run_id):
            if int(page.page) not in applied:
                apply_page(ledger, page)
        store.finish_run(run, int(run.pages))
        store.close_gate(date)
    return row_of(date, run)


def row_of(date: str, run: m.SettlementRunItem) -> SettlementRow:
    totals = json.loads(run.totals)
    return SettlementRow(
        date,
        "settled",
        static=totals["static"],
        share=totals["share"],
        team=totals["team"],
        peer=totals["peer"],
        paid=totals["paid"],
        forfeited=totals["forfeited"],
        members=totals["members"],
    )
