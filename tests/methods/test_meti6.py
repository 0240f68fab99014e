"""The six METI axes: each normalisation and each axis by hand, missing reasons, and the
real store for Japan 2023 and the study's 13 minerals."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.catalog.reasons import code_of
from critmin.methods.meti6 import (
    AXES,
    commodity_axes,
    governance_axis,
    hhi_axis,
    import_governance,
    meti6_values,
    scrap_axis,
    volatility_axis,
)
from critmin.store.cache import Memo
from tests.methods.meti6_fixture import OPTS, axis, rare_earth_inputs


def test_axes_in_the_study_order():
    assert AXES == ("production_concentration", "reserve_concentration",
                    "import_governance_concentrate", "import_governance_refined",
                    "historical_volatility", "scrap_recycling")


def test_normalisations_by_hand():
    assert hhi_axis([0.4]).tolist() == [0.4]
    # piecewise: 0.15 → 1/3, 0.2 → halfway to 2/3, 0.625 → halfway between 2/3 and 1
    pw = hhi_axis([0.0, 0.15, 0.2, 0.25, 0.625, 1.0], "piecewise")
    assert pw == pytest.approx([0, 1 / 3, 0.5, 2 / 3, 5 / 6, 1])
    assert np.isnan(hhi_axis([np.nan], "piecewise")[0])
    assert volatility_axis([0.25, 0.5, 1.7], 1.0).tolist() == [0.25, 0.5, 1.0]
    assert volatility_axis([0.25], 0.5).tolist() == [0.5]
    assert scrap_axis([0.22, 0.0, 1.2]).tolist() == pytest.approx([0.78, 1.0, 0.0])
    assert governance_axis([0.515, -0.1]).tolist() == [0.515, 0.0]
    with pytest.raises(ValueError):
        hhi_axis([0.1], "minmax")
    with pytest.raises(ValueError):
        volatility_axis([0.1], 0.0)


def test_six_axes_by_hand():
    v = meti6_values(rare_earth_inputs(), OPTS)
    # HHI = (240² + 43² + 38² + 18²) / 390² (thousand t; "other" counts in the total only)
    assert axis(v, "production_concentration") == pytest.approx(61217 / 152100)
    assert axis(v, "reserve_concentration") == pytest.approx(0.36 + 0.04)
    # G = (30 000·0.6 + 15 000·0.45 + 5 000·0.2) / 50 000
    assert axis(v, "import_governance_concentrate") == pytest.approx(0.515)
    assert axis(v, "import_governance_refined") == pytest.approx((80 * 0.6 + 20 * 0.4) / 100)
    assert axis(v, "historical_volatility") == pytest.approx(0.5)
    assert axis(v, "scrap_recycling") == pytest.approx(0.9)
    assert (v["missing"] == "").all()
    assert "top CHN" in v.loc[v["axis"] == "production_concentration", "detail"].iloc[0]


def test_basis_and_detail_are_axis_notes_by_code():
    """Each axis value's basis and detail carry their code (``axis_notes.csv``), so a
    view renders them in Japanese by the code, never by reading the English."""
    v = meti6_values(rare_earth_inputs(), OPTS).set_index("axis")
    basis = {ax: code_of(b) for ax, b in v["basis"].items()}
    assert basis == {"production_concentration": "basis_hhi_production",
                     "reserve_concentration": "basis_hhi_reserves",
                     "import_governance_concentrate": "basis_governance",
                     "import_governance_refined": "basis_governance",
                     "historical_volatility": "basis_volatility",
                     "scrap_recycling": "basis_scrap"}
    detail = {ax: code_of(d) for ax, d in v["detail"].items()}
    assert detail["production_concentration"] == "detail_top"
    assert detail["reserve_concentration"] == "detail_top_reserves"
    assert detail["scrap_recycling"] == "detail_eol"
    top = v.loc["production_concentration", "detail"]
    assert top.render("ja").startswith("首位 中国 ") and top.startswith("top CHN ")


def test_missing_axes_say_why_and_are_never_zero():
    inp = rare_earth_inputs(store_has_reserves=False)
    inp = inp.with_frames(
        volatility=inp.volatility.iloc[0:0], recycling=inp.recycling.iloc[0:0],
        hs_stages=frozenset({("rare_earths", "refining")}),
        traded_stages=frozenset())
    v = meti6_values(inp, OPTS).set_index("axis")
    codes = {ax: code_of(m) for ax, m in v["missing"].items() if m}
    assert codes == {"reserve_concentration": "no_reserves_in_store",
                     "import_governance_concentrate": "no_hs_code",
                     "import_governance_refined": "no_trade_in_store",
                     "historical_volatility": "no_price_window",
                     "scrap_recycling": "no_eol_rir"}
    assert "rare_earths" in v.loc["import_governance_refined", "missing"]
    missing = v[v["missing"] != ""]
    assert missing["value"].isna().all() and len(missing) == 5


def test_importer_independent_axes_are_kept_for_the_same_frames():
    """Axes 1, 2, 5 and 6 are computed once for the same input frames and options when
    the inputs carry the year's memo (as :func:`meti6_inputs` gives them: every importer
    of a year shares it); a replaced frame or other options compute anew; inputs built
    by hand, without a memo, compute them every time (a frame changed in place counts)."""
    inp = replace(rare_earth_inputs(), axes_memo=Memo())
    first = commodity_axes(inp, OPTS)
    assert commodity_axes(inp.with_frames(flows=inp.flows.iloc[0:0]), OPTS) is first
    assert set(first) == {"production_concentration", "reserve_concentration",
                          "historical_volatility", "scrap_recycling"}
    half = inp.production.assign(quantity=inp.production["quantity"] / 2)
    assert commodity_axes(inp.with_frames(production=half), OPTS) is not first
    piecewise = commodity_axes(inp, replace(OPTS, hhi_mapping="piecewise"))
    assert piecewise is not first
    assert piecewise["production_concentration"]["value"].iloc[0] == pytest.approx(
        hhi_axis([61217 / 152100], "piecewise")[0])
    spend = commodity_axes(inp.with_frames(spend_factor={"rare_earths": 0.5}), OPTS)
    assert spend["historical_volatility"]["value"].iloc[0] == pytest.approx(0.25)
    fresh = replace(rare_earth_inputs(), axes_memo=inp.axes_memo)   # equal frames, new
    again = commodity_axes(fresh, OPTS)                              # objects: computed
    assert again is not first
    for ax, frame in first.items():
        pd.testing.assert_frame_equal(again[ax], frame)
    by_hand = rare_earth_inputs()
    assert by_hand.axes_memo is None
    before = commodity_axes(by_hand, OPTS)["production_concentration"]["raw"].iloc[0]
    by_hand.production.loc[by_hand.production["iso3"] == "CHN", "quantity"] *= 100
    after = commodity_axes(by_hand, OPTS)["production_concentration"]["raw"].iloc[0]
    assert after > before


def test_domestic_supply_counts_with_zero_risk():
    flows = pd.DataFrame({"importer": "JPN", "partner": ["CHN", "AUS"], "commodity_id": "x",
                          "stage": "mining", "year": 2023, "quantity_t": [60.0, 40.0]})
    risk = pd.DataFrame({"iso3": ["CHN"], "year": 2023, "risk": [0.6]})
    dom = pd.DataFrame({"importer": ["JPN"], "commodity_id": "x", "stage": "mining",
                        "year": 2023, "domestic_t": [100.0]})
    g = import_governance(flows, risk, dom, missing_governance=0.5)
    # AUS has no WGI → 0.5; (60·0.6 + 40·0.5) / (100 + 100)
    assert g["governance"].iloc[0] == pytest.approx(56 / 200)
    assert g["missing_governance_share"].iloc[0] == pytest.approx(0.4)
    g = import_governance(flows, risk, dom.iloc[0:0], missing_governance="exclude")
    assert g["governance"].iloc[0] == pytest.approx(0.6)


@given(st.lists(st.tuples(st.floats(0.1, 1e6), st.floats(0, 1)), min_size=1, max_size=8),
       st.floats(0, 1e6))
def test_governance_within_partner_risk_range(partners, domestic):
    flows = pd.DataFrame({"importer": "C", "partner": [f"P{i}" for i in range(len(partners))],
                          "commodity_id": "x", "stage": "mining", "year": 2023,
                          "quantity_t": [q for q, _ in partners]})
    risk = pd.DataFrame({"iso3": flows["partner"], "year": 2023,
                         "risk": [g for _, g in partners]})
    dom = pd.DataFrame({"importer": ["C"], "commodity_id": "x", "stage": "mining",
                        "year": 2023, "domestic_t": [domestic]})
    g = import_governance(flows, risk, dom)["governance"].iloc[0]
    hi = max(r for _, r in partners)
    assert 0.0 <= g <= hi + 1e-12
    if domestic == 0:
        assert g >= min(r for _, r in partners) - 1e-12


def test_japan_2023_study_minerals(imported_store):
    """Every axis of the 13 study minerals is a value in [0, 1] or missing with a reason."""
    from critmin.analysis.assessment import assess
    from critmin.catalog.commodities import meti13_ids
    from critmin.indicators.importers import importer_members
    from critmin.store.io import connect

    with connect(imported_store) as con:
        a = assess(con, importer_members(con, ["JPN"]), 2023, meti13_ids())
    v = a.values
    assert len(v) == 13 * 6
    present = v["value"].notna()
    assert ((v.loc[present, "value"] >= 0) & (v.loc[present, "value"] <= 1)).all()
    assert (v.loc[~present, "missing"].str.len() > 10).all()
    assert (v.loc[present, "missing"] == "").all()
    assert present.sum() >= 50  # USGS reserves, trade, prices and EoL-RIR are in the store
    assert set(a.types["commodity_id"]) == set(meti13_ids())
    assert a.types["type"].notna().all() and (a.types["type_reason"].str.len() > 0).all()
    # tungsten: production HHI from World Mining Data/USGS is known to be over 0.5 (China)
    w = a.wide().set_index("commodity_id")
    assert w.loc["tungsten", "production_concentration"] > 0.5
    assert not math.isnan(w.loc["cobalt", "reserve_concentration"])
