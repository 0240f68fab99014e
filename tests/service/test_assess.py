"""The request layer of assess, whatif and report: typed responses, reference data keyed
by id (reordering a catalog table changes nothing), the report's paths and content."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from critmin.analysis.assessment import assess_inputs
from critmin.analysis.typology import TypologyThresholds, assign_types
from critmin.catalog import tables
from critmin.errors import CritminError
from critmin.service.assess import (
    COMMANDS,
    AssessRequest,
    AssessResponse,
    ReportRequest,
    WhatIfRequest,
    WhatIfResponse,
    assess,
    lever_records,
    report,
    whatif,
)
from tests.methods.meti6_fixture import OPTS, rare_earth_inputs

KEYED = ("meti6_axes", "criticality_types", "policy_measures", "policy_levels",
         "policy_packages")


def _patch_tables(monkeypatch: pytest.MonkeyPatch, reverse_order: bool) -> None:
    """``read_table`` with the rows of the keyed tables reversed (and, with
    ``reverse_order``, their ``order`` column reversed too)."""
    original = tables.read_table

    def reordered(name: str) -> tuple[dict[str, str], ...]:
        rows = [dict(r) for r in original(name)]
        if name not in KEYED:
            return tuple(rows)
        if reverse_order and rows and "order" in rows[0]:
            orders = [r["order"] for r in rows]
            for r, o in zip(rows, reversed(orders), strict=True):
                r["order"] = o
        return tuple(reversed(rows))

    monkeypatch.setattr(tables, "read_table", reordered)


def _assessment() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    a = assess_inputs(rare_earth_inputs(), OPTS)
    key = ["importer", "commodity_id", "axis"]
    values = a.values.sort_values(key, ignore_index=True)
    raw = pd.DataFrame({
        "importer": "JPN", "commodity_id": ["surge", "bp", "m+s", "mine", "smelt", "none"],
        "production_concentration": [0.9, 0.67, 0.67, 0.1, 0.1, 0.24],
        "reserve_concentration": [0.9, 0.1, 0.1, 0.3, 0.1, 0.1],
        "import_governance_concentrate": [0.9, 0.2, 0.2, 0.2, 0.2, 0.2],
        "import_governance_refined": [0.9, 0.62, 0.62, 0.1, 0.5, 0.49]})
    types = assign_types(raw, pd.Series({"bp": 0.9}), pd.Series({"surge": True}),
                         TypologyThresholds())
    packages = a.packages.sort_values(["type", "measure_id"], ignore_index=True)
    return values, types, packages


@pytest.mark.parametrize("reverse_order", [False, True])
def test_reordered_reference_tables_change_nothing(monkeypatch: pytest.MonkeyPatch,
                                                   reverse_order: bool) -> None:
    values, types, packages = _assessment()
    _patch_tables(monkeypatch, reverse_order)
    new_values, new_types, new_packages = _assessment()
    pd.testing.assert_frame_equal(values, new_values)
    pd.testing.assert_frame_equal(types, new_types)
    pd.testing.assert_frame_equal(packages, new_packages)
    assert types["type"].tolist() == [
        "demand_surge", "byproduct_smelting", "mine_and_smelter_oligopoly",
        "mine_oligopoly", "smelter_oligopoly", "none"]


def test_commands_and_schemas() -> None:
    assert set(COMMANDS) == {"assess", "assess --explain", "whatif", "report"}
    for req, resp, _ in COMMANDS.values():
        assert req.model_json_schema()["type"] == "object"
        assert "command" in resp.model_json_schema()["properties"]
    rows = AssessResponse.model_json_schema()["properties"]["rows"]
    assert len(rows["anyOf"]) == 2
    with pytest.raises(ValueError):
        AssessRequest(importer=["JPN"])  # unknown field


def test_command_line_levers() -> None:
    recs = lever_records(["W"], mine="AUS:100:5000", saving=0.1)
    assert recs == [{"lever": "mine", "commodity": "W", "country": "AUS", "added_t": 100.0,
                     "reserves_t": 5000.0, "offtake": 0.5, "kappa": 1.0},
                    {"lever": "saving", "commodity": "W", "cut": 0.1}]
    assert lever_records(None) == []
    with pytest.raises(CritminError, match="exactly one --commodity"):
        lever_records(["W", "Co"], recycling=0.3)
    with pytest.raises(CritminError, match="COUNTRY:TONNES_PER_YEAR"):
        lever_records(["W"], smelter="AUS")


def test_lever_file_errors(tmp_path) -> None:
    from critmin.analysis.whatif import read_lever_file

    recs, name = read_lever_file("example")
    assert name == "example" and {r["lever"] for r in recs} == {
        "mine", "smelter", "saving", "recycling"}
    with pytest.raises(CritminError, match="not found"):
        read_lever_file(str(tmp_path / "none.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlevers: 3\n", encoding="utf-8")
    with pytest.raises(CritminError, match="'levers' list"):
        read_lever_file(str(bad))


@pytest.fixture(scope="module")
def con(imported_store):
    from critmin.store.io import connect

    with connect(imported_store, read_only=True) as c:
        yield c


def test_assess_response(con) -> None:
    r = assess(AssessRequest(commodities=["tungsten", "Co"], year=2023), con)
    assert r.year == 2023 and not r.explain
    payload = json.loads(r.json_text())
    assert payload["columns"] == r.columns and payload["method_version"]
    rows = AssessResponse.validate_rows(payload["rows"])
    assert [x.commodity for x in rows] == ["tungsten", "cobalt"]
    explain = assess(AssessRequest(commodities=["tungsten"], year=2023, explain=True), con)
    assert explain.explain and len(explain.frame) == 6
    explain.validate_rows(json.loads(explain.json_text())["rows"])
    with pytest.raises(CritminError, match="valid choices: identity, piecewise"):
        assess(AssessRequest(hhi_mapping="minmax"), con)


def test_whatif_response(con) -> None:
    r = whatif(WhatIfRequest(commodities=["tungsten"], year=2023, levers=lever_records(
        ["tungsten"], smelter="AUS:1000")), con)
    WhatIfResponse.validate_rows(json.loads(r.json_text())["rows"])
    rows = r.frame.set_index("axis")
    assert rows.loc["import_governance_refined", "delta"] < 0
    assert rows.loc["production_concentration", "delta"] == 0
    with pytest.raises(CritminError, match="no lever"):
        whatif(WhatIfRequest(commodities=["tungsten"]), con)


def test_report_response_names_its_files_and_writes_none(con, tmp_path) -> None:
    r = report(ReportRequest(commodity_set="seed13", year=2023, lang="en",
                             out=str(tmp_path), lever_file="example"), con)
    assert r.files == {"html": str(tmp_path / "report_JPN_2023_en.html"),
                       "xlsx": str(tmp_path / "report_JPN_2023_en.xlsx")}
    assert not list(tmp_path.iterdir())
    assert len(r.summary) == 13 and len(r.values) == 13 * 6
    assert r.whatif is not None and r.whatif.scenario == "example"
    assert len(r.whatif.levers) == 4
    json.loads(r.json_text())


def test_out_of_scope_commodities_keep_axes_and_type_but_no_package(store):
    request = AssessRequest(commodities=["asbestos", "oil_shales", "cobalt"], year=2022)
    rows = {r["commodity"]: r for r in json.loads(assess(request, store).json_text())["rows"]}
    assert rows["asbestos"]["policy_scope"] == "banned_use"
    assert rows["oil_shales"]["policy_scope"] == "fuel"
    assert rows["cobalt"]["policy_scope"] == "" and rows["cobalt"]["policy_package"]
    for cid in ("asbestos", "oil_shales"):
        assert rows[cid]["policy_package"] == {} and rows[cid]["type"]
        assert any(v is not None for v in rows[cid]["indicators"].values())
    every = AssessRequest(commodities=["asbestos", "oil_shales"], year=2022,
                          all_packages=True)
    full = {r["commodity"]: r for r in json.loads(assess(every, store).json_text())["rows"]}
    assert all(full[c]["policy_package"] for c in ("asbestos", "oil_shales"))


def test_production_estimates_hand_computed() -> None:
    from critmin.service.assess import production_estimates

    production = pd.DataFrame({
        "commodity_id": ["co", "co", "co", "co", "co", "ga", "ga"],
        "stage": ["mining", "mining", "mining", "mining", "refining", "refining", "refining"],
        "year": [2023, 2023, 2023, 2022, 2023, 2023, 2023],
        "iso3": ["COD", "IDN", None, "COD", "CHN", "CHN", "JPN"],
        "quantity": [30.0, 10.0, 60.0, 50.0, 99.0, 7.0, float("nan")],
        "flag": ["estimated", "estimated;qualifier:x", None, "preliminary", "estimated",
                 None, "estimated"],
        "source_id": ["s1"] * 5 + ["s2"] * 2})
    got = production_estimates(production, {"co": "mining", "ga": "refining"})
    # co 2023: (30 + 10) / 100; co 2022: 50 / 50 preliminary; co's refining rows are not
    # axis 1's; ga: the only flagged row has no quantity, so nothing is estimated
    assert got.to_dict("records") == [
        {"commodity_id": "co", "stage": "mining", "year": 2022, "source_id": "s1",
         "flag": "preliminary", "share": 1.0},
        {"commodity_id": "co", "stage": "mining", "year": 2023, "source_id": "s1",
         "flag": "estimated", "share": 0.4}]


def test_report_metadata(con, tmp_path) -> None:
    r = report(ReportRequest(commodity_set="seed13", year=2023, lang="ja",
                             out=str(tmp_path)), con)
    m = r.metadata
    assert m.windows == {"production": [2019, 2023], "imports": [2021, 2023],
                         "volatility": [2014, 2023]}
    assert m.thresholds == {"theta_hhi": 0.25, "theta_g": 0.5, "theta_bp": 0.5, "near": 0.05}
    assert m.options["production_window"] == 5 and m.options["hhi_mapping"] == "identity"
    assert sorted(m.wgi_dimensions) == ["CC", "GE", "PV", "RL", "RQ", "VA"]
    # the full WGI release covers 1996–2023: each import year uses its own year
    assert [(w["year"], w["data_years"], w["source_ids"]) for w in m.wgi_years] == [
        (y, [y], ["wgi-release"]) for y in (2021, 2022, 2023)]
    assert [t["rule"] for t in m.type_rules] == ["R1", "R2", "R2", "R3", "R4", "R5", "R6"]
    assert all(0 < e["share"] <= 1 and 2019 <= e["year"] <= 2023 for e in m.estimates)
    now = {e["commodity_id"] for e in m.estimates
           if e["year"] == 2023 and e["share"] >= m.estimated_majority}
    assert set(m.estimated_commodities) == now and m.estimated_majority == 0.5
    assert {s["source_id"] for s in r.sources} >= {e["source_id"] for e in m.estimates}
