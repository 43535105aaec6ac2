"""``jifen scenario``: an event history against a plan, reported as one JSON document."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TextIO

from functions.plans import load_plan
from functions.rewards.book import MemoryBook
from functions.rewards.plan import Plan, PlanError
from functions.rewards.report import RejectionRow, SettlementRow, write_report
from functions.rewards.scenario import ScenarioBackend, run_line
from functions.rewards.versions import version_rows

EXIT_OK = 0
EXIT_BAD_INPUT = 2


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


def run_scenario(plan: Plan, lines: Iterator[str], backend: ScenarioBackend, out: TextIO) -> None:
    """Stream ``lines`` through ``backend`` and write the report to ``out``.

    ``plan`` is the history's first version. The report names the version in effect
    on the current business date; a history with plan events also lists them all
    (``plan_versions``), one without gives exactly the report it always gave.
    """
    settlements, rejected = _RowSpool(), _RowSpool()
    try:
        for number, text in enumerate(lines, start=1):
            row = run_line(backend, number, text)
            if isinstance(row, SettlementRow):
                settlements.add(row.as_json())
            elif isinstance(row, RejectionRow):
                rejected.add(row.as_json())
        history = backend.plan_history()
        write_report(
            out,
            plan=backend.current_plan().name,
            members=backend.member_lines(),
            totals=backend.totals(),
            settlements=settlements,
            rejected=rejected,
            plan_versions=version_rows(history) if len(history) > 1 else None,
            sections=backend.program_sections(),
        )
    finally:
        settlements.close()
        rejected.close()


def _open_events(path: str) -> IO[str]:
    if path == "-":
        return sys.stdin
    return open(path, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """``jifen scenario PLAN EVENTS [--backend memory|dynamodb] [--table NAME]``."""
    try:
        plan = load_plan(Path.cwd() / args.plan)
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

    from functions.config import Settings
    from functions.services.ledger import Ledger
    from functions.services.scenario_backend import DynamoBackend, sequence_clock
    from local.runtime import local_runtime

    settings = Settings.from_environment()
    name = table or f"jifen-scenario-{uuid.uuid4().hex[:10]}"
    runtime = local_runtime(settings.replace(store={"table_name": name}))
    return DynamoBackend(Ledger(runtime.stores.ledger, plan, clock=sequence_clock().__next__))
