"""``jifen dev``'s configuration: the command line and the environment, validated once."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from functions.config import Settings

LOG_PREFIX = "jifen dev:"


class DevError(RuntimeError):
    """Something the developer can fix (bad plan, port taken, ...)."""


@dataclass
class DevConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    table: str = "jifen-dev"
    plan_path: Path | None = None
    merchants_json: str | None = None
    accelerate_s: float | None = None
    start_date: dt.date | None = None
    bot_token: str | None = None
    telegram_api_url: str | None = None
    poll_bot: bool = True
    endpoint: str | None = None
    """An already running DynamoDB endpoint; None starts an embedded one."""
    out: TextIO = field(default_factory=lambda: sys.stdout)
    settings: Settings = field(default_factory=Settings.of)
    """Everything else (time zone, operators, rate limits, ...); the command reads the
    environment's, a test gives its own. The fields above take precedence."""
    log_level: str = "WARNING"
    """The handlers' Powertools log level while the stack runs."""


def config_from(args: argparse.Namespace) -> DevConfig:
    """The command line and environment as a :class:`DevConfig` (ValueError if unusable)."""
    from functions.rewards.errors import Rejected
    from functions.rewards.events import valid_date

    merchants = args.merchants or os.environ.get("JIFEN_MERCHANT_KEYS")
    if merchants and merchants.startswith("@"):
        merchants = Path(merchants[1:]).read_text(encoding="utf-8")
    start: dt.date | None = None
    if args.start_date:
        try:
            start = dt.date.fromisoformat(valid_date(args.start_date))
        except Rejected as exc:
            raise ValueError(f"--start-date: {exc.message}") from None
    if args.accelerate is not None and not args.accelerate > 0:
        raise ValueError("--accelerate needs a positive number of seconds per day")
    plan = args.plan or os.environ.get("JIFEN_PLAN_PATH")
    return DevConfig(
        host=args.host,
        port=args.port,
        table=args.table or os.environ.get("JIFEN_TABLE_NAME") or "jifen-dev",
        plan_path=Path(plan).resolve() if plan else None,
        merchants_json=merchants,
        accelerate_s=args.accelerate,
        start_date=start,
        bot_token=args.bot_token or os.environ.get("JIFEN_BOT_TOKEN"),
        telegram_api_url=args.telegram_api_url or os.environ.get("JIFEN_TELEGRAM_API_URL"),
        poll_bot=not args.no_bot,
        endpoint=os.environ.get("JIFEN_DYNAMODB_ENDPOINT"),
        settings=Settings.from_environment(),
        log_level=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    )
