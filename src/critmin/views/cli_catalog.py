"""``critmin commodities``, ``critmin countries`` and the main job ``critmin demo``:
options → request (:mod:`critmin.service.catalog`) → response → output."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.output import Format, atomic_write, emit, records_of, render

TABLE_COLUMNS = ["commodity_id", "name_en", "name_ja", "symbol", "stages",
                 "byproduct_hosts", "stages_with_data"]
CSV_COLUMNS = ["commodity_id", "name_en", "name_ja", "symbol", "family", "meti13", "stages",
               "hs6", "production_series", "byproduct_hosts", "stages_with_data", "source"]


@app.command("commodities")
@user_errors
def commodities(
    names: Annotated[list[str] | None, typer.Argument(
        help="Minerals to show (id, symbol, English or Japanese name); all if omitted.")
    ] = None,
    meti13: Annotated[bool, typer.Option(
        "--meti13", help="Only the 13 minerals of the METI study.")] = False,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """The commodity catalog: names (en/ja), symbol, stages with HS6 codes, production
    series, by-product hosts and which stages have data in the store."""
    from critmin.config import store_path
    from critmin.service.catalog import CommoditiesRequest
    from critmin.service.catalog import commodities as run

    request = CommoditiesRequest(names=names or None, meti13=meti13)
    if store_path().is_file():
        with open_store() as con:
            response = run(request, con)
    else:
        response = run(request, None)
    if fmt is Format.json:
        render(response, fmt)
        return
    out = records_of(response.frame)
    if fmt is Format.table:
        emit([_table_row(o, response.in_store) for o in out], fmt, TABLE_COLUMNS,
             title=f"{len(out)} commodities")
    else:
        emit([_csv_row(o) for o in out], fmt, CSV_COLUMNS)


def _table_row(o: dict[str, Any], in_store: bool) -> dict[str, Any]:
    return o | {
        "stages": ", ".join(f"{s['stage']}[{s['hs6'] or '-'}]" for s in o["stages"]),
        "byproduct_hosts": ", ".join(o["byproduct_hosts"]),
        "stages_with_data": ", ".join(o["stages_with_data"] or [])
        if in_store else "(store not built)"}


def _csv_row(o: dict[str, Any]) -> dict[str, Any]:
    return o | {"stages": ";".join(s["stage"] for s in o["stages"]),
                "hs6": ";".join(f"{s['stage']}:{s['hs6']}" for s in o["stages"]),
                "production_series": ";".join(o["production_series"]),
                "byproduct_hosts": ";".join(o["byproduct_hosts"]),
                "stages_with_data": ";".join(o["stages_with_data"] or [])}


@app.command("countries")
@user_errors
def countries(
    names: Annotated[list[str] | None, typer.Argument(
        help="Countries to show (ISO3, English or Japanese name); all if omitted.")] = None,
    group: Annotated[str | None, typer.Option(
        help="Only members of this group (EU27, OECD, G7).")] = None,
    historic: Annotated[bool, typer.Option(
        help="Include former countries (ISO 3166-3) used by historical trade.")] = False,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Countries with ISO3 code, English and Japanese names and group membership."""
    from critmin.service.catalog import CountriesRequest
    from critmin.service.catalog import countries as run

    response = run(CountriesRequest(names=names or None, group=group, historic=historic))
    render(response, fmt, title=f"{len(response.frame)} countries")


@app.command("demo")
@user_errors
def demo(
    year: Annotated[int, typer.Option(help="Production year.")] = 2023,
    prefer: Annotated[str | None, typer.Option(
        help="Source preference for production, comma-separated source-id prefixes "
        "(default: usgs-mcs,wmd or $CRITMIN_PRODUCTION_PREFERENCE).")] = None,
    explain: Annotated[bool, typer.Option(
        help="Show which source each figure comes from and what the others say.")] = False,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """The main job: for the 13 minerals of the METI study, the top producing country and
    its share of world production, written to a CSV in the data directory."""
    from critmin.config import reports_dir
    from critmin.service.catalog import DemoRequest
    from critmin.service.catalog import demo as run

    request = DemoRequest(year=year, prefer=[p.strip() for p in prefer.split(",")]
                          if prefer else None)
    with open_store() as con:
        response = run(request, con)
    frame = response.frame
    path = reports_dir() / f"top_producers_{year}.csv"
    with atomic_write(path) as tmp:
        frame.to_csv(tmp, index=False)
    if fmt is Format.table:
        cols = ["mineral", "stage", "top producer", "share %", "world"]
        emit([_demo_row(r) for r in records_of(frame)], fmt,
             cols + (["source_id", "alternatives"] if explain else []),
             title=f"Top producer per METI mineral, {year}")
    else:
        render(response, fmt)
    _demo_summary(frame, year, str(path), explain)


def _demo_row(r: dict[str, Any]) -> dict[str, Any]:
    return r | {
        "mineral": f"{r['name_en']} {r['name_ja']}",
        "top producer": r["missing"] or f"{r['top_iso3']} {r['country_ja']}",
        "share %": None if r["top_share"] is None else f"{100 * r['top_share']:.1f}",
        "world": None if r["total"] is None else f"{r['total']:,.0f} {r['unit']}"}


def _demo_summary(frame: Any, year: int, path: str, explain: bool) -> None:
    from rich.console import Console

    from critmin.config import store_path

    console = Console(stderr=True)
    if explain:
        console.print(f"source preference: {frame['preference'].iloc[0]} (first source "
                      "with the figure wins; never mixed within one total)", highlight=False)
    have = frame["top_share"].notna()
    console.print(
        f"{int(have.sum())} of {len(frame)} minerals have {year} production; "
        f"{int((frame['top_share'] >= 0.5).sum())} have one country above 50 %.\n"
        f"store: {store_path()}\nwrote: {path}", highlight=False)
