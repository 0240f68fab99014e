"""``critmin shock``, ``scenario`` and ``uncertainty`` on the real store."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from critmin.catalog.reasons import code_of
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


def test_shock_bad_input(imported_home):
    result = runner.invoke(app, ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "2"])
    assert result.exit_code == 2 and "within 0–1" in result.output
    result = runner.invoke(app, ["shock", "--exporter", "Atlantis", "-c", "graphite",
                                 "--cut", "0.5"])
    assert result.exit_code == 2 and "unknown country" in result.output
    result = runner.invoke(app, ["shock", "--exporter", "CHN", "-c", "graphite", "--cut",
                                 "0.5", "--year", "1980"])
    assert result.exit_code == 2 and "1995" in result.output


def test_gallium_shock_names_the_data_to_import(imported_home):
    result = runner.invoke(app, ["scenario", "run", "cn_gallium_germanium_2023", "-i", "JPN",
                                 "--year", "2023", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {r["commodity"] for r in rows} == {"gallium", "germanium"}
    for r in rows:
        assert r["direct_loss_t"] is None
    ga = next(r for r in rows if r["commodity"] == "gallium")
    assert code_of(ga["missing"]) == "shared_hs_code"  # 811291 is indium's and rhenium's too
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


def test_shock_on_the_assessment_radar(imported_home, tmp_path):
    result = runner.invoke(app, ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "1",
                                 "-i", "JPN", "--year", "2023", "--radar", str(tmp_path),
                                 "--lang", "en", "-f", "csv"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "shock_radar_JPN_graphite_en.html").read_text()
    assert "Before" in page and "After" in page and "Import governance" in page


def test_table_rounds_for_display_csv_keeps_full_precision(imported_home):
    args = ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "0.5", "-i", "JPN",
            "--year", "2023", "--stage", "mining"]
    csv_out = runner.invoke(app, [*args, "-f", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    header, row = csv_out.stdout.splitlines()[:2]
    share = row.split(",")[header.split(",").index("direct_loss_share")]
    assert len(share.split(".")[1]) > 6
    table = runner.invoke(app, [*args, "-f", "table"], env={"COLUMNS": "400"})
    assert table.exit_code == 0 and f" {round(float(share), 6)} " in table.stdout
    assert share not in table.stdout


def test_uncertainty_rank_change_missing_with_reason_and_no_bar_on_stdout(imported_home):
    r = runner.invoke(app, ["uncertainty", "-i", "JPN", "--draws", "200", "--seed", "1",
                            "--workers", "1", "--chunk", "100", "--year", "2022", "-f",
                            "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rows"]
    ranks = [x for x in rows if x["indicator"] == "rank_change_probability"]
    gone = [x for x in ranks if x["value"] is None]
    assert gone and all(x["missing"] and code_of(x["missing"].split("; ")[0]) for x in gone)
    assert all(x["missing"] == "" for x in ranks if x["value"] is not None)


def test_uncertainty_max_memory_refuses_with_one_message(imported_home):
    r = runner.invoke(app, ["uncertainty", "-i", "JPN", "--draws", "20000",
                            "--max-memory", "100"])
    assert r.exit_code == 2
    assert "--max-memory 100" in r.output and "Traceback" not in r.output
