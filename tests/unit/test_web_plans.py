"""The console's plan versions on the in-memory twin: list, show, diff, check, dry run and
the two-step publication, which goes through the same :class:`PlanPublisher` as the CLI
and the bot's ``/publish_plan``."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from functions.services.members import Members
from functions.services.settlement import run_settlement
from tests.support.web import (
    ADMIN_ID,
    MEMBER_TELEGRAM,
    Browser,
    csrf_of,
    memory_runtime,
    register,
    text_of,
    web_settings,
)
from web import console_plans

SECOND_ADMIN = ADMIN_ID + 1


@pytest.fixture
def runtime() -> Any:
    runtime = memory_runtime(web_settings(web={"admin_ids": f"{ADMIN_ID},{SECOND_ADMIN}"}))
    members = Members(runtime.ledger, runtime.bot_store)
    code = register(runtime, MEMBER_TELEGRAM, name="Alice")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Bob")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    members.pay(alice, 900_000, 0, "charge-a")
    run_settlement(runtime.ledger, "2026-01-01")
    return runtime


def operator(runtime: Any, telegram_id: int = ADMIN_ID) -> Browser:
    browser = Browser(runtime)
    assert browser.operator_sign_in(telegram_id)["statusCode"] == 303
    return browser


def listing(browser: Browser) -> tuple[str, str]:
    """The plans page's CSRF token and the candidate it offers (the latest version)."""
    page = text_of(browser.get("/console/plans"))
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert found is not None
    return csrf_of(page), html.unescape(found.group(1))


def tomorrow_but_one(runtime: Any) -> str:
    today = dt.date.fromisoformat(runtime.plan_publisher.today())
    return (today + dt.timedelta(days=2)).isoformat()


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def preview(
    browser: Browser, runtime: Any, csrf: str, plan: str, reason: str = "cut the fee"
) -> str:
    answer = browser.post(
        "/console/plans/preview",
        {
            "_csrf": csrf,
            "plan": plan,
            "effective_from": tomorrow_but_one(runtime),
            "reason": reason,
        },
    )
    assert answer["statusCode"] == 200, text_of(answer)[:500]
    return text_of(answer)


def draft_of(page: str) -> str:
    found = re.search(r'name="draft" value="([0-9a-f]{16})"', page)
    assert found is not None
    return found.group(1)


def test_a_plan_is_published_in_two_steps_and_recorded_like_the_bots(runtime: Any) -> None:
    # Given an operator on the plans page, and a candidate lowering the withdrawal fee
    ops = operator(runtime)
    csrf, latest = listing(ops)
    candidate = latest.replace("fee_rate: '0.1'", "fee_rate: '0.08'")
    assert candidate != latest
    # When the candidate is previewed (step one)
    page = preview(ops, runtime, csrf, candidate)
    # Then the preview names the version, the change and the warnings, and publishes nothing
    shown = visible(page)
    assert "Publish v2: demo?" in shown
    assert "withdrawal.fee_rate" in shown
    assert "I have read the 1 warning(s) above." in shown
    assert [r.version for r in runtime.plan_publisher.versions()] == [1]
    # When the confirm is sent without ticking the warnings, then with them ticked (step two)
    draft = draft_of(page)
    unticked = ops.post("/console/plans/publish", {"_csrf": csrf, "draft": draft})
    assert unticked["statusCode"] == 422
    assert [r.version for r in runtime.plan_publisher.versions()] == [1]
    done = ops.post("/console/plans/publish", {"_csrf": csrf, "draft": draft, "acknowledge": "yes"})
    # Then version 2 is stored with the operator and the reason, as the bot's publish stores it
    assert done["statusCode"] == 200
    assert "Published v2 (demo)" in visible(text_of(done))
    record = runtime.plan_publisher.version(2)
    assert (record.operator, record.reason) == (f"tg:{ADMIN_ID}", "cut the fee")
    assert record.effective_from == tomorrow_but_one(runtime)
    # And the audit log has the preview and the publication
    actions = [(a.action, a.target, a.outcome) for a in runtime.stores.web.actions(limit=5)]
    assert actions[:2] == [("plan_publish", "v2", "ok"), ("plan_preview", "v2", "ok")]
    # And a second press publishes nothing more
    again = ops.post(
        "/console/plans/publish", {"_csrf": csrf, "draft": draft, "acknowledge": "yes"}
    )
    assert again["statusCode"] == 200
    assert [r.version for r in runtime.plan_publisher.versions()] == [1, 2]


def test_the_versions_are_listed_shown_and_compared(runtime: Any) -> None:
    # Given two published versions (the second lowers the fee)
    ops = operator(runtime)
    csrf, latest = listing(ops)
    page = preview(ops, runtime, csrf, latest.replace("fee_rate: '0.1'", "fee_rate: '0.08'"))
    ops.post(
        "/console/plans/publish", {"_csrf": csrf, "draft": draft_of(page), "acknowledge": "yes"}
    )
    # When the list, version 2 and the diff from 1 to 2 are opened
    listed = visible(text_of(ops.get("/console/plans")))
    shown = ops.get("/console/plans/versions/2")
    diff = ops.get("/console/plans/diff?from=1&to=2")
    missing = ops.get("/console/plans/versions/7")
    # Then each shows what it is about
    assert "v2 demo" in listed
    assert "v1 in effect" in listed
    assert shown["statusCode"] == 200
    assert "fee_rate: '0.08'" in html.unescape(text_of(shown))
    assert runtime.plan_publisher.version(2).digest in text_of(shown)
    assert diff["statusCode"] == 200
    assert "withdrawal.fee_rate 0.1 0.08" in visible(text_of(diff))
    assert missing["statusCode"] == 404


def test_the_check_and_the_dry_run_show_findings_and_write_nothing(runtime: Any) -> None:
    # Given an operator and the latest plan
    ops = operator(runtime)
    csrf, latest = listing(ops)
    before = runtime.ledger.store.system_totals()
    # When the plan is checked and dry run for three days, and a broken text is checked
    checked = visible(text_of(ops.post("/console/plans/check", {"_csrf": csrf, "plan": latest})))
    ran = ops.post("/console/plans/dry-run", {"_csrf": csrf, "plan": latest, "days": "3"})
    broken = ops.post("/console/plans/dry-run", {"_csrf": csrf, "plan": "name: [unclosed"})
    # Then the check lists the findings, the dry run compares three days, and nothing moved
    assert "Warning team_depth" in checked
    assert ran["statusCode"] == 200
    shown = visible(text_of(ran))
    assert "Dry run: 3 days from 2026-01-02, against v1" in shown
    assert "2 members: 0 gain, 0 lose, 2 unchanged." in shown
    assert broken["statusCode"] == 422
    assert "This text is not a plan that loads" in visible(text_of(broken))
    assert runtime.ledger.store.system_totals() == before
    assert [r.version for r in runtime.plan_publisher.versions()] == [1]


def test_the_dry_run_refuses_a_membership_above_its_bound(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a console whose dry run is bounded below the membership (two members)
    monkeypatch.setattr(console_plans, "DRY_RUN_MAX_MEMBERS", 1)
    ops = operator(runtime)
    csrf, latest = listing(ops)
    # When a dry run is asked for
    answer = ops.post("/console/plans/dry-run", {"_csrf": csrf, "plan": latest, "days": "3"})
    # Then it is refused, naming the CLI command that runs it
    assert answer["statusCode"] == 422
    assert "jifen plan diff current CANDIDATE.yaml --from-table --days 3" in visible(
        text_of(answer)
    )


def test_a_preview_needs_a_reason_and_a_date_and_keeps_no_draft(runtime: Any) -> None:
    # Given an operator and the latest plan
    ops = operator(runtime)
    csrf, latest = listing(ops)
    # When it is previewed without a reason, with a bad date, and with a passed date
    cases = [
        {"effective_from": tomorrow_but_one(runtime), "reason": ""},
        {"effective_from": "tomorrow", "reason": "r"},
        {"effective_from": "2025-12-31", "reason": "r"},
    ]
    answers = [
        ops.post("/console/plans/preview", {"_csrf": csrf, "plan": latest, **case})
        for case in cases
    ]
    # Then each is refused with its reason, and no confirm is offered
    assert [a["statusCode"] for a in answers] == [422, 422, 422]
    assert "A publication needs a reason." in visible(text_of(answers[0]))
    assert "Give the effective date as YYYY-MM-DD." in visible(text_of(answers[1]))
    assert all('name="draft"' not in text_of(a) for a in answers)


def test_a_plan_with_errors_is_never_offered_for_publication(runtime: Any) -> None:
    # Given a candidate the plan check finds an error in (a share paid four generations up)
    ops = operator(runtime)
    csrf, latest = listing(ops)
    candidate = latest.replace("- '0.3'\n", "- '0.3'\n- '0.01'\n- '0.01'\n")
    assert candidate != latest
    # When it is previewed
    page = preview(ops, runtime, csrf, candidate)
    # Then the publication is blocked and there is no draft to confirm
    assert 'id="blocked"' in page
    assert "paid_depth" in page
    assert 'name="draft"' not in page


def test_a_draft_is_confirmed_only_by_its_operator_with_the_csrf_token(runtime: Any) -> None:
    # Given a draft previewed by the first operator
    first = operator(runtime)
    csrf, latest = listing(first)
    draft = draft_of(
        preview(first, runtime, csrf, latest.replace("fee_rate: '0.1'", "fee_rate: '0.09'"))
    )
    member = Browser(runtime)
    assert member.member_sign_in()["statusCode"] == 200
    second = operator(runtime, SECOND_ADMIN)
    second_csrf, _ = listing(second)
    form = {"draft": draft, "acknowledge": "yes"}
    # When a member, the first operator without the CSRF token, and a second operator
    # (with their own token) send the confirm
    by_member = member.post("/console/plans/publish", {**form, "_csrf": csrf})
    without_token = first.post("/console/plans/publish", form)
    by_other = second.post("/console/plans/publish", {**form, "_csrf": second_csrf})
    # Then each is refused and nothing is published
    assert by_member["statusCode"] == 401
    assert without_token["statusCode"] == 403
    assert by_other["statusCode"] == 404
    assert "That preview expired or is not yours" in visible(text_of(by_other))
    assert [r.version for r in runtime.plan_publisher.versions()] == [1]
