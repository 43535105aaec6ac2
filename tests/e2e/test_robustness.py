"""Nothing a client can send crashes a handler: Unicode, huge input, unexpected update types.

The ``make_bot`` fixture fails any test during which a handler raised, so each
case here also proves "no crash", beyond what the bot answered.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from functions.rewards.events import Withdraw
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, OPERATOR, PHONES, give_payout_account, member_of
from .harness import RunningBot

NOT_UNDERSTOOD = "I can't handle that message. Send /help to see what I can do."


def _message(user: User, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": 9_000 + int(time.monotonic_ns() % 1_000),
        "from": user.to_dict(),
        "chat": user.private_chat(),
        "date": int(time.time()),
        **fields,
    }


def test_unicode_names_are_stored_and_echoed(bot: RunningBot, store: LedgerStore) -> None:
    """Given a name with emoji, RTL text and a zero-width joiner, then it round-trips intact."""
    name = "👩‍💻 مرحبا\u200b 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
    user = User(id=720_000_001, first_name=name, language_code="ar")

    greeting = bot.command(user, "/start")
    bot.send(bot.server.contact_message(user, "+971501234567"))

    assert name in greeting.text
    record = store.get_member(member_of(user))
    assert record is not None
    assert record.display_name == name


def test_very_long_name_is_cut_to_size(bot: RunningBot, store: LedgerStore) -> None:
    """Given a 5000-character name, then replies fit Telegram's limit and the stored name is cut."""
    user = User(id=720_000_002, first_name="名" * 5_000, language_code="zh")

    greeting = bot.command(user, "/start")
    bot.send(bot.server.contact_message(user, "+8613700000000"))

    [sent] = greeting.of("sendMessage")
    assert sent.ok
    assert sent.params["text"].endswith("…")
    record = store.get_member(member_of(user))
    assert record is not None
    assert record.display_name == "名" * 64


@pytest.mark.parametrize(
    "text",
    ["字" * 4096, "🙂" * 3000, "\x00\x01\x02", "   ", "/", "//start", "＜script＞"],
)
def test_odd_texts_get_a_hint(bot: RunningBot, text: str) -> None:
    """Given huge, astral, control or blank text, then a hint, never a crash."""
    exchange = bot.say(ALICE, text)

    assert exchange.texts in (
        [NOT_UNDERSTOOD],
        ["I don't know that command. Send /help to see what I can do."],
    )


def test_huge_command_arguments(bot: RunningBot) -> None:
    """Given 4000-character arguments to every command, then each answers sensibly."""
    bot.register(ALICE, PHONES[ALICE.id])
    junk = "💥" * 2_000
    for command in ("/start", "/withdraw", "/transfer", "/lookup", "/history", "/balance"):
        exchange = bot.command(ALICE, command, junk)
        assert all(call.ok for call in exchange.calls), command
        assert exchange.texts, command


@pytest.mark.parametrize(
    "fields",
    [
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"location": {"latitude": 22.3, "longitude": 114.2}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "a.exe"}},
    ],
    ids=["sticker", "photo", "voice", "location", "document"],
)
def test_media_messages_get_a_hint(bot: RunningBot, fields: dict[str, Any]) -> None:
    """Given stickers, photos and other media, then the not-understood hint."""
    exchange = bot.send({"message": _message(ALICE, **fields)})

    assert exchange.texts == [NOT_UNDERSTOOD]


def test_ignored_update_kinds_do_nothing(bot: RunningBot, store: LedgerStore) -> None:
    """Given edited messages, channel posts, group chatter and more, then no reply, no change."""
    bot.register(ALICE, PHONES[ALICE.id])
    before = store.get_member(member_of(ALICE))
    channel = {"id": -1_009_000_000_001, "type": "channel", "title": "News"}
    bot_user = {"id": 7_000_000_001, "is_bot": True, "first_name": "Jifen Test Bot"}
    updates: list[dict[str, Any]] = [
        {"edited_message": {**_message(ALICE, text="/withdraw 100"), "edit_date": 1}},
        {"channel_post": {"message_id": 1, "chat": channel, "date": 1, "text": "/start"}},
        {"edited_channel_post": {"message_id": 1, "chat": channel, "date": 1, "text": "x"}},
        bot.server.command(ALICE, "/balance", chat=bot.server.group_chat()),
        bot.server.contact_message(ALICE, PHONES[ALICE.id], chat=bot.server.group_chat()),
        {"inline_query": {"id": "1", "from": ALICE.to_dict(), "query": "hi", "offset": ""}},
        {
            "my_chat_member": {
                "chat": ALICE.private_chat(),
                "from": ALICE.to_dict(),
                "date": 1,
                "old_chat_member": {"status": "member", "user": bot_user},
                "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
            }
        },
        {"message": _message(ALICE, new_chat_title="renamed")},
    ]
    for update in updates:
        exchange = bot.send(update)
        assert exchange.texts == [], update

    assert store.get_member(member_of(ALICE)) == before


def test_garbage_button_data_is_answered(bot: RunningBot) -> None:
    """Given presses with data we never sent, then each is answered as expired."""
    sent = bot.command(ALICE, "/help").message
    for data in ("💥", "wd:ok:-5", "tr:ok:x:1e9", "adm:", "shop:1:z", "lang:fr", "hist:"):
        exchange = bot.press(ALICE, sent, data)
        [answer] = exchange.of("answerCallbackQuery")
        assert answer.params["text"] == "This button has expired. Please start again.", data


def test_telegram_failing_mid_reply_is_survived(bot: RunningBot) -> None:
    """Given the Bot API failing once, then the error handler logs and the next update works."""
    bot.server.fail_next("sendMessage", error_code=500)

    bot.command(ALICE, "/help")
    later = bot.command(ALICE, "/help")

    assert later.text.startswith("What I can do")
    assert len(bot.errors) == 1  # the injected failure reached the error handler
    bot.errors.clear()


def _inaccessible(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` as Telegram sends it once it is deleted or too old: date 0, no content."""
    return {"message_id": message["message_id"], "chat": message["chat"], "date": 0}


def test_buttons_on_an_inaccessible_message_do_nothing(bot: RunningBot, store: LedgerStore) -> None:
    """Bug 6: given a withdrawal preview, a language menu and a history page, when their buttons
    are pressed on an inaccessible message (Bot API date 0), then each press is answered as
    expired and nothing is requested, stored or shown (PTB 22 parses such a message as a
    Message, so a type check alone never fired)."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.adjust(member_of(ALICE), 100_000, "bonus", "fund", operator="t")
    give_payout_account(bot, ALICE)
    preview = bot.command(ALICE, "/withdraw", "200")
    menu = bot.command(ALICE, "/language")
    pages = bot.command(ALICE, "/history")

    presses = [
        bot.press(ALICE, _inaccessible(preview.message), preview.button("wd:ok:")),
        bot.press(ALICE, _inaccessible(menu.message), "lang:zh"),
        bot.press(ALICE, _inaccessible(pages.message), "hist:new"),
    ]

    for exchange in presses:
        [answer] = exchange.of("answerCallbackQuery")
        assert answer.params["text"] == "This button has expired. Please start again."
        assert exchange.texts == []
    assert store.withdrawals("pending") == []
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert (record.available, record.language) == (100_000, "en")


def test_operator_buttons_on_an_inaccessible_message_decide_nothing(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Bug 6 for operators: an approve press on an inaccessible queue message decides nothing."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.adjust(member_of(ALICE), 100_000, "bonus", "fund", operator="t")
    bot.ledger.request_withdrawal(Withdraw(member_of(ALICE), 20_000), "w-1")
    queue = bot.command(OPERATOR, "/queue")

    exchange = bot.press(OPERATOR, _inaccessible(queue.message), queue.button("adm:ok:"))

    assert exchange.of("answerCallbackQuery")[0].params["text"] == (
        "This button has expired. Please start again."
    )
    assert len(store.withdrawals("pending")) == 1
