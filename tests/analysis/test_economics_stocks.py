"""Secondary supply from in-use stocks (flodym): outflows against closed-form lifetime
cases, inflow drivers, collection and recovery, bad stock files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from critmin.analysis import economics_stocks as st
from critmin.analysis.demand import read_scenario
from critmin.errors import CritminError


def lifetime(**kw: object) -> st.Lifetime:
    return st.Lifetime(source="test [C]", **kw)


def test_fixed_lifetime_outflow_is_the_inflow_shifted() -> None:
    years = np.arange(2000, 2031)
    inflow = np.random.default_rng(1).uniform(0, 100, len(years))
    stock, outflow = st.dynamic_stock(years, inflow, lifetime(model="fixed", mean=7))
    # inflow at mid-year, leaves when its age reaches 7: O(t) = I(t − 7)
    assert outflow[7:] == pytest.approx(inflow[:-7])
    assert outflow[:7] == pytest.approx(np.zeros(7))
    # mass balance: S(t) = Σ I − Σ O
    assert stock == pytest.approx(np.cumsum(inflow) - np.cumsum(outflow))


def test_exponential_lifetime_outflow_in_closed_form() -> None:
    years = np.arange(2000, 2041)
    tau, inflow = 8.0, np.full(len(years), 50.0)
    stock, outflow = st.dynamic_stock(years, inflow, lifetime(model="exponential", mean=tau))
    # constant inflow I from t0, leaving at rate 1/τ, inflow at mid-year:
    # O(t) = I · (1 − exp(−(t − t0 + ½) / τ))
    t = years - years[0]
    assert outflow == pytest.approx(50.0 * (1 - np.exp(-(t + 0.5) / tau)), rel=1e-9)
    assert stock[-1] == pytest.approx(np.cumsum(inflow - outflow)[-1])
    # a Weibull of shape 1 is the same distribution
    _, weibull = st.dynamic_stock(years, inflow, lifetime(model="weibull", shape=1, scale=tau))
    assert weibull == pytest.approx(outflow)


def test_inflow_driver_and_rates() -> None:
    years = np.arange(2010, 2021)
    inflow = st.Inflow(history={2012: 10, 2016: 30}, after="ev", source="t [C]")
    driver = {"ev": np.linspace(1.0, 11.0, len(years))}  # 1 in 2010 … 11 in 2020
    got = st.inflow_path(inflow, years, driver)
    # 0 before 2012, linear 10 → 30 over 2012–2016, then 30 · X(t)/X(2016) (X(2016) = 7)
    expected = [0, 0, 10, 15, 20, 25, 30, 30 * 8 / 7, 30 * 9 / 7, 30 * 10 / 7, 30 * 11 / 7]
    assert got == pytest.approx(expected)
    flat = st.inflow_path(inflow.model_copy(update={"after": "flat"}), years, driver)
    assert flat[-1] == 30
    stocks = st.StockFile(id="x", commodity="cobalt", unit="t", start_year=2010, products={
        "p": st.Product(name="P", name_ja="P", inflow=inflow, lifetime=lifetime(
            model="fixed", mean=2), collection=st.Rate(value={2010: 0.5, 2020: 1.0},
                                                         source="[C]"),
            recovery=st.Rate(value=0.8, source="[C]"))})
    rows = st.secondary_supply(stocks, years, driver).set_index("year")
    # 2016: outflow = inflow of 2014 = 20; collection interpolated 0.8; × recovery 0.8
    assert rows.loc[2016, "outflow_t"] == pytest.approx(20)
    assert rows.loc[2016, "recovered_t"] == pytest.approx(20 * 0.8 * 0.8)
    tot = st.totals(rows.reset_index(), {2016: 128.0})
    assert tot.set_index("year").loc[2016, "share_of_demand"] == pytest.approx(0.1)
    assert np.isnan(tot.set_index("year").loc[2015, "share_of_demand"])


def test_scenario_drivers_use_the_demand_forecast() -> None:
    from critmin.analysis.demand import forecast

    sc = read_scenario("reference")
    years = np.arange(2018, 2051)
    d = st.scenario_drivers(sc, "cobalt", years)
    series = forecast(sc, ["cobalt"], 2050)[0]["series"]
    assert d["demand"] == pytest.approx([series[int(y)]["total"] for y in years])
    # the new use in electric cars: EV sales × 13.3 kg = 2.0 million × 13.3 kg in 2018
    assert d["use:ev"][0] == pytest.approx(2.0e6 * 13.3e-3)


def test_shipped_stock_files() -> None:
    for cid in ("rare_earths", "cobalt", "palladium"):
        stocks = st.read_stocks(cid)
        assert stocks.commodity == cid and stocks.products


def test_bad_stock_file(tmp_path: Path) -> None:
    path = tmp_path / "stocks.yaml"
    path.write_text("""\
id: bad
commodity: cobalt
unit: t
start_year: 1990
products:
  p:
    name: P
    name_ja: P
    inflow: {history: {2000: 10}, source: "[C]"}
    lifetime: {model: normal, mean: 10, source: "[C]"}
    collection: {value: 1.2, source: "[C]"}
    recovery: {value: 0.9, source: "[C]"}
""", encoding="utf-8")
    with pytest.raises(CritminError) as err:
        st.read_stocks(str(path))
    message = str(err.value)
    assert "line 10: products.p.lifetime: Value error, a normal lifetime needs mean and " \
           "std" in message, message
    assert "line 11: products.p.collection.value" in message
