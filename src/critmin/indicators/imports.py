"""Import concentration and governance-weighted import concentration, all cells at once.

methods.md §3–4, for every importer × commodity × stage × year in one DuckDB query:

- ``a_ic = f_ic / F_c`` (quantity basis by default, value basis as an option)
- import HHI ``Σ_i a_ic²``
- governance-weighted import concentration ``G_c = Σ_i a_ic · g_i`` (g on 0–1)
- EU-style ``HHI_WGI = Σ_i a_ic² · WGI*_i`` (WGI* on 0–10)

Partners without governance data get ``missing_governance`` (default 0.5 [C] — the
cross-country mean, never silently 0); ``"exclude"`` drops them from numerator and
denominator; ``0.0`` reproduces geopolrisk-py. Each cell counts the partners imputed and
the share of imports they carry. Partners that are not one country (BACI "nes" areas)
have no governance and follow the same rule.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.indicators.relational import registered
from critmin.indicators.trade import Members, flow_views, partner_flows_sql

CELL = ["importer", "commodity_id", "stage", "year"]


def missing_rule_sql(missing_governance: float | str, column: str) -> tuple[str, str]:
    """(value expression, extra filter) for a risk column under the missing-WGI rule."""
    if missing_governance == "exclude":
        return column, f"and {column} is not null"  # appended to a boolean condition
    return f"coalesce({column}, {float(missing_governance)!r})", ""


def import_cells(con: Any, importers: Members, risk: pd.DataFrame,
                 commodity_ids: list[str] | None = None, years: list[int] | None = None,
                 basis: str = "quantity", missing_governance: float | str = 0.5,
                 intra_group: str = "exclude") -> pd.DataFrame:
    """Per cell: imports, partners, import HHI, G, HHI_WGI and the imputed-WGI counts.

    ``risk`` is :func:`critmin.indicators.governance.risk_for_years` output. With F the
    cell total, ``Σ a² = Σ f² / F²``, ``Σ a·g = Σ f·g / F``, ``Σ a²·w = Σ f²·w / F²``:
    one aggregation over partner flows. Returns ``importer, commodity_id, stage, year,
    imports, n_partners, import_hhi, governance_weighted, hhi_wgi, n_missing_governance,
    missing_governance_share, max_lag, n_codes, n_rows_no_quantity``.
    """
    col = {"quantity": "quantity_t", "value": "value_kusd"}[basis]
    g, keep = missing_rule_sql(missing_governance, "r.risk")
    w, _ = missing_rule_sql(missing_governance if missing_governance == "exclude"
                            else 10.0 * float(missing_governance), "r.wgi_star")
    flows = partner_flows_sql("import", commodity_ids is not None, years is not None,
                              intra_group)
    sql = f"""
        with p as ({flows}),
        q as (
            select p.importer, p.commodity_id, p.stage, p.year, p.{col} as f,
                   {g} as g, {w} as w, r.risk is null as gmiss, coalesce(r.lag, 0) as lag,
                   p.n_codes, p.n_rows_no_quantity,
                   coalesce(p.{col} > 0 {keep}, false) as usable
            from p left join m_risk r on r.iso3 = p.partner and r.year = p.year)
        select importer, commodity_id, stage, year,
               sum(f) filter (where usable) as imports,
               count(*) filter (where usable) as n_partners,
               sum(f * f) filter (where usable) / imports ** 2 as import_hhi,
               sum(f * g) filter (where usable) / imports as governance_weighted,
               sum(f * f * w) filter (where usable) / imports ** 2 as hhi_wgi,
               count(*) filter (where usable and gmiss) as n_missing_governance,
               coalesce(sum(f) filter (where usable and gmiss), 0) / imports
                   as missing_governance_share,
               max(lag) filter (where usable) as max_lag, max(n_codes) as n_codes,
               sum(n_rows_no_quantity) as n_rows_no_quantity
        from q group by all
        having count(*) filter (where usable) > 0"""
    with registered(con, m_risk=risk, **flow_views(importers, commodity_ids, years)):
        return con.execute(sql).df()
