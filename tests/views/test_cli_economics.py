"""``critmin recycle …`` and ``critmin project evaluate`` on the session store: JSON
contracts, Japanese tables at 80 columns without ids, charts, and bad parameter files
(field and line named, exit 2, the store untouched)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from critmin.views.cli import app

runner = CliRunner()
SNAKE = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def typed_ids() -> set[str]:
    """Ids a user types back: shipped streams, projects, stock files, demand scenarios."""
    from critmin.analysis.demand import library as demand_library
    from critmin.analysis.economics import library

    return (set(library("recycling")) | set(library("projects")) |
            set(library("recycling", "stocks")) | set(demand_library()))


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_project_evaluate_json(critmin_home: Path) -> None:
    out = json.loads(run("project", "evaluate", "ree_separation_aus", "cobalt_mine_cod",
                         "-f", "json"))
    assert out["command"] == "project evaluate" and out["method_version"]
    rows = {r["project"]: r for r in out["rows"]}
    for r in rows.values():
        assert {"npv", "irr", "payback_years", "esg_score", "geo_delta",
                "combined_score"} <= set(r)
    assert rows["ree_separation_aus"]["geo_delta"] < 0 < rows["cobalt_mine_cod"]["geo_delta"]
    assert {a["project"] for a in out["axes"]} == set(rows)


@pytest.mark.parametrize("argv", [
    ["recycle", "streams"],
    ["recycle", "switching-price", "ndfeb_hdd", "--since", "2015"],
    ["recycle", "supply", "-c", "rare_earths", "--scenario", "technology_shift"],
    ["project", "evaluate", "ree_separation_aus", "cobalt_mine_cod"],
], ids=["streams", "switching", "supply", "projects"])
def test_japanese_tables_fit_80_columns(critmin_home: Path, monkeypatch: pytest.MonkeyPatch,
                                        argv: list[str]) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run(*argv, "-f", "table", "--lang", "ja")
    assert JAPANESE.search(out)
    wide = [line for line in out.splitlines() if cell_len(line) > 80]
    assert not wide, wide
    ids = set(SNAKE.findall(out)) - typed_ids()
    assert not ids, f"snake_case ids in the Japanese output: {sorted(ids)}"


def test_switching_price_outputs_and_charts(critmin_home: Path, tmp_path: Path) -> None:
    tmp_path = tmp_path / "charts"
    out = json.loads(run("recycle", "switching-price", "black_mass_nmc", "-f", "json",
                         "--chart", str(tmp_path)))
    assert out["price_unit"] == "USD/t" and out["switching_price"] > 0
    # the credits (2,200 USD/t of feed) nearly match the costs: they swing P* most
    assert [r["parameter"] for r in out["rows"]][:2] == ["credits", "content"]
    csv = run("recycle", "switching-price", "black_mass_nmc", "-f", "csv").splitlines()
    assert csv[0] == ("parameter,base_value,low_value,high_value,switching_low,"
                      "switching_high,swing")
    charts = sorted(p.name for p in tmp_path.iterdir())
    assert charts == ["switching_black_mass_nmc_en.html", "tornado_black_mass_nmc_en.html"]
    run("recycle", "supply", "-c", "palladium", "--chart", str(tmp_path), "--lang", "ja")
    run("project", "evaluate", "cobalt_mine_cod", "--chart", str(tmp_path))
    assert (tmp_path / "supply_palladium_reference_ja.html").stat().st_size > 1000
    assert (tmp_path / "projects_cobalt_mine_cod_en.html").is_file()


def test_bad_parameter_files_name_field_and_line(critmin_home: Path, tmp_path: Path) -> None:
    from critmin.analysis.economics import library

    store = critmin_home / "critmin.duckdb"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    text = library("projects")["cobalt_mine_cod"].read_text(encoding="utf-8")
    bad = text.replace("discount_rate: 0.12", "discount_rate: twelve percent")
    line = bad.splitlines().index("discount_rate: twelve percent") + 1
    path = tmp_path / "bad_project.yaml"
    path.write_text(bad, encoding="utf-8")
    result = runner.invoke(app, ["project", "evaluate", "ree_separation_aus", str(path)])
    assert result.exit_code == 2
    assert f"line {line}: discount_rate: Input should be a valid number" in \
        " ".join(result.output.split())
    stream = tmp_path / "bad_stream.yaml"
    stream.write_text(library("recycling")["ndfeb_hdd"].read_text(encoding="utf-8").replace(
        "    value: 0.80\n    low: 0.65", "    value: 1.80\n    low: 0.65"), encoding="utf-8")
    result = runner.invoke(app, ["recycle", "switching-price", str(stream)])
    assert result.exit_code == 2 and "parameters.yield" in result.output
    assert "line 29: parameters.yield: Value error, 'value' is 1.8" in result.output
    result = runner.invoke(app, ["recycle", "supply", "-c", "lithium"])
    assert result.exit_code == 2 and "shipped: cobalt, palladium, rare_earths" in \
        " ".join(result.output.split())
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
