"""User errors in the user's language (:mod:`critmin.views.errors`): an unknown name is
rendered from the error's fields by key, in Japanese with ``--lang ja``; English keeps
the error's own message; a kind or basis without a string keeps its words."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from critmin.errors import CritminError, UnknownNameError
from critmin.views.cli import app
from critmin.views.errors import error_message

runner = CliRunner()


def test_unknown_mineral_with_suggestions() -> None:
    exc = UnknownNameError("mineral", "コバルド", ["コバルト", "cobalt", "nickel"])
    assert error_message(exc, "ja") == "鉱種「コバルド」は不明です。近い候補：コバルト"
    assert error_message(exc, "en") == str(exc) == (
        "unknown mineral 'コバルド'; closest valid choices: コバルト")


def test_year_span_and_basis() -> None:
    exc = UnknownNameError("year", "1800", ["2018", "2024"], valid="2018–2024 (trade)",
                           span=(2018, 2024), basis="trade")
    assert error_message(exc, "ja") == (
        "年「1800」は不明です。有効な年：2018–2024（貿易データがある年）")
    assert "valid: 2018–2024 (trade)" in error_message(exc, "en")


def test_unlisted_kind_keeps_its_words_and_other_errors_their_message() -> None:
    exc = UnknownNameError("planet", "Vulcan", ["Mercury", "Venus"])
    assert error_message(exc, "ja").startswith("planet「Vulcan」は不明です。有効な値の例：")
    assert error_message(CritminError("disk full"), "ja") == "disk full"


@pytest.mark.usefixtures("critmin_home")
@pytest.mark.parametrize(("args", "expected"), [
    ("assess -c コバルド --lang ja", "エラー：鉱種「コバルド」は不明です。近い候補：コバルト"),
    ("indicators --year 18 --lang ja", "エラー：年「18」は不明です。有効な書き方：YYYY"),
    ("countries --group G9 --lang ja", "エラー：国グループ「G9」は不明です。近い候補：G7"),
    ("assess -c unobtainium --lang en", "error: unknown mineral 'unobtainium'"),
])
def test_cli_says_it_in_the_commands_language(args: str, expected: str) -> None:
    result = runner.invoke(app, args.split())
    assert result.exit_code == 2
    assert result.stderr.startswith(expected), result.stderr
