"""Building the stores on one table: DynamoDB for the system, a dict for fast tests.

This is the only place that picks an adapter; the composition root calls
:func:`dynamodb_storage`, tests that need no wire call :func:`memory_storage`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from .bot_store import BotStore
from .dynamodb_table import DynamoTable
from .keyring import Keyring, default_keyring
from .ledger_store import LedgerStore
from .memory_table import MemoryTable
from .ops_store import NotificationLog
from .proof_store import ProofStore
from .table import Table
from .web_store import WebStore


@dataclass(frozen=True, slots=True)
class Storage:
    """The stores of one table: the ledger, the bot's records, the notification log, the
    proof-of-liabilities days, and the web side's credentials and audit log."""

    table: Table
    ledger: LedgerStore
    bot: BotStore
    notifications: NotificationLog
    proofs: ProofStore
    web: WebStore


def storage_on(
    table: Table, keyring: Keyring, reopen: Callable[[], Table] | None = None
) -> Storage:
    """The stores on ``table``; ``reopen`` opens it on a new client (for worker processes)."""
    return Storage(
        table,
        LedgerStore(table, keyring, reopen),
        BotStore(table),
        NotificationLog(table),
        ProofStore(table),
        WebStore(table),
    )


def dynamodb_storage(
    table_name: str, *, endpoint: str | None, region: str = "us-east-1", keyring: Keyring
) -> Storage:
    """The stores of ``table_name`` at ``endpoint`` (None: real AWS), with their own client."""
    return storage_on(
        DynamoTable.at(table_name, endpoint, region),
        keyring,
        partial(DynamoTable.at, table_name, endpoint, region),
    )


def memory_storage(keyring: Keyring | None = None, name: str = "memory") -> Storage:
    """Stores on a fresh in-memory table; a random chain key unless one is given."""
    return storage_on(
        MemoryTable(name), keyring or Keyring.of({"k1": secrets.token_bytes(32)}, "k1")
    )


def dynamodb_ledger(
    table_name: str,
    endpoint: str | None,
    *,
    region: str = "us-east-1",
    keyring: Keyring | None = None,
) -> LedgerStore:
    """The ledger store of ``table_name``; the chain keyring defaults to the local key file
    for a local endpoint, and to one that refuses to chain for AWS (the key is in SSM)."""
    chosen = keyring if keyring is not None else default_keyring(endpoint)
    return dynamodb_storage(table_name, endpoint=endpoint, region=region, keyring=chosen).ledger
