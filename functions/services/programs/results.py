"""What the programs' use cases return (issue 13): frozen records in cents.

Like :mod:`functions.services.results`: ``to_record()`` is the keyed event's stored
result (integer cents), ``from_record()`` reads it back when the key is replayed;
``*_details`` build the journal entry's details (decimal strings).
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.rewards.money import Cents, format_cents

from ..results import Record, RecordError


def _int(record: Record, name: str) -> int:
    if name not in record:
        raise RecordError(f"the stored result has no {name!r}")
    value = record[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError(f"{name!r} must be a whole number")
    return value


def _str(record: Record, name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str):
        raise RecordError(f"{name!r} must be text")
    return value


def _kind(record: Record, kind: str) -> None:
    if record.get("program") != kind:
        raise RecordError(f"the stored result is not a {kind}")


@dataclass(frozen=True, slots=True)
class DrawResult:
    member: str
    entry: int
    paid: Cents
    free: bool
    pool_in: Cents
    winners: tuple[tuple[str, int, Cents], ...]
    """``(member, entry, prize)`` of every entry this draw paid."""
    pool: Cents
    """The pool after the draw."""

    def to_record(self) -> dict[str, object]:
        return {
            "program": "draw",
            "member": self.member,
            "entry": self.entry,
            "paid": self.paid,
            "free": self.free,
            "pool_in": self.pool_in,
            "winners": [list(winner) for winner in self.winners],
            "pool": self.pool,
        }

    @classmethod
    def from_record(cls, record: Record) -> DrawResult:
        _kind(record, "draw")
        raw = record.get("winners")
        if not isinstance(raw, list):
            raise RecordError("'winners' must be a list")
        winners = tuple((str(w[0]), int(w[1]), int(w[2])) for w in raw)
        return cls(
            _str(record, "member"),
            _int(record, "entry"),
            _int(record, "paid"),
            record.get("free") is True,
            _int(record, "pool_in"),
            winners,
            _int(record, "pool"),
        )

    def details(self) -> dict[str, object]:
        return {
            "entry": self.entry,
            "paid": format_cents(self.paid),
            "free": self.free,
            "pool_in": format_cents(self.pool_in),
            "winners": [[m, e, format_cents(p)] for m, e, p in self.winners],
        }


@dataclass(frozen=True, slots=True)
class ExitResult:
    member: str
    entry: int
    refund: Cents

    def to_record(self) -> dict[str, object]:
        return {
            "program": "exit",
            "member": self.member,
            "entry": self.entry,
            "refund": self.refund,
        }

    @classmethod
    def from_record(cls, record: Record) -> ExitResult:
        _kind(record, "exit")
        return cls(_str(record, "member"), _int(record, "entry"), _int(record, "refund"))

    def details(self) -> dict[str, object]:
        return {"entry": self.entry, "refund": format_cents(self.refund)}


@dataclass(frozen=True, slots=True)
class StakeResult:
    member: str
    stake: int
    points: Cents
    term: int
    rate: str
    """The bonus rate fixed for it, as its decimal text."""

    def to_record(self) -> dict[str, object]:
        return {
            "program": "stake",
            "member": self.member,
            "stake": self.stake,
            "points": self.points,
            "term": self.term,
            "rate": self.rate,
        }

    @classmethod
    def from_record(cls, record: Record) -> StakeResult:
        _kind(record, "stake")
        return cls(
            _str(record, "member"),
            _int(record, "stake"),
            _int(record, "points"),
            _int(record, "term"),
            _str(record, "rate"),
        )

    def details(self) -> dict[str, object]:
        return {
            "stake": self.stake,
            "points": format_cents(self.points),
            "term": self.term,
            "rate": self.rate,
        }


@dataclass(frozen=True, slots=True)
class UnstakeResult:
    member: str
    stake: int
    returned: Cents
    penalty: Cents

    def to_record(self) -> dict[str, object]:
        return {
            "program": "unstake",
            "member": self.member,
            "stake": self.stake,
            "returned": self.returned,
            "penalty": self.penalty,
        }

    @classmethod
    def from_record(cls, record: Record) -> UnstakeResult:
        _kind(record, "unstake")
        return cls(
            _str(record, "member"),
            _int(record, "stake"),
            _int(record, "returned"),
            _int(record, "penalty"),
        )

    def details(self) -> dict[str, object]:
        return {
            "stake": self.stake,
            "returned": format_cents(self.returned),
            "penalty": format_cents(self.penalty),
        }


@dataclass(frozen=True, slots=True)
class RedeemResult:
    member: str
    item: str
    name: str
    number: int
    price: Cents
    from_spare: Cents
    from_available: Cents
    code: str

    def to_record(self) -> dict[str, object]:
        return {
            "program": "redeem",
            "member": self.member,
            "item": self.item,
            "name": self.name,
            "number": self.number,
            "price": self.price,
            "from_spare": self.from_spare,
            "from_available": self.from_available,
            "code": self.code,
        }

    @classmethod
    def from_record(cls, record: Record) -> RedeemResult:
        _kind(record, "redeem")
        return cls(
            _str(record, "member"),
            _str(record, "item"),
            _str(record, "name"),
            _int(record, "number"),
            _int(record, "price"),
            _int(record, "from_spare"),
            _int(record, "from_available"),
            _str(record, "code"),
        )

    def details(self) -> dict[str, object]:
        """The journal's details: no voucher code (the journal is public to auditors)."""
        return {
            "item": self.item,
            "name": self.name,
            "number": self.number,
            "price": format_cents(self.price),
            "from_spare": format_cents(self.from_spare),
        }


@dataclass(frozen=True, slots=True)
class RoleResult:
    member: str
    role: str

    def to_record(self) -> dict[str, object]:
        return {"program": "role", "member": self.member, "role": self.role}

    @classmethod
    def from_record(cls, record: Record) -> RoleResult:
        _kind(record, "role")
        return cls(_str(record, "member"), _str(record, "role"))
