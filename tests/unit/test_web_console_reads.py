"""The console's reads that must stay small (in-memory twin): the member page's journal is
read a page at a time and each page's segment of the chain is verified; the withdrawal
queue shows each payout account, masked, from one batch read."""

from __future__ import annotations

import re
from typing import Any

import pytest

from functions.services.members import Members
from functions.store.bot_store import BotStore, PayoutAccount
from functions.store.items import journal_key
from functions.store.ledger_store import LedgerStore
from functions.store.table import Put
from tests.support.web import MEMBER_TELEGRAM, Browser, memory_runtime, register, text_of
from web.console_common import JOURNAL_PAGE

PURCHASES = JOURNAL_PAGE + 5


@pytest.fixture
def world() -> tuple[Any, Any]:
    """Alice with more journal entries than one page (a join and many purchases)."""
    runtime = memory_runtime()
    members = Members(runtime.ledger, runtime.bot_store)
    register(runtime, MEMBER_TELEGRAM, name="Alice")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    for number in range(PURCHASES):
        members.pay(alice, 10_000, 0, f"charge-{number}")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    assert alice.journal_seq > JOURNAL_PAGE + 2
    return runtime, alice


def operator(runtime: Any) -> Browser:
    browser = Browser(runtime)
    assert browser.operator_sign_in()["statusCode"] == 303
    return browser


def seqs(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page)]


def chain_line(page: str) -> str:
    found = re.search(r"Hash chain [^<]*", page)
    assert found is not None
    return found.group(0)


def test_the_journal_is_read_a_page_at_a_time_and_each_page_verified(
    world: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Alice's long journal, and a store that refuses to read a whole journal
    runtime, alice = world

    def refused(*_: object, **__: object) -> Any:
        raise AssertionError("the member page read the whole journal")

    monkeypatch.setattr(LedgerStore, "journal", refused)
    ops = operator(runtime)
    here = f"/console/members/{alice.member}"
    last = alice.journal_seq
    # When the operator opens her page, then the older page it links
    newest = text_of(ops.get(here))
    older_href = f"{here}?before={last - JOURNAL_PAGE + 1}"
    assert f'href="{older_href}"' in newest
    older = text_of(ops.get(older_href))
    # Then each shows its entries, verified from the entry below it to the newest shown
    # (the first page up to the member's head)
    assert chain_line(newest) == (
        f"Hash chain verified for entries {last - JOURNAL_PAGE} to {last} of {last}, "
        "linked to the member&#39;s head."
    )
    assert chain_line(older).startswith(
        f"Hash chain verified for entries 1 to {last - JOURNAL_PAGE + 1}"
    )
    # And the pages together show every entry once, newest first
    shown = seqs(newest) + seqs(older)
    assert shown == list(range(last, 0, -1))
    assert f'href="{here}"' in older


def test_a_tampered_entry_breaks_the_page_that_reads_it(world: tuple[Any, Any]) -> None:
    # Given Alice's second entry rewritten in the table (its time changed, its hash kept)
    runtime, alice = world
    table = runtime.stores.table
    item = table.get(journal_key(alice.member, 2))
    assert item is not None
    table.write(Put({**item, "at": int(item["at"]) + 1}))
    ops = operator(runtime)
    here = f"/console/members/{alice.member}"
    # When the newest page and the oldest page are opened
    newest = text_of(ops.get(here))
    oldest = text_of(ops.get(f"{here}?before={alice.journal_seq - JOURNAL_PAGE + 1}"))
    # Then the newest page (which does not read it) verifies, the oldest says BROKEN
    assert chain_line(newest).startswith("Hash chain verified")
    assert chain_line(oldest).startswith("Hash chain BROKEN")


def test_a_head_that_does_not_match_breaks_the_first_page(world: tuple[Any, Any]) -> None:
    # Given Alice's member item whose chain head no longer names her newest entry
    runtime, alice = world
    table = runtime.stores.table
    member_item = next(
        item
        for item in table.query(f"M#{alice.member}")
        if item.get("journal_head") == alice.journal_head
    )
    table.write(Put({**member_item, "journal_head": "0" * 64}))
    # When the operator opens her page
    page = text_of(operator(runtime).get(f"/console/members/{alice.member}"))
    # Then the chain is reported broken at the head
    assert "does not match" in chain_line(page)


def test_the_withdrawal_queue_shows_each_account_masked_from_one_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given Alice (a bank card saved) and Bob (no account), each with a pending withdrawal
    runtime = memory_runtime()
    members = Members(runtime.ledger, runtime.bot_store)
    code = register(runtime, MEMBER_TELEGRAM, name="Alice")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Bob")
    from functions.services.settlement import run_settlement

    for telegram_id in (MEMBER_TELEGRAM, MEMBER_TELEGRAM + 1):
        found = members.by_telegram(telegram_id)
        assert found is not None
        members.pay(found, 900_000, 0, f"charge-{telegram_id}")
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        run_settlement(runtime.ledger, day)
    alice = members.by_telegram(MEMBER_TELEGRAM)
    bob = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert alice is not None
    assert bob is not None
    number = "6222020012347890"
    runtime.bot_store.save_payout_account(alice.member, PayoutAccount("bank", "Zhang San", number))
    members.withdraw(alice, 6_000, "w-a")
    members.withdraw(bob, 6_000, "w-b")

    def one_by_one(*_: object) -> Any:
        raise AssertionError("the queue read the accounts one at a time")

    monkeypatch.setattr(BotStore, "payout_account", one_by_one)
    # When the operator opens the queue
    page = text_of(operator(runtime).get("/console/withdrawals"))
    # Then Alice's account shows its last digits only, and Bob's shows none
    assert "7890" in page
    assert number not in page
    assert number[:12] not in page
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    bob_row = next(row for row in rows if bob.member in row)
    assert "<td>—</td>" in bob_row
