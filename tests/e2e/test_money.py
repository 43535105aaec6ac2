"""Withdraw conversation, transfers and the shop with Telegram Payments, end to end."""

from __future__ import annotations

from functions.config import REPO_ROOT
from functions.rewards.events import Purchase
from functions.rewards.plan import load_plan_text
from functions.store.ledger_store import LedgerStore

from .conftest import (
    ALICE,
    BOB,
    PHONES,
    VALUE,
    MakeBot,
    give_payout_account,
    member_of,
    stored_member,
)
from .harness import RunningBot


def _funded(bot: RunningBot, points_cents: int = 100_000) -> None:
    """Alice registered with ``points_cents`` available (an operator's adjustment)."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.adjust(member_of(ALICE), points_cents, "welcome bonus", "fund-alice", operator="t")
    give_payout_account(bot, ALICE)


def _available(store: LedgerStore, user_id: int) -> tuple[int, int]:
    record = store.get_member(f"tg{user_id}")
    assert record is not None
    return record.available, record.withdrawing


# -- withdraw --------------------------------------------------------------------------


def test_withdraw_conversation_previews_then_requests_once(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given 1000 points, when withdrawing 200 and confirming twice, then one request for 190."""
    _funded(bot)

    question = bot.command(ALICE, "/withdraw")
    assert question.text.startswith("How many points do you want to withdraw?")
    assert question.of("sendMessage")[0].params["reply_markup"]["force_reply"] is True

    preview = bot.say(ALICE, "200")
    assert preview.text.splitlines()[:5] == [
        "Withdraw 200.00 points:",
        "Value: ¥200.00",
        "Fee: ¥10.00",
        "You receive: ¥190.00",
        "Paid to: Bank card ···· 7890 (Alice)",
    ]
    confirm = preview.button("wd:ok:")
    assert confirm == "wd:ok:20000"

    done = bot.press(ALICE, preview.message, confirm)
    again = bot.press(ALICE, preview.message, confirm)  # a double tap

    assert done.texts[0].startswith("Withdrawal W-")
    assert "requested: 200.00 points for ¥190.00" in done.texts[0]
    assert again.texts in ([], [done.texts[0]])
    assert _available(store, ALICE.id) == (80_000, 20_000)
    [pending] = store.withdrawals("pending")
    assert (pending.member, pending.points, pending.net, pending.fee) == (
        member_of(ALICE),
        20_000,
        19_000,
        1_000,
    )


def test_withdraw_amount_in_the_command_and_cancel(bot: RunningBot, store: LedgerStore) -> None:
    """Given /withdraw 150, then the preview comes at once; Cancel changes nothing."""
    _funded(bot)

    preview = bot.command(ALICE, "/withdraw", "150")
    cancelled = bot.press(ALICE, preview.message, "wd:no")

    assert "Withdraw 150.00 points" in preview.text
    assert cancelled.texts == ["Cancelled."]
    assert _available(store, ALICE.id) == (100_000, 0)


def test_withdraw_refusals_ask_again(bot: RunningBot, store: LedgerStore) -> None:
    """Given 1000 points, then nonsense, too much and too little are refused with reasons that
    say what is possible, and each asks again: the next number is still understood."""
    _funded(bot)
    bot.command(ALICE, "/withdraw")

    assert "Please send a number of points" in bot.say(ALICE, "lots please").text
    assert "Please send a number of points" in bot.say(ALICE, "9" * 5000).text
    assert bot.say(ALICE, "５０００").text == (
        "You have 1,000.00 points available. How many do you want to withdraw?"
    )
    assert bot.say(ALICE, "99.99").text == (
        "The minimum withdrawal is 100.00 points. How many do you want to withdraw?"
    )
    assert bot.say(ALICE, "150").text.startswith("Withdraw 150.00 points:")
    assert bot.command(ALICE, "/withdraw", "99.99").text.startswith("The minimum withdrawal")
    assert _available(store, ALICE.id) == (100_000, 0)
    assert store.withdrawals("pending") == []


def test_withdraw_answer_reaching_a_fresh_container_is_understood(
    bot: RunningBot, make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given the question asked by one instance, when another gets the reply, then it previews."""
    _funded(bot)
    question = bot.command(ALICE, "/withdraw").message
    bot.stop()
    other = make_bot()  # no conversation state in memory
    reply = bot.server.text_message(ALICE, "120")
    reply["message"]["reply_to_message"] = question

    preview = other.send(reply)

    assert "Withdraw 120.00 points" in preview.text


def test_cancel_leaves_the_conversation(bot: RunningBot) -> None:
    """Given the amount question, when /cancel, then later numbers are not amounts."""
    _funded(bot)
    bot.command(ALICE, "/withdraw")

    assert bot.command(ALICE, "/cancel").text == "Cancelled."
    assert "can't handle that message" in bot.say(ALICE, "100").text
    assert bot.command(ALICE, "/cancel").text == "There is nothing to cancel."


# -- transfer ----------------------------------------------------------------------------


def test_transfer_by_invite_code_with_confirmation(bot: RunningBot, store: LedgerStore) -> None:
    """Given Alice with 1000 points and Bob, when Alice sends 50 and confirms, then 50 move once."""
    _funded(bot)
    bot.register(BOB, PHONES[BOB.id])
    bob = stored_member(store, BOB)
    assert bob.invite_code is not None

    preview = bot.command(ALICE, "/transfer", f"{bob.invite_code} 50")
    assert (
        preview.text
        == "Give 50.00 points to 鲍勃?\nYou will have 950.00 available. This cannot be undone."
    )
    confirm = preview.button("tr:ok:")
    bot.press(ALICE, preview.message, confirm)
    bot.press(ALICE, preview.message, confirm)  # double tap

    assert _available(store, ALICE.id) == (95_000, 0)
    assert _available(store, BOB.id) == (5_000, 0)


def test_transfer_refusals(bot: RunningBot, store: LedgerStore) -> None:
    """Given bad arguments, then usage, unknown code, self and overdraft are all refused."""
    _funded(bot)
    alice = stored_member(store, ALICE)
    assert alice.invite_code is not None

    assert bot.command(ALICE, "/transfer").text.startswith("🎁 Who do you want to give points to?")
    assert bot.command(ALICE, "/transfer", "Nobody_123 5").text.startswith(
        "I can't find a member for that."
    )
    assert bot.command(ALICE, "/transfer", f"{alice.invite_code} 5").text == (
        "You cannot give points to yourself."
    )
    bot.register(BOB, PHONES[BOB.id])
    bob = stored_member(store, BOB)
    assert "as a number" in bot.command(ALICE, "/transfer", f"{bob.invite_code} -5").text
    assert bot.command(ALICE, "/transfer", f"{bob.invite_code} 5000").text == (
        "You have 1,000.00 points available. How many do you want to give?"
    )
    preview = bot.command(ALICE, "/transfer", f"{bob.invite_code} 999")
    bot.ledger.adjust(member_of(ALICE), -50_000, "correction", "take-back", operator="t")
    refused = bot.press(ALICE, preview.message, preview.button("tr:ok:"))
    assert refused.texts == ["You do not have enough available points."]
    assert _available(store, ALICE.id) == (50_000, 0)


# -- shop ----------------------------------------------------------------------------------


def test_shop_lists_the_tiers_and_pays_once_per_charge(bot: RunningBot, store: LedgerStore) -> None:
    """Given the tier plan, when Alice buys the 3000 package, then one grant of 7500 locked;
    the payment message coming again grants nothing and says nothing a second time."""
    bot.register(ALICE, PHONES[ALICE.id])

    listing = bot.command(ALICE, "/shop")
    assert [data for _, data in listing.buttons()] == [
        "shop:300000:0",
        "shop:900000:0",
        "shop:2700000:0",
        "shop:5100000:0",
    ]
    assert "• ¥51,000.00 → 204,000.00 points" in listing.text
    chosen = bot.press(ALICE, listing.message, "shop:300000:0")
    [invoice] = chosen.of("sendInvoice")
    assert (invoice.params["currency"], invoice.params["payload"]) == ("CNY", "buy:300000:0")
    assert invoice.params["prices"] == [{"label": "Package", "amount": 300_000}]
    assert invoice.params["provider_token"] == "test-provider-token"

    checkout = bot.send(bot.server.pre_checkout_query(ALICE, "buy:300000:0", 300_000, "CNY"))
    [answer] = checkout.of("answerPreCheckoutQuery")
    assert answer.params["ok"] is True

    payment = bot.server.successful_payment(ALICE, "buy:300000:0", 300_000, "CNY", "charge-1")
    receipt = bot.send(payment)
    repeated = bot.send(
        bot.server.successful_payment(ALICE, "buy:300000:0", 300_000, "CNY", "charge-1")
    )

    assert "Granted: 7,500.00 points" in receipt.text
    assert "released at 36.00 points a day" in receipt.text
    assert repeated.texts == []  # no second grant, and no second "payment received"
    record = stored_member(store, ALICE)
    assert (record.locked, record.personal_volume, len(record.grants)) == (750_000, 300_000, 1)
    assert store.get_order("charge-1") is not None


def test_pre_checkout_refuses_tampered_or_unregistered(bot: RunningBot) -> None:
    """Given invoices that do not match the catalogue or a member, then pre-checkout says no."""
    bot.register(ALICE, PHONES[ALICE.id])
    cases = [
        (ALICE, "buy:123400:0", 123_400, "CNY"),  # not a package
        (ALICE, "buy:300000:0", 100, "CNY"),  # amount differs from the package
        (ALICE, "buy:300000:0", 300_000, "USD"),  # wrong currency
        (ALICE, "garbage", 300_000, "CNY"),
        (BOB, "buy:300000:0", 300_000, "CNY"),  # not registered
        (ALICE, "buy:300000:100", 299_900, "CNY"),  # points on a plan without deduction
    ]
    for user, payload, total, currency in cases:
        exchange = bot.send(bot.server.pre_checkout_query(user, payload, total, currency))
        [answer] = exchange.of("answerPreCheckoutQuery")
        assert answer.params["ok"] is False, payload
        assert answer.params["error_message"]


def test_shop_part_paid_with_points(make_bot: MakeBot, store: LedgerStore) -> None:
    """Given the value plan and 60 points, when buying 100 with points, then 50 pay, 50 cash."""
    bot = make_bot(plan=VALUE)
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.purchase(Purchase(member_of(ALICE), "seed", 20_000), "seed")  # 60 points
    listing = bot.command(ALICE, "/shop")
    assert "shop:10000:5000" in [data for _, data in listing.buttons()]
    assert "   with 50.00 of your points: pay ¥50.00, get 15.00 points" in listing.text

    chosen = bot.press(ALICE, listing.message, "shop:10000:5000")
    [invoice] = chosen.of("sendInvoice")
    assert invoice.params["payload"] == "buy:10000:5000"
    assert invoice.params["prices"] == [{"label": "Package", "amount": 5_000}]
    ok = bot.send(bot.server.pre_checkout_query(ALICE, "buy:10000:5000", 5_000, "CNY"))
    assert ok.of("answerPreCheckoutQuery")[0].params["ok"] is True
    receipt = bot.send(
        bot.server.successful_payment(ALICE, "buy:10000:5000", 5_000, "CNY", "charge-p")
    )

    assert "cash ¥50.00, points used 50.00" in receipt.text
    assert "Granted: 15.00 points" in receipt.text  # 0.30 × the cash
    record = stored_member(store, ALICE)
    assert record.available == 6_000 - 5_000 + 1_500


def test_points_spent_between_checkout_and_payment_fall_back_to_cash(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given points gone after checkout, when the payment lands, then the cash alone counts."""
    bot = make_bot(plan=VALUE)
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.purchase(Purchase(member_of(ALICE), "seed", 20_000), "seed")  # 60 points
    bot.ledger.adjust(member_of(ALICE), -5_500, "correction", "spend", operator="t")

    receipt = bot.send(
        bot.server.successful_payment(ALICE, "buy:10000:5000", 5_000, "CNY", "charge-q")
    )

    assert "Your points could no longer pay" in receipt.text
    record = stored_member(store, ALICE)
    assert record.available == 500 + 1_500
    assert record.personal_volume == 20_000 + 5_000


def test_shop_without_provider_token_says_payments_are_off(make_bot: MakeBot) -> None:
    """Given no provider token, when a package is chosen, then an alert and no invoice."""
    bot = make_bot(provider_token=None)
    bot.register(ALICE, PHONES[ALICE.id])
    listing = bot.command(ALICE, "/shop")

    exchange = bot.press(ALICE, listing.message, "shop:300000:0")

    assert exchange.of("sendInvoice") == []
    assert exchange.of("answerCallbackQuery")[0].params["show_alert"] is True


DEMO = load_plan_text((REPO_ROOT / "infra" / "plans" / "demo.yaml").read_text())
"""Tiers 3000 (2.5×) and 9000 (3×); points may pay up to half a package."""


def test_points_split_that_drops_the_tier_is_shown_before_paying(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Bug 2: given the demo plan and 36 points, then the shop shows, before anything is paid,
    that ¥3,000 with 36 points grants 0.00 (below the tier) instead of 7,500.00, and the
    invoice says it again; paying it grants exactly what was shown."""
    bot = make_bot(plan=DEMO)
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.adjust(member_of(ALICE), 3_600, "gift", "fund-36", operator="t")

    listing = bot.command(ALICE, "/shop")

    assert listing.text.splitlines()[1:3] == [
        "• ¥3,000.00 → 7,500.00 points",
        "   ⚠️ with 36.00 of your points you pay ¥2,964.00, below the ¥3,000.00 tier: only "
        "0.00 points",
    ]
    assert ("⚠️ ¥3,000.00 with 36.00 pts → only 0.00", "shop:300000:3600") in listing.buttons()
    chosen = bot.press(ALICE, listing.message, "shop:300000:3600")
    [invoice] = chosen.of("sendInvoice")
    assert invoice.params["description"] == (
        "Package ¥3,000.00: 36.00 points pay part, you pay ¥2,964.00. ⚠️ That cash is below "
        "the ¥3,000.00 tier: you get 0.00 points, not the 7,500.00 of paying all in cash."
    )
    assert invoice.params["prices"] == [{"label": "Package", "amount": 296_400}]
    receipt = bot.send(
        bot.server.successful_payment(ALICE, "buy:300000:3600", 296_400, "CNY", "charge-36")
    )
    assert "Granted: 0.00 points." in receipt.text


def test_points_split_on_a_higher_package_shows_the_lower_tiers_grant(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Bug 2: given 90 points, then ¥9,000 with 90 points is shown as granting 22,275.00 (the
    3,000 tier's 2.5× on ¥8,910), not the 27,000.00 of paying all in cash; in Chinese too."""
    bot = make_bot(plan=DEMO)
    bot.register(BOB, PHONES[BOB.id])
    bot.ledger.adjust(member_of(BOB), 9_000, "gift", "fund-90", operator="t")

    listing = bot.command(BOB, "/shop")

    assert "• ¥9,000.00 → 27,000.00 积分" in listing.text
    assert (
        "   ⚠️ 用 90.00 积分抵扣则实付 ¥8,910.00，低于 ¥9,000.00 档位：只获得 22,275.00 积分"
        in listing.text
    )
    quote = bot.ledger.plan.grant.points_for(891_000)  # type: ignore[union-attr]
    assert quote == (2_227_500, "junior")
