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

import numpy as np
import pandas as pd

from critmin.indicators.concentration import production_concentration_sql
from critmin.indicators.governance import store_risk_sql
from critmin.indicators.imports import missing_rule_sql
from critmin.indicators.inputs import preferred_production_sql, production_preference
from critmin.indicators.relational import registered, take_rows
from critmin.indicators.trade import (
    Members,
    domestic_sql,
    keyed,
    members_frame,
    multi_member,
    partner_flows_sql,
)

CU_REFERENCE = 0.409412948


def geopolrisk(con: Any, importers: Members, commodity_ids: list[str] | None = None,
               years: list[int] | None = None, missing_governance: float | str = 0.5,
               intra_group: str = "exclude", dimensions: tuple[str, ...] = ("PV",),
               cu_reference: float = CU_REFERENCE) -> pd.DataFrame:
    """GeoPolRisk cells for every importer × commodity stage × year with production.

    Two DuckDB queries over the store: the HHI of the preferred production source per
    commodity stage and year; then, in one pass over the trade rows of those years,
    each cell's Σ f·g, F, value and partners, with the importers' own production. The
    grid importer × HHI row is filled in NumPy; labels come back as categoricals.
    Returns ``importer, commodity_id, stage, year, hhi, import_risk, score, price, cf,
    imports_t, domestic_t, n_partners, missing_governance_share, cu_reference,
    production_source, missing`` (``missing`` gives the reason where a value is NaN).
    """
    g, keep = missing_rule_sql(missing_governance, "risk")
    if intra_group == "keep":  # geopolrisk-py: members stay in F with g = 0
        g = f"case when x.intra_group then 0.0 else {g} end"
    prod = preferred_production_sql(production_preference(), commodity_ids is not None,
                                    years is not None)
    hhi_sql = f"""
        with prod as ({prod})
        select commodity_id, stage, year, hhi, production_source
        from ({production_concentration_sql("prod")}) order by all"""
    sql = f"""
        with prod as (  -- the rows of the source each HHI row was computed from
            select p.commodity_id, p.stage, p.year, p.iso3, p.quantity from production p
            join m_hhi h on h.commodity_id = p.commodity_id and h.stage = p.stage
                        and h.year = p.year and h.production_source = p.source_id),
        m_years as (select distinct year from m_hhi),
        m_risk as ({store_risk_sql(dimensions, "m_years")}),
        imp as (
            select x.i_ix, h.h_ix,
                   sum(x.quantity_t * {g}) as numerator, sum(x.quantity_t) as imports_t,
                   sum(x.value_kusd_q) as value_q, count(*) as n_partners,
                   coalesce(sum(x.quantity_t) filter (
                       where risk is null and not x.intra_group), 0) as miss
            from ({partner_flows_sql("import", commodity_ids is not None, True, intra_group,
                                     multi_member(importers))}) x
            join m_hhi h using (commodity_id, stage, year)
            left join {keyed('m_risk')} r
                   on r.country_key = x.partner_key and r.year = x.year
            where x.quantity_t is not null {keep}
            group by all),
        domestic as (
            select i_ix, h_ix, d.domestic_t
            from ({domestic_sql("prod")}) d
            join m_importers using (importer) join m_hhi using (commodity_id, stage, year))
        select i_ix, h_ix, i.numerator, i.imports_t, i.value_q, i.miss, i.n_partners,
               d.domestic_t
        from imp i
        full join domestic d using (i_ix, h_ix)"""
    names = pd.DataFrame({"importer": list(importers)})
    views = {"m_members": members_frame(importers),
             "m_importers": names.assign(i_ix=range(len(names)))}
    if commodity_ids is not None:
        views["m_filter"] = pd.DataFrame({"commodity_id": commodity_ids}, dtype=str)
    if years is not None:
        views["m_want"] = pd.DataFrame({"year": years}, dtype="int64")
    with registered(con, **views):
        hhi = con.execute(hhi_sql).df()
        with registered(con, m_hhi=hhi.assign(h_ix=range(len(hhi)))):
            cells = con.execute(sql).fetchnumpy()
    return _grid(names, hhi, cells, float(cu_reference))


def _grid(names: pd.DataFrame, hhi: pd.DataFrame, cells: dict[str, Any],
          cu_reference: float) -> pd.DataFrame:
    """Every importer × HHI row, with the sums of the cells that have trade or
    production, and the GeoPolRisk formulas (module docstring) applied to whole arrays."""
    n_h = len(hhi)
    size = len(names) * n_h
    flat = np.asarray(cells["i_ix"], dtype=np.int64) * n_h + np.asarray(cells["h_ix"])

    def spread(name: str, fill: float) -> np.ndarray:
        out = np.full(size, fill)
        out[flat] = np.ma.filled(cells[name].astype(float), fill)
        return out

    imports = spread("imports_t", np.nan)
    domestic = spread("domestic_t", 0.0)
    traded = imports > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        import_risk = np.where(traded, spread("numerator", np.nan) / (domestic + imports),
                               np.nan)
        price = np.where(traded, spread("value_q", np.nan) / imports, np.nan)
        miss = np.where(traded, spread("miss", np.nan) / imports, np.nan)
    rows = {**take_rows(names, np.repeat(np.arange(len(names)), n_h)),
            **take_rows(hhi, np.tile(np.arange(n_h), len(names)))}
    score = rows["hhi"] * import_risk
    missing = pd.Categorical.from_codes(
        (~traded).astype(np.int8),
        categories=["", "no imports recorded for this stage and year"])
    return pd.DataFrame({
        "importer": rows["importer"], "commodity_id": rows["commodity_id"],
        "stage": rows["stage"], "year": rows["year"], "hhi": rows["hhi"],
        "import_risk": import_risk, "score": score, "price": price,
        "cf": score * price / cu_reference, "imports_t": imports, "domestic_t": domestic,
        "n_partners": spread("n_partners", 0.0).astype(np.int64),
        "missing_governance_share": miss, "cu_reference": np.full(size, cu_reference),
        "production_source": rows["production_source"], "missing": missing})
