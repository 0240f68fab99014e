"""The economics requests on the real store: a project's offtake changes the importer's
axes by exactly what the what-if computes, the example files run end to end, the
supply's share of demand uses the demand forecast, the price history of a stream."""

from __future__ import annotations

import json

import numpy as np
import pytest

from critmin.service import economics as se
from critmin.service.assess import WhatIfRequest, whatif
from critmin.service.demand import DemandRequest, demand


@pytest.fixture(scope="module")
def projects(store_file):
    from critmin.store.io import connect

    with connect(store_file) as con:
        return se.evaluate(se.ProjectRequest(files=["ree_separation_aus",
                                                    "cobalt_mine_cod"]), con)


def test_offtake_lowers_the_importers_axes_by_the_whatif(projects, store) -> None:
    rows = projects.frame.set_index("project")
    aus = rows.loc["ree_separation_aus"]
    direct = whatif(WhatIfRequest(importer="JPN", levers=[
        {"lever": "smelter", "commodity": "rare_earths", "country": "AUS",
         "added_t": 10000, "offtake": 0.6, "kappa": 1.0}]), store).frame
    axes = {a.axis: a for a in projects.axes if a.project == "ree_separation_aus"}
    for r in direct.to_dict("records"):
        got = [np.nan if v is None else v for v in (axes[r["axis"]].before,
                                                    axes[r["axis"]].after,
                                                    axes[r["axis"]].delta)]
        assert got == pytest.approx([r["before"], r["after"], r["delta"]], nan_ok=True)
        # an axis without a value says why, as the what-if does; one with a value does not
        assert axes[r["axis"]].missing == r["missing"]
        assert bool(r["missing"]) == (axes[r["axis"]].before is None)
    moved = direct[direct["axis"].isin(se.AXES_MOVED)]["delta"].dropna()
    assert aus["geo_delta"] == pytest.approx(moved.sum())
    assert aus["geo_delta"] < 0  # the offtake from AUS lowers import governance (refined)
    refined = axes["import_governance_refined"]
    assert refined.after < refined.before
    # no offtake: a new mine in the dominant producer concentrates world mining
    cod = rows.loc["cobalt_mine_cod"]
    cod_axes = {a.axis: a for a in projects.axes if a.project == "cobalt_mine_cod"}
    assert cod_axes["production_concentration"].delta > 0
    assert cod_axes["import_governance_refined"].delta == pytest.approx(0.0)
    assert cod["geo_delta"] > 0
    assert aus["host_governance_risk"] < cod["host_governance_risk"]


def test_example_projects_end_to_end(projects) -> None:
    rows = projects.frame.set_index("project")
    for pid in ("ree_separation_aus", "cobalt_mine_cod"):
        r = rows.loc[pid]
        for field in ("npv", "irr", "payback_years", "esg_score", "geo_delta",
                      "combined_score", "financial_score", "geo_score"):
            assert np.isfinite(r[field]), (pid, field)
        assert 0 <= r["combined_score"] <= 1
    cod = rows.loc["cobalt_mine_cod"]
    flows = [c.cash_flow for c in projects.cash_flows if c.project == "cobalt_mine_cod"]
    from critmin.analysis.economics_project import npv

    assert cod["npv"] == pytest.approx(npv(0.12, np.array(flows)))
    # risk-adjusted: r + β·g_host = 0.12 + 0.05·g
    assert cod["npv_risk_adjusted"] == pytest.approx(npv(
        0.12 + 0.05 * cod["host_governance_risk"], np.array(flows)))
    assert cod["esg_pass"] == False  # noqa: E712 (community 0.2 < gate 0.3)
    assert rows.loc["ree_separation_aus", "combined_score"] > cod["combined_score"]
    payload = json.loads(projects.json_text())
    assert {"npv", "irr", "payback_years", "esg_score", "geo_delta",
            "combined_score"} <= set(payload["rows"][0])
    se.ProjectResponse.validate_rows(payload["rows"])


def test_supply_share_of_demand_uses_the_demand_forecast() -> None:
    r = se.supply(se.SupplyRequest(commodity="コバルト", scenario="ev_high_growth", to=2040))
    forecast = demand(DemandRequest(scenario="ev_high_growth", minerals=["cobalt"],
                                    to=2040)).frame.iloc[0]["series"]
    f = r.frame.set_index("year")
    assert f.index[0] == 2018 and f.index[-1] == 2040
    for y in (2018, 2030, 2040):
        assert f.loc[y, "demand_t"] == pytest.approx(forecast[y]["total"])
        assert f.loc[y, "share_of_demand"] == pytest.approx(
            f.loc[y, "recovered_t"] / forecast[y]["total"])
    by = {(p.product, p.year): p.recovered_t for p in r.by_product}
    assert f.loc[2030, "recovered_t"] == pytest.approx(
        sum(v for (p, y), v in by.items() if y == 2030))
    assert {p.product for p in r.products} == {"ev_battery", "portable", "alloys"}


def test_switching_price_response(store) -> None:
    from critmin.analysis.economics import base_values, read_stream, stream_switching_price

    r = se.switching_price(se.SwitchingPriceRequest(stream="pgm_autocatalyst"), store)
    usd_t = float(stream_switching_price(base_values(read_stream("pgm_autocatalyst"))))
    assert r.switching_price_usd_per_t == pytest.approx(usd_t)
    assert r.switching_price == pytest.approx(usd_t / 32150.746568627984)  # per troy oz
    assert sum(c.per_product for c in r.costs) == pytest.approx(r.switching_price)
    # the bundle store holds trade unit values (HS 711011), no market prices
    assert {h.price_basis for h in r.history} <= {"market", "unit_value"}
    uv = [h for h in r.history if h.price_basis == "unit_value"]
    assert uv and all(h.pays == (h.price >= r.switching_price) for h in uv)
    assert r.frame["swing"].is_monotonic_decreasing
    listing = se.streams(se.StreamsRequest()).frame.set_index("stream")
    assert listing.loc["pgm_autocatalyst", "switching_price"] == pytest.approx(
        r.switching_price)


def test_market_history_shows_the_years_recycling_paid(imported_store) -> None:
    from critmin.store.io import connect

    with connect(imported_store) as con:
        r = se.switching_price(se.SwitchingPriceRequest(stream="ndfeb_hdd", since=2015), con)
    market = {h.year: h for h in r.history if h.price_basis == "market"}
    # USGS MCS 2025 Nd2O3: 49, 98, 134, 78, 56 USD/kg (2020–2024) against P* ≈ 104
    assert market[2022].price == pytest.approx(134) and market[2022].pays
    assert r.paid_years == [y for y, h in sorted(market.items()) if h.price >= 103.7058]


def test_a_mistyped_price_series_is_an_error_naming_the_closest(imported_store,
                                                                tmp_path) -> None:
    """A series id of a source the store holds (usgs) but unknown to it is a typing error
    with the closest ids; one of a source not imported yet only has no history."""
    from critmin.analysis.economics import library
    from critmin.errors import CritminError
    from critmin.store.io import connect

    text = library("recycling")["ndfeb_hdd"].read_text(encoding="utf-8")
    typo, other = tmp_path / "typo.yaml", tmp_path / "other.yaml"
    typo.write_text(text.replace("Price_Nd2O3_dkg", "Price_Nd2O3_kg"), encoding="utf-8")
    other.write_text(text.replace("usgs:Rare Earths:Price_Nd2O3_dkg", "fastmarkets:NdPr"),
                     encoding="utf-8")
    with connect(imported_store) as con:
        with pytest.raises(CritminError, match=r"no price series 'usgs:Rare Earths:"
                           r"Price_Nd2O3_kg' in the store; closest: usgs:Rare Earths:"
                           r"Price_Nd2O3_dkg"):
            se.switching_price(se.SwitchingPriceRequest(stream=str(typo)), con)
        r = se.switching_price(se.SwitchingPriceRequest(stream=str(other)), con)
    assert not [h for h in r.history if h.price_basis == "market"]


def test_an_unknown_driver_names_the_file_line_and_field(tmp_path) -> None:
    """The drivers come from the demand scenario, so the check runs after reading; the
    message still points at the line of the stock file."""
    from critmin.analysis.economics import library
    from critmin.errors import CritminError

    text = library("recycling", "stocks")["cobalt"].read_text(encoding="utf-8")
    bad = text.replace('after: "use:ev"', 'after: "use:spaceships"')
    line = bad.splitlines().index('      after: "use:spaceships"') + 1
    path = tmp_path / "stocks.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CritminError, match=rf"stocks.yaml line {line}: products\.ev_battery\."
                                           r"inflow\.after: driver 'use:spaceships' unknown"):
        se.supply(se.SupplyRequest(commodity="cobalt", stocks=str(path)))
