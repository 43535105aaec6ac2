"""The ``jifen`` command line: the parser, and nothing else.

Every verb's code is imported only when that verb runs (``run="module:function"``
below), so ``jifen --help`` loads no store, no bot and no local tooling. Operator
verbs (scenario, verify, settlement, plan) live in :mod:`functions.commands`; the ones that
run the system locally (demo, dev, bot) live in the ``local`` package, which is never
part of a Lambda artifact.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence


def _scenario(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scenario = commands.add_parser(
        "scenario",
        help="run an event history against a plan and print the JSON report",
        description=(
            "Apply the JSON Lines events in EVENTS (one object per line, '-' for stdin) "
            "to a fresh platform governed by PLAN (YAML), then print one JSON document: "
            "per-member balances, totals, each settlement and every rejected line with "
            "its code. Bad lines are reported and skipped; an invalid plan exits 2. "
            "Formats: ../shared/spec/SCENARIOS.md."
        ),
    )
    scenario.add_argument("plan", metavar="PLAN", help="plan file (YAML)")
    scenario.add_argument("events", metavar="EVENTS", help="events file (JSON Lines) or -")
    scenario.add_argument(
        "--backend",
        choices=("memory", "dynamodb"),
        default="memory",
        help=(
            "memory: the engine's in-memory book (default); dynamodb: the live services on "
            "DynamoDB (JIFEN_DYNAMODB_ENDPOINT, or an embedded local endpoint) — same output"
        ),
    )
    scenario.add_argument("--table", help="table name for --backend dynamodb (default: fresh)")
    scenario.set_defaults(run="functions.commands.scenario:run")


def _demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="simulate a community through the whole local system and summarise it",
        description=(
            "Members join through invite codes (as the bot registers them), buy in the shop "
            "and through the signed merchant API, every day is settled by the settlement "
            "Lambda handler on the embedded DynamoDB, withdrawals are requested, approved "
            "and paid out, and the ledger is audited. --engine runs the pure engine instead."
        ),
    )
    demo.add_argument("--members", type=int, default=200)
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--engine", action="store_true", help="engine only: print the scenario JSON report"
    )
    demo.set_defaults(run="local.demo:run")


def _verify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "verify",
        help="recompute every balance from the journal and compare with the stored items",
        description=(
            "Audit a Jifen table: every member account, platform account and circulating "
            "total is recomputed from the journal, every member's hash chain is checked, "
            "and locked points and statistics are reconciled; withdrawal requests, "
            "idempotency records and orders are paired with the entries that made them. "
            "Exit 0 when clean, 1 on any mismatch, 2 when the table or the chain key cannot "
            "be read. The endpoint comes from JIFEN_DYNAMODB_ENDPOINT, or real AWS with "
            "JIFEN_USE_AWS=1."
        ),
    )
    parser.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    parser.add_argument(
        "--chain-key-param",
        help="SSM SecureString holding the chain keyring (default: JIFEN_CHAIN_KEY_PARAM)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--proofs",
        choices=("latest", "all", "none"),
        default="latest",
        help=(
            "proof-of-liabilities days to rebuild from their stored leaves and compare with "
            "the published records and the table (default: the newest published day)"
        ),
    )
    parser.add_argument("--proof-date", help="also check this day's proof")
    parser.set_defaults(run="functions.commands.verify:run")


def _settlement(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "settlement",
        help="show the settlement sequence; finish an unfinished run",
        description=(
            "status: the last claimed settlement date, whether it is open or done, and for "
            "an open run its pages and how many are applied. run DATE: finish the open run "
            "of DATE, or settle DATE if it is the next date; exit 1 when it is blocked by "
            "another date or refused. The table comes from --table or JIFEN_TABLE_NAME, the "
            "endpoint from JIFEN_DYNAMODB_ENDPOINT (or AWS with JIFEN_USE_AWS=1), the plan "
            "from JIFEN_PLAN_PATH, the chain key from JIFEN_CHAIN_KEY_PARAM (AWS) or the local "
            "key file; notifications go to JIFEN_NOTIFY_QUEUE_URL when set."
        ),
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    status = verbs.add_parser("status", help="the settlement sequence and the open run")
    status.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    status.set_defaults(run="functions.commands.settlement:status")
    finish = verbs.add_parser("run", help="finish the open run of DATE, or settle DATE")
    finish.add_argument("date", metavar="DATE", help="business date, YYYY-MM-DD")
    finish.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    finish.set_defaults(run="functions.commands.settlement:run")
    roster = verbs.add_parser(
        "migrate-roster",
        help="list members by roster items (tables written before issue 16); safe to rerun",
    )
    roster.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    roster.set_defaults(run="functions.commands.settlement:migrate_roster")


def _proof(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "proof",
        help="proof of liabilities: publish a day, export or verify a member's proof",
        description=(
            "publish DATE: build the day's Merkle sum tree over every member's balances from "
            "the table (unless stored already), store it and publish its record (the Object "
            "Lock bucket JIFEN_PROOF_BUCKET, or var/proofs locally). member MEMBER: print a "
            "member's proof file. verify FILE: rebuild the roots from a member's proof and "
            "compare them with the published record (--record FILE or URL, else the configured "
            "publisher's). docs/proof-of-liabilities.md describes every byte."
        ),
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    publish = verbs.add_parser("publish", help="build, store and publish DATE's proof")
    publish.add_argument("date", metavar="DATE", help="a settled business date, YYYY-MM-DD")
    publish.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    publish.set_defaults(run="functions.commands.proof:publish")
    member = verbs.add_parser("member", help="print MEMBER's proof file (newest day)")
    member.add_argument("member", metavar="MEMBER", help="member id, e.g. tg12345")
    member.add_argument("--date", help="a published date (default: the newest)")
    member.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    member.set_defaults(run="functions.commands.proof:member")
    check = verbs.add_parser("verify", help="check a member's proof file against the record")
    check.add_argument("file", metavar="FILE", help="the proof file (JSON) /proof sent")
    check.add_argument("--record", help="the day's published record: a file or an URL")
    check.set_defaults(run="functions.commands.proof:verify")


def _plan(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "plan",
        help="plan versions: list, show, check, dry-run (diff) and publish",
        description=(
            "The reward plan is stored in the table as immutable, numbered versions, each "
            "in effect from a business date (version 1 is the plan file the stack ships, "
            "JIFEN_PLAN_PATH). A PLAN is a YAML file, or vN / current / latest for a stored "
            "version. The table comes from --table or JIFEN_TABLE_NAME, the endpoint from "
            "JIFEN_DYNAMODB_ENDPOINT (or AWS with JIFEN_USE_AWS=1). Exit 0 done, 1 refused "
            "(check errors, unacknowledged warnings, a date already settled, a version "
            "published meanwhile), 2 unusable input. docs/operations.md, 'Change a plan'."
        ),
    )
    verbs = parser.add_subparsers(dest="verb", required=True)

    def table(verb: argparse.ArgumentParser) -> None:
        verb.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")

    def state(verb: argparse.ArgumentParser) -> None:
        source = verb.add_mutually_exclusive_group()
        source.add_argument("--from-table", action="store_true", help="the table's current state")
        source.add_argument(
            "--state",
            metavar="FILE",
            help="a snapshot (jifen plan snapshot) or a scenario history (.jsonl, replayed)",
        )
        verb.add_argument("--days", type=int, default=30, help="days to simulate (default 30)")

    listing = verbs.add_parser("list", help="every version, the one in effect today marked")
    table(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run="functions.commands.plans:list_versions")

    show = verbs.add_parser("show", help="a stored version as YAML (default: the latest)")
    show.add_argument("version", nargs="?", metavar="VERSION", help="vN, current or latest")
    table(show)
    show.add_argument("--json", action="store_true", help="the canonical JSON text")
    show.set_defaults(run="functions.commands.plans:show")

    check = verbs.add_parser(
        "check",
        help="the plan check (合规 / solvency); exit 1 on errors",
        description=(
            "Findings with a severity and a stable code: paid depth, pay for recruitment, "
            "solvency, release multiple, plan hygiene (docs/operations.md). With a state "
            "the depth the team differential reaches and the solvency projection are measured."
        ),
    )
    check.add_argument("plan", metavar="PLAN")
    table(check)
    state(check)
    check.add_argument("--json", action="store_true")
    check.set_defaults(run="functions.commands.plans:check")

    diff = verbs.add_parser(
        "diff",
        help="dry run: the next N days under CURRENT and under CANDIDATE",
        description=(
            "Simulates the next N days twice on the current state with the engine, once per "
            "plan, and reports per day released, forfeited, circulating, locked, reserve, "
            "price, commission and the liability in cash; how many members gain or lose; the "
            "members most affected. New purchases: none, the last 30 days repeated, or a "
            "JSON Lines file of {date, member, amount[, points, category]}."
        ),
    )
    diff.add_argument("current", metavar="CURRENT")
    diff.add_argument("candidate", metavar="CANDIDATE")
    table(diff)
    state(diff)
    diff.add_argument(
        "--purchases", default="none", metavar="none|repeat|FILE", help="new purchases"
    )
    diff.add_argument("--start", help="first day, for a state never settled")
    diff.add_argument("--top", type=int, default=10, help="members listed (default 10)")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(run="functions.commands.plans:diff")

    publish = verbs.add_parser(
        "publish",
        help="publish FILE as the next version from --effective-from",
        description=(
            "Reviews FILE (the date must be after the last settled date and after today; "
            "the plan check; what changes) and publishes it as the next version. Errors "
            "block; warnings need --acknowledge-warnings. Publishing is one transaction and "
            "an audit record (the plans' chain, checked by jifen verify)."
        ),
    )
    publish.add_argument("plan", metavar="FILE")
    publish.add_argument("--effective-from", required=True, metavar="DATE")
    publish.add_argument("--reason", required=True)
    publish.add_argument("--operator", help="who publishes (default: cli:<user>)")
    publish.add_argument("--acknowledge-warnings", action="store_true")
    publish.add_argument(
        "--from-table", action="store_true", help="also measure the check on the table's state"
    )
    table(publish)
    publish.set_defaults(run="functions.commands.plans:publish", days=30)

    snapshot = verbs.add_parser("snapshot", help="the table's state as a file for --state")
    table(snapshot)
    snapshot.add_argument("-o", "--output", help="file to write (default: stdout)")
    snapshot.set_defaults(run="functions.commands.plans:snapshot")


def _bot(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    parser.set_defaults(run="local.bot:run")


def _dev(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "dev",
        help="run locally: DynamoDB, the merchant API, settlement on demand, the bot",
        description=(
            "Start a local DynamoDB (unless JIFEN_DYNAMODB_ENDPOINT names one), create the "
            "table from template.yaml and serve the merchant API (POST /orders, the real "
            "Lambda handler) plus /dev/settle, /dev/members and /dev/health on one port. "
            "With a bot token the bot polls Telegram too. Ctrl-C stops everything."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--table", default=None, help="table name (default: JIFEN_TABLE_NAME)")
    parser.add_argument("--plan", help="plan file (default: JIFEN_PLAN_PATH or dividend.yaml)")
    parser.add_argument(
        "--merchants",
        help=(
            "merchant keys JSON, or @FILE (default: JIFEN_MERCHANT_KEYS, else a generated "
            "'demo' merchant at the plan's lowest rebate)"
        ),
    )
    parser.add_argument(
        "--accelerate",
        type=float,
        metavar="SECONDS_PER_DAY",
        help="settle one simulated day every SECONDS_PER_DAY seconds",
    )
    parser.add_argument(
        "--start-date", help="first simulated day for --accelerate (default: today)"
    )
    parser.add_argument("--bot-token", help="run the bot by polling (default: JIFEN_BOT_TOKEN)")
    parser.add_argument(
        "--telegram-api-url", help="Bot API base URL (default: JIFEN_TELEGRAM_API_URL)"
    )
    parser.add_argument(
        "--no-bot",
        action="store_true",
        help="do not poll even with a token (settlement notifications are still sent)",
    )
    parser.set_defaults(run="local.dev.command:run")


def _web(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "web",
        help="the web side's maintenance: rebuild the console's name index",
        description=(
            "index-names: file every member under their display name for the console's "
            "search by name (members registered before the index existed, or whose entry a "
            "crash lost). Reads the member listing once; safe to rerun."
        ),
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    names = verbs.add_parser("index-names", help="file every member under their display name")
    names.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    names.set_defaults(run="functions.commands.web:index_names")


def _month_close(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Issue 13: the monthly close of roles and commissions, by hand."""
    parser = commands.add_parser(
        "month-close",
        help="close (or finish closing) a month of roles and monthly commissions",
        description=(
            "Pay MONTH's ladder and team performance into commission wallets and move roles "
            "(what MonthCloseFunction does on the 1st); each member once, whatever is rerun. "
            "Exit 1 when the plan has no roles that month, when the close is refused, or "
            "when an earlier month's close is unfinished. Table, endpoint, plan and chain "
            "key as for `jifen settlement`."
        ),
    )
    parser.add_argument("month", metavar="MONTH", help="the month, YYYY-MM")
    parser.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    parser.set_defaults(run="functions.commands.month_close:run")


VERBS = (_scenario, _demo, _verify, _settlement, _plan, _proof, _web, _bot, _dev, _month_close)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jifen",
        description="Jifen: consumption-points rewards engine, ledger and bot.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add in VERBS:
        add(commands)
    return parser


def _resolve(target: str) -> Callable[[argparse.Namespace], int]:
    module, _, name = target.partition(":")
    run: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
    return run


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _resolve(args.run)(args)


if __name__ == "__main__":
    sys.exit(main())
