"""The settlement notifications' budget on both table adapters (issue 16): a page reserves
once, racing reservations re-read the counter, racing workers agree on the day's shares
(docs/storage.md, "Settlement notifications' budget")."""

from __future__ import annotations

from functions.store.notify_store import NotificationBudget
from functions.store.table import Table

DATE = "2026-03-04"


def test_a_page_reserves_once_and_a_retry_gets_the_first_reservation(table: Table) -> None:
    # Given a page that reserved three messages and deferred one
    budget = NotificationBudget(table, lambda: 1_000)
    first = budget.reserve(DATE, "run", 0, lambda used: ([("a", "release")] * 3, 1))
    # When the page reserves again (a retried batch) with other messages in mind
    again = budget.reserve(DATE, "run", 0, lambda used: ([("b", "digest")] * 5, 0))
    # Then it gets the first reservation back, not made by it, and the counter moved once
    assert (first.send, first.deferred, first.at_s, first.fresh) == (
        (("a", "release"),) * 3,
        1,
        1_000,
        True,
    )
    assert (again.send, again.deferred, again.fresh) == (first.send, 1, False)
    assert budget.reservation(DATE, "run", 0) == again
    assert budget.used(DATE) == 3


def test_a_reservation_racing_another_page_recomputes_from_the_moved_counter(
    table: Table,
) -> None:
    # Given a page deciding while another page reserves 4 messages in between
    budget = NotificationBudget(table, lambda: 1_000)
    seen: list[int] = []

    def decide(used: int) -> tuple[list[tuple[str, str]], int]:
        seen.append(used)
        if len(seen) == 1:
            budget.reserve(DATE, "run", 1, lambda _: ([("x", "release")] * 4, 0))
        return [("a", "release")] * (10 - used), 0

    # When it reserves
    reserved = budget.reserve(DATE, "run", 0, decide)
    # Then its first attempt was refused (the counter moved) and it decided again from 4
    assert seen == [0, 4]
    assert len(reserved.send) == 6
    assert budget.used(DATE) == 10


def test_racing_workers_agree_on_the_first_days_shares(table: Table) -> None:
    # Given no shares for the date yet
    budget = NotificationBudget(table, lambda: 1_000)
    assert budget.shares(DATE) is None
    # When two workers set theirs
    first = budget.set_shares(DATE, (10_000, 5_000, 0))
    second = budget.set_shares(DATE, (10_000, 10_000, 2_000))
    # Then both hold the first, and the counter is untouched
    assert first == second == (10_000, 5_000, 0)
    assert budget.used(DATE) == 0
