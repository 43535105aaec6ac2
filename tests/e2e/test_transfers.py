"""Transfers without codes, and every movement in the history of every member it touches."""

from __future__ import annotations

from functions.config import REPO_ROOT
from functions.rewards.events import Purchase, Transfer
from functions.rewards.plan import load_plan_text
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, BOB, CAROL, PHONES, MakeBot, member_of, stored_member
from .harness import Exchange, RunningBot

COMMISSION = load_plan_text((REPO_ROOT / "infra" / "plans" / "commission.yaml").read_text())


def _to(exchange: Exchange, user: User) -> list[str]:
    return [c.params["text"] for c in exchange.of("sendMessage") if c.params["chat_id"] == user.id]


def _alice_invites_bob(bot: RunningBot, store: LedgerStore) -> None:
    """Alice (1,000 points) invited Bob (Chinese Telegram)."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.adjust(member_of(ALICE), 100_000, "welcome", "fund-alice", operator="t")
    code = stored_member(store, ALICE).invite_code
    bot.register(BOB, PHONES[BOB.id], code)


def _history_lines(exchange: Exchange) -> list[str]:
    return exchange.text.splitlines()[1:]


def test_incoming_transfer_is_in_the_receivers_history_with_sender_and_note(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Bug 1: given Alice sends Bob 10 with a note, then Bob's history shows it as received from
    Alice with the note, and Alice's line names Bob (it used to say "Transfer sent" only)."""
    _alice_invites_bob(bot, store)
    bob_code = stored_member(store, BOB).invite_code

    preview = bot.command(ALICE, "/transfer", f"{bob_code} 10 thanks for lunch")
    bot.press(ALICE, preview.message, preview.button("tr:ok:"))

    bob_lines = _history_lines(bot.command(BOB, "/history"))
    assert bob_lines[0].endswith(" · 收到 Alice Wong 的转赠")
    assert bob_lines[1] == "    可用 +10.00 · “thanks for lunch”"
    alice_lines = _history_lines(bot.command(ALICE, "/history"))
    assert alice_lines[0].endswith(" · Transfer to 鲍勃")
    assert alice_lines[1] == "    available -10.00 · “thanks for lunch”"


def test_commission_is_in_each_uplines_history(make_bot: MakeBot, store: LedgerStore) -> None:
    """Bug 1 for commissions: given Alice ← Bob ← Carol on the commission plan, when Carol
    buys, then Bob's and Alice's histories show their commission naming the buyer."""
    bot = make_bot(plan=COMMISSION)
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id], stored_member(store, ALICE).invite_code)
    bot.register(CAROL, PHONES[CAROL.id], stored_member(store, BOB).invite_code)
    bought = bot.ledger.purchase(Purchase(member_of(CAROL), "o-c", 100_000), "o-c")
    [to_bob, to_alice] = bought.commissions

    bob_lines = _history_lines(bot.command(BOB, "/history"))
    alice_lines = _history_lines(bot.command(ALICE, "/history"))

    assert bob_lines[0].endswith(" · Carol 购买的佣金")
    assert bob_lines[1] == f"    佣金 ¥+{to_bob.amount // 100}.{to_bob.amount % 100:02d}"
    assert alice_lines[0].endswith(" · Commission on a purchase by Carol")
    assert alice_lines[1].startswith("    commission ¥+")
    assert to_alice.amount > 0


def test_history_pages_through_own_entries_and_references_without_gaps(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Bob with 4 own entries and 4 transfers received, when paging 5 at a time, then the
    8 movements come exactly once, newest first."""
    _alice_invites_bob(bot, store)
    for number in range(3):
        bot.ledger.adjust(member_of(BOB), 100, f"bonus {number}", f"adj-bob-{number}", operator="t")
    for number in range(4):
        transfer = Transfer(member_of(ALICE), member_of(BOB), 100 + number)
        bot.ledger.transfer(transfer, f"t-{number}")

    first = bot.command(BOB, "/history")
    older = bot.press(BOB, first.message, first.button("hist:"))
    [edit] = older.of("editMessageText")

    entries = [line for line in first.text.splitlines() if line[:2] == "20"]
    entries += [line for line in edit.params["text"].splitlines() if line[:2] == "20"]
    assert len(entries) == 8
    assert sum("收到 Alice Wong 的转赠" in line for line in entries) == 4
    assert sum("运营调整：bonus" in line for line in entries) == 3
    assert entries[-1].endswith("注册")


def test_guided_transfer_to_an_invitee_by_button_tells_the_recipient(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice and her invitee Bob, when Alice opens Transfer from the menu, taps Bob, types
    "25 for the book" and confirms, then the preview checked her balance and named Bob, the
    confirmation keeps his name, and Bob is told in Chinese with the note."""
    _alice_invites_bob(bot, store)

    choose = bot.say(ALICE, "🎁 Transfer")
    assert choose.buttons() == [("👤 鲍勃", f"tr:to:{member_of(BOB)}")]
    asked = bot.press(ALICE, choose.message, f"tr:to:{member_of(BOB)}")
    assert asked.texts[0].startswith("How many points for 鲍勃? You have 1,000.00 available.")
    preview = bot.say(ALICE, "25 for the book")
    assert preview.text == (
        "Give 25.00 points to 鲍勃?\nYou will have 975.00 available. This cannot be undone.\n"
        "Note: for the book"
    )
    done = bot.press(ALICE, preview.message, preview.button("tr:ok:"))
    twice = bot.press(ALICE, preview.message, preview.button("tr:ok:"))

    assert done.of("editMessageText")[0].params["text"] == "✅ Sent 25.00 points to 鲍勃."
    assert _to(done, BOB) == ["🎁 Alice Wong 转赠给您 25.00 积分。\n留言：for the book"]
    assert _to(twice, BOB) == []
    assert stored_member(store, BOB).available == 2_500
    assert stored_member(store, ALICE).available == 97_500


def test_transfer_to_the_upline_by_button(bot: RunningBot, store: LedgerStore) -> None:
    """Given Bob (Chinese) with points under Alice, then his transfer screen offers Alice as
    his upline and the amount question names her."""
    _alice_invites_bob(bot, store)
    bot.ledger.adjust(member_of(BOB), 5_000, "gift", "fund-bob", operator="t")

    choose = bot.command(BOB, "/transfer")

    assert choose.buttons() == [("⬆️ Alice Wong（我的上级）", f"tr:to:{member_of(ALICE)}")]
    asked = bot.press(BOB, choose.message, f"tr:to:{member_of(ALICE)}")
    assert asked.texts[0].startswith("转赠多少积分给 Alice Wong？您有 50.00 可用积分。")


def test_transfer_by_username_link_or_contact(bot: RunningBot, store: LedgerStore) -> None:
    """Given Carol with a @username, then Alice can name her by @username, by her invite link
    (as the QR code holds it) or by sharing Carol's contact, and an unknown name asks again."""
    carol = User(id=CAROL.id, first_name="Carol", language_code="en", username="carol_c")
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.adjust(member_of(ALICE), 100_000, "welcome", "fund-alice", operator="t")
    bot.register(carol, PHONES[CAROL.id])
    link = f"https://t.me/jifen_test_bot?start={stored_member(store, carol).invite_code}"

    bot.command(ALICE, "/transfer")
    unknown = bot.say(ALICE, "@nobody_here")
    by_name = bot.say(ALICE, "@Carol_C")
    bot.command(ALICE, "/transfer")
    by_link = bot.say(ALICE, f"here is her link: {link}")
    contact = bot.server.contact_message(ALICE, PHONES[CAROL.id], own=False)
    contact["message"]["contact"]["user_id"] = CAROL.id
    by_contact = bot.send(contact)

    assert unknown.text.startswith("I can't find a member for that.")
    for exchange in (by_name, by_link, by_contact):
        assert exchange.text.startswith("How many points for Carol?"), exchange.text
    preview = bot.say(ALICE, "7")
    assert preview.text.startswith("Give 7.00 points to Carol?")


def test_transfer_preview_checks_balance_and_frozen_state(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice frozen, then the amount is refused before any preview (no button to press)."""
    _alice_invites_bob(bot, store)
    bot.ledger.set_frozen(member_of(ALICE), True, "freeze-alice", operator="t")
    choose = bot.command(ALICE, "/transfer")
    bot.press(ALICE, choose.message, f"tr:to:{member_of(BOB)}")

    refused = bot.say(ALICE, "10")

    assert refused.text == "Your account is frozen, so this is not possible right now."
    assert refused.buttons() == []


def test_invite_link_of_another_member_offers_a_transfer(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice (a member) scans Bob's QR code (opens his link), then she is offered to give
    him points, and the button leads to the amount question."""
    _alice_invites_bob(bot, store)

    opened = bot.command(ALICE, "/start", stored_member(store, BOB).invite_code)
    offer = opened.of("sendMessage")[1].result
    asked = bot.press(ALICE, offer, opened.button("tr:to:"))

    assert opened.texts[1] == "This is 鲍勃's invite link. Do you want to give them points?"
    assert asked.texts[0].startswith("How many points for 鲍勃?")
