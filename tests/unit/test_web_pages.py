"""The web side's pages and flows on the in-memory twin: what members and operators can do."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from bot import texts as bot_texts
from functions.services.members import Members
from functions.services.settlement import run_settlement
from functions.services.settlement_notices import DiscardingQueue
from functions.store.records import EntryKind, WithdrawalStatus
from tests.support.web import (
    MEMBER_TELEGRAM,
    Browser,
    csrf_of,
    json_of,
    memory_runtime,
    register,
    text_of,
    web_settings,
)
from web import i18n
from web.app import build
from web.telegram import CURRENCY, invoice_payload


@pytest.fixture
def community() -> tuple[Any, Members]:
    runtime = memory_runtime(web_settings(web={"payment_provider_token": "provider-test"}))
    members = Members(runtime.ledger, runtime.bot_store)
    code = register(runtime, MEMBER_TELEGRAM, name="Alice")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Bob")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    bob = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert alice is not None
    assert bob is not None
    members.pay(alice, 900_000, 0, "charge-a")
    members.pay(bob, 300_000, 0, "charge-b")
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        run_settlement(runtime.ledger, day)
    return runtime, members


def signed_member(runtime: Any, telegram_id: int = MEMBER_TELEGRAM) -> Browser:
    browser = Browser(runtime)
    assert browser.member_sign_in(telegram_id)["statusCode"] == 200
    return browser


def test_the_web_catalogs_hold_the_same_keys_and_placeholders() -> None:
    # Given the web's catalogs
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    english = i18n.CATALOGS["en"]
    # When each is compared with English
    # Then every key is there with the same placeholders
    for code, catalog in i18n.CATALOGS.items():
        assert set(catalog) == set(english), code
        for key, text in catalog.items():
            assert fields(text) == fields(english[key]), (code, key)


def test_every_language_of_the_bot_is_offered_on_the_web() -> None:
    # Given the bot's languages (zh-Hant arrives with the bot's third catalog)
    # When the web's offered languages are listed
    # Then each bot language has a web catalog, and Traditional Chinese tags resolve to it
    # as soon as the bot offers it (Simplified until then)
    assert set(bot_texts.LANGUAGES) <= set(i18n.CATALOGS)
    assert tuple(bot_texts.LANGUAGES) == i18n.LANGUAGES
    expected = "zh-hant" if "zh-hant" in bot_texts.LANGUAGES else "zh"
    assert i18n.resolve(None, "zh-TW" if expected == "zh-hant" else "zh-CN") == expected
    assert i18n.resolve("en-US") == "en"
    assert i18n.resolve("fr") == "en"
    assert i18n.resolve(None, "") == i18n.DEFAULT_LANGUAGE


def test_money_is_formatted_exactly_with_separators() -> None:
    # Given amounts in hundredths
    # When formatted for a page
    # Then they read with thousands separators, exactly
    assert i18n.money(123_456_789) == "1,234,567.89"
    assert i18n.money(-5) == "-0.05"
    with pytest.raises(TypeError):
        i18n.money(1.5)  # type: ignore[arg-type]


def test_the_mini_apps_invoice_is_the_bots_own() -> None:
    # Given the bot's payment handlers
    from bot.context import CURRENCY as BOT_CURRENCY
    from bot.handlers.shop import PAYLOAD

    # When the web makes an invoice payload
    # Then the bot's successful-payment handler parses it back, in the bot's currency
    match = PAYLOAD.match(invoice_payload(300_000, 1_500))
    assert match is not None
    assert (int(match.group(1)), int(match.group(2))) == (300_000, 1_500)
    assert CURRENCY == BOT_CURRENCY


def test_a_member_gets_an_invoice_link_for_a_package(community: tuple[Any, Members]) -> None:
    # Given Alice in the Mini App's shop, Telegram answering createInvoiceLink
    runtime, _ = community
    web = build(runtime)
    asked: list[dict[str, Any]] = []

    def telegram(token: str, url: str, request: dict[str, Any]) -> str:
        asked.append(request)
        return "https://t.me/$invoice-test"

    web.invoice_link = telegram
    alice = signed_member(runtime)
    shop = text_of(alice.get("/app/shop"))
    # When she asks for the first package's invoice
    answer = alice.post(
        "/app/shop/invoice",
        {"amount": "300000", "points": "0"},
        headers={"x-csrf-token": csrf_of(shop)},
    )
    # Then Telegram is asked for the bot's invoice and the link comes back
    assert answer["statusCode"] == 200
    assert json_of(answer) == {"link": "https://t.me/$invoice-test"}
    assert asked[0]["payload"] == "buy:300000:0"
    assert asked[0]["provider_token"] == "provider-test"
    assert asked[0]["prices"][0]["amount"] == 300_000
    # And a package that is not offered is refused without asking Telegram
    refused = alice.post(
        "/app/shop/invoice",
        {"amount": "12345", "points": "0"},
        headers={"x-csrf-token": csrf_of(shop)},
    )
    assert refused["statusCode"] == 422
    assert len(asked) == 1


def test_a_withdrawal_is_previewed_then_requested_once(community: tuple[Any, Members]) -> None:
    # Given Alice on the withdrawal page
    runtime, _ = community
    alice = signed_member(runtime)
    page = text_of(alice.get("/app/withdraw"))
    # When she previews 60 points, then confirms twice (a double tap)
    preview = alice.post("/app/withdraw/preview", {"_csrf": csrf_of(page), "points": "60"})
    body = text_of(preview)
    assert "You receive" in body
    key = re.search(r'name="key" value="([^"]+)"', body)
    assert key is not None
    form = {"_csrf": csrf_of(body), "points": "6000", "key": key.group(1)}
    first, second = alice.post("/app/withdraw", form), alice.post("/app/withdraw", form)
    # Then one request exists, and both answers name it
    assert first["statusCode"] == second["statusCode"] == 200
    pending = runtime.ledger.store.withdrawals(WithdrawalStatus.PENDING)
    assert [(r.member, r.points) for r in pending] == [(f"tg{MEMBER_TELEGRAM}", 6_000)]
    assert pending[0].request_id[:8] in text_of(second)


def test_a_withdrawal_below_the_minimum_is_refused_in_words(
    community: tuple[Any, Members],
) -> None:
    # Given Alice on the withdrawal page
    runtime, _ = community
    alice = signed_member(runtime)
    page = text_of(alice.get("/app/withdraw"))
    # When she previews 1 point (the plan's minimum is 50)
    preview = alice.post("/app/withdraw/preview", {"_csrf": csrf_of(page), "points": "1"})
    # Then the form comes back with the bot's wording of the refusal, nothing requested
    assert preview["statusCode"] == 422
    assert bot_texts.t("en", "reject.below_minimum") in text_of(preview)
    assert runtime.ledger.store.withdrawals(WithdrawalStatus.PENDING) == []


def test_a_transfer_names_the_recipient_then_moves_the_points(
    community: tuple[Any, Members],
) -> None:
    # Given Alice, and Bob's invite code
    runtime, members = community
    bob = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert bob is not None
    before = bob.available
    alice = signed_member(runtime)
    page = text_of(alice.get("/app/transfer"))
    # When she previews 10 points to his code and confirms
    preview = text_of(
        alice.post(
            "/app/transfer/preview",
            {"_csrf": csrf_of(page), "code": bob.invite_code or "", "points": "10"},
        )
    )
    assert "Bob" in preview
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    done = alice.post(
        "/app/transfer",
        {
            "_csrf": csrf_of(preview),
            "code": bob.invite_code or "",
            "points": "1000",
            "key": key.group(1),
        },
    )
    # Then Bob has 10 more points
    assert "Sent 10.00 points to Bob" in text_of(done)
    after = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert after is not None
    assert after.available == before + 1_000


def test_history_can_be_filtered_by_kind(community: tuple[Any, Members]) -> None:
    # Given Alice's journal (join, purchase, three settlements)
    runtime, _ = community
    alice = signed_member(runtime)
    # When she shows settlements only
    page = text_of(alice.get("/app/history?kind=settlement"))
    # Then three rows show, all settlements
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = re.findall(r"<tr><td>\d+</td>", table)
    assert len(rows) == 3
    assert bot_texts.t("en", "history.kind.purchase") not in table
    assert table.count(i18n.entry_kind("en", EntryKind.SETTLEMENT)) == 3


def test_the_team_tree_pages_through_many_invitees(community: tuple[Any, Members]) -> None:
    # Given Bob with 120 invitees
    runtime, members = community
    bob = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert bob is not None
    for number in range(120):
        register(runtime, 8_000_000 + number, invite=bob.invite_code, name=f"Kid {number:03d}")
    viewer = signed_member(runtime, MEMBER_TELEGRAM + 1)
    # When he pages through his tree
    seen: list[str] = []
    path: str | None = "/app/team"
    pages = 0
    while path is not None:
        page = text_of(viewer.get(path))
        seen += re.findall(r'<span class="who">(Kid \d+)</span>', page)
        found = re.search(r'href="([^"]+)">Older', page)
        path = found.group(1).replace("&amp;", "&") if found else None
        pages += 1
    # Then all 120 show, 25 to a page, newest first, each once
    assert pages == 5
    assert len(seen) == len(set(seen)) == 120
    assert seen[0] == "Kid 119"


def test_an_operator_finds_a_member_by_phone_code_or_telegram_id(
    community: tuple[Any, Members],
) -> None:
    # Given an operator and Alice
    runtime, members = community
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    operator = Browser(runtime)
    operator.operator_sign_in()
    # When they search by each key
    # Then each lands on Alice's page, and an unknown one says so
    for query in (alice.phone or "", alice.invite_code or "", str(MEMBER_TELEGRAM), alice.member):
        answer = operator.get(f"/console/members?q={query.replace('+', '%2B')}")
        assert answer["statusCode"] == 303, query
        assert answer["headers"]["Location"] == f"/console/members/{alice.member}"
    assert operator.get("/console/members?q=nobody")["statusCode"] == 404


def test_an_adjustment_needs_a_preview_a_confirm_and_a_reason(
    community: tuple[Any, Members],
) -> None:
    # Given an operator on Alice's page
    runtime, members = community
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    operator = Browser(runtime)
    operator.operator_sign_in()
    page = text_of(operator.get(f"/console/members/{alice.member}"))
    # When they adjust by +12.34 with a reason (preview, then confirm)
    preview = text_of(
        operator.post(
            f"/console/members/{alice.member}/adjust/preview",
            {"_csrf": csrf_of(page), "delta": "+12.34", "reason": "goodwill"},
        )
    )
    assert "Confirm the adjustment" in preview
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    done = operator.post(
        f"/console/members/{alice.member}/adjust",
        {"_csrf": csrf_of(preview), "delta": "1234", "reason": "goodwill", "key": key.group(1)},
    )
    # Then the points move, the journal names the operator, the audit log has it
    assert "Adjusted by 12.34 points" in text_of(done)
    after = members.by_telegram(MEMBER_TELEGRAM)
    assert after is not None
    assert after.available == alice.available + 1_234
    actions = runtime.stores.web.actions(limit=5)
    assert (actions[0].action, actions[0].outcome) == ("adjust", "ok")
    # And without a reason nothing is even previewed
    refused = operator.post(
        f"/console/members/{alice.member}/adjust/preview",
        {"_csrf": csrf_of(page), "delta": "+1", "reason": ""},
    )
    assert "Confirm the adjustment" not in text_of(refused)


def test_a_rejection_carries_its_reason_to_the_member(community: tuple[Any, Members]) -> None:
    # Given a pending withdrawal of Alice
    runtime, members = community
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    request = members.withdraw(alice, 6_000, "w-a").request_id
    operator = Browser(runtime)
    operator.operator_sign_in()
    form_page = text_of(operator.get(f"/console/withdrawals/{request}/reject"))
    # When the operator rejects it with a reason
    done = operator.post(
        f"/console/withdrawals/{request}/reject",
        {"_csrf": csrf_of(form_page), "reason": "account name does not match"},
    )
    # Then it is rejected with that reason, and the member's notice is queued
    assert done["statusCode"] == 200
    stored = runtime.ledger.store.get_withdrawal(request)
    assert stored is not None
    assert (stored.status, stored.reason) == ("rejected", "account name does not match")
    queue = runtime.queue
    assert isinstance(queue, DiscardingQueue)
    assert queue.discarded == 1


def test_the_console_downloads_a_payout_batch_as_its_report(
    community: tuple[Any, Members],
) -> None:
    # Given an approved withdrawal paid in the next day's batch
    from functions.services.payouts import run_payouts

    runtime, members = community
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    request = members.withdraw(alice, 6_000, "w-b").request_id
    runtime.ledger.decide_withdrawal(request, approve=True, operator="ops")
    import datetime as dt

    today = dt.datetime.now(runtime.zone).date()
    cutoff = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).timestamp() * 1_000_000)
    memory_reports: dict[str, bytes] = {}

    class Reports:
        def read(self, key: str) -> bytes | None:
            return memory_reports.get(key)

        def write(self, key: str, body: bytes) -> None:
            memory_reports[key] = body

        def location(self, key: str) -> str:
            return key

    from functions.services.payouts import ManualPayoutProvider

    run_payouts(
        runtime.ledger, ManualPayoutProvider(runtime.ledger, Reports()), today.isoformat(), cutoff
    )
    operator = Browser(runtime)
    operator.operator_sign_in()
    # When the operator downloads the day's CSV
    listing = text_of(operator.get("/console/payouts"))
    answer = operator.get(f"/console/payouts/{today.isoformat()}/csv")
    # Then it is the very report the batch stored
    assert today.isoformat() in listing
    assert answer["statusCode"] == 200
    assert answer["body"].encode() == next(iter(memory_reports.values()))


@pytest.mark.parametrize(
    ("language", "title"),
    [("zh", "积分数据公示"), ("en", "Public board"), ("zh-hant", "積分數據公示")],
)
def test_the_board_speaks_each_language(
    community: tuple[Any, Members], language: str, title: str
) -> None:
    # Given the board
    runtime, _ = community
    # When it is asked for in a language the web offers
    assert language in i18n.LANGUAGES
    page = text_of(Browser(runtime).get(f"/board?lang={language}"))
    # Then it is in that language, tagged for screen readers
    assert title in page
    assert f'<html lang="{i18n.HTML_LANG[language]}"' in page


def test_no_page_scans_the_table_or_lists_the_membership(
    community: tuple[Any, Members], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a table that refuses scans and a store that refuses to list every member
    runtime, members = community
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    member = signed_member(runtime)
    operator = Browser(runtime)
    operator.operator_sign_in()

    def refused(*_: object, **__: object) -> Any:
        raise AssertionError("a page read the whole table")

    monkeypatch.setattr(type(runtime.stores.table), "scan", refused)
    monkeypatch.setattr(type(runtime.ledger.store), "iter_members", refused)
    # When every page is rendered
    pages = [
        (Browser(runtime), "/board"),
        (Browser(runtime), "/board/reports/2026-01"),
        (Browser(runtime), "/board/reports/2026-01.csv"),
        (Browser(runtime), "/board/proofs"),
        (Browser(runtime), "/board/verify"),
        *(
            (member, path)
            for path in ("/app", "/app/history", "/app/team", "/app/shop", "/app/proof")
        ),
        *(
            (operator, path)
            for path in (
                "/console",
                f"/console/members/{alice.member}",
                f"/console/members?q={alice.invite_code}",
                "/console/withdrawals",
                "/console/settlements",
                "/console/payouts",
                "/console/plans",
                "/console/plans/versions/1",
                "/console/plans/diff?from=1&to=1",
                "/console/merchants",
                "/console/audit",
            )
        ),
    ]
    # Then each answers, reading by key or index only
    for browser, path in pages:
        assert browser.get(path)["statusCode"] in (200, 303), path
