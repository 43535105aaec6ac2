"""A second, independent reading of RULES.md: a deliberately naive reference engine.

Written from the text of ``/work/shared/spec/RULES.md`` and ``SCENARIOS.md`` alone,
without looking at the engine's settlement, book or decision code. It favours being
obviously correct over being fast: settlement walks every ancestor of every releasing
member one by one, and share walks the generations below each member explicitly.

All quantities are ``int`` hundredths (cents / centi-points); rates are exact
``Fraction``; no float is ever produced. :func:`run_oracle` returns the same JSON
document (as a dict) that ``jifen scenario`` prints. Rejection messages are left
empty: only ``line`` and ``code`` are meant to be compared.

Interpretation choices (the engine made the same ones; they are not contradicted
by the spec, which is silent on them):

- A withdrawal is settled at once in a scenario: the points are burned, ``net`` leaves
  the reserve and is counted in the member's ``withdrawn_cash``; the fee stays in the
  reserve (in ``fixed`` valuation the reserve stays 0 and only ``fees`` grows).
- Unknown extra event keys are ignored; ``category: null`` is the same as no category.
- ``transfer`` with ``from == to`` is ``invalid_event`` (it is checked with the other
  name fields, i.e. before the amount).
- JSON numbers (and ``NaN``/``Infinity``, which are not JSON at all: ``invalid_event``)
  are never amounts: an amount must be a string of at most 15 integer digits and at
  most 2 decimals.
- Settling an earlier, not yet settled date is allowed; only an exact repeat is
  ``already_settled``. ``date`` must be ``YYYY-MM-DD`` with ASCII digits and be a real
  calendar date.
- Purchase ``points: "0"`` spends nothing, so neither the deduction limit nor the
  freeze applies to it (a frozen member may still buy with cash).
- ``level`` is the highest team level whose ``min <= team_volume``; ``team_volume`` is
  the cash of all descendants (not the member's own purchases).
- ``locked`` of a member is the sum of its grant records' ``remaining``.
- ``released`` counts immediate grants as well as settlement releases, so
  ``granted == released + locked`` always holds.
- ``referrer: null`` is ``invalid_event`` (a given referrer must be a non-empty string)
  and ``points: null`` is ``invalid_amount``; only ``category`` treats null as absent.
- Share is floored per generation, exactly as the formula of RULES.md §4 is written
  (``Σ_k floor(rate_k × Σ S(v))``). §1 says a sum within one rule component is floored
  once per member; if share is one component that would be ``floor(Σ_k ...)``. The
  spec contradicts itself here; the explicit §4 formula is followed (as the engine does).
- A settlement row's ``share``/``team``/``peer`` are the sums of the per-member floored
  amounts *before* the cap; ``paid + forfeited`` equals their sum. ``members`` counts the
  members whose released, paid or forfeited points changed in that run.

Plan versions (docs/rules-decisions.md, "Plan versions"), read from that page alone:

- ``{"type": "plan", "plan": {...}, "effective_from": D}`` adds the next version. The plan
  object is taken as given (the properties only generate valid plans; validating plans is
  the engine's own job, tested on its own); a missing or malformed ``effective_from``, a
  ``plan`` that is not an object, or a key given twice in the line is ``invalid_event``,
  and a date on or before the latest settled date is ``effective_date_passed``.
- The version in effect on a date is the last one published whose date is on or before
  it (version 1 has no date and is always a candidate).
- Purchases and withdrawals happen on the day after the latest settled date (before any
  settlement: version 1); a settlement uses its own date's version. Grant records keep
  the daily amount they were created with.
- The report's ``plan`` names the version in effect on the day after the latest settled
  date (so do ``level`` and ``price``); a history with plan events lists every version
  under ``plan_versions``.

Economics controls (issue 12), read from docs/rules-programs.md alone (refunds with
clawback and debt, release stages, the activity gate, the throttle, the issuance cap,
the category bonus, dividend pools, gifts of locked points). Written the plain way: the
stage's daily amount is looked up from the grant's release count every run, the gate
recounts every member's purchases and referrals, pools walk the member list per pool.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

_AMOUNT_TEXT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EVENT_TYPES = (
    "join",
    "purchase",
    "settle",
    "withdraw",
    "transfer",
    "freeze",
    "unfreeze",
    "plan",
    # the engagement programs (docs/rules-programs.md)
    "draw",
    "lottery_exit",
    "stake",
    "unstake",
    "close_month",
    "list_item",
    "redeem",
    "promote",
    "refund",
    "set_region",
)


class _Rejected(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- arithmetic


def _floor(value: Fraction) -> int:
    """Floor of a non-negative exact quantity (already expressed in hundredths)."""
    assert value >= 0, value
    return value.numerator // value.denominator


def _fmt(cents: int) -> str:
    assert cents >= 0, cents
    return f"{cents // 100}.{cents % 100:02d}"


def _plan_rate(text: object) -> Fraction:
    assert isinstance(text, str), text
    return Fraction(text)


def _plan_cents(text: object) -> int:
    value = _plan_rate(text) * 100
    assert value.denominator == 1, text
    return value.numerator


# ---------------------------------------------------------------- the plan


def _rate_text(value: Fraction) -> str:
    """An exact decimal fraction written out: 1 -> "1", 1/2 -> "0.5", 6977/10000 -> "0.6977"."""
    if value.denominator == 1:
        return str(value.numerator)
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str((value * 10**places).numerator).rjust(places + 1, "0")
    return digits[:-places] + "." + digits[-places:]


def _daily_of(grant: list[Any]) -> int:
    """A grant's daily amount now: fixed, or its stage's for the releases it has had."""
    if grant[4] is None:
        return int(grant[1])
    done = grant[3]
    for days, daily in grant[4]:
        if days == 0 or done < days:
            return int(daily)
        done -= days
    return int(grant[4][-1][1])


@dataclass
class _Econ:
    """The economics sections of a plan (docs/rules-programs.md)."""

    stages: list[tuple[int, Fraction]] | None
    gate: int | None
    throttle: tuple[Fraction, Fraction] | None
    cap: Fraction | None
    bonus: dict[str, Fraction]
    bonus_given: bool
    window: int | None
    pools: list[dict[str, Any]] | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Econ:
        grant = data.get("grant") or {}
        release = data.get("release") or {}
        refund = data.get("refund")
        stages = release.get("stages")
        gate = release.get("requires_activity")
        throttle = release.get("throttle")
        cap = grant.get("issuance_cap")
        pools = data.get("pools")
        return cls(
            stages=None
            if stages is None
            else [(int(st.get("days") or 0), _plan_rate(st["daily_rate"])) for st in stages],
            gate=None if gate is None else int(gate["within_settlements"]),
            throttle=None
            if throttle is None
            else (_plan_rate(throttle["target_coverage"]), _plan_rate(throttle["floor"])),
            cap=None if cap is None else _plan_rate(cap["ratio"]),
            bonus={k: _plan_rate(v) for k, v in (grant.get("category_bonus") or {}).items()},
            bonus_given=grant.get("category_bonus") is not None,
            window=None
            if refund is None or refund.get("window_settlements") is None
            else int(refund["window_settlements"]),
            pools=None
            if pools is None
            else [
                {
                    "name": pool["name"],
                    "rate": _plan_rate(pool["rate"]),
                    "min_level": (pool.get("eligible") or {}).get("min_level"),
                    "mode": pool.get("mode", "equal"),
                    "scope": pool.get("scope", "global"),
                    "pay_as": pool.get("pay_as", "points"),
                }
                for pool in pools
            ],
        )


@dataclass
class _Plan:
    name: str
    tiers: list[tuple[int, Fraction]]  # (min in cents, multiplier), ascending min
    ratio: Fraction | None
    has_grant: bool
    daily: bool
    daily_rate: Fraction
    share: list[Fraction]
    levels: list[tuple[str, int, Fraction]]  # (name, min in cents, rate), ascending min
    peer_rate: Fraction
    reserve_mode: bool
    price: Fraction
    reserve_rate: Fraction
    fee_rate: Fraction
    min_points: int
    max_ratio: Fraction | None
    commission: list[dict[str, Fraction]]
    # the engagement programs: their sections as given (None: off)
    coins_ratio: Fraction = Fraction(0)
    coins_named: bool = False
    lottery: dict[str, Any] | None = None
    staking: dict[str, Any] | None = None
    roles: dict[str, Any] | None = None
    catalog: dict[str, Any] | None = None
    econ: _Econ = field(default_factory=lambda: _Econ.from_dict({}))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Plan:
        grant = data.get("grant")
        tiers: list[tuple[int, Fraction]] = []
        ratio: Fraction | None = None
        if grant is not None:
            if grant.get("tiers") is not None:
                tiers = [
                    (_plan_cents(t["min"]), _plan_rate(t["multiplier"])) for t in grant["tiers"]
                ]
            if grant.get("ratio") is not None:
                ratio = _plan_rate(grant["ratio"])
        release = data.get("release") or {}
        team = data.get("team") or {}
        valuation = data.get("valuation") or {}
        withdrawal = data.get("withdrawal") or {}
        deduction = data.get("deduction")
        commission = data.get("commission")
        return cls(
            name=data["name"],
            tiers=tiers,
            ratio=ratio,
            has_grant=grant is not None,
            daily=release.get("mode", "immediate") == "daily",
            daily_rate=_plan_rate(release.get("daily_rate", "0")),
            share=[_plan_rate(r) for r in data.get("share") or []],
            levels=[
                (lv["name"], _plan_cents(lv["min"]), _plan_rate(lv["rate"]))
                for lv in team.get("levels") or []
            ],
            peer_rate=_plan_rate(team.get("peer_rate", "0")),
            reserve_mode=valuation.get("mode", "fixed") == "reserve",
            price=_plan_rate(valuation.get("price", "1")),
            reserve_rate=_plan_rate(valuation.get("reserve_rate", "0")),
            fee_rate=_plan_rate(withdrawal.get("fee_rate", "0")),
            min_points=_plan_cents(withdrawal.get("min_points", "0")),
            max_ratio=None if deduction is None else _plan_rate(deduction["max_ratio"]),
            commission=[
                {cat: _plan_rate(r) for cat, r in gen.items()}
                for gen in (commission or {}).get("rates") or []
            ],
            coins_ratio=_plan_rate((grant or {}).get("coins_ratio", "0")),
            coins_named=(grant or {}).get("coins_ratio") is not None,
            lottery=data.get("lottery"),
            staking=data.get("staking"),
            roles=data.get("roles"),
            catalog=data.get("catalog"),
            econ=_Econ.from_dict(data),
        )

    def grant_for(self, cash: int) -> int:
        if not self.has_grant:
            return 0
        if self.ratio is not None:
            return _floor(cash * self.ratio)
        chosen: Fraction | None = None
        for tier_min, multiplier in self.tiers:
            if tier_min <= cash:
                chosen = multiplier  # later tiers have higher mins: the last match wins
        return 0 if chosen is None else _floor(cash * chosen)

    def level_of(self, team_volume: int) -> tuple[str | None, Fraction]:
        name: str | None = None
        rate = Fraction(0)
        for level_name, level_min, level_rate in self.levels:
            if level_min <= team_volume:
                name, rate = level_name, level_rate
        return name, rate

    def commission_rate(self, generation: int, category: str | None) -> Fraction:
        rates = self.commission[generation - 1]
        if category is not None and category in rates:
            return rates[category]
        return rates.get("default", Fraction(0))


# ---------------------------------------------------------------- members


@dataclass
class _Member:
    name: str
    referrer: str | None
    frozen: bool = False
    available: int = 0
    grants: list[list[Any]] = field(default_factory=list)  # [remaining, daily, ...] oldest first
    released: int = 0
    forfeited: int = 0
    personal_volume: int = 0
    team_volume: int = 0
    withdrawn_cash: int = 0
    commission: int = 0
    # the engagement programs
    spare: int = 0
    purchases: int = 0
    free_draws: int = 0
    won: int = 0
    stakes: list[dict[str, Any]] = field(default_factory=list)
    stakes_opened: int = 0
    stakes_counted: int = 0
    stake_bonus: int = 0
    star_reward: int = 0
    bole_reward: int = 0
    role: str = "member"
    streak: int = 0
    below: int = 0
    ladder: int = 0
    team_bonus: int = 0
    month_cash: dict[str | None, int] = field(default_factory=dict)
    month_orders: dict[str | None, int] = field(default_factory=dict)
    redeemed_items: dict[str, int] = field(default_factory=dict)

    @property
    def staked(self) -> int:
        return sum(stake["points"] for stake in self.stakes)

    # economics: grants are [remaining, daily, order, releases, stages]
    region: str | None = None
    debt: int = 0
    commission_debt: int = 0
    clawed_back: int = 0
    voided: int = 0
    orders: int = 0
    seen: tuple[int, int] = (0, 0)  # purchases and referrals the last gated run saw
    active_run: int | None = None
    pool_points: int = 0
    pool_cash: int = 0

    @property
    def locked(self) -> int:
        return sum(grant[0] for grant in self.grants)


# ---------------------------------------------------------------- event fields


def _name_field(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or value == "":
        raise _Rejected("invalid_event")
    return value


def _amount_field(event: Mapping[str, Any], key: str, *, positive: bool) -> int:
    value = event.get(key)
    if not isinstance(value, str) or _AMOUNT_TEXT.fullmatch(value) is None:
        raise _Rejected("invalid_amount")
    whole, _, decimals = value.partition(".")
    cents = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if positive and cents == 0:
        raise _Rejected("invalid_amount")
    return cents


def _date_field(event: Mapping[str, Any]) -> str:
    value = _name_field(event, "date")
    if _DATE_TEXT.fullmatch(value) is None:
        raise _Rejected("invalid_event")
    try:
        datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        raise _Rejected("invalid_event") from None
    return value


def _no_constant(name: str) -> object:
    raise ValueError(name)


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _Rejected("invalid_event")
    return dict(pairs)


def _day_after(date: str) -> str:
    return (datetime.date.fromisoformat(date) + datetime.timedelta(days=1)).isoformat()


# ---------------------------------------------------------------- the engine


class Oracle:
    """The whole platform state, mutated one event at a time."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.versions: list[tuple[str | None, _Plan]] = [(None, _Plan.from_dict(plan))]
        self.members: dict[str, _Member] = {}  # in join order
        self.orders: set[str] = set()
        self.settled: set[str] = set()
        self.granted = 0
        self.burned = 0
        self.reserve = 0
        self.withdrawn_cash = 0
        self.fees = 0
        self.settlements: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        # the engagement programs
        self.pool = 0
        self.draw_count = 0
        self.queue: list[tuple[int, str, int]] = []  # (draw number, member, paid)
        self.prizes = 0
        self.coins = 0
        self.exit_refunds = 0
        self.spare_spent = 0
        self.rewards = {"stake_bonus": 0, "star_reward": 0, "bole_reward": 0, "capped": 0}
        self.monthly = {"ladder": 0, "team_bonus": 0}
        self.closed_months: list[str] = []
        self.month_closes: list[dict[str, Any]] = []
        self.items: dict[str, dict[str, Any]] = {}
        self.redeemed = 0
        # economics
        self.runs = 0
        self.sales = 0
        self.sales_at_last_run = 0
        self.region_sales: dict[str, int] = {}
        self.region_sales_at_last_run: dict[str, int] = {}
        self.team_at_last_run: dict[str, int] = {}
        self.pool_balances: dict[tuple[str, str | None], int] = {}
        self.order_book: dict[str, dict[str, Any]] = {}
        self.refunds = 0
        self.refunded = 0
        self.capped = 0
        self.bonus = 0

    # --- plan versions -------------------------------------------------------

    def plan_on(self, date: str | None) -> _Plan:
        chosen = self.versions[0][1]
        for effective_from, plan in self.versions:
            if effective_from is None or (date is not None and effective_from <= date):
                chosen = plan  # later versions win: the last match is the one
        return chosen

    def today(self) -> str | None:
        """The business day of purchases and withdrawals: after the latest settled date."""
        return _day_after(max(self.settled)) if self.settled else None

    @property
    def plan(self) -> _Plan:
        return self.plan_on(self.today())

    # --- tree helpers -------------------------------------------------------

    def ancestors(self, name: str) -> list[str]:
        """Referrer first, then its referrer, ... up to the root."""
        chain: list[str] = []
        parent = self.members[name].referrer
        while parent is not None:
            chain.append(parent)
            parent = self.members[parent].referrer
        return chain

    def children(self, name: str) -> list[str]:
        return [m.name for m in self.members.values() if m.referrer == name]

    def descendants(self, name: str) -> list[str]:
        """Everyone below ``name``, any depth."""
        found: list[str] = []
        frontier = self.children(name)
        while frontier:
            found += frontier
            frontier = [child for parent in frontier for child in self.children(parent)]
        return found

    def generation(self, name: str, k: int) -> list[str]:
        """Members exactly ``k`` referral steps below ``name``."""
        current = [name]
        for _ in range(k):
            current = [child for parent in current for child in self.children(parent)]
        return current

    def _known(self, name: str) -> _Member:
        if name not in self.members:
            raise _Rejected("unknown_member")
        return self.members[name]

    # --- lines --------------------------------------------------------------

    def run_line(self, number: int, text: str) -> None:
        if not text.strip():
            return
        try:
            try:
                event = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
            except (ValueError, RecursionError):
                raise _Rejected("invalid_event") from None
            if isinstance(event, dict) and event.get("type") == "plan":
                json.loads(text, parse_float=Decimal, object_pairs_hook=_no_repeats)
            self.apply(event)
        except _Rejected as rejection:
            self.rejected.append({"line": number, "code": rejection.code, "message": ""})

    def apply(self, event: object) -> None:
        if not isinstance(event, dict):
            raise _Rejected("invalid_event")
        kind = event.get("type")
        if not isinstance(kind, str) or kind not in _EVENT_TYPES:
            raise _Rejected("invalid_event")
        getattr(self, f"_{kind}")(event)

    # --- events -------------------------------------------------------------

    def _join(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        referrer = _name_field(event, "referrer") if "referrer" in event else None
        region = event.get("region")
        if region is not None:
            region = _name_field(event, "region")
        if name in self.members:
            raise _Rejected("duplicate_member")
        if referrer is not None and referrer not in self.members:
            raise _Rejected("unknown_referrer")
        self.members[name] = _Member(name=name, referrer=referrer, region=region)

    def _purchase(self, event: dict[str, Any]) -> None:
        plan = self.plan
        name = _name_field(event, "member")
        order = _name_field(event, "order")
        category = event.get("category")
        if category is not None and not isinstance(category, str):
            raise _Rejected("invalid_event")
        amount = _amount_field(event, "amount", positive=True)
        points = _amount_field(event, "points", positive=False) if "points" in event else 0
        member = self._known(name)
        if order in self.orders:
            raise _Rejected("duplicate_order")
        if points > 0:
            if plan.max_ratio is None or points > _floor(amount * plan.max_ratio):
                raise _Rejected("deduction_limit")
            if member.frozen:
                raise _Rejected("frozen")
            if member.debt > 0:
                raise _Rejected("in_debt")
            if points > member.available + member.spare:
                raise _Rejected("insufficient_points")

        # 1. deduction: spent points are burned (spare points first; the lottery takes
        #    its pool_rate of the spend)
        self.orders.add(order)
        from_spare = min(points, member.spare)
        member.spare -= from_spare
        self.spare_spent += from_spare
        member.available -= points - from_spare
        to_pool = _floor(points * _plan_rate(plan.lottery["pool_rate"])) if plan.lottery else 0
        self.pool += to_pool
        self.burned += points - to_pool
        cash = amount - points
        # programs: coins, the invitee's first purchase, the month's activity
        coins = _floor(cash * plan.coins_ratio)
        member.spare += coins
        self.coins += coins
        if plan.lottery is not None and member.purchases == 0 and member.referrer is not None:
            invited = int(plan.lottery.get("invite_draws", "1"))
            self.members[member.referrer].free_draws += invited
        member.purchases += 1
        today = self.today()
        if plan.roles is not None and today is not None:
            month = today[:7]
            member.month_cash[month] = member.month_cash.get(month, 0) + cash
            member.month_orders[month] = member.month_orders.get(month, 0) + 1
        # 2. volumes
        member.personal_volume += cash
        ancestors = self.ancestors(name)
        for ancestor in ancestors:
            self.members[ancestor].team_volume += cash
        # 3. grant, with the category bonus, cut to the issuance cap
        grant = plan.grant_for(cash)
        extra = 0
        if category is not None and category in plan.econ.bonus and grant > 0:
            extra = _floor(grant * plan.econ.bonus[category])
        self.bonus += extra
        grant += extra
        self.sales += cash
        if member.region is not None:
            self.region_sales[member.region] = self.region_sales.get(member.region, 0) + cash
        member.orders += 1
        if plan.econ.cap is not None:
            room = max(0, _floor(plan.econ.cap * self.sales) - self.outstanding())
            if grant > room:
                self.capped += grant - room
                grant = room
        self.granted += grant
        if plan.daily:
            if plan.econ.stages:
                stages = [(days, _floor(cash * rate)) for days, rate in plan.econ.stages]
                if grant > 0:
                    member.grants.append([grant, None, order, 0, stages])
            else:
                member.grants.append([grant, _floor(cash * plan.daily_rate), order, 0, None])
        else:
            member.available += grant
            member.released += grant
            self.repay(member, grant)
        # 4. reserve
        if plan.reserve_mode:
            self.reserve += _floor(cash * plan.reserve_rate)
        # 5. commission, generation k = k-th ancestor
        paid_out: list[tuple[str, int]] = []
        for k in range(1, len(plan.commission) + 1):
            if k > len(ancestors):
                break
            upline = self.members[ancestors[k - 1]]
            gated = plan.roles is not None and plan.roles.get("gate_commission", True) is True
            if gated and upline.role not in ("promoter", "partner"):
                continue
            earned = _floor(cash * plan.commission_rate(k, category))
            self.members[ancestors[k - 1]].commission += earned
            if earned > 0:
                paid_out.append((ancestors[k - 1], earned))
            self.repay_commission(self.members[ancestors[k - 1]], earned)
        self.order_book[order] = {
            "member": name,
            "cash": cash,
            "points": points,
            "grant": grant,
            "locked": plan.daily and grant > 0,
            "reserve": _floor(cash * plan.reserve_rate) if plan.reserve_mode else 0,
            "commissions": paid_out,
            "window": plan.econ.window,
            "runs": self.runs,
            "region": member.region,
            "refunded": False,
        }

    def _withdraw(self, event: dict[str, Any]) -> None:
        plan = self.plan
        name = _name_field(event, "member")
        points = _amount_field(event, "points", positive=True)
        member = self._known(name)
        if member.frozen:
            raise _Rejected("frozen")
        if member.debt > 0:
            raise _Rejected("in_debt")
        if points > member.available:
            raise _Rejected("insufficient_points")
        if points < plan.min_points:
            raise _Rejected("below_minimum")
        circulating = self.circulating()
        if plan.reserve_mode:
            if circulating == 0:
                raise _Rejected("no_price")
            gross = _floor(Fraction(points * self.reserve, circulating))
        else:
            gross = _floor(points * plan.price)
        net = _floor(gross * (1 - plan.fee_rate))
        fee = gross - net
        member.available -= points
        self.burned += points
        member.withdrawn_cash += net
        self.withdrawn_cash += net
        self.fees += fee
        if plan.reserve_mode:
            self.reserve -= net
            assert self.reserve >= 0

    def _transfer(self, event: dict[str, Any]) -> None:
        sender_name = _name_field(event, "from")
        receiver_name = _name_field(event, "to")
        if sender_name == receiver_name:
            raise _Rejected("invalid_event")
        if "locked" in event:
            if not isinstance(event["locked"], bool):
                raise _Rejected("invalid_event")
            if event["locked"]:
                self._gift(event, sender_name, receiver_name)
                return
        points = _amount_field(event, "points", positive=True)
        sender = self._known(sender_name)
        receiver = self._known(receiver_name)
        if sender.frozen:
            raise _Rejected("frozen")
        if sender.debt > 0:
            raise _Rejected("in_debt")
        if points > sender.available:
            raise _Rejected("insufficient_points")
        sender.available -= points
        receiver.available += points
        self.repay(receiver, points)

    def _plan(self, event: dict[str, Any]) -> None:
        value = event.get("effective_from")
        if not isinstance(value, str) or _DATE_TEXT.fullmatch(value) is None:
            raise _Rejected("invalid_event")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise _Rejected("invalid_event") from None
        data = event.get("plan")
        if not isinstance(data, dict):
            raise _Rejected("invalid_event")
        if self.settled and value <= max(self.settled):
            raise _Rejected("effective_date_passed")
        self.versions.append((value, _Plan.from_dict(data)))

    def _freeze(self, event: dict[str, Any]) -> None:
        self._known(_name_field(event, "member")).frozen = True

    def _unfreeze(self, event: dict[str, Any]) -> None:
        self._known(_name_field(event, "member")).frozen = False

    def _settle(self, event: dict[str, Any]) -> None:
        date = _date_field(event)
        if date in self.settled:
            self.settlements.append(
                {
                    "date": date,
                    "status": "already_settled",
                    **dict.fromkeys(
                        ("static", "share", "team", "peer", "paid", "forfeited"), "0.00"
                    ),
                    "members": 0,
                    **(self._zero_stake_row() if self._runs("staking") else {}),
                }
            )
            return
        plan = self.plan_on(date)
        self.settled.add(date)
        names = list(self.members)
        run = self.runs + 1
        waiting = self.gate(plan, run)
        self.pool_points_now: dict[str, int] = {}
        outstanding_at_start = self.outstanding()

        # Step 1: static release, every grant oldest first (stages, gate, throttle)
        planned: dict[str, list[int]] = {}
        for name in names:
            member = self.members[name]
            planned[name] = [
                0 if name in waiting else min(_daily_of(grant), grant[0]) for grant in member.grants
            ]
        factor = Fraction(1)
        econ = plan.econ
        if econ.throttle is not None:
            target, lowest = econ.throttle
            total = sum(sum(steps) for steps in planned.values())
            cash = max(0, self.sales - self.sales_at_last_run)
            price = self.price_value(plan)
            if total > 0 and price is not None and price > 0:
                coverage = Fraction(cash) / (total * price)
                if coverage < target:
                    factor = max(lowest, Fraction(_floor(coverage / target * 10000), 10000))
        static: dict[str, int] = dict.fromkeys(names, 0)
        for name in names:
            for grant, step in zip(self.members[name].grants, planned[name], strict=True):
                released = _floor(step * factor)
                grant[0] -= released
                static[name] += released

        # Step 2: levels from team volumes as they stand now
        rate = {name: plan.level_of(self.members[name].team_volume)[1] for name in names}

        share: dict[str, int] = {}
        for name in names:
            total = 0
            for k, share_rate in enumerate(plan.share, start=1):
                below = sum(static[v] for v in self.generation(name, k))
                total += _floor(share_rate * below)
            share[name] = total

        team_exact: dict[str, Fraction] = dict.fromkeys(names, Fraction(0))
        peer_exact: dict[str, Fraction] = dict.fromkeys(names, Fraction(0))
        for v in names:
            if static[v] <= 0:
                continue
            cur = Fraction(0)
            peer_paid = False
            for u in self.ancestors(v):
                if rate[u] > cur:
                    team_exact[u] += (rate[u] - cur) * static[v]
                    cur = rate[u]
                    peer_paid = False
                elif rate[u] == cur and cur > 0 and not peer_paid:
                    peer_exact[u] += plan.peer_rate * static[v]
                    peer_paid = True
        team = {name: _floor(team_exact[name]) for name in names}
        peer = {name: _floor(peer_exact[name]) for name in names}

        # Step 3: cap by what is still locked, paid from the oldest grants first
        paid: dict[str, int] = {}
        forfeited: dict[str, int] = {}
        for name in names:
            member = self.members[name]
            acc = share[name] + team[name] + peer[name]
            pay = 0 if name in waiting else min(acc, member.locked)
            paid[name] = pay
            forfeited[name] = acc - pay
            left = pay
            for grant in member.grants:
                taken = min(left, grant[0])
                grant[0] -= taken
                left -= taken
            assert left == 0

        # Step 4
        for name in names:
            member = self.members[name]
            member.available += static[name] + paid[name]
            member.released += static[name] + paid[name]
            member.forfeited += forfeited[name]

        # Step 5 (docs/rules-programs.md): stakes, stars, star and bole rewards
        figures, credited = self._settle_stakes(plan)
        # Economics after the release: stage counters, pools, debt, marks
        for name in names:
            if name not in waiting:
                for grant in self.members[name].grants:
                    if grant[4] is not None:
                        grant[3] += 1
        pool_rows = self.pay_pools(plan, outstanding_at_start) if econ.pools is not None else []
        for name in names:
            member = self.members[name]
            self.repay(member, static[name] + paid[name] + self.pool_points_now.get(name, 0))
        self.runs = run
        self.sales_at_last_run = self.sales
        self.region_sales_at_last_run = dict(self.region_sales)
        self.team_at_last_run = {name: self.members[name].team_volume for name in names}
        extras: dict[str, Any] = {}
        if econ.throttle is not None:
            extras["throttle"] = _rate_text(factor)
        if econ.gate is not None:
            extras["gated"] = sum(1 for n in waiting if self.members[n].locked > 0)
        if econ.pools is not None:
            extras["pools"] = pool_rows

        self.settlements.append(
            {
                **(self._zero_stake_row() if self._runs("staking") else {}),
                **figures,
                "date": date,
                "status": "settled",
                "static": _fmt(sum(static.values())),
                "share": _fmt(sum(share.values())),
                "team": _fmt(sum(team.values())),
                "peer": _fmt(sum(peer.values())),
                "paid": _fmt(sum(paid.values())),
                "forfeited": _fmt(sum(forfeited.values())),
                "members": sum(
                    1 for n in names if static[n] + paid[n] > 0 or forfeited[n] > 0 or n in credited
                ),
                **extras,
            }
        )

    # --- the engagement programs (docs/rules-programs.md), naively -----------------

    def _runs(self, section: str) -> bool:
        """Whether any version has the section (its report fields appear)."""
        return any(getattr(plan, section) is not None for _, plan in self.versions)

    def _spend_only(self) -> bool:
        return (
            self._runs("lottery")
            or self._runs("catalog")
            or any(plan.coins_ratio > 0 or _has_coins(plan) for _, plan in self.versions)
        )

    @staticmethod
    def _zero_stake_row() -> dict[str, str]:
        keys = ("matured", "stake_bonus", "star_reward", "bole_reward", "capped")
        return dict.fromkeys(keys, "0.00")

    def _star_of(self, plan: _Plan) -> dict[str, int]:
        stars_plan = (plan.staking or {}).get("stars")
        if not stars_plan:
            return dict.fromkeys(self.members, 0)
        top = len(stars_plan["rates"])
        need = int(stars_plan.get("direct", "3"))
        memo: dict[str, int] = {}

        def star(name: str) -> int:
            if name not in memo:
                kids = self.children(name)
                best = 1 if sum(1 for kid in kids if self.members[kid].stakes) >= need else 0
                for k in range(2, top + 1):
                    if sum(1 for kid in kids if star(kid) >= k - 1) >= need:
                        best = k
                memo[name] = best
            return memo[name]

        return {name: star(name) for name in self.members}

    @staticmethod
    def _star_rate(plan: _Plan, stars: int) -> Fraction:
        if stars == 0:
            return Fraction(0)
        return _plan_rate(plan.staking["stars"]["rates"][stars - 1])  # type: ignore[index]

    def _settle_stakes(self, plan: _Plan) -> tuple[dict[str, str], set[str]]:
        if not any(member.stakes for member in self.members.values()):
            return {}, set()
        star = self._star_of(plan)
        exact: dict[str, Fraction] = dict.fromkeys(self.members, Fraction(0))
        for name, member in self.members.items():
            fresh = sum(stake["points"] for stake in member.stakes if stake["fresh"])
            if not fresh:
                continue
            cur = Fraction(0)
            for upline in self.ancestors(name):
                rate = self._star_rate(plan, star[upline])
                if rate > cur:
                    exact[upline] += (rate - cur) * fresh
                    cur = rate
        reward = {name: _floor(exact[name]) for name in self.members}
        bole = dict.fromkeys(self.members, 0)
        stars_plan = (plan.staking or {}).get("stars")
        bole_from = int(stars_plan.get("bole_from", "3")) if stars_plan else 0
        for name in self.members:
            if bole_from and star[name] >= bole_from:
                below = sum(reward[kid] for kid in self.children(name))
                bole[name] = _floor(self._star_rate(plan, star[name]) * below)
        matured = dict.fromkeys(self.members, 0)
        bonus = dict.fromkeys(self.members, 0)
        for name, member in self.members.items():
            still: list[dict[str, Any]] = []
            for stake in member.stakes:
                stake["left"] -= 1
                stake["fresh"] = False
                if stake["left"] <= 0:
                    matured[name] += stake["points"]
                    bonus[name] += _floor(stake["points"] * stake["rate"])
                else:
                    still.append(stake)
            member.stakes = still
        credited: set[str] = set()
        for name, member in self.members.items():
            total = matured[name] + bonus[name] + reward[name] + bole[name]
            if total or matured[name]:
                credited.add(name)
            member.available += total
            member.stake_bonus += bonus[name]
            member.star_reward += reward[name]
            member.bole_reward += bole[name]
        self.rewards["stake_bonus"] += sum(bonus.values())
        self.rewards["star_reward"] += sum(reward.values())
        self.rewards["bole_reward"] += sum(bole.values())
        figures = {
            "matured": _fmt(sum(matured.values())),
            "stake_bonus": _fmt(sum(bonus.values())),
            "star_reward": _fmt(sum(reward.values())),
            "bole_reward": _fmt(sum(bole.values())),
            "capped": "0.00",
        }
        return figures, credited

    @staticmethod
    def _optional_count(event: Mapping[str, Any], key: str, minimum: int) -> int | None:
        value = event.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value < 10**9:
            raise _Rejected("invalid_event")
        return value

    def _count(self, event: Mapping[str, Any], key: str, minimum: int) -> int:
        if key not in event:
            raise _Rejected("invalid_event")
        value = self._optional_count(event, key, minimum)
        if value is None:
            raise _Rejected("invalid_event")
        return value

    def _draw(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        member = self._known(name)
        lottery = self.plan.lottery
        if lottery is None:
            raise _Rejected("program_off")
        if member.frozen:
            raise _Rejected("frozen")
        if member.available < _plan_cents(lottery.get("min_available", "0")):
            raise _Rejected("not_eligible")
        free = member.free_draws > 0
        paid = 0 if free else _plan_cents(lottery["cost"])
        if paid > member.available:
            raise _Rejected("insufficient_points")
        if free:
            member.free_draws -= 1
        member.available -= paid
        into_pool = _floor(paid * _plan_rate(lottery["pool_rate"]))
        self.pool += into_pool
        self.burned += paid - into_pool
        self.draw_count += 1
        self.queue.append((self.draw_count, name, paid))
        prize = _plan_cents(lottery["prize"])
        every = int(lottery["every"])
        for _ in range(10):
            if not self.queue:
                break
            first_seq, first_member, _paid = self.queue[0]
            if self.draw_count - first_seq < every or self.pool < prize:
                break
            self.queue.pop(0)
            self.pool -= prize
            self.prizes += prize
            self.members[first_member].available += prize
            self.members[first_member].won += prize

    def _lottery_exit(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        wanted = self._optional_count(event, "entry", 1)
        self._known(name)
        lottery = self.plan.lottery
        if lottery is None:
            raise _Rejected("program_off")
        mine = [entry for entry in self.queue if entry[1] == name]
        if wanted is None:
            chosen = mine[-1] if mine else None
        else:
            chosen = next((entry for entry in mine if entry[0] == wanted), None)
        if chosen is None:
            raise _Rejected("no_entry")
        self.queue.remove(chosen)
        refund = _floor(chosen[2] * _plan_rate(lottery.get("exit_refund_rate", "0")))
        self.members[name].spare += refund
        self.exit_refunds += refund

    def _stake(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        term = self._count(event, "term", 1)
        points = _amount_field(event, "points", positive=True)
        member = self._known(name)
        staking = self.plan.staking
        if staking is None:
            raise _Rejected("program_off")
        if term not in [int(offered) for offered in staking["terms"]]:
            raise _Rejected("invalid_term")
        if member.frozen:
            raise _Rejected("frozen")
        if member.purchases < 1:
            raise _Rejected("not_eligible")
        if points > member.available:
            raise _Rejected("insufficient_points")
        if points < _plan_cents(staking.get("min_points", "0")):
            raise _Rejected("below_minimum")
        rates = staking["rates"]
        member.stakes_opened += 1
        member.stakes_counted += 1
        member.available -= points
        member.stakes.append(
            {
                "seq": member.stakes_opened,
                "points": points,
                "left": term,
                "rate": _plan_rate(rates[(member.stakes_counted - 1) % len(rates)]),
                "penalty": _plan_rate(staking.get("early_exit_penalty", "0")),
                "fresh": True,
            }
        )

    def _unstake(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        wanted = self._optional_count(event, "stake", 1)
        member = self._known(name)
        if wanted is None:
            chosen = member.stakes[-1] if member.stakes else None
        else:
            chosen = next((stake for stake in member.stakes if stake["seq"] == wanted), None)
        if chosen is None:
            raise _Rejected("no_stake")
        member.stakes.remove(chosen)
        member.stakes_counted -= 1
        penalty = _floor(chosen["points"] * chosen["penalty"])
        member.available += chosen["points"] - penalty
        self.burned += penalty

    def _close_month(self, event: dict[str, Any]) -> None:
        month = event.get("month")
        if not isinstance(month, str) or re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) is None:
            raise _Rejected("invalid_event")
        if month in self.closed_months:
            self.month_closes.append(
                {
                    "month": month,
                    "status": "already_closed",
                    "ladder": "0.00",
                    "team_bonus": "0.00",
                    "promoted": 0,
                    "partners": 0,
                    "demoted": 0,
                    "members": 0,
                }
            )
            return
        year, number = int(month[:4]), int(month[5:])
        after = datetime.date(year + number // 12, number % 12 + 1, 1)
        roles = self.plan_on((after - datetime.timedelta(days=1)).isoformat()).roles
        if roles is None:
            raise _Rejected("program_off")
        if self.closed_months and month < max(self.closed_months):
            raise _Rejected("month_out_of_order")
        self.closed_months.append(month)
        ladder = sorted(
            (_plan_cents(bracket["min"]), _plan_rate(bracket["rate"]))
            for bracket in roles.get("ladder") or []
        )
        team_rate = _plan_rate(roles.get("team_rate", "0"))
        promote = roles.get("promote")
        partner = roles.get("partner")
        cash = {name: m.month_cash.get(month, 0) for name, m in self.members.items()}
        totals = {"ladder": 0, "team_bonus": 0, "promoted": 0, "partners": 0, "demoted": 0}
        changed = 0
        updates: list[tuple[_Member, str, int, int, int, int]] = []
        for name, member in self.members.items():
            direct = sum(cash[kid] for kid in self.children(name))
            team = sum(cash[v] for v in self.descendants(name))
            earned = team_bonus = 0
            if member.role in ("promoter", "partner"):
                rate = Fraction(0)
                for low, bracket_rate in ladder:
                    if low <= direct:
                        rate = bracket_rate
                earned = _floor(rate * direct)
            if member.role == "partner":
                team_bonus = _floor(team_rate * team)
            role, streak, below = member.role, member.streak, member.below
            orders = member.month_orders.get(month, 0)
            if role == "member" and promote is not None:
                wanted = int(promote["purchases"])
                if (
                    orders >= wanted
                    and cash[name] >= _plan_cents(promote.get("average", "0")) * orders
                ):
                    role, streak, below = "promoter", 0, 0
                    totals["promoted"] += 1
            elif role == "promoter" and partner is not None:
                streak = streak + 1 if direct >= _plan_cents(partner["threshold"]) else 0
                if streak >= int(partner["months"]):
                    role, streak, below = "partner", 0, 0
                    totals["partners"] += 1
            elif role == "partner" and partner is not None:
                below = below + 1 if direct < _plan_cents(partner["threshold"]) else 0
                if below >= int(partner["months"]):
                    role, streak, below = "promoter", 0, 0
                    totals["demoted"] += 1
            if (
                earned
                or team_bonus
                or (role, streak, below)
                != (
                    member.role,
                    member.streak,
                    member.below,
                )
            ):
                changed += 1
            updates.append((member, role, streak, below, earned, team_bonus))
        for member, role, streak, below, earned, team_bonus in updates:
            member.role, member.streak, member.below = role, streak, below
            member.commission += earned + team_bonus
            member.ladder += earned
            member.team_bonus += team_bonus
            totals["ladder"] += earned
            totals["team_bonus"] += team_bonus
        self.monthly["ladder"] += totals["ladder"]
        self.monthly["team_bonus"] += totals["team_bonus"]
        self.month_closes.append(
            {
                "month": month,
                "status": "closed",
                "ladder": _fmt(totals["ladder"]),
                "team_bonus": _fmt(totals["team_bonus"]),
                "promoted": totals["promoted"],
                "partners": totals["partners"],
                "demoted": totals["demoted"],
                "members": changed,
            }
        )

    def _list_item(self, event: dict[str, Any]) -> None:
        item = _name_field(event, "item")
        title = event.get("name", item)
        if not isinstance(title, str) or not title or len(title) > 200:
            raise _Rejected("invalid_event")
        stock = self._count(event, "stock", 0)
        limit = self._optional_count(event, "limit", 0) or 0
        price = _amount_field(event, "price", positive=True)
        if self.plan.catalog is None:
            raise _Rejected("program_off")
        redeemed = self.items.get(item, {}).get("redeemed", 0)
        self.items[item] = {
            "name": title,
            "price": price,
            "stock": stock,
            "limit": limit,
            "redeemed": redeemed,
        }

    def _redeem(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        item_id = _name_field(event, "item")
        member = self._known(name)
        if self.plan.catalog is None:
            raise _Rejected("program_off")
        item = self.items.get(item_id)
        if item is None:
            raise _Rejected("unknown_item")
        if member.frozen:
            raise _Rejected("frozen")
        if item["stock"] < 1:
            raise _Rejected("out_of_stock")
        if item["limit"] and member.redeemed_items.get(item_id, 0) >= item["limit"]:
            raise _Rejected("limit_reached")
        if item["price"] > member.spare + member.available:
            raise _Rejected("insufficient_points")
        from_spare = min(item["price"], member.spare)
        member.spare -= from_spare
        self.spare_spent += from_spare
        member.available -= item["price"] - from_spare
        self.burned += item["price"]
        self.redeemed += item["price"]
        item["stock"] -= 1
        item["redeemed"] += 1
        member.redeemed_items[item_id] = member.redeemed_items.get(item_id, 0) + 1

    def _promote(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        role = event.get("role")
        if role not in ("member", "promoter", "partner"):
            raise _Rejected("invalid_event")
        member = self._known(name)
        if self.plan.roles is None:
            raise _Rejected("program_off")
        member.role, member.streak, member.below = role, 0, 0

    def _program_member_fields(self, member: _Member, stars: dict[str, int]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self._spend_only():
            fields["spare"] = _fmt(member.spare)
        if self._runs("lottery"):
            fields["won"] = _fmt(member.won)
            fields["free_draws"] = member.free_draws
            fields["waiting"] = sum(1 for entry in self.queue if entry[1] == member.name)
        if self._runs("staking"):
            fields["staked"] = _fmt(member.staked)
            fields["stars"] = stars.get(member.name, 0)
            fields["stake_bonus"] = _fmt(member.stake_bonus)
            fields["star_reward"] = _fmt(member.star_reward)
            fields["bole_reward"] = _fmt(member.bole_reward)
        if self._runs("roles"):
            fields["role"] = member.role
            fields["ladder"] = _fmt(member.ladder)
            fields["team_bonus"] = _fmt(member.team_bonus)
        return fields

    def _program_totals(self) -> dict[str, Any]:
        members = self.members.values()
        fields: dict[str, Any] = {}
        if self._spend_only():
            fields["spare"] = _fmt(sum(m.spare for m in members))
            fields["coins"] = _fmt(self.coins)
            fields["exit_refunds"] = _fmt(self.exit_refunds)
            fields["spare_spent"] = _fmt(self.spare_spent)
        if self._runs("lottery"):
            fields["lottery_pool"] = _fmt(self.pool)
            fields["draws"] = self.draw_count
            fields["waiting"] = len(self.queue)
            fields["prizes"] = _fmt(self.prizes)
        if self._runs("staking"):
            fields["staked"] = _fmt(sum(m.staked for m in members))
            for key in ("stake_bonus", "star_reward", "bole_reward", "capped"):
                fields[key] = _fmt(self.rewards[key])
        if self._runs("roles"):
            fields["ladder"] = _fmt(self.monthly["ladder"])
            fields["team_bonus"] = _fmt(self.monthly["team_bonus"])
        if self._runs("catalog"):
            fields["redeemed"] = _fmt(self.redeemed)
        return fields

    def _program_sections(self) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        if self._runs("roles"):
            sections["month_closes"] = list(self.month_closes)
        if self._runs("catalog"):
            sections["catalog"] = {
                item: {
                    "name": data["name"],
                    "price": _fmt(data["price"]),
                    "stock": data["stock"],
                    "redeemed": data["redeemed"],
                }
                for item, data in self.items.items()
            }
        return sections

    # --- economics (docs/rules-programs.md) ---------------------------------

    def outstanding(self) -> int:
        """Points members hold, spend-only and staked ones included (the cap counts all)."""
        return sum(m.available + m.locked + m.spare + m.staked for m in self.members.values())

    def price_value(self, plan: _Plan) -> Fraction | None:
        if not plan.reserve_mode:
            return plan.price
        circulating = self.circulating()
        return None if circulating == 0 else Fraction(self.reserve, circulating)

    def repay(self, member: _Member, credit: int) -> None:
        """Credits to a debtor's available repay its debt first."""
        amount = min(member.debt, credit)
        member.available -= amount
        member.debt -= amount
        member.clawed_back += amount

    def repay_commission(self, member: _Member, credit: int) -> None:
        amount = min(member.commission_debt, credit)
        member.commission -= amount
        member.commission_debt -= amount

    def gate(self, plan: _Plan, run: int) -> set[str]:
        """Who waits this run; the gate notices purchases and referrals since it last looked."""
        if plan.econ.gate is None:
            return set()
        waiting: set[str] = set()
        for member in self.members.values():
            now = (member.orders, len(self.children(member.name)))
            if now != member.seen:
                member.seen = now
                member.active_run = run
            if member.active_run is None or member.active_run <= run - plan.econ.gate:
                waiting.add(member.name)
        return waiting

    def level_index(self, plan: _Plan, team_volume: int) -> int:
        found = -1
        for position, (_, level_min, _) in enumerate(plan.levels):
            if level_min <= team_volume:
                found = position
        return found

    def pay_pools(self, plan: _Plan, outstanding: int) -> list[dict[str, Any]]:
        room: int | None = None
        if plan.econ.cap is not None:
            room = max(0, _floor(plan.econ.cap * self.sales) - outstanding)
        rows: list[dict[str, Any]] = []
        names = [level[0] for level in plan.levels]
        for pool in plan.econ.pools or []:
            eligible = []
            for member in self.members.values():
                wanted = pool["min_level"]
                if wanted is None or (
                    self.level_index(plan, member.team_volume) >= names.index(wanted)
                ):
                    eligible.append(member)
            if pool["scope"] == "global":
                parts: list[tuple[str | None, int, list[_Member]]] = [
                    (None, self.sales - self.sales_at_last_run, eligible)
                ]
            else:
                regions = set(self.region_sales)
                regions |= {r for (n, r) in self.pool_balances if n == pool["name"] and r}
                regions |= {m.region for m in eligible if m.region is not None}
                parts = []
                for name in sorted(r for r in regions if r is not None):
                    cash = self.region_sales.get(name, 0) - self.region_sales_at_last_run.get(
                        name, 0
                    )
                    parts.append((name, cash, [m for m in eligible if m.region == name]))
            for region, cash, members in parts:
                key = (pool["name"], region)
                intake = _floor(max(0, cash) * pool["rate"])
                balance = self.pool_balances.get(key, 0) + intake
                usable = balance
                if pool["pay_as"] == "points" and room is not None:
                    usable = min(usable, room)
                shares: list[tuple[_Member, int]] = []
                if usable > 0 and members:
                    if pool["mode"] == "equal":
                        shares = [(m, usable // len(members)) for m in members]
                    else:
                        weights = [
                            max(0, m.team_volume - self.team_at_last_run.get(m.name, 0))
                            for m in members
                        ]
                        if sum(weights) > 0:
                            shares = [
                                (m, _floor(Fraction(usable * w, sum(weights))))
                                for m, w in zip(members, weights, strict=True)
                            ]
                paid = 0
                for member, amount in shares:
                    if amount <= 0:
                        continue
                    paid += amount
                    if pool["pay_as"] == "points":
                        member.available += amount
                        member.released += amount
                        member.pool_points += amount
                        self.granted += amount
                        self.pool_points_now[member.name] = (
                            self.pool_points_now.get(member.name, 0) + amount
                        )
                    else:
                        member.commission += amount
                        member.pool_cash += amount
                        self.repay_commission(member, amount)
                if pool["pay_as"] == "points" and room is not None:
                    room -= paid
                self.pool_balances[key] = balance - paid
                if intake or paid or balance - paid:
                    row: dict[str, Any] = {"name": pool["name"]}
                    if region is not None:
                        row["region"] = region
                    row.update(
                        intake=_fmt(intake),
                        paid=_fmt(paid),
                        balance=_fmt(balance - paid),
                        members=sum(1 for _, amount in shares if amount > 0),
                    )
                    rows.append(row)
        return rows

    def _gift(self, event: dict[str, Any], sender_name: str, receiver_name: str) -> None:
        if "points" in event:
            raise _Rejected("invalid_event")
        order = _name_field(event, "order") if "order" in event else None
        sender = self._known(sender_name)
        receiver = self._known(receiver_name)
        if sender.frozen:
            raise _Rejected("frozen")
        if sender.debt > 0:
            raise _Rejected("in_debt")
        open_positions = [i for i, grant in enumerate(sender.grants) if grant[0] > 0]
        if order is not None:
            chosen = [i for i in open_positions if sender.grants[i][2] == order]
            if not chosen:
                raise _Rejected("unknown_order")
        else:
            chosen = open_positions
            if not chosen:
                raise _Rejected("insufficient_points")
        receiver.grants.append(sender.grants.pop(chosen[0]))

    def _refund(self, event: dict[str, Any]) -> None:
        order = _name_field(event, "order")
        info = self.order_book.get(order)
        if info is None:
            raise _Rejected("unknown_order")
        if info["refunded"]:
            raise _Rejected("already_refunded")
        if info["window"] is not None and self.runs - info["runs"] > info["window"]:
            raise _Rejected("refund_window_closed")
        info["refunded"] = True
        buyer = self.members[info["member"]]
        cash = info["cash"]
        # 1. the spent points come back
        buyer.available += info["points"]
        self.burned -= info["points"]
        # 2. the grant is void: the locked rest from its holder, the released part from the buyer
        remaining = 0
        if info["locked"]:
            for member in self.members.values():
                for position, grant in enumerate(member.grants):
                    if grant[2] == order and grant[0] > 0:
                        remaining = grant[0]
                        member.voided += remaining
                        del member.grants[position]
                        break
        owed = buyer.debt + info["grant"] - remaining
        taken = min(buyer.available, owed)
        buyer.available -= taken
        buyer.clawed_back += taken
        buyer.debt = owed - taken
        # 3. volumes
        buyer.personal_volume -= cash
        for ancestor in self.ancestors(buyer.name):
            self.members[ancestor].team_volume -= cash
        self.sales -= cash
        if info["region"] is not None:
            self.region_sales[info["region"]] -= cash
        # 4. cash: the reserve's part, commissions (debt for what is gone), the platform
        self.reserve -= min(info["reserve"], self.reserve)
        for upline, amount in info["commissions"]:
            member = self.members[upline]
            due = member.commission_debt + amount
            back = min(member.commission, due)
            member.commission -= back
            member.commission_debt = due - back
        self.refunds += 1
        self.refunded += cash

    def _set_region(self, event: dict[str, Any]) -> None:
        name = _name_field(event, "member")
        if "region" not in event:
            raise _Rejected("invalid_event")
        region = event["region"]
        if region is not None:
            region = _name_field(event, "region")
        self._known(name).region = region

    def shows(self) -> tuple[bool, bool, bool, bool]:
        """(refunds, cap, bonus, pools): which economics fields the report carries."""
        plans = [plan for _, plan in self.versions]
        return (
            self.refunds > 0,
            any(plan.econ.cap is not None for plan in plans),
            any(plan.econ.bonus_given for plan in plans),
            any(plan.econ.pools is not None for plan in plans),
        )

    def member_extras(self, member: _Member) -> dict[str, Any]:
        refunds, _, _, pools = self.shows()
        extras: dict[str, Any] = {}
        if refunds:
            extras["debt"] = _fmt(member.debt)
            extras["commission_debt"] = _fmt(member.commission_debt)
        if pools:
            extras["region"] = member.region
            extras["pool_points"] = _fmt(member.pool_points)
            extras["pool_cash"] = _fmt(member.pool_cash)
        return extras

    def total_extras(self) -> dict[str, Any]:
        refunds, cap, bonus, pools = self.shows()
        members = self.members.values()
        extras: dict[str, Any] = {}
        if refunds:
            extras["refunds"] = self.refunds
            extras["refunded"] = _fmt(self.refunded)
            extras["voided"] = _fmt(sum(m.voided for m in members))
            extras["clawed_back"] = _fmt(sum(m.clawed_back for m in members))
            extras["debt"] = _fmt(sum(m.debt for m in members))
            extras["commission_debt"] = _fmt(sum(m.commission_debt for m in members))
        if cap:
            extras["capped"] = _fmt(self.capped)
        if bonus:
            extras["bonus"] = _fmt(self.bonus)
        if pools:
            extras["pool_points"] = _fmt(sum(m.pool_points for m in members))
            extras["pool_cash"] = _fmt(sum(m.pool_cash for m in members))
            extras["pool_balance"] = _fmt(sum(self.pool_balances.values()))
        return extras

    # --- report -------------------------------------------------------------

    def circulating(self) -> int:
        return sum(m.available for m in self.members.values())

    def price_text(self) -> str | None:
        if not self.plan.reserve_mode:
            return _fmt(_floor(self.plan.price * 100))
        circulating = self.circulating()
        if circulating == 0:
            return None
        return _fmt(_floor(Fraction(self.reserve * 100, circulating)))

    def report(self) -> dict[str, Any]:
        members = self.members.values()
        stars = self._star_of(self.plan) if self._runs("staking") else {}
        versions = {}
        if len(self.versions) > 1:
            versions["plan_versions"] = [
                {"version": number, "name": plan.name, "effective_from": effective_from}
                for number, (effective_from, plan) in enumerate(self.versions, start=1)
            ]
        return {
            "plan": self.plan.name,
            **versions,
            "members": {
                m.name: {
                    "available": _fmt(m.available),
                    "locked": _fmt(m.locked),
                    "released": _fmt(m.released),
                    "forfeited": _fmt(m.forfeited),
                    "personal_volume": _fmt(m.personal_volume),
                    "team_volume": _fmt(m.team_volume),
                    "level": self.plan.level_of(m.team_volume)[0],
                    "frozen": m.frozen,
                    "withdrawn_cash": _fmt(m.withdrawn_cash),
                    "commission": _fmt(m.commission),
                    **self._program_member_fields(m, stars),
                    **self.member_extras(m),
                }
                for m in members
            },
            "totals": {
                "granted": _fmt(self.granted),
                "released": _fmt(sum(m.released for m in members)),
                "forfeited": _fmt(sum(m.forfeited for m in members)),
                "locked": _fmt(sum(m.locked for m in members)),
                "circulating": _fmt(self.circulating()),
                "burned": _fmt(self.burned),
                "reserve": _fmt(self.reserve),
                "price": self.price_text(),
                "withdrawn_cash": _fmt(self.withdrawn_cash),
                "fees": _fmt(self.fees),
                "commission": _fmt(sum(m.commission for m in members)),
                **self._program_totals(),
                **self.total_extras(),
            },
            "settlements": list(self.settlements),
            **self._program_sections(),
            "rejected": list(self.rejected),
        }


def _has_coins(plan: _Plan) -> bool:
    """A version that names coins (even at 0) runs the spend-only balance."""
    return plan.coins_named


def run_oracle(plan: Mapping[str, Any], lines: Iterable[str]) -> dict[str, Any]:
    """Apply ``lines`` (1-based, blank lines skipped but counted) and return the report."""
    oracle = Oracle(plan)
    for number, text in enumerate(lines, start=1):
        oracle.run_line(number, text)
    return oracle.report()
