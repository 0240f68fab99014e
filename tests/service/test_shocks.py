"""The request layer of the shock commands on the real store: one shock model, so the
Monte Carlo centre of ``uncertainty --scenario`` is the ``scenario run`` result (HiGHS LP)
for any ω, κ, targeted shocks and groups; typed responses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.errors import CritminError
from critmin.service import shocks as svc

YEAR = 2023
IMPORTERS = ["JPN", "KOR", "USA", "EU27"]
KEY = ["importer", "commodity_id", "stage"]


def scenario_file(folder: Path, name: str, shocks: str, resourcing: str = "") -> str:
    path = folder / f"{name}.yaml"
    path.write_text(f"id: {name}\nname: {name}\nyear: {YEAR}\nshocks:\n{shocks}"
                    + (f"resourcing: {resourcing}\n" if resourcing else ""), encoding="utf-8")
    return str(path)


GRAPHITE = ("  - exporter: CHN\n    commodity: graphite\n    stage: [mining, refining]\n"
            "    cut: 0.5\n")
TARGETED = ("  - exporter: CHN\n    commodity: graphite\n    stage: mining\n    cut: 1\n"
            "    importers: [USA, JPN]\n")
TWO = (GRAPHITE + "  - exporter: [CHN, RUS]\n    commodity: nickel\n    cut: 0.3\n"
       "    cut_range: [0.1, 0.6]\n")


def lp_and_centre(con, spec: str, importers: list[str] = IMPORTERS
                  ) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """(``scenario run`` rows, Monte Carlo centre rows, model) on the same key."""
    from critmin.analysis import uncertainty as u

    lp = svc.scenario_run(svc.ScenarioRunRequest(scenario=spec, importers=importers), con)
    lp = lp.frame.rename(columns={"commodity": "commodity_id"})
    sc = svc.load_scenario(spec, con)
    data, members = svc.scenario_inputs(con, sc, importers, YEAR)
    model = u.shock_model(data, sc, members)
    centre = u.summarise_shock(model, u.shock_chunk(model, 3, np.random.SeedSequence(1)))
    return lp, centre, model


def assert_centre_is_lp(lp: pd.DataFrame, centre: pd.DataFrame) -> None:
    mc = centre[[*KEY, "direct_t", "resourced_t", "shortfall_t", "missing"]].add_prefix(
        "mc_").rename(columns={f"mc_{k}": k for k in KEY})
    both = mc.merge(lp, on=KEY, how="left", validate="one_to_one")
    assert len(both) == len(centre) and len(both) > 0
    assert (both["mc_missing"] == both["missing"]).all()
    for name, ref in (("mc_direct_t", "direct_loss_t"), ("mc_resourced_t", "resourced_t"),
                    ("mc_shortfall_t", "shortfall_t")):
        np.testing.assert_allclose(both[name].to_numpy(float), both[ref].to_numpy(float),
                                   rtol=1e-7, atol=1e-6, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("omega", [0.0, 0.2, 0.5])
@pytest.mark.parametrize("kappa", [0.0, 0.5])
def test_monte_carlo_centre_is_the_lp(imported_store, tmp_path, omega, kappa):
    from critmin.store.io import connect

    spec = scenario_file(tmp_path, "g", GRAPHITE,
                         f"{{redirect_share: {omega}, spare_capacity: {kappa}}}")
    with connect(imported_store) as con:
        lp, centre, _ = lp_and_centre(con, spec)
    assert_centre_is_lp(lp, centre)
    jpn = centre.set_index(KEY).loc[("JPN", "graphite", "mining")]
    assert jpn["direct_t"] > 0 and jpn["missing"] == ""
    if omega == 0.5 and kappa == 0.5:  # the reported case: enough capacity for all
        assert jpn["shortfall_t"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("shocks", [TARGETED, TWO], ids=["targeted", "two_commodities"])
def test_monte_carlo_centre_is_the_lp_for_targeted_and_grouped_shocks(imported_store,
                                                                      tmp_path, shocks):
    from critmin.store.io import connect

    spec = scenario_file(tmp_path, "s", shocks, "{redirect_share: 0.3, spare_capacity: 0.1}")
    with connect(imported_store) as con:
        lp, centre, _ = lp_and_centre(con, spec)
    assert_centre_is_lp(lp, centre)
    if shocks is TARGETED:  # only USA and JPN lose; KOR and the EU re-source nothing
        c = centre.set_index(KEY)
        assert c.loc[("KOR", "graphite", "mining"), "direct_t"] == 0
        assert 0 < c.loc[("JPN", "graphite", "mining"), "resourced_t"]


def test_collapsed_ranges_give_the_lp_in_every_draw(imported_store, tmp_path):
    from critmin.analysis import uncertainty as u
    from critmin.store.io import connect

    shocks = GRAPHITE.replace("cut: 0.5\n", "cut: 0.5\n    cut_range: [0.5, 0.5]\n")
    spec = scenario_file(tmp_path, "c", shocks,
                         "{redirect_share: 0.5, redirect_share_range: [0.5, 0.5], "
                         "spare_capacity: 0.5, spare_capacity_range: [0.5, 0.5]}")
    with connect(imported_store) as con:
        lp, _, model = lp_and_centre(con, spec)
    draws = u.shock_chunk(model, 50, np.random.SeedSequence(5))
    out = u.summarise_shock(model, draws)
    for q in ("q05", "q50", "q95"):
        centre = out.assign(direct_t=out[f"direct_{q}"], resourced_t=out[f"resourced_{q}"],
                            shortfall_t=out[f"shortfall_{q}"])
        assert_centre_is_lp(lp, centre)


def test_uncertainty_response_centre_equals_scenario_run(imported_store, tmp_path):
    """End to end through Dask: the reported case (ω = κ = 0.5 on a 50 % graphite cut)."""
    from critmin.store.io import connect

    spec = scenario_file(tmp_path, "r", GRAPHITE,
                         "{redirect_share: 0.5, spare_capacity: 0.5}")
    with connect(imported_store) as con:
        mc = svc.uncertainty(svc.UncertaintyRequest(
            scenario=spec, importer="JPN", draws=40, seed=1, workers=1, chunk=20), con)
        lp = svc.scenario_run(svc.ScenarioRunRequest(scenario=spec, importers=["JPN"]), con)
    assert mc.mode == "scenario" and mc.year == YEAR and mc.seed == 1
    assert_centre_is_lp(lp.frame.rename(columns={"commodity": "commodity_id"}), mc.frame)
    payload = json.loads(mc.json_text())
    svc.UncertaintyResponse.validate_rows(payload["rows"])
    mine = next(r for r in payload["rows"] if r["stage"] == "mining")
    assert mine["shortfall_t"] == pytest.approx(0.0, abs=1e-6)
    assert mine["shortfall_q05"] <= mine["shortfall_q50"] <= mine["shortfall_q95"]
    # the JSON states what the draws rest on: ω, κ and the ranges drawn from
    a = payload["assumptions"]
    assert (a["trade_year"], a["redirect_share"], a["spare_capacity"]) == (YEAR, 0.5, 0.5)
    assert a["redirect_share_range"] == [0.25, 0.75]
    assert a["cuts"][0]["cut_range"] == pytest.approx([0.35, 0.65])
    svc.UncertaintyResponse.model_validate(payload)


ASSUMED = """\
id: a
name: Assumed
name_ja: 仮定
shocks:
  - {exporter: CHN, commodity: graphite, stage: [mining, refining], cut: 0.5,
     importers: [JPN, EU27]}
  - {exporter: [CHN, RUS], commodity: nickel, stage: refining, approval_rate: 0.75,
     cut_range: [0.1, 0.4]}
blocs: {cut: 0.8, members: {a: [USA, G7], b: [RUS]}}
demand: {graphite: -0.1}
resourcing: {redirect_share: 0.3, spare_capacity: 0.1}
caveats: [first, second]
caveats_ja: [一, 二]
"""


def test_scenario_assumptions_by_hand():
    """The shocks of a file merged back over their stages; cutters once each, shocks'
    exporters then bloc members; names from the catalog (a group keeps its id)."""
    from critmin.analysis.scenarios import parse_scenario

    a = svc.scenario_assumptions(parse_scenario(ASSUMED, "a.yaml"), 2021)
    assert (a.scenario_id, a.scenario_name_ja, a.trade_year) == ("a", "仮定", 2021)
    assert (a.redirect_share, a.spare_capacity) == (0.3, 0.1)
    assert a.redirect_share_range == pytest.approx((0.15, 0.45))
    assert a.spare_capacity_range == pytest.approx((0.05, 0.15))
    assert [c.id for c in a.cutters] == ["CHN", "RUS", "USA", "G7"]
    assert (a.cutters[0].name, a.cutters[0].name_ja) == ("China", "中国")
    assert (a.cutters[3].name, a.cutters[3].name_ja) == ("G7", "G7")
    graphite, nickel = a.cuts
    assert graphite.stages == ["mining", "refining"] and graphite.cut == 0.5
    assert graphite.cut_range == pytest.approx((0.35, 0.65))
    assert [p.id for p in graphite.importers] == ["JPN", "EU27"]
    assert [p.id for p in nickel.exporters] == ["CHN", "RUS"] and nickel.importers is None
    assert nickel.cut == pytest.approx(0.25) and nickel.cut_range == (0.1, 0.4)
    assert a.blocs.cut == 0.8 and [[p.id for p in b] for b in a.blocs.blocs] == [
        ["USA", "G7"], ["RUS"]]
    assert a.demand == {"graphite": -0.1}
    assert (a.caveats, a.caveats_ja) == (["first", "second"], ["一", "二"])


def test_shock_response_states_its_assumptions(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        r = svc.shock(svc.ShockRequest(exporter="中国", commodity="黒鉛", cut=0.5,
                                       importers=["JPN"], year=YEAR, redirect_share=0.4),
                      con)
    a = json.loads(r.json_text())["assumptions"]
    assert (a["trade_year"], a["redirect_share"], a["spare_capacity"]) == (YEAR, 0.4, 0.0)
    assert [c["id"] for c in a["cutters"]] == ["CHN"]
    assert a["cuts"] == [{"exporters": [{"id": "CHN", "name": "China", "name_ja": "中国"}],
                          "commodity": "graphite", "stages": ["mining", "refining"],
                          "cut": 0.5, "cut_range": [0.35, 0.65], "importers": None}]
    assert a["caveats"] == a["caveats_ja"] == [] and a["blocs"] is None
    svc.ImpactResponse.model_validate(json.loads(r.json_text()))


def test_a_loss_re_sourced_in_full_leaves_no_shortfall(imported_store):
    """The LP's rounding (1e-16 t) is not a shortfall: where re-sourcing covers the loss
    the shortfall is exactly 0, and every shortfall left is a real share of the loss."""
    from critmin.store.io import connect

    with connect(imported_store) as con:
        f = svc.shock(svc.ShockRequest(exporter="CHN", commodity="rare_earths", cut=0.75,
                                       stages=["refining"], year=YEAR), con).frame
    full = np.isclose(f["resourced_t"], f["direct_loss_t"], rtol=1e-9, atol=0)
    assert full.any() and (f.loc[full, "shortfall_t"] == 0.0).all()
    left = f.loc[~full & (f["direct_loss_t"] > 0)]
    assert (left["shortfall_t"] > 1e-9 * left["direct_loss_t"]).all()


def test_the_resourcing_pool_says_how_much_is_bound_for_the_cutter(imported_store):
    """A Chinese cut of refined rare earths is re-sourced in full mostly by redirecting
    other exporters' shipments to China itself: the assumptions say so, with numbers
    that add up (ω × shipments to importers that lost nothing, the part bound for CHN)."""
    from critmin.store.io import connect
    from critmin.views.shock_text import pool_lines

    with connect(imported_store) as con:
        r = svc.shock(svc.ShockRequest(exporter="CHN", commodity="rare_earths", cut=0.75,
                                       stages=["refining"], year=YEAR), con)
    (pool,) = r.assumptions.pools
    assert (pool.commodity, pool.stage) == ("rare_earths", "refining")
    assert pool.lost_t == pytest.approx(r.frame["direct_loss_t"].sum())
    assert 0 < pool.bound_for_cutters_t < pool.redirectable_t
    assert r.frame["resourced_t"].sum() <= pool.redirectable_t + 1e-6
    (line,) = pool_lines(r.assumptions, "en")
    assert "shipped today to China itself" in line
    assert "中国自身向けの出荷" in pool_lines(r.assumptions, "ja")[0]


def test_bloc_scenarios_are_refused_by_the_monte_carlo(imported_store):
    """Refused by the request ``uncertainty --scenario`` makes, before any draw (the
    bloc LP itself, ~1.2 s, is ``scenario run``'s and tested there)."""
    from critmin.store.io import connect

    request = svc.UncertaintyRequest(scenario="bloc_formation", importer="JPN", draws=10,
                                     workers=1)
    with connect(imported_store) as con, pytest.raises(CritminError, match="bloc"):
        svc.uncertainty(request, con)


def test_shock_response_is_typed_and_full_precision(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        r = svc.shock(svc.ShockRequest(exporter="中国", commodity="黒鉛", cut=0.5,
                                       importers=["JPN", "eu27"], year=YEAR), con)
    payload = json.loads(r.json_text())
    assert payload["command"] == "shock" and payload["method_version"]
    assert payload["columns"] == svc.IMPACT_COLUMNS and payload["year"] == YEAR
    assert payload["redirect_share"] == 0.2 and payload["spare_capacity"] == 0.0
    rows = svc.ImpactResponse.validate_rows(payload["rows"])
    assert {(x.importer, x.stage) for x in rows} == {
        ("JPN", "mining"), ("JPN", "refining"), ("EU27", "mining"), ("EU27", "refining")}
    jpn = next(x for x in rows if x.importer == "JPN" and x.stage == "mining")
    # full precision: more than the 6 decimals the old tables printed
    assert jpn.direct_loss_share != round(jpn.direct_loss_share, 6)


@pytest.mark.parametrize(("fields", "words"), [
    ({"cut": 1.5}, "--cut must be within 0–1"),
    ({"cut": 0.5, "redirect_share": -0.1}, "--redirect-share must be within 0–1"),
    ({"cut": 0.5, "stages": ["smelting"]}, "unknown stage"),
    ({"cut": 0.5, "year": 1980}, "1995"),
    ({"cut": 0.5, "importers": ["Atlantis"]}, "unknown country"),
])
def test_shock_request_errors(imported_store, fields, words):
    from critmin.store.io import connect

    with connect(imported_store) as con, pytest.raises(CritminError, match=words):
        svc.shock(svc.ShockRequest(exporter="CHN", commodity="graphite", **fields), con)


def test_scenario_list_and_registry():
    r = svc.scenario_list(svc.ScenarioListRequest())
    assert len(r.frame) >= 10 and "cn_graphite_2023" in set(r.frame["id"])
    svc.ScenarioListResponse.validate_rows(json.loads(r.json_text())["rows"])
    assert set(svc.COMMANDS) == {"shock", "scenario run", "scenario list", "uncertainty"}
    for req, resp, _ in svc.COMMANDS.values():
        assert req.model_json_schema() and resp.model_json_schema()["properties"]["rows"]


def test_uncertainty_request_errors(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        for fields, words in (({"draws": 0}, "--draws"), ({"workers": 0}, "--workers"),
                              ({"chunk": 0}, "--chunk"),
                              ({"draws": svc.MAX_DRAWS + 1}, "--draws must be within"),
                              ({"max_memory_mb": 0}, "--max-memory"),
                              ({"draws": 20_000, "max_memory_mb": 300},
                               "needs about .* MiB.*--max-memory 300")):
            with pytest.raises(CritminError, match=words):
                svc.uncertainty(svc.UncertaintyRequest(**fields), con)


def test_memory_estimate_is_flat_beyond_the_exact_path(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        req = svc.UncertaintyRequest(draws=100_000)
        model, fn, _, _ = svc.uncertainty_model(req, con)
    big = [svc.memory_estimate_mb(svc.UncertaintyRequest(draws=n), model, fn)
           for n in (100_000, 1_000_000, svc.MAX_DRAWS)]
    assert big[0] == big[1] == big[2] < svc.DEFAULT_MAX_MEMORY_MB
    assert svc.memory_estimate_mb(svc.UncertaintyRequest(draws=1000, workers=8), model,
                                  fn) > svc.memory_estimate_mb(req, model, fn) - 1000


def test_uncertainty_of_a_scenario_without_trade_gives_reasons_not_a_fault(imported_store,
                                                                        text_reason_code):
    """Gallium and germanium: no usable trade in the store (a shared code, trade ending
    in 2016) — every row missing with its reason, no KeyError on an empty flow table."""
    from critmin.store.io import connect

    with connect(imported_store) as con:
        mc = svc.uncertainty(svc.UncertaintyRequest(
            scenario="cn_gallium_germanium_2023", importer="JPN", draws=20, seed=1,
            workers=1, chunk=20), con)
    rows = json.loads(mc.json_text())["rows"]
    assert rows and all(r["shortfall_q50"] is None for r in rows)
    assert {text_reason_code(r["missing"]) for r in rows} <= {"shared_hs_code", "trade_ends",
                                                     "no_trade_in_store"}
