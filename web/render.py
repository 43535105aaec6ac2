"""Jinja2 for the web side: templates and assets from the package, autoescaped, cached.

Templates are compiled once per process (the ``Environment`` keeps them), so a warm
Lambda renders a page without touching the disk. Assets are read once and served with
a content hash in their URL (``/static/app.css?v=…``), so browsers and the API cache
them for a year and a new deploy is fetched at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .i18n import money

ROOT = Path(__file__).resolve().parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    version: str


@functools.cache
def asset(name: str) -> Asset | None:
    """A bundled asset by file name (no directories: nothing outside ``web/static``)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = STATIC / name
    if not path.is_file():
        return None
    body = path.read_bytes()
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in {"application/javascript", "image/svg+xml"}:
        kind += "; charset=utf-8"
    return Asset(body, kind, hashlib.sha256(body).hexdigest()[:12])


def static_url(name: str) -> str:
    found = asset(name)
    return f"/static/{name}" + (f"?v={found.version}" if found else "")


def _when(epoch_us: int, zone: ZoneInfo) -> str:
    moment = dt.datetime.fromtimestamp(epoch_us / 1_000_000, tz=zone)
    return moment.strftime("%Y-%m-%d %H:%M")


def _signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + money(cents)


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["money"] = money
    env.filters["signed"] = _signed
    env.filters["when"] = _when
    env.globals["static"] = static_url
    return env


def render(template: str, context: Mapping[str, Any]) -> str:
    return environment().get_template(template).render(**context)
