"""Property tests: the engine against an independent reference reading of RULES.md.

Random valid plans and random event histories (with a sprinkling of invalid lines)
run through both the engine (``run_scenario`` on a ``MemoryBook``) and the naive
oracle in :mod:`tests.unit.oracle`; the reports must agree, and the engine's ledger
must keep its invariants after every single line.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.commands.scenario import run_scenario
from functions.rewards.book import MemoryBook
from functions.rewards.ledger import ASSET_OF, SYSTEM, Asset, Bucket
from functions.rewards.plan import parse_plan

from .oracle import run_oracle

PROPERTY = settings(
    derandomize=True,  # a fixed sequence of examples: CI runs are reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = [f"m{i}" for i in range(12)] + ["张三", "Ω"]
CATEGORIES = ["digital", "food", "travel"]
DATES = ["2026-01-01", "2026-01-02", "2026-01-03", "2025-12-31", "2024-02-29", "2026-03-15"]


# ------------------------------------------------------------------ text helpers


def decimal_text(numerator: int, places: int) -> str:
    """``numerator / 10**places`` as a decimal string, trailing zeros trimmed."""
    whole, fraction = divmod(numerator, 10**places)
    if fraction == 0:
        return str(whole)
    return f"{whole}.{str(fraction).rjust(places, '0').rstrip('0')}"


@st.composite
def rates(draw: st.DrawFn, *, top: int = 1, places: int = 3) -> str:
    """A decimal string in [0, top] with at most ``places`` decimals."""
    return decimal_text(draw(st.integers(0, top * 10**places)), places)


@st.composite
def amount_texts(draw: st.DrawFn, cents: st.SearchStrategy[int]) -> str:
    """Cents written the ways an operator might: "12", "12.00", "12.5", "012.50"."""
    value = draw(cents)
    whole, fraction = divmod(value, 100)
    style = draw(st.sampled_from(["short", "short", "two", "padded"]))
    if style == "two":
        return f"{whole}.{fraction:02d}"
    if style == "padded":
        return f"0{whole}.{fraction:02d}"
    if fraction == 0:
        return str(whole)
    return f"{whole}.{fraction:02d}".rstrip("0")


def ascending_mins(draw: st.DrawFn, count: int, step: int) -> list[str]:
    """``count`` strictly ascending amounts (yuan, sometimes with cents)."""
    mins: list[str] = []
    current = draw(st.sampled_from([0, 0, step // 10, step])) * 100
    for _ in range(count):
        mins.append(decimal_text(current, 2))
        current += draw(st.integers(1, step * 100))
    return mins


# ------------------------------------------------------------------ plans


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid plan dict in the YAML shape of SCENARIOS.md (string decimals)."""
    plan: dict[str, Any] = {"name": draw(st.sampled_from(["p", "dividend", "积分计划"]))}

    grant = draw(st.sampled_from(["tiers", "tiers", "ratio", "ratio", "ratio", "none"]))
    if grant == "tiers":
        count = draw(st.integers(1, 4))
        mins = ascending_mins(draw, count, 1000)
        plan["grant"] = {
            "tiers": [
                {"name": f"t{i}", "min": low, "multiplier": draw(rates(top=5, places=2))}
                for i, low in enumerate(mins)
            ]
        }
    elif grant == "ratio":
        plan["grant"] = {"ratio": draw(rates(top=3, places=3))}

    release = draw(st.sampled_from(["absent", "immediate", "daily", "daily", "daily", "daily"]))
    if release == "immediate":
        plan["release"] = {"mode": "immediate"}
    elif release == "daily":
        daily_rate = draw(
            st.one_of(st.sampled_from(["0.012", "0.05", "0.1", "0.5", "1", "0"]), rates())
        )
        plan["release"] = {"mode": "daily", "daily_rate": daily_rate}

    share_count = draw(st.integers(0, 3))
    if share_count or draw(st.booleans()):
        plan["share"] = [draw(rates(places=2)) for _ in range(share_count)]

    if draw(st.integers(0, 4)):
        level_count = draw(st.integers(0, 7))
        mins = ascending_mins(draw, level_count, 300)
        # few distinct rates, so equal neighbours (peer bonus) and dips both happen
        level_rates = st.sampled_from(["0", "0.05", "0.10", "0.10", "0.10", "0.20", "0.20", "0.44"])
        team: dict[str, Any] = {
            "levels": [
                {"name": f"L{i}", "min": low, "rate": draw(level_rates)}
                for i, low in enumerate(mins)
            ]
        }
        if draw(st.integers(0, 3)):
            team["peer_rate"] = draw(st.sampled_from(["0.03", "0", "0.1", "0.005"]))
        plan["team"] = team

    valuation = draw(st.sampled_from(["absent", "fixed", "fixed-default", "reserve", "reserve"]))
    if valuation == "fixed":
        plan["valuation"] = {"mode": "fixed", "price": draw(rates(top=3, places=3))}
    elif valuation == "fixed-default":
        plan["valuation"] = {"mode": "fixed"}
    elif valuation == "reserve":
        plan["valuation"] = {"mode": "reserve", "reserve_rate": draw(rates(places=2))}

    if draw(st.booleans()):
        withdrawal: dict[str, str] = {}
        if draw(st.booleans()):
            withdrawal["fee_rate"] = draw(rates(places=3))
        if draw(st.booleans()):
            withdrawal["min_points"] = draw(st.sampled_from(["0", "1", "10", "25.5"]))
        plan["withdrawal"] = withdrawal

    if draw(st.booleans()):
        plan["deduction"] = {"max_ratio": draw(rates(places=2))}

    if draw(st.booleans()):
        generations = []
        for _ in range(draw(st.integers(1, 3))):
            keys = draw(st.lists(st.sampled_from(["default", *CATEGORIES]), unique=True))
            generations.append({key: draw(rates(top=1, places=3)) for key in keys})
        plan["commission"] = {"rates": generations}

    parse_plan(plan)  # the strategy only produces plans the engine must accept
    return plan


# ------------------------------------------------------------------ events

SMALL_CENTS = st.integers(1, 20_000)
PURCHASE_CENTS = st.one_of(
    st.integers(1, 10_000), st.integers(10_000, 500_000), st.just(99_999_999_999_999_999)
)

INVALID_LINES = [
    "{",
    "not json",
    "[1, 2]",
    '"join"',
    "null",
    "42",
    '{"type": "join", "member": NaN}',
    '{"type": "purchase", "member": "m0", "order": "x", "amount": Infinity}',
    "{}",
    '{"type": "explode", "member": "m0"}',
    '{"type": 7, "member": "m0"}',
    '{"member": "m0"}',
    '{"type": "join"}',
    '{"type": "join", "member": ""}',
    '{"type": "join", "member": 5}',
    '{"type": "join", "member": "m0", "referrer": ""}',
    '{"type": "join", "member": "m0", "referrer": 3}',
    '{"type": "purchase", "member": "m0", "amount": "10"}',
    '{"type": "purchase", "order": "z1", "amount": "10"}',
    '{"type": "purchase", "member": "m0", "order": "z2"}',
    '{"type": "purchase", "member": "m0", "order": "z3", "amount": 10}',
    '{"type": "purchase", "member": "m0", "order": "z4", "amount": 10.5}',
    '{"type": "purchase", "member": "m0", "order": "z5", "amount": "10.555"}',
    '{"type": "purchase", "member": "m0", "order": "z6", "amount": "-5"}',
    '{"type": "purchase", "member": "m0", "order": "z7", "amount": "1e3"}',
    '{"type": "purchase", "member": "m0", "order": "z8", "amount": "0"}',
    '{"type": "purchase", "member": "m0", "order": "z9", "amount": "0.00"}',
    '{"type": "purchase", "member": "m0", "order": "z10", "amount": "1234567890123456"}',
    '{"type": "purchase", "member": "m0", "order": "z11", "amount": "10", "points": 1}',
    '{"type": "purchase", "member": "m0", "order": "z12", "amount": "10", "points": "1.234"}',
    '{"type": "purchase", "member": "m0", "order": "z13", "amount": "10", "category": 3}',
    '{"type": "purchase", "member": "m0", "order": 13, "amount": "10"}',
    '{"type": "purchase", "member": "m0", "order": "z14", "amount": "12."}',
    '{"type": "purchase", "member": "m0", "order": "z15", "amount": ".5"}',
    '{"type": "purchase", "member": "m0", "order": "z16", "amount": " 10"}',
    '{"type": "purchase", "member": "m0", "order": "z17", "amount": "١٠"}',
    '{"type": "purchase", "member": "nobody", "order": "z18", "amount": "10"}',
    '{"type": "purchase", "member": "nobody", "order": "z19", "amount": "x"}',
    '{"type": "settle"}',
    '{"type": "settle", "date": "2026-1-1"}',
    '{"type": "settle", "date": "2026-02-30"}',
    '{"type": "settle", "date": "20260101"}',
    '{"type": "settle", "date": "２０２６-01-01"}',
    '{"type": "settle", "date": 20260101}',
    '{"type": "settle", "date": "2026-01-01T00:00"}',
    '{"type": "withdraw", "member": "m0"}',
    '{"type": "withdraw", "member": "m0", "points": "0"}',
    '{"type": "withdraw", "member": "m0", "points": 5}',
    '{"type": "withdraw", "member": "nobody", "points": "5"}',
    '{"type": "withdraw", "points": "5"}',
    '{"type": "transfer", "from": "m0", "to": "m0", "points": "1"}',
    '{"type": "transfer", "from": "m0", "to": "m1", "points": "0"}',
    '{"type": "transfer", "from": "m0", "to": "nobody", "points": "1"}',
    '{"type": "transfer", "from": "nobody", "to": "m0", "points": "1"}',
    '{"type": "transfer", "from": "m0", "points": "1"}',
    '{"type": "transfer", "from": "m0", "to": "m1", "points": "1.001"}',
    '{"type": "freeze", "member": "nobody"}',
    '{"type": "freeze"}',
    '{"type": "unfreeze", "member": ["m0"]}',
    '{"type": "join", "member": "m0", "referrer": null}',
    '{"type": "purchase", "member": "m0", "order": "z20", "amount": "10", "points": null}',
    '{"type": "purchase", "member": "m0", "order": "z21", "amount": "10"} trailing',
    "\ufeff" + '{"type": "freeze", "member": "m0"}',
    "[" * 3000,
]


def _line(event: dict[str, Any], draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        event["note"] = "extra keys are ignored"
    return json.dumps(event, ensure_ascii=draw(st.booleans()))


@st.composite
def histories(
    draw: st.DrawFn,
    *,
    names: list[str] = NAMES,
    tree: int = 8,
    max_events: int = 40,
    sun_line: bool = False,
) -> list[str]:
    """A random history: mostly plausible events about members that exist, some faults."""
    joined: list[str] = []
    orders: list[str] = []
    lines: list[str] = []

    def member() -> str:
        if joined and draw(st.integers(0, 12)) > 0:
            return draw(st.sampled_from(joined))
        return draw(st.sampled_from(["ghost", *names]))

    def fresh_name() -> str | None:
        free = [name for name in names if name not in joined]
        return draw(st.sampled_from(free)) if free else None

    kinds = st.sampled_from(
        ["join"] * 2
        + ["chain"]
        + ["purchase"] * 10
        + ["settle"] * 5
        + ["withdraw"] * 3
        + ["transfer"] * 2
        + ["freeze", "unfreeze", "blank", "invalid", "invalid"]
    )
    # a random tree up front, so later events find members; a sun-line tree is a few
    # long chains, each hanging off a random member that joined before it
    size = draw(st.integers(tree // 3 if sun_line else 0, tree))
    chain_length = -(-size // draw(st.integers(1, 4)))
    for i in range(size):
        name = fresh_name()
        assert name is not None
        event: dict[str, Any] = {"type": "join", "member": name}
        if sun_line:
            how = "any" if i % chain_length == 0 else "last"
        else:
            how = draw(st.sampled_from(["root", "last", "last", "any"]))
        if joined and how != "root":
            event["referrer"] = joined[-1] if how == "last" else draw(st.sampled_from(joined))
        lines.append(json.dumps(event))
        joined.append(name)
    for _ in range(draw(st.integers(0, max_events))):
        kind = draw(kinds)
        if kind == "join":
            name = fresh_name() if draw(st.integers(0, 9)) else member()
            if name is None:
                continue
            event = {"type": "join", "member": name}
            how = draw(st.sampled_from(["root", "last", "any", "any", "unknown"]))
            if how == "last" and joined:
                event["referrer"] = joined[-1]
            elif how == "any" and joined:
                event["referrer"] = draw(st.sampled_from(joined))
            elif how == "unknown":
                event["referrer"] = "ghost"
            lines.append(_line(event, draw))
            if name not in joined and event.get("referrer") != "ghost":
                joined.append(name)
        elif kind == "chain":  # a sun line: each new member refers the next
            for _ in range(draw(st.integers(2, 10))):
                name = fresh_name()
                if name is None:
                    break
                event = {"type": "join", "member": name}
                if joined:
                    event["referrer"] = joined[-1]
                lines.append(json.dumps(event))
                joined.append(name)
        elif kind == "purchase":
            if orders and draw(st.integers(0, 9)) == 0:
                order = draw(st.sampled_from(orders))
            else:
                order = f"o-{len(orders)}"
                orders.append(order)
            event = {
                "type": "purchase",
                "member": member(),
                "order": order,
                "amount": draw(amount_texts(PURCHASE_CENTS)),
            }
            points = draw(st.sampled_from(["none", "none", "zero", "some"]))
            if points == "zero":
                event["points"] = "0"
            elif points == "some":
                event["points"] = draw(amount_texts(SMALL_CENTS))
            category = draw(st.sampled_from(["none", "none", "null", *CATEGORIES]))
            if category == "null":
                event["category"] = None
            elif category != "none":
                event["category"] = category
            lines.append(_line(event, draw))
        elif kind == "settle":
            lines.append(_line({"type": "settle", "date": draw(st.sampled_from(DATES))}, draw))
        elif kind == "withdraw":
            event = {"type": "withdraw", "member": member()}
            event["points"] = draw(amount_texts(SMALL_CENTS))
            lines.append(_line(event, draw))
        elif kind == "transfer":
            sender, receiver = member(), member()
            if sender == receiver and draw(st.integers(0, 3)):
                continue
            event = {"type": "transfer", "from": sender, "to": receiver}
            event["points"] = draw(amount_texts(SMALL_CENTS))
            lines.append(_line(event, draw))
        elif kind in ("freeze", "unfreeze"):
            lines.append(_line({"type": kind, "member": member()}, draw))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "   ", "\t"])))
        else:
            lines.append(draw(st.sampled_from(INVALID_LINES)))
    return lines


@st.composite
def ladders(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A referral chain whose members sit on successive team levels.

    Every member buys a multiple of one unit and level ``i`` starts at ``i`` units, so
    team volume (and usually the level) rises one step per generation towards the
    root: the team differential, the peer bonus and its reset after a higher rate
    all come up in almost every example, rarely so in fully random trees.
    """
    unit = draw(st.sampled_from([100, 250, 1000]))
    level_rates = st.sampled_from(["0", "0.05", "0.10", "0.10", "0.20", "0.20", "0.30"])
    count = draw(st.integers(2, 7))
    plan: dict[str, Any] = {
        "name": "ladder",
        "grant": {"ratio": draw(st.sampled_from(["1", "2.5", "0.3"]))},
        "release": {
            "mode": "daily",
            "daily_rate": draw(st.sampled_from(["0.012", "0.1", "0.25", "1"])),
        },
        "team": {
            "levels": [
                {"name": f"L{i}", "min": str(unit * (i + 1)), "rate": draw(level_rates)}
                for i in range(count)
            ],
            "peer_rate": draw(st.sampled_from(["0.03", "0.1", "0.005"])),
        },
    }
    if draw(st.booleans()):
        plan["share"] = [draw(rates(places=2)) for _ in range(draw(st.integers(1, 3)))]
    parse_plan(plan)
    length = draw(st.integers(3, 14))
    names = [f"c{i}" for i in range(length)]  # c0 is the root
    lines = [json.dumps({"type": "join", "member": names[0]})]
    lines += [
        json.dumps({"type": "join", "member": child, "referrer": parent})
        for parent, child in itertools.pairwise(names)
    ]
    purchases: list[str] = []
    for number, name in enumerate(reversed(names)):
        # one or two orders each, of different sizes: grants of different daily amounts,
        # so paying acceleration from the oldest grant first shows in later releases
        for units in draw(st.lists(st.integers(1, 4) if number == 0 else st.integers(0, 2))):
            if units:
                amount = str(unit * units) + draw(st.sampled_from(["", ".37"]))
                order = f"o-{len(purchases)}"
                event = {"type": "purchase", "member": name, "order": order, "amount": amount}
                purchases.append(json.dumps(event))
    dates = draw(st.lists(st.sampled_from(DATES), min_size=1, max_size=5))
    cut = draw(st.integers(0, len(purchases)))  # some orders arrive between settlements
    lines += purchases[:cut]
    lines += [json.dumps({"type": "settle", "date": date}) for date in dates[:1]]
    lines += purchases[cut:]
    lines += [json.dumps({"type": "settle", "date": date}) for date in dates[1:]]
    return plan, lines


# ------------------------------------------------------------------ running


def run_engine(
    plan_data: dict[str, Any], lines: list[str], *, check_each_line: bool = False
) -> tuple[str, MemoryBook]:
    """The engine's report text and its book; optionally assert invariants after every line."""
    plan = parse_plan(plan_data)
    book = MemoryBook(plan)

    def feed() -> Iterator[str]:
        for text in lines:
            yield text
            if check_each_line:  # resumed only once the engine has applied ``text``
                assert_book_invariants(book)

    out = io.StringIO()
    run_scenario(plan, feed(), book, out)
    return out.getvalue(), book


def without_messages(report: dict[str, Any]) -> dict[str, Any]:
    rows = [{"line": row["line"], "code": row["code"]} for row in report["rejected"]]
    return {**report, "rejected": rows}


def before_rejected(text: str) -> str:
    """The report text up to (not including) the ``rejected`` list, which comes last."""
    return text[: text.rindex('\n  "rejected": ')]


def cents(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def assert_book_invariants(book: MemoryBook) -> None:
    balances = book.balances
    for i, member in enumerate(book.members):
        available = balances.get((member.name, Bucket.AVAILABLE), 0)
        locked = balances.get((member.name, Bucket.LOCKED), 0)
        economy = book.economy  # economics (issue 12): clawback and debt
        assert member.released == (
            available
            + member.spent
            + member.withdrawn_points
            + member.transferred_out
            - member.transferred_in
            + economy.clawed_back.get(i, 0)
        ), member
        assert sum(remaining for remaining, _daily in book.grants[i]) == locked, member
        assert all(remaining >= 0 and daily >= 0 for remaining, daily in book.grants[i])
        # a debtor has nothing left to take: every credit repays first
        assert economy.debt.get(i, 0) >= 0
        assert not economy.debt.get(i) or available == 0
        commission = balances.get((member.name, Bucket.COMMISSION), 0)
        assert not economy.commission_debt.get(i) or commission == 0
    for (owner, bucket), amount in balances.items():
        if owner != SYSTEM:
            assert amount >= 0, (owner, bucket, amount)
    for asset in Asset:
        total = sum(amount for (_, bucket), amount in balances.items() if ASSET_OF[bucket] is asset)
        assert total == 0, (asset, total)


def assert_report_invariants(report: dict[str, Any]) -> None:
    totals = {
        key: cents(value)
        for key, value in report["totals"].items()
        if isinstance(value, str) and key != "price"
    }
    members = report["members"].values()
    for key in ("released", "forfeited", "locked", "withdrawn_cash", "commission"):
        assert totals[key] == sum(cents(m[key]) for m in members), key
    assert totals["circulating"] == sum(cents(m["available"]) for m in members)
    # every released point came out of a grant (immediate grants are released at once),
    # or a refund voided what was still locked (economics, issue 12)
    voided, clawed_back = totals.get("voided", 0), totals.get("clawed_back", 0)
    assert totals["granted"] == totals["released"] + totals["locked"] + voided
    # and is still circulating unless it was burned (spent on orders or withdrawn) or a
    # refund took it back
    assert totals["released"] == totals["circulating"] + totals["burned"] + clawed_back
    for row in report["settlements"]:
        accelerated = cents(row["share"]) + cents(row["team"]) + cents(row["peer"])
        assert accelerated == cents(row["paid"]) + cents(row["forfeited"])


# ------------------------------------------------------------------ properties


@settings(PROPERTY, max_examples=400)
@given(plan=plans(), lines=histories())
def test_engine_report_equals_oracle_report(plan: dict[str, Any], lines: list[str]) -> None:
    """Given any valid plan and any history (including invalid lines),
    When the engine and the independent oracle both run it,
    Then their reports are identical, rejection messages aside."""
    text, _ = run_engine(plan, lines)
    assert without_messages(json.loads(text)) == without_messages(run_oracle(plan, lines))


@settings(PROPERTY, max_examples=60)
@given(
    plan=plans(),
    lines=histories(names=[f"d{i}" for i in range(90)], tree=90, max_events=60, sun_line=True),
)
def test_deep_sun_lines_match_the_oracle(plan: dict[str, Any], lines: list[str]) -> None:
    """Given a tree of up to 90 members, mostly long referral chains,
    When purchases and settlements run through the engine and the oracle,
    Then both reports are identical (every ancestor walk and generation agrees)."""
    text, _ = run_engine(plan, lines)
    assert without_messages(json.loads(text)) == without_messages(run_oracle(plan, lines))


@settings(PROPERTY, max_examples=150)
@given(scenario=ladders())
def test_team_ladders_match_the_oracle(scenario: tuple[dict[str, Any], list[str]]) -> None:
    """Given a referral chain climbing the team levels one generation at a time,
    When every member has bought and a few settlements run,
    Then the engine's team differential, peer bonus and caps equal the oracle's."""
    plan, lines = scenario
    text, _ = run_engine(plan, lines)
    assert without_messages(json.loads(text)) == without_messages(run_oracle(plan, lines))


@settings(PROPERTY, max_examples=200)
@given(plan=plans(), lines=histories())
def test_ledger_invariants_hold_after_every_line(plan: dict[str, Any], lines: list[str]) -> None:
    """Given any valid plan and history,
    When the engine applies it line by line,
    Then after every line each member's released points are accounted for
    (available + spent + withdrawn + sent − received), its grants sum to its locked
    balance, no member balance is negative and every asset's postings sum to zero;
    and the final totals reconcile (granted = released + locked, released =
    circulating + burned, accelerated = paid + forfeited)."""
    text, _ = run_engine(plan, lines, check_each_line=True)
    assert_report_invariants(json.loads(text))


@settings(PROPERTY, max_examples=150)
@given(plan=plans(), lines=histories(), data=st.data())
def test_rejected_line_changes_nothing(
    plan: dict[str, Any], lines: list[str], data: st.DataObject
) -> None:
    """Given a history in which the engine rejected some line,
    When that line is replaced by a blank line and the history is run again,
    Then the report up to the rejected list is byte-identical, and the rejected list
    only lacks that line's row."""
    text, _ = run_engine(plan, lines)
    rejected = json.loads(text)["rejected"]
    if not rejected:
        return
    for row in data.draw(st.lists(st.sampled_from(rejected), unique_by=str, max_size=4)):
        blanked = list(lines)
        blanked[row["line"] - 1] = ""
        again, _ = run_engine(plan, blanked)
        assert before_rejected(again) == before_rejected(text), row
        assert json.loads(again)["rejected"] == [r for r in rejected if r != row]


@settings(PROPERTY, max_examples=100)
@given(plan=plans(), lines=histories(), date=st.sampled_from(DATES))
def test_settling_a_date_twice_only_adds_an_already_settled_row(
    plan: dict[str, Any], lines: list[str], date: str
) -> None:
    """Given any history followed by a settlement of some date,
    When the same date is settled once more,
    Then members and totals are unchanged and the only new row is an already_settled
    one with zero amounts."""
    settle = json.dumps({"type": "settle", "date": date})
    once = json.loads(run_engine(plan, [*lines, settle])[0])
    twice = json.loads(run_engine(plan, [*lines, settle, settle])[0])
    zero = dict.fromkeys(("static", "share", "team", "peer", "paid", "forfeited"), "0.00")
    expected_row = {"date": date, "status": "already_settled", **zero, "members": 0}
    assert twice["members"] == once["members"]
    assert twice["totals"] == once["totals"]
    assert twice["settlements"] == [*once["settlements"], expected_row]
    assert twice["rejected"] == once["rejected"]


# ------------------------------------------------------------------ engine bugs found (fixed)


def test_purchase_by_unknown_member_under_commission_is_rejected() -> None:
    """Given a commission plan and no members,
    When a purchase names a member who never joined,
    Then the line is rejected as unknown_member and nothing else happens (RULES.md §6).

    Found by the oracle comparison: the engine raised KeyError while looking up the
    buyer's uplines for commission before it checked that the buyer exists."""
    plan = {"name": "p", "commission": {"rates": [{"default": "0.05"}]}}
    lines = ['{"type": "purchase", "member": "A", "order": "o-1", "amount": "1"}']
    text, _ = run_engine(plan, lines)
    report = json.loads(text)
    assert [(row["line"], row["code"]) for row in report["rejected"]] == [(1, "unknown_member")]
    assert without_messages(report) == without_messages(run_oracle(plan, lines))


# ------------------------------------------------------------------ the oracle itself

SEED_004_PLAN: dict[str, Any] = {
    "name": "dividend",
    "grant": {"tiers": [{"name": "junior", "min": "3000", "multiplier": "2.5"}]},
    "release": {"mode": "daily", "daily_rate": "0.012"},
    "share": ["0.50", "0.30"],
}


def test_oracle_reproduces_the_share_worked_example() -> None:
    """Given A refers B and each buys 3000 (2.5x tier, 1.2% daily),
    When the oracle settles once,
    Then A has 54 available / 7446 locked and B 36 / 7464 (RULES.md §4)."""
    lines = [
        '{"type": "join", "member": "A"}',
        '{"type": "join", "member": "B", "referrer": "A"}',
        '{"type": "purchase", "member": "A", "order": "o-1", "amount": "3000.00"}',
        '{"type": "purchase", "member": "B", "order": "o-2", "amount": "3000.00"}',
        '{"type": "settle", "date": "2026-01-01"}',
    ]
    report = run_oracle(SEED_004_PLAN, lines)
    assert (report["members"]["A"]["available"], report["members"]["A"]["locked"]) == (
        "54.00",
        "7446.00",
    )
    assert (report["members"]["B"]["available"], report["members"]["B"]["locked"]) == (
        "36.00",
        "7464.00",
    )
    assert report["settlements"][0]["static"] == "72.00"
    assert report["settlements"][0]["share"] == "18.00"


def test_oracle_reproduces_the_team_worked_example() -> None:
    """Given A (50%) refers B (44%) refers C (10%) and C's downline releases 10000,
    When the oracle settles,
    Then C earns 1000, B 3400 and A 600 of team reward; with A and B both at 10%,
    B earns 10% and A the 3% peer bonus (RULES.md §4)."""

    def run(rate_a: str, rate_b: str, rate_c: str) -> dict[str, Any]:
        # levels by team volume: D is alone below C, so volumes rise towards the root
        plan = {
            "name": "team",
            "grant": {"ratio": "1"},
            "release": {"mode": "daily", "daily_rate": "1"},
            "team": {
                "levels": [
                    {"name": "c", "min": "10000", "rate": rate_c},
                    {"name": "b", "min": "10000.01", "rate": rate_b},
                    {"name": "a", "min": "10000.02", "rate": rate_a},
                ],
                "peer_rate": "0.03",
            },
        }
        lines = [
            '{"type": "join", "member": "A"}',
            '{"type": "join", "member": "B", "referrer": "A"}',
            '{"type": "join", "member": "C", "referrer": "B"}',
            '{"type": "join", "member": "D", "referrer": "C"}',
            '{"type": "purchase", "member": "D", "order": "1", "amount": "10000"}',
            '{"type": "purchase", "member": "C", "order": "2", "amount": "0.01"}',
            '{"type": "purchase", "member": "B", "order": "3", "amount": "0.01"}',
            '{"type": "settle", "date": "2026-01-01"}',
        ]
        return run_oracle(plan, lines)

    def team_rewards(report: dict[str, Any]) -> dict[str, str]:
        # A, B, C have nothing locked after the static release, so every point of
        # acceleration they earned is forfeited: forfeited is exactly what they earned.
        return {name: report["members"][name]["forfeited"] for name in "ABC"}

    report = run("0.50", "0.44", "0.10")
    assert team_rewards(report) == {"A": "600.00", "B": "3400.00", "C": "1000.00"}
    assert report["settlements"][0]["team"] == "5000.00"

    # "If A and B were both 10%" (C without a rate): B earns 10%, A the 3% peer bonus
    report = run("0.10", "0.10", "0")
    assert team_rewards(report) == {"A": "300.00", "B": "1000.00", "C": "0.00"}
    assert report["settlements"][0]["peer"] == "300.00"

    # all three at 10%: C takes the 10%, B the one peer bonus, A nothing
    report = run("0.10", "0.10", "0.10")
    assert team_rewards(report) == {"A": "0.00", "B": "300.00", "C": "1000.00"}


def test_oracle_reproduces_the_reserve_worked_example() -> None:
    """Given two purchases of 100 with ratio 0.30 and reserve_rate 0.09,
    When 30 points are withdrawn with a 20% fee,
    Then gross 9.00, net 7.20, fee 1.80; reserve 10.80 and price 0.36 (RULES.md §5)."""
    plan = {
        "name": "value",
        "grant": {"ratio": "0.30"},
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "withdrawal": {"fee_rate": "0.20"},
    }
    lines = [
        '{"type": "join", "member": "A"}',
        '{"type": "join", "member": "B"}',
        '{"type": "purchase", "member": "A", "order": "1", "amount": "100"}',
        '{"type": "purchase", "member": "B", "order": "2", "amount": "100"}',
        '{"type": "withdraw", "member": "A", "points": "30"}',
    ]
    totals = run_oracle(plan, lines)["totals"]
    assert totals["withdrawn_cash"] == "7.20"
    assert totals["fees"] == "1.80"
    assert totals["reserve"] == "10.80"
    assert totals["circulating"] == "30.00"
    assert totals["price"] == "0.36"


# ------------------------------------------------------------------ plan versions

PLAN_DATES = [*DATES, "2026-01-04", "2026-02-01", "2027-01-01"]


@st.composite
def versioned_histories(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A random plan and history with plan events (new versions) slipped in anywhere."""
    plan = draw(plans())
    lines = draw(histories())
    for _ in range(draw(st.integers(1, 3))):
        event: dict[str, Any] = {
            "type": "plan",
            "plan": draw(plans()),
            "effective_from": draw(st.sampled_from(PLAN_DATES)),
        }
        lines.insert(draw(st.integers(0, len(lines))), json.dumps(event, ensure_ascii=False))
    # settlements after the switches, so later versions are in effect for some events
    for date in draw(st.lists(st.sampled_from(PLAN_DATES), max_size=3)):
        lines.append(json.dumps({"type": "settle", "date": date}))
        if draw(st.booleans()):
            member = draw(st.sampled_from(NAMES))
            order = f"late-{len(lines)}"
            event = {"type": "purchase", "member": member, "order": order, "amount": "3000"}
            lines.append(json.dumps(event))
    return plan, lines


@settings(PROPERTY, max_examples=150)
@given(scenario=versioned_histories())
def test_plan_versions_match_the_oracle(scenario: tuple[dict[str, Any], list[str]]) -> None:
    """Given a random plan and a history that publishes new versions along the way,
    When the engine and the oracle both run it,
    Then the reports are identical: each purchase and withdrawal used the version of the
    day after the latest settlement, each settlement its own date's version, and versions
    dated on or before a settled day were refused alike."""
    plan, lines = scenario
    text, _ = run_engine(plan, lines, check_each_line=True)
    report = json.loads(text)
    assert without_messages(report) == without_messages(run_oracle(plan, lines))
    assert_report_invariants(report)


def test_versioned_histories_switch_plans_and_refuse_late_versions() -> None:
    """Given the examples the property above draws (a fixed sequence),
    Then some reports list several versions and some refuse a version for its date:
    both paths are exercised."""
    seen: set[str] = set()

    @settings(PROPERTY, max_examples=150)
    @given(scenario=versioned_histories())
    def collect(scenario: tuple[dict[str, Any], list[str]]) -> None:
        plan, lines = scenario
        report = run_oracle(plan, lines)
        if len(report.get("plan_versions", [])) > 1:
            seen.add("versions")
        if any(row["code"] == "effective_date_passed" for row in report["rejected"]):
            seen.add("refused")
        if report["plan"] != report.get("plan_versions", [{}])[0].get("name", report["plan"]):
            seen.add("switched")

    collect()
    assert seen == {"versions", "refused", "switched"}
