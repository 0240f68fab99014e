"""Import and export flows per importer, partner, commodity stage and year (in DuckDB).

methods.md §3: ``f_ic = Σ_{h∈HS(m,k)} trade(h, t, exporter=i, importer=c)``, read from the
store's ``trade_stage`` (trade summed over each stage's HS codes, one source per HS6 and
year, self-trade dropped: :mod:`critmin.store.derived`). An importer is a country or a
group (a member set, membership dated by year); flows between members of a group are
excluded by default (``intra_group="exclude"``) or kept and marked (``"keep"``:
geopolrisk-py counts them with g = 0). On the quantity basis, rows with a value but no
quantity are left out of both sums and counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.indicators.relational import registered, run_sql

Members = dict[str, list[tuple[str, int | None, int | None]]]


def members_frame(importers: Members) -> pd.DataFrame:
    """Frame ``importer, iso3, joined, left, i_ix`` from {importer: [(iso3, joined,
    left)]}; ``i_ix`` is the importer's position in ``importers`` (an integer key)."""
    rows = [(imp, iso3, joined, left, i) for i, (imp, members) in enumerate(importers.items())
            for iso3, joined, left in members]
    frame = pd.DataFrame(rows, columns=["importer", "iso3", "joined", "left", "i_ix"])
    frame["joined"] = pd.to_numeric(frame["joined"]).astype("Int64")
    frame["left"] = pd.to_numeric(frame["left"]).astype("Int64")
    return frame


MEMBER_IN_YEAR = ("{t}.year >= coalesce({a}.joined, 0) and "
                  "{t}.year < coalesce({a}.\"left\", 10000)")


def domestic_sql(relation: str) -> str:
    """SQL of :func:`domestic_production` over production rows in ``relation`` (needs
    the ``m_members`` view)."""
    return f"""
        select m.importer, p.commodity_id, p.stage, p.year,
               coalesce(sum(p.quantity), 0.0) as domestic_t
        from {relation} p
        join m_members m on m.iso3 = p.iso3 and {MEMBER_IN_YEAR.format(t="p", a="m")}
        group by all"""


def domestic_production(production: pd.DataFrame, importers: Members) -> pd.DataFrame:
    """Each importer's own production per commodity, stage and year (sum over members in
    the years they were members): ``importer, commodity_id, stage, year, domestic_t``."""
    frame = production[["commodity_id", "stage", "year", "iso3", "quantity"]].astype(
        {"quantity": float})
    sql = domestic_sql("prod_in") + " order by importer, commodity_id, stage, year"
    return run_sql(sql, prod_in=frame, m_members=members_frame(importers))


def keyed(relation: str) -> str:
    """SQL of ``relation`` (with an ``iso3`` column) plus the store's integer
    ``country_key``, to join trade rows on ``importer_key``/``exporter_key``/
    ``partner_key`` (countries without trade have no key and drop out)."""
    return f"(select k.country_key, r.* from {relation} r join country_key k using (iso3))"


def trade_rows_sql(direction: str = "import", commodity_filter: bool = False,
                   year_filter: bool = False, extra_where: str = "",
                   groups: bool = True) -> str:
    """SQL of ``trade_stage`` rows joined to importers (views ``m_*``).

    Needs ``m_members`` (importer, iso3, joined, left) and, when filtering, ``m_filter``
    (commodity_id) and ``m_years`` (year). Columns: importer, i_ix, partner, partner_code,
    partner_key, commodity_id, stage, cs_ix, year, quantity_t, value_kusd, value_kusd_q,
    n_rows, n_rows_no_quantity, n_codes, intra (``partner_key``, ``cs_ix``: the store's
    integer keys, :mod:`critmin.store.derived`). ``extra_where``: one more condition on
    the trade row ``t`` or the member row ``m`` (e.g. ``m.i_ix in (3, 4)``). ``groups=False``
    (the rows of importers with one member for every year only, see
    :func:`multi_member`) skips the intra-group lookup — a country does not trade with
    itself in ``trade_stage`` — and the membership years.
    """
    if direction not in ("import", "export"):
        raise ValueError("direction is 'import' or 'export'")
    own, other = ("importer", "exporter") if direction == "import" else ("exporter", "importer")
    where = []
    if commodity_filter:
        where.append("t.commodity_id in (select commodity_id from m_filter)")
    if year_filter:
        where.append("t.year in (select year from m_years)")
    if extra_where:
        where.append(extra_where)
    intra = ("g.iso3 is not null", f"""
        left join m_members g on g.importer = m.importer and g.iso3 = t.{other}
                              and {MEMBER_IN_YEAR.format(t="t", a="g")}""") if groups \
        else ("false", "")
    dated = f" and {MEMBER_IN_YEAR.format(t='t', a='m')}" if groups else ""
    return f"""
        select m.importer, m.i_ix, t.{other} as partner, t.{other}_code as partner_code,
               t.{other}_key as partner_key, t.commodity_id, t.stage, t.cs_ix, t.year,
               t.quantity_t, t.value_kusd, t.value_kusd_q, t.n_rows, t.n_rows_no_quantity,
               t.n_codes, {intra[0]} as intra
        from trade_stage t
        join {keyed("m_members")} m on m.country_key = t.{own}_key{dated}
        {intra[1]}
        {"where " + " and ".join(where) if where else ""}"""


def flow_views(importers: Members, commodity_ids: list[str] | None,
               years: list[int] | None) -> dict[str, pd.DataFrame]:
    """The frames :func:`trade_rows_sql` reads, to pass to :func:`registered`."""
    return {"m_members": members_frame(importers),
            "m_filter": pd.DataFrame({"commodity_id": commodity_ids or []}, dtype=str),
            "m_years": pd.DataFrame({"year": years or []}, dtype="int64")}


def multi_member(importers: Members) -> list[int]:
    """Positions (``i_ix``) of the importers that are groups: more than one member, or
    a member with membership years (the rows of the others need neither summing by
    partner nor a date check)."""
    return [i for i, members in enumerate(importers.values())
            if len(members) > 1 or any(joined is not None or left is not None
                                       for _, joined, left in members)]


def partner_flows_sql(direction: str = "import", commodity_filter: bool = False,
                      year_filter: bool = False, intra_group: str = "exclude",
                      multi: list[int] | None = None, extra_where: str = "") -> str:
    """SQL of flows by importer, partner, commodity stage and year.

    A country's ``trade_stage`` rows are already one per partner (code): they pass
    through. A group's members share partners: their rows are summed by partner.
    ``multi``: the positions of the group importers (:func:`multi_member`); ``None``
    sums every importer's rows by partner. ``extra_where``: as in :func:`trade_rows_sql`.
    """
    if intra_group not in ("exclude", "keep"):
        raise ValueError("intra_group is 'exclude' or 'keep'")
    keys = "importer, i_ix, partner, partner_code, partner_key, commodity_id, stage, cs_ix, year"
    as_is = ("quantity_t, value_kusd, value_kusd_q, n_rows, n_rows_no_quantity, n_codes, "
             "intra as intra_group")
    summed = ("sum(quantity_t) as quantity_t, sum(value_kusd) as value_kusd, "
              "sum(value_kusd_q) as value_kusd_q, sum(n_rows) as n_rows, "
              "sum(n_rows_no_quantity) as n_rows_no_quantity, max(n_codes) as n_codes, "
              "bool_or(intra) as intra_group")
    intra = "not intra" if intra_group == "exclude" else "true"
    ids = ", ".join(map(str, multi or []))

    def where(members: str) -> str:
        return " and ".join(c for c in (extra_where, members) if c)

    parts = []
    if multi is not None:
        rows = trade_rows_sql(direction, commodity_filter, year_filter,
                              where(f"m.i_ix not in ({ids})" if multi else ""), groups=False)
        parts.append(f"select {keys}, {as_is} from ({rows}) r where {intra}")
    if multi is None or multi:
        rows = trade_rows_sql(direction, commodity_filter, year_filter,
                              where(f"m.i_ix in ({ids})" if multi else ""))
        parts.append(f"select {keys}, {summed} from ({rows}) r where {intra} group by all")
    return " union all ".join(parts)


def flows(con: Any, importers: Members, direction: str = "import",
          commodity_ids: list[str] | None = None, years: list[int] | None = None,
          intra_group: str = "exclude") -> pd.DataFrame:
    """Flows by partner: ``importer, partner, partner_code, commodity_id, stage, year,
    quantity_t, value_kusd, value_kusd_q, n_rows, n_rows_no_quantity, n_codes,
    intra_group`` (``value_kusd_q``: value of the rows that have a quantity)."""
    sql = partner_flows_sql(direction, commodity_ids is not None, years is not None,
                            intra_group, multi_member(importers))
    with registered(con, **flow_views(importers, commodity_ids, years)):
        return con.execute(sql).df().drop(columns=["i_ix", "partner_key", "cs_ix"])


def domestic_status_sql(preference: tuple[str, ...], year_relation: str,
                        cells: str | None = None, defaults: bool = False) -> str:
    """SQL of each importer's own production per commodity stage and year, on the
    stage's canonical basis, with what the sources say of its members (methods.md §2, §7).

    Needs ``m_members`` and ``m_importers`` (importer, i_ix). For every source with
    convertible rows for the stage and year (``content_factor``; ``mixed:`` series
    never), a source is *complete* for an importer when it withholds none of the
    members and either names every member or prints no "Other countries" remainder
    (then an unnamed member produced nothing). The first complete source by
    ``preference`` is used; if none is complete the preferred source says:
    ``withheld`` (a member's figure is withheld: production missing, never 0) or
    ``bounded`` (members may sit in the remainder: ``domestic_lo`` = named members,
    ``domestic_hi`` = named + remainder). Columns: ``i_ix, cs_ix, year, s_ix,
    domestic_lo, domestic_hi, status`` (0 ok, 1 bounded, 2 withheld, 5 named on a basis
    that does not convert to the canonical one — a non-producer needs no basis; ``s_ix``: the
    source's position in the preference order). ``year_relation``: the years wanted;
    ``cells``: a relation ``(i_ix, cs_ix, year)`` to compute only those (default: the
    importers some source names); ``defaults``: add the stage-year answer for everyone
    else as rows with ``i_ix = -1`` (see :func:`domestic_lookup`).
    """
    from critmin.indicators.inputs import rank_sql

    in_year = MEMBER_IN_YEAR.format(t="p", a="m")
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
               case when p.n_foreign = 0 and (p.complete or p.n_withheld = 0)
                    then p.q_named end as domestic_lo,
               case when p.n_foreign > 0 then null when p.complete then p.q_named
                    when p.n_withheld = 0 then p.q_named + p.remainder end as domestic_hi,
               case when p.complete and p.n_foreign = 0 then 0 when p.n_withheld > 0 then 2
                    when p.n_foreign > 0 then 5 else 1 end as status
        from (select * from pick {"union all select -1, cs_ix, year, p from stage_pick"
                                  if defaults else ""})"""


def domestic_lookup(rows: pd.DataFrame, i_ix: np.ndarray, cs_ix: np.ndarray,
                    year: np.ndarray) -> pd.DataFrame:
    """Own production of the cells ``(i_ix, cs_ix, year)`` from the rows of
    :func:`domestic_status_sql` with ``defaults=True``: an importer's own row where a
    source names it, else the stage-year default (``i_ix = -1``); a cell without either
    (no production in the store) has ``status`` 3. Returns ``domestic_lo, domestic_hi,
    status`` aligned with the cells."""
    cells = pd.DataFrame({"i_ix": np.asarray(i_ix, dtype=np.int64),
                          "cs_ix": np.asarray(cs_ix, dtype=np.int64),
                          "year": np.asarray(year, dtype=np.int64)})
    rows = rows.astype({"i_ix": np.int64, "cs_ix": np.int64, "year": np.int64})
    cols = ["domestic_lo", "domestic_hi", "status"]
    named = cells.merge(rows[rows["i_ix"] >= 0], how="left", on=["i_ix", "cs_ix", "year"])
    default = cells.merge(rows[rows["i_ix"] < 0].drop(columns="i_ix"), how="left",
                          on=["cs_ix", "year"])
    has = named["status"].notna().to_numpy()
    out = pd.DataFrame({c: np.where(has, named[c].to_numpy(dtype=float),
                                    default[c].to_numpy(dtype=float)) for c in cols})
    out["status"] = np.nan_to_num(out["status"].to_numpy(), nan=3).astype(np.int64)
    return out
