"""Derived tables the store keeps up to date: ``trade_stage``, ``unit_value`` and
``own_production``.

``trade_stage_year`` lists the commodity stages and years ``trade_stage`` has rows for,
with the stage's main HS codes that have no trade at all in the store that year
(``missing_main``): the missing-data reasons ask it whether the store has any trade in a
stage's codes, and the import reliance is not computed on part of a stage's main codes.
``trade_stage`` is the trade table mapped to the catalog's commodity stages and summed
over each stage's HS codes, one trade source per HS6 and year (BACI releases before the
bundle): one row per commodity, stage, year, importer and exporter. Indicators read it
instead of joining 1.3 million trade rows to the catalog on every call. Its rows carry
integer keys besides the text: ``cs_ix`` (the commodity stage's row in
``stage_index``) and ``importer_key``/``exporter_key`` (the country's row in
``country_key``): the indicators group and join a million rows on small integers
(about a third faster than on text). It is rebuilt by ``critmin data build`` and by
every import that writes trade rows, as are ``unit_value`` — world trade unit values
``Σ value / Σ quantity`` per HS6 and year over flows with a quantity, flows whose own
unit value lies outside the 1st–99th percentile for that code and year trimmed
(methods.md §6) — and ``own_production`` (:mod:`critmin.store.production`, also
rebuilt by imports of production).
"""
from __future__ import annotations

from typing import Any

from critmin.store.production import rank_sql, refresh_own_production

TRADE_PREFERENCE = ("baci-hs", "baci-bundle")



def _chosen_sql(preference: tuple[str, ...]) -> str:
    """CTE body: the trade source chosen per HS6 and year (newest edition first)."""
    return f"""
        select hs6, year,
               first(source_id order by {rank_sql(preference)}, source_id desc) as source_id
        from (select distinct hs6, year, source_id from trade) group by all"""


def code_factor_sql() -> str:
    """SQL of each HS code's commodity stage and the factor that puts its quantities on
    the stage's trade basis (``stage_basis.trade_content``): 1 for the same content, the
    ratio of the two formulas' factors to the canonical basis where both convert, NULL
    where the code measures something else (its quantities are left out of the stage's
    tonnes, its values kept). Codes shared by several commodities (role ``shared``) are
    left out: their trade is no one commodity's (methods.md §3)."""
    return """
        select c.commodity_id, c.stage, c.hs6,
               case when c.content = b.trade_content then 1.0
                    else fc.factor / nullif(ft.factor, 0) end as factor
        from (select distinct commodity_id, stage, hs6, content from commodity_stage
              where hs6 <> '' and role <> 'shared') c
        join stage_basis b using (commodity_id, stage)
        left join content_factor fc on fc.commodity_id = c.commodity_id
             and fc.stage = c.stage and fc.content = c.content
        left join content_factor ft on ft.commodity_id = c.commodity_id
             and ft.stage = c.stage and ft.content = b.trade_content"""


def refresh_trade_stage(con: Any, preference: tuple[str, ...] = TRADE_PREFERENCE) -> int:
    """Rebuild ``trade_stage`` and its keys (``stage_index``, ``country_key``) from
    ``trade`` and ``commodity_stage``; return its rows."""
    for table in ("trade_stage", "stage_index", "country_key", "trade_stage_year"):
        con.execute(f"delete from {table}")
    con.execute("""
        insert into stage_index
        select commodity_id, stage, row_number() over (order by commodity_id, stage) - 1
        from (select distinct commodity_id, stage from commodity_stage)""")
    con.execute("""
        insert into country_key
        select iso3, row_number() over (order by iso3) - 1
        from (select iso3 from country union select importer from trade
              union select exporter from trade) where iso3 is not null""")
    con.execute(f"""
        insert into trade_stage
        with chosen as ({_chosen_sql(preference)}),
        codes as ({code_factor_sql()}),
        per_code as (  -- one row per HS code of a cell: the cell's n_codes is a count
            select c.commodity_id, c.stage, t.year, t.importer, t.exporter, t.importer_code,
                   t.exporter_code, t.hs6, sum(t.quantity_t * c.factor) as quantity_t,
                   sum(t.value_kusd) as value_kusd,
                   sum(t.value_kusd) filter (where t.quantity_t is not null
                                             and c.factor is not null) as value_kusd_q,
                   count(*) as n_rows,
                   count(*) filter (where t.quantity_t is null) as n_rows_no_quantity,
                   count(*) filter (where t.quantity_t is not null and c.factor is null)
                       as n_rows_other_basis
            from trade t
            join chosen s on s.hs6 = t.hs6 and s.year = t.year and s.source_id = t.source_id
            join codes c on c.hs6 = t.hs6
            where t.importer is null or t.exporter is null or t.importer <> t.exporter
            group by all),
        summed as (
            select commodity_id, stage, year, importer, exporter, importer_code,
                   exporter_code, sum(quantity_t) as quantity_t, sum(value_kusd) as value_kusd,
                   sum(value_kusd_q) as value_kusd_q, sum(n_rows) as n_rows,
                   sum(n_rows_no_quantity) as n_rows_no_quantity, count(*) as n_codes,
                   sum(n_rows_other_basis) as n_rows_other_basis
            from per_code group by all)
        select s.* exclude (n_rows_other_basis), x.cs_ix, i.country_key, e.country_key,
               s.n_rows_other_basis
        from summed s join stage_index x using (commodity_id, stage)
        left join country_key i on i.iso3 = s.importer
        left join country_key e on e.iso3 = s.exporter
        -- stored in cell order: an importer's cells aggregate from neighbouring rows
        order by s.importer, s.commodity_id, s.stage, s.year""")
    con.execute("delete from trade_stage_year")
    con.execute("""
        insert into trade_stage_year
        with sy as (select cs_ix, year, count(*) as n_rows from trade_stage group by all),
        codes as (
            select distinct x.cs_ix, c.hs6 from commodity_stage c
            join stage_index x using (commodity_id, stage)
            where c.hs6 <> '' and c.role = 'main'),
        have as (select distinct hs6, year from trade)
        select sy.cs_ix, sy.year, sy.n_rows,
               string_agg(c.hs6, ',' order by c.hs6) filter (where h.hs6 is null)
        from sy left join codes c using (cs_ix)
        left join have h on h.hs6 = c.hs6 and h.year = sy.year
        group by all order by all""")
    refresh_unit_values(con, preference)
    refresh_own_production(con)
    return con.execute("select count(*) from trade_stage").fetchall()[0][0]


def refresh_unit_values(con: Any, preference: tuple[str, ...] = TRADE_PREFERENCE,
                        trim: float = 0.01) -> None:
    """Rebuild ``unit_value`` (one trade source per HS6 and year, as ``trade_stage``)."""
    con.execute("delete from unit_value")
    con.execute(f"""
        insert into unit_value
        with chosen as ({_chosen_sql(preference)}),
        f as (
            select t.hs6, t.year, t.value_kusd v, t.quantity_t q,
                   t.value_kusd / t.quantity_t as uv
            from trade t join chosen s using (hs6, year, source_id)
            where t.quantity_t > 0 and t.value_kusd > 0),
        b as (select hs6, year, quantile_cont(uv, {trim}) lo,
                     quantile_cont(uv, {1 - trim}) hi from f group by all)
        select f.hs6, f.year, sum(v) / sum(q), count(*)
        from f join b using (hs6, year) where uv between lo and hi group by all""")
