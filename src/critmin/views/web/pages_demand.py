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
    Part,
    answer,
    download_links,
    figure_json,
    is_htmx,
    render,
    response_rows,
    table_view,
    twin,
)

router = APIRouter()
PARTS = ("total", "new", "regulated", "other")
EVERY = 5
"""The page's table shows the base year, every fifth year and the last; the CSV has
every year."""


def scenario_minerals(p: Params) -> list[str]:
    """The minerals the scenario has parameters for, in its order."""
    from critmin.service.demand import DemandRequest, demand

    every = demand(DemandRequest(scenario=p.text("scenario", "reference")))
    return [str(m) for m in every.frame["mineral"]]


def mineral_of(p: Params) -> str:
    """``mineral=`` (or ``commodity=``), else the scenario's first mineral."""
    return p.text("mineral") or p.text("commodity") or scenario_minerals(p)[0]


def demand_request(p: Params) -> Any:
    """``critmin demand --scenario S -m MINERAL --to YEAR [--country JPN]``."""
    from critmin.service.demand import DemandRequest

    return DemandRequest(scenario=p.text("scenario", "reference"), minerals=[mineral_of(p)],
                         to=p.integer("to", 2050), country=p.text("country"))


def sensitivity_request(p: Params) -> Any:
    """``critmin demand sensitivity --scenario S -m MINERAL --year Y``."""
    from critmin.service.demand import DemandSensitivityRequest

    return DemandSensitivityRequest(
        scenario=p.text("scenario", "reference"), minerals=[mineral_of(p)],
        year=p.integer("sens_year", 2050), sobol=p.integer("sobol", 1024),
        spread=p.number("spread", 0.2), seed=p.integer("seed", 1))


def year_rows(response: Any) -> pd.DataFrame:
    """One row per mineral and year: the three parts and their total."""
    rows = [{"mineral": r["mineral"], "scenario": r["scenario"], "region": r["region"],
             "year": int(y), "unit": r["unit"], **{k: parts[k] for k in PARTS}}
            for r in response.frame.to_dict("records") for y, parts in r["series"].items()]
    return pd.DataFrame(rows, columns=["mineral", "scenario", "region", "year", "unit",
                                       *PARTS])


def demand_part(p: Params) -> Part:
    from critmin.service.demand import demand

    response = demand(demand_request(p))
    return Part(response, lambda: year_rows(response), "demand")


def sensitivity_part(p: Params) -> Part:
    from critmin.service.demand import sensitivity

    response = sensitivity(sensitivity_request(p))
    return Part(response, response_rows(response), "demand_sensitivity")


def scenarios_part(p: Params) -> Part:
    from critmin.service.demand import DemandScenariosRequest, scenarios

    response = scenarios(DemandScenariosRequest())
    return Part(response, response_rows(response), "demand_scenarios")


def demand_result(request: Request, lang: str, p: Params) -> dict[str, Any]:
    """The chart, the table of every fifth year and the sensitivity table."""
    from critmin.views.charts import demand_figure

    response = demand_part(p).response
    record = response.frame.to_dict("records")[0]
    rows = year_rows(response)
    last = int(rows["year"].max())
    years = rows["year"]
    shown = rows[(years % EVERY == 0) | (years == record["base_year"]) | (years == last)]
    table = table_view(shown, lang, "demand-table", columns=["year", "unit", *PARTS])
    table.downloads = download_links(request, lang, "demand", "demand")
    sens = table_view(sensitivity_part(p).response.frame, lang, "sensitivity-table",
                      columns=["parameter", "elasticity", "S1", "S1_conf", "ST", "ST_conf"])
    sens.downloads = download_links(request, lang, "demand", "sensitivity")
    return {"figure": figure_json(demand_figure(record, lang)), "table": table,
            "sensitivity": sens, "record": record,
            "mineral_name": label("commodity", record["mineral"], lang),
            "sens_year": sensitivity_request(p).year}


def _demand(request: Request, lang: str) -> Response:
    p = Params(request.query_params)
    result = demand_result(request, lang, p)
    if is_htmx(request):
        return render(request, "_demand_result.html", lang, "demand", result=result)
    scenarios = scenarios_part(p).response.frame
    minerals = scenario_minerals(p)
    return render(request, "demand.html", lang, "demand", title=text("web_title_demand", lang),
                  params=p, result=result, mineral=result["record"]["mineral"],
                  minerals=sorted(({"id": m, "name": label("commodity", m, lang)}
                                   for m in minerals), key=lambda m: m["name"]),
                  scenarios=[{"id": r.id, "name": r.name_ja if lang == "ja" else r.name}
                             for r in scenarios.itertuples(index=False)])


@router.get("/{lang}/demand.{fmt}")
def demand_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin demand`` (default), ``demand sensitivity``, ``demand scenarios``."""
    p = Params(request.query_params)
    return twin(request, lang, fmt, {"demand": lambda: demand_part(p),
                                     "sensitivity": lambda: sensitivity_part(p),
                                     "scenarios": lambda: scenarios_part(p)})


@router.get("/{lang}/demand")
def demand_page(request: Request, lang: str) -> Response:
    """A scenario and a mineral: the decomposition chart and the sensitivity."""
    return answer(request, lang, "demand", lambda: _demand(request, lang))
