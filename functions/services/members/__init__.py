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

import json

from functions.rewards.decisions import WithdrawalQuote, decide_withdraw
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Transfer, Withdraw
from functions.rewards.money import Cents
from functions.store.records import EntryKind, MemberRecord, WithdrawalRecord, WithdrawalStatus

from ..results import AdjustmentResult, FreezeResult, TransferResult, WithdrawalResult
from .history import HISTORY_PAGE, History, HistoryCursor, HistoryEntry, HistoryPage
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
    SETTLEMENT_SEARCH_ENTRIES,
    TEAM_NAMES_SHOWN,
    Invitee,
    Screens,
    SettlementBreakdown,
    Statement,
    TeamView,
)
from .shop import Offer, Package, Payment, Quote, Shop

__all__ = [
    "DISPLAY_NAME_MAX",
    "HISTORY_PAGE",
    "INVITE_CODE_BYTES",
    "INVITE_CODE_RE",
    "MEMBER_PREFIX",
    "SETTLEMENT_SEARCH_ENTRIES",
    "TEAM_NAMES_SHOWN",
    "HistoryCursor",
    "HistoryEntry",
    "HistoryPage",
    "Invitee",
    "Members",
    "Offer",
    "Package",
    "Payment",
    "Quote",
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


WITHDRAWAL_SEARCH_ENTRIES = 400
"""How far back in the journal /withdrawals looks for the member's requests."""


class Members(Registrations, Screens, History, Shop):
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
        self,
        sender: MemberRecord,
        recipient: str,
        points: Cents,
        key: str,
        *,
        note: str | None = None,
    ) -> TransferResult:
        if recipient == sender.member:
            raise Rejected(RejectCode.INVALID_EVENT, "a member cannot send points to themself")
        return self.ledger.transfer(Transfer(sender.member, recipient, points), key, note=note)

    def withdrawals_of(self, member: MemberRecord, limit: int = 10) -> list[WithdrawalRecord]:
        """The member's latest requests, newest first, as they stand now.

        Found through the member's own journal (``withdrawal_requested`` entries), read
        newest first and at most :data:`WITHDRAWAL_SEARCH_ENTRIES` entries back: requests
        older than that (months of daily settlements) are not listed.
        """
        ids: list[str] = []
        before: int | None = None
        searched = 0
        while len(ids) < limit and searched < WITHDRAWAL_SEARCH_ENTRIES:
            page = self.store.journal_page(member.member, limit=50, before_seq=before)
            for entry in page:
                if entry.kind == EntryKind.WITHDRAWAL_REQUESTED and len(ids) < limit:
                    request_id = json.loads(entry.details).get("request_id")
                    if isinstance(request_id, str):
                        ids.append(request_id)
            searched += len(page)
            if len(page) < 50 or page[-1].seq <= 1:
                break
            before = page[-1].seq
        found = (self.store.get_withdrawal(request_id) for request_id in ids)
        return [record for record in found if record is not None]

    # -- operators ------------------------------------------------------------------
    def pending_withdrawals(self, limit: int = 10) -> list[WithdrawalRecord]:
        return self.store.withdrawals(WithdrawalStatus.PENDING, limit=limit)

    def withdrawal(self, request_id: str) -> WithdrawalRecord | None:
        return self.store.get_withdrawal(request_id)

    def decide_withdrawal(
        self, request_id: str, *, approve: bool, operator: str, reason: str | None = None
    ) -> tuple[WithdrawalResult, MemberRecord | None]:
        """Approve or reject (with the reason the member is told); returns the result and the
        member to notify."""
        result = self.ledger.decide_withdrawal(
            request_id, approve=approve, operator=operator, reason=reason
        )
        return result, self.store.get_member(result.member)

    def set_frozen(
        self, member: MemberRecord, frozen: bool, key: str, operator: str
    ) -> FreezeResult:
        return self.ledger.set_frozen(member.member, frozen, key, operator=operator)

    def adjust(
        self, member: MemberRecord, delta: Cents, reason: str, key: str, operator: str
    ) -> AdjustmentResult:
        return self.ledger.adjust(member.member, delta, reason.strip(), key, operator=operator)
