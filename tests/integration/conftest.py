"""Fixtures shared by the store, services and reliability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .ledger_state import Tables


@pytest.fixture
def tables(dynamodb_endpoint: str) -> Iterator[Tables]:
    """Fresh tables built from template.yaml, dropped after the test."""
    made = Tables(dynamodb_endpoint)
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def module_tables(dynamodb_endpoint: str) -> Iterator[Tables]:
    """Tables shared by one module's cases (an expensive setup is built once, then cloned)."""
    made = Tables(dynamodb_endpoint)
    yield made
    made.drop_all()
