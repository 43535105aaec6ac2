"""The engagement programs' items (issue 13; docs/storage.md, "Engagement programs").

Part of :class:`~functions.store.ledger_store.LedgerStore` (a mixin over ``self.table``):

* the **lottery**: one state item (the draw counter), one entry item per waiting draw
  in draw order (``LOTTERY`` / ``E#<seq>``), and a mark per entry under its member
  (``M#<member>`` / ``LQ#<seq>``) so a member's waiting draws are one query. The pool
  is the platform account ``lottery_pool`` of the sharded totals;
* the **catalog**: an item per catalog entry (``CATALOG#<item>`` / ``ITEM``, listed on
  the index under ``CATALOG``), its voucher code pool (``CODE#<n>``), its redemptions
  in order (``R#<n>``, also on the index under ``REDEMPTIONS`` newest last) and a
  per-member count (``M#<member>`` / ``RDM#<item>``);
* **month activity**: a member's cash and orders in a business month
  (``M#<member>`` / ``MONTH#<YYYY-MM>``, on the index under ``MONTH#<YYYY-MM>#<shard>``);
* **month closes**: run records, pages and applied markers (``CLOSE#<YYYY-MM>``) and
  the close sequence (``CLOSE#SEQ``), like settlement runs.

The ``*_items`` functions build the transaction items an event's
:class:`~functions.store.commit.Commit` carries in ``extra_items``.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Iterator, Sequence

from functions.rewards.catalog import CatalogItem
from functions.rewards.lottery import Entry

from .errors import UnavailableError
from .items import (
    SHARDS,
    Kind,
    keyed,
    member_pk,
    number,
    shard_of,
    text,
)
from .program_items import (
    CATALOG_INDEX,
    CLOSE_SEQUENCE_KEY,
    LOTTERY_PK,
    LOTTERY_STATE_KEY,
    REDEMPTIONS_INDEX,
    CloseRun,
    CloseSequence,
    MonthActivity,
    Redemption,
    catalog_code_key,
    catalog_item,
    catalog_item_key,
    close_applied_key,
    close_page_key,
    close_run,
    close_run_key,
    entry,
    lottery_entry_key,
    lottery_mark_key,
    month_activity_key,
    redeemed_count_key,
    redemption,
    redemption_key,
)
from .settlement_store import RunStatus, SequenceStatus
from .table import (
    Absent,
    Check,
    ConditionFailed,
    Delete,
    Exists,
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
from .table import Compare as Cmp

# -- transaction items of events --------------------------------------------------------


def draw_items(draws_before: int, entry: Entry, winners: Sequence[Entry]) -> list[TransactItem]:
    """Move the draw counter (only from the value read), queue the entry, drop winners."""
    state: TransactItem = (
        Put(
            keyed(LOTTERY_STATE_KEY, Kind.LOTTERY_STATE, draws=entry.seq),
            Absent(),
            "lottery:state",
        )
        if draws_before == 0
        else Update(
            LOTTERY_STATE_KEY,
            set={"draws": entry.seq},
            condition=eq("draws", draws_before),
            label="lottery:state",
        )
    )
    items: list[TransactItem] = [state]
    attributes: dict[str, Value] = {"seq": entry.seq, "member": entry.member, "paid": entry.paid}
    items.append(
        Put(
            keyed(lottery_entry_key(entry.seq), Kind.LOTTERY_ENTRY, **attributes),
            Absent(),
            "lottery:entry",
        )
    )
    items.append(
        Put(
            keyed(lottery_mark_key(entry.member, entry.seq), Kind.LOTTERY_MARK, **attributes),
            Absent(),
            "lottery:mark",
        )
    )
    for won in winners:
        items.append(Delete(lottery_entry_key(won.seq), Exists(), f"lottery:won:{won.seq}"))
        items.append(Delete(lottery_mark_key(won.member, won.seq), None, f"lottery:mark:{won.seq}"))
    return items


def exit_items(entry: Entry) -> list[TransactItem]:
    """Leave the queue: the entry must still be waiting (a draw may have just paid it)."""
    return [
        Delete(
            lottery_entry_key(entry.seq),
            all_of(Exists(), eq("member", entry.member)),
            "lottery:entry",
        ),
        Delete(lottery_mark_key(entry.member, entry.seq), None, "lottery:mark"),
    ]


def month_activity_items(member: str, month: str, cash: int) -> list[TransactItem]:
    """Add a purchase to the buyer's month (no condition: an ``ADD`` commutes)."""
    return [
        Update(
            month_activity_key(member, month),
            set={
                "kind": Kind.MONTH_ACTIVITY.value,
                "member": member,
                "month": month,
                "gsi1pk": f"MONTH#{month}#{shard_of(member):03d}",
                "gsi1sk": member,
            },
            add={"cash": cash, "orders": 1},
            label="month",
        )
    ]


def redeem_items(
    before: CatalogItem, member: str, count_before: int, record: Redemption
) -> list[TransactItem]:
    """Take one unit: only from the stock and count read (stock never below zero), count
    the member's redemption, record it under the item (its number is unique)."""
    number_ = before.redeemed + 1
    count_condition = any_of(Absent(), Cmp("count", "<", before.limit)) if before.limit else None
    attributes: dict[str, Value] = {
        "item": record.item,
        "number": number_,
        "member": record.member,
        "name": record.name,
        "price": record.price,
        "code": record.code,
        "at": record.at,
        "gsi1pk": REDEMPTIONS_INDEX,
        "gsi1sk": f"{record.at:020d}#{record.item}#{number_:09d}",
    }
    items: list[TransactItem] = [
        Update(
            catalog_item_key(before.item),
            add={"stock": -1, "redeemed": 1},
            condition=all_of(Exists(), Cmp("stock", ">=", 1), eq("redeemed", before.redeemed)),
            label="catalog:item",
        ),
        Update(
            redeemed_count_key(member, before.item),
            set={"kind": Kind.REDEEMED_COUNT.value, "member": member, "item": before.item},
            add={"count": 1},
            condition=all_of(
                count_condition,
                any_of(Absent(), eq("count", count_before)),
            ),
            label="catalog:count",
        ),
        Put(
            keyed(redemption_key(before.item, number_), Kind.REDEMPTION, **attributes),
            Absent(),
            "catalog:redemption",
        ),
    ]
    return items


def code_check(item: str, number_: int) -> TransactItem:
    """The pool code a redemption hands out must exist (read just before)."""
    return Check(catalog_code_key(item, number_), Exists(), "catalog:code")


# -- reads and operator writes ------------------------------------------------------------


class ProgramItems:
    """The programs' part of the ledger store (a mixin over ``self.table``)."""

    table: Table

    # lottery -------------------------------------------------------------------
    def lottery_draws(self) -> int:
        """Draws made so far (the counter a draw moves)."""
        item = self.table.get(LOTTERY_STATE_KEY)
        return number(item, "draws") if item is not None else 0

    def waiting_entries(self, limit: int | None = None) -> list[Entry]:
        """The oldest waiting draws first (strongly consistent)."""
        return [entry(item) for item in self.table.query(LOTTERY_PK, prefix="E#", limit=limit)]

    def member_entries(self, member: str) -> list[Entry]:
        """A member's waiting draws, oldest first."""
        return [entry(item) for item in self.table.query(member_pk(member), prefix="LQ#")]

    # catalog -------------------------------------------------------------------
    def catalog_item(self, item: str) -> CatalogItem | None:
        found = self.table.get(catalog_item_key(item))
        return catalog_item(found) if found is not None else None

    def catalog_items(self) -> list[CatalogItem]:
        """Every listed item, by id (the index; eventually consistent)."""
        return [catalog_item(item) for item in self.table.query_index(CATALOG_INDEX)]

    def list_catalog_item(self, listed: CatalogItem, at: int) -> None:
        """Create or replace an item's name, price, stock and limit; keep its redemptions."""
        self.table.write(
            Update(
                catalog_item_key(listed.item),
                set={
                    "kind": Kind.CATALOG_ITEM.value,
                    "item": listed.item,
                    "name": listed.name,
                    "price": listed.price,
                    "stock": listed.stock,
                    "limit": listed.limit,
                    "listed_at": at,
                    "gsi1pk": CATALOG_INDEX,
                    "gsi1sk": listed.item,
                },
                add={"redeemed": 0},
            )
        )

    def add_catalog_codes(self, item: str, first: int, codes: Sequence[str]) -> None:
        """Voucher codes ``first``, ``first + 1``, … of the item's pool (each put once)."""
        for offset, code in enumerate(codes):
            key = catalog_code_key(item, first + offset)
            try:
                self.table.write(Put(keyed(key, Kind.CATALOG_CODE, code=code), Absent()))
            except ConditionFailed:
                raise ValueError(f"code number {first + offset} of {item!r} exists") from None

    def catalog_code(self, item: str, number_: int) -> str | None:
        found = self.table.get(catalog_code_key(item, number_))
        return text(found, "code") if found is not None else None

    def catalog_code_count(self, item: str) -> int:
        return sum(1 for _ in self.table.query(f"CATALOG#{item}", prefix="CODE#"))

    def redeemed_count(self, member: str, item: str) -> int:
        found = self.table.get(redeemed_count_key(member, item))
        return number(found, "count") if found is not None else 0

    def redemptions(self, item: str | None = None, limit: int = 20) -> list[Redemption]:
        """Newest first: one item's redemptions, or every item's (the index)."""
        if item is not None:
            rows = self.table.query(f"CATALOG#{item}", prefix="R#", newest_first=True, limit=limit)
            return [redemption(row) for row in rows]
        listed = list(self.table.query_index(REDEMPTIONS_INDEX))
        return [redemption(row) for row in reversed(listed[-limit:])]

    # month activity ------------------------------------------------------------
    def month_activity(self, month: str) -> Iterator[MonthActivity]:
        """Every member's purchases in ``month`` (32 index listings, merged by member)."""
        listings = [self.table.query_index(f"MONTH#{month}#{shard:03d}") for shard in range(SHARDS)]
        keyed_rows = (((str(item["gsi1sk"]), item) for item in listing) for listing in listings)
        for _, item in heapq.merge(*keyed_rows, key=lambda pair: pair[0]):
            yield MonthActivity(text(item, "member"), number(item, "cash"), number(item, "orders"))

    # month closes ----------------------------------------------------------------
    def close_sequence(self) -> CloseSequence | None:
        found = self.table.get(CLOSE_SEQUENCE_KEY)
        if found is None:
            return None
        return CloseSequence(text(found, "month"), text(found, "status"))

    def close_run(self, month: str) -> CloseRun | None:
        found = self.table.get(close_run_key(month))
        return close_run(found) if found is not None else None

    def open_close(self, month: str, run_id: str, at: int, previous: CloseSequence | None) -> bool:
        """Claim ``month``'s close with the sequence (from ``done``); False if we lost."""
        run = keyed(
            close_run_key(month),
            Kind.MONTH_RUN,
            month=month,
            run_id=run_id,
            status=RunStatus.COMPUTING,
            pages=0,
            totals="{}",
            created_at=at,
        )
        moved: dict[str, Value] = {"month": month, "status": SequenceStatus.OPEN}
        sequence: TransactItem = (
            Put(keyed(CLOSE_SEQUENCE_KEY, Kind.MONTH_RUN, **moved), Absent(), "sequence")
            if previous is None
            else Update(
                CLOSE_SEQUENCE_KEY,
                set=moved,
                condition=all_of(eq("month", previous.month), eq("status", SequenceStatus.DONE)),
                label="sequence",
            )
        )
        try:
            self.table.transact([Put(run, Absent(), "run"), sequence])
        except TransactionCancelled:
            return False
        except Unavailable as exc:
            raise UnavailableError(f"month close not claimed: {exc}") from exc
        return True

    def take_over_close(self, run: CloseRun, run_id: str) -> bool:
        return self._close_conditional(
            Update(
                close_run_key(run.month),
                set={"run_id": run_id},
                condition=all_of(eq("run_id", run.run_id), eq("status", RunStatus.COMPUTING)),
            )
        )

    def write_close_pages(self, month: str, run_id: str, payloads: Sequence[bytes]) -> None:
        self.table.batch_put(
            [
                keyed(
                    close_page_key(month, run_id, page),
                    Kind.MONTH_PAGE,
                    month=month,
                    run_id=run_id,
                    page=page,
                    payload=payload,
                )
                for page, payload in enumerate(payloads)
            ]
        )

    def mark_close_computed(self, month: str, run_id: str, pages: int, totals: str) -> bool:
        return self._close_conditional(
            Update(
                close_run_key(month),
                set={"status": RunStatus.COMPUTED, "pages": pages, "totals": totals},
                condition=all_of(eq("run_id", run_id), eq("status", RunStatus.COMPUTING)),
            )
        )

    def close_page(self, month: str, run_id: str, page: int) -> bytes | None:
        found = self.table.get(close_page_key(month, run_id, page))
        if found is None:
            return None
        payload = found.get("payload")
        if not isinstance(payload, bytes):
            raise ValueError(f"close page {page} of {month} has no payload")
        return payload

    def applied_close_pages(self, month: str, run_id: str) -> set[int]:
        rows = self.table.query(close_run_key(month).pk, prefix=f"APPLIED#{run_id}#")
        return {int(str(row["sk"]).rsplit("#", 1)[1]) for row in rows}

    def mark_close_page_applied(self, month: str, run_id: str, page: int, at: int) -> None:
        marker = keyed(close_applied_key(month, run_id, page), Kind.MONTH_APPLIED, at=at)
        with contextlib.suppress(ConditionFailed):  # applied before: the marker says so
            self.table.write(Put(marker, Absent()))

    def finish_close(self, run: CloseRun) -> None:
        try:
            self.table.transact(
                [
                    Update(
                        close_run_key(run.month),
                        set={"status": RunStatus.DONE},
                        condition=all_of(
                            eq("run_id", run.run_id), eq("status", RunStatus.COMPUTED)
                        ),
                        label="run",
                    ),
                    Update(
                        CLOSE_SEQUENCE_KEY,
                        set={"status": SequenceStatus.DONE},
                        condition=eq("month", run.month),
                        label="sequence",
                    ),
                ]
            )
        except Unavailable as exc:
            raise UnavailableError(f"month close not finished: {exc}") from exc
        except TransactionCancelled as exc:
            current = self.close_run(run.month)
            if current is None or current.status != RunStatus.DONE:
                raise UnavailableError(f"month close of {run.month} not finished") from exc

    def _close_conditional(self, update: Update) -> bool:
        try:
            self.table.write(update)
        except ConditionFailed:
            return False
        return True
