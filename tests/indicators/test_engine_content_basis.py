"""Numbers that hold where sources meet (issue 15): one content basis, one source per
series, withheld producers, import reliance per stage.

Hand-computed factors, the analyst's examples on the real store (bundle + the official
releases of ../shared/data), and a property over every series of that store.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.catalog.contents import conversion_factor, element_fraction


def test_formula_factors_by_hand():
    # Li2O: 2 × 6.94 / (2 × 6.94 + 15.999) = 13.88 / 29.879 = 0.46453
    assert conversion_factor("Li2O", "Li", "Li") == pytest.approx(13.88 / 29.879405, rel=1e-6)
    assert conversion_factor("Li", "Li2O", "Li") == pytest.approx(29.879405 / 13.88, rel=1e-6)
    # Ta2O5: 2 × 180.948 / 441.893 = 0.81897
    assert conversion_factor("Ta2O5", "Ta", "Ta") == pytest.approx(0.81897, rel=1e-4)
    # Li2CO3 → LiOH on lithium: (13.88/73.89) / (6.94/23.95)
    assert conversion_factor("Li2CO3", "LiOH", "Li") == pytest.approx(
        (13.88 / 73.891) / (6.94 / 23.948), rel=1e-4)
    assert element_fraction("P2O5", "P") == pytest.approx(61.948 / 141.943, rel=1e-4)


@pytest.mark.parametrize("a,b", [("gross:chromite", "Cr2O3"), ("REO", "gross:rare_earths"),
                                 ("volume:natural_gas", "gross:natural_gas"),
                                 ("group:PGM", "Pd"), ("mixed:boron_all_types",
                                                       "gross:boron_minerals")])
def test_no_factor_between_different_kinds(a, b):
    assert conversion_factor(a, b, "Cr") is None


@pytest.fixture(scope="module")
def con(imported_store):
    from critmin.store.io import connect

    c = connect(imported_store)
    yield c
    c.close()


@pytest.fixture(scope="module")
def world(con):
    from critmin.indicators.engine import compute_indicators
    from critmin.indicators.importers import importer_members

    return compute_indicators(con, importer_members(con, ["JPN", "USA", "EU27"]),
                              years=[2022, 2023, 2024])


def _value(frame, **keys):
    rows = frame
    for k, v in keys.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, keys
    return rows.iloc[0]


def test_lithium_reserve_life_on_one_basis(world):
    # USGS reserves (Li) over ONE production source on the Li basis (was 114.8 mixing
    # World Mining Data's Li2O with USGS's Li)
    row = _value(world, indicator="reserve_life", commodity_id="lithium", year=2024)
    assert 130 <= row["value"] <= 155


def test_reserve_life_source_is_convertible(world):
    # phosphate: USGS reserves are gross rock; World Mining Data's P2O5 does not convert
    row = _value(world, indicator="reserve_life", commodity_id="phosphorus", year=2024)
    assert row["source_ids"] == "usgs-mcs2025-world; usgs-mcs2025-world"
    assert 250 < row["value"] < 350  # not 407 (P2O5 tonnes under gross reserves)
    # all-PGM reserves are not palladium's: no palladium reserve life
    assert world[(world["indicator"] == "reserve_life")
                 & (world["commodity_id"] == "palladium")].empty


def test_withheld_producer_is_a_row_without_quantity(con):
    rows = con.execute("select quantity, flag from production where commodity_id = "
                       "'lithium' and iso3 = 'USA' and source_id like 'usgs%'").fetchall()
    assert rows and all(q is None and "withheld" in f for q, f in rows)


def test_eu_aluminium_refining_not_one_from_lumped_producers(world):
    # USGS lumps EU smelters into "Other countries": a source complete for the EU is used
    row = _value(world, indicator="import_reliance", importer="EU27",
                 commodity_id="aluminium", stage="refining", year=2023)
    assert 0.3 < row["value"] < 0.95


def test_us_boron_as_usgs_prints(world):
    # USGS MCS 2025 prints "E" (net exporter) for boron 2023: critmin within 10 points
    row = _value(world, indicator="import_reliance", importer="USA", commodity_id="boron",
                 stage="mining", year=2023)
    assert row["value"] <= 0.10


def test_reliance_reasons_not_net_exporter(world):
    # Japan mines no tin and re-exports a little ore: no apparent consumption at the
    # mining stage (was 0.0 "net exporter")
    row = _value(world, indicator="import_reliance", importer="JPN", commodity_id="tin",
                 stage="mining", year=2022)
    assert math.isnan(row["value"]) and "no apparent consumption" in row["missing"]
    assert row["detail"] != "net exporter"


def test_us_natural_gas_import_risk_not_on_mixed_units(con):
    from critmin.indicators.importers import importer_members
    from critmin.methods.geopolrisk import geopolrisk

    out = geopolrisk(con, importer_members(con, ["USA"]), ["natural_gas"], [2022])
    row = out.iloc[0]
    # US gas production is in million m³, LNG trade in tonnes: no sum of the two
    assert math.isnan(row["import_risk"]) and "mixed basis" in row["missing"]


def test_japan_tin_refining_reliance_with_refined_trade(imported_store, tmp_path):
    """With a BACI release holding unwrought tin (800110) — a hand-made two-row extract,
    Japan importing 20 000 t from Indonesia and Malaysia — Japan's refining-stage NIR
    follows from the mass balance: Japan mines no tin and imports 0.055 t of ore."""
    from critmin.indicators.engine import compute_indicators
    from critmin.indicators.importers import importer_members
    from critmin.pipeline.imports import import_file
    from critmin.store.io import connect

    store = tmp_path / "critmin.duckdb"
    shutil.copyfile(imported_store, store)
    baci = tmp_path / "BACI_HS92_Y2022_V202401b.csv"
    baci.write_text("t,i,j,k,v,q\n2022,360,392,800110,300000.0,12000.0\n"
                    "2022,458,392,800110,200000.0,8000.0\n", encoding="utf-8")
    import_file(store, "baci", baci)
    c = connect(store)
    try:
        out = compute_indicators(c, importer_members(c, ["JPN"]), ["tin"], [2022])
    finally:
        c.close()
    row = _value(out, indicator="import_reliance", stage="refining")
    assert row["value"] >= 0.9
    assert row["lower"] <= row["value"] <= row["upper"] == 1.0


def test_no_series_mixes_bases(con):
    """Property over the whole store: every production, reserves and world-total series
    (commodity, stage, year, source) measures one thing; every HS code whose tonnes
    enter a stage's trade is on that stage's trade basis (or converted)."""
    for table, stage in (("production", "stage"), ("world_total", "measure, stage"),
                         ("reserves", "'mining'")):
        mixed = con.execute(f"""
            select commodity_id, {stage}, year, source_id, count(distinct content) n
            from {table} group by all having n > 1""").fetchall()
        assert mixed == [], (table, mixed[:5])
        units = con.execute(f"""
            select commodity_id, {stage}, year, source_id, count(distinct unit) n
            from {table} group by all having n > 1""").fetchall()
        assert units == [], (table, units[:5])
    from critmin.store.derived import code_factor_sql

    codes = con.execute(code_factor_sql()).df()
    basis = con.execute("select * from stage_basis").df().set_index(["commodity_id", "stage"])
    stage_rows = con.execute("select commodity_id, stage, hs6, content from commodity_stage"
                             ).df().merge(codes, on=["commodity_id", "stage", "hs6"])
    for r in stage_rows.itertuples():
        trade = basis.loc[(r.commodity_id, r.stage), "trade_content"]
        if r.content == trade:
            assert r.factor == 1.0
        elif not np.isnan(r.factor):
            assert conversion_factor(r.content, trade, None) is None or r.factor > 0
    # the stage sums hold only the rows of codes with a factor
    bad = con.execute("""
        select count(*) from trade_stage t join stage_basis b using (commodity_id, stage)
        where b.trade_content is null and t.quantity_t is not null""").fetchall()[0][0]
    assert bad == 0


def test_import_reliance_never_on_mixed_basis(world, con):
    """Every import-reliance value is either a net exporter's 0, or computed where trade
    converts to the canonical basis, or where the importer produces nothing."""
    basis = con.execute("select commodity_id, stage, trade_factor from stage_basis").df()
    nir = world[(world["indicator"] == "import_reliance") & world["value"].notna()]
    merged = nir.merge(basis, on=["commodity_id", "stage"])
    suspect = merged[merged["trade_factor"].isna() & (merged["detail"] != "net exporter")
                     & (merged["value"] < 1.0)]
    assert suspect.empty, suspect[["importer", "commodity_id", "stage", "year", "value"]]



FORMULAS = ["Li", "Li2O", "Li2CO3", "LiOH", "LiCl"]


@given(st.sampled_from(FORMULAS), st.sampled_from(FORMULAS), st.sampled_from(FORMULAS))
def test_factors_compose_and_invert(a, b, c):
    ab, bc, ac = (conversion_factor(x, y, "Li") for x, y in ((a, b), (b, c), (a, c)))
    assert ab * conversion_factor(b, a, "Li") == pytest.approx(1.0)
    assert ab * bc == pytest.approx(ac)


def test_window_series_keeps_one_source():
    import pandas as pd

    from critmin.indicators.inputs import window_series

    rows = pd.DataFrame({
        "commodity_id": "x", "stage": "mining",
        "year": [2020, 2021, 2022, 2022, 2023, 2021],
        "source_id": ["wmd-bundle"] * 3 + ["usgs-mcs2025-world"] * 2 + ["other"],
        "iso3": "AAA", "quantity": 1.0})
    # the preferred source (usgs) lacks 2020-2021: WMD covers the whole window
    out = window_series(rows, [2020, 2021, 2022], ("usgs-mcs", "wmd"))
    assert set(out["source_id"]) == {"wmd-bundle"} and len(out) == 3
    # a window both cover entirely: the preferred one
    out = window_series(rows, [2022], ("usgs-mcs", "wmd"))
    assert set(out["source_id"]) == {"usgs-mcs2025-world"}


def test_world_total_check_implicit_remainder():
    import pandas as pd

    from critmin.indicators.engine import world_total_check

    conc = pd.DataFrame({"commodity_id": ["x", "y"], "stage": "mining", "year": 2023,
                         "source_ids": "s", "hhi": [0.5, 0.5], "top1_share": [0.6, 0.6],
                         "top3_share": [1.0, 1.0], "total": [100.0, 100.0],
                         "remainder_share": [0.0, 0.0], "world": [200.0, 102.0]})
    out = world_total_check(conc).set_index("commodity_id")
    # x: named producers are half the published total: shares over W, HHI × (Q/W)²
    assert out.loc["x", "hhi"] == pytest.approx(0.5 * 0.25)
    assert out.loc["x", "top1_share"] == pytest.approx(0.3)
    assert out.loc["x", "remainder_share"] == pytest.approx(0.5)
    assert "50.0 % of the published world total" in out.loc["x", "check"]
    # y: within 5 %: unchanged, not flagged
    assert out.loc["y", "hhi"] == 0.5 and out.loc["y", "check"] == ""


def test_source_breaks_flag_the_switch():
    import pandas as pd

    from critmin.indicators.engine import source_breaks

    conc = pd.DataFrame({"year": [2022, 2023, 2024],
                         "source_ids": ["wmd-bundle", "usgs", "usgs"],
                         "prev_source": [None, "wmd-bundle", "usgs"],
                         "prev_year": [None, 2022, 2023]})
    breaks = list(source_breaks(conc))
    assert breaks == ["", "source changes from wmd-bundle (2022)", ""]
    assert breaks[1].render("ja") == "出典が wmd-bundle（2022年）から変わる"
