"""The Mini App's programs page (issue 13): what the plan runs, read-only.

On the advanced preset a member sees their spare points, the lottery pool and their
waiting draws, their stakes and the catalog; on a plan without programs the page stays
the placeholder it was.
"""

from __future__ import annotations

from functions.config import REPO_ROOT
from functions.services.members import Members
from tests.support.web import (
    MEMBER_TELEGRAM,
    Browser,
    memory_runtime,
    register,
    text_of,
    web_settings,
)

ADVANCED = REPO_ROOT / "infra" / "plans" / "advanced.yaml"


def test_the_programs_page_shows_the_lottery_stakes_and_catalog() -> None:
    """Given Alice on the advanced plan with a waiting draw, an open stake and a listed cup
    When she opens the Mini App's programs page
    Then it shows the pool, her draw, her stake with its bonus and the cup, and no
    placeholder."""
    runtime = memory_runtime(web_settings(ADVANCED))
    register(runtime, MEMBER_TELEGRAM, name="Alice")
    members = Members(runtime.ledger, runtime.bot_store)
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    members.pay(alice, 500_000, 0, "charge-a")
    ledger = runtime.ledger
    ledger.draw(alice.member, "draw-1")
    ledger.stake(alice.member, 50_000, 7, "stake-1")
    ledger.list_item("cup", "Coffee cup", 10_000, 4)
    browser = Browser(runtime)
    assert browser.member_sign_in(MEMBER_TELEGRAM)["statusCode"] == 200

    page = browser.get("/app/programs")

    html = text_of(page)
    assert page["statusCode"] == 200
    assert 'data-placeholder="programs"' not in html
    assert "Draw #1 · paid 500.00" in html
    assert "Stake #1 · 500.00 · 7 settlements to go · bonus 10%" in html
    assert "Coffee cup · 100.00 points · 4 left" in html
    assert '<p class="figure">50.00</p>' in html  # the pool: 10 % of the draw


def test_without_programs_the_page_is_the_placeholder() -> None:
    """Given the demo plan (no programs), When the page opens, Then it is the placeholder."""
    runtime = memory_runtime(web_settings())
    register(runtime, MEMBER_TELEGRAM, name="Alice")
    browser = Browser(runtime)
    assert browser.member_sign_in(MEMBER_TELEGRAM)["statusCode"] == 200

    html = text_of(browser.get("/app/programs"))

    assert 'data-placeholder="programs"' in html


def test_the_balance_page_shows_staked_points() -> None:
    """Given Alice on the advanced plan with an open stake of 500
    When she opens the Mini App's balance page
    Then a tile shows the staked points beside available and locked."""
    runtime = memory_runtime(web_settings(ADVANCED))
    register(runtime, MEMBER_TELEGRAM, name="Alice")
    members = Members(runtime.ledger, runtime.bot_store)
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    members.pay(alice, 500_000, 0, "charge-a")
    runtime.ledger.stake(alice.member, 50_000, 7, "stake-1")
    browser = Browser(runtime)
    assert browser.member_sign_in(MEMBER_TELEGRAM)["statusCode"] == 200

    html = text_of(browser.get("/app"))

    assert "Staked (back at maturity)" in html
    assert '<p class="figure">500.00</p>' in html
