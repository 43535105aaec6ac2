"""Balance (with the settlement's why), history pages, team, invite QR, language, help."""

from __future__ import annotations

import struct
import zlib

from bot.qr import qr_matrix
from functions.rewards.events import Purchase
from functions.services.settlement import run_settlement
from functions.store.ledger_store import LedgerStore

from .conftest import ALICE, BOB, PHONES, member_of
from .harness import RunningBot


def _invite_code(store: LedgerStore, member: str) -> str:
    record = store.get_member(member)
    assert record is not None
    assert record.invite_code is not None
    return record.invite_code


def _alice_and_bob_bought_and_settled(bot: RunningBot, store: LedgerStore) -> None:
    """RULES.md §4's example: A refers B, each buys 3000 (2.5×, 1.2% a day), one settlement."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id], _invite_code(store, member_of(ALICE)))
    for user, order in ((ALICE, "o-a"), (BOB, "o-b")):
        bot.ledger.purchase(Purchase(member_of(user), order, 300_000), order)
    run_settlement(bot.ledger, "2026-01-01")


def test_balance_explains_the_last_settlement(bot: RunningBot, store: LedgerStore) -> None:
    """Given the worked example, when Alice asks /balance, then every component is shown."""
    _alice_and_bob_bought_and_settled(bot, store)

    text = bot.command(ALICE, "/balance").text

    assert text.splitlines() == [
        "💰 Your balance",
        "Available: 54.00 points",
        "Locked (released daily): 7446.00 points",
        "Being withdrawn: 0.00 points",
        "Point value now: ¥1.00 – your available points are worth ¥54.00",
        "",
        "Last settlement (2026-01-01): 54.00 points released",
        "• Static release: 36.00",
        "• Share, generation 1: 18.00",
        "• Share, generation 2: 0.00",
        "• Team differential: 0.00",
        "• Peer bonus: 0.00",
        "• Accelerated release paid from your locked points: 18.00",
        "• Forfeited by the cap (not enough locked points): 0.00",
    ]


def test_balance_in_chinese_before_any_settlement(bot: RunningBot) -> None:
    """Given a fresh Chinese-speaking member, then the balance is in Chinese and says why not."""
    bot.register(BOB, PHONES[BOB.id])

    text = bot.command(BOB, "/balance").text

    assert "可用：0.00 积分" in text
    assert "暂无结算记录。" in text


def test_team_shows_invitees_volume_and_progress(bot: RunningBot, store: LedgerStore) -> None:
    """Given Bob under Alice after a settlement, then Alice's team screen has the figures."""
    _alice_and_bob_bought_and_settled(bot, store)

    text = bot.command(ALICE, "/team").text

    assert "Members you invited: 1" in text
    assert "• 鲍勃" in text
    assert "Team size (all generations): 1" in text
    assert "Team volume: ¥3000.00" in text
    assert "Level: none yet" in text
    assert "Next level bronze: ¥47000.00 more team volume (6% there)" in text


def test_history_pages_back_and_forth(bot: RunningBot) -> None:
    """Given 7 journal entries, when paging, then 5 + 2 entries and working buttons."""
    bot.register(ALICE, PHONES[ALICE.id])
    for number in range(6):
        bot.ledger.adjust(member_of(ALICE), 100 + number, "goodwill", f"adj-{number}", operator="t")

    first = bot.command(ALICE, "/history")
    seqs = [line.split()[0] for line in first.text.splitlines() if line.startswith("#")]
    assert seqs == ["#7", "#6", "#5", "#4", "#3"]
    assert "Adjustment by an operator" in first.text
    assert "available +1.05" in first.text
    assert first.buttons() == [("Older »", "hist:3")]

    older = bot.press(ALICE, first.message, "hist:3")
    [edit] = older.of("editMessageText")
    lines = edit.params["text"].splitlines()
    assert [line.split()[0] for line in lines if line.startswith("#")] == ["#2", "#1"]
    assert "Registered" in edit.params["text"]
    assert older.buttons() == [("« Newer", "hist:8")]
    assert older.of("answerCallbackQuery")

    newer = bot.press(ALICE, edit.result, "hist:8")
    assert "#7" in newer.texts[0]


def test_history_rejects_forged_page_data(bot: RunningBot) -> None:
    """Given a forged button, then the press is answered as expired and nothing is shown."""
    bot.register(ALICE, PHONES[ALICE.id])
    sent = bot.command(ALICE, "/help").message

    exchange = bot.press(ALICE, sent, "hist:-1")

    [answer] = exchange.of("answerCallbackQuery")
    assert answer.params["text"] == "This button has expired. Please start again."
    assert exchange.texts == []


def _png_modules(png: bytes, modules: int) -> list[list[bool]]:
    """Decode our 1-bit greyscale PNG back to dark/light modules (one sample per module)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, data, width = 8, b"", 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
            assert body[8:10] == b"\x01\x00"  # 1 bit, greyscale
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    raw = zlib.decompress(data)
    stride = 1 + (width + 7) // 8
    scale = width // modules
    rows = []
    for module_row in range(modules):
        line = raw[module_row * scale * stride : (module_row * scale + 1) * stride]
        assert line[0] == 0
        bits = "".join(f"{byte:08b}" for byte in line[1:])
        rows.append([bits[column * scale] == "0" for column in range(modules)])
    return rows


def test_invite_sends_link_and_scannable_qr(bot: RunningBot, store: LedgerStore) -> None:
    """Given a member, when /invite, then a PNG QR of https://t.me/<bot>?start=<code> is sent."""
    bot.register(ALICE, PHONES[ALICE.id])
    link = f"https://t.me/jifen_test_bot?start={_invite_code(store, member_of(ALICE))}"

    exchange = bot.command(ALICE, "/invite")

    [photo] = exchange.of("sendPhoto")
    assert link in photo.params["caption"]
    upload = photo.files["photo"]
    assert upload.content_type == "image/png"
    expected = qr_matrix(link)
    assert _png_modules(upload.content, len(expected)) == expected


def test_language_switch_is_stored_and_used(bot: RunningBot, store: LedgerStore) -> None:
    """Given an English member, when they choose 中文, then replies switch and it is stored."""
    bot.register(ALICE, PHONES[ALICE.id])
    menu = bot.command(ALICE, "/language")
    assert menu.buttons() == [("中文", "lang:zh"), ("English", "lang:en")]

    chosen = bot.press(ALICE, menu.message, "lang:zh")

    assert chosen.texts == ["语言已设为中文。"]
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert record.language == "zh"
    assert bot.command(ALICE, "/help").text.startswith("可用功能")


def test_visitor_language_choice_carries_into_registration(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a visitor who chose English on a Chinese client, then /start and the member use it."""
    menu = bot.command(BOB, "/language")
    bot.press(BOB, menu.message, "lang:en")

    greeting = bot.command(BOB, "/start")
    bot.send(bot.server.contact_message(BOB, PHONES[BOB.id]))

    assert greeting.text.startswith("Welcome to Jifen")
    record = store.get_member(member_of(BOB))
    assert record is not None
    assert record.language == "en"


def test_help_lists_the_commands(bot: RunningBot) -> None:
    """Given anyone, when /help, then the command list is sent."""
    text = bot.command(ALICE, "/help").text

    for command in ("/balance", "/history", "/team", "/invite", "/shop", "/withdraw", "/transfer"):
        assert command in text
