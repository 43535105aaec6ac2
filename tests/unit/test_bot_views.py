"""The bot's small pure helpers: payout accounts typed by members, masks, short numbers, rates,
callback data within Telegram's 64 bytes, and the history page merging two streams."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bot.handlers import admin, history, shop, transfer, withdraw
from bot.handlers.rules import percent
from bot.handlers.withdraw import parse_account
from bot.views import masked_phone, short_request
from functions.rewards.events import Join, Transfer
from functions.services.members import HistoryCursor, Members
from functions.store.bot_store import PayoutAccount
from functions.store.storage import memory_storage
from tests.support.books import ledger_for
from tests.unit.test_inbox import PLAN


@pytest.mark.parametrize(
    ("method", "text", "account"),
    [
        (
            "bank",
            "Zhang San 6222 0212 3456 7890",
            PayoutAccount("bank", "Zhang San", "6222021234567890"),
        ),
        ("bank", "张三 6222021234567890123", PayoutAccount("bank", "张三", "6222021234567890123")),
        ("alipay", "李四 13800000000", PayoutAccount("alipay", "李四", "13800000000")),
        (
            "alipay",
            "Li Si li.si@example.com",
            PayoutAccount("alipay", "Li Si", "li.si@example.com"),
        ),
        ("wechat", "王五 wangwu_88", PayoutAccount("wechat", "王五", "wangwu_88")),
        ("bank", "６２２２０２１２３４５６７８９０ only digits", None),
        ("bank", "Zhang San 1234", None),
        ("bank", "6222021234567890", None),
        ("alipay", "Li Si not-an-account", None),
        ("wechat", "王五 88", None),
        ("bank", "x" * 41 + " 6222021234567890", None),
    ],
)
def test_payout_accounts_as_members_type_them(
    method: str, text: str, account: PayoutAccount | None
) -> None:
    assert parse_account(method, text) == account


def test_masks_and_short_numbers() -> None:
    assert masked_phone("+8613800000001") == "+86138****0001"
    assert masked_phone(None) == "-"
    assert PayoutAccount("bank", "A", "6222021234567890").masked == "···· 7890"
    assert short_request("a1b2c3d4e5f60718293a") == "W-A1B2C3D4"


@pytest.mark.parametrize(
    ("rate", "shown"),
    [(Fraction(3, 250), "1.2%"), (Fraction(1, 2), "50%"), (Fraction(3, 100), "3%"), (0, "0%")],
)
def test_rates_read_as_percentages(rate: Fraction, shown: str) -> None:
    assert percent(Fraction(rate)) == shown


def test_every_button_pattern_stays_within_64_bytes() -> None:
    """Given the longest data each callback pattern accepts, then it fits Telegram's limit."""
    longest = [
        "hist:" + "9" * 12 + ":" + "9" * 20,
        "shop:" + "9" * 17 + ":" + "9" * 17,
        "tr:ok:" + "m" * 40 + ":" + "9" * 17,
        "tr:to:" + "m" * 40,
        "adm:ok:" + "f" * 40,
        "adm:page:9999",
    ]
    patterns = [
        history.CALLBACK,
        shop.CALLBACK,
        transfer.CALLBACK,
        transfer.PICK,
        admin.CALLBACK,
        admin.PAGE,
    ]
    for data, pattern in zip(longest, patterns, strict=True):
        assert pattern.match(data), data
        assert len(data.encode()) <= 64, data
    assert withdraw.CALLBACK.match("wd:ok:" + "9" * 17)


def test_history_merges_own_entries_and_references_without_repeats() -> None:
    """Given B with own entries and references interleaved in time, when paged 2 at a time,
    then every movement comes once, newest first, and the last page says it is the last."""
    storage = memory_storage()
    ledger = ledger_for(storage.ledger, PLAN)
    for member, referrer in (("A", None), ("B", "A")):
        ledger.join(Join(member, referrer), f"join-{member}")
    ledger.adjust("A", 10_000, "seed", "seed-A", operator="t")
    for number in range(3):
        ledger.transfer(Transfer("A", "B", 100 + number), f"t-{number}")
        ledger.adjust("B", 1 + number, f"bonus {number}", f"adj-{number}", operator="t")
    members = Members(ledger, storage.bot)

    seen = []
    cursor: HistoryCursor | None = None
    for _ in range(10):
        record = storage.ledger.get_member("B")
        assert record is not None
        page = members.history(record, cursor=cursor, limit=2)
        seen += [(entry.source, entry.seq, entry.at_us) for entry in page.entries]
        if page.older is None:
            break
        cursor = page.older

    assert len(seen) == len(set(seen)) == 7  # join, 3 adjustments, 3 transfers received
    times = [at for _, _, at in seen]
    assert times == sorted(times, reverse=True)
    assert sum(1 for source, _, _ in seen if source == "A") == 3
