"""What the store holds: sources with provenance, row counts and year coverage."""

from __future__ import annotations

from typing import Any

from critmin.store.schema import DATA_TABLES


def store_status(con: Any) -> dict[str, Any]:
    """A JSON-ready summary of the store behind ``con``.

    Keys: ``meta``; ``sources`` (each with publisher, version, licence, sha256 and, per
    table, ``rows``, ``year_min``, ``year_max`` and distinct commodities/codes);
    ``tables`` (row counts of every table); ``unmapped`` (source codes not placed in a
    country, with row counts); ``build_log``.
    """
    meta = dict(con.execute("select key, value from meta").fetchall())
    cols = ["source_id", "name", "publisher", "version", "url", "licence", "retrieved",
            "sha256", "file"]
    query = f"select {', '.join(cols)} from source order by 1"
    sources = {r[0]: dict(zip(cols, r, strict=True)) | {"tables": {}}
               for r in con.execute(query).fetchall()}
    for table, ycol in DATA_TABLES.items():
        sid = "source_id"
        year = {"period": "cast(left(period, 4) as integer)",
                "date": "year(date)"}.get(ycol, f"cast({ycol} as integer)")
        extra = {"trade": "count(distinct hs6)", "governance": "count(distinct dimension)",
                 "price": "count(distinct series)", "salient": "count(distinct item)"
                 }.get(table, "count(distinct commodity_id)")
        flagged = "0" if table in ("trade", "governance", "event") else "count(flag)"
        for source_id, rows, y0, y1, n, nflag in con.execute(
                f"select {sid}, count(*), min({year}), max({year}), {extra}, {flagged} "
                f"from {table} group by 1").fetchall():
            entry = {"rows": rows, "year_min": y0, "year_max": y1, "flagged_rows": nflag}
            entry[{"trade": "hs6_codes", "governance": "dimensions", "price": "series",
                   "salient": "items"}.get(table, "commodities")] = n
            if table == "governance":
                entry["with_std_error"] = con.execute(
                    "select count(std_error) from governance where source_id = ?",
                    [source_id]).fetchall()[0][0]
            sources.setdefault(source_id, {"source_id": source_id, "tables": {}})
            sources[source_id]["tables"][table] = entry
    tables = {t: con.execute(f'select count(*) from "{t}"').fetchall()[0][0]
              for (t,) in con.execute("show tables").fetchall()}
    unmapped = [dict(zip(["source_id", "code", "status", "note", "n_rows"], r, strict=True))
                for r in con.execute(
                    "select source_id, code, status, note, n_rows from country_map "
                    "where status in ('unmapped', 'unallocated', 'aggregate') "
                    "order by source_id, n_rows desc").fetchall()]
    log = [dict(zip(["source_id", "step", "count", "detail"], r, strict=True))
           for r in con.execute("select * from build_log").fetchall()]
    return {"meta": meta, "sources": list(sources.values()), "tables": tables,
            "unmapped": unmapped, "build_log": log}
