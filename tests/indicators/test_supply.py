import numpy as np
import pandas as pd

from critmin.indicators.supply import net_import_reliance, reserve_life_sql
from critmin.indicators.volatility import annualised_volatility


def test_import_reliance_hand_computed():
    # X: I 100, E 20, P 30 → (100 − 20) / (30 + 80); Y: I 10, E 50 → net exporter, 0
    nir, net_exporter = net_import_reliance(np.array([100.0, 10.0, np.nan]),
                                            np.array([20.0, 50.0, 5.0]),
                                            np.array([30.0, np.nan, np.nan]))
    assert np.isclose(nir[0], 80 / 110) and not net_exporter[0]
    assert nir[1] == 0.0 and net_exporter[1]
    assert nir[2] == 0.0 and net_exporter[2]  # no imports recorded: I counts as 0


def test_reserve_life_one_source_one_basis():
    """USGS reserves 30 Mt Li; USGS production (Li) for 2023-24 only, World Mining Data
    (Li2O) for 2022-24: the window 2022-24 is covered by WMD alone, converted to Li
    (× 0.46453): RL = 30e6 / (500 000 × 0.46453) = 129.16 years, never a mean of Li2O
    and Li tonnes."""
    import duckdb

    from critmin.store.schema import DDL

    con = duckdb.connect()
    con.execute(DDL)
    con.execute("insert into content_factor values ('lithium','mining','Li','Li',1.0),"
                "('lithium','mining','Li2O','Li',0.4645340159886049)")
    con.execute("insert into reserves values ('lithium','AUS',2024,3e7,'t',null,"
                "'usgs-mcs2025-world','Li','metric tons')")
    rows = [("usgs-mcs2025-world", 2023, 200_000.0, "Li"),
            ("usgs-mcs2025-world", 2024, 240_000.0, "Li")] + [
        ("wmd-bundle", y, 500_000.0, "Li2O") for y in (2022, 2023, 2024)]
    for sid, year, q, content in rows:
        con.execute("insert into production values ('lithium','mining','AUS',?,?,'t',null,"
                    "?,?,'t')", [year, q, sid, content])
    out = con.execute(reserve_life_sql(("usgs-mcs", "wmd"))).df().iloc[0]
    assert out["production_source"] == "wmd-bundle" and out["production_years"] == 3
    assert np.isclose(out["reserve_life"], 3e7 / (500_000 * 0.4645340159886049))
    # with the window one year shorter USGS covers it and is preferred
    out = con.execute(reserve_life_sql(("usgs-mcs", "wmd"), 2)).df().iloc[0]
    assert out["production_source"] == "usgs-mcs2025-world"
    assert np.isclose(out["reserve_life"], 3e7 / 220_000)


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
