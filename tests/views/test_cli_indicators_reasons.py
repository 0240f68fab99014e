"""One vocabulary of missing reasons, through the commands: each reason where the store
really has the gap, and the same text for the same cell from geopolrisk, assess and shock."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from critmin.catalog.reasons import reason
from critmin.views.cli import app

runner = CliRunner()
YEAR = 2022


def _json(args: list[str]) -> list[dict]:
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    return out["rows"] if isinstance(out, dict) else out


def _geopolrisk(importer: str, commodity: str, stage: str, *extra: str) -> str:
    rows = _json(["geopolrisk", "-i", importer, "-c", commodity, "--year", str(YEAR),
                  *extra])
    (row,) = [r for r in rows if r["stage"] == stage]
    assert row["score"] is None
    return row["missing"]


def _shock(commodity: str, stage: str) -> str:
    rows = _json(["shock", "--exporter", "CHN", "-c", commodity, "--cut", "0.5", "-i", "JPN",
                  "--year", str(YEAR)])
    (row,) = [r for r in rows if r["stage"] == stage]
    return row["missing"]


def _assess(commodity: str, axis: str) -> str:
    (row,) = _json(["assess", "-i", "JPN", "-c", commodity, "--year", str(YEAR)])
    assert row["indicators"][axis] is None
    return row["missing"][axis]


def _store(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "critmin.duckdb"), read_only=True)


def _trade_rows(home: Path, commodity: str, stage: str) -> int:
    with _store(home) as con:
        return con.execute("select count(*) from trade_stage where commodity_id = ? and "
                           "stage = ? and year = ?", [commodity, stage, YEAR]).fetchall()[0][0]


def test_no_hs_code(imported_home):
    text = _geopolrisk("JPN", "lithium", "mining")
    assert text == reason("no_hs_code", stage_label="mining", commodity="lithium")


def test_no_trade_in_store(imported_home):
    assert _trade_rows(imported_home, "cobalt", "mining") == 0
    text = _geopolrisk("JPN", "cobalt", "mining")
    assert text == reason("no_trade_in_store", stage_label="mining",
                          commodity="cobalt", hs6="260500", years=YEAR)


def test_shared_hs_code(imported_home, text_reason_code):
    assert _trade_rows(imported_home, "gallium", "refining") == 0
    text = _geopolrisk("JPN", "gallium", "refining")
    assert text_reason_code(text) == "shared_hs_code"
    assert "indium" in text and "gallium" in text


def test_no_imports(imported_home):
    """A country the store records no copper-ore imports for, while others import it."""
    with _store(imported_home) as con:
        (iso3,) = con.execute("""
            select iso3 from country
            where iso3 not in (select importer from trade_stage where commodity_id = 'copper'
                               and stage = 'mining' and year = ? and importer is not null
                               and quantity_t > 0)
            order by iso3 limit 1""", [YEAR]).fetchone()
    assert _trade_rows(imported_home, "copper", "mining") > 0
    text = _geopolrisk(iso3, "copper", "mining")
    assert text == reason("no_imports", stage_label="mining",
                          commodity="copper", importer=iso3, years=YEAR)


def test_same_reason_from_every_command(imported_home):
    lithium = _geopolrisk("JPN", "lithium", "mining")
    assert _assess("lithium", "import_governance_concentrate") == lithium
    assert _shock("lithium", "mining") == lithium
    gallium = _geopolrisk("JPN", "gallium", "refining")
    assert _assess("gallium", "import_governance_refined") == gallium
    assert _shock("gallium", "refining") == gallium
    assert _shock("cobalt", "mining") == _geopolrisk("JPN", "cobalt", "mining")


def test_lang_ja(imported_home):
    """The JSON keeps the English reason (as every command's JSON); the table and the
    CSV's name column give it in Japanese, by its code."""
    en = _geopolrisk("JPN", "cobalt", "mining")
    assert en == reason("no_trade_in_store", stage_label="mining",
                        commodity="cobalt", hs6="260500", years=YEAR)
    assert _geopolrisk("JPN", "cobalt", "mining", "--lang", "ja") == en
    ja = reason("no_trade_in_store", stage_label="mining", commodity="cobalt",
                hs6="260500", years=YEAR).render("ja")
    assert "鉱石・精鉱" in ja and "コバルト" in ja and "260500" in ja
    for fmt in ("csv", "table"):
        result = runner.invoke(app, ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--year",
                                     str(YEAR), "--lang", "ja", "-f", fmt],
                               env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        assert ja in result.stdout.replace("\n", "").replace("│", "").replace(" ", "") \
            or ja.replace(" ", "") in result.stdout.replace("\n", "").replace(" ", ""), fmt


def test_geopolrisk_table_for_every_importer_in_both_languages(imported_home):
    """Every cell's reason renders (no reason lost its code on the way to the table)."""
    for lang in ("en", "ja"):
        result = runner.invoke(app, ["geopolrisk", "-i", "JPN", "--year", str(YEAR),
                                     "--lang", lang, "-f", "table"], env={"COLUMNS": "120"})
        assert result.exit_code == 0, result.output


def test_lang_rejected(imported_home):
    result = runner.invoke(app, ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--lang", "de"])
    assert result.exit_code != 0


def test_uncertainty_missing_rows_carry_a_reason(imported_home, text_reason_code):
    rows = _json(["uncertainty", "-i", "JPN", "--draws", "20", "--chunk", "20",
                  "--workers", "1", "--year", str(YEAR)])
    empty = [r for r in rows if r["value"] is None and not r["indicator"].endswith(
        "_probability")]
    assert empty
    assert all(text_reason_code(r["missing"]) for r in empty), [
        r for r in empty if not text_reason_code(r["missing"])][:3]
