"""Supply concentration of production: producer shares and the top producer.

methods.md §2: ``s_i = q_i / Q`` with ``Q = Σ_named q_i + q_o``, where ``q_o`` is a
source's "Other countries" remainder (rows with a missing ``iso3``): it counts in the
total but is never a country, never ranked. The top producer is the named country with
the largest share. World totals never reach this function: adapters keep them apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["commodity_id", "stage", "year"]


def producer_shares(production: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Each country's share of production per commodity, stage and year.

    Parameters
    ----------
    production : DataFrame
        Columns ``commodity_id, stage, year, iso3, quantity`` (one unit per
        commodity/stage, as in the store's ``production`` table).

    Returns
    -------
    DataFrame
        The input columns plus ``total`` (Σ q over countries and remainder, same unit)
        and ``share`` (q / total, 0–1). Groups whose total is 0 get a missing share,
        not 0.
    by : tuple of str
        Extra grouping columns, e.g. ``("source_id",)`` to compare sources.
    """
    frame = production.copy()
    frame["total"] = frame.groupby(KEYS + list(by))["quantity"].transform("sum")
    frame["share"] = (frame["quantity"] / frame["total"]).where(frame["total"] > 0)
    return frame


def top_producers(production: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The largest producer per commodity, stage and year, with its share (top-1, T1).

    ``T1 = max_i q_i / Σ_i q_i`` (methods.md §2). Returns one row per group with
    ``top_iso3, top_quantity, top_share, total, n_producers`` (producers with q > 0).
    Ties are broken by ISO3 so the result is deterministic. ``by`` adds grouping
    columns (as in :func:`producer_shares`).
    """
    keys = KEYS + list(by)
    shares = producer_shares(production, by)
    shares = shares[shares["iso3"].notna()]
    shares = shares.sort_values(keys + ["quantity", "iso3"],
                                ascending=[True] * len(keys) + [False, True])
    top = shares.drop_duplicates(keys).rename(columns={
        "iso3": "top_iso3", "quantity": "top_quantity", "share": "top_share"})
    named = production[production["iso3"].notna() & (production["quantity"] > 0)]
    counts = named.groupby(keys).size().rename("n_producers")
    top = top.merge(counts, on=keys, how="left")
    top["n_producers"] = top["n_producers"].fillna(0).astype(int)
    return top[keys + ["top_iso3", "top_quantity", "top_share", "total", "n_producers"]
               ].reset_index(drop=True)


def concentration(production: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Country HHI, top-1 and top-3 shares and the top country per group.

    ``HHI = Σ_named s_i²`` (0–1, fractional; a remainder adds to the total only, so the
    HHI is then a lower bound), ``T1 = s_(1)``, ``T3 = s_(1) + s_(2) + s_(3)`` over named
    producers (methods.md §2). Returns one row per commodity/stage/year (and ``by``) with
    ``hhi, top1_share, top3_share, top_iso3, total, n_producers, remainder_share``.
    """
    keys = KEYS + list(by)
    shares = producer_shares(production, by)
    named = shares[shares["iso3"].notna()].copy()
    named = named.sort_values(keys + ["quantity", "iso3"],
                              ascending=[True] * len(keys) + [False, True])
    named["rank"] = named.groupby(keys).cumcount()
    named["s2"] = named["share"] ** 2
    named["s3"] = named["share"].where(named["rank"] < 3, 0.0)
    named["producing"] = (named["quantity"] > 0).astype(int)
    agg = named.groupby(keys).agg(
        hhi=("s2", "sum"), top1_share=("share", "first"), top3_share=("s3", "sum"),
        top_iso3=("iso3", "first"), total=("total", "first"),
        n_producers=("producing", "sum")).reset_index()
    rem = shares[shares["iso3"].isna()].groupby(keys)["share"].sum().rename(
        "remainder_share")
    agg = agg.merge(rem, on=keys, how="left")
    agg["remainder_share"] = agg["remainder_share"].fillna(0.0)
    # a group whose total is 0 has no shares: keep it missing, not 0
    agg.loc[agg["total"] <= 0, ["hhi", "top1_share", "top3_share"]] = np.nan
    return agg
