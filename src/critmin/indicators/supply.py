"""Import reliance, secondary supply and reserve life (methods.md §7).

- ``NIR = (I − E) / (P + I − E)`` in [0, 1]; a net exporter (I ≤ E) is 0 and flagged.
  The engine (:mod:`critmin.indicators.engine`) calls it on one basis: I and E are the
  stage's trade tonnes put on its canonical content basis, P the importer's own
  production on that basis (:mod:`critmin.store.production`); where they do not
  convert the NIR is missing ("mixed basis"), never computed.
- End-of-life recycling input rate from the store (``recycling``, metric EOL-RIR).
- Scrap share of imports ``F(scrap) / (F(scrap) + F(mining) + F(refining))``, value
  basis by default (gross weights of different materials do not add up) [C].
- Reserve life ``RL = R / mean(q over the latest 3 years ≤ the reserves year)`` [C],
  in years, not a depletion date, from one production source on the reserves' basis;
  reserve HHI and top-1 share as for production.
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


def reserves_concentration(con: Any, preference: tuple[str, ...]) -> pd.DataFrame:
    """HHI and top shares of reserves per commodity and year (stage ``mining``), one
    query over the store's ``reserves``: the preferred source per commodity and year
    only (:func:`critmin.indicators.inputs.preferred_sql`), rows of one content basis
    (group totals such as all-PGM reserves, whose content is not the commodity's, are
    left out), with the real ``source_ids``."""
    from critmin.indicators.inputs import preferred_sql

    reserves = ("(select r.commodity_id, 'mining' as stage, r.year, r.iso3, r.quantity, "
                "r.source_id from reserves r join content_factor f on f.commodity_id = "
                "r.commodity_id and f.stage = 'mining' and f.content = r.content "
                "where f.factor is not null)")
    chosen = f"({preferred_sql(reserves, ['commodity_id', 'year'], preference)})"
    return con.execute(concentration_sql(chosen, by=("source_id",)) + " order by all").df(
        ).rename(columns={"source_id": "source_ids"})


def reserve_life_sql(preference: tuple[str, ...], years_of_production: int = 3) -> str:
    """SQL of world reserve life per commodity and reserves year, one basis, one source.

    ``RL = R / mean(Q_t)`` over the production years ``t`` in (year − n, year] [C], where
    R is world reserves (the preferred reserves source, on the mining stage's canonical
    basis: ``content_factor``) and ``Q_t`` world mine production (named producers plus
    remainder) of ONE source for the whole window: the first source by ``preference``
    that covers every year, else the one covering most years (methods.md §7; DESIGN
    "Content basis"). Rows that do not convert to the canonical basis (gross ore against
    contained metal, all-PGM reserves against palladium) never enter either side.
    Columns: ``commodity_id, year, reserve_life, production_years, production_source,
    reserves_source, lower_bound``.
    """
    from critmin.indicators.inputs import rank_sql

    n = int(years_of_production)
    return f"""
        with res_all as (
            select r.commodity_id, r.year, r.source_id, sum(r.quantity * f.factor) as reserves,
                   bool_or(r.flag like '%lower_bound%') as lower_bound
            from reserves r
            join content_factor f on f.commodity_id = r.commodity_id and f.stage = 'mining'
                 and f.content = r.content
            where f.factor is not null and r.quantity is not null
            group by all),
        res as (
            select * from res_all
            qualify row_number() over (partition by commodity_id, year
                order by {rank_sql(preference)}, source_id desc) = 1),
        prod as (
            select p.commodity_id, p.year, p.source_id, sum(p.quantity * f.factor) as q
            from production p
            join content_factor f using (commodity_id, stage, content)
            where p.stage = 'mining' and f.factor is not null
            group by all),
        cand as (
            select r.commodity_id, r.year, r.reserves, r.lower_bound,
                   r.source_id as reserves_source, p.source_id as production_source,
                   count(*) as production_years, avg(p.q) as q
            from res r join prod p on p.commodity_id = r.commodity_id
                 and p.year <= r.year and p.year > r.year - {n}
            group by all)
        select commodity_id, year, case when q > 0 then reserves / q end as reserve_life,
               production_years, production_source, reserves_source, lower_bound
        from cand
        qualify row_number() over (partition by commodity_id, year
            order by production_years = {n} desc, production_years desc,
                     {rank_sql(preference, "production_source")},
                     production_source desc) = 1"""
