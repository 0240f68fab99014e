"""``critmin commodities``, ``critmin countries`` and the main job ``critmin demo``:
options → request (:mod:`critmin.service.catalog`) → response → output."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.i18n import text
from critmin.views.output import Format, atomic_write, emit, records_of, render

TABLE_COLUMNS = ["name", "symbol", "stages", "stages_with_data", "byproduct_hosts"]
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
        emit([_table_row(o, response.in_store, lang) for o in out], fmt, TABLE_COLUMNS,
             title=text("title_commodities", lang).format(n=len(out)))
    else:
        emit([_csv_row(o) for o in out], fmt, CSV_COLUMNS)


def _table_row(o: dict[str, Any], in_store: bool, lang: str) -> dict[str, Any]:
    from critmin.views.tables import cell

    return o | {
        "name": o[f"name_{lang}"],
        "stages": ", ".join(f"{cell(s['stage'], 'stage', lang)} [{s['hs6'] or '-'}]"
                            for s in o["stages"]),
        "byproduct_hosts": ", ".join(cell(h, "commodity", lang) for h in o["byproduct_hosts"]),
        "stages_with_data": ", ".join(cell(s, "stage", lang) for s in o["stages_with_data"] or [])
        if in_store else text("store_not_built", lang)}


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
    render(response, fmt, title=text("title_countries", lang).format(n=len(response.frame)))


@app.command("demo")
@user_errors
def demo(
    year: Annotated[int | None, typer.Option(
        help="Production year (default: the latest year with both trade and production, "
        "as every command).")] = None,
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
    year = response.year
    path = reports_dir() / f"top_producers_{year}.csv"
    with atomic_write(path) as tmp:
        frame.to_csv(tmp, index=False)
    if fmt is Format.table:
        cols = ["mineral", "stage", "top_producer", "top_share_pct", "world"]
        emit([_demo_row(r, lang) for r in records_of(frame)], fmt,
             cols + (["source_id", "alternatives"] if explain else []),
             title=text("title_demo", lang).format(year=year))
    else:
        render(response, fmt)
    _demo_summary(frame, year, str(path), explain, lang)


def _demo_row(r: dict[str, Any], lang: str) -> dict[str, Any]:
    from critmin.views.tables import number

    country = r["country_ja"] if lang == "ja" else r["country_en"]
    return r | {
        "mineral": r["commodity_id"], "top_producer": r["missing"] or f"{r['top_iso3']} {country}",
        "top_share_pct": None if r["top_share"] is None else round(100 * r["top_share"], 1),
        "world": None if r["total"] is None else f"{number(r['total'])} {r['unit']}"}


def _demo_summary(frame: Any, year: int, path: str, explain: bool, lang: str) -> None:
    from rich.console import Console

    from critmin.config import store_path

    console = Console(stderr=True)
    if explain:
        console.print(text("demo_preference", lang).format(
            preference=frame["preference"].iloc[0]), highlight=False)
    console.print(text("demo_summary", lang).format(
        have=int(frame["top_share"].notna().sum()), n=len(frame), year=year,
        above=int((frame["top_share"] >= 0.5).sum())), highlight=False)
    console.print(text("store_at", lang).format(path=store_path()), highlight=False)
    console.print(text("wrote_file", lang).format(path=path), highlight=False)


ListOpt = Annotated[bool, typer.Option(
    "--list", help="List the ids this command accepts (with names and meaning) and exit.")]


def listed(asked: bool, kinds: list[str], fmt: Format, lang: str) -> bool:
    """With ``--list``: print the ids of ``kinds`` and return True."""
    if asked:
        print_choices(kinds, fmt, lang)
    return asked


def print_choices(kinds: list[str], fmt: Format, lang: str) -> None:
    """``--list``: the ids of ``kinds`` with their name and meaning in ``lang`` (one
    table per kind; CSV and JSON: one document with a ``kind`` column)."""
    from critmin.service.catalog import ChoicesRequest, choices

    response = choices(ChoicesRequest(kinds=kinds))
    if fmt is not Format.table:
        render(response, fmt)
        return
    for kind in kinds:
        rows = [r | {"name": r[f"name_{lang}"], "detail": r["detail_ja" if lang == "ja"
                                                            else "detail"]}
                for r in records_of(response.frame) if r["kind"] == kind]
        emit(rows, fmt, ["id", "name", "detail"], title=text(f"list_{kind}", lang))
