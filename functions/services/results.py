"""What the ledger's use cases return: frozen records of integer cents, formatted at the edges.

Each use case returns one of these. Amounts stay :data:`Cents` all the way to
the edge that shows them (bot texts, the merchant API's JSON body, the CLI),
which formats them with :func:`~functions.rewards.money.format_cents`.

``to_record()`` is what the store keeps as a keyed event's result (``result``
of ``IDEM#``/``ORDER#`` items): plain JSON with integer amounts, read back by
``from_record()`` when the key is replayed, so a retry returns an equal value.
Ledger records never expire and records written before amounts were integers
hold decimal strings (``"12.34"``); ``from_record`` reads those too.

Journal entries do not store these records: their ``details`` keep the shape
the history screens and ``jifen verify`` read (decimal strings), built by one
``*_details`` function per entry kind below. The journal is hashed and
append-only, so its shape must not follow this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from functions.rewards.money import AmountError, Cents, format_cents, parse_cents
from functions.store.records import WithdrawalRecord, WithdrawalStatus

Record = Mapping[str, object]
"""A result as stored: JSON object, amounts as integers of hundredths."""


class RecordError(ValueError):
    """A stored result that is not the record of the use case reading it."""


# -- reading records -------------------------------------------------------------------


def _field(record: Record, name: str) -> object:
    if name not in record:
        raise RecordError(f"the stored result has no {name!r}")
    return record[name]


def _text(record: Record, name: str) -> str:
    value = _field(record, name)
    if not isinstance(value, str):
        raise RecordError(f"{name!r} must be text, not {type(value).__name__}")
    return value


def _optional_text(record: Record, name: str) -> str | None:
    return None if _field(record, name) is None else _text(record, name)


def _flag(record: Record, name: str) -> bool:
    value = _field(record, name)
    if not isinstance(value, bool):
        raise RecordError(f"{name!r} must be true or false, not {type(value).__name__}")
    return value


def _amount(value: object, name: str) -> Cents:
    """Integer cents; a decimal string (``"-0.05"``) is a record written before integers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            cents = parse_cents(value.removeprefix("-"))
        except AmountError as exc:
            raise RecordError(f"{name!r}: {exc}") from None
        return -cents if value.startswith("-") else cents
    raise RecordError(f"{name!r} must be an amount in cents, not {type(value).__name__}")


def _cents(record: Record, name: str) -> Cents:
    return _amount(_field(record, name), name)


# -- the results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JoinResult:
    member: str
    referrer: str | None

    def to_record(self) -> dict[str, object]:
        return {"member": self.member, "referrer": self.referrer}

    @classmethod
    def from_record(cls, record: Record) -> JoinResult:
        return cls(_text(record, "member"), _optional_text(record, "referrer"))


@dataclass(frozen=True, slots=True)
class Commission:
    """Commission one upline earned on a purchase (nearest generation first)."""

    member: str
    amount: Cents


@dataclass(frozen=True, slots=True)
class PurchaseResult:
    order: str
    member: str
    amount: Cents
    points_spent: Cents
    cash: Cents
    granted: Cents
    daily: Cents
    """What the grant releases per day when it is locked (0 otherwise)."""
    locked: bool
    tier: str | None
    reserve_added: Cents
    commissions: tuple[Commission, ...]
    # -- engagement programs (issue 13): kept only when not zero, so results of plans
    # without coins or spare points are as they always were
    coins: Cents = 0
    """Coins (spend-only points) the order granted (``grant.coins_ratio``)."""
    spare_spent: Cents = 0
    """Of ``points_spent``, what the member's spare points paid."""
    region: str | None = None
    """Economics (issue 12): the region the order's cash was counted in (kept only when
    set, so a refund takes it back from the same region)."""

    def to_record(self) -> dict[str, object]:
        return {
            "order": self.order,
            "member": self.member,
            "amount": self.amount,
            "points_spent": self.points_spent,
            "cash": self.cash,
            "granted": self.granted,
            "daily": self.daily,
            "locked": self.locked,
            "tier": self.tier,
            "reserve_added": self.reserve_added,
            "commissions": [[paid.member, paid.amount] for paid in self.commissions],
            **_program_amounts(self),
            **({"region": self.region} if self.region is not None else {}),
        }

    @classmethod
    def from_record(cls, record: Record) -> PurchaseResult:
        pairs = _field(record, "commissions")
        if not isinstance(pairs, list):
            raise RecordError("'commissions' must be a list of [member, amount]")
        commissions: list[Commission] = []
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise RecordError("'commissions' must be a list of [member, amount]")
            commissions.append(Commission(pair[0], _amount(pair[1], "commissions")))
        return cls(
            order=_text(record, "order"),
            member=_text(record, "member"),
            amount=_cents(record, "amount"),
            points_spent=_cents(record, "points_spent"),
            cash=_cents(record, "cash"),
            granted=_cents(record, "granted"),
            daily=_cents(record, "daily"),
            locked=_flag(record, "locked"),
            tier=_optional_text(record, "tier"),
            reserve_added=_cents(record, "reserve_added"),
            commissions=tuple(commissions),
            coins=_cents(record, "coins") if "coins" in record else 0,
            spare_spent=_cents(record, "spare_spent") if "spare_spent" in record else 0,
            region=_optional_text(record, "region") if "region" in record else None,  # issue 12
        )


def _program_amounts(result: PurchaseResult) -> dict[str, Cents]:
    """The programs' amounts of a purchase that are not zero (issue 13)."""
    amounts = {"coins": result.coins, "spare_spent": result.spare_spent}
    return {name: amount for name, amount in amounts.items() if amount}


@dataclass(frozen=True, slots=True)
class TransferResult:
    sender: str
    recipient: str
    points: Cents

    def to_record(self) -> dict[str, object]:
        return {"from": self.sender, "to": self.recipient, "points": self.points}

    @classmethod
    def from_record(cls, record: Record) -> TransferResult:
        return cls(_text(record, "from"), _text(record, "to"), _cents(record, "points"))


@dataclass(frozen=True, slots=True)
class WithdrawalResult:
    """A withdrawal request as a request, decision or payment left it."""

    request_id: str
    member: str
    points: Cents
    gross: Cents
    net: Cents
    fee: Cents
    status: WithdrawalStatus

    @classmethod
    def of(cls, record: WithdrawalRecord) -> WithdrawalResult:
        return cls(
            record.request_id,
            record.member,
            record.points,
            record.gross,
            record.net,
            record.fee,
            WithdrawalStatus(record.status),
        )

    def to_record(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "member": self.member,
            "points": self.points,
            "gross": self.gross,
            "net": self.net,
            "fee": self.fee,
            "status": self.status.value,
        }

    @classmethod
    def from_record(cls, record: Record) -> WithdrawalResult:
        status = _text(record, "status")
        try:
            known = WithdrawalStatus(status)
        except ValueError:
            raise RecordError(f"{status!r} is not a withdrawal status") from None
        return cls(
            request_id=_text(record, "request_id"),
            member=_text(record, "member"),
            points=_cents(record, "points"),
            gross=_cents(record, "gross"),
            net=_cents(record, "net"),
            fee=_cents(record, "fee"),
            status=known,
        )


@dataclass(frozen=True, slots=True)
class FreezeResult:
    member: str
    frozen: bool

    def to_record(self) -> dict[str, object]:
        return {"member": self.member, "frozen": self.frozen}

    @classmethod
    def from_record(cls, record: Record) -> FreezeResult:
        return cls(_text(record, "member"), _flag(record, "frozen"))


@dataclass(frozen=True, slots=True)
class AdjustmentResult:
    member: str
    delta: Cents
    """Points added (positive) or removed (negative)."""

    def to_record(self) -> dict[str, object]:
        return {"member": self.member, "delta": self.delta}

    @classmethod
    def from_record(cls, record: Record) -> AdjustmentResult:
        return cls(_text(record, "member"), _cents(record, "delta"))


# -- journal details (read by the history screens and `jifen verify`: keep their shape) ------


def join_details(result: JoinResult) -> dict[str, object]:
    return {"referrer": result.referrer}


def purchase_fields(result: PurchaseResult) -> dict[str, object]:
    """A purchase with its amounts as decimal strings: the journal's details and the merchant
    API's answer both show it so."""
    return {
        "order": result.order,
        "member": result.member,
        "amount": format_cents(result.amount),
        "points_spent": format_cents(result.points_spent),
        "cash": format_cents(result.cash),
        "granted": format_cents(result.granted),
        "daily": format_cents(result.daily),
        "locked": result.locked,
        "tier": result.tier,
        "reserve_added": format_cents(result.reserve_added),
        "commissions": [[paid.member, format_cents(paid.amount)] for paid in result.commissions],
        **{name: format_cents(amount) for name, amount in _program_amounts(result).items()},
    }


def purchase_details(result: PurchaseResult, category: str | None) -> dict[str, object]:
    return {**purchase_fields(result), "category": category}


def transfer_details(result: TransferResult, note: str | None = None) -> dict[str, object]:
    """The transfer; the sender's optional note travels with it (shown to both)."""
    details: dict[str, object] = {
        "from": result.sender,
        "to": result.recipient,
        "points": format_cents(result.points),
    }
    if note:
        details["note"] = note
    return details


def _withdrawal_details(result: WithdrawalResult) -> dict[str, object]:
    return {
        "request_id": result.request_id,
        "member": result.member,
        "points": format_cents(result.points),
        "gross": format_cents(result.gross),
        "net": format_cents(result.net),
        "fee": format_cents(result.fee),
        "status": result.status.value,
    }


def withdrawal_requested_details(result: WithdrawalResult) -> dict[str, object]:
    return _withdrawal_details(result)


def withdrawal_decided_details(
    result: WithdrawalResult, operator: str, reason: str | None
) -> dict[str, object]:
    return {**_withdrawal_details(result), "operator": operator, "reason": reason}


def withdrawal_paid_details(
    result: WithdrawalResult, operator: str, reference: str, batch: str | None
) -> dict[str, object]:
    details = {**_withdrawal_details(result), "operator": operator, "reference": reference}
    if batch is not None:
        details["batch"] = batch
    return details


def freeze_details(result: FreezeResult, operator: str) -> dict[str, object]:
    return {"member": result.member, "frozen": result.frozen, "operator": operator}


def adjustment_details(result: AdjustmentResult, reason: str, operator: str) -> dict[str, object]:
    return {
        "member": result.member,
        "delta": format_cents(result.delta),
        "reason": reason,
        "operator": operator,
    }
