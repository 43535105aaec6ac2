"""The proof-of-liabilities trees, proofs and solvency figure (pure: milliseconds per case).

Properties (hypothesis) over random members: any change to any committed value changes a
root; every node's sums are the sums of the leaves beneath it; a proof holds against its
own day only; leaving a member out changes the published count; the standalone verifier
agrees with the system's; a proof served from the stored form is the in-memory one. The
worked example of docs/proof-of-liabilities.md is rebuilt here, and the reserve-valuation
claim is checked against the engine's own withdrawal rule.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from functions.proofs.day import Day, Holding, locate, split_entries, stored_proof
from functions.proofs.documents import (
    FIELDS,
    daily_record,
    encode,
    proof_document,
    verify_proof,
)
from functions.proofs.encoding import (
    ProofError,
    day_salt,
    empty_records,
    member_commitment,
    member_nonce,
    record_size,
    unpack_record,
)
from functions.proofs.solvency import fixed_solvency, reserve_solvency, withdrawable
from functions.rewards.decisions import MemberSnapshot, Pool, decide_withdraw
from functions.rewards.events import Withdraw
from functions.rewards.plan import parse_plan

ROOT = Path(__file__).resolve().parents[2]
DATE = "2026-05-01"
OTHER_DATE = "2026-05-02"
KEY = bytes(range(32))
F = len(FIELDS)


def load_verifier() -> ModuleType:
    """``verifier/jifen_proof_verify.py`` as the member runs it: a file, not our package."""
    path = ROOT / "verifier" / "jifen_proof_verify.py"
    spec = importlib.util.spec_from_file_location("jifen_proof_verify", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


VERIFIER = load_verifier()

balances = st.tuples(*[st.integers(0, 10**15)] * F)
heads = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@st.composite
def members(draw: st.DrawFn, min_size: int = 1, max_size: int = 40) -> list[Holding]:
    names = draw(
        st.lists(
            st.text(alphabet="abcdefgh0123456789", min_size=1, max_size=6),
            min_size=min_size,
            max_size=max_size,
            unique=True,
        )
    )
    return [
        Holding(f"tg{name}", draw(balances), draw(st.integers(1, 10**6)), draw(heads), 1)
        for name in names
    ]


def build(holdings: list[Holding], date: str = DATE, page_bits: int = 10) -> Day:
    return Day.build(date, F, holdings, day_salt(KEY, date), page_bits)


def record_of(day: Day) -> dict[str, Any]:
    return daily_record(
        date=day.date,
        built_at="2026-05-02T00:30:00Z",
        run_seq=1,
        root=day.trees.root,
        journal_root=day.journal_root,
        depth=day.shape.depth,
        solvency={},
    )


def document(day: Day, member: str) -> dict[str, Any]:
    index = day.index_of(member)
    assert index is not None
    parsed: dict[str, Any] = json.loads(
        encode(proof_document(day.proof(index), record_of(day), "x"))
    )
    return parsed


def roots(day: Day) -> tuple[bytes, bytes]:
    return day.trees.root, day.journal_root


# -- the worked example of the documentation ------------------------------------------------


def test_the_documented_example_rebuilds_to_the_documented_roots() -> None:
    """Given the three members of docs/proof-of-liabilities.md under the key 00…1f,
    When the day is built, Then every value the page lists is what the code computes."""
    text = (ROOT / "docs" / "proof-of-liabilities.md").read_text(encoding="utf-8")
    example = text.split("## Worked example", 1)[1]
    listed = dict(re.findall(r"^(\w[\w ]*?)\s{2,}([0-9a-f]{64})$", example, re.MULTILINE))
    day = build(
        [
            Holding("alice", (123456, 0, 0, 0, 0), 3, "ab" * 32),
            Holding("bob", (5000, 200, 0, 150, 0), 1, "cd" * 32),
            Holding("carol", (0, 0, 0, 0, 0), 2, "ef" * 32),
        ]
    )
    root, count, sums = day.root
    assert listed["salt"] == day_salt(KEY, DATE).hex()
    assert listed["root"] == root.hex()
    assert listed["journal root"] == day.journal_root.hex()
    assert listed["empty leaf"] == empty_records(F)[0][:32].hex()
    assert (count, sums) == (3, (128456, 200, 0, 150, 0))
    assert "root count/sums 3 / 128456, 200, 0, 150, 0" in example
    assert [leaf.holding.member for leaf in day.leaves] == ["alice", "bob", "carol"]
    assert re.findall(r"commit\s+([0-9a-f]{64})", example) == [
        leaf.commitment.hex() for leaf in day.leaves
    ]


# -- any change to a committed value changes a root -------------------------------------------


@settings(max_examples=60, deadline=None)
@given(members(), st.data())
def test_any_change_to_a_balance_nonce_member_or_head_changes_a_root(
    holdings: list[Holding], data: st.DataObject
) -> None:
    """Given a day, When one member's balance, id or chain head changes, or its nonce is
    replaced, Then the sum root (balances, ids, nonces) or the journal root (heads) moves."""
    day = build(holdings)
    target = data.draw(st.integers(0, len(holdings) - 1))
    victim = holdings[target]
    change = data.draw(st.sampled_from(["balance", "member", "head", "seq", "nonce"]))
    changed = list(holdings)
    if change == "balance":
        field = data.draw(st.integers(0, F - 1))
        delta = data.draw(st.integers(-(10**15), 10**15).filter(bool))
        value = victim.balances[field] + delta
        assume(value >= 0)
        new_balances = list(victim.balances)
        new_balances[field] = value
        changed[target] = victim._replace(balances=tuple(new_balances))
    elif change == "member":
        name = victim.member + data.draw(st.text(alphabet="xyz", min_size=1, max_size=3))
        assume(name not in {h.member for h in holdings})
        changed[target] = victim._replace(member=name)
    elif change == "head":
        head = data.draw(heads.filter(lambda h: h != victim.journal_head))
        changed[target] = victim._replace(journal_head=head)
    elif change == "seq":
        changed[target] = victim._replace(journal_seq=victim.journal_seq + 1)
    if change == "nonce":
        # the same holdings, one leaf's nonce replaced (commitment kept: what a forger does)
        leaves = list(day.leaves)
        nonce = data.draw(st.binary(min_size=32, max_size=32))
        assume(nonce != leaves[target].nonce)
        leaves[target] = leaves[target]._replace(nonce=nonce)
        other = Day(DATE, F, leaves)
    else:
        other = build(changed)
    assert roots(other) != roots(day)
    if change in {"balance", "member", "nonce"}:
        assert other.trees.root != day.trees.root
    else:
        assert other.journal_root != day.journal_root


@settings(max_examples=40, deadline=None)
@given(members(min_size=2))
def test_leaving_a_member_out_changes_the_published_count_and_root(
    holdings: list[Holding],
) -> None:
    """Given a day, When it is built again without one member, Then the root's member
    count drops by one (and the sums by that member's balances)."""
    full, short = build(holdings), build(holdings[1:])
    _, count, sums = full.root
    _, short_count, short_sums = short.root
    assert short_count == count - 1
    assert tuple(a - b for a, b in zip(sums, short_sums, strict=True)) == holdings[0].balances
    assert short.trees.root != full.trees.root


# -- sums ---------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(members(max_size=70))
def test_every_node_sums_the_leaves_beneath_it(holdings: list[Holding]) -> None:
    """Given a day, When any node of any level is read, Then its count and sums are those
    of the leaves under it (padding counts nothing)."""
    day = build(holdings)
    leaves = day.leaves
    for level in range(day.trees.depth + 1):
        span = 1 << level
        for index in range(-(-len(leaves) // span)):
            _, count, sums = unpack_record(day.trees.node(level, index), F)
            beneath = leaves[index * span : (index + 1) * span]
            assert count == len(beneath)
            assert sums == tuple(sum(leaf.balances[f] for leaf in beneath) for f in range(F))


def test_a_negative_balance_or_a_total_beyond_64_bits_is_refused() -> None:
    """Given a negative balance, or totals that overflow a u64, Then the day is refused."""
    with pytest.raises(ProofError) as negative:
        build([Holding("a", (-1, 0, 0, 0, 0), 1, "h")])
    with pytest.raises(ProofError) as overflow:
        build([Holding(f"m{i}", (2**63, 0, 0, 0, 0), 1, "h") for i in range(2)])
    assert negative.value.code == overflow.value.code == "proof_out_of_range"


# -- proofs -------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(members(), st.data())
def test_every_members_proof_verifies_in_both_verifiers(
    holdings: list[Holding], data: st.DataObject
) -> None:
    """Given a day and its record, When a member's proof is checked by the system and by the
    standalone verifier, Then both accept it and agree on what it shows."""
    day = build(holdings)
    record = json.loads(encode(record_of(day)))
    member = data.draw(st.sampled_from(holdings)).member
    proof = document(day, member)
    ours = verify_proof(proof, record)
    theirs = VERIFIER.verify(proof, record)
    assert ours.member == theirs["member"] == member
    assert ours.root_hash == theirs["root"] == day.trees.root[:32].hex()
    assert (ours.points, ours.points_total) == (theirs["points"], theirs["points_total"])
    assert ours.members == theirs["members"] == len(holdings)


@settings(max_examples=30, deadline=None)
@given(members(), st.data())
def test_a_proof_of_one_day_does_not_verify_against_another_days_root(
    holdings: list[Holding], data: st.DataObject
) -> None:
    """Given the same members on two days, When a proof of the first is checked against the
    second day's record (or relabelled with its date), Then both verifiers refuse it."""
    first, second = build(holdings), build(holdings, OTHER_DATE)
    member = data.draw(st.sampled_from(holdings)).member
    proof = document(first, member)
    other = json.loads(encode(record_of(second)))
    relabelled = {**proof, "date": OTHER_DATE, "root": other["root"]}
    relabelled["journal_root"] = other["journal_root"]
    for candidate, record in ((proof, other), (relabelled, other)):
        with pytest.raises(ProofError):
            verify_proof(candidate, record)
        with pytest.raises(VERIFIER.VerificationError):
            VERIFIER.verify(candidate, record)


TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "balance": lambda p: p["leaf"]["balances"].__setitem__(
        "available", p["leaf"]["balances"]["available"] + 1
    ),
    "member": lambda p: p.__setitem__("member", p["member"] + "x"),
    "nonce": lambda p: p["leaf"].__setitem__("nonce", "00" * 32),
    "head": lambda p: p["journal"].__setitem__("head", "0" * 64),
    "seq": lambda p: p["journal"].__setitem__("seq", p["journal"]["seq"] + 1),
    "index": lambda p: p["leaf"].__setitem__("index", p["leaf"]["index"] ^ 1),
    "sibling sum": lambda p: p["path"][0].__setitem__(2, p["path"][0][2] + 1),
    "root sum": lambda p: p["root"]["sums"].__setitem__("locked", p["root"]["sums"]["locked"] + 1),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_a_tampered_proof_fails_in_both_verifiers(tamper: str) -> None:
    """Given a valid proof, When one value in it is changed, Then both verifiers refuse it."""
    holdings = [Holding(f"m{i}", (i * 100, i, 0, 0, 5), i + 1, f"{i:064x}") for i in range(9)]
    day = build(holdings)
    record = json.loads(encode(record_of(day)))
    proof = document(day, "m4")
    verify_proof(proof, record)
    changed = copy.deepcopy(proof)
    TAMPERS[tamper](changed)
    with pytest.raises(ProofError):
        verify_proof(changed, record)
    with pytest.raises(VERIFIER.VerificationError):
        VERIFIER.verify(changed, record)
    # the root in the file itself is not what the member trusts: the published one is
    if tamper == "root sum":
        with pytest.raises(VERIFIER.VerificationError):
            VERIFIER.verify({**proof, "root": changed["root"]}, record)


def test_the_standalone_verifier_reports_without_raising_for_web_pages() -> None:
    """Given proof texts, When verify_json checks them, Then it answers ok or a stable code."""
    day = build([Holding(f"m{i}", (i, 0, 0, 0, 0), 1, "h") for i in range(3)])
    proof = json.dumps(document(day, "m1"))
    record = encode(record_of(day)).decode()
    assert VERIFIER.verify_json(proof, record)["ok"] is True
    assert VERIFIER.verify_json(proof)["compared_with_record"] is False
    assert VERIFIER.verify_json("{", record)["code"] == "proof_invalid"
    wrong = record.replace('"count": 3', '"count": 4')
    assert VERIFIER.verify_json(proof, wrong) == {
        "ok": False,
        "code": "proof_mismatch",
        "message": "your leaf is not under the published root",
    }


@settings(max_examples=25, deadline=None)
@given(members(max_size=80), st.integers(1, 3), st.data())
def test_a_proof_served_from_the_stored_form_is_the_in_memory_one(
    holdings: list[Holding], page_bits: int, data: st.DataObject
) -> None:
    """Given a day cut into pages, top chunks and heads (pages of 2-8 leaves, so three
    strata appear), When a member's proof is served from one page and one chunk,
    Then it equals the proof taken from the whole tree."""
    day = build(holdings, page_bits=page_bits)
    member = data.draw(st.sampled_from(holdings)).member
    salt = day_salt(KEY, DATE)
    shape, pages, tops, heads = day.shape, day.pages(), day.tops(), day.heads()
    commitment = member_commitment(member_nonce(salt, member), DATE, member)
    chunk = locate(split_entries(heads, shape)[0], commitment)
    page = chunk * shape.page_size + locate(split_entries(tops[chunk], shape)[0], commitment)
    served = stored_proof(
        DATE, shape, salt, member, heads, (chunk, tops[chunk]), (page, pages[page])
    )
    index = day.index_of(member)
    assert index is not None
    assert served == day.proof(index)
    assert (
        stored_proof(DATE, shape, salt, "nobody", heads, (chunk, tops[chunk]), (page, pages[page]))
        is None
    )


def test_records_are_fixed_size_and_a_proof_is_logarithmic() -> None:
    """Given a million-member shape, Then a proof has 20 levels (24 at ten million)."""
    from functions.proofs.day import Shape

    assert record_size(F) == 80
    assert Shape(1_000_000, F).depth == 20
    assert Shape(10_000_000, F).depth == 24
    assert Shape(10_000_000, F).chunks == 10


# -- solvency -------------------------------------------------------------------------------------

RESERVE_PLAN = parse_plan(
    {
        "name": "reserve",
        "grant": {"ratio": "0.30"},
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "withdrawal": {"fee_rate": "0.20", "min_points": "0.01"},
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=30), st.integers(0, 10**12))
def test_withdrawals_at_the_published_price_never_exceed_the_reserve(
    availables: list[int], reserve: int
) -> None:
    """Given members' available points and a reserve, When the record's figure is computed,
    Then what every member withdrawing everything at the published price is paid is at
    most the reserve, and the record says it holds."""
    figure = reserve_solvency(reserve, availables)
    assert figure["withdrawable"] <= reserve
    assert figure["holds"] is True
    assert figure["circulating"] == sum(availables)
    if figure["withdrawable"]:
        assert Fraction(figure["ratio"]) >= 1


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=12), st.integers(0, 10**11))
def test_withdrawing_one_after_another_by_the_engines_rule_never_exceeds_the_reserve(
    availables: list[int], reserve: int
) -> None:
    """Given the published state, When every member withdraws everything in turn through
    the engine's own rule (the price moving after each: the fee stays in the reserve),
    Then no withdrawal's gross exceeds what the reserve holds and it never goes negative."""
    circulating = sum(availables)
    start = reserve
    assert withdrawable(reserve, circulating, availables) <= reserve
    paid = 0
    for index, available in enumerate(availables):
        quote = decide_withdraw(
            RESERVE_PLAN,
            Withdraw(f"m{index}", available),
            member=MemberSnapshot(f"m{index}", available, False),
            pool=Pool(reserve, circulating),
        )
        assert quote.gross <= reserve
        reserve -= quote.net
        circulating -= available
        paid += quote.net
        assert reserve >= 0
    assert paid <= start


def test_fixed_valuation_sets_liabilities_at_the_price_against_the_declared_cash() -> None:
    """Given 1000.00 points at 0.50 and 30.00 cash owed, When 600.00 is declared,
    Then liabilities are 530.00 and the declared cash covers them (ratio 1.1320)."""
    figure = fixed_solvency(Fraction(1, 2), 100_000, 3_000, 60_000)
    assert (figure["points_value"], figure["liabilities"]) == (50_000, 53_000)
    assert figure["ratio"] == "1.1320"
    assert figure["holds"] is True
    assert fixed_solvency(Fraction(1, 2), 100_000, 3_000, None)["ratio"] is None
