"""The embedded DynamoDB endpoint and the table definition shared with template.yaml.

These talk to a real HTTP endpoint (moto's server), so they exercise the DynamoDB wire
protocol and its error shapes exactly as application code will see them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from functions.config import StoreSettings, explicit
from functions.runtime import EndpointError, resolve_endpoint
from functions.store.client import dynamodb_client
from functions.store.table_definition import (
    CfnTag,
    TableSchemaMismatchError,
    TemplateError,
    create_table_kwargs,
    ensure_table,
    load_template,
)
from local import moto_speedups
from local.endpoint import (
    LocalDynamoDB,
    LocalEndpointError,
    SerializedWSGIApp,
    embedded_endpoint,
    stop_embedded_endpoint,
)

Table = tuple[Any, str]


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: sorted(item.items()))


def test_endpoint_starts_and_answers(dynamodb_endpoint: str) -> None:
    # Given the session's local endpoint
    client = dynamodb_client(dynamodb_endpoint)
    # When we list tables
    response = client.list_tables()
    # Then it answers over HTTP like DynamoDB does
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert isinstance(response["TableNames"], list)


def test_ensure_table_builds_the_template_table(dynamodb_table: Table) -> None:
    # Given a table created by ensure_table from template.yaml
    client, table_name = dynamodb_table
    wanted = create_table_kwargs(table_name)
    # When we describe it over the wire
    table = client.describe_table(TableName=table_name)["Table"]
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    # Then keys, attributes, index, billing and TTL are the template's
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["KeySchema"] == wanted["KeySchema"]
    assert _sorted(table["AttributeDefinitions"]) == _sorted(
        [dict(d) for d in wanted["AttributeDefinitions"]]
    )
    [gsi] = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1"
    assert gsi["KeySchema"] == [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_ensure_table_is_idempotent(dynamodb_table: Table) -> None:
    # Given an existing table holding an item
    client, table_name = dynamodb_table
    item = {"pk": {"S": "member#1"}, "sk": {"S": "profile"}}
    client.put_item(TableName=table_name, Item=item)
    # When ensure_table runs again (twice)
    created = [ensure_table(client, table_name), ensure_table(client, table_name)]
    # Then nothing is created or lost
    assert created == [False, False]
    assert client.get_item(TableName=table_name, Key=item)["Item"] == item
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"


def test_ensure_table_refuses_a_table_with_another_key(dynamodb_endpoint: str) -> None:
    # Given a table of that name whose primary key is not the template's
    client = dynamodb_client(dynamodb_endpoint)
    table_name = "jifen-test-wrong-key"
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        # When / Then ensure_table refuses to adopt it
        with pytest.raises(TableSchemaMismatchError):
            ensure_table(client, table_name)
    finally:
        client.delete_table(TableName=table_name)


def test_conditional_put_failure_comes_back_over_the_wire(dynamodb_table: Table) -> None:
    # Given an item that already exists
    client, table_name = dynamodb_table
    item = {"pk": {"S": "member#1"}, "sk": {"S": "profile"}, "points": {"N": "10"}}
    client.put_item(TableName=table_name, Item=item)
    # When a put conditioned on its absence is attempted
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as failure:
        client.put_item(
            TableName=table_name,
            Item={**item, "points": {"N": "999"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    # Then DynamoDB's error code arrives and the item is untouched
    assert failure.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    stored = client.get_item(TableName=table_name, Key={"pk": item["pk"], "sk": item["sk"]})
    assert stored["Item"]["points"] == {"N": "10"}


def test_transaction_with_failing_condition_is_cancelled_with_reasons(
    dynamodb_table: Table,
) -> None:
    # Given an existing item
    client, table_name = dynamodb_table
    existing = {"pk": {"S": "member#1"}, "sk": {"S": "profile"}}
    fresh = {"pk": {"S": "member#2"}, "sk": {"S": "profile"}}
    client.put_item(TableName=table_name, Item=existing)
    # When a transaction writes a fresh item and re-creates the existing one
    with pytest.raises(client.exceptions.TransactionCanceledException) as failure:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table_name, "Item": fresh}},
                {
                    "Put": {
                        "TableName": table_name,
                        "Item": existing,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    # Then it is cancelled with one reason per item, and nothing was written
    reasons = failure.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in client.get_item(TableName=table_name, Key=fresh)


def test_concurrent_requests_are_served_one_at_a_time(
    dynamodb_endpoint: str, dynamodb_table: Table
) -> None:
    # Given 8 threads sharing a client that never retries (so no error can hide)
    _, table_name = dynamodb_table
    client = dynamodb_client(dynamodb_endpoint, max_attempts=1)
    threads, requests = 8, 50
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    counter_key = {"pk": {"S": "counter"}, "sk": {"S": "hits"}}

    def work(worker: int) -> None:
        start.wait()
        for n in range(worker, requests, threads):
            try:
                if n % 2:
                    client.update_item(
                        TableName=table_name,
                        Key=counter_key,
                        UpdateExpression="ADD hits :one",
                        ExpressionAttributeValues={":one": {"N": "1"}},
                    )
                else:
                    client.put_item(
                        TableName=table_name,
                        Item={"pk": {"S": f"item#{n}"}, "sk": {"S": "x"}},
                    )
            except Exception as error:
                errors.append(error)

    # When they all fire their requests at once
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)
    # Then every request succeeded and no update was lost
    assert errors == []
    counter = client.get_item(TableName=table_name, Key=counter_key)["Item"]
    assert counter["hits"] == {"N": str(requests // 2)}
    assert client.scan(TableName=table_name, Select="COUNT")["Count"] == requests // 2 + 1


def test_template_loader_keeps_intrinsics_as_markers() -> None:
    # Given template.yaml with its short-form tags
    # When it is loaded
    template = load_template()
    # Then the tags survive as markers instead of breaking the parse
    table = template["Resources"]["JifenTable"]
    assert table["Properties"]["TableName"] == CfnTag("!Sub", "jifen-${Stage}")
    assert template["Outputs"]["JifenTableName"]["Value"] == CfnTag("!Ref", "JifenTable")


def test_intrinsics_where_literals_are_needed_are_rejected(tmp_path: Path) -> None:
    # Given a template whose key schema depends on an intrinsic (sequence- and mapping-tags too)
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  JifenTable:\n"
        "    Type: AWS::DynamoDB::Table\n"
        "    Metadata: !If [IsProd, !GetAtt A.B, {Fn: !Base64 {x: 1}}]\n"
        "    Properties:\n"
        "      BillingMode: PAY_PER_REQUEST\n"
        "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n"
        "      KeySchema: [{AttributeName: !Ref KeyName, KeyType: HASH}]\n",
        encoding="utf-8",
    )
    # When / Then building create_table arguments names the offending field
    with pytest.raises(TemplateError, match=r"KeySchema\[0\]\.AttributeName uses !Ref"):
        create_table_kwargs("t", template)


def test_resolve_endpoint_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no AWS credentials in the environment, and local tooling offering its endpoint
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)

    def resolve(**store: Any) -> str | None:
        settings = explicit(StoreSettings, store)
        return resolve_endpoint(settings, embedded=embedded_endpoint)

    # When an endpoint is configured explicitly, Then it wins
    explicit_url = "http://dynamodb.example:8000"
    assert resolve(dynamodb_endpoint=explicit_url, use_aws=True) == explicit_url

    # When real AWS is asked for, Then there is no endpoint override
    assert resolve(use_aws=True) is None

    # When neither is set, Then an embedded endpoint starts (once), and its clients carry
    # placeholder credentials of their own: the environment is left as it was
    try:
        url = resolve()
        assert url is not None
        assert resolve() == url
        assert dynamodb_client(url).list_tables()["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        assert "AWS_DEFAULT_REGION" not in os.environ
    finally:
        stop_embedded_endpoint()


def test_deployed_code_offers_no_embedded_endpoint_and_fails_naming_both_variables() -> None:
    # Given settings naming neither an endpoint nor AWS (a function configured for neither)
    settings = explicit(StoreSettings)
    # When the endpoint is resolved without local tooling's embedded endpoint
    # Then it fails at once, naming what to set, and starts nothing
    with pytest.raises(EndpointError, match=r"JIFEN_DYNAMODB_ENDPOINT.*JIFEN_USE_AWS=1"):
        resolve_endpoint(settings)


def test_the_moto_patch_targets_exist_in_the_installed_moto() -> None:
    # Given the installed moto
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table as MotoTable

    # When the speed patch checks what it replaces and calls
    # Then everything is there (the embedded endpoint starts with the patch applied)
    moto_speedups.check_patch_targets(models, MotoTable)


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("copy", "`copy` module"),
        ("DynamoDBBackend", "DynamoDBBackend is gone"),
        ("transact_write_items", "DynamoDBBackend.transact_write_items is gone"),
    ],
)
def test_the_moto_patch_refuses_a_moto_without_what_it_patches(missing: str, named: str) -> None:
    # Given a moto whose dynamodb models lack a name the patch relies on (an upgrade renamed it)
    from types import SimpleNamespace

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table as MotoTable

    backend = type(
        "DynamoDBBackend",
        (),
        {
            name: getattr(models.DynamoDBBackend, name)
            for name in ("transact_write_items", "get_item", "put_item", "delete_item")
            if name != missing
        },
    )
    fake = SimpleNamespace(copy=getattr(models, "copy"), DynamoDBBackend=backend)  # noqa: B009
    if missing in ("copy", "DynamoDBBackend"):
        delattr(fake, missing)
    # When the patch checks its targets
    # Then it refuses loudly, naming the missing piece and moto's version
    with pytest.raises(moto_speedups.MotoPatchError, match=named) as refused:
        moto_speedups.check_patch_targets(fake, MotoTable)
    assert "moto 5." in str(refused.value)


def test_in_process_endpoint_on_a_given_port_and_a_busy_port() -> None:
    # Given a free port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # When an in-process endpoint is started on it
    with LocalDynamoDB(port) as local:
        # Then it serves there, and a second one on the same port fails cleanly
        assert local.endpoint_url == f"http://127.0.0.1:{port}"
        assert dynamodb_client(local.endpoint_url).list_tables()["TableNames"] is not None
        with pytest.raises(LocalEndpointError, match="cannot listen"):
            LocalDynamoDB(port).start()
    # And after stopping, the URL is no longer offered
    assert not local.running


class _OverlapRecorder:
    """A slow fake WSGI app recording how many requests were inside it at once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.inside = 0
        self.peak = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._guard:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
        time.sleep(0.02)
        start_response("200 OK", [("Content-Type", "text/plain")])
        with self._guard:
            self.inside -= 1
        return [b"ok"]


def _call_from_threads(app: Any, threads: int = 8) -> list[bytes]:
    start = threading.Barrier(threads)
    bodies: list[bytes] = []

    def call() -> None:
        start.wait()
        bodies.append(b"".join(app({}, lambda status, headers, exc_info=None: None)))

    pool = [threading.Thread(target=call) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=10)
    return bodies


def test_serialized_wsgi_app_lets_one_request_in_at_a_time() -> None:
    # Given a slow app that 8 simultaneous callers do overlap in (the control)
    bare = _OverlapRecorder()
    _call_from_threads(bare)
    assert bare.peak > 1
    # When the same kind of app is wrapped the way the endpoint wraps moto
    guarded = _OverlapRecorder()
    bodies = _call_from_threads(SerializedWSGIApp(guarded))
    # Then every request is answered, one at a time
    assert bodies == [b"ok"] * 8
    assert guarded.peak == 1


def test_the_fast_update_leaves_every_item_as_motos_own_update_does(
    dynamodb_endpoint: str,
) -> None:
    """Given two identical moto tables (the store's key schema and index keys)
    When the store's kinds of update (SET, REMOVE, ADD, a list of maps, conditions that
    pass and fail, an ADD on a missing attribute, a too large item, an index key set empty)
    go through the patched ``update_item`` on one and moto's own on the other
    Then both tables hold equal items and every refusal is the same exception."""
    import inspect

    from moto.dynamodb.models import DynamoDBBackend

    moto_speedups.apply()
    backend = DynamoDBBackend("eu-west-1", "123456789012")
    schema = [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    attributes = [
        {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gsi1pk", "gsi1sk")
    ]
    index = {
        "IndexName": "gsi1",
        "KeySchema": [
            {"AttributeName": "gsi1pk", "KeyType": "HASH"},
            {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    for name in ("fast", "moto"):
        backend.create_table(
            name,
            schema=schema,
            attr=attributes,
            throughput=None,
            billing_mode="PAY_PER_REQUEST",
            indexes=None,
            global_indexes=[index],
            streams=None,
            sse_specification=None,
            tags=[],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        backend.put_item(name, {"pk": {"S": "M#a"}, "sk": {"S": "ACCOUNT"}, "n": {"N": "5"}})
    fast = DynamoDBBackend.update_item
    slow = inspect.unwrap(DynamoDBBackend.update_item)
    assert fast is not slow
    key = {"pk": {"S": "M#a"}, "sk": {"S": "ACCOUNT"}}
    grants = {"L": [{"M": {"seq": {"N": "1"}, "remaining": {"N": "90"}}}]}
    updates: list[tuple[str, dict[str, str], dict[str, Any], str | None]] = [
        (
            "SET #n0 = :v0, #n1 = :v1",
            {"#n0": "g", "#n1": "s"},
            {":v0": grants, ":v1": {"S": "x"}},
            None,
        ),
        (
            "ADD #n0 :v0, #n1 :v1",
            {"#n0": "n", "#n1": "m"},
            {":v0": {"N": "-2"}, ":v1": {"N": "7"}},
            None,
        ),
        (
            "SET #n0 = :v0 REMOVE #n1 ADD #n2 :v1",
            {"#n0": "t", "#n1": "s", "#n2": "n"},
            {":v0": {"BOOL": True}, ":v1": {"N": "1"}},
            "(attribute_exists(#n2) AND #n2 >= :v1)",
        ),
        ("ADD #n0 :v0", {"#n0": "n"}, {":v0": {"N": "1"}}, "(attribute_exists(#n0) AND #n0 = :v1)"),
        ("SET #n0 = :v0", {"#n0": "big"}, {":v0": {"S": "x" * 410_000}}, None),
        ("SET #n0 = :v0", {"#n0": "gsi1pk"}, {":v0": {"S": ""}}, None),
        ("ADD #n0 :v0", {"#n0": "s2"}, {":v0": {"N": "1"}}, None),
        ("SET #n0 = :v0", {"#n0": "s2"}, {":v0": {"S": "now a string"}}, None),
        ("ADD #n0 :v0", {"#n0": "s2"}, {":v0": {"N": "1"}}, None),
    ]
    for expression, names, values, condition in updates:
        if condition is not None and ":v1" in condition and ":v1" not in values:
            values = {**values, ":v1": {"N": "999"}}
        outcomes = []
        for table, update in (("fast", fast), ("moto", slow)):
            try:
                update(
                    backend,
                    table,
                    dict(key),
                    update_expression=expression,
                    expression_attribute_names=dict(names),
                    expression_attribute_values=dict(values),
                    condition_expression=condition,
                    return_values_on_condition_check_failure="ALL_OLD",
                )
                outcomes.append("ok")
            except Exception as refused:
                outcomes.append(type(refused).__name__)
        assert outcomes[0] == outcomes[1], (expression, outcomes)
        patched, own = backend.get_item("fast", key), backend.get_item("moto", key)
        assert patched is not None
        assert own is not None
        assert patched.to_json() == own.to_json(), expression
