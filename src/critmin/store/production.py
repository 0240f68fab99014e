"""Own production of importers: what the sources say of each country's production.

Formula fragments over the store's ``production`` (on the canonical basis through
``content_factor``) used by the import reliance (methods.md §7) and GeoPolRisk's
``p + F`` (§5): which source speaks for an importer, and whether its figure is known,
withheld, bounded by a remainder or on a basis that does not convert. The derived table
``own_production`` holds the answer for every country as its own importer under the
default source preference (:func:`refresh_own_production`), so the whole-world
queries join it instead of recomputing it; groups and other preferences use
:func:`domestic_status_sql` directly.
"""

from __future__ import annotations

from typing import Any

#: the production preference the derived ``own_production`` table is built with (the
#: indicators' default, critmin.indicators.inputs.DEFAULT_PRODUCTION_PREFERENCE)
OWN_PRODUCTION_PREFERENCE = ("usgs-mcs", "wmd")


def rank_sql(preference: tuple[str, ...], column: str = "source_id") -> str:
    """SQL: the index of the first preference prefix ``column`` starts with."""
    whens = " ".join(f"when starts_with({column}, '{p.replace(chr(39), chr(39) * 2)}') "
                     f"then {i}" for i, p in enumerate(preference))
    return f"(case {whens} else {len(preference)} end)" if preference else "0"


def domestic_status_sql(preference: tuple[str, ...], year_relation: str,
                        cells: str | None = None, defaults: bool = False) -> str:
    """SQL of each importer's own production per commodity stage and year, on the
    stage's canonical basis, with what the sources say of its members (methods.md §2, §7).

    Needs ``m_members`` (importer, iso3, joined, left, i_ix). For every source with
    convertible rows for the stage and year (``content_factor``; ``mixed:`` series
    never), a source is *complete* for an importer when it withholds none of the
    members and either names every member or prints no "Other countries" remainder
    (then an unnamed member produced nothing). The first complete source by
    ``preference`` is used; if none is complete the preferred source says:
    ``withheld`` (a member's figure is withheld: production missing, never 0) or
    ``bounded`` (members may sit in the remainder: ``domestic_lo`` = named members,
    ``domestic_hi`` = named + remainder). Columns: ``i_ix, cs_ix, year, s_ix, source_id,
    domestic_lo, domestic_hi, status`` (0 ok, 1 bounded, 2 withheld, 5 named on a basis
    that does not convert to the canonical one — a non-producer needs no basis; ``s_ix``: the
    source's position in the preference order). ``year_relation``: the years wanted;
    ``cells``: a relation ``(i_ix, cs_ix, year)`` to compute only those (default: the
    importers some source names); ``defaults``: add the stage-year answer for everyone
    else as rows with ``i_ix = -1`` (as in the derived ``own_production``).
    """
    in_year = ('p.year >= coalesce(m.joined, 0) and p.year < coalesce(m."left", 10000)')
    wanted = ("(select distinct i_ix, cs_ix, year from listed)" if cells is None
              else f"(select distinct i_ix, cs_ix, year from {cells})")
    # keyed by integers (cs_ix: the commodity stage's row in stage_index; s_ix: the
    # source's position, preference first). An importer that no source names gets the
    # answer of the stage and year alone (``stage_pick``: the first source without a
    # remainder says 0, else the preferred one bounds it by its remainder); only the
    # importers some source names (``listed``) go through the candidate sources.
    return f"""
        with pf as (
            select c.cs_ix, p.year, p.iso3, p.source_id, p.quantity * f.factor as q,
                   p.quantity is null as withheld,
                   p.quantity is not null and f.factor is null as foreign_basis
            from production p
            join stage_index c using (commodity_id, stage)
            left join content_factor f using (commodity_id, stage, content)
            where p.year in (select year from {year_relation})),
        srcs as (
            select source_id, row_number() over (
                order by {rank_sql(preference)}, source_id desc) as s_ix
            from (select distinct source_id from pf)),
        src as (
            select cs_ix, year, s_ix,
                   -- NULL when the remainder is not on the canonical basis
                   case when bool_or(iso3 is null and foreign_basis) then null else
                   coalesce(sum(q) filter (where iso3 is null), 0.0) end as remainder,
                   bool_or(iso3 is null) as has_remainder
            from pf join srcs using (source_id) group by all),
        stage_pick as (
            select cs_ix, year,
                   arg_max(struct_pack(s_ix, complete := not has_remainder,
                                       n_withheld := 0, n_foreign := 0, q_named := 0.0,
                                       remainder),
                           (not has_remainder)::integer * 2000 - s_ix) as p
            from src group by all),
        mem as (
            select m.i_ix, y.year, count(*) as n_members
            from m_members m join (select distinct year from src) y
                 on y.year >= coalesce(m.joined, 0) and y.year < coalesce(m."left", 10000)
            group by all),
        listed as (
            select m.i_ix, p.cs_ix, p.year, x.s_ix,
                   sum(p.q) as q_named, count(distinct p.iso3) as n_listed,
                   count(*) filter (where p.withheld) as n_withheld,
                   count(*) filter (where p.foreign_basis) as n_foreign
            from pf p join srcs x using (source_id)
            join m_members m on m.iso3 = p.iso3 and {in_year}
            group by all),
        cand as (
            select k.i_ix, s.cs_ix, s.year, s.s_ix, s.remainder,
                   coalesce(l.q_named, 0.0) as q_named,
                   coalesce(l.n_withheld, 0) as n_withheld,
                   coalesce(l.n_foreign, 0) as n_foreign,
                   coalesce(l.n_withheld, 0) = 0 and (not s.has_remainder
                       or coalesce(l.n_listed, 0) = mem.n_members) as complete
            from (select distinct i_ix, cs_ix, year from listed) k
            join src s using (cs_ix, year)
            join mem on mem.i_ix = k.i_ix and mem.year = s.year
            left join listed l on l.i_ix = k.i_ix and l.cs_ix = s.cs_ix
                 and l.year = s.year and l.s_ix = s.s_ix),
        -- the first complete source, else the preferred one (an aggregate, not a
        -- window: ~2× faster)
        named_pick as (
            select i_ix, cs_ix, year,
                   arg_max(struct_pack(s_ix, complete, n_withheld, n_foreign, q_named,
                                       remainder),
                           complete::integer * 1000 + (complete and n_foreign = 0)::integer
                           * 1000 - s_ix) as p
            from cand group by all),
        pick as (
            select w.i_ix, w.cs_ix, w.year, coalesce(n.p, d.p) as p
            from {wanted} w
            left join named_pick n using (i_ix, cs_ix, year)
            join stage_pick d using (cs_ix, year))
        select i_ix, cs_ix, year, p.s_ix as s_ix,
               (select source_id from srcs x where x.s_ix = p.s_ix) as source_id,
               case when p.n_foreign = 0 and (p.complete or p.n_withheld = 0)
                    then p.q_named end as domestic_lo,
               case when p.n_foreign > 0 then null when p.complete then p.q_named
                    when p.n_withheld = 0 then p.q_named + p.remainder end as domestic_hi,
               case when p.complete and p.n_foreign = 0 then 0 when p.n_withheld > 0 then 2
                    when p.n_foreign > 0 then 5 else 1 end as status
        from (select * from pick {"union all select -1, cs_ix, year, p from stage_pick"
                                  if defaults else ""})"""


def refresh_own_production(con: Any) -> int:
    """Rebuild ``own_production``: every country as its own importer (key
    ``country_key``), the rows of the countries a source names plus the stage-year
    defaults (``country_key = -1``), under :data:`OWN_PRODUCTION_PREFERENCE`. Needs
    ``stage_index`` and ``country_key`` (:func:`critmin.store.derived.refresh_trade_stage`).
    Returns its rows."""
    con.execute("delete from own_production")
    con.execute("""create or replace temp view m_members as
        select iso3 as importer, iso3, null::integer as joined, null::integer as "left",
               country_key as i_ix from country_key""")
    try:
        con.execute(f"""
            insert into own_production
            select i_ix, cs_ix, year, domestic_lo, domestic_hi, status, source_id
            from ({domestic_status_sql(OWN_PRODUCTION_PREFERENCE,
                                       "(select distinct year from production)",
                                       defaults=True)})""")
    finally:
        con.execute("drop view m_members")
    return con.execute("select count(*) from own_production").fetchall()[0][0]


OWN_OR_DEFAULT = """
    case when o.status is not null then o.domestic_lo else d.domestic_lo end as domestic_lo,
    case when o.status is not null then o.domestic_hi else d.domestic_hi end as domestic_hi,
    coalesce(o.status, d.status) as status,
    case when o.status is not null then o.source_id else d.source_id end as source_id"""
"""SQL fragment: a country's own row of ``own_production`` (alias ``o``) where a source
names it, else the stage-year default (alias ``d``)."""


def own_production_sql(preference: tuple[str, ...], year_relation: str, cells: str,
                       multi: list[int] | None) -> str:
    """SQL of the own production of the ``cells`` (a relation ``i_ix, cs_ix, year``):
    ``i_ix, cs_ix, year, domestic_lo, domestic_hi, status, source_id`` (as
    :func:`domestic_status_sql`;
    NULL status where the store has no production for the stage and year).

    Importers of one country (all but ``multi``, the positions of groups) read the
    derived ``own_production`` under the default preference — their own row where a
    source names them, else the stage-year default; groups, and every importer under
    another ``preference``, are computed by :func:`domestic_status_sql`. Needs
    ``m_members``."""
    if tuple(preference) != OWN_PRODUCTION_PREFERENCE:
        return domestic_status_sql(preference, year_relation, cells)
    ids = ", ".join(map(str, multi or []))
    not_group = f"where m.i_ix not in ({ids})" if ids else ""
    single = f"""
        select c.i_ix, c.cs_ix, c.year, {OWN_OR_DEFAULT}
        from {cells} c
        join (select m.i_ix, k.country_key from m_members m join country_key k using (iso3)
              {not_group}) s using (i_ix)
        left join own_production o on o.country_key = s.country_key
             and o.cs_ix = c.cs_ix and o.year = c.year
        left join own_production d on d.country_key = -1
             and d.cs_ix = c.cs_ix and d.year = c.year"""
    if not multi:
        return single
    groups = domestic_status_sql(
        preference, year_relation,
        f"(select * from {cells} where i_ix in ({ids}))")
    return f"""{single}
        union all
        select i_ix, cs_ix, year, domestic_lo, domestic_hi, status, source_id
        from ({groups})"""
