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

import pandas as pd

from critmin.indicators.relational import run_sql

MIN_COVERAGE = 0.8


def volatility_sql(relation: str, periods_per_year: int, window_years: int = 10,
                   min_coverage: float = MIN_COVERAGE) -> str:
    """SQL of :func:`annualised_volatility` over ``relation`` (``series, t, price`` and
    any columns that depend on the series only, e.g. its commodity)."""
    expected = window_years * periods_per_year - (1 if periods_per_year == 1 else 0)
    year = f"t // {int(periods_per_year)}" if periods_per_year > 1 else "t"
    return f"""
        with r as (
            select series, {year} as year,
                   case when t - lag(t) over w = 1  -- no return across a missing period
                        then ln(price) - ln(lag(price) over w) end as r
            from {relation} where price > 0
            window w as (partition by series order by t)),
        ends as (select distinct year as end_year from r),
        stats as (
            select r.series, e.end_year as year, stddev_samp(r.r) as sd,
                   count(r.r) as n_returns
            from ends e join r on r.year > e.end_year - {int(window_years)}
                              and r.year <= e.end_year
            group by all)
        select series, year,
               case when n_returns / {expected} >= {float(min_coverage)!r}
                    then sd * sqrt({int(periods_per_year)}) end as volatility,
               n_returns, n_returns / {expected} as coverage
        from stats"""


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
    sql = volatility_sql("prices_in", periods_per_year, window_years, min_coverage)
    return run_sql(sql + " order by series, year", prices_in=prices[
        ["series", "t", "price"]].astype({"t": "int64", "price": float}))


def market_volatility(con: Any, window_years: int = 10) -> pd.DataFrame:
    """Volatility of each commodity's market price series (monthly first, else annual).

    One query over the store's ``price`` table. Returns ``commodity_id, year,
    volatility, n_returns, coverage, series, basis``.
    """
    market = ("(select series, {t} as t, value as price from price where basis = 'market' "
              "and commodity_id is not null and value is not null and length(period) = {n})")
    monthly = market.format(t="cast(period[1:4] as int) * 12 + cast(period[6:7] as int) - 1",
                            n=7)
    annual = market.format(t="cast(period as int)", n=4)
    return con.execute(f"""
        with vol as (
            select *, 12 as frequency from ({volatility_sql(monthly, 12, window_years)})
            union all
            select *, 1 as frequency from ({volatility_sql(annual, 1, window_years)})),
        owner as (select series, any_value(commodity_id) as commodity_id from price
                  where basis = 'market' and commodity_id is not null group by 1)
        -- one series per commodity: monthly before annual, then the longest-covered
        select o.commodity_id, v.year, v.volatility, v.n_returns, v.coverage, v.series,
               'market' as basis
        from vol v join owner o using (series)
        where v.volatility is not null
        qualify row_number() over (partition by o.commodity_id, v.year
                                   order by v.frequency desc, v.n_returns desc,
                                            v.series) = 1
        order by o.commodity_id, v.year""").df()


def unit_value_volatility(con: Any, window_years: int = 10) -> pd.DataFrame:
    """Volatility of world trade unit values of each commodity stage's main HS6 code.

    Unit values come from the store's ``unit_value`` table (:mod:`critmin.store.derived`:
    ``Σ value / Σ quantity`` per HS6 and year, 1–99 % of flow unit values kept).
    Returns ``commodity_id, stage, year, volatility, n_returns, coverage, series, basis``.
    """
    uv = "(select hs6 as series, year as t, price from unit_value)"
    return con.execute(f"""
        with main as (
            select commodity_id, stage, first(hs6 order by role <> 'main', hs6) as hs6
            from commodity_stage where hs6 <> '' group by all)
        select m.commodity_id, m.stage, v.year, v.volatility, v.n_returns, v.coverage,
               'uv:' || m.hs6 as series, 'unit_value' as basis
        from main m join ({volatility_sql(uv, 1, window_years)}) v on v.series = m.hs6
        order by all""").df()
