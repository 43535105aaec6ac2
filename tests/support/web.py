"""A web runtime for tests: the in-memory table, signed Mini App and Login Widget data, and
requests as API Gateway hands them to the web function."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from functions.config import REPO_ROOT, Settings
from functions.handlers import web as web_handler
from functions.runtime import Runtime
from functions.services.members import Members
from functions.store.storage import Storage, memory_storage
from local.dev.telegram_auth import mint_init_data, mint_login
from local.lambda_fakes import LambdaContext, http_api_event

BOT_TOKEN = "123456:TEST-token-for-the-web-side"
SESSION_KEY = "test-session-key-0123456789abcdef-0123456789"
ADMIN_ID = 900_001
MEMBER_TELEGRAM = 7_000_001
DEMO_PLAN = REPO_ROOT / "infra" / "plans" / "demo.yaml"


def web_settings(plan: Path = DEMO_PLAN, **groups: Mapping[str, Any]) -> Settings:
    base: dict[str, Any] = {
        "plan": {"plan_path": plan},
        "web": {
            "bot_token": BOT_TOKEN,
            "admin_ids": str(ADMIN_ID),
            "web_session_key": SESSION_KEY,
            "web_bot_username": "jifen_test_bot",
        },
    }
    for name, values in groups.items():
        base[name] = {**base.get(name, {}), **values}
    return Settings.of(**base)


def memory_runtime(settings: Settings | None = None, storage: Storage | None = None) -> Runtime:
    """A runtime whose stores are the in-memory twin (installed before anything is built)."""
    runtime = Runtime(settings or web_settings())
    chosen = storage or memory_storage()
    runtime.memo("stores", lambda: chosen)
    return runtime


@dataclass
class Browser:
    """Cookies kept between requests to the web handler, as a browser keeps them."""

    runtime: Runtime
    cookies: dict[str, str] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        form: Mapping[str, str | Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        body = urlencode(form or {}, doseq=True).encode() if form is not None else b""
        sent = [("host", "jifen.test"), ("accept-language", "en"), *(headers or {}).items()]
        if body:
            sent.append(("content-type", "application/x-www-form-urlencoded"))
        event = http_api_event(method, path, sent, body)
        if self.cookies:
            event["cookies"] = [f"{name}={value}" for name, value in self.cookies.items()]
        context: Any = LambdaContext("jifen-test-web")
        response = web_handler.handle(self.runtime, event, context)
        for raw in response.get("cookies") or []:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(raw.replace("; Partitioned", ""))
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self.last = response
        return response

    def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.request("GET", path, **kwargs)

    def post(
        self, path: str, form: Mapping[str, str | Sequence[str]] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return self.request("POST", path, form or {}, **kwargs)

    def member_sign_in(self, telegram_id: int = MEMBER_TELEGRAM, **fields: Any) -> dict[str, Any]:
        init_data = mint_init_data(BOT_TOKEN, telegram_id, auth_date=int(time.time()), **fields)
        return self.post("/app/session", {"init_data": init_data})

    def operator_sign_in(self, telegram_id: int = ADMIN_ID) -> dict[str, Any]:
        query = urlencode(mint_login(BOT_TOKEN, telegram_id, auth_date=int(time.time())))
        return self.get(f"/console/login/telegram?{query}")


def text_of(response: Mapping[str, Any]) -> str:
    return str(response.get("body") or "")


def json_of(response: Mapping[str, Any]) -> Any:
    return json.loads(text_of(response))


def register(
    runtime: Runtime, telegram_id: int, *, invite: str | None = None, name: str = "Alice"
) -> str:
    """A member registered as the bot registers them; returns their invite code."""
    members = Members(runtime.ledger, runtime.bot_store)
    members.remember_visitor(telegram_id, invite_code=invite, language="en")
    registration = members.register(
        telegram_id=telegram_id,
        phone=f"+86138{telegram_id % 100_000_000:08d}",
        language="en",
        display_name=name,
        key=f"tg:test-join-{telegram_id}",
    )
    code = registration.member.invite_code
    assert code is not None
    return code


def csrf_of(html: str) -> str:
    marker = 'name="_csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def now_s() -> int:
    return int(time.time())
