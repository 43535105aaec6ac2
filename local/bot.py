"""``jifen bot``: the Telegram bot with long polling, for local use.

The same Application as the Lambda webhook (:func:`bot.application.build_application`)
on the configured store and plan; the Bot API base URL may point at a
self-hosted Bot API server or a test server (``--api-url``). Without
``JIFEN_DYNAMODB_ENDPOINT`` the embedded local endpoint is started, whose data
ends with the process. Its parser is in :mod:`functions.cli`.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    """Build the application on the configured ledger and poll until interrupted."""
    from pathlib import Path

    from pydantic import ValidationError

    from bot.application import JifenApplication, build_application, publish_commands
    from functions.config import Settings
    from functions.rewards.plan import PlanError
    from functions.runtime import Runtime

    from .runtime import with_endpoint

    try:
        configured = Settings.from_environment()
        if args.plan:
            configured = configured.replace(plan={"plan_path": Path.cwd() / args.plan})
        probe = Runtime(configured)  # no endpoint yet: nothing starts before these pass
        settings = probe.bot_settings()
        probe.plan  # noqa: B018 - validate the plan
    except (ValidationError, PlanError, OSError) as exc:
        print(f"jifen bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.api_url:
        settings = settings.model_copy(update={"telegram_api_url": args.api_url})
    if settings.bot_token is None:
        print("jifen bot: set JIFEN_BOT_TOKEN (or JIFEN_BOT_TOKEN_PARAM)", file=sys.stderr)
        return EXIT_USAGE
    runtime = Runtime(with_endpoint(configured))
    application = build_application(
        runtime.ledger, settings, polling=True, bot_store=runtime.bot_store, proofs=runtime.proofs
    )

    async def announce(app: JifenApplication) -> None:
        await publish_commands(app, settings.admin_ids)
        print(f"jifen bot: polling as @{app.bot.username} on {settings.telegram_api_url}")

    application.post_init = announce
    application.run_polling(allowed_updates=["message", "callback_query", "pre_checkout_query"])
    return EXIT_OK
