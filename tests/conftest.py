"""Shared pytest fixtures.

One embedded DynamoDB endpoint serves the whole session (starting moto costs about a
second); every test that needs a table gets its own, uniquely named, so tests never see
each other's data.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

# The store modules (boto3, moto) are imported inside the fixtures, so that test runs
# which never touch DynamoDB neither need them installed nor pay for importing them.


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """URL of a local DynamoDB endpoint shared by the whole test session.

    It runs in a child process so that moto state in the test process (e.g. a test
    using ``moto.mock_aws``, which resets moto's backends) cannot touch it.
    """
    from local.endpoint import LocalDynamoDB

    with LocalDynamoDB(in_subprocess=True) as local:
        yield local.endpoint_url


@pytest.fixture
def dynamodb_table(dynamodb_endpoint: str) -> Iterator[tuple[Any, str]]:
    """A fresh table built from template.yaml: yields ``(client, table_name)``; dropped after."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    from functions.store.client import dynamodb_client
    from functions.store.table_definition import ensure_table

    client = dynamodb_client(dynamodb_endpoint)
    table_name = f"jifen-test-{uuid.uuid4().hex[:12]}"
    ensure_table(client, table_name)
    yield client, table_name
    with contextlib.suppress(ClientError):  # the test may have dropped it itself
        client.delete_table(TableName=table_name)
