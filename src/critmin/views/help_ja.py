"""``--help`` in Japanese: the command and option texts of ``views/data/help_ja.csv``
(key: the command path, e.g. ``data status``, or ``*:<option>`` for an option of every
command, ``<path>:<option>`` for one command's) replace the English docstrings when the
language is Japanese (``--lang ja`` on the command line, ``CRITMIN_LANG=ja`` or a
Japanese locale). A text the catalogue lacks stays in English."""

from __future__ import annotations

import csv
import re
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


def japanese_offsets(text: str, width: int, fold: bool = True) -> list[int]:
    """Where to break ``text`` into lines of at most ``width`` cells (rich's
    ``divide_line``, for Japanese): between any two Japanese characters or at a space,
    never inside a Latin word (unless it alone is wider than the line and ``fold``),
    never before closing or after opening punctuation."""
    from rich.cells import cell_len

    from critmin.views.tables import UNITS

    offsets: list[int] = []
    used = 0
    for m in UNITS.finditer(text):
        unit, start = m.group(), m.start()
        cells = cell_len(unit)
        if unit.isspace():
            used += cells      # a space ending a line is stripped by rich
            continue
        if used and used + cells > width:
            offsets.append(start)
            used = 0
        if cells > width and fold:   # a word wider than the line: cut it
            for i, char in enumerate(unit):
                if used and used + cell_len(char) > width:
                    offsets.append(start + i)
                    used = 0
                used += cell_len(char)
            continue
        used += cells
    return offsets


def _rstrip_end(self: Any, size: int) -> None:
    """rich's ``Text.rstrip_end`` by cells, not characters: the spaces that end a line
    wider than ``size`` go (rich counts characters, so a Japanese line kept them and
    was then cut with "…")."""
    from rich.cells import cell_len

    plain = self.plain
    spaces = len(plain) - len(plain.rstrip())
    if spaces and cell_len(plain) > size:
        self.right_crop(spaces)


def line_ends_by_cells() -> None:
    """Let rich strip a line's end by cells (:func:`_rstrip_end`) — for this process,
    whose help quotes Japanese words even in English (``(類型)``): a line holding them
    was cut with "…" ("recomput…")."""
    import rich.text

    rich.text.Text.rstrip_end = _rstrip_end  # type: ignore[method-assign]


def japanese_wrapping() -> None:
    """Let rich (the help panels) break Japanese lines with :func:`japanese_offsets`
    instead of at spaces only — for this process, which prints Japanese help."""
    import rich.text

    rich.text.divide_line = japanese_offsets  # type: ignore[assignment]


PANEL_WORDS = {"DEFAULT_STRING": "［既定：{}］", "ENVVAR_STRING": "［環境変数：{}］",
               "REQUIRED_LONG_STRING": "［必須］", "OPTIONS_PANEL_TITLE": "オプション",
               "ARGUMENTS_PANEL_TITLE": "引数", "COMMANDS_PANEL_TITLE": "コマンド",
               "ERRORS_PANEL_TITLE": "エラー"}
"""Typer's panel titles and option labels in Japanese (``typer.rich_utils`` constants)."""


def japanese_panels() -> None:
    """Title the help panels and label defaults, environment variables and required
    options in Japanese — for this process, which prints Japanese help."""
    from typer import rich_utils

    for name, words in PANEL_WORDS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, words)


def lang_first(argv: list[str]) -> list[str]:
    """``argv`` with ``--lang X`` moved before the command when help is asked: a group
    such as ``recycle`` has no ``--lang`` of its own (``critmin recycle --help --lang ja``
    would otherwise be refused), the root takes it for every command."""
    if "--help" not in argv:
        return argv
    out, lang = [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--lang" and i + 1 < len(argv):
            lang, i = ["--lang", argv[i + 1]], i + 2
            continue
        if argv[i].startswith("--lang="):
            lang, i = [argv[i]], i + 1
            continue
        out.append(argv[i])
        i += 1
    return [*lang, *out]


HELP_OPTION_JA = "このヘルプを表示して終了。"


def _help_option_in_japanese(cmd: Any) -> None:
    """The ``--help`` option's own text in Japanese: Typer makes that option on first use
    and keeps it in ``_help_option`` (a private attribute: a Typer without it keeps the
    English text)."""
    try:
        from typer._click.decorators import help_option
    except ImportError:
        return
    if getattr(cmd, "_help_option", "absent") is not None or not getattr(
            cmd, "add_help_option", True):
        return
    help_option(["--help"])(cmd)
    option = cmd.params.pop()
    option.help = HELP_OPTION_JA
    cmd._help_option = option


def translate_help(root: Any) -> Any:
    """``root`` (a Click command tree) with its help texts in Japanese."""
    texts = help_texts()
    for path, cmd in commands(root):
        _help_option_in_japanese(cmd)
        if path in texts:
            cmd.help = texts[path]
            cmd.short_help = None
        for param in cmd.params:
            text = texts.get(f"{path}:{param.name}") or texts.get(f"*:{param.name}")
            if text is not None and hasattr(param, "help"):
                param.help = text
    return root


NUMBERISH = re.compile(r"[\d.,:%+\-–]+")
PERCENT = re.compile(r"\d+(?:\.\d+)?%")


def ascii_numbers(argv: list[str]) -> list[str]:
    """``argv`` with each argument that is a number written with full-width characters
    (``２０２３``, ``０．５``, ``２０１８－２０２３``) as ASCII, as a Japanese keyboard types
    them, and a percentage (``50%``, ``５０％``) as the share every option takes (0.5);
    any other argument (a name, a file path) as it is."""
    import unicodedata

    out = []
    for arg in argv:
        plain = unicodedata.normalize("NFKC", arg)   # ２０２３ → 2023, － → -
        if PERCENT.fullmatch(plain):          # a share as a percentage: 50% → 0.5
            out.append(repr(float(plain[:-1]) / 100))
            continue
        out.append(plain if plain != arg and NUMBERISH.fullmatch(plain) else arg)
    return out


def main() -> None:
    """Run the command line, its help in Japanese when the language is Japanese."""
    import typer.main

    from critmin.views.app import app

    sys.argv[1:] = ascii_numbers(sys.argv[1:])
    if help_lang(sys.argv[1:]) != "ja":
        if not sys.argv[1:] or "--help" in sys.argv[1:]:
            line_ends_by_cells()   # (only then: a piped command need not import rich)
        app()
        return
    line_ends_by_cells()
    japanese_wrapping()
    japanese_panels()
    translate_help(typer.main.get_command(app))(args=lang_first(sys.argv[1:]),
                                                prog_name="critmin")
