"""What a deployed function runs on, for handler tests on the local table.

In-process tests build the handlers' :class:`~functions.runtime.Runtime` from explicit
settings (:func:`handler_settings`), as a container builds it from the variables
template.yaml sets; child processes that play a cold container get those variables
instead (:func:`handler_environment`). Neither touches this process's environment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from functions.config import Settings
from functions.runtime import Runtime


def handler_settings(
    endpoint: str, dynamodb_table: tuple[Any, str], plan_path: str, **groups: Any
) -> Settings:
    """The settings template.yaml gives a function, pointed at the local table.

    ``groups`` override whole settings groups by field (``fanout={...}``, ``payout={...}``).
    """
    client, table = dynamodb_table
    base: dict[str, Any] = {
        "store": {
            "region": client.meta.region_name,
            "table_name": table,
            "dynamodb_endpoint": endpoint,
            "create_table": False,
        },
        "plan": {"plan_path": plan_path},  # relative, as in the template
        "schedule": {"time_zone": "Asia/Shanghai"},
        # a settlement publishes its proof: each table's records in a folder of its own
        "proof": {"proof_dir": Path(tempfile.gettempdir()) / "jifen-test-proofs" / table},
    }
    for name, values in groups.items():
        base[name] = {**base.get(name, {}), **values}
    return Settings.of(**base)


def handler_runtime(
    endpoint: str, dynamodb_table: tuple[Any, str], plan_path: str, **groups: Any
) -> Runtime:
    """A runtime on :func:`handler_settings` (metrics counted in memory)."""
    return Runtime(handler_settings(endpoint, dynamodb_table, plan_path, **groups))


def handler_environment(
    endpoint: str, dynamodb_table: tuple[Any, str], plan_path: str, **extra: str
) -> dict[str, str]:
    """The variables template.yaml gives a function, pointed at the local table (for a
    child process playing a Lambda container)."""
    client, table = dynamodb_table
    return {
        "AWS_REGION": client.meta.region_name,
        "JIFEN_TABLE_NAME": table,
        "JIFEN_DYNAMODB_ENDPOINT": endpoint,
        "JIFEN_CREATE_TABLE": "0",
        "JIFEN_PLAN_PATH": plan_path,
        "JIFEN_TIME_ZONE": "Asia/Shanghai",
        "JIFEN_PROOF_DIR": str(Path(tempfile.gettempdir()) / "jifen-test-proofs" / table),
        **extra,
    }
