"""``jifen plan``: list, show, check, dry-run (diff) and publish plan versions.

* ``list`` / ``show [VERSION]``: the versions in the table (the first read of a table
  without any publishes version 1 from ``JIFEN_PLAN_PATH``, as the deployed stack does).
* ``check PLAN``: the plan check's findings; exit 1 on errors.
* ``diff CURRENT CANDIDATE --days N``: the next N days simulated twice on the current
  state (the table, ``--from-table``, or ``--state FILE``) by the engine.
* ``publish FILE --effective-from DATE --reason TEXT``: review (effective date, the
  check, what changes), then publish; errors block, warnings need
  ``--acknowledge-warnings``.
* ``snapshot``: the table's state as a file for ``--state``.

A PLAN argument is a YAML file, or ``vN`` / ``current`` / ``latest`` for a stored
version. The table is reached as ``jifen verify`` reaches it
(:mod:`functions.commands.existing_table`): never a fresh embedded endpoint.
Exit codes: 0 done, 1 refused (findings, dates, a version published meanwhile),
2 unusable input (a file, the table, an argument).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from functions.rewards.plan import Plan
    from functions.rewards.simulation import PlatformState, Purchases, RecentOrder
    from functions.runtime import Runtime
    from functions.store.records import PlanVersionRecord

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
VERSION_REF = re.compile(r"^(?:v(\d+)|current|latest)$")


class _Usage(Exception):
    """Bad input: the message is for the operator (exit 2)."""


def _say(message: str) -> None:
    print(f"jifen plan: {message}", file=sys.stderr)


def _runtime(table: str | None) -> Runtime:
    """The runtime of an existing table (settings otherwise from the environment)."""
    from functions.config import Settings
    from functions.runtime import Runtime

    from .existing_table import TargetError, resolve

    try:
        target = resolve(table)
    except TargetError as exc:
        raise _Usage(str(exc)) from None
    store: dict[str, Any] = {"table_name": target.table, "region": target.region}
    store["create_table"] = False
    if target.endpoint is None:
        store["use_aws"] = True
    else:
        store["dynamodb_endpoint"] = target.endpoint
    return Runtime(Settings.from_environment().replace(store=store))


def _run(body: Any, args: argparse.Namespace) -> int:
    from functions.rewards.errors import Rejected

    try:
        code: int = body(args)
    except _Usage as exc:
        _say(str(exc))
        return EXIT_USAGE
    except Rejected as exc:
        _say(f"{exc.code.value}: {exc.message}")
        return EXIT_REFUSED
    return code


# -- plans from files or the table -----------------------------------------------


def _read(path: str) -> str:
    try:
        return (Path.cwd() / path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"cannot read {path}: {exc}") from None


def _stored(runtime: Runtime, ref: str) -> PlanVersionRecord:
    match = VERSION_REF.match(ref)
    assert match is not None
    number = int(match.group(1)) if match.group(1) else None
    publisher = runtime.plan_publisher
    if ref == "current":
        return publisher.version(publisher.in_effect().number)
    return publisher.version(number)


def _plan(ref: str, runtime: Runtime | None) -> tuple[Plan, str]:
    """A plan and how to name it, from a file or a stored version."""
    from functions.rewards.plan import PlanError, load_plan_text

    if VERSION_REF.match(ref):
        if runtime is None:
            raise _Usage(f"{ref} names a stored version: give --table (or JIFEN_TABLE_NAME)")
        record = _stored(runtime, ref)
        return load_plan_text(record.text), f"{record.name!r} (v{record.version})"
    try:
        plan = load_plan_text(_read(ref))
    except PlanError as exc:
        raise _Usage(f"invalid plan {ref}: {exc}") from None
    return plan, f"{plan.name!r} ({ref})"


def _needs_table(args: argparse.Namespace, *refs: str) -> bool:
    return bool(getattr(args, "from_table", False)) or any(VERSION_REF.match(r) for r in refs)


# -- the state --------------------------------------------------------------------


def _state(args: argparse.Namespace, runtime: Runtime | None, plan: Plan) -> PlatformState | None:
    """The state to measure on: the table's, a snapshot file, a replayed history, or none."""
    from functions.rewards.snapshot_json import state_from_json

    if getattr(args, "from_table", False):
        assert runtime is not None
        from functions.services.plan_dry_run import state_from_store

        return state_from_store(runtime.stores.ledger, now_us=runtime.clock(), zone=runtime.zone)
    path = getattr(args, "state", None)
    if not path:
        return None
    text = _read(path)
    if path.endswith(".jsonl"):
        return _replayed(text, plan)
    try:
        return state_from_json(json.loads(text))
    except ValueError as exc:
        raise _Usage(f"{path} is not a state snapshot: {exc}") from None


def _replayed(text: str, plan: Plan) -> PlatformState:
    """A scenario history (JSON Lines) replayed by the engine under ``plan``."""
    from functions.rewards.book import MemoryBook
    from functions.rewards.scenario import run_line
    from functions.rewards.simulation import state_of_book

    book = MemoryBook(plan)
    for number, line in enumerate(text.splitlines(), start=1):
        run_line(book, number, line)
    return state_of_book(book)


def _purchases(args: argparse.Namespace, state: PlatformState, start: str) -> Purchases:
    from functions.rewards.simulation import NO_PURCHASES, repeat_recent, scripted

    how = args.purchases
    if how == "none":
        return NO_PURCHASES
    if how == "repeat":
        return repeat_recent(state, args.days, start)
    orders = []
    for number, line in enumerate(_read(how).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            orders.append(_scripted_order(event))
        except (ValueError, KeyError, TypeError) as exc:
            raise _Usage(f"{how} line {number}: {exc}") from None
    return scripted(orders, args.days, start)


def _scripted_order(event: dict[str, Any]) -> RecentOrder:
    """``{"date": D, "member": M, "amount": "12.50", "points": "1", "category": C}``."""
    from functions.rewards.events import valid_date
    from functions.rewards.money import parse_cents
    from functions.rewards.simulation import RecentOrder

    return RecentOrder(
        valid_date(event["date"]),
        str(event["member"]),
        parse_cents(event["amount"]),
        parse_cents(event.get("points", "0")),
        event.get("category"),
    )


# -- the verbs ------------------------------------------------------------------------


def list_versions(args: argparse.Namespace) -> int:
    """``jifen plan list``."""

    def body(args: argparse.Namespace) -> int:
        runtime = _runtime(args.table)
        publisher = runtime.plan_publisher
        versions = publisher.versions()
        current = publisher.in_effect().number
        rows = [
            {
                "version": v.version,
                "name": v.name,
                "effective_from": v.effective_from,
                "operator": v.operator,
                "reason": v.reason,
                "published_at": dt.datetime.fromtimestamp(v.published_at / 1e6, runtime.zone)
                .replace(microsecond=0)
                .isoformat(),
                "in_effect": v.version == current,
            }
            for v in versions
        ]
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
            return EXIT_OK
        for row in rows:
            mark = "*" if row["in_effect"] else " "
            print(
                f"{mark} v{row['version']:<3} {row['name']:<16} from "
                f"{row['effective_from'] or 'the start':<10}  {row['published_at']}  "
                f"{row['operator']}: {row['reason']}"
            )
        print("(* in effect today)")
        return EXIT_OK

    return _run(body, args)


def show(args: argparse.Namespace) -> int:
    """``jifen plan show [VERSION]``: the stored canonical plan, as YAML."""

    def body(args: argparse.Namespace) -> int:
        import yaml

        ref = args.version or "latest"
        if not VERSION_REF.match(ref):
            raise _Usage(f"not a version: {ref!r} (vN, current or latest)")
        record = _stored(_runtime(args.table), ref)
        if args.json:
            print(record.text)
            return EXIT_OK
        print(
            f"# v{record.version} {record.name}, in effect from "
            f"{record.effective_from or 'the start'}; {record.operator}: {record.reason}"
        )
        data = json.loads(record.text)
        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="")
        return EXIT_OK

    return _run(body, args)


def check(args: argparse.Namespace) -> int:
    """``jifen plan check PLAN``: exit 1 when the check finds errors."""

    def body(args: argparse.Namespace) -> int:
        from functions.commands import plan_report
        from functions.rewards.plan_check import check_plan, check_plan_text
        from functions.rewards.plan_findings import CheckLimits

        runtime = _runtime(args.table) if _needs_table(args, args.plan) else None
        limits = CheckLimits(days=args.days)
        if VERSION_REF.match(args.plan):
            plan, _ = _plan(args.plan, runtime)
            state = _state(args, runtime, plan)
            findings = check_plan(plan, state=state, limits=limits)
        else:
            text = _read(args.plan)
            loaded, findings = check_plan_text(text, limits=limits)
            if loaded is not None and (args.from_table or args.state):
                state = _state(args, runtime, loaded)
                findings = check_plan(loaded, state=state, limits=limits)
        if args.json:
            print(json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(plan_report.findings_text(findings))
        errors = any(f.severity == "error" for f in findings)
        return EXIT_REFUSED if errors else EXIT_OK

    return _run(body, args)


def diff(args: argparse.Namespace) -> int:
    """``jifen plan diff CURRENT CANDIDATE --days N``: the dry run of both plans."""

    def body(args: argparse.Namespace) -> int:
        from functions.commands import plan_report
        from functions.rewards.comparison import compare
        from functions.rewards.plan_changes import plan_changes
        from functions.rewards.versions import next_day

        if args.days < 1:
            raise _Usage("--days must be at least 1")
        runtime = _runtime(args.table) if _needs_table(args, args.current, args.candidate) else None
        current, current_name = _plan(args.current, runtime)
        candidate, candidate_name = _plan(args.candidate, runtime)
        state = _state(args, runtime, current)
        if state is None:
            raise _Usage("give the state to simulate on: --from-table or --state FILE")
        start = next_day(state.last_settled) if state.last_settled else args.start
        if start is None:
            raise _Usage("the state was never settled: give the first day with --start")
        purchases = _purchases(args, state, start)
        comparison = compare(
            current, candidate, state, args.days, purchases, start=start, top=args.top
        )
        changes = plan_changes(current, candidate)
        if args.json:
            report = {
                "current": current_name,
                "candidate": candidate_name,
                "changes": [{"key": k, "current": a, "candidate": b} for k, a, b in changes],
                **comparison.as_json(),
            }
            print(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(plan_report.changes_text(changes))
            sys.stdout.write(plan_report.diff_text(comparison, current_name, candidate_name))
        return EXIT_OK

    return _run(body, args)


def publish(args: argparse.Namespace) -> int:
    """``jifen plan publish FILE --effective-from DATE --reason TEXT``."""

    def body(args: argparse.Namespace) -> int:
        from functions.commands import plan_report
        from functions.rewards.errors import Rejected
        from functions.rewards.events import valid_date

        try:
            valid_date(args.effective_from)
        except Rejected:
            raise _Usage(f"--effective-from: not a date: {args.effective_from!r}") from None
        text = _read(args.plan)
        runtime = _runtime(args.table)
        publisher = runtime.plan_publisher
        state = None
        if args.from_table:
            from functions.services.plan_dry_run import state_from_store

            state = state_from_store(
                runtime.stores.ledger, now_us=runtime.clock(), zone=runtime.zone, with_orders=False
            )
        review = publisher.review(text, args.effective_from, state=state)
        print(
            f"candidate: v{review.version} "
            f"{review.plan.name if review.plan else '(does not load)'} from "
            f"{review.effective_from}, on top of v{review.version - 1}"
        )
        sys.stdout.write(plan_report.changes_text(review.changes))
        sys.stdout.write(plan_report.findings_text(review.findings))
        if review.plan is None or review.errors:
            _say("not published: the plan check found errors")
            return EXIT_REFUSED
        if review.warnings and not args.acknowledge_warnings:
            _say("not published: read the warnings, then publish with --acknowledge-warnings")
            return EXIT_REFUSED
        operator = args.operator or f"cli:{getpass.getuser()}"
        record = publisher.publish(
            review,
            reason=args.reason,
            operator=operator,
            acknowledge_warnings=args.acknowledge_warnings,
        )
        print(
            f"published v{record.version} {record.name!r}, in effect from "
            f"{record.effective_from} (by {record.operator})"
        )
        return EXIT_OK

    return _run(body, args)


def snapshot(args: argparse.Namespace) -> int:
    """``jifen plan snapshot``: the table's state (members, totals, recent orders) as JSON."""

    def body(args: argparse.Namespace) -> int:
        from functions.rewards.snapshot_json import state_as_json
        from functions.services.plan_dry_run import state_from_store

        runtime = _runtime(args.table)
        state = state_from_store(runtime.stores.ledger, now_us=runtime.clock(), zone=runtime.zone)
        text = json.dumps(state_as_json(state), ensure_ascii=False)
        if args.output and args.output != "-":
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
        return EXIT_OK

    return _run(body, args)
