"""Operator commands: refused to everyone else (one test each), and what they do for operators."""

from __future__ import annotations

import json

import pytest

from functions.rewards.events import Withdraw
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, BOB, OPERATOR, PHONES, member_of, stored_member
from .harness import RunningBot

REFUSED = "Sorry, this command is for operators only."


def _member_with_points(bot: RunningBot, store: LedgerStore, user: User) -> str:
    bot.register(user, PHONES[user.id])
    bot.ledger.adjust(member_of(user), 100_000, "bonus", f"fund-{user.id}", operator="t")
    return member_of(user)


def _snapshot(store: LedgerStore, member: str) -> object:
    return store.get_member(member)


@pytest.mark.parametrize(
    ("command", "payload"),
    [
        ("/queue", None),
        ("/freeze", "tg710000002"),
        ("/unfreeze", "tg710000002"),
        ("/adjust", "tg710000002 +1000 because"),
        ("/lookup", "tg710000002"),
    ],
)
def test_admin_commands_refuse_members(
    bot: RunningBot, store: LedgerStore, command: str, payload: str | None
) -> None:
    """Given a registered member who is not an operator, then each admin command is refused."""
    bob = _member_with_points(bot, store, BOB)
    bot.register(ALICE, PHONES[ALICE.id])
    before = _snapshot(store, bob)

    exchange = bot.command(ALICE, command, payload)

    assert exchange.text == REFUSED
    assert _snapshot(store, bob) == before
    assert store.journal_page(bob, limit=1)[0].kind == "adjustment"  # nothing journaled since


@pytest.mark.parametrize("command", ["/queue", "/freeze", "/unfreeze", "/adjust", "/lookup"])
def test_admin_commands_refuse_strangers(bot: RunningBot, command: str) -> None:
    """Given an unregistered user, then each admin command is refused (in their language)."""
    stranger = User(id=710_000_555, first_name="Mallory", language_code="zh")

    exchange = bot.command(stranger, command, "tg1 +1 x")

    assert exchange.text == "抱歉，此命令仅限运营人员使用。"


@pytest.mark.parametrize("data", ["adm:ok:0123456789abcdef0123", "adm:no:0123456789abcdef0123"])
def test_decision_buttons_refuse_non_operators(
    bot: RunningBot, store: LedgerStore, data: str
) -> None:
    """Given a real pending request, when a member presses approve/reject, then nothing happens."""
    alice = _member_with_points(bot, store, ALICE)
    result = bot.ledger.request_withdrawal(Withdraw(alice, 20_000), "w-1")
    message = bot.command(ALICE, "/help").message
    forged = data[:7] + result.request_id

    exchange = bot.press(ALICE, message, forged)

    [answer] = exchange.of("answerCallbackQuery")
    assert answer.params["text"] == REFUSED
    [pending] = store.withdrawals("pending")
    assert pending.request_id == result.request_id


def test_operator_approves_and_member_is_notified(bot: RunningBot, store: LedgerStore) -> None:
    """Given Alice's request through the bot, when the operator approves, then Alice is told."""
    _member_with_points(bot, store, ALICE)
    preview = bot.command(ALICE, "/withdraw", "200")
    bot.press(ALICE, preview.message, preview.button("wd:ok:"))

    queue = bot.command(OPERATOR, "/queue")
    assert "Points: 200.00" in queue.text
    approve = queue.button("adm:ok:")
    decided = bot.press(OPERATOR, queue.message, approve)

    [edit] = decided.of("editMessageText")
    assert edit.params["text"].startswith("Approved")
    [notice] = [c for c in decided.of("sendMessage") if c.params["chat_id"] == ALICE.id]
    assert "was approved" in notice.params["text"]
    assert "¥190.00 will be paid out" in notice.params["text"]
    record = stored_member(store, ALICE)
    assert (record.available, record.withdrawing, record.payable) == (80_000, 0, 19_000)
    entry = store.journal_page(member_of(ALICE), limit=1)[0]
    assert entry.kind == "withdrawal_approved"
    assert json.loads(entry.details)["operator"] == f"tg:{OPERATOR.id}"
    assert bot.command(OPERATOR, "/queue").text == "No withdrawals are waiting for review."


def test_approval_pressed_again_or_from_another_queue_list_notifies_once(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice's request shown in two /queue lists, when the operator presses approve in
    the first list twice and then in the second, then it is approved once and Alice is told
    once."""
    _member_with_points(bot, store, ALICE)
    preview = bot.command(ALICE, "/withdraw", "200")
    bot.press(ALICE, preview.message, preview.button("wd:ok:"))
    first_list = bot.command(OPERATOR, "/queue")
    second_list = bot.command(OPERATOR, "/queue")

    presses = [
        bot.press(OPERATOR, first_list.message, first_list.button("adm:ok:")),
        bot.press(OPERATOR, first_list.message, first_list.button("adm:ok:")),
        bot.press(OPERATOR, second_list.message, second_list.button("adm:ok:")),
    ]

    notices = [
        sent
        for press in presses
        for sent in press.of("sendMessage")
        if sent.params["chat_id"] == ALICE.id
    ]
    assert len(notices) == 1
    assert "was approved" in notices[0].params["text"]
    for press in presses:
        [edit] = press.of("editMessageText")
        assert edit.params["text"].startswith("Approved")
    kinds = [entry.kind for entry in store.journal(member_of(ALICE))]
    assert kinds.count("withdrawal_approved") == 1


def test_operator_rejects_and_member_gets_points_back(bot: RunningBot, store: LedgerStore) -> None:
    """Given a pending request, when rejected, then points return and the member is told in 中文."""
    _member_with_points(bot, store, BOB)
    preview = bot.command(BOB, "/withdraw", "300")
    bot.press(BOB, preview.message, preview.button("wd:ok:"))
    queue = bot.command(OPERATOR, "/queue")

    decided = bot.press(OPERATOR, queue.message, queue.button("adm:no:"))
    again = bot.press(OPERATOR, queue.message, queue.button("adm:ok:"))  # too late

    [notice] = [c for c in decided.of("sendMessage") if c.params["chat_id"] == BOB.id]
    assert "被驳回" in notice.params["text"]
    assert again.of("answerCallbackQuery")[0].params["text"] == "That request was already decided."
    record = stored_member(store, BOB)
    assert (record.available, record.withdrawing) == (100_000, 0)


def test_operator_freezes_and_unfreezes(bot: RunningBot, store: LedgerStore) -> None:
    """Given a member, when frozen, then withdrawals are refused until unfrozen."""
    alice = _member_with_points(bot, store, ALICE)
    alice_record = store.get_member(alice)
    assert alice_record is not None

    assert bot.command(OPERATOR, "/freeze", alice_record.invite_code).text == f"{alice} is frozen."
    assert bot.command(ALICE, "/withdraw", "100").text == (
        "Your account is frozen, so this is not possible right now."
    )
    assert "frozen" in bot.command(ALICE, "/balance").text
    assert bot.command(OPERATOR, "/unfreeze", PHONES[ALICE.id]).text == (
        f"{alice} is no longer frozen."
    )
    assert "Withdraw 100.00 points" in bot.command(ALICE, "/withdraw", "100").text
    assert bot.command(OPERATOR, "/freeze").text.startswith("Usage: /freeze")
    assert bot.command(OPERATOR, "/freeze", "nobody").text == "No member found for nobody."


def test_operator_adjusts_with_a_mandatory_reason(bot: RunningBot, store: LedgerStore) -> None:
    """Given a member, then /adjust needs a reason and journals it with the operator."""
    bot.register(ALICE, PHONES[ALICE.id])

    assert bot.command(OPERATOR, "/adjust", f"{ALICE.id} +25").text.startswith("Usage: /adjust")
    assert bot.command(OPERATOR, "/adjust", f"{ALICE.id} 25 why").text.startswith("Usage")
    done = bot.command(OPERATOR, "/adjust", f"{ALICE.id} +25.50 生日 bonus 🎂")
    too_much = bot.command(OPERATOR, "/adjust", f"{ALICE.id} -100 oops")

    assert done.text == f"Adjusted {member_of(ALICE)} by 25.50 points."
    assert too_much.text == "You do not have enough available points."
    entry = store.journal_page(member_of(ALICE), limit=1)[0]
    details = json.loads(entry.details)
    assert (entry.kind, details["reason"], details["operator"]) == (
        "adjustment",
        "生日 bonus 🎂",
        f"tg:{OPERATOR.id}",
    )
    record = stored_member(store, ALICE)
    assert record.available == 2_550


def test_operator_looks_up_a_member(bot: RunningBot, store: LedgerStore) -> None:
    """Given a member, when looked up by Telegram id, then profile and balances are shown."""
    _member_with_points(bot, store, ALICE)

    text = bot.command(OPERATOR, "/lookup", str(ALICE.id)).text

    assert f"Member {member_of(ALICE)} (Alice Wong)" in text
    assert "Phone: +8613800000001" in text
    assert "Available 1000.00" in text
