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

from critmin.indicators.trade import Members, materialise_flows, registered

CELL = ["importer", "commodity_id", "stage", "year"]


def missing_rule_sql(missing_governance: float | str, column: str) -> tuple[str, str]:
    """(value expression, extra filter) for a risk column under the missing-WGI rule."""
    if missing_governance == "exclude":
        return column, f"and {column} is not null"  # appended to a boolean condition
    return f"coalesce({column}, {float(missing_governance)!r})", ""


def import_cells(con: Any, importers: Members, risk: pd.DataFrame,
                 commodity_ids: list[str] | None = None, years: list[int] | None = None,
                 basis: str = "quantity", missing_governance: float | str = 0.5,
                 intra_group: str = "exclude", flows_table: str | None = None
                 ) -> pd.DataFrame:
    """Per cell: imports, partners, import HHI, G, HHI_WGI and the imputed-WGI counts.

    ``risk`` is :func:`critmin.indicators.governance.risk_for_years` output;
    ``flows_table`` a table of partner flows already made by
    :func:`~critmin.indicators.trade.materialise_flows` for the same arguments.
    Returns ``importer, commodity_id, stage, year, imports, n_partners, import_hhi,
    governance_weighted, hhi_wgi, n_missing_governance, missing_governance_share,
    max_lag, n_codes, n_rows_no_quantity``.
    """
    col = {"quantity": "quantity_t", "value": "value_kusd"}[basis]
    g, keep = missing_rule_sql(missing_governance, "r.risk")
    w, _ = missing_rule_sql(missing_governance if missing_governance == "exclude"
                            else 10.0 * float(missing_governance), "r.wgi_star")
    table = flows_table or materialise_flows(con, importers, commodity_ids, years,
                                             intra_group)
    sql = f"""
        with p as (
            select importer, partner, partner_code, commodity_id, stage, year,
                   {col} as flow, n_codes, n_rows_no_quantity as n_no_q from {table}),
        q as (
            select p.*, {g} as g, {w} as w, r.risk is null as gmiss,
                   coalesce(r.lag, 0) as lag, coalesce(p.flow > 0 {keep}, false) as usable
            from p left join m_risk r on r.iso3 = p.partner and r.year = p.year),
        a as (
            select *, case when usable then flow / sum(flow) filter (where usable) over
                   (partition by importer, commodity_id, stage, year) end as a from q)
        select importer, commodity_id, stage, year,
               sum(flow) filter (where usable) as imports,
               count(*) filter (where usable) as n_partners, sum(a * a) as import_hhi,
               sum(a * g) as governance_weighted, sum(a * a * w) as hhi_wgi,
               count(*) filter (where usable and gmiss) as n_missing_governance,
               coalesce(sum(a) filter (where gmiss), 0) as missing_governance_share,
               max(lag) filter (where usable) as max_lag, max(n_codes) as n_codes,
               sum(n_no_q) as n_rows_no_quantity
        from a group by all
        having count(*) filter (where usable) > 0"""
    with registered(con, m_risk=risk):
        return con.execute(sql).df()
