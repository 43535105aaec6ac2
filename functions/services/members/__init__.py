"""Members as the Telegram bot sees them: registration, statements, team, history, shop.

The ledger's use cases (:class:`~functions.services.ledger.Ledger`) know
members by id only; this package adds what a chat front end needs around them:
a member id derived from the Telegram user id, an unguessable invite code,
the unique claims (one phone one account, one Telegram account one member),
read models for the balance/team/history screens, the shop's catalogue and
checks that mirror the rules before money moves, and operator look-ups.
Nothing here knows about Telegram's types; handlers pass plain values.

:class:`Members` is assembled from :mod:`.registration` (look-ups, visitors,
registering), :mod:`.screens` (read models) and :mod:`.shop` (packages and
payments); :mod:`.inputs` checks what members type.
"""

from __future__ import annotations

from functions.rewards.decisions import WithdrawalQuote, decide_withdraw
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Transfer, Withdraw
from functions.rewards.money import Cents
from functions.store.records import MemberRecord, WithdrawalRecord, WithdrawalStatus

from ..results import AdjustmentResult, FreezeResult, TransferResult, WithdrawalResult
from .inputs import (
    INVITE_CODE_BYTES,
    INVITE_CODE_RE,
    MEMBER_PREFIX,
    member_id_for,
    new_invite_code,
    normalize_phone,
    parse_points,
    valid_invite_code,
)
from .registration import DISPLAY_NAME_MAX, Registration, Registrations
from .screens import (
    HISTORY_PAGE,
    SETTLEMENT_SEARCH_ENTRIES,
    TEAM_NAMES_SHOWN,
    HistoryEntry,
    HistoryPage,
    Invitee,
    Screens,
    SettlementBreakdown,
    Statement,
    TeamView,
)
from .shop import Package, Payment, Shop

__all__ = [
    "DISPLAY_NAME_MAX",
    "HISTORY_PAGE",
    "INVITE_CODE_BYTES",
    "INVITE_CODE_RE",
    "MEMBER_PREFIX",
    "SETTLEMENT_SEARCH_ENTRIES",
    "TEAM_NAMES_SHOWN",
    "HistoryEntry",
    "HistoryPage",
    "Invitee",
    "Members",
    "Package",
    "Payment",
    "Registration",
    "SettlementBreakdown",
    "Statement",
    "TeamView",
    "member_id_for",
    "new_invite_code",
    "normalize_phone",
    "parse_points",
    "valid_invite_code",
]


class Members(Registrations, Screens, Shop):
    """Bot-facing use cases over one :class:`Ledger` and the bot's own records."""

    # -- withdrawals and transfers -------------------------------------------------
    def quote_withdrawal(self, member: MemberRecord, points: Cents) -> WithdrawalQuote:
        """The fee and net cash a withdrawal would get now (the same checks, nothing held)."""
        return decide_withdraw(
            self.plan,
            Withdraw(member.member, points),
            member=member.snapshot(),
            pool=self._pool(),
        )

    def withdraw(self, member: MemberRecord, points: Cents, key: str) -> WithdrawalResult:
        return self.ledger.request_withdrawal(Withdraw(member.member, points), key)

    def transfer(
        self, sender: MemberRecord, recipient: str, points: Cents, key: str
    ) -> TransferResult:
        if recipient == sender.member:
            raise Rejected(RejectCode.INVALID_EVENT, "a member cannot send points to themself")
        return self.ledger.transfer(Transfer(sender.member, recipient, points), key)

    # -- operators ------------------------------------------------------------------
    def pending_withdrawals(self, limit: int = 10) -> list[WithdrawalRecord]:
        return self.store.withdrawals(WithdrawalStatus.PENDING, limit=limit)

    def decide_withdrawal(
        self, request_id: str, *, approve: bool, operator: str
    ) -> tuple[WithdrawalResult, MemberRecord | None]:
        """Approve or reject; returns the result and the member to notify."""
        result = self.ledger.decide_withdrawal(request_id, approve=approve, operator=operator)
        return result, self.store.get_member(result.member)

    def set_frozen(
        self, member: MemberRecord, frozen: bool, key: str, operator: str
    ) -> FreezeResult:
        return self.ledger.set_frozen(member.member, frozen, key, operator=operator)

    def adjust(
        self, member: MemberRecord, delta: Cents, reason: str, key: str, operator: str
    ) -> AdjustmentResult:
        return self.ledger.adjust(member.member, delta, reason.strip(), key, operator=operator)
