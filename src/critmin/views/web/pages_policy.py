"""The what-if page (the four levers as inputs; the radar before and after) and the shock
page (a library scenario or one's own cut; shortfall per importer with its assumptions
and caveats, and optionally 5–95 % bands from a bounded Monte Carlo run).

Their twins are ``critmin whatif``, ``critmin shock`` / ``critmin scenario run`` and
``critmin uncertainty --scenario`` for the same inputs. A form submitted by htmx gets the
result part alone (``_whatif_result.html``, ``_shock_result.html``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from critmin.errors import CritminError
from critmin.views.i18n import label, text
from critmin.views.web.pages_common import (
    Params,
    Part,
    answer,
    command_part,
    download_links,
    figure_json,
    form_choices,
    form_page,
    scenario_choices,
    table_view,
    twin,
)

router = APIRouter()
LEVER_PARAMS = ("mine_country", "mine_t", "smelter_country", "smelter_t", "saving",
                "recycling")
WEB_MAX_DRAWS = 2000
"""Monte Carlo draws a page may ask for (the CLI runs more)."""
CHART_ROWS = 12
"""Importer × commodity stages drawn in the shortfall chart (the table has them all)."""
SHOCK_TABLE = ["importer", "commodity", "stage", "imports_t", "direct_loss_t",
               "resourced_t", "shortfall_t", "shortfall_share", "import_hhi_before",
               "import_hhi_after"]
BAND_TABLE = ["importer", "commodity", "stage", "shortfall_t", "shortfall_q05",
              "shortfall_q50", "shortfall_q95"]


# ---------------------------------------------------------------- what-if


def supply(p: Params, lever: str) -> str | None:
    """``COUNTRY:T_PER_YEAR[:RESERVES_T]`` of the ``mine`` or ``smelter`` fields."""
    country, tonnes = p.text(f"{lever}_country"), p.text(f"{lever}_t")
    if country is None and tonnes is None:
        return None
    reserves = p.text(f"{lever}_reserves")
    return ":".join([country or "", tonnes or "", *([reserves] if reserves else [])])


def whatif_request(p: Params) -> Any:
    """``critmin whatif -i IMPORTER -c COMMODITY --mine … --offtake …`` of the form."""
    from critmin.service.assess import WhatIfRequest, lever_records

    commodity = p.text("commodity", "rare_earths")
    levers = lever_records([commodity], supply(p, "mine"), supply(p, "smelter"),
                           p.number("offtake", 0.5), p.number("kappa", 1.0),
                           p.number("saving"), p.number("recycling"))
    return WhatIfRequest(importer=p.text("importer", "JPN"), year=p.integer("year"),
                         commodities=[commodity], levers=levers)


def whatif_part(request: Request) -> Part:
    return command_part(request, "whatif", whatif_request(Params(request.query_params)),
                        "whatif")


LEVER_MEASURE = {"mine": "mine_investment", "smelter": "smelter_investment",
                 "saving": "saving_substitution", "recycling": "recycling_technology"}
LEVER_NUMBER = {"mine": "①", "smelter": "②", "saving": "③", "recycling": "④"}


def lever_lines(levers: list[dict[str, Any]], lang: str) -> list[str]:
    """Each lever of a what-if request in words: the measure, its commodity and values."""
    from critmin.views.tables import cell
    from critmin.views.web.pages_charts import bracketed

    sep, colon = ("、", "：") if lang == "ja" else (", ", ": ")
    return [LEVER_NUMBER[lv["lever"]] + " " + bracketed(
                label("measure", LEVER_MEASURE[lv["lever"]], lang),
                label("commodity", lv["commodity"], lang), lang) + colon + sep.join(
                f"{text('param_' + k, lang)} {cell(v, k, lang)}" for k, v in lv.items()
                if k not in ("lever", "commodity")) for lv in levers]


def whatif_result(request: Request, response: Any, lang: str) -> dict[str, Any]:
    """Before/after radars, the table of every axis and each type before → after."""
    from critmin.views.charts import radar_figure

    frame = response.frame
    key = ["importer", "commodity", "axis"]
    before, after = (frame[[*key, col]].rename(columns={"commodity": "commodity_id",
                                                        col: "value"})
                     for col in ("before", "after"))
    cells = frame[["importer", "commodity"]].drop_duplicates().itertuples(index=False)
    table = table_view(frame, lang, "whatif-table", columns=[
        "commodity", "axis", "before", "after", "delta", "rise_reason"])
    table.downloads = download_links(request, lang, "whatif", "whatif")
    types = frame.drop_duplicates("commodity")
    return {"radars": [figure_json(radar_figure(before, c.importer, c.commodity, lang,
                                                after=after)) for c in cells],
            "table": table, "year": response.year,
            "levers": lever_lines(response.request["levers"], lang),
            "types": [{"commodity": label("commodity", r.commodity, lang),
                       "before": label("type", r.type_before, lang),
                       "after": label("type", r.type_after, lang)}
                      for r in types.itertuples(index=False)]}


def _whatif(request: Request, lang: str) -> Response:
    p = Params(request.query_params)
    ran = any(p.text(k) for k in LEVER_PARAMS)
    result = whatif_result(request, whatif_part(request).response, lang) if ran else None
    return form_page(request, lang, "whatif", p, result, lambda: {
        **form_choices(lang), "commodity": p.text("commodity", "rare_earths")})


@router.get("/{lang}/whatif.{fmt}")
def whatif_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin whatif`` of the form's levers."""
    return twin(request, lang, fmt, {"whatif": lambda: whatif_part(request)})


@router.get("/{lang}/whatif")
def whatif_page(request: Request, lang: str) -> Response:
    """The four levers; with any lever given, the radar before and after."""
    return answer(request, lang, "whatif", lambda: _whatif(request, lang))


# ---------------------------------------------------------------- shock


def shock_importers(p: Params) -> list[str] | None:
    """The importers reported: ``importer=JPN,KOR``; ``all``: every one that loses."""
    names = p.names("importer") or ["JPN"]
    return None if [n.lower() for n in names] == ["all"] else names


def shock_request(p: Params) -> Any | None:
    """``critmin scenario run ID`` (mode library) or ``critmin shock --exporter …``
    (mode custom) of the form; None before anything is chosen."""
    from critmin.service.shocks import ScenarioRunRequest, ShockRequest

    if p.text("mode", "library") == "library":
        scenario = p.text("scenario")
        return None if scenario is None else ScenarioRunRequest(
            scenario=scenario, importers=shock_importers(p), year=p.integer("year"))
    if not any(p.text(k) for k in ("exporter", "commodity", "cut")):
        return None
    stage = p.text("stage")
    return ShockRequest(exporter=p.text("exporter", ""), commodity=p.text("commodity", ""),
                        cut=p.number("cut"), stages=[stage] if stage else None,
                        importers=shock_importers(p), year=p.integer("year"),
                        redirect_share=p.number("omega"), spare_capacity=p.number("kappa"))


def impacts_part(request: Request) -> Part:
    from critmin.service.shocks import ShockRequest

    asked = shock_request(Params(request.query_params))
    if asked is None:
        raise CritminError("choose a library scenario (scenario=ID) or give exporter, "
                           "commodity and cut (mode=custom)")
    name = "shock" if isinstance(asked, ShockRequest) else "scenario run"
    return command_part(request, name, asked, "shock")


def bands_request(p: Params) -> Any:
    """``critmin uncertainty -i IMPORTER --scenario ID --draws N --seed S --workers 1``."""
    from critmin.service.shocks import UncertaintyRequest

    importers, draws = shock_importers(p), p.integer("draws", 500) or 0
    if p.text("mode", "library") != "library" or not p.text("scenario"):
        raise CritminError("5–95 % bands need a library scenario (mode=library)")
    if not importers or len(importers) != 1:
        raise CritminError("5–95 % bands need exactly one importer")
    if not 1 <= draws <= WEB_MAX_DRAWS:
        raise CritminError(f"draws must be within 1–{WEB_MAX_DRAWS:,} here (the CLI's "
                           "'critmin uncertainty' runs more)")
    return UncertaintyRequest(importer=importers[0], draws=draws, seed=p.integer("seed", 1),
                              year=p.integer("year"), scenario=p.text("scenario"), workers=1)


def bands_part(request: Request) -> Part:
    return command_part(request, "uncertainty", bands_request(Params(request.query_params)),
                        "shock_bands")


def scenarios_part(request: Request) -> Part:
    from critmin.service.shocks import ScenarioListRequest

    return command_part(request, "scenario list", ScenarioListRequest(), "scenarios")


def shock_parts(request: Request) -> dict[str, Any]:
    return {"impacts": lambda: impacts_part(request), "bands": lambda: bands_part(request),
            "scenarios": lambda: scenarios_part(request)}


def chart_rows(impacts: pd.DataFrame) -> pd.DataFrame:
    """The rows the chart draws: the :data:`CHART_ROWS` largest shortfalls and every
    row without figures (the chart states why)."""
    placed = impacts[impacts["missing"] == ""]
    top = placed.sort_values("shortfall_t", ascending=False).head(CHART_ROWS)
    return pd.concat([top, impacts[impacts["missing"] != ""]], ignore_index=True)


def band_frame(bands: Any | None) -> pd.DataFrame | None:
    """The shortfall quantiles of an uncertainty response, as the chart takes them."""
    if bands is None:
        return None
    return bands.frame.rename(columns={"shortfall_q05": "q05", "shortfall_q50": "q50",
                                       "shortfall_q95": "q95"})[
        ["importer", "commodity_id", "stage", "q05", "q50", "q95"]]


def shock_result(request: Request, response: Any, bands: Any | None, lang: str
                 ) -> dict[str, Any]:
    """The chart, the table, and the lines the result rests on (assumptions, caveats,
    rows without figures), and the bands' table when there are bands."""
    from critmin.views import shock_text
    from critmin.views.charts import shortfall_figure
    from critmin.views.web.pages_charts import without_caption

    a, frame = response.assumptions, response.frame
    impacts = chart_rows(frame.rename(columns={"commodity": "commodity_id"}))
    fig = without_caption(shortfall_figure(impacts, a, lang, bands=band_frame(bands),
                                           draws=None if bands is None else bands.draws,
                                           command=response.command))
    table = table_view(frame, lang, "impacts-table", columns=SHOCK_TABLE)
    table.downloads = download_links(request, lang, "shock", "impacts")
    band_table = None
    if bands is not None:
        band_table = table_view(bands.frame.rename(columns={"commodity_id": "commodity"}),
                                lang, "bands-table", columns=BAND_TABLE)
        band_table.downloads = download_links(request, lang, "shock", "bands")
    return {"title": shock_text.title(a, response.command, lang), "figure": figure_json(fig),
            "subtitle": "" if bands is None else text("chart_bands_title", lang).format(
                draws=bands.draws),
            "table": table, "bands": band_table, "more": len(frame) > CHART_ROWS,
            "lines": shock_text.missing_lines(list(frame["missing"]), lang)
            + shock_text.assumption_lines(a, lang, monte_carlo=bands is not None)}


def _shock(request: Request, lang: str) -> Response:
    p = Params(request.query_params)
    result = None
    if shock_request(p) is not None:
        bands = bands_part(request).response if p.flag("bands") else None
        result = shock_result(request, impacts_part(request).response, bands, lang)
    return form_page(request, lang, "shock", p, result, lambda: {
        **form_choices(lang), "scenarios": scenario_choices(
            scenarios_part(request).response.frame, lang, "date")})


@router.get("/{lang}/shock.{fmt}")
def shock_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin shock`` / ``scenario run`` (default), ``uncertainty`` (``part=bands``),
    ``scenario list`` (``part=scenarios``)."""
    return twin(request, lang, fmt, shock_parts(request))


@router.get("/{lang}/shock")
def shock_page(request: Request, lang: str) -> Response:
    """A library scenario or one's own cut; the shortfall per importer."""
    return answer(request, lang, "shock", lambda: _shock(request, lang))
