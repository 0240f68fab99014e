"""The overview (every commodity of an importer and year: the risk × share matrix and the
table of the six axes, type and policy package) and the commodity page (radar, type and
its reason, package, data gaps, the sources behind each number, indicator series, top
producers and import partners).

Both pages read :func:`critmin.service.assess.report` (the assessment with the types'
Japanese reasons, the packages' levels and the axes' sources); their twins are
``critmin assess`` (``--explain``), ``critmin indicators`` and ``critmin indicators
--explain`` for the same request.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from critmin.errors import UnknownNameError
from critmin.methods.meti6 import axis_ids
from critmin.views.i18n import label, text
from critmin.views.tables import AxisReasons
from critmin.views.web.pages_common import (
    Params,
    Part,
    answer,
    command_part,
    country_choices,
    download_links,
    figure_json,
    form_choices,
    page_lang,
    query_of,
    render,
    response_rows,
    run,
    table_view,
    twin,
)

router = APIRouter()
AXES = list(axis_ids())
CIRCLED = "①②③④⑤⑥"
THRESHOLD_OF = {"production_concentration": "theta_hhi", "reserve_concentration": "theta_hhi",
                "import_governance_concentrate": "theta_g",
                "import_governance_refined": "theta_g"}
"""The typology threshold each axis is compared with (methods.md §9)."""


# ---------------------------------------------------------------- requests and parts


def assess_request(p: Params, **extra: Any) -> Any:
    """``critmin assess -i IMPORTER [--year Y] [--set S]`` of the page's parameters."""
    from critmin.service.assess import AssessRequest

    return AssessRequest(importers=[p.text("importer", "JPN")], year=p.integer("year"),
                         commodity_set=p.text("set", "all"), **extra)


def report_request(p: Params, lang: str, commodities: list[str] | None = None) -> Any:
    """The report request behind a page (the assessment in ``lang``) of one importer."""
    from critmin.errors import CritminError
    from critmin.service.assess import ReportRequest

    if (p.text("importer") or "").lower() == "all":
        raise CritminError("importer: a page shows one importer (a country, or a group such "
                           "as EU27); every importer at once: the .json or .csv twin")
    return ReportRequest(importers=[p.text("importer", "JPN")], year=p.integer("year"),
                         commodities=commodities, commodity_set=p.text("set", "all"),
                         lang=lang)


def assess_rows(response: Any) -> pd.DataFrame:
    """The rows of ``critmin assess -f csv``: one per commodity, one column per axis."""
    rows = [{"importer": r.importer, "commodity": r.commodity, "year": r.year,
             **r.indicators, "type": r.type, "type_reason": r.type_reason,
             "missing": AxisReasons(r.missing)}
            for r in response.frame.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["importer", "commodity", "year", *AXES, "type",
                                       "type_reason", "missing"])


def assess_part(request: Request, assess_request: Any, name: str) -> Part:
    """The assessment (one row per commodity, or per axis with ``explain``)."""
    command = "assess --explain" if assess_request.explain else "assess"
    rows = response_rows if assess_request.explain else assess_rows
    return command_part(request, command, assess_request, name, rows)


def overview_parts(request: Request) -> dict[str, Any]:
    p = Params(request.query_params)
    return {"assess": lambda: assess_part(request, assess_request(p), "assessment")}


def default_year(request: Request) -> int:
    """The year every command takes by default (the latest with trade and production)."""
    from critmin.service.common import default_year as latest
    from critmin.views.web.deps import holder

    with holder(request).reading() as con:
        return latest(con)


def explain_request(request: Request, commodity: str, year: int | None = None) -> Any:
    """``critmin indicators --explain`` of one importer, commodity and year."""
    from critmin.service.indicators import ExplainRequest

    p = Params(request.query_params)
    return ExplainRequest(importer=p.text("importer", "JPN"), commodity=commodity,
                          year=year or p.integer("year") or default_year(request))


def indicators_request(p: Params, commodity: str) -> Any:
    """``critmin indicators -i IMPORTER -c COMMODITY`` (every year)."""
    from critmin.service.indicators import IndicatorsRequest

    return IndicatorsRequest(importers=[p.text("importer", "JPN")], commodities=[commodity])


def trade_part(request: Request, commodity: str, which: str) -> Part:
    """Import partners or world producers behind the commodity (``--explain``)."""
    return command_part(request, "indicators --explain", explain_request(request, commodity),
                        f"{commodity}_{which}", lambda r: pd.DataFrame(
                            [row.model_dump() for row in getattr(r, which)]))


def commodity_parts(request: Request, name: str) -> dict[str, Any]:
    p = Params(request.query_params)
    return {
        "axes": lambda: assess_part(request, assess_request(
            p, commodities=[name], explain=True), f"{name}_axes"),
        "assess": lambda: assess_part(request, assess_request(p, commodities=[name]), name),
        "indicators": lambda: command_part(request, "indicators", indicators_request(
            p, name), f"{name}_indicators"),
        "partners": lambda: trade_part(request, name, "partners"),
        "producers": lambda: trade_part(request, name, "producers")}


# ---------------------------------------------------------------- overview


def axis_points(rep: Any) -> pd.DataFrame:
    """One row per commodity of a report: ``commodity, type`` and its six axis values."""
    return pd.DataFrame([{"commodity": r.commodity, "type": r.type, **r.indicators}
                         for r in rep.summary], columns=["commodity", "type", *AXES])


def chosen_axis(p: Params, name: str, default: str) -> str:
    value = p.text(name, default)
    if value not in AXES:
        raise UnknownNameError("axis", str(value), AXES)
    return value


def type_text(row: Any, lang: str) -> str:
    """A type's name with the markers of the CLI: * near a threshold, † out of scope."""
    return (label("type", row.type, lang) + (" *" if row.near_threshold else "")
            + (" †" if row.policy_scope else ""))


def overview_frame(rep: Any, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """The overview table (commodity, six axes, type, one column per measure) and the
    measures in the package's order."""
    measures = list(dict.fromkeys(p["measure_id"] for p in rep.packages))
    rows = [{"commodity": r.commodity, **{f"axis_{i}": r.indicators.get(a)
                                          for i, a in enumerate(AXES, start=1)},
             "type": type_text(r, lang), **{m: r.policy_package.get(m) for m in measures}}
            for r in rep.summary]
    return pd.DataFrame(rows, columns=["commodity", *[f"axis_{i}" for i in range(1, 7)],
                                       "type", *measures]), measures


def overview_table(request: Request, rep: Any, lang: str) -> Any:
    from critmin.catalog.tables import read_table

    frame, measures = overview_frame(rep, lang)
    level_class = {r["level"]: r["class"] for r in read_table("policy_levels")}
    keep = query_of(request, x=None, y=None, set=None)
    level = {m: (lambda v: label("level", v, lang) if v else "") for m in measures}
    table = table_view(
        frame, lang, "overview-table",
        heads={**{m: label("measure", m, lang) for m in measures}, "type": text("type", lang),
               **{f"axis_{i}": CIRCLED[i - 1] for i in range(1, 7)}},
        shown={"type": str, "commodity": lambda c: label("commodity", c, lang), **level},
        links={"commodity": lambda c: f"/{lang}/commodity/{c}?{keep}"},
        classes={m: (lambda v: level_class.get(v, "")) for m in measures})
    table.downloads = download_links(request, lang, "overview", "assess")
    return table


def _overview(request: Request, lang: str) -> Response:
    from critmin.views.web.pages_charts import matrix_figure

    p = Params(request.query_params)
    x = chosen_axis(p, "x", AXES[0])
    y = chosen_axis(p, "y", AXES[2])
    rep, _ = run(request, "report", report_request(p, lang))
    points = axis_points(rep)
    thresholds = {a: rep.metadata.thresholds[k] for a, k in THRESHOLD_OF.items()}
    unplaced = [label("commodity", c, lang) for c in points.loc[
        points[[x, y]].isna().any(axis=1), "commodity"]]
    title = text("web_title_overview", lang).format(importer=", ".join(rep.importers),
                                                   year=rep.year)
    return render(request, "overview.html", lang, "overview", title=title, rep=rep,
                  figure=figure_json(matrix_figure(points, lang, x, y, thresholds)),
                  table=overview_table(request, rep, lang), unplaced=unplaced,
                  axes=[{"id": a, "name": f"{CIRCLED[i]} {label('axis', a, lang)}"}
                        for i, a in enumerate(AXES)], x=x, y=y, params=p,
                  countries=country_choices(lang), report_query=query_of(
                      request, x=None, y=None))


@router.get("/{lang}/overview.{fmt}")
def overview_twin(request: Request, lang: str, fmt: str) -> Response:
    """The overview's twin: ``critmin assess -i IMPORTER [--year Y]``."""
    return twin(request, lang, fmt, overview_parts(request))


@router.get("/{lang}/")
@router.get("/{lang}/overview")
def overview_page(request: Request, lang: str) -> Response:
    """Every commodity for the importer and year: the matrix and the table."""
    return answer(request, lang, "overview", lambda: _overview(request, lang))


# ---------------------------------------------------------------- commodity


def package_rows(rep: Any, row: Any, lang: str) -> list[dict[str, str]]:
    """The type's policy package: measure, level and its class (none out of scope)."""
    if row.policy_scope:
        return []
    return [{"measure": label("measure", p["measure_id"], lang),
             "level": label("level", p["level"], lang), "cls": p["level_class"],
             "uncertain": p["certainty"] == "uncertain"}
            for p in rep.packages if p["type"] == row.type]


def axes_table(request: Request, frames: Any, lang: str) -> Any:
    """The axes with their raw values, basis, detail, sources and missing reasons."""
    from critmin.views.i18n import reason
    from critmin.views.report import source_list

    table = table_view(
        frames.values, lang, "axes-table",
        columns=["axis", "value", "raw", "basis", "detail", "source_ids", "missing"],
        shown={"axis": lambda a: label("axis", a, lang),
               "basis": lambda b: reason(b, lang),
               "detail": lambda d: reason(d, lang),
               "source_ids": lambda s: source_list(s, lang),
               "missing": lambda m: reason(m, lang)})
    table.downloads = download_links(request, lang, commodity_path(request), "axes")
    return table


def commodity_path(request: Request) -> str:
    """``commodity/<name>``: the page path the twins hang off."""
    return request.url.path.split("/", 2)[2]


def trade_tables(request: Request, explained: Any, lang: str) -> dict[str, Any]:
    """Tables and bar charts of the top producers and import partners."""
    from critmin.views.web.pages_charts import bars_figure

    out: dict[str, Any] = {}
    for which, where, key in (("producers", "iso3", "web_producers_title"),
                              ("partners", "partner", "web_partners_title")):
        rows = [r.model_dump() for r in getattr(explained, which)]
        frame = pd.DataFrame(rows, columns=list(type(getattr(explained, which)[0])
                                                .model_fields) if rows else ["stage"])
        table = table_view(frame, lang, f"{which}-table")
        table.downloads = download_links(request, lang, commodity_path(request), which)
        out[which] = {"table": table, "figure": figure_json(bars_figure(
            rows, where, lang, key)) if rows else None}
    return out


def commodity_view(request: Request, rep: Any, lang: str) -> dict[str, Any]:
    """Everything the commodity page shows, from the report of one commodity."""
    from critmin.views.charts import radar_figure
    from critmin.views.i18n import reason
    from critmin.views.report import report_frames, scope_text, type_reason
    from critmin.views.web.pages_charts import series_figure

    p, frames = Params(request.query_params), report_frames(rep)
    row, summary = next(frames.types.itertuples(index=False)), rep.summary[0]
    cid, importer = summary.commodity, rep.importers[0]
    series, _ = run(request, "indicators", indicators_request(p, cid))
    series_table = table_view(series.frame, lang, "series-table", columns=[
        "stage", "year", "indicator", "value", "basis", "missing"])
    series_table.downloads = download_links(request, lang, commodity_path(request),
                                            "indicators")
    return {"cid": cid, "importer": importer, "summary": summary,
            "type_name": type_text(summary, lang), "type_reason": type_reason(row, lang),
            "scope": scope_text(row.policy_scope, lang), "package": package_rows(rep, row, lang),
            "radar": figure_json(radar_figure(frames.values, importer, cid, lang)),
            "gaps": [{"axis": label("axis", a, lang), "reason": reason(m, lang)}
                     for a, m in summary.missing.items()],
            "axes": axes_table(request, frames, lang), "series_table": series_table,
            "series": figure_json(series_figure(series.frame, lang)),
            "trade": trade_tables(request, run(request, "indicators --explain", explain_request(
                request, cid, rep.year))[0], lang)}


def _commodity(request: Request, lang: str, name: str) -> Response:
    p = Params(request.query_params)
    rep, _ = run(request, "report", report_request(p, lang, [name]))
    view = commodity_view(request, rep, lang)
    title = text("web_title_commodity", lang).format(
        commodity=label("commodity", view["cid"], lang), importer=view["importer"],
        year=rep.year)
    return render(request, "commodity.html", lang, "overview", title=title, rep=rep,
                  params=p, **form_choices(lang), **view)


@router.get("/{lang}/commodity")
def commodity_pick(request: Request, lang: str) -> Response:
    """``?commodity=cobalt`` → ``/{lang}/commodity/cobalt`` (the other parameters kept)."""
    from urllib.parse import quote

    page_lang(lang)
    name = Params(request.query_params).text("commodity")
    rest = query_of(request, commodity=None)
    query = f"?{rest}" if rest else ""
    if not name:
        return RedirectResponse(f"/{lang}/{query}", status_code=303)
    # the name is one path segment: '/', '?', '#' and '..' cannot leave the page
    return RedirectResponse(f"/{lang}/commodity/{quote(name, safe='')}{query}",
                            status_code=303)


@router.get("/{lang}/commodity/{name}.{fmt}")
def commodity_twin(request: Request, lang: str, name: str, fmt: str) -> Response:
    """The commodity page's twins: ``assess --explain`` (default), ``assess``,
    ``indicators``, ``partners`` and ``producers`` (``indicators --explain``)."""
    return twin(request, lang, fmt, commodity_parts(request, name))


@router.get("/{lang}/commodity/{name}")
def commodity_page(request: Request, lang: str, name: str) -> Response:
    """One commodity for the importer and year."""
    return answer(request, lang, "overview", lambda: _commodity(request, lang, name))
