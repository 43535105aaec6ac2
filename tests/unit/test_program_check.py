"""The plan check counts the engagement programs (issue 13; functions/rewards/program_check.py)."""

from __future__ import annotations

from functions.rewards.plan_check import check_plan_text
from functions.rewards.plan_findings import Severity


def _found(text: str) -> list[tuple[str, Severity, str]]:
    _, findings = check_plan_text(text)
    return [(f.code, f.severity, f.key) for f in findings if f.code in PROGRAM_CODES]


PROGRAM_CODES = {"program_over_allocation", "staking_issuance", "partner_team_depth"}


def test_ladder_and_team_pay_count_against_the_cash() -> None:
    """Given 60 % commission, a ladder up to 30 % and a 15 % team rate (105 % of the cash),
    Then program_over_allocation is an error on the ladder; at 5 % team rate it is not."""
    text = (
        "name: x\ncommission: {rates: [{default: '0.60'}]}\n"
        "roles: {ladder: [{min: '0', rate: '0.30'}], team_rate: '%s'}\n"
    )
    assert ("program_over_allocation", Severity.ERROR, "roles.ladder") in _found(text % "0.15")
    assert all(code != "program_over_allocation" for code, _, _ in _found(text % "0.05"))


def test_staking_issues_points_no_sale_backs() -> None:
    """Given staking with stars, Then staking_issuance is a warning naming the top rates."""
    _, findings = check_plan_text(
        "name: x\nstaking: {rates: ['0.10', '0.70'], terms: ['7'],"
        " stars: {rates: ['0.03', '0.15']}}\n"
    )
    [found] = [f for f in findings if f.code == "staking_issuance"]
    assert found.severity is Severity.WARNING
    assert "0.7" in found.message
    assert "0.15" in found.message


def test_team_performance_pays_every_partner_up_the_line() -> None:
    """Given a team rate, Then partner_team_depth warns; without one, nothing."""
    assert _found("name: x\nroles: {team_rate: '0.02'}\n") == [
        ("partner_team_depth", Severity.WARNING, "roles.team_rate")
    ]
    assert _found("name: x\nroles: {}\n") == []


def test_a_plan_without_programs_has_no_program_findings() -> None:
    """Given a plan without program sections, Then no program finding."""
    assert _found("name: x\ngrant: {ratio: '0.3'}\n") == []
