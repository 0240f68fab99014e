"""Supply concentration of production: producer shares and the top producer.

methods.md §2: ``s_i = q_i / Q`` with ``Q = Σ_named q_i`` (plus any "Other countries"
remainder, which the bundled World Mining Data does not have); the top producer is the
named country with the largest share. Aggregate rows never reach this function: the
source adapters drop them.
"""

from __future__ import annotations

import pandas as pd

KEYS = ["commodity_id", "stage", "year"]


def producer_shares(production: pd.DataFrame) -> pd.DataFrame:
    """Each country's share of production per commodity, stage and year.

    Parameters
    ----------
    production : DataFrame
        Columns ``commodity_id, stage, year, iso3, quantity`` (one unit per
        commodity/stage, as in the store's ``production`` table).

    Returns
    -------
    DataFrame
        The input columns plus ``total`` (Σ q over countries, same unit) and ``share``
        (q / total, 0–1). Groups whose total is 0 get a missing share, not 0.
    """
    frame = production.copy()
    frame["total"] = frame.groupby(KEYS)["quantity"].transform("sum")
    frame["share"] = (frame["quantity"] / frame["total"]).where(frame["total"] > 0)
    return frame


def top_producers(production: pd.DataFrame) -> pd.DataFrame:
    """The largest producer per commodity, stage and year, with its share (top-1, T1).

    ``T1 = max_i q_i / Σ_i q_i`` (methods.md §2). Returns one row per group with
    ``top_iso3, top_quantity, top_share, total, n_producers`` (producers with q > 0).
    Ties are broken by ISO3 so the result is deterministic.
    """
    shares = producer_shares(production)
    shares = shares.sort_values(KEYS + ["quantity", "iso3"],
                                ascending=[True, True, True, False, True])
    top = shares.drop_duplicates(KEYS).rename(columns={
        "iso3": "top_iso3", "quantity": "top_quantity", "share": "top_share"})
    counts = (production[production["quantity"] > 0].groupby(KEYS).size()
              .rename("n_producers"))
    top = top.merge(counts, on=KEYS, how="left")
    top["n_producers"] = top["n_producers"].fillna(0).astype(int)
    return top[KEYS + ["top_iso3", "top_quantity", "top_share", "total", "n_producers"]
               ].reset_index(drop=True)
