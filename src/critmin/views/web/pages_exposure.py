"""The exposure page: a bill of materials (an example, or a CSV/Excel file uploaded and
validated as the CLI validates it, problems listed by row) → exposure per commodity,
the three matrices, recommended actions and the look-through; with a scenario or a
one-exporter cut, the BOM's mass at risk under the shock.

Nothing uploaded is kept: the file lives in a temporary folder for the request only,
and is saved in the store only when the reader ticks "save" (``--save NAME``). Twins
(examples): ``critmin exposure --bom example:NAME [--scenario …] -f json``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from critmin.errors import CritminError
from critmin.views.i18n import label, text
from critmin.views.web.pages_common import (
    Params,
    Part,
    Store,
    answer,
    commodity_choices,
    country_choices,
    download_links,
    figure_json,
    is_htmx,
    page_lang,
    render,
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
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def examples() -> list[str]:
    """The example BOMs shipped with critmin (``example:NAME``)."""
    from critmin.analysis.exposure import examples as shipped

    return sorted(shipped())


def bom_name(bom_id: str, lang: str) -> str:
    """An example BOM by its name (``web_bom_<id>``); any other BOM by its id."""
    from critmin.views.i18n import all_labels

    key = f"web_bom_{bom_id}"
    return text(key, lang) if ("text", key) in all_labels() else bom_id


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


def run_exposure(request: Any, con: Any) -> Any:
    from critmin.service.exposure import ExposureShockRequest, exposure, exposure_shock

    call = exposure_shock if isinstance(request, ExposureShockRequest) else exposure
    return call(request, con)


def exposure_rows(response: Any) -> pd.DataFrame:
    """The rows of ``critmin exposure -f csv`` (actions and origin mixes as text)."""
    frame = response.frame[response.columns].copy()
    if response.command != "exposure":
        return frame
    frame["actions"] = [", ".join(a["action"] for a in acts) for acts in frame["actions"]]
    frame["origin_mix"] = ["; ".join(f"{m['country']}:{m['share']:.6g}" for m in mix or [])
                           for mix in frame["origin_mix"]]
    return frame


def example_part(p: Params, con: Any) -> Part:
    bom = p.text("bom", "example:" + examples()[0])
    if not bom.startswith("example:"):
        raise CritminError("bom: give example:NAME here (upload a file on the page); "
                           f"examples: {', '.join('example:' + e for e in examples())}")
    response = run_exposure(exposure_request(p, bom), con)
    return Part(response, lambda: exposure_rows(response), f"exposure_{bom[8:]}")


def lookthrough_part(p: Params, con: Any, lang: str) -> Part:
    """The look-through of the example: per supplier country × commodity its origins."""
    from critmin.views.exposure_report import lookthrough_frame

    part = example_part(p, con)
    return Part(part.response, lambda: lookthrough_frame(part.response.lookthrough, lang),
                part.name + "_lookthrough")


def saved_part(con: Any) -> Part:
    """``critmin exposure --list``."""
    from critmin.service.exposure import SavedBomsRequest, saved_boms

    response = saved_boms(SavedBomsRequest(), con)
    return Part(response, lambda: response.frame[response.columns], "saved_boms")


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
    from critmin.views.exposure_report import worded

    frame = response.frame
    shown = worded(frame, lang)
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


def saved_table(request: Request, con: Any, lang: str) -> Any:
    """The BOMs saved in the store (``critmin exposure --list``)."""
    from critmin.service.exposure import SavedBomsRequest, saved_boms

    frame = saved_boms(SavedBomsRequest(), con).frame
    table = table_view(frame, lang, "saved-table")
    table.downloads = download_links(request, lang, "exposure", "saved") if len(frame) else []
    return table


def page(request: Request, lang: str, p: Params, result: Any, con: Any) -> Response:
    """The exposure page around ``result`` (the result part alone for htmx)."""
    from critmin.service.shocks import ScenarioListRequest, scenario_list

    if is_htmx(request):
        return render(request, "_exposure_result.html", lang, "exposure", result=result)
    scenarios = scenario_list(ScenarioListRequest()).frame
    return render(request, "exposure.html", lang, "exposure", saved=saved_table(
                      request, con, lang),
                  title=text("web_title_exposure", lang), params=p, result=result,
                  examples=[{"id": e, "name": bom_name(e, lang)} for e in examples()],
                  commodities=commodity_choices(lang),
                  countries=country_choices(lang), scenarios=[
                      {"id": r.id, "name": r.name_ja if lang == "ja" and r.name_ja else r.name}
                      for r in scenarios.itertuples(index=False)])


def _exposure_get(request: Request, lang: str, con: Any) -> Response:
    p = Params(request.query_params)
    result = None
    if p.text("bom"):
        result = result_view(request, example_part(p, con).response, lang, link=True)
    return page(request, lang, p, result, con)


@router.get("/{lang}/exposure.{fmt}")
def exposure_twin(request: Request, lang: str, fmt: str,
                  con: Store) -> Response:
    """``critmin exposure --bom example:NAME`` (default), its look-through rows."""
    p = Params(request.query_params)
    return twin(request, lang, fmt, {"exposure": lambda: example_part(p, con),
                                     "lookthrough": lambda: lookthrough_part(p, con, lang),
                                     "saved": lambda: saved_part(con)})


@router.get("/{lang}/exposure")
def exposure_page(request: Request, lang: str, con: Store
                  ) -> Response:
    """The BOM form; with ``bom=example:NAME`` its exposure."""
    return answer(request, lang, "exposure", lambda: _exposure_get(request, lang, con))


# ---------------------------------------------------------------- upload


def safe_name(filename: str | None) -> str:
    """The uploaded file's own name, reduced to letters, digits, ``._-`` (its stem names
    the BOM); only a CSV or Excel suffix is accepted."""
    name = re.sub(r"[^\w.\-]", "_", Path(filename or "").name).lstrip(".") or "bom.csv"
    if Path(name).suffix.lower() not in SUFFIXES:
        raise CritminError(f"{filename}: upload a .csv or .xlsx file")
    return name


@contextmanager
def store_for(request: Request, writing: bool) -> Iterator[Any]:
    """A read-only cursor on the shared store, or — to save a BOM — the store opened for
    writing once no request reads (:meth:`.deps.StoreHolder.writing`)."""
    from critmin.views.web.deps import holder

    shared = holder(request)
    with shared.writing() if writing else shared.reading() as con:
        yield con


def _exposure_upload(request: Request, lang: str, p: Params, filename: str | None,
                     data: bytes | None) -> Response:
    """Validate and assess the uploaded BOM in a temporary folder (deleted after)."""
    if not data:
        raise CritminError(text("web_bom_missing", lang))
    save = (p.text("save_name") or Path(safe_name(filename)).stem) if p.flag("save") else None
    with tempfile.TemporaryDirectory(prefix="critmin-bom-") as folder:
        path = Path(folder) / safe_name(filename)
        path.write_bytes(data)
        with store_for(request, save is not None) as con:
            response = run_exposure(exposure_request(p, str(path), save), con)
            return page(request, lang, p, result_view(request, response, lang, link=False),
                        con)


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
