"""Which source feeds an indicator when several cover the same figure.

Governance likewise: the WGI full release (six dimensions) is preferred to the bundle's
PV table per dimension and year; the bundle still supplies the years the release lacks.


World Mining Data (bundle) and USGS MCS (import) both report production. Both are
kept in the store; indicators take, for each commodity, stage and year, every row of
the first source in the preference order that has that figure — never a mix of
sources within one total. The choice is returned with the rows so ``--explain`` can
show it.

Default [C] ``usgs-mcs, wmd``: USGS MCS is the official release analysts cite, prints
"Other countries" remainders and world totals (so shares have a checked denominator)
and covers refinery stages; World Mining Data fills the years (2018–2022) and
commodities USGS does not cover. Set ``CRITMIN_PRODUCTION_PREFERENCE`` (comma-separated
source-id prefixes) or pass ``preference`` to change it.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from critmin.indicators.relational import key_list, run_sql
from critmin.store.production import OWN_PRODUCTION_PREFERENCE, rank_sql

DEFAULT_PRODUCTION_PREFERENCE = OWN_PRODUCTION_PREFERENCE
#: production rows an indicator may read: a series whose countries report different
#: things (content ``mixed:…``, e.g. USGS "Boron all types") gives no shares at all
USABLE_CONTENT = "not starts_with(content, 'mixed:')"
DEFAULT_GOVERNANCE_PREFERENCE = ("wgi-release", "wgi-bundle")


def production_preference() -> tuple[str, ...]:
    """The preference order in force (environment, else the default)."""
    env = os.environ.get("CRITMIN_PRODUCTION_PREFERENCE", "")
    chosen = tuple(p.strip() for p in env.split(",") if p.strip())
    return chosen or DEFAULT_PRODUCTION_PREFERENCE


def source_rank(source_ids: pd.Series, preference: tuple[str, ...]) -> pd.Series:
    """Rank of each source id: index of the first preference prefix it starts with.

    Sources matching no prefix rank after all preferred ones.
    """
    def rank(sid: str) -> int:
        return next((i for i, p in enumerate(preference) if sid.startswith(p)), len(preference))

    ranks = {sid: rank(sid) for sid in source_ids.unique()}
    return source_ids.map(ranks)


def choose_sources(rows: pd.DataFrame, keys: list[str], preference: tuple[str, ...],
                   alternatives: bool = True) -> pd.DataFrame:
    """Per group of ``keys``, the chosen ``source_id`` (and the ``alternatives``).

    Lowest rank wins; between sources of one rank the larger id (newer edition) wins.
    """
    cand = rows[keys + ["source_id"]].drop_duplicates().copy()
    cand["rank"] = source_rank(cand["source_id"], preference)
    cand = cand.sort_values(keys + ["rank", "source_id"],
                            ascending=[True] * len(keys) + [True, False])
    chosen = cand.drop_duplicates(keys)
    if not alternatives:
        return chosen[keys + ["source_id"]]
    alts = (cand.groupby(keys)["source_id"].agg(list).rename("all_sources").reset_index())
    out = chosen[keys + ["source_id"]].merge(alts, on=keys)
    out["alternatives"] = [[s for s in a if s != c]
                           for a, c in zip(out["all_sources"], out["source_id"], strict=True)]
    return out.drop(columns="all_sources")


def production_rows(con: Any, commodity_ids: list[str] | None = None,
                    years: list[int] | None = None) -> pd.DataFrame:
    """Production rows of every source (for the given commodities and years)."""
    where, params = [USABLE_CONTENT], []
    if commodity_ids is not None:
        where.append("commodity_id in (select unnest(?))")
        params.append(commodity_ids)
    if years is not None:
        where.append("year in (select unnest(?))")
        params.append(years)
    sql = ("select commodity_id, stage, year, iso3, quantity, unit, flag, source_id, content "
           "from production" + (" where " + " and ".join(where) if where else ""))
    return con.execute(sql, params).df()


def preferred_sql(relation: str, keys: list[str], preference: tuple[str, ...]) -> str:
    """SQL of :func:`preferred_rows` over ``relation`` (which has ``source_id``): the
    choice is made on the few distinct (keys, source) pairs, then the rows kept."""
    cols = key_list(keys)
    return f"""
        select * from {relation}
        semi join (
            select {cols}, source_id from (select distinct {cols}, source_id from {relation})
            qualify row_number() over (
                partition by {cols} order by {rank_sql(preference)}, source_id desc) = 1
        ) using ({cols}, source_id)"""


def preferred_production_sql(preference: tuple[str, ...], commodity_filter: bool = False,
                             year_filter: bool = False) -> str:
    """SQL of the store's production rows of the preferred source per commodity, stage
    and year; the filters read the views ``m_filter`` (commodity_id) and ``m_want``
    (year)."""
    where = (["commodity_id in (select commodity_id from m_filter)"] if commodity_filter
             else []) + (["year in (select year from m_want)"] if year_filter else []) + [
        USABLE_CONTENT]
    relation = ("(select commodity_id, stage, year, iso3, quantity, source_id from production"
                + (" where " + " and ".join(where) if where else "") + ")")
    return preferred_sql(relation, ["commodity_id", "stage", "year"], preference)


def preferred_rows(rows: pd.DataFrame, keys: list[str], preference: tuple[str, ...]
                   ) -> pd.DataFrame:
    """Keep, per group of ``keys``, the rows of the preferred source (as
    :func:`choose_sources` picks it)."""
    if rows.empty:
        return rows
    sql = (f"select * exclude (_row) from ({preferred_sql('rows_in', keys, preference)}) "
           "order by _row")
    out = run_sql(sql, rows_in=rows.assign(_row=range(len(rows))))
    return out.astype(rows.dtypes.to_dict())


def preferred_production(rows: pd.DataFrame, preference: tuple[str, ...] | None = None
                         ) -> pd.DataFrame:
    """Production rows of the preferred source per commodity, stage and year."""
    return preferred_rows(rows, ["commodity_id", "stage", "year"],
                          preference or production_preference())


def governance_rows(con: Any) -> pd.DataFrame:
    """Governance rows of every source."""
    return con.execute("select iso3, year, dimension, estimate, std_error, source_id "
                       "from governance").df()


def preferred_governance(rows: pd.DataFrame,
                         preference: tuple[str, ...] = DEFAULT_GOVERNANCE_PREFERENCE
                         ) -> pd.DataFrame:
    """Governance rows of the preferred source per dimension and year."""
    return preferred_rows(rows, ["dimension", "year"], preference)


def store_governance(con: Any) -> pd.DataFrame:
    """The store's governance rows of the preferred source per dimension and year
    (:func:`preferred_governance` of :func:`governance_rows`), read once per store
    content (:func:`critmin.store.cache.cached`; shared: never assign into it)."""
    from critmin.store.cache import cached

    return cached(con, ("preferred_governance", DEFAULT_GOVERNANCE_PREFERENCE),
                  lambda: preferred_governance(governance_rows(con)))


def window_series(rows: pd.DataFrame, years: list[int], preference: tuple[str, ...],
                  keys: tuple[str, ...] = ("commodity_id", "stage")) -> pd.DataFrame:
    """Rows of ONE source per series over a window of ``years`` (DESIGN "Content basis").

    Per group of ``keys``: the first source by ``preference`` that has rows in every
    year, else the source with rows in the most years (ties by preference); only that
    source's rows are kept, so a window average never mixes two sources (or two content
    bases: World Mining Data's Li2O and USGS's Li). Rows without a quantity (withheld)
    count as the source covering the year.
    """
    if rows.empty:
        return rows
    inside = rows[rows["year"].isin(years)]
    cover = (inside.groupby([*keys, "source_id"])["year"].nunique().rename("n_years")
             .reset_index())
    cover["rank"] = source_rank(cover["source_id"], preference)
    cover = cover.sort_values([*keys, "n_years", "rank", "source_id"],
                              ascending=[True] * len(keys) + [False, True, False])
    chosen = cover.drop_duplicates(list(keys))[[*keys, "source_id"]]
    return inside.merge(chosen, on=[*keys, "source_id"])


def reserves_rows(con: Any, commodity_ids: list[str],
                  preference: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Reserves rows of the preferred source per commodity and year, with a quantity
    and of the commodity's own content (all-PGM reserves on the palladium row, content
    ``group:PGM``, are not palladium's): ``commodity_id, iso3, year, quantity, flag,
    source_id``."""
    relation = ("(select r.commodity_id, r.iso3, r.year, r.quantity, r.flag, r.source_id "
                "from reserves r join content_factor f on f.commodity_id = r.commodity_id "
                "and f.stage = 'mining' and f.content = r.content where f.factor is not null "
                "and r.quantity is not null and r.commodity_id in (select unnest($1)))")
    sql = preferred_sql(relation, ["commodity_id", "year"],
                        preference or production_preference())
    return con.execute(sql, [commodity_ids]).df()
