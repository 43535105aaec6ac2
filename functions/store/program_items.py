"""The programs' items: keys, records and codecs of the lottery queue, the catalog, month
activity and the month close (issue 13).

Kept beside :mod:`functions.store.program_store`, which builds the programs' transaction
items and reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from functions.rewards.catalog import CatalogItem
from functions.rewards.lottery import Entry

from .items import (
    member_pk,
    number,
    optional_text,
    text,
)
from .settlement_store import SequenceStatus
from .table import (
    Key,
    Value,
)

# -- keys ------------------------------------------------------------------------------

LOTTERY_PK = "LOTTERY"
LOTTERY_STATE_KEY = Key(LOTTERY_PK, "STATE")
CATALOG_INDEX = "CATALOG"
REDEMPTIONS_INDEX = "REDEMPTIONS"
CLOSE_SEQUENCE_KEY = Key("CLOSE#SEQ", "SEQ")


def lottery_entry_key(seq: int) -> Key:
    return Key(LOTTERY_PK, f"E#{seq:012d}")


def lottery_mark_key(member: str, seq: int) -> Key:
    return Key(member_pk(member), f"LQ#{seq:012d}")


def catalog_item_key(item: str) -> Key:
    return Key(f"CATALOG#{item}", "ITEM")


def catalog_code_key(item: str, number_: int) -> Key:
    return Key(f"CATALOG#{item}", f"CODE#{number_:09d}")


def redemption_key(item: str, number_: int) -> Key:
    return Key(f"CATALOG#{item}", f"R#{number_:09d}")


def redeemed_count_key(member: str, item: str) -> Key:
    return Key(member_pk(member), f"RDM#{item}")


def month_activity_key(member: str, month: str) -> Key:
    return Key(member_pk(member), f"MONTH#{month}")


def close_run_key(month: str) -> Key:
    return Key(f"CLOSE#{month}", "RUN")


def close_page_key(month: str, run_id: str, page: int) -> Key:
    return Key(f"CLOSE#{month}", f"PAGE#{run_id}#{page:06d}")


def close_applied_key(month: str, run_id: str, page: int) -> Key:
    return Key(f"CLOSE#{month}", f"APPLIED#{run_id}#{page:06d}")


# -- records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Redemption:
    """One redemption: the item's ``number``-th, who, what it cost, the voucher code."""

    item: str
    number: int
    member: str
    name: str
    price: int
    code: str
    at: int


@dataclass(frozen=True, slots=True)
class MonthActivity:
    member: str
    cash: int
    orders: int


@dataclass(frozen=True, slots=True)
class CloseRun:
    """A month close: ``computing`` → ``computed`` (pages published) → ``done``."""

    month: str
    run_id: str
    status: str
    pages: int
    totals: str


@dataclass(frozen=True, slots=True)
class CloseSequence:
    month: str
    status: str

    @property
    def open(self) -> bool:
        return self.status != SequenceStatus.DONE


def entry(item: Mapping[str, Value]) -> Entry:
    return Entry(number(item, "seq"), text(item, "member"), number(item, "paid"))


def catalog_item(item: Mapping[str, Value]) -> CatalogItem:
    return CatalogItem(
        item=text(item, "item"),
        name=text(item, "name"),
        price=number(item, "price"),
        stock=number(item, "stock"),
        limit=number(item, "limit"),
        redeemed=number(item, "redeemed"),
    )


def redemption(item: Mapping[str, Value]) -> Redemption:
    return Redemption(
        item=text(item, "item"),
        number=number(item, "number"),
        member=text(item, "member"),
        name=text(item, "name"),
        price=number(item, "price"),
        code=text(item, "code"),
        at=number(item, "at"),
    )


def close_run(item: Mapping[str, Value]) -> CloseRun:
    return CloseRun(
        month=text(item, "month"),
        run_id=text(item, "run_id"),
        status=text(item, "status"),
        pages=number(item, "pages"),
        totals=optional_text(item, "totals") or "{}",
    )
