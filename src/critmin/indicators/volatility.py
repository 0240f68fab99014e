"""Historical price volatility: annualised standard deviation of log price changes.

methods.md §6: ``r_τ = ln(P_τ / P_τ−1)``, ``σ_ann = sqrt(n) · sd(r)`` over a window,
n = 12 for monthly, 1 for annual series. Defaults [C]: a window of 10 years (the
issue's default; methods.md suggests 60 months), the sample standard deviation, NaN
with the reason when fewer than 80 % of the window's returns exist, no return across a
gap. Basis, shown with every value: ``market`` (a published price series) or
``unit_value`` (world trade ``Σ value / Σ quantity`` per HS6 and year, flows outside
the 1st–99th percentile of unit values trimmed). Prices are never mixed across units
(converted with pint or left out with the reason) and a shared HS6 code's unit value is
never used as one commodity's price.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.catalog.reasons import note, reason
from critmin.indicators.relational import registered, run_sql
from critmin.sources.units import convert

MIN_COVERAGE = 0.8


def volatility_sql(relation: str, periods_per_year: int, window_years: int = 10,
                   min_coverage: float = MIN_COVERAGE) -> str:
    """SQL of :func:`annualised_volatility` over ``relation`` (``series, t, price`` and
    any columns that depend on the series only, e.g. its commodity)."""
    expected = window_years * periods_per_year - (1 if periods_per_year == 1 else 0)
    year = f"t // {int(periods_per_year)}" if periods_per_year > 1 else "t"
    return f"""
        with r as (
            select series, t, {year} as year,
                   case when t - lag(t) over w = 1  -- no return across a missing period
                        then ln(price) - ln(lag(price) over w) end as r
            from {relation} where price > 0
            window w as (partition by series order by t)),
        ends as (select distinct year as end_year from r),
        stats as (  -- sd over the returns in time order: the same bits on every run
            select r.series, e.end_year as year,
                   list_stddev_samp(list(r.r order by r.t)) as sd, count(r.r) as n_returns
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

    One query over the store's ``price`` table. Units are never mixed: each series'
    prices are converted (pint, :func:`critmin.sources.units.convert`) to the unit most
    of its rows have; rows in a unit that cannot be converted are left out
    (:func:`price_unit_conflicts` gives them with the reason). Returns ``commodity_id,
    year, volatility, n_returns, coverage, series, basis``.
    """
    factors = series_unit_factors(con)
    market = ("(select p.series, {t} as t, p.value * f.factor as price from price p "
              "join m_unit_factor f on f.series = p.series and f.unit is not distinct from "
              "p.unit where p.basis = 'market' and p.commodity_id is not null and "
              "p.value is not null and f.factor is not null and length(p.period) = {n})")
    monthly = market.format(t="cast(period[1:4] as int) * 12 + cast(period[6:7] as int) - 1",
                            n=7)
    annual = market.format(t="cast(period as int)", n=4)
    with registered(con, m_unit_factor=factors):
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


def store_volatilities(con: Any, window_years: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(market, unit_value)``: :func:`market_volatility` and
    :func:`unit_value_volatility` of the store for every year, computed once per store
    content and window (:func:`critmin.store.cache.cached`; shared: never assign into
    them). Neither depends on the commodities or the importer asked about."""
    from critmin.store.cache import cached

    return cached(con, ("store_volatilities", int(window_years)), lambda: (
        market_volatility(con, window_years), unit_value_volatility(con, window_years)))


def series_unit_factors(con: Any) -> pd.DataFrame:
    """``series, unit, target, factor, reason``: the factor from each unit of a market
    price series to the unit most of the series' rows have (ties: alphabetical);
    factor NULL with the reason where pint cannot convert (e.g. USD/t and USD/bbl)."""
    units = con.execute("""
        select series, unit, count(*) as n from price
        where basis = 'market' and commodity_id is not null group by all
        order by series, n desc, unit nulls last""").df()
    out = units[["series", "unit"]].copy()
    out["target"] = units.groupby("series", sort=False)["unit"].transform("first")
    out["factor"] = np.where(out["unit"] == out["target"], 1.0, np.nan)
    out["reason"] = pd.Series(None, index=out.index, dtype=object)
    other = out.index[out["factor"].isna()]  # pint only for the few series of two units
    for i in other:
        out.loc[i, "factor"], out.loc[i, "reason"] = unit_factor(out.at[i, "unit"],
                                                                 out.at[i, "target"])
    return out


def unit_factor(unit: str | None, target: str | None) -> tuple[float, str | None]:
    """(factor from ``unit`` to ``target``, None) or (NaN, reason): never a guess."""
    if unit == target:
        return 1.0, None
    if unit is None or target is None or pd.isna(unit) or pd.isna(target):
        return float("nan"), f"price unit {unit!r} cannot be compared with {target!r}"
    try:
        return float(convert(1.0, unit, target)), None
    except ValueError as exc:
        return float("nan"), f"prices in {unit} left out: not convertible to {target} ({exc})"


def price_unit_conflicts(con: Any) -> pd.DataFrame:
    """Market price rows left out of volatility because their unit cannot be converted
    to their series' main unit: ``series, unit, target, reason``."""
    f = series_unit_factors(con)
    return f[f["factor"].isna()][["series", "unit", "target", "reason"]].reset_index(
        drop=True)


def shared_code_reason(hs6: str, others: str, commodity: str) -> str:
    """Why a shared HS6 code's unit value is not one commodity's price (missing reason
    ``shared_hs_code`` of :mod:`critmin.catalog.reasons`)."""
    return reason("shared_hs_code", hs6=hs6, others=others, commodity=commodity)


def unit_value_volatility(con: Any, window_years: int = 10) -> pd.DataFrame:
    """Volatility of world trade unit values of each commodity stage's main HS6 code.

    Unit values come from the store's ``unit_value`` table (:mod:`critmin.store.derived`:
    ``Σ value / Σ quantity`` per HS6 and year, 1–99 % of flow unit values kept). A code
    with role ``shared`` (e.g. 261690, precious-metal ores: gold, palladium, platinum) is
    never one commodity's price: a stage whose codes are all shared gets NaN with the
    reason (:func:`shared_code_reason`) in ``detail`` for the years the code has values.
    Returns ``commodity_id, stage, year, volatility, n_returns, coverage, series, basis,
    detail``.
    """
    uv = "(select hs6 as series, year as t, price from unit_value)"
    out = con.execute(f"""
        with main as (
            select commodity_id, stage, first(hs6 order by role <> 'main', hs6) as hs6
            from commodity_stage where hs6 <> '' and role <> 'shared' group by all),
        shared as (
            select commodity_id, stage, min(hs6) as hs6 from commodity_stage
            where hs6 <> '' group by all having bool_and(role = 'shared')),
        sharers as (
            select hs6, list(distinct commodity_id order by commodity_id) as owners
            from commodity_stage where hs6 <> '' group by all),
        vol as ({volatility_sql(uv, 1, window_years)})
        select m.commodity_id, m.stage, v.year, v.volatility, v.n_returns, v.coverage,
               'uv:' || m.hs6 as series, 'unit_value' as basis, null as hs6,
               null as owners
        from main m join vol v on v.series = m.hs6
        union all
        select s.commodity_id, s.stage, v.year, null, v.n_returns, v.coverage,
               'uv:' || s.hs6, 'unit_value', s.hs6, o.owners
        from shared s join vol v on v.series = s.hs6 join sharers o on o.hs6 = s.hs6
        order by all""").df()
    shared = out["hs6"].notna().to_numpy()
    detail = np.full(len(out), note("note_window", window=window_years), dtype=object)
    detail[shared] = [shared_code_reason(h, ", ".join(x for x in owners if x != c), c)
                      for h, owners, c in zip(out["hs6"][shared].tolist(),
                                              out["owners"][shared].tolist(),
                                              out["commodity_id"][shared].tolist(),
                                              strict=True)]
    out["volatility"] = out["volatility"].astype(float)
    return out.drop(columns=["hs6", "owners"]).assign(detail=detail)
