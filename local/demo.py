"""``jifen demo``: a community simulated through the real system, then summarised.

Members join through invite codes exactly as the bot registers them, buy in
the shop (the Telegram Payments path) and at a merchant (the signed merchant
API handler), every day is settled by the real settlement Lambda handler on
the embedded DynamoDB endpoint, withdrawals are requested and approved as the
bot's member and operator screens do, the T+1 payout batch runs, and
``jifen verify`` audits the ledger at the end. ``--engine`` runs the same kind
of history through the pure engine only (fast, prints the scenario JSON).

The system is one :class:`~functions.runtime.Runtime` built from explicit settings
(the environment is neither read nor written); the handlers are called through the
functions that take it (``handle(runtime, event, context)``), as Lambda would with
the container's own.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from functions.commands.scenario import run_scenario
from functions.config import REPO_ROOT
from functions.plans import load_plan, preset
from functions.rewards.book import MemoryBook
from functions.rewards.errors import Rejected
from functions.rewards.money import format_cents

from .lambda_fakes import LambdaContext, http_api_event, scheduled_event
from .runtime import handler_logs
from .simulation import community_history

DEMO_ZONE = "Asia/Shanghai"
MERCHANT = "demo-mall"
PACKAGES_CENTS = (300_000, 300_000, 300_000, 900_000)


@dataclass
class DayFigures:
    date: str
    joined: int = 0
    shop_orders: int = 0
    merchant_orders: int = 0
    settled: dict[str, Any] = field(default_factory=dict)
    withdrawals: int = 0
    price: str | None = None


def run(args: argparse.Namespace) -> int:
    """``jifen demo [--engine]``."""
    demo = run_engine_demo if args.engine else run_demo
    return demo(members=args.members, days=args.days, seed=args.seed, out=sys.stdout)


def run_demo(*, members: int, days: int, seed: int, out: TextIO) -> int:
    """Simulate ``members`` joining over ``days`` settled days; print a summary."""
    started = time.perf_counter()
    with _DemoSystem(seed) as system:
        figures = list(system.simulate(members, days, out))
        payout = system.pay_out()
        audit = system.audit()
        out.write(summarise(system, figures, payout, audit, time.perf_counter() - started))
        out.write(web_pages(system))
    return 0 if audit["ok"] else 1


def web_pages(system: _DemoSystem) -> str:
    """The public board and the operators' dashboard as files under var/demo/ (their paths)."""
    from web.static_pages import write_pages

    written = write_pages(system.runtime, REPO_ROOT / "var" / "demo")
    lines = ["web pages (open in a browser; no server needed):"]
    lines += [f"  {path}" for path in written]
    return "\n".join(lines) + "\n"


def run_engine_demo(*, members: int, days: int, seed: int, out: TextIO) -> int:
    """The engine alone on a generated history: print the scenario JSON report."""
    plan = load_plan(preset("dividend"))
    lines = (json.dumps(event) for event in community_history(members, days, seed))
    buffer = io.StringIO()
    run_scenario(plan, lines, MemoryBook(plan), buffer)
    out.write(buffer.getvalue())
    return 0


class _DemoSystem:
    """The local system: embedded DynamoDB, the real handlers, the bot's member services."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.key = uuid.uuid4().hex
        self.table = f"jifen-demo-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> _DemoSystem:
        from functions.config import Settings
        from functions.runtime import CountingMetrics, Runtime
        from functions.services.members import Members
        from local.endpoint import embedded_endpoint

        settings = Settings.of(
            store={
                "dynamodb_endpoint": embedded_endpoint(),
                "table_name": self.table,
                "create_table": True,
            },
            plan={"plan_path": preset("demo")},
            merchant_api={
                "merchant_keys": json.dumps({MERCHANT: {"key": self.key, "rebate": "0.10"}})
            },
            schedule={"time_zone": DEMO_ZONE},
            # one folder per run: reports are keyed by date, and each run has its own table
            payout={"payout_dir": REPO_ROOT / "var" / "demo-payouts" / self.table},
            # and its own proof-of-liabilities records (published after each settlement)
            proof={"proof_dir": REPO_ROOT / "var" / "demo-proofs" / self.table},
        )
        self.runtime = Runtime(settings, metrics=CountingMetrics())
        self._cleanup = contextlib.ExitStack()
        self._cleanup.callback(self.runtime.close)
        self._cleanup.enter_context(handler_logs("ERROR"))
        self.ledger = self.runtime.ledger
        self.members = Members(self.ledger, self.runtime.bot_store)
        return self

    def __exit__(self, *exc: object) -> None:
        self._cleanup.close()

    # -- the simulation ------------------------------------------------------
    def simulate(self, members: int, days: int, out: TextIO) -> Iterator[DayFigures]:
        start = dt.date(2026, 1, 1)
        joined: list[tuple[int, str]] = []  # (telegram id, invite code)
        per_day = max(1, -(-members // max(1, days * 2 // 3)))
        for day in range(days):
            date = start + dt.timedelta(days=day)
            figures = DayFigures(date.isoformat())
            for _ in range(min(per_day, members - len(joined))):
                telegram_id = 7_000_000 + len(joined)
                inviter = self._inviter(joined)
                code = self._register(telegram_id, inviter)
                joined.append((telegram_id, code))
                figures.joined += 1
                if self.rng.random() < 0.7:
                    figures.shop_orders += self._shop(telegram_id, day)
            for telegram_id, _ in self.rng.sample(joined, k=min(len(joined), len(joined) // 12)):
                figures.merchant_orders += self._merchant_order(telegram_id)
            figures.settled = self._settle(date)
            if day >= 5:
                figures.withdrawals = self._withdrawals(joined, day)
            figures.price = _price(self.ledger.price())
            out.write(
                f"  {figures.date}: +{figures.joined} members, {figures.shop_orders} shop and "
                f"{figures.merchant_orders} merchant orders, {figures.settled['members']} settled, "
                f"{figures.withdrawals} withdrawals, price {figures.price}\n"
            )
            out.flush()
            yield figures

    def _inviter(self, joined: list[tuple[int, str]]) -> str | None:
        if len(joined) < 3 or self.rng.random() < 0.05:
            return None  # a few members arrive without an invite link
        # recent and early members both share links; the earliest built the biggest teams
        pool = joined[: max(3, len(joined) // 4)] if self.rng.random() < 0.5 else joined
        return self.rng.choice(pool)[1]

    def _register(self, telegram_id: int, invite_code: str | None) -> str:
        """What /start <code> followed by sharing one's own contact does in the bot."""
        self.members.remember_visitor(telegram_id, invite_code=invite_code, language="zh")
        registration = self.members.register(
            telegram_id=telegram_id,
            phone=f"+86138{telegram_id:08d}",
            language="zh",
            display_name=f"member {telegram_id}",
            key=f"tg:demo-join-{telegram_id}",
        )
        code = registration.member.invite_code
        assert code is not None
        return code

    def _shop(self, telegram_id: int, day: int) -> int:
        """A Telegram Payments checkout: catalogue check, then the successful payment."""
        member = self.members.by_telegram(telegram_id)
        assert member is not None
        amount = self.rng.choice(PACKAGES_CENTS)
        try:
            self.members.check_order(member, amount, 0, amount)
            self.members.pay(member, amount, 0, f"charge-{telegram_id}-{day}")
        except Rejected:
            return 0
        return 1

    def _merchant_order(self, telegram_id: int) -> int:
        """A signed POST /orders from the partner mall, through the real handler."""
        from functions.handlers import merchant_api
        from functions.services.members import member_id_for

        body = json.dumps(
            {
                "order_id": uuid.uuid4().hex[:12],
                "member": member_id_for(telegram_id),
                "amount": f"{self.rng.randint(50, 800)}.{self.rng.randint(0, 99):02d}",
                "category": "mall",
            }
        ).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(self.key.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        headers = [
            ("content-type", "application/json"),
            ("x-jifen-merchant", MERCHANT),
            ("x-jifen-timestamp", stamp),
            ("x-jifen-signature", signature.hexdigest()),
        ]
        event = http_api_event("POST", "/orders", headers, body, source_ip="127.0.0.1")
        context: Any = LambdaContext("jifen-demo-merchant-api")
        response = merchant_api.handle(self.runtime, event, context)
        return 1 if response["statusCode"] in (200, 201) else 0

    def _settle(self, date: dt.date) -> dict[str, Any]:
        """The scheduled settlement Lambda, fired at 00:30 local the next morning."""
        from functions.handlers import settlement

        event = scheduled_event(
            dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 30), tzinfo=_zone())
        )
        context: Any = LambdaContext("jifen-demo-settlement", remaining_ms=900_000)
        outcome = settlement.handle(self.runtime, event, context)
        run = self.ledger.store.settlement_run(date.isoformat())
        totals = json.loads(run.totals) if run is not None else {}
        return {**totals, "members": totals.get("members", 0), "status": outcome["status"]}

    def _withdrawals(self, joined: list[tuple[int, str]], day: int) -> int:
        """Members ask to cash out; the operator approves most and rejects the odd one."""
        done = 0
        for telegram_id, _ in self.rng.sample(joined, k=min(len(joined), 4)):
            member = self.members.by_telegram(telegram_id)
            if member is None or member.available < 5_000:
                continue
            points = min(member.available, self.rng.choice((5_000, 10_000, 20_000)))
            try:
                request = self.members.withdraw(member, points, f"tg:demo-wd-{telegram_id}-{day}")
            except Rejected:
                continue
            approve = self.rng.random() < 0.9
            self.members.decide_withdrawal(request.request_id, approve=approve, operator="ops")
            done += 1
        return done

    def pay_out(self) -> dict[str, Any]:
        """Tomorrow morning's T+1 payout batch (manual provider: a CSV report)."""
        from functions.handlers import payouts

        tomorrow = dt.datetime.now(_zone()) + dt.timedelta(days=1)
        event = scheduled_event(tomorrow.replace(hour=9, minute=0, second=0, microsecond=0))
        context: Any = LambdaContext("jifen-demo-payouts")
        return payouts.handle(self.runtime, event, context)

    def audit(self) -> dict[str, Any]:
        from functions.services.verify import verify

        report = verify(self.ledger.store)
        counts = report.counts
        summary = (
            f"{counts.get('journal_entries', 0)} journal entries in {counts.get('chains', 0)} "
            f"hash chains, {len(report.mismatches)} mismatches"
        )
        return {"ok": report.ok, "summary": summary}


def _scheduled_event(fire: dt.datetime) -> dict[str, Any]:
    """What EventBridge Scheduler hands a function at ``fire`` (a zone-aware time)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "000000000000",
        "time": fire.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": ["arn:aws:scheduler:us-east-1:000000000000:schedule/default/jifen"],
        "detail": {},
    }


def _quiet() -> contextlib.AbstractContextManager[Any]:
    """Keep the handlers' CloudWatch metric lines (EMF JSON on stdout) out of the summary."""
    return contextlib.redirect_stdout(io.StringIO())


def _price(cents: int | None) -> str | None:
    """The point price as the demo prints it (None before anything circulates)."""
    return None if cents is None else format_cents(cents)


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(DEMO_ZONE)


def summarise(
    system: _DemoSystem,
    days: list[DayFigures],
    payout: dict[str, Any],
    audit: dict[str, Any],
    seconds: float,
) -> str:
    """What an operator reads first: community, money, the pool and price, releases per day."""
    store = system.ledger.store
    records = list(store.iter_members())
    totals = store.system_totals()
    levels: dict[str, int] = {}
    for record in records:
        if record.level:
            levels[record.level] = levels.get(record.level, 0) + 1
    referred = sum(1 for record in records if record.referrer)
    lines = [
        "",
        f"== Jifen demo: plan {system.ledger.plan.name!r}, {len(days)} days, "
        f"{seconds:.0f} s on the embedded DynamoDB ==",
        f"members             {len(records)} ({referred} through invite links)",
        "team levels         "
        + (", ".join(f"{name} {count}" for name, count in sorted(levels.items())) or "-"),
        f"sales (cash)        {format_cents(-totals.sales)}",
        f"points granted      {format_cents(-totals.issuance)}",
        f"  released          {format_cents(sum(r.released for r in records))}",
        f"  still locked      {format_cents(sum(r.locked for r in records))}",
        f"  forfeited by cap  {format_cents(sum(r.forfeited for r in records))}",
        f"circulating         {format_cents(totals.circulating)}",
        f"reserve pool        {format_cents(totals.reserve)}"
        f"   (withdrawal fees kept: {format_cents(totals.fees)})",
        f"point price         {_price(system.ledger.price())}",
        f"withdrawn (net)     {format_cents(sum(r.withdrawn_cash for r in records))}, "
        f"payout batch: {payout.get('paid', 0)} requests, {payout.get('net_total', '0.00')} net "
        f"(manual provider report {payout.get('reference') or '-'})",
        f"ledger audit        {'balanced' if audit['ok'] else 'MISMATCH'}: {audit['summary']}",
        "releases per day    static + share/team/peer paid (forfeited) → price after",
    ]
    for day in days:
        settled = day.settled
        static, paid = settled.get("static", 0), settled.get("paid", 0)
        lines.append(
            f"  {day.date}  {format_cents(static + paid):>12} = {format_cents(static):>10} + "
            f"{format_cents(paid):>10} ({format_cents(settled.get('forfeited', 0))})"
            f"  → {day.price}"
        )
    return "\n".join(lines) + "\n"
