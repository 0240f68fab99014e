"""Supply concentration of production: producer shares and the top producer.

methods.md §2: ``s_i = q_i / Q`` with ``Q = Σ_named q_i + q_o``, where ``q_o`` is a
source's "Other countries" remainder (rows with a missing ``iso3``): it counts in the
total but is never a country, never ranked. The top producer is the named country with
the largest share. World totals never reach this function: adapters keep them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from critmin.indicators.relational import key_list, run_sql

KEYS = ["commodity_id", "stage", "year"]


def hhi(shares: np.ndarray | pd.Series | Sequence[float]) -> float:
    """Herfindahl–Hirschman index ``H = Σ_i s_i²`` of fractional shares (0–1).

    methods.md §2 (Herfindahl 1950; Hirschman 1945). ``shares`` are the parts of one
    whole (they sum to 1, or less when a remainder is not a country). Missing shares
    count as absent; no share at all gives NaN, never 0.
    """
    s = np.asarray(shares, dtype=float)
    s = s[~np.isnan(s)]
    return float(np.dot(s, s)) if s.size else float("nan")


def shares_within(quantity: pd.Series, groups: list[pd.Series] | pd.DataFrame) -> pd.Series:
    """Each row's share of its group's total, ``s_i = q_i / Σ_group q`` (methods.md §2);
    a group whose total is not positive gets a missing share, never 0."""
    keys = [groups[c] for c in groups.columns] if isinstance(groups, pd.DataFrame) \
        else list(groups)
    total = quantity.groupby(keys, observed=True, dropna=False).transform("sum")
    return (quantity / total).where(total > 0)


def hhi_by(frame: pd.DataFrame, keys: list[str], quantity: str) -> pd.Series:
    """:func:`hhi` of each group of ``frame``: ``H_g = Σ_{i∈g} (q_i / Σ_{j∈g} q_j)²``
    (methods.md §2), indexed by ``keys``. Rows with q ≤ 0 or missing count as absent."""
    f = frame[frame[quantity] > 0]
    s = shares_within(f[quantity], f[keys])
    return (s * s).groupby([f[k] for k in keys], observed=True).sum(min_count=1).rename("hhi")


def top_n_share(shares: np.ndarray | pd.Series | Sequence[float], n: int) -> float:
    """Top-N share ``T_N = Σ_{k=1..N} s_(k)``: the sum of the N largest shares
    (methods.md §2; T1 = the largest producer's share). NaN when there is no share."""
    s = np.asarray(shares, dtype=float)
    s = np.sort(s[~np.isnan(s)])[::-1]
    return float(s[:n].sum()) if s.size else float("nan")


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


def concentration_sql(relation: str, by: tuple[str, ...] = ()) -> str:
    """SQL of :func:`concentration` over ``relation`` (columns of ``production``).

    Two aggregations and no window: per group the total ``Q`` and the largest named
    quantity, then per group the shares' sums. ``T3`` sums the three largest named shares
    (DuckDB's ``max(x, 3)``); the top country is the first ISO3, alphabetically, of those
    with the largest quantity (of all named rows when no quantity is known), as
    :func:`top_producers` breaks ties.
    """
    keys = key_list(KEYS + list(by))
    same = " and ".join(f'r."{k}" is not distinct from g."{k}"' for k in KEYS + list(by))
    return f"""
        with r as (select {keys}, iso3, quantity from {relation})
        select {keys},
               case when any_value(total) > 0 then
                   sum(share * share) filter (where iso3 is not null) end as hhi,
               case when any_value(total) > 0 then
                   max(share) filter (where iso3 is not null) end as top1_share,
               case when any_value(total) > 0 then
                   list_sum(max(share, 3) filter (where iso3 is not null)) end as top3_share,
               min(iso3) filter (where iso3 is not null
                                 and (quantity = top_q or top_q is null)) as top_iso3,
               any_value(total) as total,
               count(*) filter (where iso3 is not null and quantity > 0) as n_producers,
               coalesce(sum(share) filter (where iso3 is null), 0.0) as remainder_share
        from (  -- joined on keys not distinct: a group with a NULL key stays
            select r.*, g.total, g.top_q,
                   case when g.total > 0 then r.quantity / g.total end as share
            from r join (select {keys}, sum(quantity) as total,
                                max(quantity) filter (where iso3 is not null) as top_q
                         from r group by {keys}) g on {same})
        group by {keys}
        having count(*) filter (where iso3 is not null) > 0"""


def production_concentration_sql(production: str) -> str:
    """SQL of :func:`concentration` per commodity, stage and year of the preferred
    production rows in ``production`` (one source per group), with that
    ``production_source``."""
    return (f"select * rename (source_id as production_source) "
            f"from ({concentration_sql(production, by=('source_id',))})")


def concentration(production: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Country HHI, top-1 and top-3 shares and the top country per group.

    ``HHI = Σ_named s_i²`` (0–1, fractional; a remainder adds to the total only, so the
    HHI is then a lower bound), ``T1 = s_(1)``, ``T3 = s_(1) + s_(2) + s_(3)`` over named
    producers (methods.md §2). Returns one row per commodity/stage/year (and ``by``) with
    ``hhi, top1_share, top3_share, top_iso3, total, n_producers, remainder_share``; a
    group whose total is 0 has missing shares, not 0.
    """
    keys = KEYS + list(by)
    if production.empty:
        return pd.DataFrame(columns=keys + ["hhi", "top1_share", "top3_share", "top_iso3",
                                            "total", "n_producers", "remainder_share"])
    frame = production[keys + ["iso3", "quantity"]].astype({"quantity": float})
    out = run_sql(concentration_sql("production_in", by), production_in=frame)
    return out.sort_values(keys, ignore_index=True)
