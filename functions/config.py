"""Environment as validated settings, read once at cold start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class StoreSettings(BaseSettings):
    """Where the ledger lives. No endpoint and no ``JIFEN_USE_AWS``: the embedded one."""

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    table_name: str = Field(default="jifen-dev", min_length=3, max_length=255)
    dynamodb_endpoint: str | None = None
    use_aws: bool = False
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    create_table: bool = True
    """Create the table from template.yaml when missing (local use; off in AWS)."""


class ChainKeySettings(BaseSettings):
    """The journal chain's keyring (``functions/store/keyring.py``), never in the table.

    In AWS a SecureString in SSM named by ``JIFEN_CHAIN_KEY_PARAM`` holds the keyring
    JSON ``{"current": id, "keys": {id: hex}}``; every function that writes the journal
    reads it. Locally the keyring is a file (``JIFEN_CHAIN_KEY_FILE``, default
    ``var/chain-keys.json``), created with a fresh key on first use.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    chain_key_param: str | None = None
    chain_key_file: Path | None = Field(default=None, json_schema_extra={"local_only": True})


class PlanSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    plan_path: Path = REPO_ROOT / "infra" / "plans" / "dividend.yaml"


class MerchantApiSettings(BaseSettings):
    """The merchant order API: who may call it and how fresh a signed request must be.

    In AWS the merchants' keys and rebate ratios are a JSON SecureString in SSM
    named by ``JIFEN_MERCHANT_KEYS_PARAM``; local runs put the same JSON in
    ``JIFEN_MERCHANT_KEYS`` directly. The JSON is
    ``{"<merchant>": {"key": "<shared secret>", "rebate": "0.05"}}``.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    merchant_keys_param: str | None = None
    merchant_keys: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    signature_tolerance_s: int = Field(default=300, ge=1, le=3600)
    """A signed request older (or further in the future) than this is refused as a replay."""


class NotificationSettings(BaseSettings):
    """The Telegram sender: bot token, API base URL and Telegram's rate limits.

    In AWS the bot token is a SecureString in SSM named by
    ``JIFEN_BOT_TOKEN_PARAM``; local runs set ``JIFEN_BOT_TOKEN``.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    bot_token_param: str | None = None
    bot_token: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    telegram_api_url: str = "https://api.telegram.org"
    notify_messages_per_s: int = Field(default=25, ge=1, le=30)
    """Overall sending rate (Telegram allows about 30 messages per second per bot)."""
    notify_chat_messages_per_s: int = Field(default=1, ge=1, le=1)
    """Per chat: Telegram allows about one message per second to the same chat."""
    notify_default_language: Literal["zh", "en"] = "zh"


def _comma_separated(value: object) -> object:
    """``"1, 2,3"`` → ``["1", "2", "3"]``: lists in one environment variable, no JSON."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class BotSettings(BaseSettings):
    """The Telegram bot: Bot API location, secrets, operators and the shop's fixed packages.

    In AWS the three secrets are SecureStrings in SSM named by the ``*_PARAM``
    variables (read through Powertools with caching); local runs set
    ``JIFEN_BOT_TOKEN``, ``JIFEN_WEBHOOK_SECRET`` and
    ``JIFEN_PAYMENT_PROVIDER_TOKEN`` directly. ``JIFEN_ADMIN_IDS`` lists the
    operators' Telegram user ids, comma-separated.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    bot_token_param: str | None = None
    bot_token: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    webhook_secret_param: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    payment_provider_token_param: str | None = None
    payment_provider_token: SecretStr | None = Field(
        default=None, json_schema_extra={"local_only": True}
    )
    admin_ids: Annotated[frozenset[int], NoDecode, BeforeValidator(_comma_separated)] = frozenset()
    telegram_api_url: str = "https://api.telegram.org"
    shop_packages: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)] = Field(
        default=("100", "500", "1000"), json_schema_extra={"local_only": True}
    )
    """Package prices (yuan) offered when the plan grants a flat ratio instead of tiers.

    Marked local_only: the default suits deployments too, so the template need not set it."""
    time_zone: str = Field(default="Asia/Shanghai", json_schema_extra={"local_only": True})
    """Dates on history and balance screens (the business day's zone, as settlement uses)."""
    telegram_trust_env: bool = Field(default=True, json_schema_extra={"local_only": True})
    """Honour HTTP(S)_PROXY for Bot API calls (tests on loopback turn it off)."""
