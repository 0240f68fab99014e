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

import numpy as np
import pandas as pd

SIX = ("VA", "PV", "GE", "RQ", "RL", "CC")
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


def country_risk(governance: pd.DataFrame, dimensions: tuple[str, ...],
                 min_dimensions: int = 4) -> pd.DataFrame:
    """Risk per country and year from governance rows (one source per dimension/year).

    Returns ``iso3, year, wgi_mean, risk, wgi_star, n_dimensions``; a country-year with
    fewer than ``min(min_dimensions, len(dimensions))`` dimensions is left out (missing).
    """
    rows = governance[governance["dimension"].isin(dimensions)]
    agg = rows.groupby(["iso3", "year"]).agg(wgi_mean=("estimate", "mean"),
                                              n_dimensions=("estimate", "size")).reset_index()
    agg = agg[agg["n_dimensions"] >= min(min_dimensions, len(dimensions))]
    agg["risk"] = risk_from_estimate(agg["wgi_mean"])
    agg["wgi_star"] = eu_wgi_scaled(agg["wgi_mean"])
    return agg


def risk_for_years(risk: pd.DataFrame, years: list[int], max_lag: int = 2) -> pd.DataFrame:
    """Risk of every country for each of ``years``, carrying back at most ``max_lag`` years.

    Returns ``iso3, year, risk, wgi_star, wgi_mean, lag`` (``lag`` = years carried).
    """
    grid = pd.DataFrame({"year": sorted(set(years))})
    out = []
    for lag in range(max_lag + 1):
        shifted = risk.assign(year=risk["year"] + lag, lag=lag)
        out.append(grid.merge(shifted, on="year"))
    both = pd.concat(out, ignore_index=True).sort_values(["iso3", "year", "lag"])
    return both.drop_duplicates(["iso3", "year"])[
        ["iso3", "year", "risk", "wgi_star", "wgi_mean", "lag"]].reset_index(drop=True)
