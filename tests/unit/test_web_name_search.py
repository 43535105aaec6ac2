"""The console's member search by name and @username (in-memory twin): the name index
registration writes, read by one query, and ``jifen web index-names`` for older members."""

from __future__ import annotations

import argparse
import html
import re
from typing import Any

import pytest

from functions.commands import web as web_command
from functions.services.members import Members
from functions.store.table import Delete, key_of
from tests.support.web import MEMBER_TELEGRAM, Browser, memory_runtime, register, text_of


@pytest.fixture
def runtime() -> Any:
    runtime = memory_runtime()
    code = register(runtime, MEMBER_TELEGRAM, name="Alice Wong")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Alan Li")
    register(runtime, MEMBER_TELEGRAM + 2, invite=code, name="Bob")
    return runtime


def operator(runtime: Any) -> Browser:
    browser = Browser(runtime)
    assert browser.operator_sign_in()["statusCode"] == 303
    return browser


def listed(page: str) -> list[str]:
    return [
        html.unescape(name) for name in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', page)
    ]


def test_an_operator_finds_members_by_the_start_of_their_name(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three registered members, and a table that refuses scans and listings
    ops = operator(runtime)

    def refused(*_: object, **__: object) -> Any:
        raise AssertionError("the search read the whole table")

    monkeypatch.setattr(type(runtime.stores.table), "scan", refused)
    monkeypatch.setattr(type(runtime.ledger.store), "iter_members", refused)
    # When the operator searches "al", "ALICE" and "carol"
    several = ops.get("/console/members?q=al")
    one = ops.get("/console/members?q=ALICE")
    none = ops.get("/console/members?q=carol")
    # Then names starting so are listed (in name order, linked to their page), else none
    assert several["statusCode"] == 200
    assert listed(text_of(several)) == ["Alan Li", "Alice Wong"]
    assert f'href="/console/members/tg{MEMBER_TELEGRAM}"' in text_of(one)
    assert listed(text_of(one)) == ["Alice Wong"]
    assert none["statusCode"] == 404
    assert "No member found for carol." in text_of(none)
    # And an exact key still opens the member at once
    exact = ops.get(f"/console/members?q={MEMBER_TELEGRAM + 2}")
    assert exact["statusCode"] == 303


def test_an_operator_finds_a_member_by_telegram_username(runtime: Any) -> None:
    # Given Bob's @username, as the bot records it
    bob = f"tg{MEMBER_TELEGRAM + 2}"
    runtime.bot_store.set_username(bob, "bob_the_builder")
    # When the operator searches it, in another case, and a username nobody has
    ops = operator(runtime)
    found = ops.get("/console/members?q=@Bob_The_Builder")
    missing = ops.get("/console/members?q=@nobody")
    # Then Bob is listed, and nobody for the other
    assert listed(text_of(found)) == ["Bob"]
    assert missing["statusCode"] == 404


def test_index_names_files_members_registered_before_the_index(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given members whose name entries are gone (registered before the index existed)
    table = runtime.stores.table
    for letter in ("a", "b"):
        for item in list(table.query(f"NAME#{letter}")):
            table.write(Delete(key_of(item)))
    ops = operator(runtime)
    assert ops.get("/console/members?q=alice")["statusCode"] == 404
    monkeypatch.setattr(web_command, "_runtime", lambda _table: runtime)
    # When `jifen web index-names` runs (twice: it is safe to rerun)
    assert web_command.index_names(argparse.Namespace(table=None)) == 0
    assert web_command.index_names(argparse.Namespace(table=None)) == 0
    # Then the names are found again, each once
    page = text_of(ops.get("/console/members?q=a"))
    assert listed(page) == ["Alan Li", "Alice Wong"]
    assert Members(runtime.ledger, runtime.bot_store).find_by_name("bob")[0].display_name == "Bob"
