"""Operator commands: refused to everyone else (one test each), and what they do for operators."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.application import build_application, publish_commands
from functions.rewards.events import Withdraw
from functions.services.ledger import Ledger
from functions.store.ledger_store import LedgerStore
from functions.store.storage import memory_storage
from tests.support.botapi_server import BotApiServer, User

from .conftest import (
    ALICE,
    BOB,
    DIVIDEND,
    OPERATOR,
    PHONES,
    give_payout_account,
    member_of,
    stored_member,
)
from .harness import Exchange, RunningBot, bot_settings

REFUSED = "Sorry, this command is for operators only."


def _member_with_points(bot: RunningBot, store: LedgerStore, user: User) -> str:
    bot.register(user, PHONES[user.id])
    bot.ledger.adjust(member_of(user), 100_000, "bonus", f"fund-{user.id}", operator="t")
    give_payout_account(bot, user)
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


def _requested(bot: RunningBot, user: User, points: str = "200") -> None:
    preview = bot.command(user, "/withdraw", points)
    bot.press(user, preview.message, preview.button("wd:ok:"))


def _to(exchange: Exchange, user: User) -> list[str]:
    return [c.params["text"] for c in exchange.of("sendMessage") if c.params["chat_id"] == user.id]


def test_operator_approves_and_member_is_notified(bot: RunningBot, store: LedgerStore) -> None:
    """Given Alice's request through the bot, when the operator approves from the queue (which
    names her, masks her phone and payout account), then Alice is told where and when."""
    _member_with_points(bot, store, ALICE)
    _requested(bot, ALICE)

    queue = bot.command(OPERATOR, "/queue")
    lines = queue.text.splitlines()
    assert lines[0] == "🧾 Withdrawals waiting for review (page 1, oldest first)"
    assert lines[3:] == [
        "Alice Wong · +86138****0001",
        "200.00 points → ¥190.00 (fee ¥10.00)",
        "To: Bank card ···· 7890 (Alice)",
    ]
    assert lines[2].startswith("1. W-")
    assert "8613800000001" not in queue.text
    assert "6222021234567890" not in queue.text
    decided = bot.press(OPERATOR, queue.message, queue.button("adm:ok:"))

    [answer] = decided.of("answerCallbackQuery")
    assert answer.params["text"].startswith("Approved W-")
    [edit] = decided.of("editMessageText")
    assert edit.params["text"].endswith(f"→ approved by tg:{OPERATOR.id}")
    assert "reply_markup" not in edit.params  # nothing left to press
    [notice] = _to(decided, ALICE)
    assert "was approved: ¥190.00 will be paid to Bank card ···· 7890 (Alice)" in notice
    assert notice.endswith("on the next business day.")
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
    _requested(bot, ALICE)
    first_list = bot.command(OPERATOR, "/queue")
    second_list = bot.command(OPERATOR, "/queue")

    presses = [
        bot.press(OPERATOR, first_list.message, first_list.button("adm:ok:")),
        bot.press(OPERATOR, first_list.message, first_list.button("adm:ok:")),
        bot.press(OPERATOR, second_list.message, second_list.button("adm:ok:")),
    ]

    notices = [text for press in presses for text in _to(press, ALICE)]
    assert len(notices) == 1
    assert "was approved" in notices[0]
    for press in presses:
        [answer] = press.of("answerCallbackQuery")
        assert answer.params["text"].startswith("Approved W-")
    kinds = [entry.kind for entry in store.journal(member_of(ALICE))]
    assert kinds.count("withdrawal_approved") == 1


def test_reject_asks_for_a_reason_and_tells_the_member(bot: RunningBot, store: LedgerStore) -> None:
    """Given a pending request, when the operator presses reject, then the bot asks why; the
    reason is journaled, the points return and the member is told the reason in 中文."""
    _member_with_points(bot, store, BOB)
    _requested(bot, BOB, "300")
    queue = bot.command(OPERATOR, "/queue")

    asked = bot.press(OPERATOR, queue.message, queue.button("adm:no:"))
    assert asked.texts[0].startswith("Why reject W-")
    assert stored_member(store, BOB).withdrawing == 30_000  # nothing decided yet
    decided = bot.say(OPERATOR, "card number does not match the name")
    again = bot.press(OPERATOR, queue.message, queue.button("adm:ok:"))  # too late

    [notice] = _to(decided, BOB)
    assert "被驳回：card number does not match the name" in notice
    [told] = _to(decided, OPERATOR)
    assert told.startswith("Rejected W-")
    assert told.endswith(": card number does not match the name")
    [page] = decided.of("editMessageText")
    assert page.params["text"].endswith(f"→ rejected by tg:{OPERATOR.id}")
    assert again.of("answerCallbackQuery")[0].params["text"] == "That request was already decided."
    record = stored_member(store, BOB)
    assert (record.available, record.withdrawing) == (100_000, 0)
    entry = store.journal_page(member_of(BOB), limit=1)[0]
    assert json.loads(entry.details)["reason"] == "card number does not match the name"


def test_reject_can_be_cancelled(bot: RunningBot, store: LedgerStore) -> None:
    """Given the reason question, when the operator sends /cancel, then nothing is decided."""
    _member_with_points(bot, store, ALICE)
    _requested(bot, ALICE)
    queue = bot.command(OPERATOR, "/queue")
    bot.press(OPERATOR, queue.message, queue.button("adm:no:"))

    assert bot.command(OPERATOR, "/cancel").text == "Cancelled."
    assert bot.say(OPERATOR, "too late").text.startswith("I can't handle that message")
    [pending] = store.withdrawals("pending")
    assert pending.member == member_of(ALICE)


def test_queue_pages_and_approves_a_whole_page(bot: RunningBot, store: LedgerStore) -> None:
    """Given 12 pending requests, then the queue shows 10 with a next page of 2; approving all
    on the first page approves exactly those 10 and tells their member once, in one message."""
    _member_with_points(bot, store, ALICE)
    bot.ledger.adjust(member_of(ALICE), 200_000, "more", "fund-more", operator="t")
    for number in range(12):
        bot.ledger.request_withdrawal(Withdraw(member_of(ALICE), 10_000 + number), f"w-{number}")

    first = bot.command(OPERATOR, "/queue")
    assert first.text.count("\n\n") == 10
    assert ("✅ Approve all 10 on this page", "adm:all") in first.buttons()
    second = bot.press(OPERATOR, first.message, first.button("adm:page:"))
    [page_two] = second.of("sendMessage")
    assert "page 2" in page_two.params["text"]
    assert page_two.params["text"].count("\n\n") == 2

    approved = bot.press(OPERATOR, first.message, "adm:all")

    assert approved.of("answerCallbackQuery")[0].params["text"] == "Approved 10."
    [together] = _to(approved, ALICE)  # one message for her ten (1 message/s per chat)
    assert together.count("was approved") == 10
    assert len(store.withdrawals("pending")) == 2
    assert len(store.withdrawals("approved")) == 10


def test_operators_are_told_of_new_requests_once_per_window(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given two members requesting withdrawals within minutes, then the operator hears once
    (how many wait, and where to look), not once per request."""
    _member_with_points(bot, store, ALICE)
    _member_with_points(bot, store, BOB)
    bot.command(OPERATOR, "/queue")  # the operator's language is known from then on

    first = bot.command(ALICE, "/withdraw", "200")
    told = bot.press(ALICE, first.message, first.button("wd:ok:"))
    second = bot.command(BOB, "/withdraw", "300")
    quiet = bot.press(BOB, second.message, second.button("wd:ok:"))

    assert _to(told, OPERATOR) == ["💸 New withdrawal requests: 1 waiting for review. /queue"]
    assert _to(quiet, OPERATOR) == []


def test_operator_freezes_and_unfreezes_and_the_member_is_told(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a member, when frozen, then withdrawals are refused until unfrozen, and the member
    hears of both."""
    alice = _member_with_points(bot, store, ALICE)
    alice_record = store.get_member(alice)
    assert alice_record is not None

    frozen = bot.command(OPERATOR, "/freeze", alice_record.invite_code)
    assert frozen.texts[0] == f"{alice} is frozen."
    assert _to(frozen, ALICE) == [
        "⚠️ An operator froze your account: withdrawals, transfers and paying with points "
        "are paused."
    ]
    assert bot.command(ALICE, "/withdraw", "100").text == (
        "Your account is frozen, so this is not possible right now."
    )
    assert "frozen" in bot.command(ALICE, "/balance").text
    unfrozen = bot.command(OPERATOR, "/unfreeze", PHONES[ALICE.id])
    assert unfrozen.texts[0] == f"{alice} is no longer frozen."
    assert _to(unfrozen, ALICE) == ["✅ Your account is no longer frozen."]
    assert "Withdraw 100.00 points" in bot.command(ALICE, "/withdraw", "100").text
    assert bot.command(OPERATOR, "/freeze").text.startswith("Usage: /freeze")
    assert bot.command(OPERATOR, "/freeze", "nobody").text == "No member found for nobody."


def test_operator_adjusts_with_a_mandatory_reason_and_the_member_is_told(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a member, then /adjust needs a reason, journals it with the operator and tells the
    member the reason."""
    bot.register(ALICE, PHONES[ALICE.id])

    assert bot.command(OPERATOR, "/adjust", f"{ALICE.id} +25").text.startswith("Usage: /adjust")
    assert bot.command(OPERATOR, "/adjust", f"{ALICE.id} 25 why").text.startswith("Usage")
    done = bot.command(OPERATOR, "/adjust", f"{ALICE.id} +25.50 生日 bonus 🎂")
    too_much = bot.command(OPERATOR, "/adjust", f"{ALICE.id} -100 oops")

    assert done.texts[0] == f"Adjusted {member_of(ALICE)} by 25.50 points."
    assert _to(done, ALICE) == ["➕ An operator added 25.50 points to your account: 生日 bonus 🎂"]
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


def test_operator_looks_up_a_member_with_recent_actions(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a member an operator adjusted, when looked up by Telegram id, then profile,
    balances, the masked payout account and the recent history naming the operator."""
    _member_with_points(bot, store, ALICE)
    bot.command(OPERATOR, "/adjust", f"{ALICE.id} +5 goodwill")

    text = bot.command(OPERATOR, "/lookup", str(ALICE.id)).text

    assert f"Member {member_of(ALICE)} (Alice Wong)" in text
    assert "Phone: +8613800000001" in text
    assert "Available 1,005.00" in text
    assert "Payout account: Bank card ···· 7890 (Alice)" in text
    assert "Recent history:" in text
    assert f"Adjustment by an operator: goodwill\n    available +5.00 · by tg:{OPERATOR.id}" in text


def test_admin_commands_are_in_the_operators_menu_only(server: BotApiServer) -> None:
    """Given publish_commands, then the default menu has no admin command and the operator's
    own chat scope lists them (in each language)."""
    settings = bot_settings(server, admin_ids=frozenset({OPERATOR.id}))
    application = build_application(
        Ledger(memory_storage().ledger, DIVIDEND), settings, bot_store=memory_storage().bot
    )

    async def publish() -> None:
        async with application:
            await publish_commands(application, settings.admin_ids)

    asyncio.run(publish())

    calls = server.requests("setMyCommands")
    default = [c for c in calls if "scope" not in c.params]
    scoped = [c for c in calls if "scope" in c.params]
    assert {c.params.get("language_code") for c in default} == {"zh", "en", None}
    for call in default:
        names = [command["command"] for command in call.params["commands"]]
        assert "queue" not in names
        assert "refund" not in names
        assert "gift" in names  # members give locked points from the menu (issue 12)
    assert {c.params["scope"]["chat_id"] for c in scoped} == {OPERATOR.id}
    for call in scoped:
        names = [command["command"] for command in call.params["commands"]]
        assert "queue" in names
        assert "refund" in names
    assert len(scoped) == 3


def test_operator_sets_and_clears_a_members_region(bot: RunningBot, store: LedgerStore) -> None:
    """Given a member, when the operator sets her region, then clears it, then the member item
    carries it (the region-scoped pools share by it) and the journal names the operator; a
    member cannot use the command and a bad request says how."""
    alice = _member_with_points(bot, store, ALICE)
    alice_record = store.get_member(alice)
    assert alice_record is not None

    done = bot.command(OPERATOR, "/region", f"{alice_record.invite_code} Shenzhen")

    assert done.texts[0] == f"{alice}'s region is now Shenzhen."
    record = store.get_member(alice)
    assert record is not None
    assert record.region == "Shenzhen"
    cleared = bot.command(OPERATOR, "/region", f"{PHONES[ALICE.id]} -")
    assert cleared.texts[0] == f"{alice} has no region now."
    record = store.get_member(alice)
    assert record is not None
    assert record.region is None
    assert bot.command(OPERATOR, "/region", alice).text.startswith("Usage: /region")
    assert bot.command(ALICE, "/region", f"{alice} Beijing").text == (
        "Sorry, this command is for operators only."
    )
