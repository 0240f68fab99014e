"""The exposure page: a bill of materials (an example, or a CSV/Excel file uploaded and
validated as the CLI validates it, problems listed by row) → exposure per commodity,
the three matrices, recommended actions and the look-through; with a scenario or a
one-exporter cut, the BOM's mass at risk under the shock.

Nothing uploaded is kept: the file lives in a temporary folder for the request only,
and is saved in the store only when the reader ticks "save" (``--save NAME``). Twins
(examples): ``critmin exposure --bom example:NAME [--scenario …] -f json``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from critmin.errors import CritminError
from critmin.views.i18n import bom_name, join_words, label, text
from critmin.views.web.pages_common import (
    Params,
    Part,
    answer,
    command_part,
    download_links,
    figure_json,
    form_choices,
    form_page,
    page_lang,
    scenario_choices,
    table_view,
    twin,
)

router = APIRouter()
SUMMARY = ["commodity", "top_country", "top_share", "top_risk", "quadrant",
           "origin_quadrant", "governance_risk", "mass_t", "spend", "actions"]
ORIGINS = ["commodity", "origin_top_country", "origin_top_share", "origin_top_risk",
           "origin_quadrant", "lookthrough_coverage", "origin_mix"]
SHOCK_ROWS = ["bom_row", "product", "part", "commodity", "supplier_country", "mass_t",
              "mass_at_risk_t", "residual_shortfall_t", "path", "at_risk_share",
              "origin_top_country"]
BY_COMMODITY = ["commodity", "material_stage", "mass_t", "mass_at_risk_t",
                "residual_shortfall_t", "unassessed_t"]


def examples() -> list[str]:
    """The example BOMs shipped with critmin (``example:NAME``)."""
    from critmin.analysis.bom import examples as shipped

    return sorted(shipped())


def shock_fields(p: Params) -> dict[str, Any]:
    """The shock of the form: none, a library scenario or one exporter's cut."""
    kind = p.text("shock", "none")
    if kind == "library":
        return {"scenario": p.text("scenario")}
    if kind == "custom":
        stage = p.text("stage")
        return {"exporter": p.text("exporter"), "commodity": p.text("commodity"),
                "cut": p.number("cut"), "stages": [stage] if stage else None,
                "redirect_share": p.number("omega"), "spare_capacity": p.number("kappa")}
    return {}


def exposure_request(p: Params, bom: str, save: str | None = None) -> Any:
    """``critmin exposure --bom BOM -i IMPORTER [--year Y] [shock] [--save NAME]``."""
    from critmin.service.exposure import ExposureRequest, ExposureShockRequest

    shock = shock_fields(p)
    common = {"bom": bom, "importer": p.text("importer", "JPN"), "year": p.integer("year"),
              "save": save}
    if shock:
        return ExposureShockRequest(**common, **shock)
    return ExposureRequest(**common, price_shock=p.names("price_shock") or None)


def command_of(asked: Any) -> str:
    """The command of an exposure request (with a shock: ``exposure shock``)."""
    from critmin.service.exposure import ExposureShockRequest

    return "exposure shock" if isinstance(asked, ExposureShockRequest) else "exposure"


def exposure_rows(response: Any) -> pd.DataFrame:
    """The rows of ``critmin exposure -f csv`` (actions and origin mixes as text)."""
    frame = response.frame[response.columns].copy()
    if response.command != "exposure":
        return frame
    frame["actions"] = [", ".join(a["action"] for a in acts) for acts in frame["actions"]]
    frame["origin_mix"] = ["; ".join(f"{m['country']}:{m['share']:.6g}" for m in mix or [])
                           for mix in frame["origin_mix"]]
    return frame


def example_part(request: Request) -> Part:
    """An example BOM's exposure (``example:NAME``; a file only by upload)."""
    p = Params(request.query_params)
    asked = exposure_request(p, p.text("bom", "example:" + examples()[0]))
    return command_part(request, command_of(asked), asked,
                        f"exposure_{asked.bom.removeprefix('example:')}", exposure_rows)


def lookthrough_part(request: Request, lang: str) -> Part:
    """The look-through of the example: per supplier country × commodity its origins."""
    from critmin.views.exposure_report import lookthrough_frame

    part = example_part(request)
    return Part(part.response, part.json, lambda: lookthrough_frame(
        part.response.lookthrough, lang), part.name + "_lookthrough")


def saved_part(request: Request) -> Part:
    """``critmin exposure --list``."""
    from critmin.service.exposure import SavedBomsRequest

    return command_part(request, "exposure --list", SavedBomsRequest(), "saved_boms")


# ---------------------------------------------------------------- views


def actions_view(frame: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    """Each recommended move: commodity, the move and its strength, and why."""
    from critmin.views.exposure_report import action_name, action_reason

    return [{"commodity": label("commodity", c, lang), "action": action_name(a, lang),
             "reason": action_reason(a, lang)}
            for c, acts in zip(frame["commodity"], frame["actions"], strict=True)
            for a in acts]


def lookthrough_view(request: Request, response: Any, lang: str, link: bool) -> Any:
    from critmin.views.exposure_report import lookthrough_frame

    table = table_view(lookthrough_frame(response.lookthrough, lang), lang,
                       "lookthrough-table", shown={"material_stage": str, "origin_kind": str})
    if link:
        table.downloads = download_links(request, lang, "exposure", "lookthrough")
    return table


def exposure_view(request: Request, response: Any, lang: str, link: bool) -> dict[str, Any]:
    """The exposure tables, the matrices and the actions of an exposure response."""
    from critmin.views.exposure_charts import exposure_figures
    from critmin.views.exposure_report import action_name, worded

    frame = response.frame
    shown = worded(frame, lang)
    shown["actions"] = [join_words((action_name(a, lang) for a in acts), lang)
                        for acts in frame["actions"]]
    summary = table_view(shown, lang, "exposure-table", columns=SUMMARY,
                         shown={c: str for c in ("quadrant", "origin_quadrant", "actions")})
    origins = table_view(shown, lang, "origins-table", columns=ORIGINS,
                         shown={"origin_quadrant": str, "origin_mix": str})
    if link:
        summary.downloads = download_links(request, lang, "exposure", "exposure")
    figures = exposure_figures(frame.rename(columns={"commodity": "commodity_id"}), lang)
    sens = response.sensitivity_frame
    return {"summary": summary, "origins": origins, "actions": actions_view(frame, lang),
            "figures": {k: figure_json(f) for k, f in figures.items()},
            "sensitivity": None if sens is None else table_view(sens, lang, "price-table")}


def shock_view(request: Request, response: Any, lang: str, link: bool) -> dict[str, Any]:
    """The BOM under a shock: per row, per commodity, and what it rests on."""
    from critmin.views import shock_text
    from critmin.views.exposure_report import (
        assumptions_text,
        missing_notes,
        plain,
        shock_title,
        stage_name,
    )

    rows = table_view(response.frame, lang, "shock-rows-table", columns=SHOCK_ROWS,
                      shown={"path": lambda v: text(f"path_{v}", lang)})
    if link:
        rows.downloads = download_links(request, lang, "exposure", "exposure")
    by_c = pd.DataFrame(plain(response.by_commodity), columns=BY_COMMODITY)
    lines = [assumptions_text(response, lang), *missing_notes(list(response.frame["missing"]),
                                                               lang)]
    if getattr(response, "assumptions", None) is not None:
        lines += shock_text.assumption_lines(response.assumptions, lang)
    title = shock_title(response, lang).replace(response.bom_id, bom_name(response.bom_id,
                                                                          lang))
    return {"title": title, "rows": rows, "lines": lines,
            "by_commodity": table_view(by_c, lang, "shock-commodity-table", shown={
                "material_stage": lambda s: stage_name(s, lang)})}


def result_view(request: Request, response: Any, lang: str, link: bool) -> dict[str, Any]:
    """What the result part shows for an exposure or an exposure-shock response."""
    from critmin.views.exposure_report import lookthrough_notes

    shock = response.command != "exposure"
    body = shock_view(request, response, lang, link) if shock else exposure_view(
        request, response, lang, link)
    saved = None if response.stored_rows is None else text("exposure_saved", lang).format(
        name=response.bom_id, rows=f"{response.stored_rows:,}")
    return {"shock": shock, "bom": bom_name(response.bom_id, lang),
            "importer": response.importer, "year": response.year, "saved": saved, **body,
            "lookthrough": lookthrough_view(request, response, lang, link),
            "lookthrough_notes": lookthrough_notes(response.lookthrough, lang)}


def saved_table(request: Request, lang: str) -> Any:
    """The BOMs saved in the store (``critmin exposure --list``)."""
    frame = saved_part(request).response.frame
    table = table_view(frame, lang, "saved-table")
    table.downloads = download_links(request, lang, "exposure", "saved") if len(frame) else []
    return table


def page(request: Request, lang: str, p: Params, result: Any) -> Response:
    """The exposure page around ``result`` (the result part alone for htmx)."""
    from critmin.analysis.bom import FILE_SUFFIXES
    from critmin.service.shocks import ScenarioListRequest, scenario_list
    from critmin.views.web.security import MAX_UPLOAD_BYTES

    return form_page(request, lang, "exposure", p, result, lambda: {
        "saved": saved_table(request, lang), **form_choices(lang),
        "max_upload_bytes": MAX_UPLOAD_BYTES, "bom_suffixes": ",".join(FILE_SUFFIXES),
        "examples": [{"id": e, "name": bom_name(e, lang)} for e in examples()],
        "scenarios": scenario_choices(scenario_list(ScenarioListRequest()).frame, lang)})


def _exposure_get(request: Request, lang: str) -> Response:
    p = Params(request.query_params)
    result = None
    if p.text("bom"):
        result = result_view(request, example_part(request).response, lang, link=True)
    return page(request, lang, p, result)


@router.get("/{lang}/exposure.{fmt}")
def exposure_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin exposure --bom example:NAME`` (default), its look-through rows, the
    saved BOMs (``exposure --list``)."""
    return twin(request, lang, fmt, {"exposure": lambda: example_part(request),
                                     "lookthrough": lambda: lookthrough_part(request, lang),
                                     "saved": lambda: saved_part(request)})


@router.get("/{lang}/exposure")
def exposure_page(request: Request, lang: str) -> Response:
    """The BOM form; with ``bom=example:NAME`` its exposure."""
    return answer(request, lang, "exposure", lambda: _exposure_get(request, lang))


# ---------------------------------------------------------------- upload


def assess_upload(request: Request, asked: Any) -> Any:
    """The exposure of an uploaded BOM (never cached: the file is gone after), checked as
    the API checks uploads; saving opens the store for writing once no request reads
    (:meth:`.deps.StoreHolder.writing`)."""
    from critmin.service.registry import commands
    from critmin.views.web.api import check_web
    from critmin.views.web.deps import holder

    name = command_of(asked)
    check_web(name, asked, upload=True)
    shared = holder(request)
    with shared.writing() if asked.save is not None else shared.reading() as con:
        return commands()[name][2](asked, con)


def _exposure_upload(request: Request, lang: str, p: Params, filename: str | None,
                     data: bytes | None) -> Response:
    """Validate and assess the uploaded BOM in a temporary folder (deleted after)."""
    if not data:
        raise CritminError(text("web_bom_missing", lang))
    from critmin.views.web.api import renamed, upload_name

    shown = upload_name(filename)
    save = (p.text("save_name") or Path(shown).stem) if p.flag("save") else None
    with tempfile.TemporaryDirectory(prefix="critmin-bom-") as folder:
        path = Path(folder) / shown
        path.write_bytes(data)
        try:
            response = assess_upload(request, exposure_request(p, str(path), save))
        except CritminError as exc:   # never show the server's temporary folder
            raise renamed(exc, str(path), shown) from None
        result = result_view(request, response, lang, link=False)
    return page(request, lang, p, result)


@router.post("/{lang}/exposure")
async def exposure_upload(request: Request, lang: str) -> Response:
    """A BOM uploaded (multipart ``bom_file``): validated, assessed, not kept unless
    ``save`` is ticked."""
    page_lang(lang)
    form = await request.form()
    upload = form.get("bom_file")
    data = await upload.read() if hasattr(upload, "read") else None
    name = getattr(upload, "filename", None)
    p = Params({k: v for k, v in form.items() if isinstance(v, str)})
    return await run_in_threadpool(answer, request, lang, "exposure",
                                   lambda: _exposure_upload(request, lang, p, name, data))
