"""The settlement Lambda handlers, invoked the way AWS invokes them.

DynamoDB is the session's local endpoint (a moto server in a child process);
SQS and Step Functions are moto in this process (``mock_aws``), so queue
messages and started executions can be read back. The handlers run on a runtime
built from the settings template.yaml gives the functions (``handle``,
``apply_pages``, ``finish_run``: what each ``*handler`` entry calls with the
container's runtime). Events are the samples in
``infra/events/``: the scheduler's EventBridge-shaped event, a manual rerun,
and the Distributed Map's item input. Step Functions itself does not run
here: the tests play its part by invoking the shard and finish handlers with
exactly the items the state machine would hand them (its ItemSelector).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from functions.config import REPO_ROOT
from functions.handlers import settlement as handlers
from functions.handlers._events import settlement_date
from functions.rewards.events import Join, Purchase
from functions.runtime import Runtime
from functions.services import settlement_compute
from functions.services.ledger import Ledger
from functions.services.settlement_compute import prepare_run
from functions.services.settlement_results import SettlementError
from functions.store.commit import Commit
from functions.store.ledger_store import LedgerStore
from functions.store.notify_store import NotificationBudget
from functions.store.ports import LedgerPort
from functions.store.records import MemberRecord
from local.lambda_fakes import LambdaContext

from .lambda_env import handler_settings

# A handler that raises flushes no business metric; Powertools warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

EVENTS = REPO_ROOT / "infra" / "events"
ASL = REPO_ROOT / "infra" / "statemachines" / "settlement.asl.json"
DATE = "2024-05-01"  # what infra/events/scheduled.json settles (00:30 on 2 May in Shanghai)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


CONTEXT: Any = LambdaContext("jifen-test-settlement", memory_limit_in_mb=1024)


@dataclass
class Cloud:
    table: str
    queue_url: str
    state_machine_arn: str
    sqs: Any
    sfn: Any
    runtime: Runtime

    def reconfigure(self, **fanout: Any) -> None:
        """A new container whose fan-out settings differ (``settlement_inline_pages=1``)."""
        self.runtime = Runtime(self.runtime.settings.replace(fanout=fanout))

    def handler(self, event: dict[str, Any]) -> dict[str, Any]:
        """The settlement function, invoked with ``event``."""
        return handlers.handle(self.runtime, event, CONTEXT)

    def apply_pages(self, item: dict[str, Any]) -> dict[str, Any]:
        """The shard function (one Distributed Map item)."""
        return handlers.apply_pages(self.runtime, item, CONTEXT)

    def finish(self, event: dict[str, Any]) -> dict[str, Any]:
        """The finish function (the state machine's last step)."""
        return handlers.finish_run(self.runtime, event, CONTEXT)

    def ledger(self) -> Ledger:
        return self.runtime.ledger

    def store(self) -> LedgerPort:
        return self.runtime.ledger.store

    def drain(self) -> list[dict[str, Any]]:
        """Every message now on the queue (received and deleted)."""
        bodies: list[dict[str, Any]] = []
        while True:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
            ).get("Messages", [])
            if not received:
                return bodies
            for message in received:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def executions(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.sfn.list_executions(
            stateMachineArn=self.state_machine_arn
        )["executions"]
        return listed


@pytest.fixture
def cloud(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cloud]:
    """A fresh table, queue and state machine, and the settings the template sets."""
    client, table = dynamodb_table
    region = client.meta.region_name
    # Small pages, so a dozen members make a multi-page run.
    monkeypatch.setattr(settlement_compute, "PAGE_SIZE", 1)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=region)
        queue_url = sqs.create_queue(QueueName="jifen-test-notifications")["QueueUrl"]
        sfn = boto3.client("stepfunctions", region_name=region)
        definition = (
            ASL.read_text(encoding="utf-8")
            .replace("${Partition}", "aws")
            .replace("${ShardFunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:s")
            .replace("${FinishFunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:f")
        )
        machine = sfn.create_state_machine(
            name="jifen-test-settlement",
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/jifen-test-settlement",
        )["stateMachineArn"]
        settings = handler_settings(
            dynamodb_endpoint,
            dynamodb_table,
            "infra/plans/dividend.yaml",
            notify={"notify_queue_url": queue_url},
            # issue 16: every release worth telling, so each member is told once a day
            notify_policy={"notify_release_threshold_bp": 1},
            fanout={
                "settlement_state_machine_arn": machine,
                "settlement_pages_per_batch": 10,
                "settlement_shard_count": 16,
            },
        )
        yield Cloud(table, queue_url, machine, sqs, sfn, Runtime(settings))


def seed(ledger: Ledger, count: int = 12) -> list[str]:
    """``count`` members in a binary referral tree, each with one 3,000 yuan order and a
    Telegram chat (members without one are not messaged)."""
    names = [f"m{index:02d}" for index in range(count)]
    for index, name in enumerate(names):
        referrer = names[(index - 1) // 2] if index else None
        ledger.join(Join(name, referrer), f"join:{name}", profile={"telegram_id": 9000 + index})
        ledger.purchase(Purchase(name, f"order-{name}", 300_000), f"order:{name}")
    return names


def members(store: LedgerPort, names: list[str]) -> dict[str, MemberRecord]:
    found = store.get_members(names)
    assert set(found) == set(names)
    return found


def settlement_entries(store: LedgerPort, member: str, date: str) -> int:
    return sum(1 for entry in store.journal(member) if entry.event_key == f"settle:{date}:{member}")


def assert_settled_once(store: LedgerPort, names: list[str], date: str) -> None:
    """Each member: settled for ``date``, one journal entry, available == what it released."""
    for name, record in members(store, names).items():
        assert record.last_settled == date
        assert settlement_entries(store, name, date) == 1
        assert record.available == record.released > 0
    released = sum(record.released for record in members(store, names).values())
    assert store.system_totals().circulating == released


def gate(store: LedgerPort) -> str | None:
    """The settlement sequence's status: ``open`` while a run is unfinished (reserve-priced
    withdrawals wait), ``done`` once it finished, None before the first run."""
    sequence = store.settlement_sequence()
    return None if sequence is None else sequence.status


def map_items(execution_input: dict[str, Any]) -> list[dict[str, Any]]:
    """What the Distributed Map's ItemSelector hands each child: date + page range."""
    return [
        {"date": execution_input["date"], "first": item["first"], "count": item["count"]}
        for item in execution_input["batches"]
    ]


# -- which day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc_time", "expected"),
    [
        ("2024-05-01T16:30:00Z", "2024-05-01"),  # 00:30 on 2 May in Shanghai
        ("2024-05-01T16:00:00Z", "2024-05-01"),  # 00:00 on 2 May
        ("2024-05-01T15:59:59Z", "2024-04-30"),  # 23:59:59 on 1 May: still the 1st locally
        ("2024-03-01T16:30:00Z", "2024-03-01"),  # across a month end (leap year)
    ],
)
def test_a_scheduled_event_settles_the_local_day_before_its_time(
    utc_time: str, expected: str
) -> None:
    # Given the scheduler's event at a given UTC instant
    scheduled = {**event("scheduled.json"), "time": utc_time}
    # When the settlement date is derived in Asia/Shanghai
    # Then it is the local date before the scheduled local date
    assert settlement_date(scheduled, SHANGHAI) == expected


def test_an_explicit_date_is_settled_as_given() -> None:
    # Given a manual rerun event
    # When the date is derived
    # Then it is the date given, not the day before
    rerun = event("settlement_rerun.json")
    assert settlement_date(rerun, SHANGHAI) == rerun["date"]


@pytest.mark.parametrize(
    "bad",
    [{"date": "2024-02-30"}, {"date": "2024-5-1"}, {"date": "２０２４-05-01"}, {"when": "today"}],
)
def test_malformed_manual_events_are_refused(bad: dict[str, Any]) -> None:
    # Given a manual event that does not name a real date in ASCII digits
    # When it is parsed
    # Then validation fails before anything is touched
    with pytest.raises(ValidationError):
        settlement_date(bad, SHANGHAI)


# -- the scheduled handler ----------------------------------------------------------------


def test_scheduled_settlement_applies_a_small_run_inline_and_notifies_each_member(
    cloud: Cloud,
) -> None:
    # Given twelve members with one grant each (12 one-member pages, below the inline limit)
    names = seed(cloud.ledger())
    # When the daily schedule fires
    outcome = cloud.handler(event("scheduled.json"))
    # Then yesterday (local) is settled right here, once per member
    assert outcome["status"] == "settled"
    assert outcome["mode"] == "inline"
    assert outcome["date"] == DATE
    assert outcome["pages"] == 12
    assert outcome["members_applied"] == 12
    assert_settled_once(cloud.store(), names, DATE)
    run = cloud.store().settlement_run(DATE)
    assert run is not None
    assert run.status == "done"
    assert gate(cloud.store()) == "done"
    # And every member gets exactly one message with its statement (amounts as text)
    messages = cloud.drain()
    assert sorted(message["id"] for message in messages) == sorted(
        f"notify:{DATE}:{name}" for name in names
    )
    first = next(message for message in messages if message["member"] == "m00")
    assert first["kind"] == "settlement"
    assert first["date"] == DATE
    assert set(first["statement"]) == {"static", "share", "team", "peer", "paid", "forfeited"}
    statement = first["statement"]
    assert all(isinstance(statement[key], str) for key in ("static", "team", "peer", "paid"))
    assert all(isinstance(part, str) for part in statement["share"])
    # And nothing was handed to the state machine
    assert cloud.executions() == []


def test_rerunning_a_settled_day_changes_nothing_and_notifies_no_one(cloud: Cloud) -> None:
    # Given a day already settled by the schedule
    names = seed(cloud.ledger(), 4)
    cloud.handler(event("scheduled.json"))
    before = members(cloud.store(), names)
    cloud.drain()
    # When the schedule fires again, and an operator reruns the day by hand
    again = cloud.handler(event("scheduled.json"))
    manual = cloud.handler(event("settlement_rerun.json"))
    # Then both report the day as already settled and change no member
    assert again == manual == {"date": DATE, "status": "already_settled", "pages": 4}
    assert members(cloud.store(), names) == before
    assert cloud.drain() == []


def test_a_large_run_fans_out_and_the_map_items_and_finish_step_complete_it(
    cloud: Cloud,
) -> None:
    # Given twelve pages and an inline limit of one page
    names = seed(cloud.ledger())
    cloud.reconfigure(settlement_inline_pages=1)
    # When the daily schedule fires
    outcome = cloud.handler(event("scheduled.json"))
    # Then the run is computed and persisted, and the state machine started with its batches
    assert outcome["status"] == "started"
    assert outcome["mode"] == "fan_out"
    assert outcome["pages"] == 12
    [execution] = cloud.executions()
    assert execution["executionArn"] == outcome["execution"]
    assert execution["name"].startswith(f"settle-{DATE}-")
    started = json.loads(cloud.sfn.describe_execution(executionArn=outcome["execution"])["input"])
    assert started == {
        "date": DATE,
        "batches": [{"first": 0, "count": 10}, {"first": 10, "count": 2}],
        "max_concurrency": 16,
    }
    # And no member is settled yet (the pages are only persisted), but the run is open
    assert all(r.last_settled is None for r in members(cloud.store(), names).values())
    assert gate(cloud.store()) == "open"
    # And the day's notification shares are set here, once, not by each map item (issue 16):
    # the budget's default room holds every member's statement
    store = cloud.store()
    assert isinstance(store, LedgerStore)
    assert NotificationBudget(store.table).shares(DATE) == (10_000, 10_000, 10_000)
    # When the schedule fires again while that execution still runs
    again = cloud.handler(event("scheduled.json"))
    # Then the running execution is reported, not a second one started
    assert again["status"] == "running"
    assert again["execution"] == outcome["execution"]
    assert len(cloud.executions()) == 1
    # When the Distributed Map runs its items (the first is infra/events/settlement_shard.json)
    items = map_items(started)
    assert items[0] == event("settlement_shard.json")
    results = [cloud.apply_pages(item) for item in items]
    finished = cloud.finish(event("settlement_finish.json"))
    # Then every member is settled once, the run is done, and every member notified once
    assert [result["members_applied"] for result in results] == [10, 2]
    assert finished["status"] == "settled"
    assert finished["members"] == 12
    assert_settled_once(cloud.store(), names, DATE)
    run = cloud.store().settlement_run(DATE)
    assert run is not None
    assert run.status == "done"
    assert gate(cloud.store()) == "done"
    assert Counter(message["member"] for message in cloud.drain()) == dict.fromkeys(names, 1)


def test_a_crash_in_the_middle_of_a_batch_is_retried_without_settling_anyone_twice(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fanned-out run of twelve one-member pages
    names = seed(cloud.ledger())
    cloud.reconfigure(settlement_inline_pages=0)
    started = cloud.handler(event("scheduled.json"))
    execution_input = json.loads(
        cloud.sfn.describe_execution(executionArn=started["execution"])["input"]
    )
    # And a function that dies (say, a timeout) at its fifth member transaction
    real_commit: Callable[[LedgerStore, Commit], Any] = LedgerStore.commit
    settled: list[str] = []

    def dying_commit(store: LedgerStore, commit: Commit) -> Any:
        if commit.kind == "settlement":
            if len(settled) == 4:
                raise RuntimeError("Task timed out after 900.00 seconds")
            settled.append(commit.event_key)
        return real_commit(store, commit)

    monkeypatch.setattr(LedgerStore, "commit", dying_commit)
    first, second = map_items(execution_input)
    # When the first batch runs and dies in the middle
    with pytest.raises(RuntimeError, match="timed out"):
        cloud.apply_pages(first)
    # Then four pages are applied and the rest of the batch is untouched
    states = members(cloud.store(), names)
    assert sum(record.last_settled == DATE for record in states.values()) == 4
    # And finishing now is refused: the run has unapplied pages, it stays open
    with pytest.raises(SettlementError, match="not applied"):
        cloud.finish({"date": DATE})
    assert gate(cloud.store()) == "open"
    # When Step Functions retries the batch (the fault is gone), then runs the rest and finishes
    monkeypatch.setattr(LedgerStore, "commit", real_commit)
    retried = cloud.apply_pages(first)
    rest = cloud.apply_pages(second)
    finished = cloud.finish({"date": DATE})
    # Then the retry applies only the six members not yet settled, and nobody twice
    assert retried["members_applied"] == 6
    assert rest["members_applied"] == 2
    assert finished["status"] == "settled"
    assert_settled_once(cloud.store(), names, DATE)
    # And the retried pages' notifications are sent again with identical bodies (the
    # sender dedupes by id), so every member is told, none with different news
    messages = cloud.drain()
    by_id: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        by_id.setdefault(message["id"], []).append(message)
    assert set(by_id) == {f"notify:{DATE}:{name}" for name in names}
    assert all(all(body == bodies[0] for body in bodies) for bodies in by_id.values())


def test_a_batch_of_a_run_that_was_never_prepared_fails(cloud: Cloud) -> None:
    # Given no settlement run for the date
    seed(cloud.ledger(), 2)
    # When a map item for it arrives
    # Then it fails loudly instead of doing nothing
    with pytest.raises(SettlementError, match="prepare it first"):
        cloud.apply_pages(event("settlement_shard.json"))


def test_a_map_item_outside_the_run_is_refused(cloud: Cloud) -> None:
    # Given a prepared run of two pages (left to the state machine)
    seed(cloud.ledger(), 2)
    prepare_run(cloud.ledger(), DATE)
    # When an item names pages past its end, or a malformed range
    # Then it is refused
    with pytest.raises(SettlementError, match="beyond"):
        cloud.apply_pages({"date": DATE, "first": 1, "count": 5})
    with pytest.raises(ValidationError):
        cloud.apply_pages({"date": DATE, "first": -1, "count": 1})


def test_events_shipped_in_infra_events_are_valid_json_objects() -> None:
    # Given the sample events
    # When each is read
    # Then each is a JSON object (sam local invoke -e takes them as they are)
    names = sorted(path.name for path in Path(EVENTS).glob("*.json"))
    assert {"scheduled.json", "settlement_shard.json", "payouts.json"} <= set(names)
    for name in names:
        assert isinstance(event(name), dict)
    assert event("scheduled.json")["detail-type"] == "Scheduled Event"


def test_a_blocked_run_alerts_the_operators_through_the_queue(cloud: Cloud) -> None:
    # Given the run of the day before left unfinished (claimed and computed, never applied)
    seed(cloud.ledger(), 2)
    prepare_run(cloud.ledger(), "2024-04-30")
    cloud.drain()
    # When the schedule fires for the next day
    outcome = cloud.handler(event("scheduled.json"))
    # Then it is blocked, and one alert for the operators waits on the notification queue
    assert outcome["status"] == "blocked"
    assert cloud.drain() == [
        {
            "kind": "operator",
            "event": "settlement_blocked",
            "date": DATE,
            "detail": "2024-04-30",
        }
    ]


def test_a_failed_run_alerts_the_operators_and_still_fails(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the store failing while the run is prepared
    import functions.services.settlement_fanout as fanout

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the table is gone")

    monkeypatch.setattr(fanout, "prepare_run", broken)
    # When the schedule fires, then the invocation fails (the schedule retries) …
    with pytest.raises(RuntimeError):
        cloud.handler(event("scheduled.json"))
    # … and the operators' alert names the error
    assert cloud.drain() == [
        {"kind": "operator", "event": "settlement_failed", "date": DATE, "detail": "RuntimeError"}
    ]
