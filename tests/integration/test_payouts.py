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
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.config import REPO_ROOT
from functions.handlers import payouts as handlers
from functions.rewards.errors import Rejected
from functions.rewards.events import Join, Purchase, Withdraw
from functions.rewards.money import parse_cents
from functions.runtime import Runtime
from functions.services.ledger import Ledger
from functions.services.payout_reports import (
    CSV_COLUMNS,
    DirectoryReportStore,
    PayoutBatch,
    S3ReportStore,
    read_report,
    render_report,
)
from functions.services.payouts import ManualPayoutProvider
from functions.services.verify import verify
from functions.store.ports import LedgerPort
from functions.store.records import PayoutClaimRecord
from local.lambda_fakes import LambdaContext
from tests.support.books import no_sleep

from .lambda_env import handler_environment, handler_runtime
from .ledger_state import Faults, error_response, request_body

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


CONTEXT: Any = LambdaContext("jifen-test-payouts")


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
    runtime: Runtime
    """What the payouts function runs on (the settings template.yaml gives it)."""
    environment: dict[str, str]
    """The same, as the variables a child process playing the function gets."""
    report_dir: Path | None = None
    """Reports go to this directory instead of the bucket (:func:`reports_in_directory`)."""

    def pay(self, event: dict[str, Any]) -> dict[str, Any]:
        """The payouts function, invoked with ``event``."""
        return handlers.handle(self.runtime, event, CONTEXT)

    @property
    def store(self) -> LedgerPort:
        return self.runtime.ledger.store

    def seeding_ledger(self) -> Ledger:
        return Ledger(self.store, self.runtime.ledger.plan, clock=self.clock)

    def status(self, member: str) -> str:
        record = self.store.get_withdrawal(self.requests[member])
        assert record is not None
        return record.status

    def report(self, key: str = KEY) -> bytes:
        if self.report_dir is not None:
            return (self.report_dir / key).read_bytes()
        body: bytes = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return body

    def reports(self) -> dict[str, bytes]:
        """Every payout report finance could pay from, by key."""
        if self.report_dir is not None:
            return {
                path.relative_to(self.report_dir).as_posix(): path.read_bytes()
                for path in sorted(self.report_dir.glob("payouts/*.csv"))
            }
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="payouts/").get("Contents", [])
        return {entry["Key"]: self.report(entry["Key"]) for entry in listed}

    def listed(self, key: str) -> list[str]:
        """Members whose requests the report ``key`` lists, in its order."""
        return [row["member"] for row in rows(self.report(key))]

    def paid_entries(self, member: str) -> int:
        return sum(1 for entry in self.store.journal(member) if entry.kind == "withdrawal_paid")


def request(world: World, member: str, when: str, *, decide: bool | None) -> str:
    """``member`` joins, buys 1,000 yuan (300 points at once), withdraws 100 at ``when``."""
    ledger = world.seeding_ledger()
    ledger.join(Join(member), f"join:{member}")
    ledger.purchase(Purchase(member, f"order-{member}", 100_000), f"order:{member}")
    world.clock.now = at(when)
    result = ledger.request_withdrawal(Withdraw(member, 10_000), f"withdraw:{member}")
    request_id = result.request_id
    if decide is not None:
        ledger.decide_withdrawal(request_id, approve=decide, operator="ops:alice", reason="checked")
    world.requests[member] = request_id
    return request_id


@pytest.fixture
def world(dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]) -> Iterator[World]:
    """The value plan, a payout bucket, and five requests around the 2 May cut-off."""
    plan = "infra/plans/value.yaml"
    region = dynamodb_table[0].meta.region_name
    with mock_aws():
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket=BUCKET)
        runtime = handler_runtime(
            dynamodb_endpoint, dynamodb_table, plan, payout={"payout_bucket": BUCKET}
        )
        environment = handler_environment(
            dynamodb_endpoint, dynamodb_table, plan, JIFEN_PAYOUT_BUCKET=BUCKET
        )
        built = World(s3, Clock(), {}, runtime, environment)
        # before the cut-off (00:00 on 2 May in Shanghai = 16:00 UTC on 1 May)
        request(built, "bo", "2024-04-30T20:00:00", decide=True)  # 04:00 on 1 May local
        request(built, "al", "2024-05-01T03:00:00", decide=True)  # 11:00 on 1 May local
        request(built, "di", "2024-05-01T05:00:00", decide=None)  # still pending
        request(built, "ed", "2024-05-01T06:00:00", decide=False)  # rejected
        # after the cut-off: tomorrow's batch
        request(built, "cy", "2024-05-01T17:00:00", decide=True)  # 01:00 on 2 May local
        yield built


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_the_daily_batch_reports_and_pays_approved_requests_from_before_today(
    world: World,
) -> None:
    # Given two approved requests from before today's cut-off, one pending, one rejected,
    # and one approved after the cut-off
    payable_before = {m: world.store.get_member(m) for m in ("al", "bo", "cy")}
    # When the payout schedule fires at 10:00 on 2 May
    outcome = world.pay(event("payouts.json"))
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
    world.pay(event("payouts.json"))
    first_report = world.report()
    # When the day is run again, by schedule and by hand
    again = world.pay(event("payouts.json"))
    manual = world.pay({"date": "2024-05-02"})
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
        world.pay(event("payouts.json"))
    report = world.report()
    assert [world.status("bo"), world.status("al")] == ["paid", "batched"]
    # And meanwhile an operator approves the pending request from before the cut-off
    world.seeding_ledger().decide_withdrawal(world.requests["di"], approve=True, operator="ops:bo")
    # When the day is rerun
    monkeypatch.setattr(Ledger, "mark_paid", real_mark_paid)
    outcome = world.pay(event("payouts.json"))
    # Then the same report is confirmed: the rest is paid, the paid one is not paid twice,
    # and the late approval waits for tomorrow's batch instead of changing today's
    assert world.report() == report
    assert (outcome["requests"], outcome["paid"], outcome["already_paid"]) == (2, 1, 1)
    assert world.paid_entries("bo") == world.paid_entries("al") == 1
    assert world.status("di") == "approved"
    tomorrow = world.pay({"date": "2024-05-03"})
    assert tomorrow["paid"] == 2
    assert {row["member"] for row in rows(world.report("payouts/2024-05-03.csv"))} == {"cy", "di"}


def test_a_day_without_approved_requests_writes_no_report(world: World) -> None:
    # Given no request approved before 30 April
    # When that day's batch runs
    outcome = world.pay({"date": "2024-04-30"})
    # Then nothing is reported or paid
    assert outcome["requests"] == 0
    assert outcome["reference"] is None
    assert "Contents" not in world.s3.list_objects_v2(Bucket=BUCKET, Prefix="payouts/")


def test_locally_the_report_goes_to_a_directory(world: World, tmp_path: Path) -> None:
    # Given no payout bucket configured (a local run)
    world.runtime = Runtime(
        world.runtime.settings.replace(payout={"payout_bucket": None, "payout_dir": tmp_path})
    )
    # When the day's batch runs
    outcome = world.pay(event("payouts.json"))
    # Then the report is a file in that directory and the requests are paid
    path = tmp_path / KEY
    assert outcome["reference"] == str(path)
    assert read_report(path.read_bytes())[0] == (world.requests["bo"], world.requests["al"])
    assert outcome["paid"] == 2


def test_confirming_requests_that_are_not_payable_skips_them_with_a_reason(
    world: World, tmp_path: Path
) -> None:
    # Given a pending request, a rejected one and an unknown id
    provider = ManualPayoutProvider(world.runtime.ledger, DirectoryReportStore(tmp_path))
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
    line = PayoutClaimRecord(
        "2024-05-02", "r1", "=HYPERLINK(1)", 720, 900, 180, 3000, "reserve", 1, "+ops", 2
    )
    # When the report is rendered
    body = render_report(PayoutBatch("2024-05-02", 2, (line,)))
    # Then those cells are text, and the amounts are exact decimal strings
    [row] = rows(body)
    assert row["member"] == "'=HYPERLINK(1)"
    assert row["approved_by"] == "'+ops"
    assert (row["net_cash"], row["gross_cash"], row["fee_cash"]) == ("7.20", "9.00", "1.80")
    assert read_report(body) == (("r1",), 720)


# -- one request, one batch: crashes, reruns, overlapping runs, busy marks ------------------

NEXT_KEY = "payouts/2024-05-03.csv"
DAY, NEXT_DAY = {"date": "2024-05-02"}, {"date": "2024-05-03"}


class Crash(Exception):
    """The function running the batch died here."""


def crash_before_confirming(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch dies after its report is written, before it confirms anything."""

    def die(*_args: Any, **_kwargs: Any) -> Any:
        raise Crash("killed before confirming")

    monkeypatch.setattr(ManualPayoutProvider, "confirm", die)


def assert_each_request_paid_once(world: World) -> None:
    """No request is listed by two reports; each listed one is paid exactly once and
    nothing unlisted is paid; the reports' net total is exactly what left the platform;
    and the books audit clean."""
    listed: Counter[str] = Counter()
    listed_net = 0
    for body in world.reports().values():
        for row in rows(body):
            listed[row["request_id"]] += 1
            listed_net += parse_cents(row["net_cash"])
    assert {request: n for request, n in listed.items() if n > 1} == {}
    paid = {member: world.paid_entries(member) for member in world.requests}
    assert paid == {member: listed[request] for member, request in world.requests.items()}
    assert world.store.system_totals().paid_out == listed_net
    audit = verify(world.store)
    assert audit.ok, audit.render()


def reports_in_directory(world: World, root: Path) -> None:
    """Reports go to ``root`` (a local run), so a child process shares them with the test."""
    world.runtime = Runtime(
        world.runtime.settings.replace(payout={"payout_bucket": None, "payout_dir": root})
    )
    world.environment = {
        **{k: v for k, v in world.environment.items() if k != "JIFEN_PAYOUT_BUCKET"},
        "JIFEN_PAYOUT_DIR": str(root),
    }
    world.report_dir = root


def run_killed_child(world: World, date: str) -> subprocess.CompletedProcess[str]:
    """The handler for ``date`` in a child process (a container of the function, configured
    by its environment) that SIGKILLs itself right after writing the day's report
    (tests/integration/payout_child.py)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.payout_child", date, "after-report"],
        cwd=REPO_ROOT,
        env={
            **{name: value for name, value in os.environ.items() if not name.startswith("JIFEN_")},
            **world.environment,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_batch_killed_after_its_report_is_paid_once_not_again_by_the_next_day(
    world: World, tmp_path: Path
) -> None:
    """Given day D's batch process is SIGKILLed right after its CSV report is written,
    before any request is marked paid
    When the scheduled batch of D+1 runs, and then D is rerun by hand
    Then D+1's report lists only D+1's request; D's two requests stay in D's report
    alone (byte for byte as written before the kill) and are paid exactly once."""
    reports_in_directory(world, tmp_path)
    killed = run_killed_child(world, "2024-05-02")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    written = world.report()
    assert world.listed(KEY) == ["bo", "al"]
    assert world.paid_entries("bo") == world.paid_entries("al") == 0

    tomorrow = world.pay(NEXT_DAY)
    rerun = world.pay(DAY)

    assert world.listed(NEXT_KEY) == ["cy"]
    assert world.report() == written
    assert (tomorrow["requests"], tomorrow["paid"]) == (1, 1)
    assert (rerun["requests"], rerun["paid"] + rerun["already_paid"]) == (2, 2)
    assert [world.status(m) for m in ("bo", "al", "cy")] == ["paid", "paid", "paid"]
    assert_each_request_paid_once(world)


class Pause:
    """Holds one named thread at a chosen point until the test releases it, so two runs
    interleave exactly where a test wants them to."""

    def __init__(self, thread: str) -> None:
        self.thread = thread
        self.reached = threading.Event()
        self.release = threading.Event()

    def here(self) -> None:
        if threading.current_thread().name == self.thread and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(60), "the paused run was never released"


def pause_after_report(monkeypatch: pytest.MonkeyPatch, pause: Pause) -> None:
    """``pause.thread`` stops right after it wrote a report."""
    write = S3ReportStore.write

    def write_then_pause(store: S3ReportStore, key: str, body: bytes) -> None:
        write(store, key, body)
        pause.here()

    monkeypatch.setattr(S3ReportStore, "write", write_then_pause)


def pause_before_transaction(number: int) -> Callable[[World, Pause], Faults]:
    """``pause.thread`` stops before sending its ``number``-th DynamoDB transaction."""

    def install(world: World, pause: Pause) -> Faults:
        sent: Counter[str] = Counter()

        def hook(model: Any, **_: Any) -> None:
            name = threading.current_thread().name
            if model.name == "TransactWriteItems" and name == pause.thread:
                sent[name] += 1
                if sent[name] == number:
                    pause.here()

        faults = Faults(world.store)
        faults.on("before-call.dynamodb", hook)
        return faults

    return install


OVERLAPS = {
    # name: (run paused, where it pauses, run done meanwhile)
    "D-paused-after-its-report-while-D+1-runs": (DAY, "report", NEXT_DAY),
    "D+1-paused-after-its-report-while-D-runs": (NEXT_DAY, "report", DAY),
    "D+1-paused-at-its-first-transaction-while-D-runs": (NEXT_DAY, 1, DAY),
    "D-paused-at-its-second-transaction-while-D-reruns": (DAY, 2, DAY),
}


@pytest.mark.parametrize(("paused", "where", "meanwhile"), OVERLAPS.values(), ids=OVERLAPS)
def test_overlapping_runs_list_and_pay_each_request_once(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    paused: dict[str, str],
    where: str | int,
    meanwhile: dict[str, str],
) -> None:
    """Given one run of the payouts handler held at a point of its work (after writing its
    report, or before its n-th transaction) in its own thread
    When another run (the other day, or the same day again) runs to the end meanwhile,
    and then the held run continues
    Then both runs end without error, no request is listed by two reports, and every
    listed request is paid exactly once."""
    pause = Pause("held-run")
    faults: Faults | None = None
    if where == "report":
        pause_after_report(monkeypatch, pause)
    else:
        assert isinstance(where, int)
        faults = pause_before_transaction(where)(world, pause)
    outcomes: dict[str, Any] = {}

    def held_run() -> None:
        try:
            outcomes["held"] = world.pay(paused)
        except BaseException as exc:
            outcomes["held"] = exc
            pause.reached.set()

    thread = threading.Thread(target=held_run, name=pause.thread)
    thread.start()
    try:
        assert pause.reached.wait(60), "the held run never reached its pause point"
        outcomes["meanwhile"] = world.pay(meanwhile)
    finally:
        pause.release.set()
        thread.join(60)
        if faults is not None:
            faults.close()
    assert not isinstance(outcomes["held"], BaseException), outcomes["held"]
    # whatever either run left unconfirmed, the next scheduled day finishes
    world.pay({"date": "2024-05-04"})
    assert [world.status(m) for m in ("bo", "al", "cy")] == ["paid", "paid", "paid"]
    assert_each_request_paid_once(world)


def test_a_request_whose_payment_mark_ends_busy_is_finished_by_the_next_day_not_relisted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given every transaction marking al's request paid is cancelled by a conflict, so
    day D's mark of it ends busy after the retry budget
    When day D's batch runs, and then (the conflicts gone) the batch of D+1
    Then D reports al skipped as busy and keeps it in D's batch; D+1's report lists only
    D+1's request and D+1 confirms al under D's reference: listed once, paid once."""
    ledger = world.runtime.ledger
    monkeypatch.setattr(ledger, "sleep", no_sleep)
    target = world.requests["al"]
    refused: list[int] = []

    def cancel_al_paid(model: Any, params: dict[str, Any], **_: Any) -> Any:
        items = request_body(params).get("TransactItems", [])
        marks_al_paid = any(
            "Update" in item
            and item["Update"]["Key"]["pk"]["S"] == f"W#{target}"
            and {"S": "paid"} in item["Update"].get("ExpressionAttributeValues", {}).values()
            for item in items
        )
        if not marks_al_paid:
            return None
        refused.append(1)
        return error_response(
            "TransactionCanceledException",
            "Transaction cancelled",
            reasons=["TransactionConflict"] + ["None"] * (len(items) - 1),
        )

    with Faults(world.store) as faults:
        faults.on("before-call.dynamodb.TransactWriteItems", cancel_al_paid)
        today = world.pay(DAY)
    assert len(refused) == ledger.max_attempts
    assert today["skipped"] == [[target, "busy"]]
    assert (today["requests"], today["paid"]) == (2, 1)
    assert world.status("al") != "paid"

    tomorrow = world.pay(NEXT_DAY)

    assert world.listed(NEXT_KEY) == ["cy"]
    assert world.status("al") == "paid"
    assert tomorrow.get("earlier") == [
        {
            "date": "2024-05-02",
            "reference": f"s3://{BUCKET}/{KEY}",
            "paid": 1,
            "already_paid": 0,
            "skipped": [],
        }
    ]
    assert_each_request_paid_once(world)


def test_a_rerun_rebuilds_a_lost_report_from_its_claims_byte_for_byte(world: World) -> None:
    """Given day D's batch reported and paid, then its report object lost, and meanwhile
    the pending request from before D's cut-off approved
    When D is rerun
    Then the report is written again, byte for byte the same (the late approval is not
    in it: it waits for D+1), and nothing is paid twice."""
    world.pay(DAY)
    first = world.report()
    world.s3.delete_object(Bucket=BUCKET, Key=KEY)
    world.seeding_ledger().decide_withdrawal(world.requests["di"], approve=True, operator="ops:bo")

    rerun = world.pay(DAY)

    assert world.report() == first
    assert (rerun["requests"], rerun["paid"], rerun["already_paid"]) == (2, 0, 2)
    assert world.status("di") == "approved"
    world.pay(NEXT_DAY)
    assert world.listed(NEXT_KEY) == ["di", "cy"]
    assert_each_request_paid_once(world)


def test_a_report_that_differs_from_its_batch_is_an_error_and_is_never_replaced(
    world: World,
) -> None:
    """Given day D's report was written and then replaced by one listing only bo, and al's
    request is not paid yet
    When D is rerun
    Then the run fails loudly, the stored report is left as it is, and nothing is paid."""
    from functions.services.payouts import ReportMismatchError

    with pytest.MonkeyPatch.context() as patch:
        crash_before_confirming(patch)
        with pytest.raises(Crash):
            world.pay(DAY)
    tampered = b"".join(world.report().splitlines(keepends=True)[:2])
    world.s3.put_object(Bucket=BUCKET, Key=KEY, Body=tampered)

    with pytest.raises(ReportMismatchError):
        world.pay(DAY)

    assert world.report() == tampered
    assert world.paid_entries("bo") == world.paid_entries("al") == 0


def test_a_report_written_before_batch_claims_is_not_claimed_over(world: World) -> None:
    """Given a report for day D that no batch claimed (written by the code before batch
    claims existed)
    When D's batch runs
    Then it refuses with an error and claims, lists and pays nothing."""
    from functions.services.payouts import UnclaimedReportError

    world.s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"request_id,member\n")
    with pytest.raises(UnclaimedReportError):
        world.pay(DAY)
    assert [world.status(m) for m in ("bo", "al")] == ["approved", "approved"]
    assert world.store.payout_batch("2024-05-02") is None


def test_a_request_in_a_batch_is_paid_only_by_that_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given day D's batch reported its two requests and died before confirming them
    When an operator marks al's request paid by hand, or under another day's batch
    Then both are refused (finance pays it from D's report) and nothing changes."""
    crash_before_confirming(monkeypatch)
    with pytest.raises(Crash):
        world.pay(DAY)
    ledger, request_id = world.seeding_ledger(), world.requests["al"]
    with pytest.raises(Rejected) as by_hand:
        ledger.mark_paid(request_id, operator="ops", reference="bank-7")
    with pytest.raises(Rejected) as by_other_day:
        ledger.mark_paid(request_id, operator="ops", reference="bank-7", batch="2024-05-03")
    assert by_hand.value.code == by_other_day.value.code == "not_pending"
    assert "2024-05-02" in by_hand.value.message
    assert world.paid_entries("al") == 0
