"""The engagement programs in the bot (issue 13): lottery, staking, catalog, roles.

The running PTB application over the fake Bot API and a fresh DynamoDB table, on the
advanced preset (lottery, staking, catalog) and the distribution preset (roles), in
English (Alice) and Chinese (Bob).
"""

from __future__ import annotations

from functions.config import REPO_ROOT
from functions.rewards.events import Purchase
from functions.rewards.plan import load_plan_text
from functions.store.ledger_store import LedgerStore

from .conftest import ALICE, BOB, OPERATOR, PHONES, MakeBot, member_of, stored_member
from .harness import RunningBot

ADVANCED = load_plan_text((REPO_ROOT / "infra" / "plans" / "advanced.yaml").read_text())
DISTRIBUTION = load_plan_text((REPO_ROOT / "infra" / "plans" / "distribution.yaml").read_text())


def _alice_bought(bot: RunningBot) -> None:
    """Alice registered (phone bound) and bought 5,000: 1,500 points available."""
    bot.register(ALICE, PHONES[ALICE.id])
    bot.ledger.purchase(Purchase(member_of(ALICE), "o-a", 500_000), "o-a")


def test_a_draw_then_leaving_the_queue_gives_spare_points_once(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given Alice with 1,500 points on the advanced plan
    When she draws from /lottery (confirming twice: a double tap), then leaves the queue
    Then one draw of 500 was made, 50 went to the pool, and leaving gave 300 spare points;
    the history shows both with the balances they moved."""
    bot = make_bot(plan=ADVANCED)
    _alice_bought(bot)

    screen = bot.command(ALICE, "/lottery")
    assert screen.text.splitlines()[0] == "🎟 Points lottery — pool: 0.00 points, 0 draws so far"
    preview = bot.press(ALICE, screen.message, "lt:draw")
    assert preview.text == "Draw for 500.00 points?"
    done = bot.press(ALICE, preview.message, "lt:d:ok")
    again = bot.press(ALICE, preview.message, "lt:d:ok")

    assert done.text == "🎟 Your draw #1 is in the queue. The pool holds 50.00 points."
    assert again.text == done.text
    assert store.lottery_draws() == 1
    assert stored_member(store, ALICE).available == 100_000
    screen = bot.command(ALICE, "/lottery")
    assert "• Your draw #1 is waiting (paid 500.00)" in screen.text
    leave = bot.press(ALICE, screen.message, screen.button("lt:exit:"))
    assert leave.text.startswith("Leave the queue with draw #1? You get 300.00 spare points")
    left = bot.press(ALICE, leave.message, "lt:x:1")
    assert left.text == "↩️ Draw #1 left the queue: 300.00 spare points credited."
    assert stored_member(store, ALICE).programs.spare == 30_000
    balance = bot.command(ALICE, "/balance").text.splitlines()
    assert balance[0] == "💰 Your balance: 1,300.00 points"
    assert "• Spare (orders and the catalog only): 300.00" in balance
    history = bot.command(ALICE, "/history").text.splitlines()
    assert history[1].endswith(" · Left the lottery queue")
    assert history[2] == "    spare +300.00"
    assert history[3].endswith(" · Lottery draw")
    assert history[4] == "    available -500.00"


def test_catalog_redemption_in_chinese_pays_spare_first_and_gives_the_code(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given an operator listing a cup at 100 with one code in its pool, and Bob (Chinese)
    with 1,500 points
    When Bob opens the programs from the menu's button, the catalog, and confirms the cup
    Then he gets the pool's code, 100 points are burned and the stock is 0: the cup is
    no longer offered."""
    bot = make_bot(plan=ADVANCED)
    bot.register(BOB, PHONES[BOB.id])
    bot.ledger.purchase(Purchase(member_of(BOB), "o-b", 500_000), "o-b")
    listed = bot.command(OPERATOR, "/list_item", "cup 100 1 1 Coffee cup")
    assert listed.text == "Listed cup: Coffee cup, 100.00 points, 1 in stock."
    store.add_catalog_codes("cup", 1, ["CUP-0001"])

    start = bot.command(BOB, "/start")
    menu = start.of("sendMessage")[0].params["reply_markup"]["keyboard"]
    assert [button["text"] for button in menu[-1]] == ["🎯 活动"]  # the plan runs programs
    hub = bot.say(BOB, "🎯 活动")
    assert hub.text == "🎯 可参与的活动："
    assert [data for _, data in hub.buttons()] == ["pg:lottery", "pg:staking", "pg:catalog"]
    screen = bot.press(BOB, hub.message, "pg:catalog")
    assert "• Coffee cup：100.00 积分（剩 1 份）" in screen.text
    preview = bot.press(BOB, screen.message, "cg:item:cup")
    assert preview.text == "用 100.00 积分兑换 Coffee cup？优先使用备用积分。"
    done = bot.press(BOB, preview.message, "cg:ok:cup")

    assert done.text == "🎁 已用 100.00 积分兑换 Coffee cup。您的兑换码：CUP-0001"
    assert stored_member(store, BOB).available == 140_000
    assert bot.command(BOB, "/catalog").text.endswith("目前没有可兑换的权益。")
    rows = bot.command(OPERATOR, "/redemptions").text.splitlines()
    assert rows == ["Latest redemptions:", f"cup #1 · {member_of(BOB)} · 100.00 · CUP-0001"]


def test_stake_and_end_it_early(make_bot: MakeBot, store: LedgerStore) -> None:
    """Given Alice with 1,500 points
    When she stakes 1,000 for 7 settlements, then ends it early
    Then the preview named the 10 % bonus and 5 % penalty; 950 came back, 50 was burned."""
    bot = make_bot(plan=ADVANCED)
    _alice_bought(bot)

    preview = bot.command(ALICE, "/stake", "1000 7")
    assert preview.text == (
        "Stake 1,000.00 points for 7 settlements? At maturity they come back with a 10%"
        " bonus; ending early costs 5% of them."
    )
    staked = bot.press(ALICE, preview.message, preview.button("sk:ok:"))
    assert staked.text == "⛓ Stake #1 opened: 1,000.00 points for 7 settlements."
    screen = bot.command(ALICE, "/stake")
    assert "• #1: 1,000.00 points, 7 settlements to go, bonus 10%" in screen.text
    balance = bot.command(ALICE, "/balance").text.splitlines()
    assert balance[0] == "💰 Your balance: 1,500.00 points"
    assert "• Staked, back at maturity: 1,000.00" in balance
    end = bot.press(ALICE, screen.message, "sk:end:1")
    ended = bot.press(ALICE, end.message, "sk:e:1")

    assert ended.text == "⏹ Stake #1 ended: 950.00 points back, 50.00 penalty."
    record = stored_member(store, ALICE)
    assert (record.available, record.programs.staked) == (145_000, 0)


def test_an_operator_promotes_and_the_plan_without_programs_says_so(
    make_bot: MakeBot, store: LedgerStore
) -> None:
    """Given the distribution plan (roles, no lottery)
    When the operator promotes Alice and Alice opens /programs and /lottery
    Then she is a promoter, and the screens say no program runs / this one is not running."""
    bot = make_bot(plan=DISTRIBUTION)
    bot.register(ALICE, PHONES[ALICE.id])

    promoted = bot.command(OPERATOR, "/promote", f"{member_of(ALICE)} promoter")

    assert promoted.text == f"{member_of(ALICE)} is now: promoter."
    assert stored_member(store, ALICE).programs.role == "promoter"
    assert bot.command(ALICE, "/programs").text == "No programs are running right now."
    assert bot.command(ALICE, "/lottery").text == "This program is not running."
    assert bot.command(ALICE, "/promote", f"{member_of(ALICE)} partner").text == (
        "Sorry, this command is for operators only."
    )
