"""Settlement runs on the table: the date sequence, run records, pages and applied markers.

Part of :class:`~functions.store.ledger_store.LedgerStore` (docs/storage.md,
"Settlement"). The sequence item moves only by claiming a run (from ``done``,
``seq + 1``, in one transaction with the run record) and by finishing it (in one
transaction with the run's ``done``), so at most one date is ever in flight.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum

from .errors import UnavailableError
from .items import (
    SEQUENCE_KEY,
    Kind,
    applied_key,
    keyed,
    member_key,
    page_key,
    run_key,
    shard_of,
    system_key,
)
from .records import SettlementPage, SettlementRun, SettlementSequence
from .run_items import settlement_page, settlement_run, settlement_sequence
from .table import (
    Absent,
    Compare,
    ConditionFailed,
    Exists,
    LacksAttr,
    Put,
    Table,
    TransactionCancelled,
    Unavailable,
    Update,
    Value,
    all_of,
    any_of,
    eq,
)


class RunStatus(StrEnum):
    """A settlement run's status: ``computing`` → ``computed`` (pages published) → ``done``."""

    COMPUTING = "computing"
    COMPUTED = "computed"
    DONE = "done"


class SequenceStatus(StrEnum):
    """The settlement sequence: a run is ``open`` from its claim until it is ``done``."""

    OPEN = "open"
    DONE = "done"


class SettlementRuns:
    """The settlement part of the ledger store (a mixin over ``self.table``)."""

    table: Table

    def settlement_run(self, date: str) -> SettlementRun | None:
        item = self.table.get(run_key(date))
        return settlement_run(item) if item is not None else None

    def settlement_sequence(self) -> SettlementSequence | None:
        """The last claimed run (strongly consistent), or None before the first run."""
        item = self.table.get(SEQUENCE_KEY)
        return settlement_sequence(item) if item is not None else None

    def open_settlement(self) -> str | None:
        """The date of the unfinished settlement run, if any (reserve prices are in flux)."""
        sequence = self.settlement_sequence()
        return sequence.date if sequence is not None and sequence.open else None

    def open_run(
        self, date: str, run_id: str, at: int, previous: SettlementSequence | None
    ) -> bool:
        """Claim ``date`` as the next run, atomically with moving the sequence past ``previous``.

        One transaction: the sequence goes from ``previous`` (which must be ``done``;
        None: no run yet) to ``(previous.seq + 1, date, open)``, and the run record is
        created ``computing`` as ``run_id`` with that sequence number. False when
        another worker moved the sequence first or the run record already exists.
        """
        seq = 1 if previous is None else previous.seq + 1
        run = keyed(
            run_key(date),
            Kind.SETTLEMENT_RUN,
            date=date,
            run_id=run_id,
            run_seq=seq,
            status=RunStatus.COMPUTING,
            pages=0,
            totals="{}",
            pages_applied=0,
            created_at=at,
        )
        moved: dict[str, Value] = {"seq": seq, "date": date, "status": SequenceStatus.OPEN}
        sequence = (
            Put(keyed(SEQUENCE_KEY, Kind.SETTLEMENT_SEQUENCE, **moved), Absent(), "sequence")
            if previous is None
            else Update(
                SEQUENCE_KEY,
                set=moved,
                condition=all_of(eq("seq", previous.seq), eq("status", SequenceStatus.DONE)),
                label="sequence",
            )
        )
        try:
            self.table.transact([Put(run, Absent(), "run"), sequence])
        except TransactionCancelled:
            return False
        except Unavailable as exc:
            raise UnavailableError(f"run not claimed: {exc}") from exc
        return True

    def take_over_run(self, run: SettlementRun, run_id: str) -> bool:
        """Replace a run stuck in ``computing`` (its worker crashed); False if we lost."""
        return self._conditional(
            Update(
                run_key(run.date),
                set={"run_id": run_id},
                condition=all_of(eq("run_id", run.run_id), eq("status", RunStatus.COMPUTING)),
            )
        )

    def write_pages(self, date: str, run_id: str, payloads: Sequence[bytes]) -> None:
        self.table.batch_put(
            [
                keyed(
                    page_key(date, run_id, number),
                    Kind.SETTLEMENT_PAGE,
                    date=date,
                    run_id=run_id,
                    page=number,
                    payload=payload,
                )
                for number, payload in enumerate(payloads)
            ]
        )

    def mark_run_computed(self, date: str, run_id: str, pages: int, totals: str) -> bool:
        """Publish the pages of ``run_id``; False if another worker took the run over."""
        return self._conditional(
            Update(
                run_key(date),
                set={"status": RunStatus.COMPUTED, "pages": pages, "totals": totals},
                condition=all_of(eq("run_id", run_id), eq("status", RunStatus.COMPUTING)),
            )
        )

    def _conditional(self, update: Update) -> bool:
        try:
            self.table.write(update)
        except ConditionFailed:
            return False
        return True

    def settlement_pages(self, date: str, run_id: str) -> Iterator[SettlementPage]:
        """The pages of ``run_id``, in order."""
        pk = run_key(date).pk
        for item in self.table.query(pk, prefix=f"PAGE#{run_id}#"):
            yield settlement_page(item)

    def get_page(self, date: str, run_id: str, number: int) -> SettlementPage | None:
        item = self.table.get(page_key(date, run_id, number))
        return settlement_page(item) if item is not None else None

    def applied_pages(self, date: str, run_id: str) -> set[int]:
        items = self.table.query(run_key(date).pk, prefix=f"APPLIED#{run_id}#")
        return {int(str(item["sk"]).rsplit("#", 1)[1]) for item in items}

    def set_team_figures(self, member: str, volume: int, size: int, level: str | None) -> None:
        """Statement figures only (idempotent SET, no journal): not part of the ledger."""
        self.table.write(
            Update(
                member_key(member),
                set={"team_volume": volume, "team_size": size, "level": level},
                add={"version": 1},
                condition=Exists(),
            )
        )

    def set_run_figures(
        self,
        member: str,
        run_seq: int,
        figures: Mapping[str, Value],
    ) -> bool:
        """A run's statement figures of a member whose points it does not move (team
        figures; economics, issue 12: the gate's marks), set once per run: the item keeps
        ``figures_seq`` and a rerun's repeat is a no-op (False), so it moves no version."""
        return self._conditional(
            Update(
                member_key(member),
                set={**figures, "figures_seq": run_seq},
                add={"version": 1},
                condition=all_of(
                    Exists(),
                    any_of(LacksAttr("figures_seq"), Compare("figures_seq", "<", run_seq)),
                ),
            )
        )

    def apply_page_totals(self, page: SettlementPage, circulating: int, at: int) -> bool:
        """Mark a page applied and add its released points to circulating, exactly once.

        False when the page was already applied; other cancellations (a
        conflicting write on the shard) raise :class:`UnavailableError` so the
        caller retries instead of losing the total.
        """
        stored = page_key(page.date, page.run_id, page.page)
        marker = keyed(applied_key(page.date, page.run_id, page.page), Kind.PAGE_APPLIED, at=at)
        writes: list[Put | Update] = [Put(marker, Absent(), "marker")]
        if circulating:
            shard = system_key(shard_of(f"{stored.pk}{stored.sk}"))
            writes.append(Update(shard, add={"circulating": circulating}, label="shard"))
        try:
            self.table.transact(writes)
        except TransactionCancelled as exc:
            if any(
                reason.label == "marker" and reason.code == "ConditionalCheckFailed"
                for reason in exc.reasons
            ):
                return False
            raise UnavailableError(f"page totals not applied: {exc}") from exc
        except Unavailable as exc:
            raise UnavailableError(f"page totals not applied: {exc}") from exc
        return True

    def finish_run(self, run: SettlementRun) -> None:
        """Mark ``run`` done and close the sequence in one transaction (idempotent).

        The sequence is closed only if it still names this run, so finishing one date
        can never close another date's run. It keeps the cash sales the run counted
        (economics, issue 12: the next run's throttle measures its period from there).
        """
        try:
            self.table.transact(
                [
                    Update(
                        run_key(run.date),
                        set={"status": RunStatus.DONE, "pages_applied": run.pages},
                        condition=all_of(
                            eq("run_id", run.run_id), eq("status", RunStatus.COMPUTED)
                        ),
                        label="run",
                    ),
                    Update(
                        SEQUENCE_KEY,
                        set={"status": SequenceStatus.DONE, **_sales_mark(run)},
                        condition=all_of(eq("seq", run.run_seq), eq("date", run.date)),
                        label="sequence",
                    ),
                ]
            )
        except Unavailable as exc:
            raise UnavailableError(f"run not finished: {exc}") from exc
        except TransactionCancelled as exc:
            current = self.settlement_run(run.date)
            if current is None or current.status != RunStatus.DONE:
                raise UnavailableError(f"run of {run.date} could not be finished") from exc


def _sales_mark(run: SettlementRun) -> dict[str, Value]:
    """Economics (issue 12): the run's ``sales_mark`` (its summary's), for the sequence."""
    summary = json.loads(run.totals or "{}")
    mark = summary.get("sales_mark")
    sets: dict[str, Value] = {"sales_mark": mark} if isinstance(mark, int) else {}
    carry = summary.get("pool_carry")  # dividend pools: the balances the next run continues
    if isinstance(carry, dict):
        sets["pool_carry"] = json.dumps(carry, sort_keys=True)
    regions = summary.get("region_mark")  # region-scoped pools: the next run's period
    if isinstance(regions, dict):
        sets["region_mark"] = json.dumps(regions, sort_keys=True)
    return sets
