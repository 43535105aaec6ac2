"""The bot store's batch read of payout accounts on both table adapters (the withdrawal
queue's account column: docs/storage.md, "The console's plan pages, …")."""

from __future__ import annotations

from functions.store.bot_store import PayoutAccount
from functions.store.storage import Storage


def test_the_accounts_of_a_page_of_members_are_read_in_one_batch(storage: Storage) -> None:
    # Given two members with accounts (one changed since) and one without
    bot = storage.bot
    bot.save_payout_account("A", PayoutAccount("bank", "Zhang San", "6222021234567890"))
    bot.save_payout_account("B", PayoutAccount("bank", "Li Si", "6222020000001111"))
    bot.save_payout_account("B", PayoutAccount("alipay", "Li Si", "ls@example.com"))
    # When the three are asked for together, and nobody at all
    found = bot.payout_accounts(["A", "B", "C"])
    # Then each account is its member's latest, the member without one is absent
    assert found == {
        "A": PayoutAccount("bank", "Zhang San", "6222021234567890"),
        "B": PayoutAccount("alipay", "Li Si", "ls@example.com"),
    }
    assert bot.payout_accounts([]) == {}
    assert found["A"].masked == bot.payout_account("A").masked  # type: ignore[union-attr]


def test_names_are_found_by_their_start_whatever_the_case_width_or_spacing(
    storage: Storage,
) -> None:
    # Given three members filed under their names (one filed twice: a rerun)
    bot = storage.bot
    bot.index_name("A", "Alice  Wong")
    bot.index_name("A", "Alice  Wong")
    bot.index_name("B", "alan")
    bot.index_name("C", "张三")
    bot.index_name("D", "   ")
    # When names are searched by their start, in another case, width or spacing
    # Then the members come back in name order, each once; a blank search finds nobody
    assert bot.members_named("AL") == [("B", "alan"), ("A", "Alice  Wong")]
    assert bot.members_named("ａｌｉｃｅ wo") == [("A", "Alice  Wong")]
    assert bot.members_named("张") == [("C", "张三")]
    assert bot.members_named("al", limit=1) == [("B", "alan")]
    assert bot.members_named("bob") == []
    assert bot.members_named(" ") == []
