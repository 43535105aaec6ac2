"""Balance (with the settlement's why), history pages, team, invite QR, language, help."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.qr import qr_matrix
from bot.texts.notices import settlement_text
from bot.views import day
from functions.rewards.events import Purchase
from functions.services.notification_policy import NotificationRules
from functions.services.notifications import SettlementNotice
from functions.services.settlement import run_settlement
from functions.services.settlement_fanout import FanoutPolicy, settle_or_fan_out
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, BOB, CAROL, OPERATOR, PHONES, MakeBot, member_of
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


class _Captured:
    """A notification queue that keeps what the settlement enqueued."""

    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.messages += messages
        return len(messages)


def _notice_lines(queue: _Captured, user_member: str, language: str) -> list[str]:
    [body] = [m for m in queue.messages if m.get("member") == user_member]
    return settlement_text(language, SettlementNotice.model_validate(body)).splitlines()


def test_balance_explains_the_last_settlement_as_the_notice_does(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given the worked example, when Alice asks /balance, then only non-zero lines, the
    balance lines add up to the total, the parts to what was credited, and the settlement
    part says exactly what the daily notice said."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id], _invite_code(store, member_of(ALICE)))
    for user, order in ((ALICE, "o-a"), (BOB, "o-b")):
        bot.ledger.purchase(Purchase(member_of(user), order, 300_000), order)
    queue = _Captured()
    # every release worth a notice (issue 16's policy would leave a 0.72 % one to the digest)
    told = FanoutPolicy(notifications=NotificationRules(release_threshold_bp=1))
    settle_or_fan_out(bot.ledger, "2026-01-01", queue=queue, starter=None, policy=told)

    lines = bot.command(ALICE, "/balance").text.splitlines()

    assert lines == [
        "💰 Your balance: 7,500.00 points",
        "• Available: 54.00",
        "• Locked, released daily: 7,446.00",
        "Point value now: ¥1.00 – your available points are worth ¥54.00",
        "",
        "📊 Settlement of 2026-01-01: +54.00 points credited",
        "• Daily release of your locked points: +36.00",
        "• Share from your generation 1: +18.00",
    ]
    assert lines[5:] == _notice_lines(queue, member_of(ALICE), "en")


def test_forfeited_rewards_are_explained_and_still_add_up(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice with nothing locked whose invitee Bob releases 36, when settled, then Alice's
    balance (in Chinese after a switch) shows the share, the same amount held back by the cap
    with what to do about it, and a credited header of zero; the notice says the same."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id], _invite_code(store, member_of(ALICE)))
    bot.ledger.purchase(Purchase(member_of(BOB), "o-b", 300_000), "o-b")
    queue = _Captured()
    settle_or_fan_out(bot.ledger, "2026-01-01", queue=queue, starter=None)
    bot.press(ALICE, bot.command(ALICE, "/language").message, "lang:zh")

    lines = bot.command(ALICE, "/balance").text.splitlines()

    assert lines[lines.index("") + 1 :] == [
        "📊 2026-01-01 结算：入账 0.00 积分",
        "• 第 1 代分享收益：+18.00",
        "• 超出锁定积分，未发放：-18.00",
        "  奖励从您自己的锁定积分中发放。购买套餐锁定更多积分，即可领取更多奖励。",
    ]
    assert lines[lines.index("") + 1 :] == _notice_lines(queue, member_of(ALICE), "zh")


def test_balance_in_chinese_before_any_settlement(bot: RunningBot) -> None:
    """Given a fresh Chinese-speaking member, then the balance is in Chinese and says why not."""
    bot.register(BOB, PHONES[BOB.id])

    text = bot.command(BOB, "/balance").text

    assert text.startswith("💰 我的积分：0.00 积分")
    assert "暂无结算记录。" in text


def test_team_shows_invitees_volume_and_progress(bot: RunningBot, store: LedgerStore) -> None:
    """Given Bob under Alice after a settlement, then Alice's team screen lists Bob with his join
    date and contribution (no phone), and the settled figures with their date."""
    _alice_and_bob_bought_and_settled(bot, store)
    bob = store.get_member(member_of(BOB))
    assert bob is not None

    lines = bot.command(ALICE, "/team").text.splitlines()

    assert lines == [
        "👥 Your team",
        "Invited by you: 1",
        f"• 鲍勃 · joined {day(bob.joined_at, ZoneInfo('Asia/Shanghai'))} · bought ¥3,000.00 "
        "· invited 0",
        "Invited by them (2nd generation): 0",
        "",
        "As of the last settlement (2026-01-01), all generations:",
        "Team size: 1",
        "Team volume: ¥3,000.00",
        "Level: none yet",
        "Next level Bronze: ¥47,000.00 more team volume (6% there)",
    ]


def test_team_before_any_settlement_says_so_and_counts_the_second_generation(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given Alice ← Bob ← Carol and no settlement yet, then Alice sees Bob, one member in her
    second generation, and that team totals come with the first settlement (in Chinese)."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id], _invite_code(store, member_of(ALICE)))
    bot.register(CAROL, PHONES[CAROL.id], _invite_code(store, member_of(BOB)))
    bot.press(ALICE, bot.command(ALICE, "/language").message, "lang:zh")

    text = bot.command(ALICE, "/team").text

    assert "我直接邀请：1 人" in text
    assert "邀请 1 人" in text
    assert "他们邀请的（第 2 代）：1 人" in text
    assert "团队人数和业绩在每日结算时统计（暂无结算）。" in text
    assert "+86" not in text


def test_history_pages_back_and_forth(bot: RunningBot) -> None:
    """Given 7 journal entries, when paging, then 5 + 2 entries and working buttons."""
    bot.register(ALICE, PHONES[ALICE.id])
    for number in range(6):
        bot.ledger.adjust(member_of(ALICE), 100 + number, "goodwill", f"adj-{number}", operator="t")

    first = bot.command(ALICE, "/history")
    entries = [line for line in first.text.splitlines() if " · " in line and line[:2] == "20"]
    assert len(entries) == 5
    assert all(line.endswith("Adjustment by an operator: goodwill") for line in entries)
    assert "available +1.05" in first.text
    assert first.buttons() == [("Older »", "hist:3:-")]

    older = bot.press(ALICE, first.message, "hist:3:-")
    [edit] = older.of("editMessageText")
    lines = [line for line in edit.params["text"].splitlines() if line[:2] == "20"]
    assert len(lines) == 2
    assert lines[-1].endswith("Registered")
    assert older.buttons() == [("« Newest", "hist:new")]
    assert older.of("answerCallbackQuery")

    newest = bot.press(ALICE, edit.result, "hist:new")
    assert "available +1.05" in newest.texts[0]


def test_history_rejects_forged_page_data(bot: RunningBot) -> None:
    """Given a forged button, then the press is answered as expired and nothing is shown."""
    bot.register(ALICE, PHONES[ALICE.id])
    sent = bot.command(ALICE, "/help").message

    exchange = bot.press(ALICE, sent, "hist:-1:5")

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
    assert menu.buttons() == [
        ("简体中文", "lang:zh"),
        ("繁體中文", "lang:zh-hant"),
        ("English", "lang:en"),
    ]

    chosen = bot.press(ALICE, menu.message, "lang:zh")

    assert chosen.texts == ["语言已设为简体中文。", "请使用下方菜单，或发送 /help。"]
    keyboard = chosen.of("sendMessage")[0].params["reply_markup"]["keyboard"]
    assert keyboard[0][0] == {"text": "💰 余额"}  # the menu speaks the new language
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


def test_traditional_chinese_is_chosen_for_taiwan_and_switchable(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a zh-TW Telegram user, when they register, then the bot speaks Traditional Chinese
    and stores it; /language switches them to English."""
    taiwan = User(id=710_000_777, first_name="小美", language_code="zh-TW")

    greeting = bot.command(taiwan, "/start")
    done = bot.send(bot.server.contact_message(taiwan, "+886912345678"))
    balance = bot.command(taiwan, "/balance")

    assert greeting.text.startswith("歡迎來到積分平臺")
    assert "註冊成功" in done.text
    assert balance.text.startswith("💰 我的積分：0.00 積分")
    assert store.get_member(member_of(taiwan)).language == "zh-hant"  # type: ignore[union-attr]
    bot.press(taiwan, bot.command(taiwan, "/language").message, "lang:en")
    assert bot.command(taiwan, "/balance").text.startswith("💰 Your balance")


def test_rules_explain_the_live_plan_with_its_numbers(make_bot: MakeBot) -> None:
    """Given the dividend plan and a support contact, then /rules (from the menu) explains tiers,
    release, share, levels, the cap, the price and withdrawals with the plan's own numbers, and
    where to get help; in Chinese too."""
    bot = make_bot(support="@jifen_help")
    bot.register(ALICE, PHONES[ALICE.id])

    lines = bot.say(ALICE, "📘 Rules").text.splitlines()

    assert lines[:3] == [
        "📘 How it works",
        "Packages: points are granted on the cash you pay, by tier:",
        "• from ¥3,000.00 in cash: × 2.5 points",
    ]
    assert (
        "Granted points are locked and released every day at 1.2% of the cash paid, "
        "until all are out."
    ) in lines
    assert (
        "Share of what your invitees release each day: generation 1: 50% · generation 2: 30%."
        in lines
    )
    assert "• Bronze: from ¥50,000.00, 10%" in lines
    assert "Peer bonus: 3% when an invitee reaches your level." in lines
    assert "Point value: 1 point = ¥1.00." in lines
    assert lines[-2].startswith("Withdrawals: fee 5%, at least 100.00 points;")
    assert lines[-1] == "Need help? Contact @jifen_help."
    bot.register(BOB, PHONES[BOB.id])
    chinese = bot.command(BOB, "/rules").text
    assert "• 青铜：¥50,000.00 起，10%" in chinese
    assert chinese.endswith("需要帮助？请联系 @jifen_help。")


def test_help_names_operator_commands_for_operators_only(make_bot: MakeBot) -> None:
    """Given an operator and a member, then only the operator's /help lists admin commands."""
    bot = make_bot(support="+86 400 000 0000")

    member_help = bot.command(ALICE, "/help").text
    operator_help = bot.command(OPERATOR, "/help").text

    assert "/queue" not in member_help
    assert member_help.endswith("Need help? Contact +86 400 000 0000.")
    assert "Operator commands:\n/queue – withdrawals waiting for review" in operator_help
