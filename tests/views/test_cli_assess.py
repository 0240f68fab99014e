"""``critmin assess`` and ``critmin whatif`` on the real store (bundle + official releases)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from critmin.catalog.commodities import meti13_ids
from critmin.methods.meti6 import AXES
from critmin.views.cli import app

runner = CliRunner()


def test_assess_json_contract(imported_home):
    result = runner.invoke(app, ["assess", "-i", "日本", "--year", "2023", "--set", "seed13",
                                 "-f", "json"])
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["command"] == "assess" and response["method_version"]
    rows = response["rows"]
    assert [r["commodity"] for r in rows] == meti13_ids()
    for r in rows:
        assert {"commodity", "year", "indicators", "missing", "type", "type_reason",
                "policy_package"} <= set(r)
        assert list(r["indicators"]) == list(AXES)
        for ax, v in r["indicators"].items():
            assert (v is None) == (ax in r["missing"])
        from critmin.analysis.typology import type_names

        assert len(r["policy_package"]) == 5
        assert r["type_reason"].endswith(f"→ {type_names('en')[r['type']]}")
    surge = {r["commodity"] for r in rows if r["type"] == "demand_surge"}
    assert surge == {"graphite", "cobalt", "rare_earths", "gallium"}


def test_assess_explain_and_csv(imported_home):
    result = runner.invoke(app, ["assess", "-c", "tungsten", "--year", "2023", "--explain",
                                 "-f", "json"])
    rows = json.loads(result.stdout)["rows"]
    assert [r["axis"] for r in rows] == list(AXES)
    assert all(r["source_ids"] or r["missing"] for r in rows)
    result = runner.invoke(app, ["assess", "-c", "W", "--year", "2023", "-f", "csv"])
    assert result.stdout.splitlines()[0].startswith("importer,commodity,year,"
                                                    "production_concentration")


def test_assess_bad_input(imported_home):
    result = runner.invoke(app, ["assess", "--year", "1990"])
    assert result.exit_code == 2 and "2018" in result.output
    result = runner.invoke(app, ["assess", "-c", "unobtainium"])
    assert result.exit_code == 2 and "unknown mineral" in result.output
    result = runner.invoke(app, ["assess", "--set", "seed14"])
    assert result.exit_code == 2 and "seed13" in result.output


def test_whatif_command(imported_home):
    result = runner.invoke(app, ["whatif", "-i", "JPN", "-c", "tungsten", "--year", "2023",
                                 "--smelter", "AUS:1000", "--offtake", "0.5", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["axis"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["import_governance_refined"]["delta"] < 0
    assert rows["production_concentration"]["delta"] == 0
    result = runner.invoke(app, ["whatif", "-c", "gallium", "--mine", "AUS:20"])
    assert result.exit_code == 2 and "smelter" in result.output
    result = runner.invoke(app, ["whatif", "-c", "tungsten", "--mine", "AUS"])
    assert result.exit_code == 2 and "COUNTRY:TONNES_PER_YEAR" in result.output
    result = runner.invoke(app, ["whatif", "-c", "tungsten"])
    assert result.exit_code == 2 and "no lever" in result.output


def test_japanese_csv_gives_the_reasons_in_japanese(critmin_home) -> None:
    """Piped in Japanese: the type's reason and each missing axis's reason have a Japanese
    column beside the English one (the axis by its name, the reason by its code)."""
    import csv
    import io

    result = CliRunner().invoke(app, ["assess", "-i", "JPN", "--lang", "ja", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"判定理由", "判定理由（日本語）", "欠測", "欠測（名称）"} <= set(rows[0])
    for r in rows:
        assert r["判定理由（日本語）"].split(" → ")[-1] == r["類型（名称）"]
        if r["欠測"]:
            assert "the store" not in r["欠測（名称）"] and "catalog" not in r["欠測（名称）"]
