"""The web side's guards, route by route: who may see and change what.

Every operator route (the console registers them in ``OPERATOR_ROUTES``) is walked with
no session, a member's session, a forged session, an operator session of an id that is
no longer an admin, and (for every state change) a missing CSRF token: each is refused
and nothing changes. The board's HTML and CSV carry no member id, name or phone. The
dev sign-in (one-time link, minted initData) does not exist in the deployed handler.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest

from functions.config import REPO_ROOT
from functions.runtime import Runtime
from functions.services.members import Members
from functions.services.settlement import run_settlement
from functions.store.records import MemberRecord
from local.dev.telegram_auth import mint_init_data
from tests.support.web import (
    ADMIN_ID,
    BOT_TOKEN,
    MEMBER_TELEGRAM,
    Browser,
    json_of,
    memory_runtime,
    register,
    text_of,
    web_settings,
)
from web.app import CONSOLE_COOKIE, MEMBER_COOKIE, build
from web.auth import Audience, Sessions
from web.console import OPERATOR_ROUTES


@dataclass
class World:
    runtime: Runtime
    members: Members
    alice: MemberRecord
    bob: MemberRecord
    request_id: str

    def snapshot(self) -> tuple[Any, ...]:
        """What any refused action must leave as it was."""
        store = self.runtime.ledger.store
        alice = store.get_member(self.alice.member)
        request = store.get_withdrawal(self.request_id)
        assert alice is not None
        assert request is not None
        return (
            alice.version,
            alice.frozen,
            alice.available,
            request.status,
            len(self.runtime.stores.web.actions(limit=100)),
            store.settlement_sequence(),
        )


@pytest.fixture
def world() -> World:
    runtime = memory_runtime()
    members = Members(runtime.ledger, runtime.bot_store)
    code = register(runtime, MEMBER_TELEGRAM, name="Alice Wong")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Bob Li")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    bob = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert alice is not None
    assert bob is not None
    members.pay(bob, 300_000, 0, "charge-bob")
    members.pay(alice, 900_000, 0, "charge-alice")
    run_settlement(runtime.ledger, "2026-01-01")
    run_settlement(runtime.ledger, "2026-01-02")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    request = members.withdraw(alice, 5_000, "w-alice").request_id
    alice = members.by_telegram(MEMBER_TELEGRAM)
    assert alice is not None
    return World(runtime, members, alice, bob, request)


def concrete(rule: str, world: World) -> str:
    return (
        rule.replace("<member>", world.alice.member)
        .replace("<request_id>", world.request_id)
        .replace("<date>", "2026-01-03")
    )


def routes(world: World) -> list[tuple[str, str]]:
    build(world.runtime)  # registers the console's routes
    assert len(OPERATOR_ROUTES) >= 15
    return [(method, concrete(rule, world)) for method, rule in OPERATOR_ROUTES]


def form_for(path: str, world: World) -> dict[str, Any]:
    """A form that would do something if it got through (only the CSRF token missing)."""
    return {
        "frozen": "1",
        "reason": "test",
        "delta": "100",
        "key": "abc123",
        "request": [world.request_id],
        "confirm": "yes",
    }


def forged_token(telegram_id: int, audience: Audience) -> str:
    token, _ = Sessions(b"not-the-servers-key-0123456789ab").issue(
        telegram_id, audience, now_s=int(time.time()), ttl_s=3600
    )
    return token


def test_every_operator_route_refuses_a_visitor_without_a_session(world: World) -> None:
    """Given no session at all
    When every operator route is requested
    Then each answers 401 (sign-in) and nothing changes"""
    before = world.snapshot()
    for method, path in routes(world):
        browser = Browser(world.runtime)
        response = browser.request(
            method, path, form_for(path, world) if method == "POST" else None
        )
        assert response["statusCode"] == 401, (method, path)
    assert world.snapshot() == before


def test_every_operator_route_refuses_a_member(world: World) -> None:
    """Given Alice, signed in to the Mini App (a member session)
    When she requests every operator route with her cookie, and with her token put in the
    console's cookie
    Then each is refused and nothing changes"""
    before = world.snapshot()
    member = Browser(world.runtime)
    assert member.member_sign_in()["statusCode"] == 200
    token = member.cookies[MEMBER_COOKIE]
    for method, path in routes(world):
        for cookies in ({MEMBER_COOKIE: token}, {CONSOLE_COOKIE: token}):
            browser = Browser(world.runtime, dict(cookies))
            form = form_for(path, world) if method == "POST" else None
            response = browser.request(method, path, form)
            assert response["statusCode"] in (401, 403), (method, path, cookies)
            assert "Dashboard" not in text_of(response)
    assert world.snapshot() == before


def test_every_operator_route_refuses_a_forged_or_revoked_session(world: World) -> None:
    """Given an operator session signed with another key, and a genuine one of an id that is
    no longer an admin
    When every operator route is requested with each
    Then the forged one is treated as no session (401), the revoked one is refused (403)"""
    before = world.snapshot()
    genuine = build(world.runtime).sessions()
    revoked, _ = genuine.issue(424242, Audience.OPERATOR, now_s=int(time.time()), ttl_s=3600)
    forged = forged_token(ADMIN_ID, Audience.OPERATOR)
    for method, path in routes(world):
        form = form_for(path, world) if method == "POST" else None
        answer = Browser(world.runtime, {CONSOLE_COOKIE: forged}).request(method, path, form)
        assert answer["statusCode"] == 401, (method, path)
        answer = Browser(world.runtime, {CONSOLE_COOKIE: revoked}).request(method, path, form)
        assert answer["statusCode"] == 403, (method, path)
    assert world.snapshot() == before


def test_every_operator_state_change_refuses_a_missing_or_wrong_csrf_token(world: World) -> None:
    """Given a genuinely signed-in operator
    When every operator POST is sent without the CSRF token, or with another session's
    Then each is refused with 403 and nothing changes"""
    before = world.snapshot()
    operator = Browser(world.runtime)
    assert operator.operator_sign_in()["statusCode"] == 303
    signed_in = world.snapshot()  # the sign-in itself is in the audit log
    other = build(world.runtime).sessions()
    _, another = other.issue(ADMIN_ID, Audience.OPERATOR, now_s=int(time.time()), ttl_s=60)
    posts = [(method, path) for method, path in routes(world) if method == "POST"]
    assert len(posts) >= 7
    for _, path in posts:
        for token in ("", other.csrf_token(another)):
            form = {**form_for(path, world), "_csrf": token}
            response = operator.post(path, form)
            assert response["statusCode"] == 403, path
            assert "This form has expired" in text_of(response)
    assert world.snapshot() == signed_in
    assert before[:4] == signed_in[:4]


def test_a_csrf_token_makes_the_same_post_go_through(world: World) -> None:
    """Given the same operator and form as above
    When the freeze is posted with the session's own CSRF token
    Then it goes through: the guard refused for the token alone"""
    operator = Browser(world.runtime)
    operator.operator_sign_in()
    page = text_of(operator.get(f"/console/members/{world.alice.member}"))
    token = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert token is not None
    path = f"/console/members/{world.alice.member}/freeze"
    response = operator.post(path, {**form_for(path, world), "_csrf": token.group(1)})
    assert response["statusCode"] == 200
    frozen = world.runtime.ledger.store.get_member(world.alice.member)
    assert frozen is not None
    assert frozen.frozen


def test_member_state_changes_need_the_csrf_token(world: World) -> None:
    """Given Alice signed in to the Mini App
    When she posts a withdrawal, a transfer or an invoice request without her CSRF token
    Then each is refused (403) and nothing changes"""
    before = world.snapshot()
    member = Browser(world.runtime)
    member.member_sign_in()
    for path in ("/app/withdraw", "/app/transfer", "/app/withdraw/preview", "/app/shop/invoice"):
        form = {
            "points": "100",
            "key": "k1",
            "code": world.bob.invite_code or "",
            "amount": "300000",
        }
        assert member.post(path, form)["statusCode"] == 403, path
    assert world.snapshot() == before


def test_an_initdata_payload_opens_one_session_only(world: World) -> None:
    """Given one signed launch payload
    When it is presented twice (a replay)
    Then the first opens a session and the second is refused as replayed"""
    init_data = mint_init_data(BOT_TOKEN, MEMBER_TELEGRAM, auth_date=int(time.time()))
    first = Browser(world.runtime).post("/app/session", {"init_data": init_data})
    second = Browser(world.runtime).post("/app/session", {"init_data": init_data})
    assert first["statusCode"] == 200
    assert second["statusCode"] == 401
    assert json_of(second)["error"]["code"] == "replayed"


def test_a_member_cannot_open_someone_elses_team(world: World) -> None:
    """Given Bob (Alice's invitee) signed in
    When he asks for Alice's branch of the tree by path
    Then it is refused: only one's own downline can be browsed"""
    bob = Browser(world.runtime)
    bob.member_sign_in(MEMBER_TELEGRAM + 1)
    assert bob.get(f"/app/team?path={world.alice.member}")["statusCode"] == 404
    alice = Browser(world.runtime)
    alice.member_sign_in(MEMBER_TELEGRAM)
    assert alice.get(f"/app/team?path={world.bob.member}")["statusCode"] == 200


def test_the_board_shows_no_member_id_name_or_phone(world: World) -> None:
    """Given a community whose members have ids, names, phones, codes and Telegram ids
    When the board, its monthly report and the report's CSV are fetched without a session
    Then none of those appears anywhere in them"""
    store = world.runtime.ledger.store
    personal: list[str] = []
    for record in store.iter_members():
        personal += [record.member, str(record.telegram_id), record.invite_code or ""]
        personal += [record.display_name or "", record.phone or "", (record.phone or "")[3:]]
    personal = [value for value in personal if value]
    assert len(personal) >= 10
    visitor = Browser(world.runtime)
    pages = [
        visitor.get("/board"),
        visitor.get("/board/reports/2026-01"),
        visitor.get("/board/reports/2026-01.csv"),
    ]
    for response in pages:
        assert response["statusCode"] == 200
        body = text_of(response)
        leaked = [value for value in personal if value in body]
        assert leaked == []
    assert "public" in pages[0]["headers"]["Cache-Control"]


def test_the_dev_sign_in_does_not_exist_in_the_deployed_handler(world: World) -> None:
    """Given the deployed web handler (no jifen dev around it)
    When the dev sign-in routes are requested, and a session is asked for with launch data
    minted with a token that is not the deployed bot's (what jifen dev signs with)
    Then the routes do not exist and the minted data opens nothing"""
    visitor = Browser(world.runtime)
    for route in ("/dev/console-login?token=anything", "/dev/init-data?telegram_id=1"):
        assert visitor.get(route)["statusCode"] == 404
    assert visitor.post("/dev/console-link")["statusCode"] == 404
    dev_minted = mint_init_data("1:dev-token-of-jifen-dev", ADMIN_ID, auth_date=int(time.time()))
    assert visitor.post("/app/session", {"init_data": dev_minted})["statusCode"] == 401
    assert visitor.post("/console/session", {"init_data": dev_minted})["statusCode"] == 401
    # and nothing that ships (functions/, bot/, web/) mentions or mints the dev sign-in
    for folder in ("functions", "bot", "web"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "console-login" not in text, path
            assert "mint_init_data" not in text, path


def test_operators_sign_in_from_the_mini_app_only_with_an_admin_id(world: World) -> None:
    """Given launch data of a member and of an admin
    When each asks for a console session from the Mini App
    Then the member is refused (403) and the admin gets in"""
    member = Browser(world.runtime)
    init = mint_init_data(BOT_TOKEN, MEMBER_TELEGRAM, auth_date=int(time.time()))
    assert member.post("/console/session", {"init_data": init})["statusCode"] == 403
    admin = Browser(world.runtime)
    init = mint_init_data(BOT_TOKEN, ADMIN_ID, auth_date=int(time.time()))
    assert admin.post("/console/session", {"init_data": init})["statusCode"] == 200
    assert admin.get("/console")["statusCode"] == 200


def test_without_a_session_key_the_web_refuses_to_serve_sessions() -> None:
    """Given a runtime with no session key configured
    When a page needing a session is asked for
    Then it fails loudly rather than signing with a default key"""
    runtime = memory_runtime(web_settings(web={"web_session_key": None}))
    with pytest.raises(RuntimeError, match="session key"):
        Browser(runtime).get("/console")
