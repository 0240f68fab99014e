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


def test_english_command_list_at_80_columns() -> None:
    """``critmin --help`` in English: each command's summary wraps as one paragraph (not
    a row per docstring line: Typer keeps the line breaks there) and a line quoting
    Japanese (``(類型)``) is wrapped, never cut with "…"."""
    env = {**os.environ, "COLUMNS": "80", "CRITMIN_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "critmin", "--help"], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = [line.strip("│ ") for line in proc.stdout.splitlines()]
    assert "…" not in proc.stdout and all(cell_len(row) <= 80 for row in rows)
    exposure = rows.index("exposure     Material exposure of a bill of materials: mass and "
                          "value per")
    assert rows[exposure + 1].startswith("commodity, supplier-country HHI and risk, the")


def test_english_help_paragraphs_wrap_at_80_columns() -> None:
    """Every command's ``--help`` in English at 80 columns: within a paragraph only the
    last line is short (Typer kept the docstring's line breaks, so a paragraph came out
    as "… the draws. A / progress bar / with the time left … the / Dask / cluster")."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from critmin.views.cli import app, reflowed

    assert reflowed("a\n  b\n\n\b\nx   y\nz") == "a b\n\n\b\nx   y\nz"
    paths = [[]] + [[name] for name in get_command(app).commands] + [
        ["data", "import"], ["data", "status"], ["recycle", "streams"]]
    for path in paths:
        out = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"}).output
        description = out.split("╭")[0].split("\n")[3:]
        for line, following in zip(description, description[1:], strict=False):
            if line.strip() and following.strip() and not line.startswith(" usgs-mcs"):
                assert cell_len(line.rstrip()) >= 60, (path, line, following)


def test_translated_tree_keeps_english_without_catalogue_entry(monkeypatch) -> None:
    from critmin.views import help_ja

    texts = {k: v for k, v in help_ja.help_texts().items() if k != "shock:radar"}
    monkeypatch.setattr(help_ja, "help_texts", lambda: texts)
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


@pytest.mark.parametrize("args", [["--lang", "ja", "whatif", "--help"],
                                  ["recycle", "--help", "--lang", "ja"],
                                  ["data", "import", "--help", "--lang", "ja"]])
def test_japanese_help_has_no_english_panel_words(args: list[str]) -> None:
    """Panel titles, defaults and the help option in Japanese; ``--lang`` after a group
    (which has no ``--lang`` of its own) still works with ``--help``; every option of
    every command has a Japanese text (the catalogue covers them all)."""
    env = {**os.environ, "COLUMNS": "100", "CRITMIN_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "critmin", *args], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for english in ("Show this message", "[default:", "Options", "[required]"):
        assert english not in out, english
    assert "オプション" in out and "このヘルプを表示して終了。" in out


def test_every_option_has_japanese_help() -> None:
    texts = help_texts()
    root = typer.main.get_command(app)
    missing = [f"{path}:{p.name}" for path, cmd in commands(root) for p in cmd.params
               if getattr(p, "help", None) and f"{path}:{p.name}" not in texts
               and f"*:{p.name}" not in texts]
    assert missing == []


def test_full_width_numbers_are_read_as_numbers(critmin_home) -> None:
    from critmin.views.help_ja import ascii_numbers

    assert ascii_numbers(["--cut", "50%", "--offtake", "７５％"]) == [
        "--cut", "0.5", "--offtake", "0.75"]
    assert ascii_numbers(["--year", "２０２３", "--cut", "０．５", "-c", "レアアース",
                          "--bom", "部品表（２０２４）.csv", "２０１８－２０２３"]) == [
        "--year", "2023", "--cut", "0.5", "-c", "レアアース", "--bom",
        "部品表（２０２４）.csv", "2018-2023"]     # a name or a path stays as typed
    env = {**os.environ, "CRITMIN_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "critmin", "assess", "--year", "２０２３",
                           "-c", "cobalt", "-f", "csv"], capture_output=True, text=True,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("JPN,cobalt,2023,")
