"""Import reliance, secondary supply and reserve life (methods.md §7).

- ``NIR = (I − E) / (P + I − E)`` in [0, 1]; a net exporter (I ≤ E) is 0 and flagged.
  I and E are gross trade weights of the stage's HS codes, P the importer's production
  of the stage (contained units): the mixed basis is flagged (``basis = mixed``).
- End-of-life recycling input rate from the store (``recycling``, metric EOL-RIR).
- Scrap share of imports ``F(scrap) / (F(scrap) + F(mining) + F(refining))``, value
  basis by default (gross weights of different materials do not add up) [C].
- Reserve life ``RL = R / mean(q over the latest 3 years ≤ the reserves year)`` [C],
  in years, not a depletion date; reserve HHI and top-1 share as for production.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.indicators.concentration import concentration_sql


def net_import_reliance(imports_t: np.ndarray, exports_t: np.ndarray,
                        production_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Net import reliance ``NIR = (I − E) / (P + I − E)`` clipped to [0, 1].

    Parameters
    ----------
    imports_t, exports_t : array of float
        Gross imports and exports of the stage's HS codes, t (NaN counts as 0).
    production_t : array of float
        The importer's own production of the stage, t contained (NaN counts as 0).

    Returns
    -------
    (nir, net_exporter)
        ``nir`` is 0 for a net exporter (I ≤ E), NaN where apparent consumption
        ``P + I − E`` is not positive; ``net_exporter`` flags I ≤ E (methods.md §7).
    """
    net = np.nan_to_num(imports_t) - np.nan_to_num(exports_t)
    consumption = np.nan_to_num(production_t) + net
    net_exporter = net <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.clip(net / np.where(consumption > 0, consumption, np.nan), 0.0, 1.0)
    return np.where(net_exporter, 0.0, ratio), net_exporter


def reserve_life(reserves: pd.DataFrame, production: pd.DataFrame,
                 years_of_production: int = 3) -> pd.DataFrame:
    """World reserve life per commodity and reserves year.

    ``reserves``: ``commodity_id, year, quantity`` (world, t); ``production``:
    ``commodity_id, year, quantity`` (world, t, mine stage). Returns
    ``commodity_id, year, reserve_life, production_years``; NaN where no production
    year falls in the window.
    """
    pairs = reserves.merge(production.rename(columns={"year": "pyear", "quantity": "q"}),
                           on="commodity_id", how="left")
    inside = (pairs["pyear"] <= pairs["year"]) & (
        pairs["pyear"] > pairs["year"] - years_of_production)
    mean = (pairs[inside].groupby(["commodity_id", "year"])["q"]
            .agg(["mean", "size"]).reset_index())
    out = reserves.merge(mean, on=["commodity_id", "year"], how="left")
    out["reserve_life"] = out["quantity"] / out["mean"].where(out["mean"] > 0)
    out["production_years"] = out["size"].fillna(0).astype(int)
    return out[["commodity_id", "year", "reserve_life", "production_years"]]


def reserves_concentration(con: Any) -> pd.DataFrame:
    """HHI and top shares of reserves per commodity and year (stage ``mining``), one
    query over the store's ``reserves`` (:func:`concentration_sql`)."""
    reserves = ("(select commodity_id, 'mining' as stage, year, iso3, quantity "
                "from reserves)")
    return con.execute(concentration_sql(reserves) + " order by all").df()
