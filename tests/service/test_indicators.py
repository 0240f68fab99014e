"""The request layer of ``indicators`` and ``geopolrisk``: requests parsed and checked once,
typed responses whose JSON is the envelope around the rows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from critmin.catalog.reasons import code_of
from critmin.errors import CritminError
from critmin.service import indicators as svc


def test_requests_parse_years_rules_and_choices() -> None:
    req = svc.IndicatorsRequest(importers=["JPN"], years="2018-2020,2022",
                                missing_wgi="exclude")
    assert req.years == [2018, 2019, 2020, 2022] and req.missing_wgi == "exclude"
    assert svc.GeoPolRiskRequest(years="all", missing_wgi="0.25").missing_wgi == 0.25
    assert svc.GeoPolRiskRequest(years=2022).years == [2022]
    for bad in ({"basis": "weight"}, {"wgi": "PV"}, {"intra_group": "drop"},
                {"indicators": ["hhi"]}, {"stage": "smelting"}, {"years": "20x2"},
                {"missing_wgi": "half"}):
        with pytest.raises(CritminError):
            svc.IndicatorsRequest(**bad)
    with pytest.raises(ValueError, match="lang"):   # the language is the views' choice
        svc.GeoPolRiskRequest(lang="ja")
    with pytest.raises(CritminError, match="geopolrisk-py"):
        svc.GeoPolRiskCompatRequest(compat="geopolrisk")


def test_explain_needs_one_of_each() -> None:
    req = svc.explain_request(["JPN"], ["graphite"], "2022", stage="mining")
    assert (req.importer, req.commodity, req.year, req.stage) == ("JPN", "graphite", 2022,
                                                                 "mining")
    for args in ((["JPN", "USA"], ["graphite"], "2022"), (["JPN"], None, "2022"),
                 (["JPN"], ["graphite"], "2021-2022"), (["JPN"], ["graphite"], "all")):
        with pytest.raises(CritminError, match="exactly one"):
            svc.explain_request(*args)


def test_commands_with_schemas() -> None:
    every = svc.COMMANDS
    for name in ("indicators", "indicators --explain", "geopolrisk", "geopolrisk --compat"):
        req, resp, _ = every[name]
        schema = resp.model_json_schema()
        assert req.model_json_schema()["additionalProperties"] is False
        assert "method_version" in schema["properties"]


def test_geopolrisk_hand_computed_cell(mini) -> None:
    resp = svc.geopolrisk(svc.GeoPolRiskRequest(importers=["JPN"]), mini)
    row = resp.frame.iloc[0]
    hhi = (80**2 + 20**2 + 5**2) / 105**2
    assert np.isclose(row["hhi"], hhi) and np.isclose(row["import_risk"], 48 / 105)
    data = json.loads(resp.json_text())
    assert data["command"] == "geopolrisk" and data["method_version"]
    assert data["request"]["importers"] == ["JPN"]
    assert data["columns"] == ["importer", "commodity", "stage", "year", "hhi",
                               "import_risk", "score", "cf", "price", "missing"]
    (typed,) = [r for r in svc.GeoPolRiskResponse.validate_rows(data["rows"])
                if r.stage == "mining"]
    assert typed.importer == "JPN" and typed.score == pytest.approx(hhi * 48 / 105)


def test_geopolrisk_missing_carries_its_code(mini) -> None:
    """The reason is English in the response (as in every command's JSON) and renders in
    Japanese by its code."""
    en = svc.geopolrisk(svc.GeoPolRiskRequest(importers=["AUS"]), mini).frame
    why = en["missing"].iloc[0]
    assert "no imports" in why and code_of(why) == "no_imports"
    assert "輸入" in why.render("ja") and "オーストラリア" in why.render("ja")


def test_indicators_rows_typed_and_sorted(mini) -> None:
    resp = svc.indicators(svc.IndicatorsRequest(importers=["JPN"], stage="mining"), mini)
    rows = svc.IndicatorsResponse.validate_rows(json.loads(resp.json_text())["rows"])
    assert {r.importer for r in rows} == {"JPN", "world"}
    assert all(r.stage in (None, "mining") for r in rows)
    keys = [(r.importer, r.commodity, r.stage or "\uffff", r.year or 0, r.indicator)
            for r in rows]
    assert keys == sorted(keys)
    with pytest.raises(CritminError, match="year"):
        svc.indicators(svc.IndicatorsRequest(years="1890"), mini)


def test_explain_response(mini) -> None:
    resp = svc.explain(svc.explain_request(["JPN"], ["graphite"], "2022", wgi="pv"), mini)
    data = json.loads(resp.json_text())
    assert {"partners", "producers", "dimensions", "method_version"} <= set(data)
    assert data["partners"][0]["partner"] == "CHN"
    assert data["dimensions"] == [{"wgi_dimensions": "PV"}]


def test_compat_names_resolved(store) -> None:
    req = svc.GeoPolRiskCompatRequest(importers=["日本", "EU27"], commodities=["cobalt"],
                                      years="2022")
    frame = svc.geopolrisk_compat(req, store).frame
    assert set(frame["importer"]) == {"Japan", "EU"} and set(frame["commodity"]) == {"Cobalt"}
    with pytest.raises(CritminError, match="unknown"):
        svc.geopolrisk_compat(svc.GeoPolRiskCompatRequest(commodities=["helium"]), store)
    with pytest.raises(CritminError, match="geopolrisk-py country"):
        svc.geopolrisk_compat(svc.GeoPolRiskCompatRequest(importers=["LIE"]), store)


def test_importer_without_imports_gets_rows_with_the_reason(store) -> None:
    """``indicators -i NRU`` (no trade into Nauru): the importer's rows are there, missing,
    each with its reason — not world rows only (issue 17)."""
    req = svc.IndicatorsRequest(importers=["NRU"], commodities=["cobalt", "gallium"],
                                years="2021-2022")
    frame = svc.indicators(req, store).frame
    nru = frame[frame["importer"] == "NRU"]
    assert len(nru) and nru["value"].isna().all() and (nru["missing"] != "").all()
    assert set(nru["indicator"]) == {"imports"} and nru["year"].isna().all()
    refined = nru[(nru["commodity"] == "cobalt") & (nru["stage"] == "refining")]
    assert refined["missing"].tolist() == [
        "no imports of refined products of cobalt by NRU recorded for 2021–2022"]
    gallium = nru[nru["commodity"] == "gallium"]["missing"].iloc[0]
    assert "shared with other commodities" in gallium   # the stage's gap, whoever imports
    svc.IndicatorsResponse.validate_rows(json.loads(svc.indicators(req, store).json_text()
                                                    )["rows"])
    one = svc.indicators(req.model_copy(update={"years": [2022]}), store).frame
    assert set(one.loc[one["importer"] == "NRU", "year"]) == {2022}


def test_never_traded_stage_gets_a_row_only_where_asked(store) -> None:
    """JPN × a stage with HS codes but no trade rows: one row with the reason; none when
    only global indicators are asked, none for stages the importer imports."""
    req = svc.IndicatorsRequest(importers=["JPN"], commodities=["graphite"], years="2022")
    frame = svc.indicators(req, store).frame
    jpn = frame[(frame["importer"] == "JPN") & frame["value"].isna()
                & (frame["indicator"] == "imports")]
    assert set(jpn["stage"]) <= {"refining"} and not (
        (frame["importer"] == "JPN") & (frame["stage"] == "mining") & frame["value"].isna()
        & (frame["indicator"] == "imports")).any()
    only = svc.indicators(req.model_copy(update={"indicators": ["production_hhi"]}), store)
    assert set(only.frame["importer"]) == {"world"}
    assert svc.years_text([2018, 2019, 2020]) == "2018–2020"
    assert svc.years_text([2018, 2020]) == "2018, 2020"
