"""Governance risk of a country on 0–1 (1 = worst) from the World Bank WGI.

methods.md §4:

- GeoPolRisk, political stability only: ``g = clip((2.5 − PV) / 5, 0, 1)``  [S]
- six-dimension mean: ``W̄ = mean_d W_d``, ``g = clip((2.5 − W̄) / 5, 0, 1)``; a country
  needs at least ``min_dimensions`` (default 4 [C]) of the six that year
- EU CRM scale 0–10: ``WGI* = 5 − 2·W̄``, clipped to [0, 10] [U; clip C]

A year without WGI (1997, 1999, 2001; the latest trade year) takes the nearest earlier
year at most ``max_lag`` (default 2 [C]) years back, and says so in ``lag``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.indicators.inputs import (
    DEFAULT_GOVERNANCE_PREFERENCE,
    preferred_sql,
    store_governance,
)
from critmin.indicators.relational import run_sql, sql_text

SIX = ("VA", "PV", "GE", "RQ", "RL", "CC")
MISSING_GOVERNANCE_RISK = 0.5
"""Risk of a partner without WGI data [C]: the middle of the 0–1 scale, as geopolrisk-py
(methods.md §4). Options accept ``"exclude"`` instead (leave such partners out)."""
WGI_BEST = 2.5  # WGI estimates run roughly −2.5 (worst) … +2.5 (best)
WGI_SPAN = 5.0


def risk_from_estimate(estimate: np.ndarray | pd.Series) -> np.ndarray:
    """Governance risk ``g = clip((2.5 − W) / 5, 0, 1)`` for WGI estimates ``W``.

    Parameters
    ----------
    estimate : array of float
        WGI estimate(s), standard-normal units (≈ −2.5 worst … +2.5 best).

    Returns
    -------
    ndarray
        Risk on 0–1, 1 = worst (GeoPolRisk normalisation, Koyamparambath et al. 2024).
    """
    return np.clip((WGI_BEST - np.asarray(estimate, dtype=float)) / WGI_SPAN, 0.0, 1.0)


def governance_weighted_share(shares: np.ndarray | pd.Series, risk: np.ndarray | pd.Series,
                              missing_risk: float = MISSING_GOVERNANCE_RISK) -> float:
    """Governance-weighted share ``G = Σ_i s_i · g_i`` (methods.md §4): the shares
    ``s_i`` of one whole weighted by each partner's risk ``g_i`` (0–1); a partner without
    risk takes ``missing_risk``. NaN when there is no share."""
    s = np.asarray(shares, dtype=float)
    g = np.asarray(risk, dtype=float)
    g = np.where(np.isnan(g), missing_risk, g)
    ok = ~np.isnan(s)
    return float(np.dot(s[ok], g[ok])) if ok.any() else float("nan")


def governance_weighted_by(frame: pd.DataFrame, keys: list[str], quantity: str, risk: str,
                           missing_risk: float = MISSING_GOVERNANCE_RISK) -> pd.Series:
    """:func:`governance_weighted_share` of each group of ``frame``:
    ``G_g = Σ_{i∈g} (q_i / Σ_{j∈g} q_j) · g_i``, indexed by ``keys`` (q ≤ 0 absent)."""
    from critmin.indicators.concentration import shares_within

    f = frame[frame[quantity] > 0]
    s = shares_within(f[quantity], f[keys])
    g = f[risk].astype(float).fillna(missing_risk)
    return (s * g).groupby([f[k] for k in keys], observed=True).sum(min_count=1).rename(
        "governance")


def eu_wgi_scaled(estimate: np.ndarray | pd.Series) -> np.ndarray:
    """EU CRM scaled WGI ``WGI* = 5 − 2·W``, clipped to [0, 10] (10 = worst)."""
    return np.clip(5.0 - 2.0 * np.asarray(estimate, dtype=float), 0.0, 10.0)


def resolve_dimensions(available: set[str], dimensions: str | tuple[str, ...]) -> tuple[str, ...]:
    """The WGI dimensions to average.

    ``"auto"``: all six when the store has them (the WGI release was imported), else PV;
    ``"pv"``: PV alone; ``"six"``: the six; or an explicit tuple.
    """
    if dimensions == "auto":
        return SIX if set(SIX) <= available else ("PV",)
    if dimensions == "pv":
        return ("PV",)
    if dimensions == "six":
        return SIX
    return tuple(dimensions)


def risk_sql(estimate: str) -> str:
    """SQL of :func:`risk_from_estimate` for a column (NULL stays NULL)."""
    return (f"(case when {estimate} is not null then greatest(0.0, least(1.0, "
            f"({WGI_BEST!r} - {estimate}) / {WGI_SPAN!r})) end)")


def eu_wgi_sql(estimate: str) -> str:
    """SQL of :func:`eu_wgi_scaled` for a column (NULL stays NULL)."""
    return (f"(case when {estimate} is not null then "
            f"greatest(0.0, least(10.0, 5.0 - 2.0 * {estimate})) end)")


def country_risk_sql(relation: str, dimensions: tuple[str, ...], min_dimensions: int = 4
                     ) -> str:
    """SQL of :func:`country_risk` over governance rows in ``relation``."""
    dims = ", ".join(sql_text(d) for d in dimensions)
    need = min(min_dimensions, len(dimensions))
    return f"""
        select iso3, year, wgi_mean, {risk_sql("wgi_mean")} as risk,
               {eu_wgi_sql("wgi_mean")} as wgi_star, n_dimensions
        from (select iso3, year, avg(estimate) as wgi_mean, count(*) as n_dimensions
              from {relation} where dimension in ({dims}) group by iso3, year)
        where n_dimensions >= {need}"""


def risk_for_years_sql(relation: str, years: str, max_lag: int = 2) -> str:
    """SQL of :func:`risk_for_years`: ``relation`` is country risk, ``years`` a relation
    with a ``year`` column."""
    return f"""
        select r.iso3, g.year, r.risk, r.wgi_star, r.wgi_mean, g.year - r.year as lag
        from (select distinct year from {years}) g
        join {relation} r on r.year between g.year - {int(max_lag)} and g.year
        qualify row_number() over (partition by r.iso3, g.year order by r.year desc) = 1"""


def store_risk_sql(dimensions: tuple[str, ...], years: str, min_dimensions: int = 4,
                   max_lag: int = 2) -> str:
    """SQL of the risk of every country for each year of the relation ``years``, from
    the store's governance rows of the preferred source per dimension and year
    (:func:`country_risk` then :func:`risk_for_years`)."""
    gov = preferred_sql("governance", ["dimension", "year"], DEFAULT_GOVERNANCE_PREFERENCE)
    return risk_for_years_sql(f"({country_risk_sql(f'({gov})', dimensions, min_dimensions)})",
                              years, max_lag)


def country_risk(governance: pd.DataFrame, dimensions: tuple[str, ...],
                 min_dimensions: int = 4) -> pd.DataFrame:
    """Risk per country and year from governance rows (one source per dimension/year).

    Returns ``iso3, year, wgi_mean, risk, wgi_star, n_dimensions``; a country-year with
    fewer than ``min(min_dimensions, len(dimensions))`` dimensions is left out (missing).
    """
    frame = governance[["iso3", "year", "dimension", "estimate"]].astype({"estimate": float})
    sql = country_risk_sql("gov_in", dimensions, min_dimensions) + " order by iso3, year"
    return run_sql(sql, gov_in=frame)


def risk_for_years(risk: pd.DataFrame, years: list[int], max_lag: int = 2) -> pd.DataFrame:
    """Risk of every country for each of ``years``, carrying back at most ``max_lag`` years.

    Returns ``iso3, year, risk, wgi_star, wgi_mean, lag`` (``lag`` = years carried).
    """
    grid = pd.DataFrame({"year": sorted({int(y) for y in years})}, dtype="int64")
    sql = risk_for_years_sql("risk_in", "years_in", max_lag) + " order by iso3, year"
    return run_sql(sql, risk_in=risk[["iso3", "year", "risk", "wgi_star", "wgi_mean"]],
                   years_in=grid)


def store_dimensions(con: Any, dimensions: str | tuple[str, ...] = "auto") -> tuple[str, ...]:
    """:func:`resolve_dimensions` against the dimensions the store's governance rows have
    (:func:`critmin.indicators.inputs.store_governance`), resolved once per store
    content (:func:`critmin.store.cache.cached`)."""
    from critmin.store.cache import cached

    key = dimensions if isinstance(dimensions, str) else tuple(dimensions)
    return cached(con, ("store_dimensions", key), lambda: resolve_dimensions(
        set(store_governance(con)["dimension"].unique()), dimensions))


def store_country_risk(con: Any, years: list[int], dimensions: str | tuple[str, ...] = "auto",
                       min_dimensions: int = 4) -> pd.DataFrame:
    """Every country's risk in ``years`` from the store's governance rows:
    :func:`risk_for_years` of :func:`country_risk` over the WGI ``dimensions``
    (:func:`store_dimensions`), computed once per store content and arguments
    (:func:`critmin.store.cache.cached`; shared: never assign into it)."""
    from critmin.store.cache import cached

    dims = store_dimensions(con, dimensions)
    wanted = tuple(sorted({int(y) for y in years}))
    return cached(con, ("store_country_risk", wanted, dims, min_dimensions),
                  lambda: risk_for_years(country_risk(store_governance(con), dims,
                                                      min_dimensions), list(wanted)))
