"""``jifen month-close MONTH``: close (or finish closing) a month of roles and commissions.

What ``MonthCloseFunction`` does with ``{"month": MONTH}`` (issue 13), here: the ladder
and team performance of MONTH paid into commission wallets and roles moved, each
member once whatever is rerun. Exit 1 when the plan has no roles that month, the close
is refused, or an earlier month's close is unfinished (close that one first).
"""

from __future__ import annotations

import argparse
import json
import sys

from .settlement import EXIT_NOT_SETTLED, EXIT_OK, EXIT_USAGE, _runtime


def run(args: argparse.Namespace) -> int:
    """``jifen month-close MONTH [--table NAME]``: prints the month's row as JSON."""
    from functions.rewards.errors import Rejected
    from functions.rewards.roles import month_end, valid_month
    from functions.services.programs.month_close import MonthCloseBlocked, run_month_close

    from .existing_table import TargetError, resolve

    if valid_month(args.month) is None:
        print(f"jifen month-close: not a month: {args.month!r} (YYYY-MM)", file=sys.stderr)
        return EXIT_USAGE
    try:
        target = resolve(args.table)
    except TargetError as exc:
        print(f"jifen month-close: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ledger = _runtime(target).ledger
    if ledger.plan_on(month_end(args.month)).roles is None:
        outcome: dict[str, object] = {"month": args.month, "status": "off"}
    else:
        try:
            outcome = run_month_close(ledger, args.month)
        except MonthCloseBlocked as blocked:
            outcome = {"month": args.month, "status": "blocked", "blocked_by": blocked.blocked_by}
        except Rejected as refused:
            outcome = {"month": args.month, "status": "refused", "code": refused.code.value}
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
    return EXIT_OK if outcome["status"] in {"closed", "already_closed"} else EXIT_NOT_SETTLED
