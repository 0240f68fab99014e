"""``--help`` in Japanese: the command and option texts of ``views/data/help_ja.csv``
(key: the command path, e.g. ``data status``, or ``*:<option>`` for an option of every
command, ``<path>:<option>`` for one command's) replace the English docstrings when the
language is Japanese (``--lang ja`` on the command line, ``CRITMIN_LANG=ja`` or a
Japanese locale). A text the catalogue lacks stays in English."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any


@cache
def help_texts() -> dict[str, str]:
    """{key: Japanese text} of ``help_ja.csv``."""
    body = resources.files("critmin.views").joinpath("data", "help_ja.csv")
    return {r["key"]: r["ja"] for r in csv.DictReader(
        body.read_text(encoding="utf-8").splitlines())}


def help_lang(argv: list[str]) -> str:
    """The language of the help: ``--lang X`` / ``--lang=X`` in ``argv``, else
    :func:`critmin.views.app.locale_lang` (``CRITMIN_LANG`` or the locale)."""
    from critmin.views.app import locale_lang

    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "ja" if argv[i + 1] == "ja" else "en"
        if arg.startswith("--lang="):
            return "ja" if arg.split("=", 1)[1] == "ja" else "en"
    try:
        return locale_lang()
    except Exception:  # an invalid CRITMIN_LANG is reported by the command itself
        return "en"


def commands(root: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, command) of ``root`` and every sub-command ("critmin" for the root)."""
    yield path or "critmin", root
    for name, sub in getattr(root, "commands", {}).items():
        yield from commands(sub, f"{path} {name}".strip())


def breakable(text: str) -> str:
    """``text`` with a space after each Japanese comma, full stop and colon: the help
    panels wrap lines only at spaces (a longer run of Japanese would be cut with "…")."""
    import re

    text = re.sub(r"([、。：])(?=\S)", r"\1 ", text)
    text = re.sub(r"）(?=[^\s、。：）])", "） ", text)
    return re.sub(r"(?<=[^\s（])（", " （", text)


def translate_help(root: Any) -> Any:
    """``root`` (a Click command tree) with its help texts in Japanese."""
    texts = {k: breakable(v) for k, v in help_texts().items()}
    for path, cmd in commands(root):
        if path in texts:
            cmd.help = texts[path]
            cmd.short_help = None
        for param in cmd.params:
            text = texts.get(f"{path}:{param.name}") or texts.get(f"*:{param.name}")
            if text is not None and hasattr(param, "help"):
                param.help = text
    return root


def fold_long_words() -> None:
    """Let the help panels fold a run of Japanese longer than its column instead of
    cutting it with "…": Typer builds every help text with ``rich_utils._make_rich_text``
    (a private function, so a Typer without it keeps the cut)."""
    from typer import rich_utils

    make = getattr(rich_utils, "_make_rich_text", None)
    if make is None or getattr(make, "folds", False):
        return

    def folding(*args: Any, **kwargs: Any) -> Any:
        out = make(*args, **kwargs)
        if hasattr(out, "overflow"):
            out.overflow = "fold"
        return out

    folding.folds = True  # type: ignore[attr-defined]
    rich_utils._make_rich_text = folding


def main() -> None:
    """Run the command line, its help in Japanese when the language is Japanese."""
    import typer.main

    from critmin.views.app import app

    if help_lang(sys.argv[1:]) != "ja":
        app()
        return
    fold_long_words()
    translate_help(typer.main.get_command(app))(prog_name="critmin")
