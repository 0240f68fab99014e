"""``critmin exposure``: --save NAME, --list, the deprecated flags, and three concurrent
``--save`` runs on one store that all finish."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.sources.values import read_excel
from critmin.views.cli import app

runner = CliRunner()
MOTOR = ["exposure", "--bom", "example:ev_traction_motor", "-i", "JPN"]


@pytest.fixture()
def own_home(store_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$CRITMIN_HOME`` with its own writable copy of the session store."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(store_file, home / "critmin.duckdb")
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    return home


def _listed() -> dict[str, dict]:
    result = runner.invoke(app, ["exposure", "--list", "-f", "json"])
    assert result.exit_code == 0, result.output
    return {r["name"]: r for r in json.loads(result.stdout)["rows"]}


def test_saves_only_with_save(own_home):
    result = runner.invoke(app, [*MOTOR, "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "saved BOM" not in result.output and _listed() == {}
    empty = runner.invoke(app, ["exposure", "--list"])
    assert empty.exit_code == 0 and "no saved BOMs" in empty.output
    result = runner.invoke(app, [*MOTOR, "--save", "motor", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "saved BOM 'motor': 16 rows" in result.stderr
    assert json.loads(result.stdout)["stored_rows"] == 16
    assert _listed()["motor"]["rows"] == 16
    table = runner.invoke(app, ["exposure", "--list"])
    assert table.exit_code == 0 and "motor" in table.output
    assert "saved_at" in table.output or "Saved at" in table.output   # header by key
    for bad in (["--scenario", "nope"], ["-i", "Atlantis", "--scenario", "cn_graphite_2023"]):
        result = runner.invoke(app, [*MOTOR, "--save", "never", *bad, "-f", "csv"])
        assert result.exit_code == 2, result.output   # a bad input: nothing saved
    assert sorted(_listed()) == ["motor"]


def test_deprecated_flags(own_home):
    assert runner.invoke(app, [*MOTOR, "--no-store", "-f", "csv"]).exit_code == 0
    assert _listed() == {}
    result = runner.invoke(app, [*MOTOR, "--name", "old", "-f", "csv"])
    assert result.exit_code == 0 and "deprecated" in result.stderr
    result = runner.invoke(app, [*MOTOR, "--store", "-f", "csv"])
    assert result.exit_code == 0 and "deprecated" in result.stderr
    assert sorted(_listed()) == ["ev_traction_motor", "old"]


def test_bom_or_list_required(own_home):
    result = runner.invoke(app, ["exposure", "-i", "JPN"])
    assert result.exit_code == 2 and "--bom" in result.output and "--list" in result.output


def test_three_concurrent_saves_all_finish(own_home):
    """Issue 17 acceptance: three ``exposure --save`` processes started together on one
    store all exit 0 (the later ones wait for the lock, saying so) and all three BOMs are
    saved."""
    env = {**os.environ, "CRITMIN_HOME": str(own_home), "CRITMIN_LOCK_WAIT": "60"}
    start = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "critmin", *MOTOR, "--save", f"motor{n}",
                               "-f", "csv"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for n in (1, 2, 3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    seconds = time.monotonic() - start
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    for n, err in enumerate(errors, 1):
        assert f"saved BOM 'motor{n}': 16 rows" in err
        assert "Traceback" not in err and "data build" not in err
    waits = [e for e in errors if "store busy: PID" in e]
    assert all("(critmin exposure) holds it, waiting… (up to 60 s)" in e for e in waits)
    listed = _listed()
    assert {n: listed[n]["rows"] for n in listed} == {"motor1": 16, "motor2": 16,
                                                      "motor3": 16}
    assert seconds < 60


# --- issue 18: look-through, supply shocks, the risk × share matrix ------------------

BATTERY = ["exposure", "--bom", "example:li_ion_battery_pack", "-i", "JPN"]


@pytest.fixture()
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every column of a terminal table must have a label (no id reaches a reader)."""
    monkeypatch.setenv("CRITMIN_STRICT_I18N", "1")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_korean_cobalt_shows_its_look_through(critmin_home, strict, lang):
    """Cobalt bought from a Korean refiner: the table shows KOR's origin mix with DR
    Congo's and China's shares, and the look-through quadrant is not "low risk"."""
    result = runner.invoke(app, [*BATTERY, "-f", "table", "--lang", lang])
    assert result.exit_code == 0, result.output
    out = result.output
    look = out[out.index("ルックスルー：" if lang == "ja" else "Look-through:"):]
    cobalt = [line for line in look.splitlines() if "KOR" in line
              and ("コバルト" if lang == "ja" else "Cobalt") in line]
    assert any("COD" in line for line in cobalt) and any("CHN" in line for line in cobalt)
    data = json.loads(runner.invoke(app, [*BATTERY, "-f", "json"]).stdout)
    co = next(r for r in data["rows"] if r["commodity"] == "cobalt")
    assert co["top_country"] == "KOR" and co["quadrant"] == "high share × low risk"
    assert co["origin_top_country"] == "COD" and "high risk" in co["origin_quadrant"]
    mix = {m["country"]: m["share"] for m in co["origin_mix"]}
    kor = next(e for e in data["lookthrough"] if e["supplier_country"] == "KOR"
               and e["commodity"] == "cobalt")
    jpn = next(e for e in data["lookthrough"] if e["supplier_country"] == "JPN"
               and e["commodity"] == "cobalt")
    share = {e["supplier_country"]: {o["country"]: o["share"] for o in e["origins"]}
             for e in (kor, jpn)}
    for origin in ("COD", "CHN"):     # ω_j = 0.6 · o_KOR,j + 0.4 · o_JPN,j
        expected = 0.6 * share["KOR"].get(origin, 0) + 0.4 * share["JPN"].get(origin, 0)
        assert mix[origin] == pytest.approx(expected)


def test_the_matrix_places_commodities_by_the_table_values(critmin_home, tmp_path):
    """One source of truth: the risk × share chart's points are the table's top_share /
    top_risk (and origin_top_share / origin_top_risk), and the quadrant follows them."""
    from critmin.analysis.exposure import RISK_SHARE_AXES, ExposureThresholds
    from critmin.analysis.exposure import risk_share_quadrant as quadrant
    from critmin.views.exposure_charts import exposure_figures

    data = json.loads(runner.invoke(app, [*MOTOR, "-f", "json"]).stdout)
    import pandas as pd

    table = pd.DataFrame(data["rows"]).rename(columns={"commodity": "commodity_id"})
    fig = exposure_figures(table, "en")["risk_share"]
    points = [t for t in fig.data if t.mode == "markers+text"]
    for trace, (q, (x, y)) in zip(points, RISK_SHARE_AXES.items(), strict=True):
        assert list(trace.x) == pytest.approx(list(table[x]), nan_ok=True)
        assert list(trace.y) == pytest.approx(list(table[y]), nan_ok=True)
        assert list(quadrant(table[x], table[y], ExposureThresholds())) == list(table[q])
    alu = table.set_index("commodity_id").loc["aluminium"]
    # the golden's aluminium: GR 0.39, but the quadrant's y is the top country's 0.56
    assert alu["top_risk"] >= 0.5 > alu["governance_risk"]
    assert alu["quadrant"] == "low share × high risk"
    # every output shows the two values right before the quadrant they place
    from critmin.views.cli_exposure import EXPOSURE_TABLE, ORIGIN_TABLE
    from critmin.views.exposure_report import EXPOSURE_COLUMNS

    for cols, quadrants in ((data["columns"], RISK_SHARE_AXES),
                            (EXPOSURE_COLUMNS, RISK_SHARE_AXES),
                            (EXPOSURE_TABLE, ["quadrant"]), (ORIGIN_TABLE, ["origin_quadrant"])):
        for q in quadrants:
            x, y = RISK_SHARE_AXES[q]
            assert cols.index(x) + 1 == cols.index(y) == cols.index(q) - 1
    # at 80 columns the terminal shows the look-through quadrant beside the supplier one
    assert EXPOSURE_TABLE.index("origin_quadrant") == EXPOSURE_TABLE.index("quadrant") + 1


def test_a_scenario_per_part_with_its_assumptions(critmin_home, strict):
    csv_out = runner.invoke(app, [*BATTERY, "--scenario", "cn_graphite_2023", "-f", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    import io

    import pandas as pd

    rows = pd.read_csv(io.StringIO(csv_out.stdout))
    assert {"redirect_share", "spare_capacity", "trade_year", "mass_at_risk_t",
            "residual_shortfall_t"} <= set(rows.columns)
    assert (rows["redirect_share"] == 0.5 * 0.4).all() and (rows["trade_year"] == 2023).all()
    graphite = rows[rows["commodity"] == "graphite"]
    assert (graphite["path"] == "direct").sum() == 2 and (graphite["mass_at_risk_t"] > 0).all()
    for lang, words in (("en", "ω = 0.2"), ("ja", "代替調達の前提：ω＝0.2")):
        out = runner.invoke(app, [*BATTERY, "--scenario", "cn_graphite_2023", "-f", "table",
                                  "--lang", lang])
        assert out.exit_code == 0, out.output
        flat = out.output.replace("\n", "")
        assert words in flat and ("2023" in flat)
        assert flat.count("ω") >= 2          # under the per-part and per-commodity tables


def test_a_one_exporter_shock(critmin_home):
    result = runner.invoke(app, [*MOTOR, "--exporter", "CHN", "--commodity", "rare_earths",
                                 "--cut", "0.75", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["command"] == "exposure shock" and data["redirect_share"] == 0.2
    chn = [r for r in data["rows"] if r["supplier_country"] == "CHN"
           and r["commodity"] == "rare_earths"]
    assert chn and all(r["path"] == "direct" and r["at_risk_share"] == 0.75 for r in chn)
    assert all(r["mass_at_risk_t"] == pytest.approx(0.75 * r["mass_t"]) for r in chn)


@pytest.mark.parametrize(("args", "words"), [
    (["--scenario", "cn_graphite_2023", "--exporter", "CHN"], "either --scenario"),
    (["--exporter", "CHN", "--cut", "0.5"], "needs all of"),
    (["--scenario", "no_such_scenario"], "no_such_scenario"),
    (["--exporter", "CHN", "--commodity", "graphite", "--cut", "1.5"], "0–1"),
    (["--scenario", "cn_graphite_2023", "--price-shock", "0.5"], "--price-shock"),
])
def test_bad_shock_options(critmin_home, args, words):
    result = runner.invoke(app, [*BATTERY, *args])
    assert result.exit_code == 2 and words in result.output, result.output


def test_shock_report_in_japanese(critmin_home, tmp_path):
    """The report of a shock: per BOM row, per commodity and the look-through, every
    header in Japanese, ω, κ and the trade year beside every shortfall and under the
    title."""
    result = runner.invoke(app, [*BATTERY, "--scenario", "cn_graphite_2023", "--report",
                                 str(tmp_path), "--lang", "ja", "-f", "csv"])
    assert result.exit_code == 0, result.output
    stem = tmp_path / "exposure_li_ion_battery_pack_cn_graphite_2023_ja"
    sheets = read_excel(stem.with_suffix(".xlsx"), sheet_name=None)
    assert list(sheets) == ["供給途絶シナリオ", "鉱種別", "ルックスルーによる原産国構成"]
    for frame in sheets.values():
        assert all(not str(c).isascii() for c in frame.columns), list(frame.columns)
    rows = sheets["供給途絶シナリオ"]
    assert {"振替可能比率ω", "余剰生産能力κ", "貿易年", "代替調達後の供給不足量（t/年）"} <= \
        set(rows.columns)
    assert (rows["振替可能比率ω"] == 0.2).all() and (rows["貿易年"] == 2023).all()
    page = stem.with_suffix(".html").read_text(encoding="utf-8")
    assert "代替調達の前提：ω＝0.2" in page and "直接（規制国から調達）" in page
    assert "not_shocked" not in page and "supplier_country" not in page


@pytest.mark.parametrize("extra", [[], ["--scenario", "cn_graphite_2023"],
                                   ["--exporter", "CHN", "--commodity", "cobalt", "--cut",
                                    "0.75"]])
def test_japanese_at_80_columns(imported_home, strict, monkeypatch, extra):
    """No snake_case id (types, measures, stages, paths, quadrants, reason codes) in the
    Japanese tables, and no line wider than the terminal."""
    import re

    from rich.cells import cell_len

    from critmin.analysis.bom import examples
    from critmin.analysis.scenarios import library

    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, [*BATTERY, *extra, "-f", "table", "--lang", "ja"])
    assert result.exit_code == 0, result.output
    snake = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
    found = set(snake.findall(result.output)) - set(examples()) - set(library())
    assert not found, sorted(found)
    assert max(cell_len(line) for line in result.output.splitlines()) <= 80
    assert "コバルト" in result.output and "ω" in result.output if extra else True


def test_titles_name_the_example_and_the_lever_set_in_japanese(critmin_home) -> None:
    from typer.testing import CliRunner

    from critmin.views.cli import app

    r = CliRunner(env={"COLUMNS": "100"}).invoke(app, [
        "exposure", "--bom", "example:li_ion_battery_pack", "--lang", "ja", "-f", "table"])
    assert r.exit_code == 0 and r.stdout.startswith("リチウムイオン電池パックのマテリアル")
    r = CliRunner(env={"COLUMNS": "100"}).invoke(app, [
        "whatif", "-i", "JPN", "--levers", "example", "--lang", "ja", "-f", "table"])
    assert r.exit_code == 0 and r.stdout.startswith("政策実施前後の評価：例示の政策セット（")
