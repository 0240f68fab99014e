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

import pandas as pd

from critmin.indicators.relational import registered, run_sql

MemberYears = list[tuple[str, int | None, int | None]]
"""One importer's members: ``[(iso3, joined, left)]`` (joined ≤ year < left; None: open)."""
Members = dict[str, MemberYears]
"""Importers as the engine takes them: ``{name: MemberYears}``."""


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
