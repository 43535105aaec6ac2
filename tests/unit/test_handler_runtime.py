"""Cold-start wiring of the handlers: settings validated once, secrets cached, plan paths.

SSM is moto in this process; nothing here touches DynamoDB.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from functions.config import REPO_ROOT
from functions.handlers import _runtime
from functions.handlers._runtime import FanoutSettings, ScheduleSettings


@pytest.fixture(autouse=True)
def fresh_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    _runtime.reset()
    yield
    _runtime.reset()


def test_settings_are_read_once_per_container(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a time zone in the environment, read once
    monkeypatch.setenv("JIFEN_TIME_ZONE", "Europe/Berlin")
    first = _runtime.settings(ScheduleSettings)
    # When the variable changes under a warm container
    monkeypatch.setenv("JIFEN_TIME_ZONE", "UTC")
    # Then the container keeps what it validated at cold start, until reset
    assert _runtime.settings(ScheduleSettings) is first
    assert first.time_zone == "Europe/Berlin"
    _runtime.reset()
    assert _runtime.settings(ScheduleSettings).time_zone == "UTC"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("JIFEN_TIME_ZONE", "Mars/Olympus"), ("JIFEN_SETTLEMENT_PAGES_PER_BATCH", "0")],
)
def test_a_bad_variable_fails_loudly_naming_itself(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    # Given a misconfigured variable
    monkeypatch.setenv(variable, value)
    # When the settings are validated
    # Then validation fails and names the field
    kind = ScheduleSettings if variable == "JIFEN_TIME_ZONE" else FanoutSettings
    with pytest.raises(ValidationError, match=variable.removeprefix("JIFEN_").lower()):
        _runtime.settings(kind)


def test_a_relative_plan_path_is_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the template's relative plan path
    monkeypatch.setenv("JIFEN_PLAN_PATH", "infra/plans/value.yaml")
    # When it is resolved
    # Then it is the file shipped beside the code, wherever the process started
    assert _runtime.plan_path() == REPO_ROOT / "infra" / "plans" / "value.yaml"
    assert _runtime.plan_path().is_file()


def test_secrets_come_from_ssm_decrypted_and_cached() -> None:
    with mock_aws():
        # Given a SecureString in SSM
        ssm = boto3.client("ssm", region_name="us-east-1")
        ssm.put_parameter(Name="/jifen/test/bot-token", Value="123:abc", Type="SecureString")
        # When it is read, rotated, and read again within the cache's lifetime
        first = _runtime.secret("/jifen/test/bot-token")
        ssm.put_parameter(
            Name="/jifen/test/bot-token", Value="456:def", Type="SecureString", Overwrite=True
        )
        cached = _runtime.secret("/jifen/test/bot-token")
        # Then the decrypted value is served from the cache (no SSM call per invocation)
        assert first == cached == "123:abc"
        # And a new container (or the cache's expiry) sees the rotated value
        _runtime.reset()
        assert _runtime.secret("/jifen/test/bot-token") == "456:def"
