import numpy as np
import pandas as pd

from critmin.indicators.supply import net_import_reliance, reserve_life
from critmin.indicators.volatility import annualised_volatility


def test_import_reliance_hand_computed():
    # X: I 100, E 20, P 30 → (100 − 20) / (30 + 80); Y: I 10, E 50 → net exporter, 0
    nir, net_exporter = net_import_reliance(np.array([100.0, 10.0, np.nan]),
                                            np.array([20.0, 50.0, 5.0]),
                                            np.array([30.0, np.nan, np.nan]))
    assert np.isclose(nir[0], 80 / 110) and not net_exporter[0]
    assert nir[1] == 0.0 and net_exporter[1]
    assert nir[2] == 0.0 and net_exporter[2]  # no imports recorded: I counts as 0


def test_reserve_life_mean_of_three_years():
    res = pd.DataFrame({"commodity_id": ["c"], "year": [2024], "quantity": [300.0]})
    prod = pd.DataFrame({"commodity_id": "c", "year": [2021, 2022, 2023, 2024],
                         "quantity": [1000.0, 10.0, 20.0, 30.0]})
    out = reserve_life(res, prod).iloc[0]
    assert out["reserve_life"] == 15.0 and out["production_years"] == 3


def test_volatility_hand_computed():
    # annual prices 100, 200, 100, 200 …: |r| = ln 2 alternating sign
    prices = pd.DataFrame({"series": "s", "t": range(2000, 2011),
                           "price": [100.0, 200.0] * 5 + [100.0]})
    vol = annualised_volatility(prices, 1, window_years=10).set_index("year")
    r = np.array([np.log(2), -np.log(2)] * 5)
    assert np.isclose(vol.loc[2010, "volatility"], r.std(ddof=1))
    assert np.isnan(vol.loc[2003, "volatility"])  # too few returns in the window


def test_volatility_monthly_scaling_and_gaps():
    months = list(range(24000, 24000 + 121))
    prices = pd.DataFrame({"series": "m", "t": months,
                           "price": np.exp(0.01 * (np.arange(121) % 2))})
    vol = annualised_volatility(prices, 12, window_years=10)
    last = vol[vol["year"] == vol["year"].max() - 0].iloc[0]
    assert last["volatility"] > 0
    holes = prices.drop(index=range(10, 60))  # > 20 % of returns missing
    vol2 = annualised_volatility(holes, 12, window_years=10)
    assert vol2["volatility"].isna().all()
