"""The T+1 payout batch: the handler on the local DynamoDB endpoint, reports in moto S3.

The business day is Asia/Shanghai. ``infra/events/payouts.json`` fires at
10:00 on 2 May local time, so its batch is every request approved and made
before 00:00 on 2 May (16:00 UTC on 1 May).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.config import REPO_ROOT
from functions.handlers import _runtime
from functions.handlers import payouts as handlers
from functions.rewards.events import Join, Purchase, Withdraw
from functions.rewards.money import parse_cents
from functions.services.ledger import Ledger
from functions.services.payouts import (
    CSV_COLUMNS,
    DirectoryReportStore,
    ManualPayoutProvider,
    PayoutBatch,
    PayoutLine,
    read_report,
    render_report,
)
from functions.store.ledger_store import LedgerStore

from .lambda_env import set_handler_environment

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

EVENTS = REPO_ROOT / "infra" / "events"
BUCKET = "jifen-test-payout-reports"
KEY = "payouts/2024-05-02.csv"
UTC = dt.UTC


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


def at(text: str) -> int:
    """Epoch microseconds of a UTC ISO time."""
    moment = dt.datetime.fromisoformat(text).replace(tzinfo=UTC)
    return (moment - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1)


@dataclass
class FakeContext:
    function_name: str = "jifen-test-payouts"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:jifen-test-payouts"
    aws_request_id: str = "00000000-0000-0000-0000-000000000001"


CONTEXT: Any = FakeContext()


class Clock:
    """A settable clock for the seeding ledger (request times decide the batch)."""

    def __init__(self) -> None:
        self.now = at("2024-04-30T00:00:00")

    def __call__(self) -> int:
        self.now += 1
        return self.now


@dataclass
class World:
    s3: Any
    clock: Clock
    requests: dict[str, str]
    """Member → withdrawal request id."""

    @property
    def store(self) -> LedgerStore:
        return _runtime.ledger().store

    def seeding_ledger(self) -> Ledger:
        return Ledger(self.store, _runtime.ledger().plan, clock=self.clock)

    def status(self, member: str) -> str:
        record = self.store.get_withdrawal(self.requests[member])
        assert record is not None
        return record.status

    def report(self, key: str = KEY) -> bytes:
        body: bytes = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return body

    def paid_entries(self, member: str) -> int:
        return sum(1 for entry in self.store.journal(member) if entry.kind == "withdrawal_paid")


def request(world: World, member: str, when: str, *, decide: bool | None) -> str:
    """``member`` joins, buys 1,000 yuan (300 points at once), withdraws 100 at ``when``."""
    ledger = world.seeding_ledger()
    ledger.join(Join(member), f"join:{member}")
    ledger.purchase(Purchase(member, f"order-{member}", 100_000), f"order:{member}")
    world.clock.now = at(when)
    result = ledger.request_withdrawal(Withdraw(member, 10_000), f"withdraw:{member}")
    request_id = str(result["request_id"])
    if decide is not None:
        ledger.decide_withdrawal(request_id, approve=decide, operator="ops:alice", reason="checked")
    world.requests[member] = request_id
    return request_id


@pytest.fixture
def world(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    """The value plan, a payout bucket, and five requests around the 2 May cut-off."""
    region = set_handler_environment(
        monkeypatch,
        dynamodb_endpoint,
        dynamodb_table,
        "infra/plans/value.yaml",
        JIFEN_PAYOUT_BUCKET=BUCKET,
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket=BUCKET)
        _runtime.reset()
        try:
            built = World(s3, Clock(), {})
            # before the cut-off (00:00 on 2 May in Shanghai = 16:00 UTC on 1 May)
            request(built, "bo", "2024-04-30T20:00:00", decide=True)  # 04:00 on 1 May local
            request(built, "al", "2024-05-01T03:00:00", decide=True)  # 11:00 on 1 May local
            request(built, "di", "2024-05-01T05:00:00", decide=None)  # still pending
            request(built, "ed", "2024-05-01T06:00:00", decide=False)  # rejected
            # after the cut-off: tomorrow's batch
            request(built, "cy", "2024-05-01T17:00:00", decide=True)  # 01:00 on 2 May local
            yield built
        finally:
            _runtime.reset()


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_the_daily_batch_reports_and_pays_approved_requests_from_before_today(
    world: World,
) -> None:
    # Given two approved requests from before today's cut-off, one pending, one rejected,
    # and one approved after the cut-off
    payable_before = {m: world.store.get_member(m) for m in ("al", "bo", "cy")}
    # When the payout schedule fires at 10:00 on 2 May
    outcome = handlers.handler(event("payouts.json"), CONTEXT)
    # Then the report holds exactly the two eligible requests, oldest first
    report = rows(world.report())
    assert [row["request_id"] for row in report] == [world.requests["bo"], world.requests["al"]]
    assert tuple(report[0]) == CSV_COLUMNS
    assert report[0]["member"] == "bo"
    assert report[0]["requested_at"] == "2024-04-30T20:00:00.000001Z"
    assert report[0]["approved_by"] == "ops:alice"
    assert {row["batch_date"] for row in report} == {"2024-05-02"}
    for row in report:
        assert row["net_cash"] == row["net_cash"].strip()
        assert "." in row["net_cash"]
        net, gross, fee = (parse_cents(row[k]) for k in ("net_cash", "gross_cash", "fee_cash"))
        assert net + fee == gross > 0
    # And those two are paid, the others untouched
    assert outcome["reference"] == f"s3://{BUCKET}/{KEY}"
    assert (outcome["requests"], outcome["paid"], outcome["already_paid"]) == (2, 2, 0)
    assert outcome["net_total"] == _total(report)
    assert [world.status(m) for m in ("bo", "al", "cy", "di", "ed")] == [
        "paid",
        "paid",
        "approved",
        "pending",
        "rejected",
    ]
    # And the paid net cash left the members' payable accounts; the unpaid one's stayed
    for member in ("al", "bo"):
        before = payable_before[member]
        after = world.store.get_member(member)
        assert before is not None
        assert after is not None
        assert before.payable > 0
        assert after.payable == 0
    still = world.store.get_member("cy")
    assert still is not None
    assert still.payable > 0


def _total(report: list[dict[str, str]]) -> str:
    cents = sum(parse_cents(row["net_cash"]) for row in report)
    return f"{cents // 100}.{cents % 100:02d}"


def test_a_rerun_reproduces_the_report_and_pays_nothing_twice(world: World) -> None:
    # Given the day's batch already paid
    handlers.handler(event("payouts.json"), CONTEXT)
    first_report = world.report()
    # When the day is run again, by schedule and by hand
    again = handlers.handler(event("payouts.json"), CONTEXT)
    manual = handlers.handler({"date": "2024-05-02"}, CONTEXT)
    # Then the report is byte for byte the same and nothing is marked paid again
    assert world.report() == first_report
    for outcome in (again, manual):
        assert outcome["resubmitted"] is True
        assert (outcome["requests"], outcome["paid"], outcome["already_paid"]) == (2, 0, 2)
    assert world.paid_entries("al") == world.paid_entries("bo") == 1


def test_a_crash_between_report_and_confirmation_is_finished_by_the_rerun(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function dies after paying the first request of the batch
    real_mark_paid = Ledger.mark_paid
    calls: list[str] = []

    def dying_mark_paid(ledger: Ledger, request_id: str, **kwargs: Any) -> Any:
        if calls:
            raise RuntimeError("Task timed out")
        calls.append(request_id)
        return real_mark_paid(ledger, request_id, **kwargs)

    monkeypatch.setattr(Ledger, "mark_paid", dying_mark_paid)
    with pytest.raises(RuntimeError):
        handlers.handler(event("payouts.json"), CONTEXT)
    report = world.report()
    assert [world.status("bo"), world.status("al")] == ["paid", "batched"]
    # And meanwhile an operator approves the pending request from before the cut-off
    world.seeding_ledger().decide_withdrawal(world.requests["di"], approve=True, operator="ops:bo")
    # When the day is rerun
    monkeypatch.setattr(Ledger, "mark_paid", real_mark_paid)
    outcome = handlers.handler(event("payouts.json"), CONTEXT)
    # Then the same report is confirmed: the rest is paid, the paid one is not paid twice,
    # and the late approval waits for tomorrow's batch instead of changing today's
    assert world.report() == report
    assert (outcome["requests"], outcome["paid"], outcome["already_paid"]) == (2, 1, 1)
    assert world.paid_entries("bo") == world.paid_entries("al") == 1
    assert world.status("di") == "approved"
    tomorrow = handlers.handler({"date": "2024-05-03"}, CONTEXT)
    assert tomorrow["paid"] == 2
    assert {row["member"] for row in rows(world.report("payouts/2024-05-03.csv"))} == {"cy", "di"}


def test_a_day_without_approved_requests_writes_no_report(world: World) -> None:
    # Given no request approved before 30 April
    # When that day's batch runs
    outcome = handlers.handler({"date": "2024-04-30"}, CONTEXT)
    # Then nothing is reported or paid
    assert outcome["requests"] == 0
    assert outcome["reference"] is None
    assert "Contents" not in world.s3.list_objects_v2(Bucket=BUCKET, Prefix="payouts/")


def test_locally_the_report_goes_to_a_directory(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given no payout bucket configured (a local run)
    monkeypatch.delenv("JIFEN_PAYOUT_BUCKET")
    monkeypatch.setenv("JIFEN_PAYOUT_DIR", str(tmp_path))
    _runtime.reset()
    # When the day's batch runs
    outcome = handlers.handler(event("payouts.json"), CONTEXT)
    # Then the report is a file in that directory and the requests are paid
    path = tmp_path / KEY
    assert outcome["reference"] == str(path)
    assert read_report(path.read_bytes())[0] == (world.requests["bo"], world.requests["al"])
    assert outcome["paid"] == 2


def test_confirming_requests_that_are_not_payable_skips_them_with_a_reason(
    world: World, tmp_path: Path
) -> None:
    # Given a pending request, a rejected one and an unknown id
    provider = ManualPayoutProvider(_runtime.ledger(), DirectoryReportStore(tmp_path))
    ids = [world.requests["di"], world.requests["ed"], "nope"]
    # When they are confirmed as paid
    confirmation = provider.confirm(ids, "manual:test", batch="2024-05-02")
    # Then none is paid, each with its reason
    assert confirmation.paid == ()
    assert confirmation.skipped == (
        (world.requests["di"], "not_pending"),
        (world.requests["ed"], "not_pending"),
        ("nope", "not_found"),
    )
    assert world.status("di") == "pending"


def test_report_cells_cannot_smuggle_spreadsheet_formulas() -> None:
    # Given a line whose member name and approver look like formulas
    line = PayoutLine("r1", "=HYPERLINK(1)", 720, 900, 180, 3000, "reserve", 1, "+ops")
    # When the report is rendered
    body = render_report(PayoutBatch("2024-05-02", 2, (line,)))
    # Then those cells are text, and the amounts are exact decimal strings
    [row] = rows(body)
    assert row["member"] == "'=HYPERLINK(1)"
    assert row["approved_by"] == "'+ops"
    assert (row["net_cash"], row["gross_cash"], row["fee_cash"]) == ("7.20", "9.00", "1.80")
    assert read_report(body) == (("r1",), 720)
