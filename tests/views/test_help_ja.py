"""``--help`` in Japanese: every command has its Japanese text, the texts wrap inside
80 columns without cutting, and the language comes from --lang, CRITMIN_LANG or the
locale."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer.main
from rich.cells import cell_len

from critmin.views.cli import app
from critmin.views.help_ja import commands, help_lang, help_texts, translate_help

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_every_command_has_japanese_help() -> None:
    paths = [p for p, _ in commands(typer.main.get_command(app))]
    missing = [p for p in paths if p not in help_texts()]
    assert not missing, f"commands without a Japanese help text: {missing}"


def test_option_keys_name_real_options() -> None:
    params = {p.name for _, c in commands(typer.main.get_command(app)) for p in c.params}
    paths = {p for p, _ in commands(typer.main.get_command(app))}
    for key in help_texts():
        if ":" in key:
            where, name = key.split(":", 1)
            assert where == "*" or where in paths, key
            assert name in params, key


@pytest.mark.parametrize("path", ["", "assess", "shock", "data import", "exposure"])
def test_help_in_japanese_fits_80_columns(path: str) -> None:
    """The console script's path (``critmin --lang ja … --help``), in a subprocess."""
    env = {**os.environ, "COLUMNS": "80", "CRITMIN_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "critmin", "--lang", "ja", *path.split(),
                           "--help"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert JAPANESE.search(out.split("Options")[0]), "the description is not in Japanese"
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    assert "…" not in out, "a Japanese text was cut instead of wrapped"


def test_translated_tree_keeps_english_without_catalogue_entry() -> None:
    cmd = translate_help(typer.main.get_command(app))
    shock = dict(commands(cmd))["shock"]
    radar = next(p for p in shock.params if p.name == "radar")
    assert not JAPANESE.search(radar.help or "")  # no entry: English stays
    assert JAPANESE.search(next(p for p in shock.params if p.name == "cut").help)


def test_help_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRITMIN_LANG", raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert help_lang(["assess", "--help"]) == "ja"
    assert help_lang(["assess", "--help", "--lang", "en"]) == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert help_lang(["--lang=ja", "shock", "--help"]) == "ja"
    monkeypatch.setenv("CRITMIN_LANG", "ja")
    assert help_lang(["--help"]) == "ja"


def test_japanese_line_breaks_by_hand() -> None:
    """Breaks between Japanese characters or at spaces; never inside a Latin word, before
    、。） or after （ (kinsoku)."""
    from critmin.views.help_ja import japanese_offsets

    text = "鉱種、国（例）：critmin です"
    #        鉱 種、 国 （例） ：  c r i t m i n  _ で す
    # cells: 2  4   2   6     2     7            1 2 2
    lines = [text[a:b] for a, b in zip([0, *japanese_offsets(text, 8)],
                                       [*japanese_offsets(text, 8), len(text)], strict=True)]
    assert lines == ["鉱種、国", "（例）：", "critmin ", "です"]
    assert japanese_offsets("abcdefghij", 4) == [4, 8]            # a word wider: folded
    assert japanese_offsets("abcdefghij", 4, fold=False) == []
