"""The GeoPolRisk method: ``Score = HHI × ImportRisk`` and its characterisation factor.

methods.md §5 (Gemechu et al. 2016; Helbig et al. 2016; Koyamparambath et al. 2024;
geopolrisk-py 2.0):

    HHI_A        = Σ_i P_Ai² / (Σ_i P_Ai)²          global production of A's stage
    ImportRisk_Ac = Σ_i g_i · f_Aic / (p_Ac + F_Ac)  g from WGI PV; domestic supply g = 0
    Score_Ac     = HHI_A · ImportRisk_Ac
    Price_Ac     = Σ value / Σ quantity of c's imports of A      (kUSD/t = USD/kg)
    CF_Ac        = Score_Ac · Price_Ac / CF_Cu                   (kg Cu-eq/kg)

critmin defaults (each a documented deviation from the reference): a cell without
imports is missing with its reason (not 0); a group's intra-group trade is excluded;
production stage and HS codes come from the catalog stage by stage. ``CU_REFERENCE``
is geopolrisk-py's constant (copper, "OECD mean 2017–2021"), stored with every row.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.indicators.concentration import concentration
from critmin.indicators.governance import country_risk, risk_for_years
from critmin.indicators.imports import missing_rule_sql
from critmin.indicators.inputs import (
    governance_rows,
    preferred_governance,
    preferred_production,
    production_rows,
)
from critmin.indicators.trade import (
    Members,
    domestic_production,
    flow_views,
    registered,
    trade_rows_sql,
)

CU_REFERENCE = 0.409412948


def geopolrisk(con: Any, importers: Members, commodity_ids: list[str] | None = None,
               years: list[int] | None = None, missing_governance: float | str = 0.5,
               intra_group: str = "exclude", dimensions: tuple[str, ...] = ("PV",),
               cu_reference: float = CU_REFERENCE) -> pd.DataFrame:
    """GeoPolRisk cells for every importer × commodity stage × year with production.

    One relational pass over the trade rows of the production years. Returns
    ``importer, commodity_id, stage, year, hhi, import_risk, score, price, cf,
    imports_t, domestic_t, n_partners, missing_governance_share, cu_reference,
    production_source, missing`` (``missing`` gives the reason where a value is NaN).
    """
    prod = preferred_production(production_rows(con, commodity_ids))
    hhi = concentration(prod)[["commodity_id", "stage", "year", "hhi"]]
    sources = prod.groupby(["commodity_id", "stage", "year"])["source_id"].first()
    hhi = hhi.merge(sources.rename("production_source").reset_index(),
                    on=["commodity_id", "stage", "year"])
    if years is not None:
        hhi = hhi[hhi["year"].isin(years)]
    prod_years = sorted(int(y) for y in hhi["year"].unique())
    gov = preferred_governance(governance_rows(con))
    risk = risk_for_years(country_risk(gov, dimensions), prod_years)
    g, keep = missing_rule_sql(missing_governance, "r.risk")
    if intra_group == "keep":  # geopolrisk-py: members stay in F with g = 0
        g = f"case when x.intra then 0.0 else {g} end"
    rows = trade_rows_sql("import", commodity_ids is not None, True)
    domestic = domestic_production(prod, importers)
    sql = f"""
        with imp as (
            select x.importer, x.commodity_id, x.stage, x.year,
                   sum(x.quantity_t * {g}) as numerator, sum(x.quantity_t) as imports_t,
                   sum(x.value_kusd_q) as value_q,
                   count(distinct coalesce(x.partner, cast(x.partner_code as varchar)))
                       as n_partners,
                   coalesce(sum(x.quantity_t) filter (where r.risk is null and not x.intra),
                            0) as miss
            from ({rows}) x
            left join m_risk r on r.iso3 = x.partner and r.year = x.year
            where x.quantity_t is not null {keep}
                  {"and not x.intra" if intra_group == "exclude" else ""}
            group by all),
        grid as (
            select i.importer, h.* from (select distinct importer from m_members) i
            cross join m_hhi h)
        select g.importer, g.commodity_id, g.stage, g.year, g.hhi,
               case when i.imports_t > 0 then i.numerator /
                    (coalesce(d.domestic_t, 0.0) + i.imports_t) end as import_risk,
               g.hhi * import_risk as score,
               case when i.imports_t > 0 then i.value_q / i.imports_t end as price,
               score * price / {float(cu_reference)!r} as cf,
               i.imports_t, coalesce(d.domestic_t, 0.0) as domestic_t,
               coalesce(i.n_partners, 0) as n_partners,
               case when i.imports_t > 0 then i.miss / i.imports_t end
                   as missing_governance_share,
               {float(cu_reference)!r} as cu_reference, g.production_source,
               case when i.imports_t > 0 then ''
                    else 'no imports recorded for this stage and year' end as missing
        from grid g
        left join imp i using (importer, commodity_id, stage, year)
        left join m_domestic d using (importer, commodity_id, stage, year)"""
    views = flow_views(importers, commodity_ids, prod_years)
    with registered(con, m_risk=risk, m_hhi=hhi, m_domestic=domestic, **views):
        return con.execute(sql).df()

