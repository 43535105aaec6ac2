"""The composition root: settings validated once, built from explicit values, secrets cached.

SSM is moto in this process; nothing here touches DynamoDB.
"""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from functions.config import REPO_ROOT, PlanSettings, Settings, StoreSettings, explicit
from functions.plans import load_plan, plan_file
from functions.runtime import CountingMetrics, Runtime, resolve_endpoint


@pytest.mark.parametrize(
    ("variable", "value"),
    [("JIFEN_TIME_ZONE", "Mars/Olympus"), ("JIFEN_SETTLEMENT_PAGES_PER_BATCH", "0")],
)
def test_a_bad_variable_fails_loudly_naming_itself(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    # Given a misconfigured variable
    monkeypatch.setenv(variable, value)
    # When a container validates its settings at cold start
    # Then validation fails and names the field
    with pytest.raises(ValidationError, match=variable.removeprefix("JIFEN_").lower()):
        Settings.from_environment()


def test_explicit_settings_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a process environment that names another table, region and time zone
    monkeypatch.setenv("JIFEN_TABLE_NAME", "from-the-environment")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("JIFEN_TIME_ZONE", "Europe/Berlin")
    # When settings are built from explicit values (tests, jifen dev, the demo)
    settings = Settings.of(store={"table_name": "mine", "region": "ap-east-1"})
    # Then exactly those values and the defaults hold, whatever the environment says
    assert settings.store.table_name == "mine"
    assert settings.store.region == "ap-east-1"
    assert settings.schedule.time_zone == "Asia/Shanghai"
    # And a replaced group is validated like any other
    with pytest.raises(ValidationError, match="time_zone"):
        settings.replace(schedule={"time_zone": "Mars/Olympus"})
    replaced = settings.replace(fanout={"settlement_inline_pages": 1})
    assert replaced.fanout.settlement_inline_pages == 1


def test_the_environment_and_explicit_values_read_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a function's variables, and the same values given explicitly
    for name, value in {
        "JIFEN_TABLE_NAME": "jifen-prod",
        "JIFEN_USE_AWS": "1",
        "AWS_REGION": "ap-east-1",
        "JIFEN_ADMIN_IDS": "7, 9",
        "JIFEN_SETTLEMENT_INLINE_PAGES": "3",
    }.items():
        monkeypatch.setenv(name, value)
    # When both are validated
    from_environment = Settings.from_environment()
    given = Settings.of(
        store={"table_name": "jifen-prod", "use_aws": "1", "region": "ap-east-1"},
        bot={"admin_ids": "7, 9"},
        fanout={"settlement_inline_pages": "3"},
    )
    # Then they agree
    assert from_environment.store == given.store
    assert from_environment.bot.admin_ids == given.bot.admin_ids == frozenset({7, 9})
    assert from_environment.fanout == given.fanout


def test_a_relative_plan_path_is_inside_the_package() -> None:
    # Given the template's relative plan path
    path = explicit(PlanSettings, {"plan_path": "infra/plans/value.yaml"}).plan_path
    # When it is resolved
    # Then it is the file shipped beside the code, wherever the process started
    assert plan_file(path) == REPO_ROOT / "infra" / "plans" / "value.yaml"
    assert load_plan(path).name


def test_a_runtime_builds_nothing_until_asked() -> None:
    # Given a runtime for a function configured for neither an endpoint nor AWS
    runtime = Runtime(Settings.of())
    # When only its settings-derived parts are read
    # Then nothing is resolved or opened (a cold webhook refusing a forged request pays nothing)
    assert str(runtime.zone) == "Asia/Shanghai"
    assert isinstance(runtime.metrics, CountingMetrics)
    assert runtime.fanout_policy.inline_pages == 20
    # And the endpoint is decided by the one resolver, failing loudly when asked
    with pytest.raises(ValueError, match="JIFEN_DYNAMODB_ENDPOINT"):
        _ = runtime.endpoint
    assert resolve_endpoint(explicit(StoreSettings, {"use_aws": True})) is None


def test_secrets_come_from_ssm_decrypted_and_cached() -> None:
    with mock_aws():
        # Given a SecureString in SSM
        ssm = boto3.client("ssm", region_name="us-east-1")
        ssm.put_parameter(Name="/jifen/test/bot-token", Value="123:abc", Type="SecureString")
        runtime = Runtime(Settings.of(store={"region": "us-east-1"}))
        # When it is read, rotated, and read again within the cache's lifetime
        first = runtime.secret("/jifen/test/bot-token")
        ssm.put_parameter(
            Name="/jifen/test/bot-token", Value="456:def", Type="SecureString", Overwrite=True
        )
        cached = runtime.secret("/jifen/test/bot-token")
        # Then the decrypted value is served from the cache (no SSM call per invocation)
        assert first == cached == "123:abc"
        # And a new container (or the cache's expiry) sees the rotated value
        fresh = Runtime(runtime.settings)
        assert fresh.secret("/jifen/test/bot-token") == "456:def"


def test_parts_kept_per_version_are_rebuilt_when_the_version_changes() -> None:
    # Given a runtime and a part built from a secret's value
    runtime = Runtime(Settings.of())
    built: list[str] = []

    def part(token: str) -> str:
        def build() -> str:
            built.append(token)
            return token

        return runtime.per_version("part", token, build)

    # When it is asked for twice with one token, then with a rotated one
    # Then it is built once per token
    assert [part("a"), part("a"), part("b")] == ["a", "a", "b"]
    assert built == ["a", "b"]
