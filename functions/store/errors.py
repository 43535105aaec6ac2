"""Storage outcomes as domain errors; services map them to rejection codes or retries."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class ConflictError(StoreError):
    """Someone changed an item we read (version moved): reload and decide again."""


class AlreadyExistsError(StoreError):
    """An item that must be unique already exists (``what`` names it: order, idempotency…)."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key!r} already exists")
        self.what = what
        self.key = key


class GuardError(StoreError):
    """A balance guard failed (would go negative) though the version matched."""


class UnavailableError(StoreError):
    """DynamoDB kept throttling or failing after retries; nothing was written."""


class SettlementRunningError(StoreError):
    """The settlement gate is open: prices move until the run finishes."""
