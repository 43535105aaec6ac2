"""Business events and their validation (RULES.md §6 steps 1–2).

``parse_event`` turns a decoded JSON value into a typed event or raises
:class:`Rejected` with ``invalid_event`` (shape, names, dates) before
``invalid_amount`` (amount and points fields), as the precedence demands.
Unknown extra keys are ignored so producers can add context fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .errors import RejectCode, Rejected
from .money import ONE, AmountError, Cents, parse_cents, parse_rate
from .plan import Plan, PlanError, parse_plan
from .roles import ROLES
from .roles import valid_month as month_text


@dataclass(frozen=True, slots=True)
class Join:
    member: str
    referrer: str | None = None
    region: str | None = None
    """Economics (issue 12): the member's region (region-scoped dividend pools)."""


@dataclass(frozen=True, slots=True)
class Purchase:
    member: str
    order: str
    amount: Cents
    points: Cents = 0
    category: str | None = None
    rebate: Fraction | None = None
    """Merchant order: the merchant's rebate ratio (replaces the plan's grant rule)."""


@dataclass(frozen=True, slots=True)
class Settle:
    date: str


@dataclass(frozen=True, slots=True)
class Withdraw:
    member: str
    points: Cents


@dataclass(frozen=True, slots=True)
class Transfer:
    sender: str
    recipient: str
    points: Cents


@dataclass(frozen=True, slots=True)
class Freeze:
    member: str


@dataclass(frozen=True, slots=True)
class Unfreeze:
    member: str


@dataclass(frozen=True, slots=True)
class PublishPlan:
    """A new plan version (scenario ``{"type": "plan", "plan": {...}, "effective_from": D}``)."""

    plan: Plan
    effective_from: str


# -- engagement programs (issue 13; docs/rules-programs.md) -------------------------


@dataclass(frozen=True, slots=True)
class Draw:
    member: str


@dataclass(frozen=True, slots=True)
class LotteryExit:
    member: str
    entry: int | None = None
    """The waiting entry's draw number (None: the member's newest)."""


@dataclass(frozen=True, slots=True)
class Stake:
    member: str
    points: Cents
    term: int


@dataclass(frozen=True, slots=True)
class Unstake:
    member: str
    stake: int | None = None
    """The stake's number (None: the member's newest open stake)."""


@dataclass(frozen=True, slots=True)
class CloseMonth:
    month: str


@dataclass(frozen=True, slots=True)
class ListItem:
    item: str
    name: str
    price: Cents
    stock: int
    limit: int = 0


@dataclass(frozen=True, slots=True)
class Redeem:
    member: str
    item: str


@dataclass(frozen=True, slots=True)
class Promote:
    member: str
    role: str


ProgramEvent = Draw | LotteryExit | Stake | Unstake | CloseMonth | ListItem | Redeem | Promote
PROGRAM_EVENT_TYPES = frozenset(
    {"draw", "lottery_exit", "stake", "unstake", "close_month", "list_item", "redeem", "promote"}
)

# -- economics (issue 12; docs/rules-programs.md) -------------------------------------


@dataclass(frozen=True, slots=True)
class Refund:
    """``{"type": "refund", "order": "o-1"}``: the whole order is refunded."""

    order: str


@dataclass(frozen=True, slots=True)
class GiftLocked:
    """``{"type": "transfer", "from", "to", "locked": true[, "order"]}``: one grant record
    (the sender's oldest, or the one of ``order``) moves to the recipient."""

    sender: str
    recipient: str
    order: str | None = None


@dataclass(frozen=True, slots=True)
class SetRegion:
    """``{"type": "set_region", "member", "region"}`` (an operator's change; null clears)."""

    member: str
    region: str | None


Event = (
    Join
    | Purchase
    | Settle
    | Withdraw
    | Transfer
    | Freeze
    | Unfreeze
    | PublishPlan
    | Refund
    | GiftLocked
    | SetRegion
    | ProgramEvent
)

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _invalid(message: str) -> Rejected:
    return Rejected(RejectCode.INVALID_EVENT, message)


MAX_NAME_CHARS = 200
"""Names and order ids end up in storage keys (DynamoDB allows 1,024–2,048 bytes)."""
RESERVED_PREFIX = "@"
"""Platform accounts are owned by ``@system``; no member or order may start with ``@``."""


def _name(raw: Mapping[str, object], key: str, *, required: bool = True) -> str | None:
    if key not in raw:
        if required:
            raise _invalid(f"`{key}` is required")
        return None
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise _invalid(f"`{key}` must be a non-empty string")
    if len(value) > MAX_NAME_CHARS:
        raise _invalid(f"`{key}` is longer than {MAX_NAME_CHARS} characters")
    if value.startswith(RESERVED_PREFIX):
        raise _invalid(f"`{key}` must not start with {RESERVED_PREFIX!r} (reserved)")
    if not _encodable(value):
        raise _invalid(f"`{key}` is not valid Unicode text")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. JSON "\ud800"
        return False
    return True


def _required_name(raw: Mapping[str, object], key: str) -> str:
    value = _name(raw, key)
    assert value is not None
    return value


def _quantity(raw: Mapping[str, object], key: str, *, positive: bool, default: bool) -> Cents:
    if key not in raw and default:
        return 0
    try:
        cents = parse_cents(raw.get(key))
    except AmountError as exc:
        raise Rejected(RejectCode.INVALID_AMOUNT, f"`{key}`: {exc}") from None
    if positive and cents == 0:
        raise Rejected(RejectCode.INVALID_AMOUNT, f"`{key}` must be greater than zero")
    return cents


def _rebate(raw: Mapping[str, object]) -> Fraction | None:
    if raw.get("rebate") is None:
        return None
    try:
        rebate = parse_rate(raw["rebate"])
    except AmountError as exc:
        raise Rejected(RejectCode.INVALID_AMOUNT, f"`rebate`: {exc}") from None
    if rebate > ONE:
        raise Rejected(RejectCode.INVALID_AMOUNT, "`rebate` is a ratio between 0 and 1")
    return rebate


def valid_date(value: object) -> str:
    """Return ``value`` if it is a real calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise _invalid("`date` must be a date written YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"`date` {value!r} is not a calendar date") from None
    return value


def _plain(value: object) -> object:
    """JSON numbers (decoded as Decimal) as their exact text, as YAML plans read them."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def _publish_plan(raw: Mapping[str, object]) -> PublishPlan:
    if "effective_from" not in raw:
        raise _invalid("`effective_from` is required")
    value = raw["effective_from"]
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise _invalid("`effective_from` must be a date written YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"`effective_from` {value!r} is not a calendar date") from None
    data = raw.get("plan")
    if not isinstance(data, Mapping):
        raise _invalid("`plan` must be an object (a plan as in a plan file)")
    try:
        plan = parse_plan(_plain(data))
    except PlanError as exc:
        raise _invalid(f"`plan` is not a valid plan: {exc}") from None
    return PublishPlan(plan, value)


def _region(raw: Mapping[str, object], key: str) -> str | None:
    """An optional region name (economics, issue 12); null is the same as none."""
    if raw.get(key) is None:
        return None
    return _name(raw, key)


def _locked(raw: Mapping[str, object]) -> bool:
    """A transfer's ``locked`` flag: true moves a grant record, and then no ``points``."""
    if "locked" not in raw:
        return False
    value = raw["locked"]
    if not isinstance(value, bool):
        raise _invalid("`locked` must be true or false")
    if value and "points" in raw:
        raise _invalid("a transfer of locked points moves a grant: give no `points`")
    return value


def parse_event(raw: object) -> Event:
    """Validate one decoded event object; raise :class:`Rejected` on the first fault."""
    if not isinstance(raw, Mapping):
        raise _invalid("an event must be a JSON object")
    kind = raw.get("type")
    if kind == "join":
        member = _required_name(raw, "member")
        referrer = _name(raw, "referrer", required=False)
        return Join(member, referrer, _region(raw, "region"))
    if kind == "purchase":
        member = _required_name(raw, "member")
        order = _required_name(raw, "order")
        category = raw.get("category")
        if category is not None and (
            not isinstance(category, str)
            or len(category) > MAX_NAME_CHARS
            or not _encodable(category)
        ):
            raise _invalid(f"`category` must be a string of at most {MAX_NAME_CHARS} characters")
        amount = _quantity(raw, "amount", positive=True, default=False)
        points = _quantity(raw, "points", positive=False, default=True)
        return Purchase(member, order, amount, points, category, _rebate(raw))
    if kind == "settle":
        if "date" not in raw:
            raise _invalid("`date` is required")
        return Settle(valid_date(raw["date"]))
    if kind == "withdraw":
        member = _required_name(raw, "member")
        return Withdraw(member, _quantity(raw, "points", positive=True, default=False))
    if kind == "transfer":
        sender = _required_name(raw, "from")
        recipient = _required_name(raw, "to")
        if sender == recipient:
            raise _invalid("`from` and `to` must be different members")
        if _locked(raw):  # economics (issue 12): a gift of locked points
            return GiftLocked(sender, recipient, _name(raw, "order", required=False))
        return Transfer(sender, recipient, _quantity(raw, "points", positive=True, default=False))
    if kind == "freeze":
        return Freeze(_required_name(raw, "member"))
    if kind == "unfreeze":
        return Unfreeze(_required_name(raw, "member"))
    if kind == "plan":
        return _publish_plan(raw)
    if kind in PROGRAM_EVENT_TYPES:
        return _program_event(kind, raw)
    if kind == "refund":  # economics (issue 12)
        return Refund(_required_name(raw, "order"))
    if kind == "set_region":
        member = _required_name(raw, "member")
        if "region" not in raw:
            raise _invalid("`region` is required (null clears it)")
        return SetRegion(member, _region(raw, "region"))
    if not isinstance(kind, str):
        raise _invalid("`type` must be one of join, purchase, settle, withdraw, transfer, ...")
    raise _invalid(f"unknown event type {kind[:40]!r}")


# -- engagement programs (issue 13) -----------------------------------------------------


def _count(raw: Mapping[str, object], key: str, *, minimum: int, required: bool) -> int | None:
    """A whole-number field (a term, a stock, an entry's number): a JSON integer."""
    if key not in raw or (raw[key] is None and not required):
        if required:
            raise _invalid(f"`{key}` is required")
        return None
    value = raw[key]
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value < 10**9:
        raise _invalid(f"`{key}` must be a whole number of at least {minimum}")
    return value


def _program_event(kind: str, raw: Mapping[str, object]) -> ProgramEvent:
    if kind == "draw":
        return Draw(_required_name(raw, "member"))
    if kind == "lottery_exit":
        member = _required_name(raw, "member")
        return LotteryExit(member, _count(raw, "entry", minimum=1, required=False))
    if kind == "stake":
        member = _required_name(raw, "member")
        term = _count(raw, "term", minimum=1, required=True)
        assert term is not None
        return Stake(member, _quantity(raw, "points", positive=True, default=False), term)
    if kind == "unstake":
        member = _required_name(raw, "member")
        return Unstake(member, _count(raw, "stake", minimum=1, required=False))
    if kind == "close_month":
        month = raw.get("month")
        if month_text(month) is None:
            raise _invalid("`month` must be a month written YYYY-MM")
        assert isinstance(month, str)
        return CloseMonth(month)
    if kind == "list_item":
        item = _required_name(raw, "item")
        name = raw.get("name", item)
        if not isinstance(name, str) or not name or len(name) > MAX_NAME_CHARS:
            raise _invalid(f"`name` must be a non-empty string of at most {MAX_NAME_CHARS}")
        if not _encodable(name):
            raise _invalid("`name` is not valid Unicode text")
        stock = _count(raw, "stock", minimum=0, required=True)
        limit = _count(raw, "limit", minimum=0, required=False) or 0
        assert stock is not None
        price = _quantity(raw, "price", positive=True, default=False)
        return ListItem(item, name, price, stock, limit)
    if kind == "redeem":
        member = _required_name(raw, "member")
        return Redeem(member, _required_name(raw, "item"))
    assert kind == "promote"
    member = _required_name(raw, "member")
    role = raw.get("role")
    if role not in ROLES:
        raise _invalid(f"`role` must be one of {', '.join(ROLES)}")
    assert isinstance(role, str)
    return Promote(member, role)
