"""``critmin shock``, ``scenario`` and ``uncertainty`` on the real store."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from critmin.service import shocks as svc
from critmin.views.cli import app

runner = CliRunner()
KEYS = {"importer", "commodity", "stage", "year", "imports_t", "direct_loss_t",
        "direct_loss_share", "resourced_t", "shortfall_t", "shortfall_share"}


def test_shock_json_contract_and_figures(imported_home):
    result = runner.invoke(app, ["shock", "--exporter", "中国", "--commodity", "graphite",
                                 "--cut", "0.75", "-i", "JPN", "-i", "EU27", "--year", "2023",
                                 "-f", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["command"] == "shock" and payload["method_version"]
    rows = payload["rows"]
    assert {(r["importer"], r["stage"]) for r in rows} == {
        ("JPN", "mining"), ("JPN", "refining"), ("EU27", "mining"), ("EU27", "refining")}
    for r in rows:
        assert KEYS <= set(r)
    jpn = next(r for r in rows if r["importer"] == "JPN" and r["stage"] == "mining")
    # Japan's natural-graphite imports from China are most of the total
    assert 0.5 < jpn["direct_loss_share"] <= 0.75
    assert jpn["shortfall_t"] <= jpn["direct_loss_t"]
    assert abs(jpn["direct_loss_t"] - jpn["resourced_t"] - jpn["shortfall_t"]) < 1e-3
    ref = next(r for r in rows if r["importer"] == "JPN" and r["stage"] == "refining")
    assert ref["direct_loss_t"] is None and "BACI" in ref["missing"]


def escaped(words: str) -> str:
    """``words`` as Plotly writes text into a chart's HTML (non-ASCII as \\uXXXX)."""
    return json.dumps(words)[1:-1]


def test_shock_bad_input(imported_home):
    result = runner.invoke(app, ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "2"])
    assert result.exit_code == 2 and "within 0–1" in result.output
    result = runner.invoke(app, ["shock", "--exporter", "Atlantis", "-c", "graphite",
                                 "--cut", "0.5"])
    assert result.exit_code == 2 and "unknown country" in result.output
    result = runner.invoke(app, ["shock", "--exporter", "CHN", "-c", "graphite", "--cut",
                                 "0.5", "--year", "1980"])
    assert result.exit_code == 2 and "1995" in result.output


def test_gallium_shock_names_the_data_to_import(imported_home, text_reason_code):
    result = runner.invoke(app, ["scenario", "run", "cn_gallium_germanium_2023", "-i", "JPN",
                                 "--year", "2023", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {r["commodity"] for r in rows} == {"gallium", "germanium"}
    for r in rows:
        assert r["direct_loss_t"] is None
    ga = next(r for r in rows if r["commodity"] == "gallium")
    # 811291 is indium's and rhenium's too
    assert text_reason_code(ga["missing"]) == "shared_hs_code"
    ge = next(r for r in rows if r["commodity"] == "germanium")
    assert "ends in 2016" in ge["missing"]


def test_scenario_list_and_bad_file(imported_home, tmp_path):
    result = runner.invoke(app, ["scenario", "list", "-f", "json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)["rows"]) >= 10
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: y\nshocks:\n  - exporter: CHN\n    commodity: graphite\n"
                   "    cut: -1\n", encoding="utf-8")
    result = runner.invoke(app, ["scenario", "run", str(bad)])
    assert result.exit_code == 2 and "line 4" in result.output.replace("\n", " ")
    result = runner.invoke(app, ["scenario", "run", "no_such_scenario"])
    assert result.exit_code == 2 and "cn_graphite_2023" in result.output


def test_uncertainty_of_a_scenario(imported_home, tmp_path):
    chart = tmp_path / "shortfall.html"
    result = runner.invoke(app, ["uncertainty", "--scenario", "cn_graphite_2023", "-i", "JPN",
                                 "--draws", "400", "--seed", "3", "--year", "2023",
                                 "--workers", "1", "--chart", str(chart), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    mine = next(r for r in rows if r["stage"] == "mining")
    assert mine["shortfall_q05"] <= mine["shortfall_q50"] <= mine["shortfall_q95"]
    assert mine["seed"] == 3 and chart.stat().st_size > 10_000
    page = chart.read_text(encoding="utf-8")  # English: the default of the tests
    assert escaped("Shortfall: median and 5–95 % band of 400 Monte Carlo draws") in page
    assert escaped("Monte Carlo, uniform draws: cut 25–90 %") in page


def test_shock_on_the_assessment_radar(imported_home, tmp_path):
    result = runner.invoke(app, ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "1",
                                 "-i", "JPN", "--year", "2023", "--radar", str(tmp_path),
                                 "--lang", "en", "-f", "csv"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "shock_radar_JPN_graphite_en.html").read_text()
    assert "Before" in page and "After" in page and "Import governance" in page


def test_csv_and_json_full_precision_table_significant_figures(imported_home):
    """CSV carries every column at full precision, the same numbers as the JSON (no
    rounded column beside unrounded ones); the table shows 4 significant figures."""
    import csv
    import io

    args = ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "0.5", "-i", "JPN",
            "--year", "2023", "--stage", "mining"]
    out = runner.invoke(app, [*args, "-f", "csv"])
    assert out.exit_code == 0, out.output
    row = next(csv.DictReader(io.StringIO(out.stdout)))  # mining (refining: 2nd order)
    assert list(row) == svc.IMPACT_COLUMNS and row["stage"] == "mining"
    js = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)["rows"][0]
    for column, value in js.items():
        if isinstance(value, float):
            assert float(row[column]) == pytest.approx(value, rel=1e-12, abs=0), column
    share = js["shortfall_share"]
    assert share != round(share, 6)
    table = runner.invoke(app, [*args, "-f", "table"], env={"COLUMNS": "400"})
    percent = f"{100 * share:.3g}"                       # 0.3772… → 37.7 %
    shown = re.findall(rf" ({re.escape(percent)}) %", table.stdout)
    assert table.exit_code == 0 and shown, table.stdout
    assert row["shortfall_share"] not in table.stdout


ID = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def table(argv: list[str], lang: str, width: int = 80) -> str:
    result = runner.invoke(app, [*argv, "-f", "table", "--lang", lang],
                           env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    from rich.cells import cell_len

    assert max(cell_len(line) for line in result.stdout.splitlines()) <= width
    return result.stdout


def flat(text: str) -> str:
    """The text without line breaks or spaces (wrapping moves them)."""
    return re.sub(r"\s+", "", text)


def columns_shown(out: str) -> list[int]:
    return [line.count("┃") - 1 for line in out.splitlines() if line.startswith("┃")]


def test_japanese_tables_name_things_and_state_the_assumptions(imported_home):
    """At 80 columns in Japanese: no snake_case id (but the scenario ids one types),
    the scenario's name in Japanese, its caveats, ω and κ, the trade year and the
    cutters under every shortfall; at most 8 columns."""
    from critmin.analysis.scenarios import library

    listing = table(["scenario", "list"], "ja")
    assert set(ID.findall(listing)) <= set(library())
    assert "中国の黒鉛輸出管理" in listing and "cn_graphite_2023" in listing
    run = table(["scenario", "run", "cn_heavy_rare_earths_2025", "-i", "JPN"], "ja")
    assert not ID.findall(run), ID.findall(run)
    for words in ("中国の中・重希土類7元素の輸出管理（2025年4月）（貿易年2024年）",
                  "輸出規制国：中国（CHN）", "輸出の75%を停止", "ω=20%", "κ=0%",
                  "規制対象の7元素はその一部なので、損失は上限値です。"):
        assert words in flat(run), words
    shock = table(["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "0.5", "-i",
                   "JPN", "-i", "KOR", "--year", "2022", "--full"], "ja")
    assert not ID.findall(shock), ID.findall(shock)
    for words in ("中国（CHN）による黒鉛の輸出50%削減（貿易年2022年）", "ω=20%", "κ=0%",
                  "数値なし：", "詳細：JPN", "途絶後の輸入HHI", "黒鉛"):
        assert words in flat(shock), words
    assert max(columns_shown(run) + columns_shown(shock)) <= 8


def test_english_table_shows_the_reader_columns_and_details_only_with_full(imported_home):
    argv = ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "0.75", "-i", "JPN",
            "--year", "2023", "--redirect-share", "0.5", "--spare-capacity", "0.1"]
    short = table(argv, "en", width=200)
    assert "Details" not in short and "HHI" not in short
    for words in ("Re-sourced", "Shortfall", "ω = 50 %", "κ = 10 %", "trade year 2023",
                  "China (CHN)", "Cut: 75 %"):
        assert words in short, words
    assert max(columns_shown(short)) <= 8
    full = table([*argv, "--full"], "en")
    assert "Details — JPN" in full and "Import HHI after the shock" in full
    assert max(columns_shown(full)) <= 8


def test_uncertainty_table_states_the_monte_carlo_ranges(imported_home):
    out = table(["uncertainty", "--scenario", "cn_graphite_2023", "-i", "JPN", "--draws",
                 "100", "--seed", "3", "--year", "2023", "--workers", "1", "--chunk", "50",
                 "--full"], "ja")
    for words in ("中国の黒鉛輸出管理（2023年12月）", "100回試行", "乱数シード3",
                  "削減率25〜90%", "ω：10〜30%", "κ：0%で固定", "留意事項：", "詳細：JPN",
                  "代替調達量"):
        assert words in flat(out), words
    assert not ID.findall(out), ID.findall(out)


def test_shortfall_chart_in_japanese(imported_home, tmp_path):
    chart = tmp_path / "shortfall.html"
    result = runner.invoke(app, ["scenario", "run", "cn_graphite_2023", "-i", "JPN",
                                 "--year", "2023", "--lang", "ja", "-f", "csv", "--chart",
                                 str(chart)])
    assert result.exit_code == 0, result.output
    page = chart.read_text(encoding="utf-8")
    for words in ("中国の黒鉛輸出管理（2023年12月）（貿易年2023年）", "直接喪失量", "代替調達量",
                  "供給不足量", "t（貿易重量）", "JPN・黒鉛", "採掘", "ω=20%", "留意事項"):
        assert escaped(words) in page, words
    assert "direct loss" not in page and "graphite (" not in page


def test_uncertainty_rank_change_missing_with_reason_and_no_bar_on_stdout(imported_home,
                                                                       text_reason_code):
    r = runner.invoke(app, ["uncertainty", "-i", "JPN", "--draws", "200", "--seed", "1",
                            "--workers", "1", "--chunk", "100", "--year", "2022", "-f",
                            "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rows"]
    ranks = [x for x in rows if x["indicator"] == "rank_change_probability"]
    gone = [x for x in ranks if x["value"] is None]
    assert gone and all(x["missing"] and text_reason_code(x["missing"].split("; ")[0])
                        for x in gone)
    assert all(x["missing"] == "" for x in ranks if x["value"] is not None)


def test_uncertainty_max_memory_refuses_with_one_message(imported_home):
    r = runner.invoke(app, ["uncertainty", "-i", "JPN", "--draws", "20000",
                            "--max-memory", "100"])
    assert r.exit_code == 2
    assert "--max-memory 100" in r.output and "Traceback" not in r.output


def test_a_stage_without_figures_is_said_once_not_repeated(critmin_home) -> None:
    """Refined graphite has no trade in the bundle: its empty row is not repeated under
    every importer; the reason is stated once under the table."""
    from typer.testing import CliRunner

    from critmin.views.cli import app

    r = CliRunner(env={"COLUMNS": "120"}).invoke(app, [
        "shock", "--exporter", "CHN", "--commodity", "graphite", "--cut", "0.5",
        "--lang", "en", "-f", "table"])
    assert r.exit_code == 0, r.output
    table = r.stdout.split("└")[0]
    assert "refining" not in table and "refined products" in r.stdout
