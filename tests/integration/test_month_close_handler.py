"""The monthly close from its Lambda entry point, on the local table (issue 13).

The runtime is built from the settings template.yaml gives ``MonthCloseFunction``; the
schedule's event (the 1st, local time) closes the month before, an explicit
``{"month": ...}`` that month; a plan without roles closes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from functions.cli import main
from functions.handlers import month_close
from functions.rewards.events import Join, Purchase
from functions.runtime import Runtime
from local.lambda_fakes import LambdaContext

from .lambda_env import handler_runtime

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

CONTEXT: Any = LambdaContext("jifen-test-month-close", memory_limit_in_mb=1024)


def _scheduled(time: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "x",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": time,
        "region": "ap-east-1",
        "resources": [],
        "detail": {},
    }


def _this_month(runtime: Runtime) -> str:
    return runtime.ledger.business_date()[:7]


def test_the_schedule_closes_last_month_once(
    dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]
) -> None:
    """Given the distribution preset, promoter P and its direct customer C buying 1,000 this
    month (local time)
    When the function runs for this month, then the schedule ticks on the 1st of the next
    Then P earns the ladder's 5 % (50) in its commission wallet, beside the purchase's 8 %
    (80), once: the tick finds the month closed."""
    runtime = handler_runtime(dynamodb_endpoint, dynamodb_table, "infra/plans/distribution.yaml")
    ledger = runtime.ledger
    ledger.join(Join("P", None), "join:P")
    ledger.join(Join("C", "P"), "join:C")
    ledger.promote("P", "promoter", "promote:P", operator="test")
    ledger.purchase(Purchase("C", "o-1", 100_000), "o-1")
    month = _this_month(runtime)

    first = month_close.handle(runtime, {"month": month}, CONTEXT)

    assert (first["month"], first["status"], first["ladder"]) == (month, "closed", "50.00")
    assert ledger.member("P").commission == 8000 + 5000
    year, number = int(month[:4]), int(month[5:])
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    midnight_utc = dt.datetime.combine(following, dt.time(3)) - dt.timedelta(hours=8)
    tick = month_close.handle(runtime, _scheduled(midnight_utc.isoformat() + "Z"), CONTEXT)
    assert (tick["month"], tick["status"]) == (month, "already_closed")
    assert ledger.member("P").commission == 8000 + 5000


def test_a_plan_without_roles_closes_nothing(
    dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]
) -> None:
    """Given the value preset (no roles), When the function runs, Then the answer is off."""
    runtime = handler_runtime(dynamodb_endpoint, dynamodb_table, "infra/plans/value.yaml")

    outcome = month_close.handle(runtime, {"month": "2026-01"}, CONTEXT)

    assert outcome == {"month": "2026-01", "status": "off"}


def test_the_command_line_closes_a_month_once(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given promoter P whose customer C bought 1,000 this month
    When the operator runs `jifen month-close MONTH` twice, then for a bad month
    Then the first closes it (exit 0, ladder 50), the second finds it closed (exit 0),
    and a month that is not one is a usage error (exit 2)."""
    runtime = handler_runtime(dynamodb_endpoint, dynamodb_table, "infra/plans/distribution.yaml")
    ledger = runtime.ledger
    ledger.join(Join("P", None), "join:P")
    ledger.join(Join("C", "P"), "join:C")
    ledger.promote("P", "promoter", "promote:P", operator="test")
    ledger.purchase(Purchase("C", "o-1", 100_000), "o-1")
    month = _this_month(runtime)
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    monkeypatch.setenv("JIFEN_TABLE_NAME", dynamodb_table[1])
    monkeypatch.setenv("JIFEN_PLAN_PATH", "infra/plans/distribution.yaml")

    assert main(["month-close", month]) == 0
    closed = json.loads(capsys.readouterr().out)
    assert (closed["status"], closed["ladder"]) == ("closed", "50.00")
    assert main(["month-close", month]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "already_closed"
    assert main(["month-close", "2026-13"]) == 2
    assert ledger.member("P").commission == 8000 + 5000
