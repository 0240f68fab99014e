"""Company exposure: a hand-computed BOM, the shipped examples, Japanese BOM files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.analysis.bom import read_bom_file, validate_bom
from critmin.analysis.exposure import (
    ExposureThresholds,
    Upstream,
    exposure_table,
    price_sensitivity,
)
from critmin.catalog.commodities import resolve_commodity
from critmin.catalog.countries import resolve_country
from critmin.sources.values import read_excel
from tests.analysis.test_bom import bom


def up() -> Upstream:
    axes = pd.DataFrame({"historical_volatility": [0.4, 0.2]},
                        index=pd.Index(["rare_earths", "copper"], name="commodity_id"))
    return Upstream(
        axes=axes,
        types=pd.DataFrame({"type": ["demand_surge", "none"], "type_reason": ["r", "r"]},
                           index=pd.Index(["rare_earths", "copper"], name="commodity_id")),
        packages=pd.DataFrame({"type": ["demand_surge"] * 2 + ["none"],
                               "measure_id": ["mine_investment", "stockpiling",
                                              "mine_investment"],
                               "level": ["all", "all", "monitor"],
                               "level_class": ["focus", "focus", "monitor"]}),
        production_hhi=pd.Series({"rare_earths": 0.5, "copper": 0.1}),
        risk=pd.Series({"CHN": 0.6, "JPN": 0.2, "CHL": 0.3}), year=2023)


def test_hand_computed_exposure():
    t = exposure_table(bom(), up()).set_index("commodity_id")
    ree = t.loc["rare_earths"]
    assert ree["mass_t"] == pytest.approx(2.0)                  # 2 kg × 1 000 / 1 000
    assert ree["value"] == pytest.approx(200_000)               # 2 000 kg × 100
    assert ree["supplier_hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert ree["top_country"] == "CHN" and ree["top_share"] == pytest.approx(0.75)
    assert ree["governance_risk"] == pytest.approx(0.75 * 0.6 + 0.25 * 0.2)
    assert ree["company_geopolrisk"] == pytest.approx(0.5 * 0.5)
    assert ree["quadrant"] == "high share × high risk"
    assert ree["importance"] == pytest.approx(200_000 / 300_000)
    # resilience: mean(37.5/90, 2/3, 0, 0.2) (mass-weighted inventory days 0.75·30 + 0.25·60)
    assert ree["resilience"] == pytest.approx(np.mean([37.5 / 90, 2 / 3, 0.0, 0.2]))
    # exposure: mean(importance/max, HHI, GR, volatility axis)
    assert ree["exposure"] == pytest.approx(np.mean([1.0, 0.625, 0.5, 0.4]))
    assert ree["cube_cell"] == "high/high/high"
    acts = [a["action"] for a in ree["actions"]]
    assert acts == ["diversify_suppliers", "long_term_offtake", "safety_stock"]
    cu = t.loc["copper"]
    assert cu["quadrant"] == "high share × low risk" and cu["actions"] == []


def test_thresholds_are_configurable():
    t = exposure_table(bom(), up(), ExposureThresholds(share=0.8)).set_index("commodity_id")
    assert t.loc["rare_earths", "quadrant"] == "low share × high risk"


def test_price_sensitivity():
    s = price_sensitivity(bom(), {"rare_earths": 0.5}).set_index("product")
    assert s.loc["motor", "cost_change"] == pytest.approx(100_000)
    assert s.loc["motor", "cost_change_per_unit"] == pytest.approx(100)
    assert s.loc["motor", "cost_change_share"] == pytest.approx(1 / 3)


def test_examples_run_end_to_end(imported_home):
    import json

    from typer.testing import CliRunner

    from critmin.views.cli import app

    runner = CliRunner()
    for example in ("ev_traction_motor", "li_ion_battery_pack", "power_module"):
        result = runner.invoke(app, ["exposure", "--bom", f"example:{example}", "--no-store",
                                     "-f", "json"])
        assert result.exit_code == 0, result.output
        response = json.loads(result.stdout)
        assert response["command"] == "exposure" and response["stored_rows"] is None
        rows = response["rows"]
        for r in rows:   # each quadrant right after the two values that place it
            assert list(r)[:14] == ["commodity", "mass_t", "value", "supplier_hhi",
                                    "top_country", "top_share", "top_risk", "quadrant",
                                    "origin_top_country", "origin_top_share",
                                    "origin_top_risk", "origin_quadrant", "governance_risk",
                                    "actions"]
        if example == "ev_traction_motor":
            ree = next(r for r in rows if r["commodity"] == "rare_earths")
            assert ree["quadrant"] == "high share × high risk" and ree["actions"]
        import re

        for a in (a for r in rows for a in r["actions"] or []):   # names, never ids
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", a["reason"] + a["reason_ja"]), a
    result = runner.invoke(app, ["exposure", "--bom", "example:nope"])
    assert result.exit_code == 2 and "ev_traction_motor" in result.output


def test_report_in_japanese(imported_home, tmp_path):
    from typer.testing import CliRunner

    from critmin.views.cli import app

    result = CliRunner().invoke(app, ["exposure", "--bom", "example:ev_traction_motor",
                                      "--no-store", "--price-shock", "0.3", "--report",
                                      str(tmp_path), "--lang", "ja", "-f", "csv"])
    assert result.exit_code == 0, result.output
    sheets = read_excel(tmp_path / "exposure_ev_traction_motor_ja.xlsx", sheet_name=None)
    assert set(sheets) == {"概要", "ルックスルーによる原産国構成", "推奨対応", "価格感応度"}
    for frame in sheets.values():
        assert all(not str(c).isascii() for c in frame.columns)
    page = (tmp_path / "exposure_ev_traction_motor_ja.html").read_text(encoding="utf-8")
    assert "高シェア×高リスク" in page and "plotly" in page
    # issue 18: reasons worded by key — no type, measure or level id in Japanese text
    reasons = " ".join(sheets["推奨対応"]["判定理由"].astype(str))
    assert "国の類型「" in reasons and "最大供給国CHN：シェア85%" in reasons
    body = page.split("<body>", 1)[1]
    for ident in ("mine_oligopoly", "mine_investment", "where_effective",
                  "if_stockpile_conditions", "smelter_investment", "saving_substitution"):
        assert ident not in reasons and ident not in body
    summary = sheets["概要"]
    assert "その国のガバナンスリスク" in summary.columns   # the y of the quadrant, shown


# --- encodings and Japanese headers (issue 17) ----------------------------------------

JA_HEADERS = {"product": "製品", "part": "部品", "commodity": "鉱種", "mass_per_unit": "数量",
              "mass_unit": "単位", "units_per_year": "生産台数", "supplier": "サプライヤー",
              "supplier_country": "国", "share": "シェア", "price": "価格",
              "inventory_days": "在庫日数", "recycled_content": "リサイクル材比率",
              "substitutability": "代替可能性", "source": "出典"}


def _japanese_motor() -> pd.DataFrame:
    """The shipped EV motor BOM with Japanese headers and Japanese names in its cells."""
    from importlib import resources

    text = resources.files("critmin.analysis").joinpath(
        "data", "bom", "ev_traction_motor.csv").read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame["commodity"] = frame["commodity"].replace({"neodymium": "ネオジム",
                                                     "copper": "銅"})
    frame["supplier_country"] = frame["supplier_country"].replace({"CHN": "中国",
                                                                   "JPN": "日本"})
    frame["source"] = "出典：白書の推計"     # the notes column: not all of it is cp932
    return frame.rename(columns=JA_HEADERS)


def test_cp932_bom_with_japanese_headers_equals_its_utf8_copy(tmp_path, imported_store):
    """Excel's "CSV (コンマ区切り)" (cp932) and "CSV UTF-8" (with BOM) give the same
    validated BOM and exposure as the plain UTF-8 copy — and as the English original."""
    from critmin.analysis.exposure import upstream_context
    from critmin.store.io import connect

    frame = _japanese_motor()
    files = {}
    for name, encoding in (("utf8", "utf-8"), ("utf8sig", "utf-8-sig"), ("cp932", "cp932")):
        files[name] = tmp_path / f"motor_{name}.csv"
        frame.to_csv(files[name], index=False, encoding=encoding)
    assert b"\x90\xbb\x95\x69" in files["cp932"].read_bytes()   # 製品 in Shift-JIS
    boms = {n: validate_bom(read_bom_file(p), str(p), resolve_commodity, resolve_country)
            for n, p in files.items()}
    for name in ("utf8sig", "cp932"):
        pd.testing.assert_frame_equal(boms[name], boms["utf8"])
    english = resources_bom("ev_traction_motor")
    pd.testing.assert_frame_equal(boms["cp932"], english)
    with connect(imported_store) as con:
        commodities = sorted(english["commodity_id"].unique())
        context = upstream_context(con, "JPN", commodities)
    pd.testing.assert_frame_equal(exposure_table(boms["cp932"], context),
                                  exposure_table(boms["utf8"], context))


def resources_bom(name: str) -> pd.DataFrame:
    from importlib import resources

    path = resources.files("critmin.analysis").joinpath("data", "bom", f"{name}.csv")
    return validate_bom(read_bom_file(Path(str(path))), str(path), resolve_commodity,
                        resolve_country)


def test_out_of_scope_commodities_get_diversification_but_no_package_moves():
    # asbestos (banned use in Japan) and cobalt, both high share × high risk, both of the
    # mine-oligopoly type: only cobalt gets the national package's moves
    from critmin.analysis.exposure import ACT_ON, company_actions
    from critmin.analysis.typology import policy_packages

    table = pd.DataFrame({
        "commodity_id": ["asbestos", "cobalt"], "quadrant": [ACT_ON, ACT_ON],
        "top_country": ["RUS", "COD"], "top_share": [0.9, 0.8], "top_risk": [0.7, 0.8],
        "type": ["mine_oligopoly", "mine_oligopoly"]})
    acts = company_actions(table, policy_packages(pd.Series(["mine_oligopoly"])),
                           ExposureThresholds())
    assert [a["action"] for a in acts[0]] == ["diversify_suppliers"]
    assert acts[1][0]["action"] == "diversify_suppliers" and len(acts[1]) > 1
    assert all(a.get("measure") for a in acts[1][1:])


