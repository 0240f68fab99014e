"""Request functions of the catalog, data, demand and exposure commands: typed requests,
responses that carry the envelope, rows that match their row model."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from critmin.errors import CritminError, UnknownNameError


def test_countries_without_store():
    from critmin.service.catalog import CountriesRequest, CountriesResponse, countries

    response = countries(CountriesRequest(group="G7"))
    out = json.loads(response.json_text())
    assert out["command"] == "countries" and out["method_version"]
    assert [r["iso3"] for r in out["rows"]] == ["CAN", "DEU", "FRA", "GBR", "ITA", "JPN",
                                                "USA"]
    CountriesResponse.validate_rows(out["rows"])
    with pytest.raises(UnknownNameError):
        countries(CountriesRequest(names=["Atlantis"]))


def test_commodities_from_the_catalog_alone():
    from critmin.service.catalog import CommoditiesRequest, CommoditiesResponse, commodities

    response = commodities(CommoditiesRequest(meti13=True), None)
    assert not response.in_store and len(response.frame) == 13
    rows = json.loads(response.json_text())["rows"]
    assert all(r["stages_with_data"] is None for r in rows)
    CommoditiesResponse.validate_rows(rows)


def test_requests_are_strict():
    from critmin.service.catalog import DemoRequest

    with pytest.raises(ValidationError):
        DemoRequest(year=2023, unknown=1)


def test_demo_checks_the_year(store):
    from critmin.service.catalog import DemoRequest, DemoResponse, demo

    with pytest.raises(UnknownNameError, match="2018–2024"):
        demo(DemoRequest(year=1990), store)
    response = demo(DemoRequest(year=2022), store)
    rows = json.loads(response.json_text())["rows"]
    assert len(rows) == 13 and DemoResponse.validate_rows(rows)


def test_data_status_keeps_its_keys_at_the_top(store):
    from critmin.service.data import DataStatusRequest, status

    out = json.loads(status(DataStatusRequest(), store).json_text())
    assert {"command", "method_version", "path", "meta", "sources", "tables", "unmapped",
            "build_log"} <= set(out)


def test_demand_rows_and_errors():
    from critmin.service.demand import (
        DemandRequest,
        DemandResponse,
        DemandScenariosRequest,
        demand,
        scenarios,
    )

    response = demand(DemandRequest(minerals=["cobalt"], to=2030))
    rows = json.loads(response.json_text())["rows"]
    assert rows[0]["mineral"] == "cobalt" and set(rows[0]["series"]) >= {"2018", "2030"}
    DemandResponse.validate_rows(rows)
    with pytest.raises(CritminError, match="within 2019–2100"):
        demand(DemandRequest(to=2200))
    assert "reference" in set(scenarios(DemandScenariosRequest()).frame["id"])


def test_registry_lists_the_commands():
    from critmin.service import catalog, data, demand, exposure, validate

    names = {n for m in (catalog, data, demand, exposure, validate) for n in m.COMMANDS}
    assert {"commodities", "countries", "demo", "data status", "data build", "data fetch",
            "data import", "demand", "demand scenarios", "exposure", "validate"} <= names
    for m in (catalog, data, demand, exposure, validate):
        for req, resp, _ in m.COMMANDS.values():
            assert req.model_json_schema() and resp.model_json_schema()
