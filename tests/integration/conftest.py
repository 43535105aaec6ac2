"""Fixtures shared by the store, services and reliability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from functions.services import settlement_compute

from .ledger_state import Tables

SETTLEMENT_PAGE_SIZE = 2
"""Members per settlement page under ``small_settlement_pages``: five members make three
pages, so crashes fall between pages too."""


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


@pytest.fixture(scope="module")
def small_settlement_pages() -> Iterator[None]:
    """Settlement pages of :data:`SETTLEMENT_PAGE_SIZE` members for one module's cases."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settlement_compute, "PAGE_SIZE", SETTLEMENT_PAGE_SIZE)
        yield
