"""User errors in the user's language (:mod:`critmin.views.errors`): an unknown name is
rendered from the error's fields by key, in Japanese with ``--lang ja``; English keeps
the error's own message; a kind or basis without a string keeps its words."""

from __future__ import annotations

import json

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


def test_several_names_in_one_value() -> None:
    exc = UnknownNameError("country", "日本、豪州", ["日本", "豪州"], several=["日本", "豪州"])
    assert error_message(exc, "ja") == (
        "国「日本、豪州」は不明です。日本、豪州を一つの値に書いています。値ごとに一つずつ"
        "指定してください（複数指定できるオプションは繰り返す）")


def test_a_file_that_is_not_there_or_not_a_file(tmp_path) -> None:
    """One check for every file a user names: not there, a folder or a device, each said
    so (in Japanese too); a regular file passes."""
    from critmin.errors import MissingFileError, require_file

    (tmp_path / "bom.csv").write_text("x")
    assert require_file(tmp_path / "bom.csv", "BOM") == tmp_path / "bom.csv"
    for path, reason, ja in ((tmp_path / "none.csv", "missing", "が見つかりません"),
                             (tmp_path, "folder", "はフォルダです（ファイルを指定してください）"),
                             ("/dev/null", "special", "は通常のファイルではありません")):
        with pytest.raises(MissingFileError) as info:
            require_file(path, "BOM")
        assert info.value.reason == reason
        assert error_message(info.value, "ja") == f"部品表（BOM）のファイル {path} {ja}"
    assert str(info.value) == "BOM file /dev/null is not a regular file"


def test_year_span_and_basis() -> None:
    exc = UnknownNameError("year", "1800", ["2018", "2024"], valid="2018–2024 (trade)",
                           span=(2018, 2024), basis="trade")
    assert error_message(exc, "ja") == (
        "年「1800」は不明です。有効な年：2018–2024（貿易データがある年）")
    assert "valid: 2018–2024 (trade)" in error_message(exc, "en")


def test_unlisted_kind_keeps_its_words_and_other_errors_their_message() -> None:
    exc = UnknownNameError("planet", "Vulcan", ["Mercury", "Venus"])
    assert error_message(exc, "ja") == "planet「Vulcan」は不明です。有効な値：Mercury、Venus"
    assert str(exc) == "unknown planet 'Vulcan'; valid choices: Mercury, Venus"  # all of them
    many = UnknownNameError("planet", "Vulcan", ["Mercury", "Venus", "Earth", "Mars",
                                                 "Jupiter", "Saturn"])
    assert error_message(many, "ja") == ("planet「Vulcan」は不明です。有効な値の例：Mercury、"
                                         "Venus、Earth、Mars、Jupiter など（一覧は --list）")
    assert error_message(CritminError("disk full"), "ja") == "disk full"


@pytest.mark.usefixtures("critmin_home")
@pytest.mark.parametrize(("args", "expected"), [
    ("assess -c コバルド --lang ja", "エラー：鉱種「コバルド」は不明です。近い候補：コバルト"),
    ("indicators --year 18 --lang ja", "エラー：年「18」は不明です。有効な書き方：YYYY"),
    ("countries --group G9 --lang ja", "エラー：国グループ「G9」は不明です。近い候補：G7"),
    ("assess -c unobtainium --lang en", "error: unknown mineral 'unobtainium'"),
    ("assess -i JPN,AUS --lang en", "error: unknown country 'JPN,AUS'; it lists several "
                                    "(JPN, AUS): give one per value"),
])
def test_cli_says_it_in_the_commands_language(args: str, expected: str) -> None:
    result = runner.invoke(app, args.split())
    assert result.exit_code == 2
    assert result.stderr.startswith(expected), result.stderr


def test_a_number_out_of_range_in_japanese() -> None:
    from critmin.errors import NumberError

    exc = NumberError("--cut", 2.0, low=0, high=1)
    assert str(exc) == "--cut must be within 0–1 (got 2.0)"
    assert error_message(exc, "ja") == (
        "輸出削減率（--cut）は 0–1 の範囲で指定してください（入力：2.0）")
    big = NumberError("--draws", 0, low=1, high=10_000_000)
    assert str(big) == "--draws must be within 1–10,000,000 (got 0)"
    assert error_message(NumberError("added_t", -5.0, rule="not_negative"), "ja") == (
        "追加生産量（t/年）（added_t）は 0 以上で指定してください（入力：-5.0）")
    sobol = NumberError("--sobol", 3, rule="power_of_two")
    assert str(sobol) == "--sobol must be a power of two (e.g. 512, 1024) or 0 (got 3)"
    assert error_message(sobol, "ja") == (   # an option without a header: a space after it
        "--sobol は 2 のべき乗（512、1024 など）または 0 で指定してください（入力：3）")
    assert error_message(NumberError("--workers", 0, rule="at_least", low=1), "ja") == (
        "--workers は 1 以上で指定してください（入力：0）")
    kappa = NumberError("kappa", 0.0, rule="positive")
    assert str(kappa) == "kappa must be above 0 (got 0.0)"
    assert error_message(kappa, "ja").endswith("は 0 より大きい値で指定してください（入力：0.0）")


def test_the_saving_levers_cut_is_not_called_an_export_cut(critmin_home) -> None:
    """``--saving 1.5`` was refused as 輸出削減率 (the export cut of a shock): the saving
    lever's field has its own name."""
    result = runner.invoke(app, ["whatif", "-c", "rare_earths", "--saving", "1.5",
                                 "--lang", "ja"])
    assert result.exit_code == 2
    assert "省資源・代替による需要削減率（saving_cut）は 0–1 の範囲で" in result.stderr
    assert "輸出削減率" not in result.stderr


def test_an_invalid_request_in_japanese() -> None:
    from critmin.views.errors import validation_text

    errors = [{"loc": ("end",), "type": "less_than_equal", "ctx": {"le": 2200},
               "msg": "Input should be less than or equal to 2200"},
              {"loc": ("cut",), "type": "float_parsing", "msg": "Input should be a number"},
              {"loc": ("x",), "type": "no_such_type", "msg": "odd"}]
    assert validation_text(errors, "ja") == (
        "入力が正しくありません：最終年（end）：2200 以下の値を入力してください；"
        "輸出削減率（cut）：数値を入力してください（例：0.5）；x：odd")
    assert validation_text(errors[:1], "en") == (
        "invalid input: end: Input should be less than or equal to 2200")


@pytest.mark.usefixtures("critmin_home")
@pytest.mark.parametrize(("args", "expected"), [
    ("scenario run nope --lang ja", "エラー：供給途絶シナリオ「nope」はファイルでも同梱のものでも"
                                    "ありません。同梱：bloc_formation、"),
    ("exposure --bom nofile.csv --lang ja",
     "エラー：部品表（BOM）のファイル nofile.csv が見つかりません"),
    ("exposure --bom example:nope --lang ja", "エラー：例の部品表「nope」はありません。有効な値："
                                              "example:ev_traction_motor、"),
    ("data import nope x.csv --lang ja",
     "エラー：取り込み元「nope」は不明です。有効な値：usgs-mcs、"),
    ("scenario run nope --lang en", "error: scenario 'nope' is neither a file nor a library "
                                    "scenario; library: bloc_formation, "),
    ("data import nope x.csv --lang en", "error: unknown import source 'nope'; valid choices: "
                                         "usgs-mcs, wgi, pinksheet, baci, table"),
])
def test_files_and_library_ids_in_the_commands_language(args: str, expected: str) -> None:
    result = runner.invoke(app, args.split())
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()).startswith(expected), result.stderr


def test_a_bad_bom_is_reported_in_japanese(critmin_home, tmp_path) -> None:
    bom = tmp_path / "bad.csv"
    bom.write_text("product,part,commodity,mass_per_unit,mass_unit,units_per_year,supplier,"
                   "supplier_country,share\nA,p1,cobalt,1,stone,10,S,JPN,1\n",
                   encoding="utf-8")
    ja = runner.invoke(app, ["exposure", "--bom", str(bom), "--lang", "ja"])
    assert ja.exit_code == 2
    assert "1 件の問題があり、何も取り込んでいません" in ja.stderr
    assert "2 行目：質量の単位：" in ja.stderr
    en = runner.invoke(app, ["exposure", "--bom", str(bom), "--lang", "en"])
    assert "1 problem(s), nothing imported" in en.stderr and "row 2: mass_unit:" in en.stderr


def test_every_keyed_error_has_its_words_in_both_languages():
    """Each problem code of a user's file and each request error: its English words in
    the strings table are the raiser's own (:data:`critmin.errors.PROBLEM_TEXT`,
    :data:`~critmin.errors.REQUEST_TEXT`), and its Japanese words take the same values."""
    import csv
    import io
    import string
    from importlib import resources

    from critmin.errors import PARAMETER_TEXT, PROBLEM_TEXT, REQUEST_TEXT

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    table = resources.files("critmin.views").joinpath("data", "strings_errors.csv")
    strings = {r["key"]: r for r in csv.DictReader(io.StringIO(table.read_text("utf-8")))}
    keyed = {**{f"err_problem_{c}": t for c, t in PROBLEM_TEXT.items()},
             **{f"err_request_{c}": t for c, t in REQUEST_TEXT.items()},
             **{f"err_param_{c}": t for c, t in PARAMETER_TEXT.items()}}
    for code, english in keyed.items():
        row = strings[code]
        assert row["en"] == english, code
        assert fields(row["ja"]) == fields(english), code
        assert row["ja"] != english and not row["ja"].isascii(), code


def test_a_bad_table_to_import_is_reported_in_japanese(tmp_path) -> None:
    """A user's table (``data import table``) says each problem in Japanese too, by row
    and then by column as the file has them."""
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country
    from critmin.sources.user_table import TableError, read_table_file

    path = tmp_path / "p.csv"
    path.write_text("鉱種,段階,国,年,数量,単位\nコバルト,製錬,コンゴ民主共和国,2025,abc,t\n"
                    "コバルト,精錬所,日本,20x5,10,lb\n", encoding="utf-8")
    with pytest.raises(TableError) as info:
        read_table_file(path, "0" * 64, "production", resolve_commodity, resolve_country)
    lines = error_message(info.value, "ja").splitlines()
    assert lines[:4] == ["p.csv：4 件の問題があり、何も取り込んでいません",
                         "  2 行目：数量：「abc」は数値ではありません",   # the file's header
                         "  3 行目：段階：「精錬所」は段階ではありません。有効な段階：mining, "
                         "refining, scrap",
                         "  3 行目：年：「20x5」は4桁の年ではありません"]
    assert lines[4].startswith("  3 行目：単位：「lb」は t, metr. t, ")
    assert lines[4].endswith("のいずれでもありません")
    assert "row 3: year: '20x5' is not a four-digit year" in error_message(info.value, "en")


def test_lever_format_in_japanese_and_full_width_input_accepted(critmin_home) -> None:
    bad = runner.invoke(app, ["whatif", "-c", "rare_earths", "--mine", "オーストラリア:2万",
                              "--lang", "ja"])
    assert bad.exit_code == 2 and "「オーストラリア:2万」は COUNTRY:TONNES_PER_YEAR" in bad.stderr
    ok = runner.invoke(app, ["whatif", "-c", "rare_earths", "--mine",
                             "オーストラリア：２０，０００", "-f", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["request"]["levers"][0]["added_t"] == 20000.0


@pytest.mark.parametrize("args, ja", [
    (["exposure", "-i", "JPN"], "部品表を指定してください：--bom ファイル"),
    (["whatif", "-c", "cobalt", "-c", "nickel", "--saving", "0.1"],
     "--commodity を 1 つだけ指定してください"),
    (["indicators", "-i", "JPN", "-c", "cobalt", "--explain"],
     "--explain には --importer、--commodity、--year をそれぞれ 1 つだけ"),
])
def test_options_that_need_each_other_in_japanese(critmin_home, args, ja) -> None:
    result = runner.invoke(app, [*args, "--lang", "ja"])
    assert result.exit_code == 2 and ja in result.stderr, result.stderr
    english = runner.invoke(app, [*args, "--lang", "en"])
    assert english.exit_code == 2 and "--" in english.stderr and ja not in english.stderr
