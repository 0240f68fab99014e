"""The sums behind GeoPolRisk (docs/methods.md §5), as SQL over the store's relations.

Two DuckDB queries, composed from the engine's fragments (preferred production,
concentration, partner flows, governance risk, own production):

- per commodity stage and year, ``HHI = Σ_i s_i²`` of the preferred production source
  (:func:`critmin.indicators.concentration.production_concentration_sql`);
- per importer × HHI row, in one pass over the trade rows of those years:
  ``Σ f·g`` (numerator), ``F`` (imports_t), ``Σ value`` over flows with a quantity,
  partners, the tonnes whose partner has no governance, and the importer's own
  production ``p`` on the stage's trade basis (with the mixed-basis and unknown flags).

:func:`critmin.methods.geopolrisk.geopolrisk` applies the formulas to these sums.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.indicators.concentration import production_concentration_sql
from critmin.indicators.governance import store_risk_sql
from critmin.indicators.imports import missing_rule_sql
from critmin.indicators.inputs import preferred_production_sql, production_preference
from critmin.indicators.relational import registered
from critmin.indicators.trade import (
    Members,
    keyed,
    members_frame,
    multi_member,
    partner_flows_sql,
)
from critmin.store.production import own_production_sql


def geopolrisk_sums(con: Any, importers: Members, commodity_ids: list[str] | None,
                    years: list[int] | None, missing_governance: float | str = 0.5,
                    intra_group: str = "exclude", dimensions: tuple[str, ...] = ("PV",)
                    ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(hhi, cells)``: the HHI rows (``commodity_id, stage, year, hhi,
    production_source, cs_ix, has_trade``: whether the store has trade in the stage that
    year, from any importer) and, as NumPy arrays, the sums of every importer × HHI
    row with trade (``i_ix`` indexes ``importers``, ``h_ix`` the HHI rows): ``numerator,
    imports_t, value_q, miss, n_partners, domestic_t, mixed_basis, domestic_unknown``.
    A partner without governance counts with ``missing_governance`` (or is left out:
    ``'exclude'``); ``intra_group='keep'`` keeps a group's members in F with g = 0."""
    g, keep = missing_rule_sql(missing_governance, "risk")
    if intra_group == "keep":  # geopolrisk-py: members stay in F with g = 0
        g = f"case when x.intra_group then 0.0 else {g} end"
    prod = preferred_production_sql(production_preference(), commodity_ids is not None,
                                    years is not None)
    hhi_sql = f"""
        with prod as ({prod})
        select commodity_id, stage, year, hhi, production_source, c.cs_ix,
               exists (select 1 from trade_stage_year t
                       where t.cs_ix = c.cs_ix and t.year = h.year) as has_trade
        from ({production_concentration_sql("prod")}) h
        left join stage_index c using (commodity_id, stage) order by all"""
    sql = f"""
        with m_years as (select distinct year from m_hhi),
        m_risk as ({store_risk_sql(dimensions, "m_years")}),
        imp as materialized (
            select x.i_ix, h.h_ix,
                   sum(x.quantity_t * {g}) as numerator, sum(x.quantity_t) as imports_t,
                   sum(x.value_kusd_q) as value_q, count(*) as n_partners,
                   coalesce(sum(x.quantity_t) filter (
                       where risk is null and not x.intra_group), 0) as miss
            from ({partner_flows_sql("import", commodity_ids is not None, True, intra_group,
                                     multi_member(importers))}) x
            join m_hhi h using (cs_ix, year)
            left join {keyed('m_risk')} r
                   on r.country_key = x.partner_key and r.year = x.year
            where x.quantity_t is not null {keep}
            group by all),
        cell_keys as (  -- own production is asked only for the cells with imports
            select distinct i.i_ix, h.cs_ix, h.year from imp i join m_hhi h using (h_ix)),
        domestic as (  -- own production on the stage's trade basis (NULL: mixed basis)
            select d.i_ix, h.h_ix, d.domestic_lo / b.trade_factor as domestic_t,
                   (d.domestic_lo > 0 and b.trade_factor is null) or d.status = 5
                       as mixed_basis,
                   coalesce(d.status in (1, 2), true) as domestic_unknown
            from ({own_production_sql(production_preference(), "m_years", "cell_keys",
                                      multi_member(importers))}) d
            join m_hhi h using (cs_ix, year)
            left join stage_basis b using (commodity_id, stage))
        select i.i_ix, i.h_ix, i.numerator, i.imports_t, i.value_q, i.miss, i.n_partners,
               d.domestic_t, d.mixed_basis, d.domestic_unknown
        from imp i left join domestic d using (i_ix, h_ix)"""
    views = {"m_members": members_frame(importers)}
    if commodity_ids is not None:
        views["m_filter"] = pd.DataFrame({"commodity_id": commodity_ids}, dtype=str)
    if years is not None:
        views["m_want"] = pd.DataFrame({"year": years}, dtype="int64")
    with registered(con, **views):
        hhi = con.execute(hhi_sql).df()
        with registered(con, m_hhi=hhi.assign(h_ix=range(len(hhi)))):
            cells = con.execute(sql).fetchnumpy()
    return hhi, cells
