"""Every contract case runs on both table adapters: the in-memory twin and DynamoDB.

The DynamoDB side is the session's local endpoint (moto, the real wire protocol), one
fresh table per case built from template.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest

from functions.store.dynamodb_table import DynamoTable
from functions.store.keyring import default_keyring
from functions.store.memory_table import MemoryTable
from functions.store.storage import Storage, memory_storage, storage_on
from functions.store.table import Table
from tests.integration.ledger_state import Tables

ADAPTERS = ("memory", "dynamodb")


@pytest.fixture(scope="module")
def contract_tables(dynamodb_endpoint: str) -> Iterator[Tables]:
    made = Tables(dynamodb_endpoint)
    yield made
    made.drop_all()


@pytest.fixture(params=ADAPTERS)
def adapter(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def table(adapter: str, request: pytest.FixtureRequest) -> Table:
    """A fresh, empty table on the adapter under test."""
    if adapter == "memory":
        return MemoryTable("contract")
    tables: Tables = request.getfixturevalue("contract_tables")
    return DynamoTable.at(tables.create(), tables.endpoint)


@pytest.fixture
def storage(adapter: str, request: pytest.FixtureRequest) -> Storage:
    """Fresh stores on the adapter under test."""
    if adapter == "memory":
        return memory_storage()
    tables: Tables = request.getfixturevalue("contract_tables")
    name = tables.create()
    reopen = partial(DynamoTable.at, name, tables.endpoint)  # as dynamodb_storage does
    return storage_on(
        DynamoTable.at(name, tables.endpoint), default_keyring(tables.endpoint), reopen
    )
