"""Which plan version applies: boundaries of the switch date, grants keeping their terms,
refusals of versions dated in the past, and the plan event's shape (docs/rules-decisions.md,
"Plan versions")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import PublishPlan, parse_event
from functions.rewards.scenario import decode_line
from functions.rewards.versions import PlanHistory, check_effective_date

from .helpers import buy, join, plan_of, run, settle

OLD = plan_of(
    grant={"ratio": "1"},
    release={"mode": "daily", "daily_rate": "0.01"},
    share=["0.50"],
    withdrawal={"fee_rate": "0.10"},
)
NEW = plan_of(
    grant={"ratio": "2"},
    release={"mode": "daily", "daily_rate": "0.10"},
    share=["0.20"],
    withdrawal={"fee_rate": "0.20"},
)


def publish(effective_from: str, plan: dict[str, Any] | None = None) -> dict[str, Any]:
    body = plan or {
        "name": "new",
        "grant": {"ratio": "2"},
        "release": {"mode": "daily", "daily_rate": "0.10"},
        "share": ["0.20"],
        "withdrawal": {"fee_rate": "0.20"},
    }
    return {"type": "plan", "plan": body, "effective_from": effective_from}


def test_the_version_in_effect_is_the_latest_published_whose_date_has_come() -> None:
    """Given v1 from the start, v2 from 01-10 and v3 (published later) from 01-05,
    Then dates before 01-05 get v1, from 01-05 on v3 (it was published last), and no
    date gets v2 any more: publishing again overrides a version not yet in effect."""
    history = PlanHistory.of(OLD).with_version(NEW, "2026-01-10").with_version(OLD, "2026-01-05")
    assert history.at(None).number == 1
    assert history.at("2026-01-04").number == 1
    assert history.at("2026-01-05").number == 3
    assert history.at("2026-01-10").number == 3
    assert history.at("2099-01-01").number == 3
    two = PlanHistory.of(OLD).with_version(NEW, "2026-01-10")
    assert (two.at("2026-01-09").number, two.at("2026-01-10").number) == (1, 2)


def test_a_purchase_on_the_switch_date_uses_the_new_version() -> None:
    """Given v2 effective 2026-01-03 and 2026-01-01 settled (business date 01-02),
    When A buys 100 on 01-02, then 01-02 is settled and A buys 100 on 01-03,
    Then the first order grants 100 points (v1's ratio 1, daily 1) and the second 200
    (v2's ratio 2, daily 10)."""
    report, book = run(
        OLD,
        join("A"),
        settle("2026-01-01"),
        publish("2026-01-03"),
        buy("A", "o-1", "100"),
        settle("2026-01-02"),
        buy("A", "o-2", "100"),
    )
    assert report["rejected"] == []
    assert book.grants[0] == [(99_00, 1_00), (200_00, 10_00)]
    assert report["plan"] == "new"
    assert [row["version"] for row in report["plan_versions"]] == [1, 2]


def test_a_settlement_on_the_switch_date_uses_the_new_version() -> None:
    """Given A refers B, both hold grants, and v2 (share 20 % instead of 50 %) from 01-02,
    When 01-01 and 01-02 are settled,
    Then 01-01's share is 50 % of B's release and 01-02's 20 %."""
    report, _ = run(
        OLD,
        join("A"),
        join("B", "A"),
        buy("A", "o-1", "1000"),
        buy("B", "o-2", "1000"),
        publish("2026-01-02"),
        settle("2026-01-01"),
        settle("2026-01-02"),
    )
    first, second = report["settlements"]
    assert (first["static"], first["share"]) == ("20.00", "5.00")
    assert (second["static"], second["share"]) == ("20.00", "2.00")


def test_grants_keep_the_terms_they_were_created_with() -> None:
    """Given a grant made under v1 (daily 1 % of its cash) and v2 with a 10 % daily rate,
    When days under v2 are settled,
    Then the old grant still releases its own daily amount, not v2's."""
    report, book = run(
        OLD,
        join("A"),
        buy("A", "o-1", "1000"),
        publish("2026-01-01"),
        settle("2026-01-01"),
        settle("2026-01-02"),
    )
    assert [row["static"] for row in report["settlements"]] == ["10.00", "10.00"]
    assert book.grants[0] == [(980_00, 10_00)]


def test_a_withdrawal_uses_the_version_in_effect_when_it_is_requested() -> None:
    """Given v1 (fee 10 %) and v2 (fee 20 %) from 2026-01-03,
    When A withdraws 10 points on 01-02 and 10 more on 01-03,
    Then the first pays 9.00 and the second 8.00 (price 1)."""
    plan = plan_of(grant={"ratio": "1"}, withdrawal={"fee_rate": "0.10"})
    new = {"name": "fees", "grant": {"ratio": "1"}, "withdrawal": {"fee_rate": "0.20"}}
    report, _ = run(
        plan,
        join("A"),
        buy("A", "o-1", "100"),
        settle("2026-01-01"),
        publish("2026-01-03", new),
        {"type": "withdraw", "member": "A", "points": "10"},
        settle("2026-01-02"),
        {"type": "withdraw", "member": "A", "points": "10"},
    )
    assert report["members"]["A"]["withdrawn_cash"] == "17.00"
    assert report["totals"]["fees"] == "3.00"


@pytest.mark.parametrize("effective_from", ["2026-01-01", "2025-12-31"])
def test_a_version_dated_on_or_before_a_settled_day_is_refused(effective_from: str) -> None:
    """Given 2026-01-01 settled,
    When a version effective on or before it is published,
    Then it is refused with effective_date_passed and nothing changes."""
    report, book = run(OLD, join("A"), settle("2026-01-01"), publish(effective_from))
    assert [(row["line"], row["code"]) for row in report["rejected"]] == [
        (3, "effective_date_passed")
    ]
    assert len(book.plan_history()) == 1
    assert "plan_versions" not in report


def test_the_live_rule_also_refuses_today() -> None:
    """Given the last settled date 01-01 and today 01-02 (the live system's clock),
    Then 01-02 is refused (the day is already trading), 01-03 accepted."""
    with pytest.raises(Rejected) as refused:
        check_effective_date("2026-01-02", last_settled="2026-01-01", today="2026-01-02")
    assert refused.value.code is RejectCode.EFFECTIVE_DATE_PASSED
    check_effective_date("2026-01-03", last_settled="2026-01-01", today="2026-01-02")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('{"type": "plan", "plan": {"name": "x"}}', "effective_from"),
        ('{"type": "plan", "plan": {"name": "x"}, "effective_from": "2026-2-1"}', "YYYY"),
        ('{"type": "plan", "plan": {"name": "x"}, "effective_from": "2026-02-30"}', "calendar"),
        ('{"type": "plan", "plan": "x", "effective_from": "2026-02-01"}', "object"),
        ('{"type": "plan", "effective_from": "2026-02-01"}', "object"),
        (
            '{"type": "plan", "plan": {"name": "x", "share": ["1.5"]}, '
            '"effective_from": "2026-02-01"}',
            "share[0]",
        ),
        (
            '{"type": "plan", "plan": {"name": "x", "bonus": 1}, "effective_from": "2026-02-01"}',
            "bonus",
        ),
    ],
)
def test_malformed_plan_events_are_invalid_events(line: str, fragment: str) -> None:
    """Given a plan event with a fault, When it is parsed, Then invalid_event names it."""
    with pytest.raises(Rejected) as refused:
        parse_event(decode_line(line))
    assert refused.value.code is RejectCode.INVALID_EVENT
    assert fragment in refused.value.message


def test_a_plan_event_giving_a_key_twice_is_refused() -> None:
    """Given a plan event whose plan gives `name` twice (JSON would keep the last),
    When the history runs, Then the line is invalid_event and no version is added."""
    line = '{"type": "plan", "plan": {"name": "a", "name": "b"}, "effective_from": "2026-02-01"}'
    report, book = run(OLD, line)
    assert [row["code"] for row in report["rejected"]] == ["invalid_event"]
    assert len(book.plan_history()) == 1


def test_json_numbers_in_a_plan_event_are_read_exactly() -> None:
    """Given a plan event with unquoted numbers, When parsed, Then they are exact decimals."""
    event = parse_event(
        decode_line(
            '{"type": "plan", "plan": {"name": "x", "grant": {"ratio": 0.3}}, '
            '"effective_from": "2026-02-01"}'
        )
    )
    assert isinstance(event, PublishPlan)
    assert event.plan.grant is not None
    assert str(event.plan.grant.ratio) == "3/10"


def test_a_history_without_plan_events_reports_no_versions() -> None:
    """Given a history without plan events, Then the report has exactly the documented keys."""
    report, _ = run(OLD, join("A"), buy("A", "o-1", "100"), settle("2026-01-01"))
    assert list(report) == ["plan", "members", "totals", "settlements", "rejected"]
    assert json.dumps(report["plan"]) == '"test"'
