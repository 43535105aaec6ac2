"""Environment as validated settings, read once at cold start."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class PlanSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    plan_path: Path = REPO_ROOT / "infra" / "plans" / "dividend.yaml"
