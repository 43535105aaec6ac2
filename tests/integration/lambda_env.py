"""The environment a deployed function gets, for handler tests on the local table."""

from __future__ import annotations

from typing import Any

import pytest


def set_handler_environment(
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    dynamodb_table: tuple[Any, str],
    plan_path: str,
    **extra: str,
) -> str:
    """The variables template.yaml gives a function, pointed at the local table; the region."""
    client, table = dynamodb_table
    region: str = client.meta.region_name
    for name, value in {
        "AWS_REGION": region,
        "JIFEN_TABLE_NAME": table,
        "JIFEN_DYNAMODB_ENDPOINT": endpoint,
        "JIFEN_CREATE_TABLE": "0",
        "JIFEN_PLAN_PATH": plan_path,  # relative, as in the template
        "JIFEN_TIME_ZONE": "Asia/Shanghai",
        **extra,
    }.items():
        monkeypatch.setenv(name, value)
    return region
