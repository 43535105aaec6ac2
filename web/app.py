"""The web application: Powertools' HTTP API resolver, sessions, pages and their guards.

One :class:`Web` per runtime (``runtime.memo``): routes are registered once, then
every request goes through :meth:`Web.handle`. Three audiences, three guards:

* ``/board`` — everyone; no session, no personal data, cacheable;
* ``/app`` — members, signed in by the Mini App's ``initData`` (:mod:`web.auth`) into a
  ``member`` session;
* ``/console`` — operators, signed in by the Telegram Login Widget (browser) or the
  Mini App (``initData``, admin ids only) into an ``operator`` session, re-checked
  against ``JIFEN_ADMIN_IDS`` on every request.

Every POST behind a session must carry the session's CSRF token (form field ``_csrf``
or header ``X-CSRF-Token``); the cookies are HttpOnly, Secure and SameSite (``Lax`` for
a browser console, ``None; Partitioned`` inside Telegram's web frame, where the CSRF
token is what stops a cross-site post).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.runtime import Runtime
from functions.services.members import Members
from functions.store.records import MemberRecord

from . import i18n
from .auth import Audience, AuthError, Session, Sessions, TelegramIdentity
from .render import render
from .telegram import create_invoice_link

MEMBER_COOKIE = "jifen_member"
CONSOLE_COOKIE = "jifen_console"
LANGUAGE_COOKIE = "jifen_lang"
MAX_BODY = 64 * 1024
"""Forms here are small; a larger body is refused before parsing."""
_LOCK = threading.Lock()
"""Powertools keeps the current event on the resolver class: one request at a time per
process (a Lambda container serves one anyway; ``jifen dev`` serves threads)."""

Handler = Callable[..., Response[Any]]


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str
    current: bool


@dataclass(frozen=True, slots=True)
class Signed:
    """A request's session and, for members, their record."""

    session: Session
    member: MemberRecord | None
    language: str
    csrf: str


Page = Callable[..., Response[Any]]
"""A view: the signed-in caller and the route's parameters → the response."""


def guarded_route(
    web: Web,
    rule: str,
    method: str,
    sign: Callable[[Web, bool], Signed | Response[str]],
) -> Callable[[Page], Page]:
    """Register ``rule`` for whoever ``sign`` lets in (its refusal answers instead).

    ``sign(web, post)`` checks the session (and CSRF when the request posts): the Mini
    App's member check and the console's operator check are the only two.
    """

    def register(view: Page) -> Page:
        def guarded(**params: str) -> Response[Any]:
            signed = sign(web, method != "GET")
            if isinstance(signed, Response):
                return signed
            return view(signed, **params)

        web.route(rule, method)(guarded)
        return view

    return register


class Web:
    """Routes and the request helpers the page modules use."""

    def __init__(self, runtime: Runtime, *, clock_s: Callable[[], float] = time.time) -> None:
        from . import board, console, member_app

        self.runtime = runtime
        self.clock_s = clock_s
        self.router = APIGatewayHttpResolver()
        self._members: Members | None = None
        self.invoice_link: Callable[[str, str, dict[str, Any]], str] = create_invoice_link
        """Telegram's ``createInvoiceLink`` (a test stands in for Telegram here)."""
        self.router.not_found(self._not_found)
        self.router.route("/static/<name>", "GET")(self._static)
        self.router.route("/", "GET")(lambda: self.redirect("/board"))
        board.register(self)
        member_app.register(self)
        console.register(self)

    # -- entry ---------------------------------------------------------------------------
    def handle(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        with _LOCK:
            return self.router.resolve(dict(event), context)

    def route(self, rule: str, method: str) -> Callable[[Handler], Handler]:
        return self.router.route(rule, method)

    # -- services ------------------------------------------------------------------------
    @property
    def members(self) -> Members:
        if self._members is None:
            runtime = self.runtime
            self._members = Members(
                runtime.ledger, runtime.bot_store, runtime.settings.bot.shop_packages
            )
        return self._members

    def now_s(self) -> int:
        return int(self.clock_s())

    def sessions(self) -> Sessions:
        """The session signer, rebuilt only when the key changes (rotation signs all out)."""
        config = self.runtime.settings.web
        text = self.runtime.secret_or(config.web_session_key, config.web_session_key_param)
        if not text or len(text) < 32:
            raise RuntimeError(
                "no usable web session key: set JIFEN_WEB_SESSION_KEY_PARAM (or "
                "JIFEN_WEB_SESSION_KEY), at least 32 characters"
            )
        digest = hashlib.sha256(text.encode()).digest()
        return self.runtime.per_version(
            "web:sessions",
            digest,
            lambda: Sessions(hashlib.sha256(b"jifen-web|" + digest).digest()),
        )

    def bot_token(self) -> str | None:
        config = self.runtime.settings.web
        return self.runtime.secret_or(config.bot_token, config.bot_token_param)

    def provider_token(self) -> str | None:
        config = self.runtime.settings.web
        return self.runtime.secret_or(
            config.payment_provider_token, config.payment_provider_token_param
        )

    def admin_ids(self) -> frozenset[int]:
        return self.runtime.settings.web.admin_ids

    # -- the request ---------------------------------------------------------------------
    @property
    def event(self) -> Any:
        return self.router.current_event

    def query(self, name: str) -> str | None:
        values = self.event.query_string_parameters or {}
        value = values.get(name)
        return str(value) if value is not None else None

    def form(self) -> dict[str, list[str]]:
        body = self.event.decoded_body or ""
        if len(body) > MAX_BODY:
            return {}
        return parse_qs(body, keep_blank_values=True)

    def field(self, name: str) -> str:
        values = self.form().get(name) or [""]
        return values[-1].strip()

    def cookie(self, name: str) -> str | None:
        for raw in self.event.cookies or []:
            key, _, value = str(raw).partition("=")
            if key.strip() == name:
                return value.strip()
        return None

    def language(self, session: Session | None = None, member: MemberRecord | None = None) -> str:
        return i18n.resolve(
            self.query("lang"),
            self.cookie(LANGUAGE_COOKIE),
            session.language if session else None,
            member.language if member else None,
            i18n.accept_language((self.event.headers or {}).get("accept-language")),
        )

    def secure(self) -> bool:
        return self.runtime.settings.web.web_secure_cookies

    # -- answers -------------------------------------------------------------------------
    def _headers(self, cache: str) -> dict[str, str]:
        return {
            "Cache-Control": cache,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'self' https://telegram.org; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data: https://telegram.org; "
                "frame-src https://oauth.telegram.org; connect-src 'self'; "
                "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org; "
                "form-action 'self'; base-uri 'none'"
            ),
        }

    def context(
        self,
        *,
        language: str,
        surface: str,
        title: str,
        nav: list[NavItem] | None = None,
        **values: Any,
    ) -> dict[str, Any]:
        """What every template reads, plus ``values``."""

        def t(key: str, /, **fields: object) -> str:
            return i18n.t(language, key, **fields)

        path = self.event.path if self.has_event else "/"
        return {
            "t": t,
            "lang": language,
            "html_lang": i18n.HTML_LANG.get(language, language),
            "surface": surface,
            "surface_name": t(f"surface.{surface}"),
            "title": title,
            "nav": nav or [],
            "languages": [
                {
                    "href": f"{path}?{urlencode({'lang': code})}",
                    "name": i18n.LANGUAGE_NAMES.get(code, code),
                    "html_lang": i18n.HTML_LANG.get(code, code),
                    "current": code == language,
                }
                for code in i18n.LANGUAGES
            ],
            "telegram": surface in {"app", "console"},
            "inline_css": None,
            "signin_url": None,
            "notice": None,
            "problem": None,
            "zone": self.runtime.zone,
            **values,
        }

    @property
    def has_event(self) -> bool:
        return getattr(self.router, "current_event", None) is not None

    def page(
        self,
        template: str,
        context: Mapping[str, Any],
        *,
        status: int = 200,
        cache: str = "no-store",
        cookies: list[Cookie] | None = None,
    ) -> Response[str]:
        cookies = list(cookies or [])
        chosen = self.query("lang") if self.has_event else None
        if chosen and i18n.offered(chosen):
            cookies.append(self._cookie(LANGUAGE_COOKIE, chosen, 365 * 86400, "/"))
        return Response(
            status,
            "text/html; charset=utf-8",
            render(template, context),
            self._headers(cache),
            cookies,
        )

    def json(
        self, status: int, body: Mapping[str, Any], cookies: list[Cookie] | None = None
    ) -> Response[str]:
        return Response(
            status,
            "application/json",
            json.dumps(body, ensure_ascii=False, sort_keys=True),
            self._headers("no-store"),
            cookies or [],
        )

    def redirect(self, location: str, cookies: list[Cookie] | None = None) -> Response[str]:
        headers = {**self._headers("no-store"), "Location": location}
        return Response(303, "text/plain; charset=utf-8", "", headers, cookies or [])

    def error(
        self, status: int, language: str, surface: str, key: str, **values: Any
    ) -> Response[str]:
        context = self.context(
            language=language,
            surface=surface,
            title=i18n.t(language, "error.title"),
            message=i18n.t(language, key),
            action_href=None,
            action_label=None,
            **values,
        )
        return self.page("error.html", context, status=status)

    def _not_found(self, _exc: Exception) -> Response[str]:
        language = self.language()
        return self.error(404, language, "board", "error.not_found")

    def _static(self, name: str) -> Response[Any]:
        from .render import asset

        found = asset(name)
        if found is None:
            return Response(404, "text/plain; charset=utf-8", "not found")
        return Response(
            200,
            found.content_type,
            found.body,
            {
                "Cache-Control": "public, max-age=31536000, immutable",
                "X-Content-Type-Options": "nosniff",
            },
        )

    # -- cookies and sessions --------------------------------------------------------------
    def _cookie(
        self, name: str, value: str, max_age: int, path: str, *, framed: bool = False
    ) -> Cookie:
        # Inside Telegram's web frame the page is a third party: only a partitioned
        # SameSite=None cookie reaches it there (CSRF tokens guard its posts).
        framed = framed and self.secure()
        return Cookie(
            name=name,
            value=value,
            path=path,
            secure=self.secure(),
            http_only=True,
            max_age=max_age,
            same_site=SameSite.NONE_MODE if framed else SameSite.LAX_MODE,
            custom_attributes=["Partitioned"] if framed else None,
        )

    def session_cookie(self, audience: Audience, token: str, *, framed: bool) -> Cookie:
        name, path = (
            (MEMBER_COOKIE, "/app") if audience is Audience.MEMBER else (CONSOLE_COOKIE, "/console")
        )
        ttl = self.runtime.settings.web.web_session_ttl_s
        return self._cookie(name, token, ttl, path, framed=framed)

    def cleared_cookie(self, audience: Audience) -> Cookie:
        name, path = (
            (MEMBER_COOKIE, "/app") if audience is Audience.MEMBER else (CONSOLE_COOKIE, "/console")
        )
        return self._cookie(name, "", 0, path)

    def open_session(
        self, identity: TelegramIdentity, audience: Audience, *, in_telegram: bool, max_age_s: int
    ) -> tuple[str, Session]:
        """Spend ``identity``'s signed payload once and sign a session for it."""
        until = identity.auth_date + max_age_s + 60
        if not self.runtime.stores.web.spend_credential(identity.digest, until):
            raise AuthError("replayed", "this sign-in was already used; open the app again")
        language = (
            i18n.offered(i18n.resolve(identity.language_code)) if identity.language_code else None
        )
        return self.sessions().issue(
            identity.telegram_id,
            audience,
            now_s=self.now_s(),
            ttl_s=self.runtime.settings.web.web_session_ttl_s,
            language=language,
            in_telegram=in_telegram,
        )

    def read_session(self, audience: Audience) -> Session | None:
        name = MEMBER_COOKIE if audience is Audience.MEMBER else CONSOLE_COOKIE
        session = self.sessions().read(self.cookie(name), now_s=self.now_s())
        if session is None or session.audience is not audience:
            return None
        return session

    def csrf_ok(self, session: Session) -> bool:
        token = (self.event.headers or {}).get("x-csrf-token") or self.field("_csrf")
        return self.sessions().csrf_ok(session, token)

    def audit(
        self,
        session: Session,
        action: str,
        target: str,
        outcome: str,
        detail: Mapping[str, object] | None = None,
    ) -> None:
        """One line of the operators' audit log (never fails the action it records)."""
        try:
            self.runtime.stores.web.record_action(
                operator_name(session.telegram_id), action, target, outcome, detail
            )
        except Exception:  # the journal still names the operator of every ledger change
            from functions.observability import logger

            logger.exception("audit log write failed", extra={"action": action})


def operator_name(telegram_id: int) -> str:
    """How the journal names an operator (the bot's admin commands use the same)."""
    return f"tg:{telegram_id}"


def build(runtime: Runtime) -> Web:
    """The runtime's web application (built once per runtime)."""
    return runtime.memo("web:app", lambda: Web(runtime))
