"""Finding members and registering visitors: look-ups, deep-link codes, unique claims."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join
from functions.store.bot_store import Visitor
from functions.store.commit import Claim
from functions.store.records import MemberRecord

from .core import MembersCore
from .inputs import member_id_for, new_invite_code, normalize_phone, valid_invite_code

DISPLAY_NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class Registration:
    member: MemberRecord
    referrer: MemberRecord | None


class Registrations(MembersCore):
    """Look-ups, visitors and registration for :class:`~functions.services.members.Members`."""

    # -- look-ups ----------------------------------------------------------
    def by_telegram(self, telegram_id: int) -> MemberRecord | None:
        return self.store.get_member(member_id_for(telegram_id))

    def by_invite_code(self, code: str) -> MemberRecord | None:
        """The member owning ``code``; malformed codes are ``invalid_event``."""
        if not valid_invite_code(code):
            raise Rejected(RejectCode.INVALID_EVENT, "not an invite code")
        owner = self.store.claim_owner(f"INVITE#{code}")
        return None if owner is None else self.store.get_member(owner)

    def find(self, target: str) -> MemberRecord | None:
        """Operator look-up by member id, invite code, phone (``+…``) or Telegram id."""
        text = unicodedata.normalize("NFKC", target).strip()
        if not text or len(text) > 128:
            return None
        if text.startswith("+"):
            phone = normalize_phone(text)
            owner = self.store.claim_owner(f"PHONE#{phone}") if phone else None
        elif text.isascii() and text.isdigit():
            owner = self.store.claim_owner(f"TG#{text}") or member_id_for(int(text))
        else:
            record = self.store.get_member(text)
            if record is not None:
                return record
            owner = self.store.claim_owner(f"INVITE#{text}") if valid_invite_code(text) else None
        return None if owner is None else self.store.get_member(owner)

    def find_by_name(self, text: str, *, limit: int = 20) -> list[MemberRecord]:
        """Operator search by display name (a prefix; case, width and spacing ignored) or by
        Telegram @username: the name index, then one batch read of the members."""
        query = unicodedata.normalize("NFKC", text).strip()
        if query.startswith("@"):
            owner = self.bot_store.member_for_username(query[1:]) if len(query) > 1 else None
            record = self.store.get_member(owner) if owner else None
            same = record is not None and (record.username or "").lower() == query[1:].lower()
            return [record] if record is not None and same else []
        named = self.bot_store.members_named(query, limit=limit)
        found = self.store.get_members([member for member, _ in named]) if named else {}
        return [found[member] for member, _ in named if member in found]

    # -- visitors and registration ---------------------------------------------
    def visitor(self, telegram_id: int) -> Visitor | None:
        return self.bot_store.visitor(telegram_id)

    def remember_visitor(
        self, telegram_id: int, *, invite_code: str | None = None, language: str | None = None
    ) -> None:
        """Keep a deep link's code or a chosen language until the visitor registers."""
        known = self.bot_store.visitor(telegram_id) or Visitor(telegram_id)
        self.bot_store.save_visitor(
            Visitor(telegram_id, invite_code or known.invite_code, language or known.language)
        )

    def register(
        self,
        *,
        telegram_id: int,
        phone: str,
        language: str,
        display_name: str,
        key: str,
    ) -> Registration:
        """Join the platform under the visitor's referrer (fixed forever) with unique claims."""
        e164 = normalize_phone(phone)
        if e164 is None:
            raise Rejected(RejectCode.INVALID_EVENT, "not a phone number")
        member = member_id_for(telegram_id)
        visitor = self.bot_store.visitor(telegram_id)
        referrer: MemberRecord | None = None
        if visitor is not None and visitor.invite_code is not None:
            referrer = self.by_invite_code(visitor.invite_code)
            if referrer is None:  # forget it, so sharing the contact again registers
                self.bot_store.save_visitor(Visitor(telegram_id, None, visitor.language))
                raise Rejected(RejectCode.UNKNOWN_REFERRER, "the invite code is unknown")
            if referrer.member == member:  # cannot happen (not a member yet); never allow it
                referrer = None
        name = display_name.strip()[:DISPLAY_NAME_MAX] or None
        for _ in range(3):
            code = new_invite_code()
            try:
                self.ledger.join(
                    Join(member, referrer.member if referrer else None),
                    key,
                    profile={
                        "telegram_id": telegram_id,
                        "phone": e164,
                        "invite_code": code,
                        "language": language,
                        "display_name": name,
                    },
                    claims=(
                        Claim(f"PHONE#{e164}", member),
                        Claim(f"TG#{telegram_id}", member),
                        Claim(f"INVITE#{code}", member),
                    ),
                )
            except Rejected as exc:
                if exc.code is RejectCode.DUPLICATE_MEMBER:
                    raise Rejected(RejectCode.ALREADY_REGISTERED, "already a member") from None
                if exc.code is RejectCode.ALREADY_REGISTERED and self._code_collided(
                    telegram_id, code
                ):
                    continue  # only the fresh invite code was taken (72 random bits): redraw
                raise
            break
        record = self.store.get_member(member)
        if record is None:
            raise Rejected(RejectCode.BUSY, "registration did not complete; try again")
        if record.display_name:
            self.bot_store.index_name(member, record.display_name)  # the console's search
        self.bot_store.forget_visitor(telegram_id)
        return Registration(record, referrer)

    def _code_collided(self, telegram_id: int, code: str) -> bool:
        """Whether a refused join failed on the invite code alone (not the account or phone)."""
        if self.store.claim_owner(f"TG#{telegram_id}") is not None:
            return False
        return self.store.claim_owner(f"INVITE#{code}") is not None

    def set_language(self, member: MemberRecord, language: str) -> None:
        self.bot_store.set_language(member.member, language)
