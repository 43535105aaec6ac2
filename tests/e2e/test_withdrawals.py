"""Withdrawals as members want them: a payout account asked once, masked, changeable; a list."""

from __future__ import annotations

from functions.rewards.events import Withdraw
from functions.services.ledger import request_id_for
from functions.store.bot_store import PayoutAccount
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, BOB, PHONES, give_payout_account, member_of
from .harness import RunningBot


def _funded(bot: RunningBot, user: User = ALICE) -> None:
    bot.register(user, PHONES[user.id])
    bot.ledger.adjust(member_of(user), 100_000, "welcome", f"fund-{user.id}", operator="t")


def test_first_withdrawal_asks_for_the_payout_account_once(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a member without a payout account, when they withdraw, then the bot asks where to
    pay, refuses a malformed card and asks again, saves it masked and goes on to the amount;
    the next withdrawal does not ask again."""
    _funded(bot)

    first = bot.say(ALICE, "💸 Withdraw")
    assert first.text == "First, tell me where to pay you.\nWhere should your withdrawals be paid?"
    assert [data for _, data in first.buttons()] == ["pay:bank", "pay:alipay", "pay:wechat"]
    asked = bot.press(ALICE, first.message, "pay:bank")
    assert asked.texts[0].startswith("Bank card: send the account holder's name and the card")
    assert bot.say(ALICE, "Alice 1234").text.startswith("Please send the name and a card number")
    saved = bot.say(ALICE, "Alice Wong 6222 0212 3456 7890")

    assert saved.texts[0] == (
        "Saved: Bank card ···· 7890 (Alice Wong). Change it any time with /payout."
    )
    assert saved.texts[1].startswith("How many points do you want to withdraw?")
    assert "Paid to: Bank card ···· 7890 (Alice Wong)" in saved.texts[1]
    assert "6222021234567890" not in "".join(saved.texts)
    account = bot.bot_store.payout_account(member_of(ALICE))
    assert account == PayoutAccount("bank", "Alice Wong", "6222021234567890")
    assert bot.say(ALICE, "120").text.startswith("Withdraw 120.00 points:")
    assert bot.command(ALICE, "/withdraw").text.startswith("How many points")


def test_payout_account_is_changed_with_payout(bot: RunningBot) -> None:
    """Given a bank card on file, when Bob (Chinese) changes it to Alipay, then the new one is
    shown masked in Chinese."""
    _funded(bot, BOB)
    give_payout_account(bot, BOB)

    shown = bot.command(BOB, "/payout")
    assert shown.text == "提现打款到：银行卡 ···· 7890（鲍勃）"
    choose = bot.press(BOB, shown.message, "pay:change")
    asked = bot.press(BOB, choose.of("sendMessage")[0].result, "pay:alipay")
    assert asked.texts[0].startswith("支付宝：请发送账户姓名和支付宝手机号或邮箱")
    saved = bot.say(BOB, "鲍勃 13800000002")

    assert saved.texts[0] == "已保存：支付宝 ···· 0002（鲍勃）。随时可用 /payout 修改。"


def test_my_withdrawals_list_their_status(bot: RunningBot, store: LedgerStore) -> None:
    """Given three requests (pending, approved, rejected with a reason), then /withdrawals
    lists them newest first with short numbers and their status."""
    _funded(bot)
    give_payout_account(bot, ALICE)
    alice = member_of(ALICE)
    for key in ("w-a", "w-b", "w-c"):
        bot.ledger.request_withdrawal(Withdraw(alice, 10_000), key)
    bot.ledger.decide_withdrawal(request_id_for("w-a"), approve=True, operator="ops")
    bot.ledger.decide_withdrawal(
        request_id_for("w-b"), approve=False, operator="ops", reason="name mismatch"
    )

    lines = bot.command(ALICE, "/withdrawals").text.splitlines()

    short = {key: "W-" + request_id_for(key)[:8].upper() for key in ("w-a", "w-b", "w-c")}
    assert lines[0] == "💸 Your withdrawals (newest first)"
    assert lines[1].startswith(short["w-c"])
    assert lines[1].endswith("100.00 points → ¥95.00 · ⏳ waiting for review")
    assert lines[2].endswith("· ❌ rejected — name mismatch")
    assert lines[3].startswith(short["w-a"])
    assert lines[3].endswith("· ✅ approved, paid next business day")
    assert len(short["w-a"]) == 10


def test_no_withdrawals_yet(bot: RunningBot) -> None:
    """Given a member who never withdrew, then the list says so (in Chinese for Bob)."""
    bot.register(BOB, PHONES[BOB.id])

    assert bot.command(BOB, "/withdrawals").text == "您还没有提现申请。"
