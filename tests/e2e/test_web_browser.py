"""The web side in a real browser: headless Chromium from Debian, driven through chromedriver.

Selenium is given Debian's ``chromedriver`` and ``chromium`` explicitly, so Selenium
Manager never runs and nothing downloads a browser. The pages are served over real
HTTP by the web handler on an in-memory community (members, purchases, settled days,
pending withdrawals). Every page visited is saved to ``var/screenshots/`` and checked
with axe-core (vendored, ``tests/support/vendor/axe-core``): no serious or critical
violation. Without a browser these tests skip with a loud reason; CI sets
``JIFEN_REQUIRE_BROWSER=1`` (``.ci/run``), which turns that skip into a failure.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from functions.config import REPO_ROOT
from functions.runtime import Runtime
from functions.services.members import Members
from functions.services.settlement import run_settlement
from local.dev.telegram_auth import mint_init_data, mint_login
from tests.support.web import (
    ADMIN_ID,
    BOT_TOKEN,
    MEMBER_TELEGRAM,
    memory_runtime,
    register,
)
from tests.support.web_server import WebServer

SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
AXE = REPO_ROOT / "tests" / "support" / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
SERIOUS = {"serious", "critical"}
REQUIRE = os.environ.get("JIFEN_REQUIRE_BROWSER") == "1"
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # nothing leaves the machine: telegram.org's scripts fail at once, pages work without
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)


def _binaries() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    found = _binaries()
    if found is None:
        reason = (
            "BROWSER TESTS NOT RUN: no chromium/chromedriver on PATH "
            "(apt-get install chromium chromium-driver fonts-noto-cjk)"
        )
        if REQUIRE:
            pytest.fail(reason + " and JIFEN_REQUIRE_BROWSER=1")
        print(f"\n*** {reason} ***")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = found
    profile = tempfile.mkdtemp(prefix="jifen-chromium-")
    options = Options()
    options.binary_location = chromium
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    browser.set_window_size(430, 932)  # a phone: the Mini App's size
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class Community:
    runtime: Runtime
    server: WebServer
    alice: str
    withdrawals: list[str]


@pytest.fixture(scope="module")
def community() -> Iterator[Community]:
    """Alice invited Bob and Carol; they bought, four days settled, three withdrawals wait."""
    runtime = memory_runtime()
    members = Members(runtime.ledger, runtime.bot_store)
    code = register(runtime, MEMBER_TELEGRAM, name="Alice")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Bob")
    register(runtime, MEMBER_TELEGRAM + 2, invite=code, name="Carol")
    for offset, amount in ((0, 900_000), (1, 300_000), (2, 300_000)):
        buyer = members.by_telegram(MEMBER_TELEGRAM + offset)
        assert buyer is not None
        members.pay(buyer, amount, 0, f"charge-{offset}")
    for day in range(1, 5):
        run_settlement(runtime.ledger, f"2026-01-0{day}")
    requests = []
    for offset in range(3):
        member = members.by_telegram(MEMBER_TELEGRAM + offset)
        assert member is not None
        requests.append(members.withdraw(member, 5_000, f"w-{offset}").request_id)
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    with WebServer(runtime) as server:
        yield Community(runtime, server, alice.member, requests)


def fresh(driver: Any) -> None:
    """Forget every cookie, partitioned ones too (WebDriver's delete misses those)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return list(
        driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ["violations"]}).then(
              (result) => done(result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))),
              (error) => done([{id: "axe-error", impact: "critical", help: String(error)}]));
            """
        )
    )


def visit(driver: Any, url: str, name: str, *, wait_for: str = "main h1") -> str:
    """Open ``url``; save a screenshot as ``name``; check accessibility; the page's text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 15).until(ready.presence_of_element_located((By.CSS_SELECTOR, wait_for)))
    return checked(driver, name)


def checked(driver: Any, name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000)}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
    )
    (SCREENSHOTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
    serious = [v for v in axe_violations(driver) if v.get("impact") in SERIOUS]
    assert serious == [], f"{name}: {serious}"
    return str(driver.find_element("css selector", "body").text)


def wait_text(driver: Any, selector: str, text: str, timeout: float = 15) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        ready.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text)
    )


def launch_url(base: str, init_data: str, path: str = "/app") -> str:
    """How Telegram opens a Mini App: the launch data in the URL fragment."""
    return f"{base}{path}#tgWebAppData={quote(init_data, safe='')}"


def test_the_vendored_axe_is_the_published_file() -> None:
    # Given the vendored axe-core
    # When its bytes are hashed
    # Then they are npm's axe-core 4.14.1, unmodified (README.md beside it)
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


def test_the_board_needs_no_sign_in_and_draws_its_chart(driver: Any, community: Community) -> None:
    """Given a settled community
    When anyone opens the public board and a monthly report
    Then they load without a session, the price chart has a line, and no personal data shows"""
    from selenium.webdriver.common.by import By

    base = community.server.url
    fresh(driver)
    text = visit(driver, f"{base}/board", "board")
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart polyline.line")
    assert "Alice" not in text
    assert community.alice not in text
    report = visit(driver, f"{base}/board/reports/2026-01", "board-report")
    assert "2026-01" in report


def test_a_member_signs_in_with_initdata_and_sees_every_page(
    driver: Any, community: Community
) -> None:
    """Given Alice's Mini App launch data, signed as Telegram signs it
    When the Mini App opens with it
    Then she is signed in, her balance shows a release chart with bars, and each page of
    the app loads (and passes the accessibility check)"""
    from selenium.webdriver.common.by import By

    base = community.server.url
    fresh(driver)
    init_data = mint_init_data(BOT_TOKEN, MEMBER_TELEGRAM, auth_date=int(time.time()))
    driver.get(launch_url(base, init_data))
    wait_text(driver, "main h1", "Balance")
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")) >= 4
    checked(driver, "app-balance")
    for path, name, heading in (
        ("/app/history", "app-history", "History"),
        ("/app/history?kind=settlement", "app-history-settlements", "History"),
        ("/app/team", "app-team", "Team"),
        ("/app/shop", "app-shop", "Shop"),
        ("/app/withdraw", "app-withdraw", "Withdraw"),
        ("/app/transfer", "app-transfer", "Transfer"),
        ("/app/programs", "app-programs", "Programs"),
    ):
        visit(driver, base + path, name)
        assert heading in driver.find_element(By.CSS_SELECTOR, "main h1").text
    text = visit(driver, f"{base}/app/team", "app-team")
    assert "Bob" in text
    assert "Carol" in text
    assert "+86" not in text


@pytest.mark.parametrize(
    ("case", "token", "age_s"),
    [("expired", BOT_TOKEN, 3 * 3600), ("forged", "999:not-the-bot-token", 0)],
)
def test_expired_or_forged_initdata_is_refused(
    driver: Any, community: Community, case: str, token: str, age_s: int
) -> None:
    """Given launch data that is too old, or signed with another token
    When the Mini App opens with it
    Then the sign-in is refused: the page says so and no member page is shown"""
    base = community.server.url
    fresh(driver)
    init_data = mint_init_data(token, MEMBER_TELEGRAM, auth_date=int(time.time()) - age_s)
    driver.get(launch_url(base, init_data))
    wait_text(driver, "#signin-status", "Sign-in failed")
    checked(driver, f"app-signin-{case}")
    assert "Balance" not in driver.find_element("css selector", "main h1").text


@pytest.mark.parametrize(
    ("case", "token", "age_s", "telegram_id"),
    [
        ("expired", BOT_TOKEN, 3600, ADMIN_ID),
        ("forged", "999:not-the-bot-token", 0, ADMIN_ID),
        ("not-admin", BOT_TOKEN, 0, MEMBER_TELEGRAM),
    ],
)
def test_refused_login_widget_answers_open_no_console(
    driver: Any, community: Community, case: str, token: str, age_s: int, telegram_id: int
) -> None:
    """Given a Login Widget answer that is too old, forged, or of a member
    When the browser follows it
    Then no console session opens"""
    base = community.server.url
    fresh(driver)
    fields = mint_login(token, telegram_id, auth_date=int(time.time()) - age_s)
    text = visit(
        driver, f"{base}/console/login/telegram?{urlencode(fields)}", f"console-login-{case}"
    )
    assert "Dashboard" not in text
    visit(driver, f"{base}/console", f"console-after-{case}")
    assert "Operators sign in" in driver.find_element("css selector", "main h1").text


SIGN_INS = iter(range(1_000))


def sign_in_operator(driver: Any, base: str) -> None:
    # each sign-in is a fresh Login Widget answer: one answer opens one session only
    fields = mint_login(
        BOT_TOKEN, ADMIN_ID, auth_date=int(time.time()), first_name=f"Ops {next(SIGN_INS)}"
    )
    driver.get(f"{base}/console/login/telegram?{urlencode(fields)}")
    wait_text(driver, "main h1", "Dashboard")


def test_an_operator_signs_in_and_every_console_page_loads(
    driver: Any, community: Community
) -> None:
    """Given an operator's Login Widget answer
    When they sign in and walk through the console
    Then the dashboard draws its charts from the daily aggregates, and every page loads"""
    from selenium.webdriver.common.by import By

    base = community.server.url
    fresh(driver)
    sign_in_operator(driver, base)
    checked(driver, "console-dashboard")
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    for path, name in (
        ("/console/members", "console-members"),
        (f"/console/members/{community.alice}", "console-member"),
        ("/console/settlements", "console-settlements"),
        ("/console/payouts", "console-payouts"),
        ("/console/merchants", "console-merchants"),
        ("/console/audit", "console-audit"),
    ):
        visit(driver, base + path, name)
    member = visit(driver, f"{base}/console/members/{community.alice}", "console-member")
    assert "Hash chain verified" in member
    plans = visit(driver, f"{base}/console/plans", "console-plans")
    assert "Plan in force" in plans
    assert driver.find_elements(By.CSS_SELECTOR, '[data-placeholder="plan-versions"]')


def test_the_console_is_keyboard_navigable(driver: Any, community: Community) -> None:
    """Given a signed-in operator on the dashboard
    When they press Tab
    Then focus goes to the skip link first, then through the section links in order"""
    from selenium.webdriver.common.keys import Keys

    base = community.server.url
    fresh(driver)
    sign_in_operator(driver, base)
    body = driver.find_element("css selector", "body")
    body.send_keys(Keys.TAB)
    first = driver.switch_to.active_element
    assert first.get_attribute("class") == "skip"
    first.send_keys(Keys.TAB)
    second = driver.switch_to.active_element
    assert second.get_attribute("href").endswith("/console")
    second.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("href").endswith("/console/members")


def test_bulk_approve_with_confirm(driver: Any, community: Community) -> None:
    """Given three pending withdrawals
    When the operator selects all, approves, and confirms
    Then all three are approved, the queue is empty, and the audit log lists them"""
    from selenium.webdriver.common.by import By

    base = community.server.url
    fresh(driver)
    sign_in_operator(driver, base)
    visit(driver, f"{base}/console/withdrawals", "console-withdrawals")
    driver.find_element(By.ID, "select-all").click()
    driver.find_element(By.CSS_SELECTOR, "#bulk button[type=submit]").click()
    wait_text(driver, "main h1", "Approve 3 withdrawals")
    checked(driver, "console-withdrawals-confirm")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_text(driver, "main", "No withdrawal is waiting for review.")
    checked(driver, "console-withdrawals-approved")
    store = community.runtime.ledger.store
    assert [store.get_withdrawal(rid).status for rid in community.withdrawals] == [  # type: ignore[union-attr]
        "approved"
    ] * 3
    audit = visit(driver, f"{base}/console/audit", "console-audit")
    assert audit.count("approve") >= 3


def test_a_post_with_a_wrong_csrf_token_is_refused(driver: Any, community: Community) -> None:
    """Given a signed-in operator on a member's page
    When the freeze form is posted with a CSRF token that is not the session's
    Then the console refuses it (403) and the member stays unfrozen"""
    from selenium.webdriver.common.by import By

    base = community.server.url
    fresh(driver)
    sign_in_operator(driver, base)
    visit(driver, f"{base}/console/members/{community.alice}", "console-member")
    driver.execute_script(
        "document.querySelectorAll('input[name=_csrf]').forEach(i => i.value = 'forged');"
    )
    driver.find_element(By.CSS_SELECTOR, "form[action$='/freeze'] button").click()
    wait_text(driver, "main", "This form has expired")
    checked(driver, "console-csrf-refused")
    member = community.runtime.ledger.store.get_member(community.alice)
    assert member is not None
    assert not member.frozen
