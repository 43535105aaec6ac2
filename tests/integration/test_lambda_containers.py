"""Every Lambda entry point runs as AWS runs it: a fresh process configured by its environment.

In-process tests call the handlers' ``handle(runtime, ...)`` functions with runtimes
of their own; this one checks the other half, the ``handler(event, context)`` entries
template.yaml names, which build the container's runtime from the environment once
(tests/integration/lambda_container.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from functions.config import REPO_ROOT

from .lambda_env import handler_environment


def test_each_entry_point_builds_its_container_runtime_from_the_environment_once(
    dynamodb_endpoint: str, dynamodb_table: tuple[Any, str], tmp_path: Path
) -> None:
    # Given a child process with the variables template.yaml gives the functions (local table)
    environment = handler_environment(
        dynamodb_endpoint,
        dynamodb_table,
        "infra/plans/dividend.yaml",
        JIFEN_MERCHANT_KEYS=json.dumps({"acme": {"key": "k" * 32, "rebate": "0.05"}}),
        JIFEN_PAYOUT_DIR=str(tmp_path),
        JIFEN_BOT_TOKEN="123:test",
        JIFEN_TELEGRAM_API_URL="http://127.0.0.1:9",
        JIFEN_WEBHOOK_SECRET="the-secret",
        POWERTOOLS_METRICS_NAMESPACE="Jifen",
        POWERTOOLS_SERVICE_NAME="jifen-test",
    )
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    # When each handler is invoked there, as Lambda invokes it
    completed = subprocess.run(
        [sys.executable, "-m", "tests.integration.lambda_container"],
        cwd=REPO_ROOT,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = {
        line.split(" ", 2)[1]: json.loads(line.split(" ", 2)[2])
        for line in completed.stdout.splitlines()
        if line.startswith("RESULT ")
    }
    # Then every one ran on the container's runtime, built once from the environment
    assert results["settlement"]["status"] == "settled"
    assert results["warm"] == {"same_runtime": True, "time_zone": "Asia/Shanghai"}
    assert results["payouts"]["requests"] == 0
    assert results["merchant_api"]["statusCode"] == 401
    assert results["notifications"] == {"batchItemFailures": []}
    assert results["telegram_webhook"]["statusCode"] == 403
