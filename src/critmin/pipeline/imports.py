"""``critmin data import``: official releases and users' tables into the store.

Every import reads and checks the whole file first, then writes in one DuckDB
transaction: rows of the import's sources are replaced, foreign keys (ISO3, commodity)
are checked, and anything wrong rolls the store back unchanged. Importing a file whose
sha256 the store already holds for that source changes nothing (idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.errors import CritminError, require_file
from critmin.sources.bundle import sha256_file
from critmin.sources.provenance import Extract
from critmin.store.derived import refresh_trade_stage
from critmin.store.io import connect, new_content_id
from critmin.store.production import refresh_own_production
from critmin.store.schema import DATA_TABLES

#: foreign keys checked before an import commits: table → [(column, ref table, ref col)]
FOREIGN_KEYS = {
    "production": [("iso3", "country", "iso3"), ("commodity_id", "commodity", "commodity_id")],
    "reserves": [("iso3", "country", "iso3"), ("commodity_id", "commodity", "commodity_id")],
    "capacity": [("iso3", "country", "iso3"), ("commodity_id", "commodity", "commodity_id")],
    "world_total": [("commodity_id", "commodity", "commodity_id")],
    "trade": [("exporter", "country", "iso3"), ("importer", "country", "iso3")],
    "governance": [("iso3", "country", "iso3")],
    "price": [("commodity_id", "commodity", "commodity_id")],
    "recycling": [("commodity_id", "commodity", "commodity_id")],
    "salient": [("commodity_id", "commodity", "commodity_id")],
    "event": [("iso3", "country", "iso3"), ("commodity_id", "commodity", "commodity_id")],
}


@dataclass
class ImportSummary:
    """What one import did: per source, rows written per table, or unchanged."""

    file: Path
    seconds: float = 0.0
    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    report: list[tuple[str, str, int, str]] = field(default_factory=list)


def source_sha(con: Any, source_id: str) -> str | None:
    """sha256 the store holds for ``source_id`` (None if absent)."""
    rows = con.execute("select sha256 from source where source_id = ?", [source_id]).fetchall()
    return rows[0][0] if rows else None


def _source_with_sha(store: Path, sha256: str) -> str | None:
    with connect(store) as con:
        row = con.execute("select source_id from source where sha256 = ?", [sha256]).fetchall()
    return row[0][0] if row else None


def apply_extracts(store: Path, file: Path, extracts: list[Extract]) -> ImportSummary:
    """Write ``extracts`` into the store at ``store`` in one transaction (see module doc)."""
    summary = ImportSummary(Path(file))
    con = connect(store, read_only=False)
    try:
        todo = [e for e in extracts if source_sha(con, e.source.source_id) != e.source.sha256]
        summary.unchanged = [e.source.source_id for e in extracts if e not in todo]
        if not todo:
            return summary
        con.execute("begin transaction")
        try:
            for extract in todo:
                summary.sources[extract.source.source_id] = _write(con, extract)
                summary.report += [(extract.source.source_id, *r) for r in extract.report.rows]
            if any("trade" in e.tables for e in todo):
                refresh_trade_stage(con)  # and own_production
            elif any("production" in e.tables for e in todo):
                refresh_own_production(con)
            new_content_id(con)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    return summary


def _write(con: Any, extract: Extract) -> dict[str, int]:
    from datetime import UTC, datetime

    s = extract.source
    sid = s.source_id
    for table in (*DATA_TABLES, "country_map", "build_log"):
        con.execute(f"delete from {table} where source_id = ?", [sid])
    con.execute("delete from source where source_id = ?", [sid])
    con.execute("insert into source values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        sid, s.name, s.publisher, s.version, s.url, s.licence,
        s.retrieved or datetime.now(UTC).isoformat(timespec="seconds"), s.sha256, s.file])
    counts = {}
    for table, frame in extract.tables.items():
        if callable(frame):  # an adapter that streams its rows itself (BACI)
            frame(con, sid)
        elif len(frame):
            insert_frame(con, table, frame.assign(source_id=sid))
        counts[table] = con.execute(f"select count(*) from {table} where source_id = ?",
                                    [sid]).fetchall()[0][0]
        check_foreign_keys(con, table, sid)
    if extract.country_map is not None and len(extract.country_map):
        insert_frame(con, "country_map", extract.country_map.assign(source_id=sid))
    rows = [(sid, *r) for r in extract.report.rows]
    if rows:
        con.executemany("insert into build_log values (?, ?, ?, ?)", rows)
    return counts


def insert_frame(con: Any, table: str, frame: pd.DataFrame) -> None:
    """Insert ``frame`` into ``table`` by column name (all table columns required)."""
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise CritminError(f"internal: rows for table {table} lack columns {missing}")
    con.register("frame_in", frame[cols])
    try:
        con.execute(f"insert into {table} select * from frame_in")
    finally:
        con.unregister("frame_in")


def check_foreign_keys(con: Any, table: str, source_id: str) -> None:
    """Raise if rows of ``source_id`` in ``table`` name unknown countries or commodities."""
    for col, ref, ref_col in FOREIGN_KEYS.get(table, []):
        bad = con.execute(f"""
            select distinct t.{col} from {table} t left join {ref} r on t.{col} = r.{ref_col}
            where t.source_id = ? and t.{col} is not null and r.{ref_col} is null limit 10
        """, [source_id]).fetchall()
        if bad:
            raise CritminError(f"{table}.{col}: unknown values {[b[0] for b in bad]} "
                               f"(not in table {ref})")


ADAPTERS: dict[str, str] = {
    "usgs-mcs": "USGS MCS world-data CSV, a salient-statistics CSV, or the release folder",
    "wgi": "World Bank WGI full release (wgidataset.xlsx)",
    "pinksheet": "World Bank Pink Sheet monthly prices (CMO-Historical-Data-Monthly.xlsx)",
    "baci": "CEPII BACI release CSV (t,i,j,k,v,q)",
    "table": "your own CSV or Excel in the schema of a store table",
}


def import_file(store: Path, adapter: str, file: Path,
                on_step: Callable[[str], None] | None = None, **options: Any) -> ImportSummary:
    """Import ``file`` with ``adapter`` (one of :data:`ADAPTERS`) into the store."""
    step = on_step or (lambda _s: None)
    start = time.perf_counter()
    file = Path(file)
    if adapter not in ADAPTERS:
        from critmin.errors import UnknownNameError

        raise UnknownNameError("import source", adapter, list(ADAPTERS))
    if adapter != "usgs-mcs" or not file.is_dir():  # (usgs-mcs: also the release folder)
        require_file(file, "import")
    check_format(adapter, file)  # first: a wrong file must not pass as "already imported"
    if file.is_file() and adapter != "table":
        known = _source_with_sha(store, sha256_file(file))
        if known:  # the same bytes were imported before: nothing to read or write
            return ImportSummary(file, time.perf_counter() - start, unchanged=[known])
    step("reading " + file.name)
    extracts = _read(adapter, file, **options)
    step("writing store")
    summary = apply_extracts(store, file, extracts)
    summary.seconds = time.perf_counter() - start
    return summary


def check_format(adapter: str, file: Path) -> None:
    """Refuse, cheaply, a file that is not of ``adapter``'s format (header line or sheet
    names only), before the sha256 check: the bytes of another source's file already in
    the store must not pass as "already imported" (issue 17). The adapter's reader
    checks the whole file afterwards."""
    if file.is_dir() or adapter == "table" or file.suffix.lower() == ".xls":
        return  # (.xls: no cheap look inside; the reader checks it)
    if adapter in ("usgs-mcs", "baci"):
        columns = _csv_header(file, ADAPTERS[adapter])
        if adapter == "baci":
            from critmin.sources.baci import RELEASE_COLUMNS

            if columns != RELEASE_COLUMNS:
                raise CritminError(f"{file.name} is not a BACI release file: expected "
                                   f"columns {','.join(RELEASE_COLUMNS)}; found "
                                   f"{','.join(columns[:8])[:80]!r}")
        elif file.name.lower().endswith("_salient.csv"):
            if columns[1:3] != ["Commodity", "Year"]:
                raise CritminError(f"{file.name} is not a USGS salient-statistics file: "
                                   "expected columns DataSource, Commodity, Year, <items>; "
                                   f"found {', '.join(columns[:6])}")
        else:
            from critmin.sources.usgs_mcs import detect_format

            detect_format(columns, file)
        return
    sheets = _sheet_headers(file, ADAPTERS[adapter])
    if adapter == "pinksheet":
        from critmin.sources.pinksheet import SHEET

        if SHEET not in sheets:
            raise CritminError(f"{file.name} is not the Pink Sheet monthly file: no sheet "
                               f"'{SHEET}' (sheets: {', '.join(sheets)})")
    elif adapter == "wgi":
        from critmin.sources.wgi import RELEASE_COLUMNS as WGI_COLUMNS

        if not any(set(WGI_COLUMNS) <= set(h) for h in sheets.values()):
            raise CritminError(f"{file.name} is not the WGI full release: expected a sheet "
                               f"with columns {', '.join(WGI_COLUMNS)}; sheets: "
                               f"{', '.join(sheets)}")


def _csv_header(file: Path, expected: str) -> list[str]:
    """The column names of a CSV's first line (UTF-8, else cp1252), or an error saying the
    file is not a CSV text file."""
    import csv

    with open(file, "rb") as f:
        first = f.readline(1 << 20)
    if first.startswith(b"PK\x03\x04") or b"\x00" in first:
        raise CritminError(f"{file.name} is not a CSV text file (it is binary, e.g. an Excel "
                           f"workbook): expected a {expected}")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = first.decode("cp1252", errors="replace")
    return [c.strip() for c in next(csv.reader([text.rstrip("\r\n")]), [])]


def _sheet_headers(file: Path, expected: str) -> dict[str, list[str]]:
    """Each sheet's name and the text cells of its first row, or an error saying the file
    is not an Excel workbook (python-calamine, the reader of
    :data:`critmin.sources.values.EXCEL_ENGINE`)."""
    from python_calamine import CalamineError, CalamineWorkbook

    def first_row(book: CalamineWorkbook, name: str) -> list[str]:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=1)
        return [str(c).strip() for c in (rows[0] if rows else []) if c not in (None, "")]

    try:
        book = CalamineWorkbook.from_path(str(file))
        try:
            return {name: first_row(book, name) for name in book.sheet_names}
        finally:
            book.close()
    except (OSError, CalamineError):
        raise CritminError(f"{file.name}: cannot be read as an Excel workbook (.xlsx): "
                           f"expected the {expected}") from None


def _read(adapter: str, file: Path, **options: Any) -> list[Extract]:
    if adapter == "usgs-mcs":
        from critmin.sources import usgs_mcs

        return _read_usgs(file, usgs_mcs)
    if adapter == "wgi":
        from critmin.sources import wgi

        return [wgi.read_release(file, sha256_file(file))]
    if adapter == "pinksheet":
        from critmin.sources import pinksheet

        return [pinksheet.read_monthly(file, sha256_file(file))]
    if adapter == "baci":
        from critmin.sources import baci

        hs = options.get("hs_codes", "catalog")
        codes = None if hs == "all" else (catalog_hs_codes() if hs == "catalog" else hs)
        return [baci.read_release(file, sha256_file(file), hs_codes=codes,
                                  country_codes=options.get("country_codes"))]
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.contents import canonical_basis
    from critmin.catalog.countries import resolve_country
    from critmin.sources import user_table

    return [user_table.read_table_file(file, sha256_file(file),
                                       resolve_commodity=resolve_commodity,
                                       resolve_country=resolve_country,
                                       canonical_basis=canonical_basis(), **options)]


def catalog_hs_codes() -> list[str]:
    """Every HS6 code of the catalog's commodity stages (the default BACI filter)."""
    from critmin.catalog.tables import read_table

    return sorted({r["hs6"] for r in read_table("commodity_stages") if r["hs6"]})


def _read_usgs(path: Path, usgs_mcs: Any) -> list[Extract]:
    import hashlib

    if path.is_dir():
        world = sorted(path.rglob("*World_Data.csv"))
        salient = sorted(path.rglob("*_salient.csv"))
        if not world and not salient:
            raise CritminError(f"{path}: no '*World_Data.csv' or '*_salient.csv' files in it")
    elif path.name.lower().endswith("_salient.csv"):
        world, salient = [], [path]
    else:
        world, salient = [path], []
    out = [usgs_mcs.read_world(w, sha256_file(w)) for w in world]
    if salient:
        digest = hashlib.sha256()
        for f in salient:
            digest.update(f.name.encode() + sha256_file(f).encode())
        out.append(usgs_mcs.read_salient(salient, digest.hexdigest(),
                                         usgs_mcs.edition_of(salient[0])))
    return out
