"""Every command's terminal output in Japanese at 80 columns: no untranslated key, no
snake_case id, every column header from the catalogue (``CRITMIN_STRICT_I18N=1`` makes a
missing header an error), no line wider than the terminal.

The commands are those of the golden outputs (``tests/golden/commands.txt``) plus the
listing commands; each runs with ``--format table --lang ja`` on the store holding the
bundle and the official releases. Identifiers a user types back (scenario ids, saved
BOM names, file paths) are allowed; ids of the catalogs (commodities, types, axes,
measures, levels, indicators, columns, reason codes) are not.
"""

from __future__ import annotations

import csv
import re
import shlex
from importlib import resources
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from critmin.catalog.tables import read_table
from tests.golden.capture import commands

EXTRA = [
    ("data_status", "data status"),
    ("data_sources", "data sources"),
    ("scenario_list", "scenario list"),
    ("demand_scenarios", "demand scenarios"),
    ("demand_sensitivity", "demand sensitivity -m cobalt --year 2040"),
    ("demo", "demo"),
    ("demo_explain", "demo --explain"),
    ("indicators_explain", "indicators -i JPN -c graphite --year 2022 --explain"),
    ("countries", "countries 日本 韓国"),
    ("exposure_list", "exposure --list"),
]
SNAKE = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")


def _typed_ids() -> set[str]:
    """Identifiers users type back: scenario and demand-scenario ids, example BOMs."""
    from critmin.analysis import demand, scenarios

    out = set(demand.library()) | set(scenarios.library())
    bom_dir = Path(__file__).resolve().parents[2] / "src" / "critmin" / "analysis" / "data"
    out |= {p.stem for p in bom_dir.rglob("*.csv")}
    return out


def _catalog_ids() -> set[str]:
    ids = set()
    for table, key in (("commodities", "commodity_id"), ("criticality_types", "type_id"),
                       ("meti6_axes", "axis_id"), ("policy_measures", "measure_id"),
                       ("indicators", "indicator_id")):
        ids |= {r[key] for r in read_table(table) if "_" in r[key]}
    text = resources.files("critmin.catalog").joinpath("data", "missing_reasons.csv")
    return ids | {r["code"] for r in csv.DictReader(text.read_text("utf-8").splitlines())}


CASES = [(name, [*shlex.split(args)]) for name, args in
         [(n, shlex.join(a[:-2])) for n, a in commands()] + EXTRA]


@pytest.mark.parametrize(("name", "argv"), CASES, ids=[c[0] for c in CASES])
def test_japanese_table_output(name: str, argv: list[str], imported_home: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from critmin.views.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    if "--draws" in argv:  # the Monte Carlo cases: fewer draws, same output shape
        argv[argv.index("--draws") + 1] = "100"
        argv[argv.index("--chunk") + 1] = "100"
    result = CliRunner().invoke(app, [*argv, "--format", "table", "--lang", "ja"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", out), "no Japanese in the output"
    found = set(SNAKE.findall(out))
    catalog = found & _catalog_ids()
    assert not catalog, f"catalog ids shown untranslated: {sorted(catalog)}"
    unknown = found - _typed_ids()
    assert not unknown, f"snake_case ids in the Japanese output: {sorted(unknown)}"
    wide = [line for line in out.splitlines() if cell_len(line) > 80]
    assert not wide, f"{len(wide)} lines wider than 80 columns, first: {wide[0]!r}"
