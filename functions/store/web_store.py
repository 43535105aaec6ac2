"""What the web side keeps: spent sign-in credentials and the operators' audit log.

Neither is ledger state (no journal entry, no version), and each has its own item
kind, so ``jifen verify`` (which reads journal, withdrawal, idempotency and order
items) never sees them:

* ``WEBAUTH#<sha256 of the credential's hash>`` / ``USED``: a Telegram ``initData``
  or Login Widget payload that already opened a session. Put only if absent (or its
  freshness window has passed, ``expires_at``, which is also the TTL), so one signed
  payload opens at most one session: a captured one cannot be replayed.
* ``OPLOG`` / ``<at:020d>#<id>``: one item per operator action, newest read first
  with one ``Query``. Operators are people clicking: a single partition holds them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping

from .items import Kind, keyed, number, optional_text, text
from .records import OperatorAction
from .table import Absent, ConditionFailed, Key, Put, Table, Value, any_of
from .table import Compare as Cmp

OPLOG_PK = "OPLOG"


def credential_key(digest: str) -> Key:
    return Key(f"WEBAUTH#{digest}", "USED")


def action_key(at: int, action_id: str) -> Key:
    return Key(OPLOG_PK, f"{at:020d}#{action_id}")


def _action(item: Mapping[str, Value]) -> OperatorAction:
    return OperatorAction(
        at=number(item, "at"),
        action_id=text(item, "action_id"),
        operator=text(item, "operator"),
        action=text(item, "action"),
        target=optional_text(item, "target") or "",
        outcome=text(item, "outcome"),
        detail=optional_text(item, "detail") or "{}",
    )


class WebStore:
    """Spent credentials and the audit log, on the ledger's table."""

    def __init__(self, table: Table, clock_s: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock_s = clock_s

    def spend_credential(self, digest: str, until_s: int) -> bool:
        """True the first time ``digest`` is presented before ``until_s`` (epoch seconds)."""
        item = keyed(credential_key(digest), Kind.WEB_CREDENTIAL, expires_at=until_s)
        free = any_of(Absent(), Cmp("expires_at", "<=", int(self.clock_s())))
        try:
            self.table.write(Put(item, free))
        except ConditionFailed:
            return False
        return True

    def record_action(
        self,
        operator: str,
        action: str,
        target: str,
        outcome: str,
        detail: Mapping[str, object] | None = None,
        *,
        at_us: int | None = None,
    ) -> OperatorAction:
        """Append one action to the audit log (never overwritten: a fresh id each time)."""
        at = at_us if at_us is not None else int(self.clock_s() * 1_000_000)
        record = OperatorAction(
            at=at,
            action_id=secrets.token_hex(6),
            operator=operator,
            action=action,
            target=target,
            outcome=outcome,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
        )
        item = keyed(
            action_key(record.at, record.action_id),
            Kind.OPERATOR_ACTION,
            at=record.at,
            action_id=record.action_id,
            operator=record.operator,
            action=record.action,
            target=record.target,
            outcome=record.outcome,
            detail=record.detail,
        )
        self.table.write(Put(item, Absent()))
        return record

    def actions(self, *, limit: int, before: str | None = None) -> list[OperatorAction]:
        """The newest ``limit`` actions, older than the ``before`` sort key when given."""
        items = self.table.query(OPLOG_PK, below=before, newest_first=True, limit=limit)
        return [_action(item) for item in items]


def action_cursor(action: OperatorAction) -> str:
    """The sort key of ``action``: pass it as ``before`` for the next older page."""
    return action_key(action.at, action.action_id).sk
