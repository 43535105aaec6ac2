"""Reaching a table that must already exist (``jifen verify``, ``jifen settlement``).

These verbs never start the embedded endpoint: a fresh one is empty, and an empty
table that verifies clean, or reports no unfinished settlement, would be a false
reassurance. The endpoint must be named (``JIFEN_DYNAMODB_ENDPOINT``) or AWS chosen
(``JIFEN_USE_AWS=1``); the table is never created.
"""

from __future__ import annotations

from dataclasses import dataclass


class TargetError(Exception):
    """The table cannot be named or reached; the message is for the operator."""


@dataclass(frozen=True, slots=True)
class Target:
    table: str
    endpoint: str | None
    region: str

    @property
    def where(self) -> str:
        return self.endpoint or f"AWS {self.region}"


def locate(table: str | None) -> Target:
    """The table (``table`` or ``JIFEN_TABLE_NAME``) at the configured endpoint (no I/O)."""
    from pydantic import ValidationError

    from functions.config import StoreSettings
    from functions.runtime import EndpointError, resolve_endpoint

    try:
        settings = StoreSettings()
    except ValidationError as exc:
        raise TargetError(f"bad JIFEN_* setting: {exc.errors()[0]['msg']}") from None
    name = table or ("table_name" in settings.model_fields_set and settings.table_name)
    if not name:
        raise TargetError("name the table: --table NAME or JIFEN_TABLE_NAME")
    try:
        endpoint = resolve_endpoint(settings)  # no embedded endpoint offered: see above
    except EndpointError:
        raise TargetError(
            "no DynamoDB to read: set JIFEN_DYNAMODB_ENDPOINT to a running endpoint, "
            "or JIFEN_USE_AWS=1 for AWS (an embedded endpoint would start empty)"
        ) from None
    return Target(name, endpoint, settings.region)


def check_exists(target: Target) -> Target:
    """``target``, once DynamoDB confirmed the table exists."""
    from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
        BotoCoreError,
        ClientError,
    )

    from functions.store.client import dynamodb_client

    name = target.table
    try:
        dynamodb_client(target.endpoint, region_name=target.region).describe_table(TableName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise TargetError(f"no table {name!r} at {target.where}") from None
        raise TargetError(f"cannot read table {name!r} at {target.where}: {exc}") from None
    except BotoCoreError as exc:
        raise TargetError(f"cannot reach DynamoDB at {target.where}: {exc}") from None
    return target


def resolve(table: str | None) -> Target:
    """:func:`locate`, then :func:`check_exists`."""
    return check_exists(locate(table))
