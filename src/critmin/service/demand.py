"""Requests of the demand commands: ``demand`` (forecast by decomposition, methods.md
§13), ``demand sensitivity`` (elasticities and Sobol indices) and ``demand scenarios``."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from critmin.errors import CritminError, NumberError
from critmin.service.base import Request, TableResponse


class DemandParts(BaseModel):
    """Demand of one year: ``total = new + regulated + other`` (methods.md §13)."""

    total: float
    new: float
    regulated: float
    other: float


class DemandRow(BaseModel):
    """One mineral's forecast (:func:`critmin.analysis.demand.forecast`)."""

    mineral: str
    scenario: str
    base_year: int
    base_demand: float
    unit: str
    region: str
    share_of_world: float
    reported_demand: float | None = None
    """The study's (JOGMEC) figure as printed, for a country's demand."""
    cagr_2019_2050: float
    new_use_share_2030: float
    series: dict[int, DemandParts]


class DemandRequest(Request):
    """``critmin demand``: demand per mineral and year in three parts."""

    scenario: str = Field("reference", description="Library id or a YAML parameter file.")
    minerals: list[str] | None = Field(None, description="Minerals (id, name or Japanese "
                                                         "name); all with parameters if None.")
    to: int = Field(2050, description="Last year shown (2019–2100).")
    country: str | None = Field(None, description="JPN: Japan's demand (its share of world "
                                                  "demand × the world path).")


class DemandResponse(TableResponse):
    """One row per mineral with its yearly series."""

    Row = DemandRow
    scenario_name: str


def demand(request: DemandRequest, con: Any = None) -> DemandResponse:
    """:func:`critmin.analysis.demand.forecast` of the requested scenario (no store)."""
    from critmin.analysis.demand import forecast, read_scenario
    from critmin.catalog.countries import resolve_country
    from critmin.service.common import resolve_commodities

    if not 2019 <= request.to <= 2100:
        raise NumberError("--to", request.to, low=2019, high=2100)
    sc = read_scenario(request.scenario)
    country = None if request.country is None else resolve_country(request.country)
    records = forecast(sc, resolve_commodities(request.minerals), request.to, country)
    frame = pd.DataFrame(records)
    return DemandResponse.of_frame(frame, command="demand", request=request.model_dump(),
                                   columns=list(frame.columns), scenario_name=sc.name)


class SensitivityRow(BaseModel):
    """A parameter's elasticity ``ε = ΔD/D / Δx/x`` (central differences, h = 1 %) and
    Sobol indices of the target year's demand."""

    mineral: str
    scenario: str
    year: int
    parameter: str
    elasticity: float
    S1: float | None = None
    S1_conf: float | None = None
    ST: float | None = None
    ST_conf: float | None = None
    clipped: float | None = None


class DemandSensitivityRequest(Request):
    """``critmin demand sensitivity``."""

    scenario: str = "reference"
    minerals: list[str] | None = None
    year: int = Field(2050, description="Target year (2019–2100).")
    sobol: int = Field(1024, description="Sobol base samples N (0: elasticities only).")
    spread: float = Field(0.2, ge=1e-6, lt=1.0,
                          description="Each multiplier uniform on [1 − s, 1 + s] (0 < s < 1).")
    seed: int = Field(1, ge=0, description="Seed of the Sobol sample (0 or more).")


class DemandSensitivityResponse(TableResponse):
    """One row per mineral and parameter."""

    Row = SensitivityRow


def sensitivity(request: DemandSensitivityRequest, con: Any = None
                ) -> DemandSensitivityResponse:
    """Elasticities and (``sobol`` > 0) Sobol indices S1/ST (SALib) per parameter."""
    from critmin.analysis.demand import elasticities, read_scenario, sobol_indices
    from critmin.service.common import resolve_commodities

    if not 2019 <= request.year <= 2100:
        raise NumberError("--year", request.year, low=2019, high=2100)
    n = request.sobol
    if n and (n & (n - 1)):
        raise NumberError("--sobol", n, rule="power_of_two")
    if not 0 < request.spread < 1:
        raise NumberError("--spread", request.spread, low=0, high=1)
    sc = read_scenario(request.scenario)
    rows: list[dict[str, Any]] = []
    for cid in resolve_commodities(request.minerals) or list(sc.minerals):
        if cid not in sc.minerals:
            raise CritminError(f"no demand parameters for {cid}; minerals: "
                               f"{', '.join(sc.minerals)}")
        idx = sobol_indices(sc, cid, request.year, n, request.spread, request.seed) \
            if n else {}
        rows += [{"mineral": cid, "scenario": sc.scenario_id, "year": request.year,
                  "parameter": name, "elasticity": e, **idx.get(name, {})}
                 for name, e in elasticities(sc, cid, request.year).items()]
    frame = pd.DataFrame(rows)
    return DemandSensitivityResponse.of_frame(
        frame, command="demand sensitivity", request=request.model_dump(),
        columns=list(frame.columns))


class ScenarioRow(BaseModel):
    """A shipped demand scenario."""

    id: str
    name: str
    name_ja: str
    minerals: int
    linked_shock: str
    notes: str


class DemandScenariosRequest(Request):
    """``critmin demand scenarios``."""


class DemandScenariosResponse(TableResponse):
    """The library of demand scenarios."""

    Row = ScenarioRow


def scenarios(request: DemandScenariosRequest, con: Any = None) -> DemandScenariosResponse:
    """Every scenario of the library with its name and number of minerals."""
    from critmin.analysis.demand import library, read_scenario

    rows = []
    for sid in sorted(library()):
        sc = read_scenario(sid)
        rows.append({"id": sid, "name": sc.name, "name_ja": sc.name_ja,
                     "minerals": len(sc.minerals), "linked_shock": sc.linked_shock,
                     "notes": sc.notes})
    columns = ["id", "name", "name_ja", "minerals", "linked_shock", "notes"]
    return DemandScenariosResponse.of_frame(
        pd.DataFrame(rows, columns=columns), command="demand scenarios",
        request=request.model_dump(), columns=columns)


COMMANDS = {
    "demand": (DemandRequest, DemandResponse, demand),
    "demand sensitivity": (DemandSensitivityRequest, DemandSensitivityResponse, sensitivity),
    "demand scenarios": (DemandScenariosRequest, DemandScenariosResponse, scenarios),
}
