"""``critmin commodities``, ``critmin countries`` and the main job ``critmin demo``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, app, open_store, user_errors
from critmin.views.output import Format, emit


@app.command("commodities")
@user_errors
def commodities(
    names: Annotated[list[str] | None, typer.Argument(
        help="Minerals to show (id, symbol, English or Japanese name); all if omitted.")
    ] = None,
    meti13: Annotated[bool, typer.Option(
        "--meti13", help="Only the 13 minerals of the METI study.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """The commodity catalog: names (en/ja), symbol, stages with HS6 codes, production
    series, by-product hosts and which stages have data in the store."""
    from critmin.catalog.commodities import meti13_ids, resolve_commodity
    from critmin.catalog.tables import read_table

    rows = {r["commodity_id"]: dict(r) for r in read_table("commodities")}
    ids = [resolve_commodity(n) for n in names] if names else list(rows)
    if meti13:
        ids = [i for i in ids if i in set(meti13_ids())]
    stages: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    coverage, in_store = _coverage()
    for (cid, stage), cov in coverage.items():
        if cid in stages:
            stages[cid].append({"stage": stage, **cov})
    series = {}
    for r in read_table("production_series"):
        series.setdefault(r["commodity_id"], []).append(f"{r['stage']}: {r['series']}")
    out = []
    for cid in ids:
        r = rows[cid]
        with_data = [s["stage"] for s in stages[cid]
                     if s.get("production_years") or s.get("trade_rows")]
        out.append({
            "commodity_id": cid, "name_en": r["name_en"], "name_ja": r["name_ja"],
            "symbol": r["symbol"], "family": r["family"], "meti13": r["meti13"] == "true",
            "stages": stages[cid], "production_series": series.get(cid, []),
            "byproduct_hosts": [h for h in r["byproduct_hosts"].split(";") if h],
            "stages_with_data": with_data if in_store else None,
            "source": r["source"],
        })
    if fmt is Format.table:
        table_rows = [o | {
            "stages": ", ".join(f"{s['stage']}[{s['hs6'] or '-'}]" for s in o["stages"]),
            "byproduct_hosts": ", ".join(o["byproduct_hosts"]),
            "stages_with_data": ", ".join(o["stages_with_data"] or [])
            if in_store else "(store not built)"} for o in out]
        emit(table_rows, fmt, ["commodity_id", "name_en", "name_ja", "symbol", "stages",
                               "byproduct_hosts", "stages_with_data"],
             title=f"{len(out)} commodities")
    elif fmt is Format.csv:
        emit([o | {"stages": ";".join(s["stage"] for s in o["stages"]),
                   "hs6": ";".join(f"{s['stage']}:{s['hs6']}" for s in o["stages"]),
                   "production_series": ";".join(o["production_series"]),
                   "byproduct_hosts": ";".join(o["byproduct_hosts"]),
                   "stages_with_data": ";".join(o["stages_with_data"] or [])} for o in out],
             fmt, ["commodity_id", "name_en", "name_ja", "symbol", "family", "meti13",
                   "stages", "hs6", "production_series", "byproduct_hosts",
                   "stages_with_data", "source"])
    else:
        emit(out, fmt)


def _coverage() -> tuple[dict[tuple[str, str], dict[str, Any]], bool]:
    """Stage coverage from the store (and True), or the catalog's stages alone (False)."""
    from critmin.catalog.tables import read_table
    from critmin.config import store_path

    cov: dict[tuple[str, str], dict[str, Any]] = {}
    if store_path().is_file():
        from critmin.catalog.coverage import stage_coverage

        with open_store() as con:
            frame = stage_coverage(con)
        for r in frame.to_dict("records"):
            cov[(r["commodity_id"], r["stage"])] = {
                "hs6": r["hs6"], "production_years": r["production_years"],
                "trade_rows": int(r["trade_rows"])}
        return cov, True
    for table in ("commodity_stages", "production_series"):
        for r in read_table(table):
            entry = cov.setdefault((r["commodity_id"], r["stage"]), {"hs6": ""})
            if r.get("hs6"):
                entry["hs6"] = ";".join(filter(None, [entry["hs6"], r["hs6"]]))
    return cov, False


@app.command("countries")
@user_errors
def countries(
    names: Annotated[list[str] | None, typer.Argument(
        help="Countries to show (ISO3, English or Japanese name); all if omitted.")] = None,
    group: Annotated[str | None, typer.Option(
        help="Only members of this group (EU27, OECD, G7).")] = None,
    historic: Annotated[bool, typer.Option(
        help="Include former countries (ISO 3166-3) used by historical trade.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Countries with ISO3 code, English and Japanese names and group membership."""
    from critmin.catalog.countries import (
        country_table,
        group_members,
        group_table,
        resolve_country,
    )
    from critmin.views.output import records_of

    table = country_table()
    if names:
        wanted = [resolve_country(n) for n in names]
        table = table.set_index("iso3").loc[wanted].reset_index()
    elif not historic:
        table = table[table["status"] != "historic"]
    if group:
        table = table[table["iso3"].isin(group_members(group))]
    groups = group_table().groupby("iso3")["group_id"].agg(lambda g: ";".join(sorted(g)))
    table = table.assign(groups=table["iso3"].map(groups).fillna(""))
    emit(records_of(table), fmt, ["iso3", "name_en", "name_ja", "status", "groups"],
         title=f"{len(table)} countries")


@app.command("demo")
@user_errors
def demo(
    year: Annotated[int, typer.Option(help="Production year.")] = 2023,
    prefer: Annotated[str | None, typer.Option(
        help="Source preference for production, comma-separated source-id prefixes "
        "(default: usgs-mcs,wmd or $CRITMIN_PRODUCTION_PREFERENCE).")] = None,
    explain: Annotated[bool, typer.Option(
        help="Show which source each figure comes from and what the others say.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """The main job: for the 13 minerals of the METI study, the top producing country and
    its share of world production, written to a CSV in the data directory."""
    from rich.console import Console

    from critmin.analysis.producers import top_producer_table
    from critmin.catalog.commodities import meti13_ids
    from critmin.config import reports_dir, store_path
    from critmin.views.output import records_of

    preference = tuple(p.strip() for p in prefer.split(",")) if prefer else None
    with open_store() as con:
        frame = top_producer_table(con, meti13_ids(), year, preference)
    out_dir = reports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"top_producers_{year}.csv"
    frame.to_csv(path, index=False)
    records = records_of(frame)
    if fmt is Format.table:
        for r in records:
            r["mineral"] = f"{r['name_en']} {r['name_ja']}"
            r["top producer"] = r["missing"] or f"{r['top_iso3']} {r['country_ja']}"
            r["share %"] = None if r["top_share"] is None else f"{100 * r['top_share']:.1f}"
            r["world"] = None if r["total"] is None else f"{r['total']:,.0f} {r['unit']}"
        cols = ["mineral", "stage", "top producer", "share %", "world"]
        if explain:
            cols += ["source_id", "alternatives"]
        emit(records, fmt, cols, title=f"Top producer per METI mineral, {year}")
    else:
        emit(records, fmt)
    console = Console(stderr=True)
    if explain:
        console.print(f"source preference: {frame['preference'].iloc[0]} (first source "
                      "with the figure wins; never mixed within one total)", highlight=False)
    have = frame["top_share"].notna()
    console.print(
        f"{int(have.sum())} of {len(frame)} minerals have {year} production; "
        f"{int((frame['top_share'] >= 0.5).sum())} have one country above 50 %.\n"
        f"store: {store_path()}\nwrote: {path}", highlight=False)
