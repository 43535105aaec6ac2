"""The proof of liabilities from the Lambda entry points to the Object Lock bucket.

DynamoDB is the session's local endpoint; S3 is moto in this process (``mock_aws``),
with the bucket configured as template.yaml's ``ProofBucket`` (Object Lock, compliance
mode, seven years), which moto enforces. The settlement function publishes a run it
applied itself; the proof function plays the state machine's ``PublishProof`` state with
the date ``FinishRun`` answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.handlers import proof as proof_handler
from functions.handlers import settlement as settlement_handler
from functions.proofs.documents import record_name, verify_proof
from functions.rewards.events import Join, Purchase
from functions.runtime import CountingMetrics, Runtime
from functions.services.proofs import RecordConflict, S3RecordPublisher
from functions.services.settlement import run_settlement
from local.lambda_fakes import LambdaContext

from .lambda_env import handler_settings

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

BUCKET = "jifen-test-proofs"
DATE = "2024-05-01"
CONTEXT: Any = LambdaContext("jifen-test-proof", memory_limit_in_mb=1024)


@dataclass
class Cloud:
    s3: Any
    runtime: Runtime
    metrics: CountingMetrics

    def published(self, date: str = DATE) -> dict[str, Any]:
        body = self.s3.get_object(Bucket=BUCKET, Key=record_name(date))["Body"].read()
        found: dict[str, Any] = json.loads(body)
        return found


@pytest.fixture
def cloud(dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]) -> Iterator[Cloud]:
    region = dynamodb_table[0].meta.region_name
    with mock_aws():
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7}},
            },
        )
        settings = handler_settings(
            dynamodb_endpoint,
            dynamodb_table,
            "infra/plans/value.yaml",
            proof={"proof_bucket": BUCKET},
        )
        metrics = CountingMetrics()
        runtime = Runtime(settings, metrics=metrics)
        for index, name in enumerate(("a", "b", "c")):
            runtime.ledger.join(Join(name, "a" if index else None), f"join:{name}")
            runtime.ledger.purchase(Purchase(name, f"o-{name}", 100_000 * (index + 1)), f"o:{name}")
        yield Cloud(s3, runtime, metrics)


def test_a_run_settled_by_the_settlement_function_publishes_its_locked_record(
    cloud: Cloud,
) -> None:
    """Given three members, When the settlement function settles a date inline, Then its
    answer carries the published day, the record is in the bucket under compliance-mode
    retention and cannot be deleted, and every member's proof holds against it."""
    outcome = settlement_handler.handle(cloud.runtime, {"date": DATE}, CONTEXT)

    assert outcome["status"] == "settled"
    assert outcome["after_finish"]["status"] == "published"
    assert outcome["after_finish"]["record"] == f"s3://{BUCKET}/{record_name(DATE)}"
    head = cloud.s3.head_object(Bucket=BUCKET, Key=record_name(DATE))
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError) as refused:
        cloud.s3.delete_object(Bucket=BUCKET, Key=record_name(DATE), VersionId=head["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    record = cloud.published()
    assert record["members"] == 3
    assert record["solvency"]["valuation"] == "reserve"
    for name in ("a", "b", "c"):
        found = cloud.runtime.proofs.member_proof(name)
        assert found is not None
        assert verify_proof(json.loads(found.document), record).member == name
    assert cloud.metrics.totals.get("ProofsPublished") == 1


def test_the_proof_state_publishes_the_date_finish_answers_and_is_idempotent(
    cloud: Cloud,
) -> None:
    """Given a date settled (as the state machine's FinishRun answers it), When the proof
    function runs with that answer twice, Then the day is published once and the second
    run finds the same record."""
    run_settlement(cloud.runtime.ledger, DATE)  # no proof step: the state machine's path
    finish_answer = {"date": DATE, "status": "settled", "pages": 1}

    first = proof_handler.handle(cloud.runtime, finish_answer, CONTEXT)
    again = proof_handler.handle(cloud.runtime, finish_answer, CONTEXT)

    assert (first["status"], first["built"]) == ("published", True)
    assert (again["status"], again["built"]) == ("published", False)
    assert again["root"] == first["root"] == cloud.published()["root"]["hash"]
    versions = cloud.s3.list_object_versions(Bucket=BUCKET, Prefix=record_name(DATE))
    assert len(versions["Versions"]) == 1


def test_a_day_the_proof_function_cannot_publish_is_answered_failed_and_counted(
    cloud: Cloud,
) -> None:
    """Given an unsettled date, When the proof function runs, Then it answers failed with
    the stable code (the execution does not fail) and counts ProofsFailed (the alarm)."""
    outcome = proof_handler.handle(cloud.runtime, {"date": DATE}, CONTEXT)

    assert (outcome["status"], outcome["code"]) == ("failed", "proof_not_settled")
    assert cloud.metrics.totals.get("ProofsFailed") == 1


def test_the_bucket_publisher_never_overwrites_a_record(cloud: Cloud) -> None:
    """Given a record in the locked bucket, When the same bytes are published again, Then
    nothing changes; When other bytes are, Then RecordConflict and the first stays."""
    publisher = S3RecordPublisher(BUCKET, cloud.s3)
    name = record_name("2024-06-01")

    assert publisher.publish(name, b"{}\n") == f"s3://{BUCKET}/{name}"
    publisher.publish(name, b"{}\n")
    with pytest.raises(RecordConflict):
        publisher.publish(name, b'{"forged": true}\n')

    assert publisher.read(name) == b"{}\n"
    assert publisher.read(record_name("2024-06-02")) is None
    assert publisher.names("proof-of-liabilities/") == [name]
