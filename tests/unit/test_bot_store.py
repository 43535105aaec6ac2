"""The bot's own records on the in-memory twin: conversation state, payout accounts, usernames.

None of them is ledger state: they must never move a member's version, and ``jifen
verify`` must leave them alone.
"""

from __future__ import annotations

from functions.rewards.events import Join
from functions.services.verify import verify
from functions.store.bot_store import BotStore, PayoutAccount
from functions.store.storage import memory_storage
from tests.support.books import ledger_for
from tests.unit.test_inbox import PLAN


def test_state_is_kept_until_forgotten_or_expired() -> None:
    """Given a clock, when state is remembered for 60 s, then it is read back, expires after
    60 s, and forgetting says whether there was anything to forget."""
    now = [1_000.0]
    storage = memory_storage()
    bot = BotStore(storage.table, clock_s=lambda: now[0])

    bot.remember("pending:7", {"flow": "withdraw.amount"}, ttl_s=60)

    assert bot.recall("pending:7") == {"flow": "withdraw.amount"}
    now[0] += 61
    assert bot.recall("pending:7") is None
    assert bot.forget("pending:7") is False
    bot.remember("pending:7", {"flow": "x"})
    assert bot.forget("pending:7") is True
    assert bot.recall("pending:7") is None


def test_payout_account_is_saved_changed_and_masked() -> None:
    """Given a member, when a bank card and then an Alipay account are saved, then the latest
    is read back and shows only its last four characters; verify stays clean."""
    storage = memory_storage()
    ledger_for(storage.ledger, PLAN).join(Join("A"), "join-A")
    bot = storage.bot
    version = storage.ledger.get_member("A").version  # type: ignore[union-attr]

    assert bot.payout_account("A") is None
    bot.save_payout_account("A", PayoutAccount("bank", "Zhang San", "6222021234567890"))
    bot.save_payout_account("A", PayoutAccount("alipay", "Zhang San", "zs@example.com"))

    account = bot.payout_account("A")
    assert account == PayoutAccount("alipay", "Zhang San", "zs@example.com")
    assert account is not None
    assert account.masked == "···· .com"
    assert storage.ledger.get_member("A").version == version  # type: ignore[union-attr]
    assert verify(storage.ledger).ok


def test_username_points_at_its_latest_member_without_moving_the_version() -> None:
    """Given member A, when A's @username is set, then it resolves (any case) to A and is on A's
    record; the version did not move."""
    storage = memory_storage()
    ledger_for(storage.ledger, PLAN).join(Join("A"), "join-A")
    before = storage.ledger.get_member("A")
    assert before is not None

    storage.bot.set_username("A", "Alice_W")

    assert storage.bot.member_for_username("alice_w") == "A"
    after = storage.ledger.get_member("A")
    assert after is not None
    assert (after.username, after.version) == ("Alice_W", before.version)
    storage.bot.set_username("A", None)
    cleared = storage.ledger.get_member("A")
    assert cleared is not None
    assert cleared.username is None
    assert verify(storage.ledger).ok
