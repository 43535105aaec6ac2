"""/start, deep links and registration by own contact, through real PTB over real HTTP."""

from __future__ import annotations

import pytest

from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, BOB, CAROL, PHONES, member_of, stored_member
from .harness import RunningBot


def test_start_without_payload_offers_the_contact_button(bot: RunningBot) -> None:
    """Given a new user, when they send /start, then they are asked for their own contact."""
    exchange = bot.command(ALICE, "/start")

    [sent] = exchange.of("sendMessage")
    assert "Welcome to Jifen, Alice Wong!" in sent.params["text"]
    [[button]] = sent.params["reply_markup"]["keyboard"]
    assert button["request_contact"] is True


def test_registration_without_referrer(bot: RunningBot, store: LedgerStore) -> None:
    """Given /start, when the user shares their own contact, then a member exists with claims."""
    exchange = bot.register(ALICE, PHONES[ALICE.id])

    record = stored_member(store, ALICE)
    assert (record.referrer, record.phone, record.telegram_id) == (None, "+8613800000001", ALICE.id)
    assert record.invite_code is not None
    assert f"Your invite code is {record.invite_code}" in exchange.text
    menu = exchange.of("sendMessage")[0].params["reply_markup"]
    assert menu["keyboard"][0][0] == {"text": "💰 Balance"}  # the menu replaces the share button
    assert menu["is_persistent"] is True
    assert store.claim_owner("PHONE#+8613800000001") == member_of(ALICE)
    assert store.claim_owner(f"TG#{ALICE.id}") == member_of(ALICE)
    assert store.claim_owner(f"INVITE#{record.invite_code}") == member_of(ALICE)


def test_registration_through_an_invite_link_fixes_the_referrer(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice's link, when Bob opens it and registers, then Alice is his referrer for good."""
    bot.register(ALICE, PHONES[ALICE.id])
    alice = stored_member(store, ALICE)
    assert alice.invite_code is not None

    greeting = bot.command(BOB, "/start", alice.invite_code)
    done = bot.send(bot.server.contact_message(BOB, PHONES[BOB.id]))

    assert "您的邀请人是 Alice Wong" in greeting.text  # Bob's Telegram speaks Chinese
    assert "您的推荐人：Alice Wong" in done.text
    bob = stored_member(store, BOB)
    assert bob.referrer == member_of(ALICE)
    assert bob.phone == "+8613800000002"  # normalised to E.164
    assert store.children(member_of(ALICE)) == [member_of(BOB)]

    # When Bob later opens Carol's link, then nothing changes.
    bot.register(CAROL, PHONES[CAROL.id])
    carol = stored_member(store, CAROL)
    again = bot.command(BOB, "/start", carol.invite_code)
    assert "推荐人在注册时已确定" in again.texts[0]
    assert again.texts[1] == "这是 Carol 的邀请链接。要转赠积分给 TA 吗？"
    assert again.button("tr:to:") == f"tr:to:{member_of(CAROL)}"
    after = stored_member(store, BOB)
    assert after.referrer == member_of(ALICE)


def test_own_link_cannot_make_a_member_their_own_referrer(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a member, when they open their own invite link, then their referrer stays none."""
    bot.register(ALICE, PHONES[ALICE.id])
    alice = stored_member(store, ALICE)

    exchange = bot.command(ALICE, "/start", alice.invite_code)

    assert "your referrer stays as it is" in exchange.text
    after = stored_member(store, ALICE)
    assert after.referrer is None


def test_second_account_with_the_same_phone_is_refused(bot: RunningBot, store: LedgerStore) -> None:
    """Given Alice registered, when Carol's Telegram shares the same phone, then it is refused."""
    bot.register(ALICE, PHONES[ALICE.id])

    exchange = bot.register(CAROL, "8613800000001")

    assert "already registered to another Telegram account" in exchange.text
    assert store.get_member(member_of(CAROL)) is None
    assert store.claim_owner(f"TG#{CAROL.id}") is None


def test_someone_elses_contact_is_refused(bot: RunningBot, store: LedgerStore) -> None:
    """Given /start, when the user shares another person's contact, then nobody registers."""
    bot.command(ALICE, "/start")

    exchange = bot.send(bot.server.contact_message(ALICE, "+8613911112222", own=False))

    assert "someone else's contact" in exchange.text
    assert store.get_member(member_of(ALICE)) is None
    assert store.claim_owner("PHONE#+8613911112222") is None


def test_registering_twice_is_answered_without_change(bot: RunningBot, store: LedgerStore) -> None:
    """Given a member, when they share their contact again, then they are told and nothing moves."""
    bot.register(ALICE, PHONES[ALICE.id])
    before = store.get_member(member_of(ALICE))

    exchange = bot.send(bot.server.contact_message(ALICE, PHONES[ALICE.id]))

    assert "already registered" in exchange.text
    assert store.get_member(member_of(ALICE)) == before


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("not valid!", "invite link looks damaged"),  # two words, a "!"
        ("x" * 65, "invite link looks damaged"),  # longer than Telegram allows
        ("码码码", "invite link looks damaged"),  # not [A-Za-z0-9_-]
        ("Unknown_Code-123", "does not belong to any member"),  # well formed, nobody's
    ],
)
def test_bad_deep_link_payloads_get_a_friendly_answer(
    bot: RunningBot, store: LedgerStore, payload: str, expected: str
) -> None:
    """Given a malformed or unknown payload, then a friendly note, and registration still works."""
    exchange = bot.command(ALICE, "/start", payload)

    assert expected in exchange.text
    bot.send(bot.server.contact_message(ALICE, PHONES[ALICE.id]))
    record = stored_member(store, ALICE)
    assert record.referrer is None


def test_unregistered_user_is_asked_to_register_first(bot: RunningBot) -> None:
    """Given a stranger, when they ask for their balance, then they are told to register."""
    exchange = bot.command(User(id=710_000_099, first_name="Eve", language_code="fr"), "/balance")

    assert exchange.text == "Please register first: send /start and share your phone number."


def test_a_bad_phone_keeps_the_share_button(bot: RunningBot, store: LedgerStore) -> None:
    """Bug 3: given /start, when the user's own contact holds no usable phone number, then the
    reply says to use the button and the button is still there (it used to be removed)."""
    bot.command(ALICE, "/start")

    exchange = bot.send(bot.server.contact_message(ALICE, "12345", own=True))

    assert "does not look like a phone number" in exchange.text
    markup = exchange.of("sendMessage")[0].params["reply_markup"]
    [[button]] = markup["keyboard"]
    assert button["request_contact"] is True
    assert store.get_member(member_of(ALICE)) is None


def test_a_bad_phone_in_chinese_keeps_the_share_button(bot: RunningBot) -> None:
    """Bug 3, in Chinese: the button the reply points at is the share button."""
    bot.command(BOB, "/start")

    exchange = bot.send(bot.server.contact_message(BOB, "000", own=True))

    assert exchange.text == "这看起来不是手机号。请点击下方按钮分享您的手机号。"
    [[button]] = exchange.of("sendMessage")[0].params["reply_markup"]["keyboard"]
    assert button == {"text": "📱 分享我的手机号", "request_contact": True}


def test_start_for_a_member_shows_the_menu_not_the_help(bot: RunningBot) -> None:
    """Given a member, when they send /start, then a short greeting with the menu keyboard."""
    bot.register(ALICE, PHONES[ALICE.id])

    exchange = bot.command(ALICE, "/start")

    assert exchange.text == "Welcome back, Alice Wong!\n\nUse the menu below, or send /help."
    keyboard = exchange.of("sendMessage")[0].params["reply_markup"]["keyboard"]
    assert [[button["text"] for button in row] for row in keyboard] == [
        ["💰 Balance", "📜 History", "👥 Team"],
        ["🛒 Shop", "💸 Withdraw", "🎁 Transfer"],
        ["📨 Invite", "📘 Rules", "❓ Help"],
    ]


def test_menu_buttons_open_their_screens_in_any_language(bot: RunningBot) -> None:
    """Given a member, when they press menu labels (English, then a Chinese label left on an
    old keyboard), then the screens open as their commands do."""
    bot.register(ALICE, PHONES[ALICE.id])

    balance = bot.say(ALICE, "💰 Balance")
    history = bot.say(ALICE, "📜 明细")
    help_text = bot.say(ALICE, "❓ Help")

    assert balance.text.startswith("💰 Your balance: 0.00 points")
    assert history.text.startswith("📜 History (newest first)")
    assert help_text.text.startswith("What I can do:")
