"""The data page (the store's sources with versions and licences, rows and years per
table with the flagged rows, coverage per commodity stage, codes not mapped to a country,
the build log: ``critmin data status``) and the report downloads (``critmin report``
for the importer and year, written into a temporary folder and sent).

Twins: ``critmin data status`` (default), ``critmin data sources`` (``part=sources``),
``critmin commodities`` (``part=coverage``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from critmin.views.i18n import label, text
from critmin.views.tables import year_span
from critmin.views.web.pages_common import (
    Params,
    answer,
    command_part,
    download_links,
    page_lang,
    render,
    table_view,
    twin,
)

router = APIRouter()
STATUS_COLUMNS = ["source_id", "table", "rows", "years", "flagged", "version", "licence",
                  "sha256"]
SOURCE_COLUMNS = ["source_id", "name", "publisher", "version", "licence", "retrieved"]
COVERAGE_COLUMNS = ["commodity", "stage", "hs6", "production_years", "trade_rows"]
REPORT_FILES = {"html": "text/html; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def status_rows(response: Any) -> pd.DataFrame:
    """One row per source and table: rows, years and flagged rows (``data status``)."""
    rows = [{"source_id": s["source_id"], "table": table, "rows": t.get("rows"),
             "years": year_span(t.get("year_min"), t.get("year_max")),
             "flagged": t.get("flagged_rows"), "version": s.get("version"),
             "licence": s.get("licence"), "sha256": (s.get("sha256") or "")[:12]}
            for s in response.sources for table, t in (s["tables"] or {"": {}}).items()]
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def coverage_rows(response: Any) -> pd.DataFrame:
    """One row per commodity stage: HS6 codes, production years and trade rows."""
    rows = [{"commodity": r["commodity_id"], **{k: s.get(k) for k in COVERAGE_COLUMNS[1:]}}
            for r in response.frame.to_dict("records") for s in r["stages"]]
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def data_parts(request: Request) -> dict[str, Any]:
    """``data status`` (default), ``data sources``, ``commodities`` (coverage)."""
    from critmin.service.catalog import CommoditiesRequest
    from critmin.service.data import DataSourcesRequest, DataStatusRequest

    return {"status": lambda: command_part(request, "data status", DataStatusRequest(),
                                           "data_status", status_rows),
            "sources": lambda: command_part(request, "data sources", DataSourcesRequest(),
                                            "data_sources"),
            "coverage": lambda: command_part(request, "commodities", CommoditiesRequest(),
                                             "coverage", coverage_rows)}


def data_tables(request: Request, lang: str) -> dict[str, Any]:
    """The data page's tables, each with its downloads."""
    parts = data_parts(request)
    status = parts["status"]().response
    sources = table_view(pd.DataFrame(status.sources), lang, "sources-table",
                         columns=SOURCE_COLUMNS, shown={"retrieved": lambda v: str(v or "")})
    sources.downloads = download_links(request, lang, "data", "sources")
    tables = table_view(status_rows(status), lang, "tables-table")
    tables.downloads = download_links(request, lang, "data", "status")
    coverage = table_view(coverage_rows(parts["coverage"]().response), lang,
                          "coverage-table",
                          shown={"commodity": lambda c: label("commodity", c, lang)})
    coverage.downloads = download_links(request, lang, "data", "coverage")
    return {"store": status, "sources": sources, "tables": tables, "coverage": coverage,
            "unmapped": table_view(pd.DataFrame(status.unmapped), lang, "unmapped-table"),
            "build_log": table_view(pd.DataFrame(status.build_log), lang, "log-table")}


@router.get("/{lang}/data.{fmt}")
def data_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin data status`` (default), ``data sources``, ``commodities``."""
    return twin(request, lang, fmt, data_parts(request))


@router.get("/{lang}/data")
def data_page(request: Request, lang: str) -> Response:
    """What the store holds and where each part comes from."""
    return answer(request, lang, "data", lambda: render(
        request, "data.html", lang, "data", title=text("web_title_data", lang), plots=False,
        **data_tables(request, lang)))


# ---------------------------------------------------------------- report


def report_file(request: Request, lang: str, kind: str) -> Response:
    """``critmin report -i IMPORTER [--year Y] --lang LANG --out TMP``: the file of
    ``kind`` (html, xlsx), sent and then deleted with its folder."""
    from critmin.service.assess import ReportRequest, report
    from critmin.views.report import write_report
    from critmin.views.web.deps import holder

    p = Params(request.query_params)
    folder = tempfile.mkdtemp(prefix="critmin-report-")
    try:
        asked = ReportRequest(importers=p.names("importer") or ["JPN"],
                              year=p.integer("year"), lang=lang, out=folder)
        with holder(request).reading() as con:
            response = report(asked, con)
        path = write_report(response)[kind]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=REPORT_FILES[kind], filename=Path(path).name,
                        background=BackgroundTask(shutil.rmtree, folder, True))


@router.get("/{lang}/report.{kind}")
def report_download(request: Request, lang: str, kind: str) -> Response:
    """The assessment report of the importer and year, as HTML or Excel."""
    page_lang(lang)
    if kind not in REPORT_FILES:
        raise HTTPException(status_code=404, detail=f"report.{kind}: use "
                            + " or ".join(f"report.{k}" for k in REPORT_FILES))
    return answer(request, lang, "overview", lambda: report_file(request, lang, kind))
