"""Historical price volatility: annualised standard deviation of log price changes.

methods.md §6: ``r_τ = ln(P_τ / P_τ−1)``, ``σ_ann = sqrt(n) · sd(r)`` over a window,
n = 12 for monthly, 1 for annual series. Defaults [C]: a window of 10 years (the
issue's default; methods.md suggests 60 months), the sample standard deviation, NaN
with the reason when fewer than 80 % of the window's returns exist, no return across a
gap. Basis, shown with every value: ``market`` (a published price series) or
``unit_value`` (world trade ``Σ value / Σ quantity`` per HS6 and year, flows outside
the 1st–99th percentile of unit values trimmed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MIN_COVERAGE = 0.8


def annualised_volatility(prices: pd.DataFrame, periods_per_year: int, window_years: int = 10,
                          min_coverage: float = MIN_COVERAGE) -> pd.DataFrame:
    """σ_ann per series and year-end from a long price frame.

    Parameters
    ----------
    prices : DataFrame
        ``series, t, price`` with ``t`` an integer period index (months since year 0
        for monthly data, the year for annual data); one row per period with a price.
    periods_per_year : int
        12 (monthly) or 1 (annual).
    window_years : int
        Length of the window ending with each year, in years.

    Returns
    -------
    DataFrame
        ``series, year, volatility, n_returns, coverage``; volatility is NaN where the
        coverage of returns in the window is below ``min_coverage``.
    """
    p = prices.sort_values(["series", "t"]).copy()
    p = p[p["price"] > 0]
    p["r"] = np.log(p["price"]).groupby(p["series"]).diff()
    gap = p.groupby("series")["t"].diff() != 1
    p.loc[gap, "r"] = np.nan  # no return across a missing period
    p["year"] = p["t"] // periods_per_year if periods_per_year > 1 else p["t"]
    expected = window_years * periods_per_year - (1 if periods_per_year == 1 else 0)
    out = []
    years = sorted(p["year"].unique())
    for end in years:  # one vectorised group-by per window end (years, not cells)
        win = p[(p["year"] > end - window_years) & (p["year"] <= end)]
        stats = win.groupby("series")["r"].agg(["std", "count"])
        stats["year"] = end
        out.append(stats.reset_index())
    res = pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["series", "std", "count", "year"])
    res["coverage"] = res["count"] / expected
    res["volatility"] = np.where(res["coverage"] >= min_coverage,
                                 res["std"] * np.sqrt(periods_per_year), np.nan)
    return res.rename(columns={"count": "n_returns"})[
        ["series", "year", "volatility", "n_returns", "coverage"]]


def market_volatility(con: Any, window_years: int = 10) -> pd.DataFrame:
    """Volatility of each commodity's market price series (monthly first, else annual).

    Returns ``commodity_id, year, volatility, n_returns, coverage, series, basis``.
    """
    price = con.execute("""
        select commodity_id, series, period, value from price
        where basis = 'market' and commodity_id is not null and value is not null""").df()
    if price.empty:
        return pd.DataFrame(columns=["commodity_id", "year", "volatility", "n_returns",
                                     "coverage", "series", "basis"])
    monthly = price[price["period"].str.len() == 7].copy()
    monthly["t"] = (monthly["period"].str[:4].astype(int) * 12
                    + monthly["period"].str[5:].astype(int) - 1)
    annual = price[price["period"].str.len() == 4].copy()
    annual["t"] = annual["period"].astype(int)
    frames = []
    for data, n in ((monthly, 12), (annual, 1)):
        if data.empty:
            continue
        vol = annualised_volatility(data.rename(columns={"value": "price"}), n, window_years)
        owner = data.drop_duplicates("series")[["series", "commodity_id"]]
        frames.append(vol.merge(owner, on="series").assign(frequency=n))
    vol = pd.concat(frames, ignore_index=True)
    vol = vol[vol["volatility"].notna()]
    # one series per commodity: monthly before annual, then the longest-covered series
    vol = vol.sort_values(["commodity_id", "year", "frequency", "n_returns"],
                          ascending=[True, True, False, False])
    vol = vol.drop_duplicates(["commodity_id", "year"])
    return vol.assign(basis="market")[["commodity_id", "year", "volatility", "n_returns",
                                       "coverage", "series", "basis"]]


def unit_value_volatility(con: Any, window_years: int = 10) -> pd.DataFrame:
    """Volatility of world trade unit values of each commodity stage's main HS6 code.

    Unit values come from the store's ``unit_value`` table (:mod:`critmin.store.derived`:
    ``Σ value / Σ quantity`` per HS6 and year, 1–99 % of flow unit values kept).
    Returns ``commodity_id, stage, year, volatility, n_returns, coverage, series, basis``.
    """
    uv = con.execute("select hs6 as series, year as t, price from unit_value").df()
    main = con.execute("""
        select commodity_id, stage, first(hs6 order by role <> 'main', hs6) hs6
        from commodity_stage where hs6 <> '' group by all""").df()
    vol = annualised_volatility(uv, 1, window_years)
    out = main.merge(vol.rename(columns={"series": "hs6"}), on="hs6")
    return out.assign(series="uv:" + out["hs6"], basis="unit_value")[
        ["commodity_id", "stage", "year", "volatility", "n_returns", "coverage", "series",
         "basis"]]
