"""The notification policy (issue 16): which settlement statements become messages.

Pure: member results and the members as they were in, categories and budget grants out.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import replace

import pytest

from functions.services.notification_policy import (
    Candidate,
    Category,
    MemberBefore,
    NotificationRules,
    allot,
    before_of,
    classify,
    cut,
    digest_weekday,
    is_digest_day,
    reconstructed_before,
    sample_pages,
    select,
    tier_counts,
)
from functions.services.programs.settlement import StakeStep
from functions.services.settlement_results import MemberResult
from functions.store.records import GrantRecord, MemberRecord

RULES = NotificationRules(daily_budget=1_000, release_threshold_bp=2_500)


def result(member: str = "m1", *, static: int = 90_00, **changes: object) -> MemberResult:
    """A member whose one grant (seq 1) released ``static`` today, level unchanged."""
    base = MemberResult(member, static, (), 0, 0, 0, 0, ((1, static),) if static else ())
    return replace(base, **changes)  # type: ignore[arg-type]


def before(locked: int = 7_500_00, **changes: object) -> MemberBefore:
    """Locked points in one grant (seq 1), no level, a Telegram chat."""
    return replace(MemberBefore(None, locked, {1: locked}), **changes)  # type: ignore[arg-type]


def quiet_date(member: str) -> str:
    """A date that is not ``member``'s digest day."""
    day = dt.date(2026, 1, 5)  # a Monday
    while day.weekday() == digest_weekday(member):
        day += dt.timedelta(days=1)
    return day.isoformat()


def digest_date(member: str) -> str:
    return (dt.date(2026, 1, 5) + dt.timedelta(days=digest_weekday(member))).isoformat()


# -- categories ---------------------------------------------------------------------


def test_a_member_without_a_chat_is_never_messaged_whatever_happened() -> None:
    # Given a member who reached a level but has no Telegram chat
    # When classified
    category = classify(result(level="gold"), before(has_chat=False), quiet_date("m1"), RULES)
    # Then nothing is sent (and no budget used)
    assert category is Category.NO_CHAT


def test_a_level_change_is_told_the_same_day() -> None:
    # Given a member who moves from bronze to silver with a small release
    # When classified
    category = classify(result(level="silver"), before(level="bronze"), quiet_date("m1"), RULES)
    # Then it is an event of the day
    assert category is Category.LEVEL


def test_points_forfeited_by_the_cap_are_told_the_same_day() -> None:
    # Given a member whose acceleration was capped
    # When classified
    category = classify(result(forfeited=5_00), before(), quiet_date("m1"), RULES)
    # Then it is an event of the day
    assert category is Category.FORFEITED


def test_a_grant_fully_released_is_told_the_same_day() -> None:
    # Given a member whose grant had exactly today's release left, among larger locked points
    outcome = result(static=40_00, releases=((1, 40_00),))
    # When classified
    category = classify(outcome, before(locked=1_000_00, grants={1: 40_00}), "2026-01-06", RULES)
    # Then the completed grant is told
    assert category is Category.COMPLETED


def test_a_matured_stake_or_a_pool_payout_is_told_the_same_day() -> None:
    # Given a stake that matured, and another member paid by a dividend pool
    stake = StakeStep(1_000_00, 50_00, 0, 0, 0, (1,), (1,))
    date = quiet_date("m1")
    # When classified
    matured = classify(result(stakes=stake), before(), date, RULES)
    pooled = classify(result(pool_points=3_00), before(), date, RULES)
    # Then both are events of the day
    assert matured is pooled is Category.PROGRAM


def test_a_release_from_the_threshold_share_of_locked_points_is_told_below_it_is_not() -> None:
    # Given a 25 % threshold and 400.00 locked points
    date = quiet_date("m1")
    # When 100.00 (exactly 25 %) and 99.99 are released
    at = classify(result(static=100_00), before(locked=400_00, grants={1: 900_00}), date, RULES)
    under = classify(result(static=99_99), before(locked=400_00, grants={1: 900_00}), date, RULES)
    # Then the first is told today, the second waits (Mini App, not its digest day)
    assert at is Category.RELEASE
    assert under is Category.APP


def test_a_small_release_on_the_members_digest_day_is_a_digest_else_mini_app_only() -> None:
    # Given a daily release of 1.2 % of locked points
    small = result(static=90_00)
    # When classified on the member's digest day and on another day
    on = classify(small, before(), digest_date("m1"), RULES)
    off = classify(small, before(), quiet_date("m1"), RULES)
    # Then the digest carries it once a week; the Mini App shows it every day
    assert on is Category.DIGEST
    assert off is Category.APP


def test_the_member_before_is_rebuilt_from_the_item_after_the_run() -> None:
    # Given a member item read after the run emptied grant 1 (gone) and took 10.00 of grant 2
    record = MemberRecord(
        member="m1",
        referrer=None,
        joined_at=0,
        frozen=False,
        available=0,
        locked=500_00,
        withdrawing=0,
        commission=0,
        payable=0,
        released=0,
        forfeited=0,
        withdrawn_cash=0,
        withdrawn_points=0,
        spent=0,
        transferred_out=0,
        transferred_in=0,
        personal_volume=0,
        adjusted=0,
        grants=(GrantRecord(2, "o2", 1_000_00, 500_00, 10_00),),
        grant_seq=2,
        journal_seq=0,
        journal_head="",
        last_settled="2026-01-05",
        version=1,
        level="silver",
        telegram_id=7,
    )
    outcome = result(static=50_00, releases=((1, 40_00), (2, 10_00)), level="silver")
    # When the member before the run is rebuilt
    rebuilt = reconstructed_before(record, outcome)
    # Then locked and both grants are as they were, the level is taken as unchanged
    assert rebuilt == MemberBefore("silver", 550_00, {1: 40_00, 2: 510_00}, True)
    assert classify(outcome, rebuilt, quiet_date("m1"), RULES) is Category.COMPLETED
    # And an item read before the run is taken as it is
    assert before_of(record) == MemberBefore("silver", 500_00, {2: 500_00}, True)


# -- the digest day -------------------------------------------------------------------


def test_digest_days_spread_members_evenly_over_the_week() -> None:
    # Given 70,000 members
    members = [f"m{index}" for index in range(70_000)]
    # When each gets its digest day
    days = Counter(digest_weekday(member) for member in members)
    # Then every weekday carries about a seventh (within 2 %)
    assert sorted(days) == list(range(7))
    assert all(abs(count - 10_000) < 200 for count in days.values())


def test_a_member_has_exactly_one_digest_day_in_any_seven_consecutive_dates() -> None:
    # Given any week, starting on any day
    for start in range(7):
        dates = [(dt.date(2026, 3, 1) + dt.timedelta(days=start + n)).isoformat() for n in range(7)]
        # When the member's digest day is looked for
        # Then it is found exactly once
        assert sum(is_digest_day("m42", date) for date in dates) == 1


# -- the budget ---------------------------------------------------------------------


def candidates(events: int, releases: int, digests: int) -> list[Candidate]:
    found = [Candidate(f"e{n}", Category.LEVEL) for n in range(events)]
    found += [Candidate(f"r{n}", Category.RELEASE, 100 + n) for n in range(releases)]
    found += [Candidate(f"d{n}", Category.DIGEST) for n in range(digests)]
    return [*found, Candidate("a", Category.APP), Candidate("x", Category.NO_CHAT)]


def test_tiers_are_counted_and_app_only_or_chatless_members_use_no_budget() -> None:
    # Given 2 events, 3 releases, 4 digests, one Mini App only, one without a chat
    # When counted by tier
    # Then the last two are not counted
    assert tier_counts(candidates(2, 3, 4)) == (2, 3, 4)


def test_the_days_shares_fill_the_budget_events_first_then_releases_then_digests() -> None:
    # Given a budget of 1,000 for the day (980 shared out: 2 % kept for the estimate's error)
    # When the day's estimated demand fits, overflows into digests, or into releases
    roomy = cut((100, 300, 500), RULES)
    digests_cut = cut((100, 300, 1_200), RULES)
    releases_cut = cut((200, 1_000, 5_000), RULES)
    # Then every tier is sent in full while it fits; the first that does not gets what is
    # left (in basis points) and the ones below it nothing
    assert roomy == (10_000, 10_000, 10_000)
    assert digests_cut == (10_000, 10_000, 4_833)
    assert releases_cut == (10_000, 7_800, 0)


def test_events_are_sent_even_beyond_the_estimate_never_past_the_budget() -> None:
    # Given more events than the day's estimate expected
    shares = cut((10, 0, 0), RULES)
    # When a page with 40 events reserves after 980 messages were granted
    # Then it gets the 20 the budget has left
    assert allot((40, 0, 0), 980, shares, RULES) == (20, 0, 0)


@pytest.mark.parametrize(
    ("shares", "used", "granted"),
    [
        ((10_000, 10_000, 10_000), 0, (10, 20, 30)),  # everything fits
        ((10_000, 10_000, 5_000), 0, (10, 20, 15)),  # half the digests …
        ((10_000, 8_000, 0), 0, (10, 16, 0)),  # … or none, and 80 % of the releases
        ((10_000, 10_000, 3_333), 0, (10, 20, 10)),  # a share rounds up: 9.999 → 10
        ((10_000, 10_000, 10_000), 975, (10, 15, 0)),  # the counter caps, lowest tier first
        ((10_000, 10_000, 10_000), 1_000, (0, 0, 0)),
    ],
)
def test_a_page_sends_the_days_share_of_each_tier_under_the_counter(
    shares: tuple[int, int, int], used: int, granted: tuple[int, int, int]
) -> None:
    # Given a page of 10 events, 20 releases and 30 digests, ``used`` already granted
    # When allotted under a budget of 1,000 with the day's shares
    allotted = allot((10, 20, 30), used, shares, RULES)
    # Then it sends each tier's share, in tier order, never past the budget
    assert allotted == granted
    assert used + sum(allotted) <= RULES.daily_budget


def test_within_a_tier_the_larger_releases_are_sent_first() -> None:
    # Given 2 events, 5 releases (100 … 104 cents), 3 digests and room for 3 releases
    found = candidates(2, 5, 3)
    # When selected
    sent, deferred = select(found, (2, 3, 0))
    # Then the events and the 3 largest releases go; the rest are deferred, counted
    assert [c.member for c in sent] == ["e0", "e1", "r4", "r3", "r2"]
    assert sorted(c.member for c in deferred) == ["d0", "d1", "d2", "r0", "r1"]


def test_the_demand_is_estimated_from_every_page_of_a_small_run_and_a_spread_of_a_large() -> None:
    # Given a run of 10 pages and one of 10,000
    # When the pages to sample are chosen
    small, large = sample_pages(10), sample_pages(10_000)
    # Then the small run is read whole; the large one at the middle of 64 equal slices,
    # neither its first page (the oldest members) nor its last
    assert small == list(range(10))
    assert len(large) == 64
    assert large[0] == 78
    assert large[-1] == 9_921
    assert all(b - a in (156, 157) for a, b in itertools.pairwise(large))
