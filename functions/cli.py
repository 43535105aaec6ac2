"""The ``jifen`` command line: scenario runs and the demo (more verbs arrive with the store)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TextIO

from functions.rewards.book import MemoryBook
from functions.rewards.plan import Plan, PlanError, load_plan_text
from functions.rewards.report import RejectionRow, SettlementRow, write_report
from functions.rewards.scenario import ScenarioBackend, run_line

EXIT_OK = 0
EXIT_BAD_INPUT = 2
REPO_ROOT = Path(__file__).resolve().parents[1]
PLANS_DIR = REPO_ROOT / "infra" / "plans"


class _RowSpool:
    """JSON rows parked in a temporary file until the report is written (bounded memory)."""

    def __init__(self) -> None:
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, row: Mapping[str, object]) -> None:
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")

    def __iter__(self) -> Iterator[Mapping[str, object]]:
        self._file.seek(0)
        for text in self._file:
            yield json.loads(text)

    def close(self) -> None:
        self._file.close()


def load_plan(path: Path) -> Plan:
    """Read and validate a plan file (raises PlanError or OSError)."""
    return load_plan_text(path.read_text(encoding="utf-8"))


def run_scenario(plan: Plan, lines: Iterator[str], backend: ScenarioBackend, out: TextIO) -> None:
    """Stream ``lines`` through ``backend`` and write the report to ``out``."""
    settlements, rejected = _RowSpool(), _RowSpool()
    try:
        for number, text in enumerate(lines, start=1):
            row = run_line(backend, number, text)
            if isinstance(row, SettlementRow):
                settlements.add(row.as_json())
            elif isinstance(row, RejectionRow):
                rejected.add(row.as_json())
        write_report(
            out,
            plan=plan.name,
            members=backend.member_lines(),
            totals=backend.totals(),
            settlements=settlements,
            rejected=rejected,
        )
    finally:
        settlements.close()
        rejected.close()


def _open_events(path: str) -> IO[str]:
    if path == "-":
        return sys.stdin
    return open(path, encoding="utf-8")


def _cmd_scenario(args: argparse.Namespace) -> int:
    try:
        plan = load_plan(Path(args.plan))
    except PlanError as exc:
        print(f"jifen: invalid plan {args.plan}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"jifen: cannot read plan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        events = _open_events(args.events)
    except OSError as exc:
        print(f"jifen: cannot read events: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with events:
        backend: ScenarioBackend
        if args.backend == "dynamodb":
            backend = _dynamodb_backend(plan, args.table)
        else:
            backend = MemoryBook(plan)
        run_scenario(plan, (line.rstrip("\n") for line in events), backend, sys.stdout)
    return EXIT_OK


def _dynamodb_backend(plan: Plan, table: str | None) -> ScenarioBackend:
    """A fresh table (unique name unless given) on the configured or embedded endpoint."""
    import uuid

    from functions.config import StoreSettings
    from functions.services.ledger import Ledger
    from functions.services.runtime import open_store
    from functions.services.scenario_backend import DynamoBackend, sequence_clock

    settings = StoreSettings()
    settings.table_name = table or f"jifen-scenario-{uuid.uuid4().hex[:10]}"
    store = open_store(settings)
    return DynamoBackend(Ledger(store, plan, clock=sequence_clock().__next__))


def _cmd_demo(args: argparse.Namespace) -> int:
    from functions.demo import run_demo, run_engine_demo

    demo = run_engine_demo if args.engine else run_demo
    return demo(members=args.members, days=args.days, seed=args.seed, out=sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jifen",
        description="Jifen: consumption-points rewards engine, ledger and bot.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

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
    scenario.set_defaults(handler=_cmd_scenario)

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
    demo.set_defaults(handler=_cmd_demo)

    import importlib

    from functions.commands import MODULES

    for name in MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
