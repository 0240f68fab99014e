"""The demand page: a scenario and a mineral, the stacked decomposition of its demand
(new uses, regulated uses, other uses; methods.md §13) and the sensitivity of its
target-year demand (elasticities and Sobol indices).

Twins: ``critmin demand`` (default), ``critmin demand sensitivity`` (``part=
sensitivity``) and ``critmin demand scenarios`` (``part=scenarios``) for the same inputs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from critmin.views.i18n import label, text
from critmin.views.web.pages_common import (
    Params,
    answer,
    command_part,
    download_links,
    figure_json,
    is_htmx,
    render,
    run,
    table_view,
    twin,
)

router = APIRouter()
PARTS = ("total", "new", "regulated", "other")
EVERY = 5
"""The page's table shows the base year, every fifth year and the last; the CSV has
every year."""


def scenario_minerals(request: Request) -> list[str]:
    """The minerals the scenario has parameters for, in its order."""
    from critmin.service.demand import DemandRequest

    p = Params(request.query_params)
    every, _ = run(request, "demand", DemandRequest(scenario=p.text("scenario", "reference")))
    return [str(m) for m in every.frame["mineral"]]


def mineral_of(request: Request) -> str:
    """``mineral=`` (or ``commodity=``), else the scenario's first mineral."""
    p = Params(request.query_params)
    return p.text("mineral") or p.text("commodity") or scenario_minerals(request)[0]


def demand_request(request: Request) -> Any:
    """``critmin demand --scenario S -m MINERAL --to YEAR [--country JPN]``."""
    from critmin.service.demand import DemandRequest

    p = Params(request.query_params)
    return DemandRequest(scenario=p.text("scenario", "reference"),
                         minerals=[mineral_of(request)], to=p.integer("to", 2050),
                         country=p.text("country"))


def sensitivity_request(request: Request) -> Any:
    """``critmin demand sensitivity --scenario S -m MINERAL --year Y``."""
    from critmin.service.demand import DemandSensitivityRequest

    p = Params(request.query_params)
    return DemandSensitivityRequest(
        scenario=p.text("scenario", "reference"), minerals=[mineral_of(request)],
        year=p.integer("sens_year", 2050), sobol=p.integer("sobol", 1024),
        spread=p.number("spread", 0.2), seed=p.integer("seed", 1))


def year_rows(response: Any) -> pd.DataFrame:
    """One row per mineral and year: the three parts and their total."""
    rows = [{"mineral": r["mineral"], "scenario": r["scenario"], "region": r["region"],
             "year": int(y), "unit": r["unit"], **{k: parts[k] for k in PARTS}}
            for r in response.frame.to_dict("records") for y, parts in r["series"].items()]
    return pd.DataFrame(rows, columns=["mineral", "scenario", "region", "year", "unit",
                                       *PARTS])


def demand_parts(request: Request) -> dict[str, Any]:
    """``demand`` (default), ``demand sensitivity`` and ``demand scenarios``."""
    from critmin.service.demand import DemandScenariosRequest

    return {"demand": lambda: command_part(request, "demand", demand_request(request),
                                           "demand", year_rows),
            "sensitivity": lambda: command_part(request, "demand sensitivity",
                                                sensitivity_request(request),
                                                "demand_sensitivity"),
            "scenarios": lambda: command_part(request, "demand scenarios",
                                              DemandScenariosRequest(), "demand_scenarios")}


def chart_title(record: dict[str, Any], lang: str) -> str:
    """The chart's title in ``lang``: mineral, scenario and region by name, CAGR."""
    from critmin.views.tables import cell

    region = text("web_japan" if record["region"] == "JPN" else "web_world", lang)
    return text("web_demand_chart_title", lang).format(
        mineral=label("commodity", record["mineral"], lang),
        scenario=cell(record["scenario"], "scenario", lang), region=region,
        cagr=f"{100 * record['cagr_2019_2050']:.1f}")


def demand_result(request: Request, lang: str) -> dict[str, Any]:
    """The chart, the table of every fifth year and the sensitivity table."""
    from critmin.views.charts import demand_figure

    parts = demand_parts(request)
    response = parts["demand"]().response
    record = response.frame.to_dict("records")[0]
    rows = year_rows(response)
    last = int(rows["year"].max())
    years = rows["year"]
    shown = rows[(years % EVERY == 0) | (years == record["base_year"]) | (years == last)]
    table = table_view(shown, lang, "demand-table", columns=["year", "unit", *PARTS])
    table.downloads = download_links(request, lang, "demand", "demand")
    sensitivity = parts["sensitivity"]().response
    sens = table_view(sensitivity.frame, lang, "sensitivity-table",
                      columns=["parameter", "elasticity", "S1", "S1_conf", "ST", "ST_conf"])
    sens.downloads = download_links(request, lang, "demand", "sensitivity")
    fig = demand_figure(record, lang).update_layout(title=chart_title(record, lang))
    return {"figure": figure_json(fig), "table": table,
            "sensitivity": sens, "record": record,
            "mineral_name": label("commodity", record["mineral"], lang),
            "sens_year": sensitivity.request["year"]}


def _demand(request: Request, lang: str) -> Response:
    p = Params(request.query_params)
    result = demand_result(request, lang)
    if is_htmx(request):
        return render(request, "_demand_result.html", lang, "demand", result=result)
    scenarios = demand_parts(request)["scenarios"]().response.frame
    minerals = scenario_minerals(request)
    return render(request, "demand.html", lang, "demand", title=text("web_title_demand", lang),
                  params=p, result=result, mineral=result["record"]["mineral"],
                  minerals=sorted(({"id": m, "name": label("commodity", m, lang)}
                                   for m in minerals), key=lambda m: m["name"]),
                  scenarios=[{"id": r.id, "name": r.name_ja if lang == "ja" else r.name}
                             for r in scenarios.itertuples(index=False)])


@router.get("/{lang}/demand.{fmt}")
def demand_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin demand`` (default), ``demand sensitivity``, ``demand scenarios``."""
    return twin(request, lang, fmt, demand_parts(request))


@router.get("/{lang}/demand")
def demand_page(request: Request, lang: str) -> Response:
    """A scenario and a mineral: the decomposition chart and the sensitivity."""
    return answer(request, lang, "demand", lambda: _demand(request, lang))
