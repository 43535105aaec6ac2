"""Operators refund an order through the bot (economics, issue 12): ``/refund <order>``."""

from __future__ import annotations

from functions.rewards.events import Purchase, Transfer
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import (
    ALICE,
    BOB,
    OPERATOR,
    PHONES,
    VALUE,
    MakeBot,
    give_payout_account,
    member_of,
)
from .harness import Exchange

REFUSED = "抱歉，此命令仅限运营人员使用。"  # Bob reads Chinese


def _to(exchange: Exchange, user: User) -> list[str]:
    return [c.params["text"] for c in exchange.of("sendMessage") if c.params["chat_id"] == user.id]


def test_operator_refunds_an_order_and_the_member_is_told_of_the_debt(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given Alice bought an order with points granted at once and gave most away,
    When the operator sends /refund with the order id (twice, and for an unknown order),
    Then the operator reads what was taken back, Alice is told once of the refund and her
    debt, the repeat is already_refunded, her balance and the operator's /lookup show the
    debt, and Alice's withdrawal is refused for it.
    And a member who is not an operator is refused before anything changes."""
    bot = make_bot(plan=VALUE)
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id])
    alice, bob = member_of(ALICE), member_of(BOB)
    bot.ledger.purchase(Purchase(alice, "o-1", 100_000), "buy-o-1")  # 300 points at once
    bot.ledger.transfer(Transfer(alice, bob, 20_000), "give-200")

    refused = bot.command(BOB, "/refund", "o-1")
    assert refused.text == REFUSED
    assert store.get_member(alice).debt == 0  # type: ignore[union-attr]

    done = bot.command(OPERATOR, "/refund", "o-1")
    assert done.texts[0].startswith("Refunded o-1: ")
    assert _to(done, ALICE) == [
        "Refund of order o-1: ¥1,000.00\n"
        "You owe 200.00 points from a refunded order; new points repay it first."
    ]

    again = bot.command(OPERATOR, "/refund", "o-1")
    assert again.texts[0] == "That order was already refunded."
    assert _to(again, ALICE) == []
    assert bot.command(OPERATOR, "/refund", "o-9").texts[0] == "There is no such order."
    assert bot.command(OPERATOR, "/refund").texts[0] == "Usage: /refund <order id>"
    record = store.get_member(alice)
    assert record is not None
    assert (record.available, record.debt, record.personal_volume) == (0, 200_00, 0)
    assert "You owe 200.00 points from a refunded order" in bot.command(ALICE, "/balance").text
    looked = bot.command(OPERATOR, "/lookup", PHONES[ALICE.id]).text
    assert "Owes from refunds: 200.00 points, ¥0.00 commission" in looked
    give_payout_account(bot, ALICE)
    assert bot.command(ALICE, "/withdraw", "1").text == (
        "You owe points from a refunded order; new points repay it first."
    )


def test_a_member_gives_locked_points_and_the_recipient_is_told(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given Alice holds a locked grant (3000 bought on the dividend plan: 7500 points,
    36 a day) and Bob is registered,
    When Alice sends /gift with Bob's invite code and confirms (twice: a double tap),
    Then the grant moves to Bob once, Bob is told once, and a second /gift finds nothing."""
    bot = make_bot()
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id])
    alice, bob = member_of(ALICE), member_of(BOB)
    bot.ledger.purchase(Purchase(alice, "o-1", 300_000), "buy-o-1")
    bob_record = store.get_member(bob)
    assert bob_record is not None

    preview = bot.command(ALICE, "/gift", bob_record.invite_code)
    assert "7,500.00" in preview.text
    assert "36.00" in preview.text
    data = preview.button("gf:ok:")
    done = bot.press(ALICE, preview.message, data)
    again = bot.press(ALICE, preview.message, data)

    assert len(_to(done, BOB)) == 1
    assert _to(again, BOB) == []
    assert "7,500.00" in _to(done, BOB)[0]
    alice_after, bob_after = store.get_member(alice), store.get_member(bob)
    assert alice_after is not None
    assert bob_after is not None
    assert (alice_after.locked, bob_after.locked) == (0, 750_000)
    assert [grant.order for grant in bob_after.grants] == ["o-1"]
    assert bot.command(ALICE, "/gift", bob_record.invite_code).text == (
        "You have no locked points to give."
    )
