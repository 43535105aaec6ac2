"""Operators' plan versions in the bot: list, show, and publish in two steps with a preview."""

from __future__ import annotations

import pytest

from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import User

from .conftest import ALICE, OPERATOR, PHONES, MakeBot
from .harness import Exchange, RunningBot

REFUSED = "Sorry, this command is for operators only."
CANDIDATE = """name: tuned
grant:
  tiers:
    - {name: junior, min: "3000", multiplier: "2"}
release: {mode: daily, daily_rate: "0.012"}
share: ["0.50", "0.30"]
withdrawal: {fee_rate: "0.05", min_points: "100"}"""


def _publish(bot: RunningBot, user: User, date: str, body: str = CANDIDATE) -> Exchange:
    return bot.command(user, "/publish_plan", f"{date} lower the multiple\n{body}")


@pytest.mark.parametrize(
    ("command", "payload"),
    [("/plans", None), ("/plan", "1"), ("/publish_plan", f"2099-01-01 why\n{CANDIDATE}")],
)
def test_plan_commands_refuse_members(
    bot: RunningBot, store: LedgerStore, command: str, payload: str | None
) -> None:
    """Given a registered member who is not an operator, then each plan command is refused
    and no version is read or written."""
    bot.register(ALICE, PHONES[ALICE.id])

    exchange = bot.command(ALICE, command, payload)

    assert exchange.text == REFUSED
    assert store.plan_versions() == []


def test_an_operator_lists_and_shows_the_bootstrapped_version(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given a table without versions, When the operator asks for /plans and /plan 1,
    Then version 1 is the bot's plan, from the start, and /plan shows it as YAML."""
    listed = bot.command(OPERATOR, "/plans")

    assert listed.text == (
        "Plan versions (in effect today: v1):\n"
        "v1 · dividend · from the start · bootstrap: the plan file the stack ships (PlanName)"
    )
    shown = bot.command(OPERATOR, "/plan", "1").text
    assert shown.startswith("Plan v1 (dividend), in effect from the start")
    assert "daily_rate: '0.012'" in shown
    assert bot.command(OPERATOR, "/plan", "9").text == "That request no longer exists."


def test_publishing_previews_then_publishes_on_confirmation(
    bot: RunningBot, store: LedgerStore
) -> None:
    """Given an operator sending a plan with a date and a reason,
    When the preview comes and they press Publish (twice, as a double tap),
    Then the preview named v2, what changes and the check's warnings; one version 2 is
    published by tg:<operator id>, and the preview says so."""
    preview = _publish(bot, OPERATOR, "2099-01-01")

    text = preview.text
    assert text.startswith("Publish plan v2 (tuned) in effect from 2099-01-01?")
    assert "Reason: lower the multiple" in text
    assert "· grant.tiers[0].multiplier: 2.5 → 2" in text
    assert "· warning solvency [valuation]:" in text
    assert text.endswith("Publishing acknowledges the warnings above.")
    button = preview.button("pln:ok:")
    done = bot.press(OPERATOR, preview.message, button)
    [edit] = done.of("editMessageText")
    assert edit.params["text"] == "Published plan v2 (tuned), in effect from 2099-01-01."
    again = bot.press(OPERATOR, preview.message, button)
    assert again.of("answerCallbackQuery")[0].params.get("show_alert") is not True
    versions = store.plan_versions()
    assert [(v.version, v.operator, v.reason) for v in versions][1:] == [
        (2, f"tg:{OPERATOR.id}", "lower the multiple")
    ]
    assert "v2 · tuned · from 2099-01-01" in bot.command(OPERATOR, "/plans").text


def test_a_cancelled_preview_publishes_nothing(bot: RunningBot, store: LedgerStore) -> None:
    """Given a preview, When the operator presses cancel, Then nothing is published."""
    preview = _publish(bot, OPERATOR, "2099-01-01")

    done = bot.press(OPERATOR, preview.message, "pln:no")

    [edit] = done.of("editMessageText")
    assert edit.params["text"] == "Not published."
    assert [v.version for v in store.plan_versions()] == [1]


def test_refusals_say_why(bot: RunningBot, store: LedgerStore) -> None:
    """Given a past date, an unreadable plan, and a plan the check blocks,
    Then each is answered with its reason, without a publish button, and nothing is published."""
    assert _publish(bot, OPERATOR, "2000-01-01").text == (
        "A new plan must take effect after the last settled day."
    )
    unreadable = _publish(bot, OPERATOR, "2099-01-01", "name: x\nname: y").text
    assert unreadable.startswith("That plan cannot be read: error   duplicate_key [name]")
    deep = "name: deep\ncommission: {rates: [{default: '0.01'}, {}, {}, {default: '0.01'}]}"
    blocked = _publish(bot, OPERATOR, "2099-01-01", deep)
    assert "· error paid_depth [commission.rates]" in blocked.text
    assert blocked.text.endswith("The plan check found errors, so this plan cannot be published.")
    assert blocked.buttons() == []
    usage = bot.command(OPERATOR, "/publish_plan", "2099-01-01").text
    assert usage.startswith("Usage: /publish_plan YYYY-MM-DD REASON")
    assert [v.version for v in store.plan_versions()] == [1]


def test_another_operator_cannot_confirm_a_preview(make_bot: MakeBot, store: LedgerStore) -> None:
    """Given a preview by one operator, When a second operator presses its Publish button,
    Then it is refused (the preview is not theirs) and nothing is published."""
    second = User(id=790_000_002, first_name="Ops2", language_code="en")
    bot = make_bot(admins=frozenset({OPERATOR.id, second.id}))
    preview = _publish(bot, OPERATOR, "2099-01-01")

    pressed = bot.press(second, preview.message, preview.button("pln:ok:"))

    [answer] = pressed.of("answerCallbackQuery")
    assert answer.params["text"] == "That request no longer exists."
    assert [v.version for v in store.plan_versions()] == [1]
