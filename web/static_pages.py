"""The public board and the operators' dashboard as self-contained HTML files.

``make demo`` writes them for the simulated community so a newcomer sees the pictures
without starting a server: the stylesheet is inlined, no script is needed (the charts
are SVG), and nothing is fetched from anywhere.
"""

from __future__ import annotations

from pathlib import Path

from functions.runtime import Runtime

from .app import Web
from .board import board_context
from .console import dashboard_context
from .render import STATIC, render


def write_pages(
    runtime: Runtime, folder: Path, languages: tuple[str, ...] = ("en", "zh")
) -> list[Path]:
    """Write ``board[.<lang>].html`` and ``dashboard[.<lang>].html``; their paths."""
    web = Web(runtime)
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for position, language in enumerate(languages):
        suffix = "" if position == 0 else f".{language}"
        for name, context in (
            ("board", board_context(web, language)),
            ("dashboard", dashboard_context(web, language)),
        ):
            page = {**context, "inline_css": css, "languages": [], "nav": [], "telegram": False}
            template = "board/board.html" if name == "board" else "console/dashboard.html"
            path = folder / f"{name}{suffix}.html"
            path.write_text(render(template, page), encoding="utf-8")
            written.append(path)
    return written
