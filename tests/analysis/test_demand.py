"""Demand forecasts: the study's table, each part by hand, scenarios, sensitivity."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from critmin.analysis.demand import (
    cagr,
    decompose,
    elasticities,
    forecast,
    japan_share,
    library,
    parameter_names,
    parse_parameters,
    read_scenario,
    sobol_indices,
    study_table,
    surge_flags,
)
from critmin.catalog.tables import read_table
from critmin.errors import CritminError

HAND = {
    "id": "hand", "name": "hand", "base_year": 2020,
    "technologies": {
        "ev": {"path": {2020: 10, 2030: 20}, "unit": "cars", "source": "hand"},
        "ice": {"path": {2020: 1.0, 2030: 0.5}, "unit": "index", "source": "hand"}},
    "minerals": {"cobalt": {
        "base_demand": 100.0,
        "new_uses": [{"technology": "ev", "intensity": {2020: 1000, 2030: 500},
                      "intensity_unit": "kg/car", "source": "hand"}],
        "regulated": [{"driver": "ice", "share": 0.3, "source": "hand"}],
        "other": {"cagr": 0.1, "source": "hand"}}},
}


def test_each_part_by_hand():
    sc = parse_parameters(HAND, "hand")
    p = decompose(sc, "cobalt", np.array([2020, 2025, 2030]))
    # D1 = N·u: 2020 10·1 t = 10; 2025 15·0.75 = 11.25; 2030 20·0.5 = 10
    assert p["new"][0] == pytest.approx([10, 11.25, 10])
    # D2 = 0.3·100·index: 30, 22.5, 15
    assert p["regulated"][0] == pytest.approx([30, 22.5, 15])
    # D3(t0) = 100 − 10 − 30 = 60, growing 10 %/yr
    assert p["other"][0] == pytest.approx([60, 60 * 1.1**5, 60 * 1.1**10])
    assert p["total"][0, 0] == pytest.approx(100)


def test_zero_new_deployment_reduces_to_the_trend():
    doc = json.loads(json.dumps(HAND))
    doc["minerals"]["cobalt"]["regulated"] = []
    sc = parse_parameters(doc, "hand")
    years = np.arange(2020, 2041)
    p = decompose(sc, "cobalt", years, {"deployment:ev": np.array([0.0])})
    assert p["total"][0] == pytest.approx(100 * 1.1 ** (years - 2020))


def test_reference_reproduces_the_study_cagrs():
    sc = read_scenario("reference")
    table = study_table()
    got = {r["mineral"]: r["cagr_2019_2050"] for r in forecast(sc, None)}
    assert set(got) == set(table) and len(got) == 13
    for cid, row in table.items():
        assert abs(got[cid] - float(row["cagr_2019_2050"])) <= 0.002, cid
        m = sc.minerals[cid]
        assert m.base_demand == float(row["global_demand"])
    # the four discontinuous-increase minerals are driven by their technologies
    for cid in ("graphite", "cobalt", "rare_earths", "gallium"):
        assert sc.minerals[cid].new_uses
        years = np.array([2018, 2050])
        p = decompose(sc, cid, years)
        assert p["new"][0, 1] > 5 * p["new"][0, 0]
    for cid in ("palladium", "fluorspar"):
        assert sc.minerals[cid].regulated


def test_surge_flags_match_the_study_list():
    flags = surge_flags(read_scenario("reference"))
    study = {r["commodity_id"] for r in read_table("demand_surge")
             if r["demand_surge"] == "true"}
    assert {c for c, v in flags.items() if v} == study


def test_scenarios_move_the_technology_minerals():
    ref = {r["mineral"]: r["cagr_2019_2050"] for r in forecast(read_scenario("reference"),
                                                               ["cobalt", "vanadium"])}
    ev = {r["mineral"]: r["cagr_2019_2050"] for r in forecast(read_scenario("ev_high_growth"),
                                                              ["cobalt", "vanadium"])}
    shift = {r["mineral"]: r["cagr_2019_2050"] for r in forecast(
        read_scenario("technology_shift"), ["cobalt"])}
    assert ev["cobalt"] > ref["cobalt"] and ev["vanadium"] == ref["vanadium"]
    assert shift["cobalt"] < ref["cobalt"]
    assert read_scenario("geopolitical_shock").linked_shock == "cn_heavy_rare_earths_2025"


def test_elasticities_against_finite_differences():
    sc = read_scenario("reference")
    years = np.array([2040])
    eps = elasticities(sc, "cobalt", 2040)
    p = decompose(sc, "cobalt", years)
    # by hand: D(T) = k·D1(T) + (D0 − k·D1(t0))·(1+g)^(T−t0), so
    # ε_k = (D1(T) − D1(t0)·(1+g)^(T−t0)) / D(T), exactly (D is linear in k)
    d1_0 = decompose(sc, "cobalt", np.array([2018]))["new"][0, 0]
    g = sc.minerals["cobalt"].other_cagr
    expected = (p["new"][0, 0] - d1_0 * (1 + g) ** 22) / p["total"][0, 0]
    assert eps["deployment:ev"] == pytest.approx(expected, rel=1e-9)
    h = 1e-5
    for name in eps:
        up = decompose(sc, "cobalt", years, {name: np.array([1 + h])})["total"][0, 0]
        base = p["total"][0, 0]
        assert eps[name] == pytest.approx((up - base) / (h * base), rel=1e-3, abs=1e-6)


def test_sobol_indices():
    idx = sobol_indices(read_scenario("reference"), "vanadium", 2050, n_base=256)
    # a trend mineral: only the base demand and the trend matter
    assert set(idx) == {"other_cagr", "base_demand"}
    total = sum(v["S1"] for v in idx.values())
    assert 0.8 < total < 1.2
    assert all(v["ST"] >= v["S1"] - 0.1 for v in idx.values())


@pytest.mark.parametrize("change, words", [
    (lambda d: d["minerals"]["cobalt"]["new_uses"][0].pop("intensity"),
     "minerals.cobalt.new_uses[0].intensity"),
    (lambda d: d["technologies"]["ev"].update(path={2020: -5}), "technologies.ev.path"),
    (lambda d: d["minerals"].update(unobtainium=d["minerals"]["cobalt"]),
     "minerals.unobtainium"),
    (lambda d: d["minerals"]["cobalt"]["regulated"][0].update(share=1.5),
     "regulated[0].share"),
    (lambda d: d["minerals"]["cobalt"].update(base_demand=5.0), "other uses would be"),
    (lambda d: d["minerals"]["cobalt"]["new_uses"][0].update(intensity_unit="lb/car"),
     "intensity_unit"),
])
def test_invalid_parameters_name_the_field(change, words):
    doc = json.loads(json.dumps(HAND))
    change(doc)
    with pytest.raises(CritminError) as err:
        parse_parameters(doc, "bad.yaml")
    assert "bad.yaml" in str(err.value) and words in str(err.value)


def test_cagr():
    assert cagr(np.array([[100.0, 121.0]]), np.array([2020, 2022]), 2020, 2022)[0] == \
        pytest.approx(0.1)


def test_demand_command_json_contract(tmp_path):
    from critmin.views.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["demand", "--scenario", "reference", "-m", "cobalt", "-m",
                                 "レアアース", "--to", "2050", "-f", "json", "--chart",
                                 str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["command"] == "demand" and response["method_version"]
    rows = response["rows"]
    assert [r["mineral"] for r in rows] == ["cobalt", "rare_earths"]
    for r in rows:
        assert {"mineral", "scenario", "base_year", "base_demand", "unit", "cagr_2019_2050",
                "series"} <= set(r)
        s = r["series"]["2050"]
        assert s["total"] == pytest.approx(s["new"] + s["regulated"] + s["other"])
    assert rows[1]["unit"] == "t REO"
    assert (tmp_path / "demand_reference_cobalt_en.html").stat().st_size > 10_000
    result = runner.invoke(app, ["demand", "sensitivity", "-m", "cobalt", "--sobol", "256",
                                 "-f", "json"])
    assert result.exit_code == 0, result.output
    assert {r["parameter"] for r in json.loads(result.stdout)["rows"]} >= {"deployment:ev",
                                                                    "other_cagr"}
    result = runner.invoke(app, ["demand", "-m", "lithium"])
    assert result.exit_code == 2 and "no demand parameters for lithium" in result.output
    result = runner.invoke(app, ["demand", "--scenario", "nope"])
    assert result.exit_code == 2 and "reference" in result.output


def test_japan_indium_demand_is_not_above_the_world():
    """Issue 15 point 6: Japan's indium was 762 t against the world's 720 t, because the
    JOGMEC figure counts consumption including metal recycled from ITO scrap (world
    1,460 t on that basis) while the study's 720 t is world primary production."""
    sc = read_scenario("reference")
    world, = forecast(sc, ["indium"])
    japan, = forecast(sc, ["indium"], country="JPN")
    row = study_table()["indium"]
    assert japan["reported_demand"] == float(row["japan_demand"])
    share = float(row["japan_demand"]) / float(row["world_demand_japan_basis"])
    assert japan["share_of_world"] == pytest.approx(share)
    assert japan["base_demand"] == pytest.approx(share * world["base_demand"])
    assert japan["base_demand"] < world["base_demand"]
    for year, parts in japan["series"].items():
        assert parts["total"] < world["series"][year]["total"]
        assert parts["total"] == pytest.approx(share * world["series"][year]["total"])


def test_japan_share_rejects_a_region_above_the_world():
    row = {"commodity_id": "indium", "global_demand": "720", "unit": "t",
           "japan_demand": "762", "japan_unit": "t", "world_demand_japan_basis": ""}
    with pytest.raises(CritminError) as err:
        japan_share(row)
    assert "indium" in str(err.value) and "world_demand_japan_basis" in str(err.value)
    assert japan_share({**row, "world_demand_japan_basis": "1460"}) == pytest.approx(
        762 / 1460)
    assert japan_share({**row, "japan_demand": ""}) is None
    with pytest.raises(CritminError, match="japan_unit"):
        japan_share({**row, "world_demand_japan_basis": "1460", "japan_unit": "kg"})


def test_every_catalog_japan_figure_is_a_share_of_the_world():
    for row in study_table().values():
        assert 0 < japan_share(row) <= 1, row["commodity_id"]


_SCENARIOS = {sid: read_scenario(sid) for sid in sorted(library())}
_CASES = [(sid, cid) for sid, sc in _SCENARIOS.items() for cid in sorted(sc.minerals)]


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(_CASES), to_year=st.integers(2019, 2100))
def test_region_never_above_world_property(case, to_year):
    """For every shipped scenario and mineral, every year: Japan ≤ world, D1, D2, D3 ≥ 0."""
    sid, cid = case
    sc = _SCENARIOS[sid]
    world, = forecast(sc, [cid], to_year)
    japan, = forecast(sc, [cid], to_year, country="JPN")
    assert world["series"].keys() == japan["series"].keys()
    for year, w in world["series"].items():
        j = japan["series"][year]
        assert j["total"] <= w["total"] * (1 + 1e-12)
        for part in ("new", "regulated", "other"):
            assert w[part] >= 0 and j[part] >= 0 and j[part] <= w[part] * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(_CASES),
       mult=st.lists(st.floats(0.0, 2.0), min_size=8, max_size=8))
def test_parts_never_negative_under_any_multipliers(case, mult):
    """Sensitivity multipliers may push new and regulated uses above the base demand;
    other uses are then clipped at 0 and the sample flagged, never negative."""
    sid, cid = case
    sc = _SCENARIOS[sid]
    names = parameter_names(sc, cid)
    years = np.arange(sc.base_year, 2051)
    p = decompose(sc, cid, years, {n: np.array([mult[i % 8]]) for i, n in enumerate(names)})
    for part in ("new", "regulated", "other"):
        assert (p[part] >= 0).all()
    if not p["clipped"][0]:
        base = sc.minerals[cid].base_demand * (mult[names.index("base_demand") % 8])
        assert p["total"][0, 0] == pytest.approx(base, rel=1e-9, abs=1e-9)


def test_overrides_that_make_other_uses_negative_are_rejected(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nextends: reference\nname: bad\n"
                   "deployment: {ev: 20}\n", encoding="utf-8")
    with pytest.raises(CritminError, match=r"bad.yaml: minerals.\w+: new and regulated"):
        read_scenario(str(bad))
    bad.write_text("id: bad\nextends: reference\nname: bad\n"
                   "other_cagr: {indium: -1.5}\n", encoding="utf-8")
    with pytest.raises(CritminError, match="other_cagr.indium: must be above"):
        read_scenario(str(bad))


def test_sobol_flags_clipped_samples():
    idx = sobol_indices(read_scenario("reference"), "palladium", 2050, n_base=64)
    # the regulated share 0.84 × up to 1.2 exceeds the base demand in some runs
    assert all(0 < v["clipped"] < 0.2 for v in idx.values())
