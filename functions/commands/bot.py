"""``jifen bot``: the Telegram bot with long polling, for local use.

The same Application as the Lambda webhook (:func:`bot.application.build_application`)
on the configured store and plan; the Bot API base URL may point at a
self-hosted Bot API server or a test server (``--api-url``). Without
``JIFEN_DYNAMODB_ENDPOINT`` the embedded local endpoint is started, whose data
ends with the process.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2


def register(commands: Any) -> None:
    """Add ``bot`` to the ``jifen`` sub-commands."""
    parser = commands.add_parser(
        "bot",
        help="run the Telegram bot with long polling (local use)",
        description=(
            "Run the member bot by long polling. The token comes from JIFEN_BOT_TOKEN (or the "
            "SSM parameter named by JIFEN_BOT_TOKEN_PARAM), operators from JIFEN_ADMIN_IDS, "
            "the store from JIFEN_DYNAMODB_ENDPOINT (embedded endpoint when unset) and the plan "
            "from JIFEN_PLAN_PATH. Stop with Ctrl-C."
        ),
    )
    parser.add_argument(
        "--api-url",
        help="Bot API base URL (default: JIFEN_TELEGRAM_API_URL or https://api.telegram.org)",
    )
    parser.add_argument("--plan", help="plan file (default: JIFEN_PLAN_PATH or dividend.yaml)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Build the application on the configured ledger and poll until interrupted."""
    from pathlib import Path

    from pydantic import ValidationError

    from bot.application import JifenApplication, build_application, publish_commands
    from functions.config import BotSettings, PlanSettings
    from functions.handlers.telegram_webhook import resolved_settings
    from functions.rewards.plan import PlanError
    from functions.services.runtime import load_configured_plan, open_ledger, open_storage

    try:
        settings = resolved_settings(BotSettings())
        plan_settings = PlanSettings(plan_path=Path(args.plan)) if args.plan else PlanSettings()
        plan = load_configured_plan(plan_settings)
    except (ValidationError, PlanError, OSError) as exc:
        print(f"jifen bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.api_url:
        settings = settings.model_copy(update={"telegram_api_url": args.api_url})
    if settings.bot_token is None:
        print("jifen bot: set JIFEN_BOT_TOKEN (or JIFEN_BOT_TOKEN_PARAM)", file=sys.stderr)
        return EXIT_USAGE
    storage = open_storage()
    application = build_application(
        open_ledger(plan=plan, store=storage.ledger), settings, bot_store=storage.bot, polling=True
    )

    async def announce(app: JifenApplication) -> None:
        await publish_commands(app)
        print(f"jifen bot: polling as @{app.bot.username} on {settings.telegram_api_url}")

    application.post_init = announce
    application.run_polling(allowed_updates=["message", "callback_query", "pre_checkout_query"])
    return EXIT_OK
