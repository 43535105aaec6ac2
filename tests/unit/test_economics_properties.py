"""Property tests of the economics controls (issue 12) against the independent oracle.

Random plans switch on refund windows, release stages, the activity gate, the throttle,
the issuance cap, category bonuses and dividend pools (any mix); random histories add
refunds (of real, repeated and unknown orders), gifts of locked points, regions and
region changes to the usual events. The engine's report must equal the oracle's, the
ledger's invariants must hold after every line, and a rejected line must change nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from functions.rewards.plan import parse_plan

from .oracle import run_oracle
from .test_oracle_properties import (
    NAMES,
    PROPERTY,
    assert_report_invariants,
    before_rejected,
    histories,
    plans,
    run_engine,
    without_messages,
)

REGIONS = ["north", "south", "东区"]
ECONOMICS_INVALID = [
    '{"type": "refund"}',
    '{"type": "refund", "order": ""}',
    '{"type": "refund", "order": 7}',
    '{"type": "set_region", "member": "m0"}',
    '{"type": "set_region", "member": "m0", "region": ""}',
    '{"type": "set_region", "region": "north"}',
    '{"type": "set_region", "member": "nobody", "region": "north"}',
    '{"type": "transfer", "from": "m0", "to": "m1", "locked": "yes"}',
    '{"type": "transfer", "from": "m0", "to": "m1", "locked": true, "points": "1"}',
    '{"type": "transfer", "from": "m0", "to": "m1", "locked": true, "order": 3}',
    '{"type": "transfer", "from": "m0", "to": "nobody", "locked": true}',
    '{"type": "join", "member": "m0", "region": 5}',
]


@st.composite
def economic_plans(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid plan with a random mix of the economics sections switched on."""
    plan = draw(plans())
    if draw(st.booleans()):
        plan["refund"] = (
            {"window_settlements": draw(st.integers(0, 4))} if draw(st.integers(0, 3)) else {}
        )
    grant = plan.get("grant")
    if grant is not None:
        if draw(st.integers(0, 2)) == 0:
            grant["issuance_cap"] = {"ratio": draw(st.sampled_from(["0", "0.5", "1", "3", "10"]))}
        if draw(st.integers(0, 2)) == 0:
            categories = draw(
                st.lists(st.sampled_from(["digital", "food", "travel"]), min_size=1, unique=True)
            )
            bounds = st.sampled_from(["0.1", "0.15", "0.2", "0.25", "0.3"])
            grant["category_bonus"] = {category: draw(bounds) for category in categories}
    release = plan.get("release")
    if release is not None and release.get("mode") == "daily":
        if draw(st.booleans()):
            del release["daily_rate"]
            count = draw(st.integers(1, 3))
            release["stages"] = [
                {
                    "days": draw(st.integers(1, 3)),
                    "daily_rate": draw(st.sampled_from(["0.05", "0.1", "0.25", "0.5", "1", "0"])),
                }
                for _ in range(count)
            ]
            del release["stages"][-1]["days"]
        if draw(st.integers(0, 2)) == 0:
            release["requires_activity"] = {"within_settlements": draw(st.integers(1, 3))}
        if draw(st.integers(0, 2)) == 0:
            release["throttle"] = {
                "target_coverage": draw(st.sampled_from(["0.5", "1.0", "2", "25"])),
                "floor": draw(st.sampled_from(["0", "0.5", "0.9", "1"])),
            }
    if draw(st.integers(0, 2)) == 0:
        levels = [level["name"] for level in (plan.get("team") or {}).get("levels") or []]
        pools = []
        for number in range(draw(st.integers(1, 3))):
            pool: dict[str, Any] = {
                "name": f"pool{number}",
                "rate": draw(st.sampled_from(["0", "0.01", "0.02", "0.1", "0.333"])),
            }
            if levels and bool(draw(st.booleans())):
                pool["eligible"] = {"min_level": draw(st.sampled_from(levels))}
            for key, choices in (
                ("mode", ["equal", "weighted"]),
                ("scope", ["global", "region"]),
                ("pay_as", ["points", "cash"]),
            ):
                if draw(st.booleans()):
                    pool[key] = draw(st.sampled_from(choices))
            pools.append(pool)
        plan["pools"] = pools
    parse_plan(plan)  # only plans the engine must accept
    return plan


@st.composite
def economic_histories(draw: st.DrawFn, /, **options: Any) -> list[str]:
    """A random history with refunds, gifts of locked points and regions mixed in."""
    lines = draw(histories(**options))
    events = [_decoded(line) for line in lines]
    joined = [str(e["member"]) for e in events if e.get("type") == "join" and "member" in e]
    names = joined or options.get("names", NAMES)
    buyers = {
        str(e["order"]): str(e["member"])
        for e in events
        if e.get("type") == "purchase"
        and isinstance(e.get("order"), str)
        and isinstance(e.get("member"), str)
    }
    orders = sorted(buyers)
    # some joins carry a region
    for index, line in enumerate(lines):
        event = _decoded(line)
        if event.get("type") == "join" and draw(st.integers(0, 2)) == 0:
            event["region"] = draw(st.sampled_from(REGIONS))
            lines[index] = json.dumps(event, ensure_ascii=False)

    def economics_line() -> str:
        kind = draw(
            st.sampled_from(["refund"] * 4 + ["gift"] * 3 + ["settle"] * 4 + ["spend", "region"])
        )
        if kind == "spend":  # a withdrawal or transfer, which a debtor may not make
            spend = {"type": "withdraw", "member": draw(st.sampled_from(names)), "points": "1"}
            return json.dumps(spend, ensure_ascii=False)
        if kind == "refund":
            order = draw(st.sampled_from([*orders, "o-unknown"])) if orders else "o-unknown"
            return json.dumps({"type": "refund", "order": order})
        if kind == "gift":
            sender, recipient = draw(st.sampled_from(names)), draw(st.sampled_from(names))
            event: dict[str, Any] = {"type": "transfer", "from": sender, "to": recipient}
            event["locked"] = True
            if orders and bool(draw(st.booleans())):
                event["order"] = draw(st.sampled_from(orders))
            return json.dumps(event, ensure_ascii=False)
        if kind == "settle":
            date = f"2026-05-{draw(st.integers(1, 28)):02d}"
            return json.dumps({"type": "settle", "date": date})
        region = draw(st.sampled_from([*REGIONS, None]))
        member = draw(st.sampled_from(names))
        return json.dumps(
            {"type": "set_region", "member": member, "region": region}, ensure_ascii=False
        )

    # some anywhere (often before the orders they name: unknown orders, early gifts) ...
    for _ in range(draw(st.integers(0, 6))):
        line = (
            economics_line()
            if draw(st.integers(0, 4))
            else draw(st.sampled_from(ECONOMICS_INVALID))
        )
        lines.insert(draw(st.integers(0, len(lines))), line)
    # ... and a tail after the history: refunds of spent grants (debt), windows closing,
    # gated runs without activity, gifts of grants that are still locked
    for _ in range(draw(st.integers(0, 12))):
        lines.append(economics_line())
    if orders and bool(draw(st.booleans())):  # the buyer gives its points away, then is refunded
        order = draw(st.sampled_from(orders))
        buyer, other = buyers[order], draw(st.sampled_from(names))
        lines.append(json.dumps({"type": "settle", "date": "2026-06-01"}))
        for points in ("5000", "500", "50", "1"):  # as much as the buyer has, roughly
            event = {"type": "transfer", "from": buyer, "to": other, "points": points}
            lines.append(json.dumps(event, ensure_ascii=False))
        lines += [
            json.dumps({"type": "refund", "order": order}),
            json.dumps({"type": "withdraw", "member": buyer, "points": "1"}, ensure_ascii=False),
            json.dumps({"type": "settle", "date": "2026-06-02"}),
        ]
    return lines


def _decoded(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


@settings(PROPERTY, max_examples=300)
@given(plan=economic_plans(), lines=economic_histories())
def test_economics_engine_report_equals_oracle_report(
    plan: dict[str, Any], lines: list[str]
) -> None:
    """Given any valid plan with economics sections and a history with refunds, gifts and
    regions (and invalid lines),
    When the engine and the independent oracle both run it,
    Then their reports are identical, rejection messages aside."""
    text, _ = run_engine(plan, lines)
    assert without_messages(json.loads(text)) == without_messages(run_oracle(plan, lines))


@settings(PROPERTY, max_examples=40)
@given(
    plan=economic_plans(),
    lines=economic_histories(
        names=[f"d{i}" for i in range(60)], tree=60, max_events=60, sun_line=True
    ),
)
def test_economics_on_deep_sun_lines_match_the_oracle(
    plan: dict[str, Any], lines: list[str]
) -> None:
    """Given mostly long referral chains (pools weighted by team volume, gates noticing
    referrals, refunds reversing volume up long lines),
    When the engine and the oracle run the history,
    Then both reports are identical."""
    text, _ = run_engine(plan, lines)
    assert without_messages(json.loads(text)) == without_messages(run_oracle(plan, lines))


@settings(PROPERTY, max_examples=150)
@given(plan=economic_plans(), lines=economic_histories())
def test_economics_invariants_hold_after_every_line(plan: dict[str, Any], lines: list[str]) -> None:
    """Given any economics plan and history,
    When the engine applies it line by line,
    Then after every line postings sum to zero per asset, no member balance is negative,
    every released point is accounted for (clawback included), a debtor holds no available
    points, and the totals reconcile (granted = released + locked + voided, released =
    circulating + burned + clawed back)."""
    text, _ = run_engine(plan, lines, check_each_line=True)
    assert_report_invariants(json.loads(text))


@settings(PROPERTY, max_examples=80)
@given(plan=economic_plans(), lines=economic_histories(), data=st.data())
def test_rejected_economics_line_changes_nothing(
    plan: dict[str, Any], lines: list[str], data: st.DataObject
) -> None:
    """Given a history in which the engine rejected some lines (refunds out of their window,
    gifts by debtors, unknown orders…),
    When one of them is blanked and the history run again,
    Then the report before the rejected list is byte-identical."""
    text, _ = run_engine(plan, lines)
    rejected = json.loads(text)["rejected"]
    if not rejected:
        return
    for row in data.draw(st.lists(st.sampled_from(rejected), unique_by=str, max_size=3)):
        blanked = list(lines)
        blanked[row["line"] - 1] = ""
        again, _ = run_engine(plan, blanked)
        assert before_rejected(again) == before_rejected(text), row


ECONOMICS_PATHS = (
    "refund_window_closed",
    "already_refunded",
    "unknown_order",
    "in_debt",
    "refund",
    "debt",
    "capped",
    "bonus",
    "pool_points",
    "pool_cash",
    "throttled",
    "gated",
    "gift",
)


def economics_paths(plan: dict[str, Any], lines: list[str]) -> set[str]:
    """The economics paths one history takes (by the oracle's report)."""
    report = run_oracle(plan, lines)
    totals = report["totals"]
    seen = {
        row["code"]
        for row in report["rejected"]
        if row["code"] in {"refund_window_closed", "already_refunded", "unknown_order", "in_debt"}
    }
    if totals.get("refunds"):
        seen.add("refund")
    for field, path in (
        ("debt", "debt"),
        ("capped", "capped"),
        ("bonus", "bonus"),
        ("pool_points", "pool_points"),
        ("pool_cash", "pool_cash"),
    ):
        if totals.get(field, "0.00") != "0.00":
            seen.add(path)
    for row in report["settlements"]:
        if row.get("throttle") not in (None, "1"):
            seen.add("throttled")
        if row.get("gated"):
            seen.add("gated")
    refused = {row["line"] for row in report["rejected"]}
    if any(
        '"locked": true' in line and number not in refused
        for number, line in enumerate(lines, start=1)
    ):
        seen.add("gift")
    return seen


@pytest.mark.parametrize("path", ECONOMICS_PATHS)
def test_the_examples_reach_every_economics_path(path: str) -> None:
    """Given the plans and histories the comparison above draws,
    When examples are drawn until one takes ``path`` (a refund, one refused for its window
    or as a repeat, a debt, a gift, a cap cut, a bonus, a throttled or gated run, a pool
    paying points or cash),
    Then one is found: every path is compared, none is vacuous.

    A search per path rather than one fixed sample of 300: which 300 are drawn is not
    stable across processes, and rare paths turned up only a few times in a sample."""
    found = find(
        st.tuples(economic_plans(), economic_histories()),
        lambda example: path in economics_paths(*example),
        settings=settings(PROPERTY, max_examples=3000, phases=[Phase.generate]),
    )
    assert path in economics_paths(*found)
