"""Export-control shocks on hand-solvable trade tables, and the shipped scenarios on the
real store."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.analysis.scenarios import Scenario, Shock
from critmin.analysis.shocks import (
    ShockData,
    run_scenario,
    second_order,
    shock_flows,
    solve_resourcing,
)
from critmin.catalog.reasons import code_of

# graphite ore 2023: JPN 60 t from CHN, 40 t from AUS; KOR 50 CHN, 50 MOZ; DEU 100 MOZ,
# 100 BRA (DEU loses nothing, so MOZ and BRA can redirect ω = 20 % of those shipments).
FLOWS = pd.DataFrame([
    ("CHN", "JPN", "graphite", "mining", 60.0), ("AUS", "JPN", "graphite", "mining", 40.0),
    ("CHN", "KOR", "graphite", "mining", 50.0), ("MOZ", "KOR", "graphite", "mining", 50.0),
    ("MOZ", "DEU", "graphite", "mining", 100.0), ("BRA", "DEU", "graphite", "mining", 100.0),
], columns=["exporter", "importer", "commodity_id", "stage", "quantity_t"])
RISK = pd.DataFrame({"iso3": ["CHN", "AUS", "MOZ", "BRA"], "risk": [0.6, 0.2, 0.5, 0.4]})
PROD = pd.DataFrame({"iso3": ["JPN"], "commodity_id": ["graphite"], "stage": ["mining"],
                     "quantity": [100.0]})


def data(flows=FLOWS, prod=PROD):
    return ShockData(2023, flows, prod, RISK, {("graphite", "mining"): 2023,
                                               ("graphite", "refining"): 2023}, {})


def scenario(cut, exporter="CHN", stage="mining", **kw):
    return Scenario("t", "t", (Shock((exporter,), "graphite", stage, cut),), **kw)


def test_loss_resourcing_and_shortfall_by_hand():
    out = run_scenario(data(), scenario(0.5), {"JPN": {"JPN"}, "KOR": {"KOR"}})
    assert set(out["stage"]) == {"mining", "refining"}  # refined: second-order rows
    out = out[out["stage"] == "mining"].set_index("importer")
    # losses: JPN 30, KOR 25 (55); capacity 0.2 × (100 + 100) = 40 → each gets 40/55
    assert out.loc["JPN", "direct_loss_t"] == pytest.approx(30)
    assert out.loc["JPN", "direct_loss_share"] == pytest.approx(0.30)
    assert out.loc["JPN", "resourced_t"] == pytest.approx(30 * 40 / 55)
    assert out.loc["KOR", "shortfall_t"] == pytest.approx(25 * 15 / 55)
    assert out.loc["KOR", "shortfall_share"] == pytest.approx(25 * 15 / 55 / 100)
    # JPN produces 100 t itself: share of apparent consumption = 30 / 200
    assert out.loc["JPN", "consumption_share"] == pytest.approx(0.15)
    # post-shock: JPN CHN 30, AUS 40, re-sourced MOZ/BRA (21.8 t): import HHI falls
    assert out.loc["JPN", "import_hhi_before"] == pytest.approx(0.6**2 + 0.4**2)
    assert out.loc["JPN", "import_hhi_after"] < out.loc["JPN", "import_hhi_before"]


def test_flows_are_kept_per_scenario_for_the_same_data():
    """Data carrying a memo (as :func:`shock_data` gives them) compute a scenario's flows
    and re-sourcing once for every importer; another scenario or other frames compute
    anew; data built by hand, without a memo, compute every time — all equal."""
    from dataclasses import replace

    from critmin.store.cache import Memo

    d = replace(data(), memo=Memo())
    first = shock_flows(d, scenario(0.5))
    assert shock_flows(d, scenario(0.5)) is first
    by_hand = shock_flows(data(), scenario(0.5))
    assert by_hand is not first
    for kept, fresh in zip(first, by_hand, strict=True):
        pd.testing.assert_frame_equal(kept, fresh)
    assert shock_flows(d, scenario(0.5, redirect_share=1.0)) is not first
    half = replace(d, flows=FLOWS.assign(quantity_t=FLOWS["quantity_t"] / 2))
    halved = shock_flows(half, scenario(0.5))
    assert halved[0]["loss_t"].sum() == pytest.approx(first[0]["loss_t"].sum() / 2)
    a = run_scenario(d, scenario(0.5), {"JPN": {"JPN"}})
    b = run_scenario(d, scenario(0.5), {"KOR": {"KOR"}})
    assert a["direct_loss_t"].iloc[0] == pytest.approx(30)
    assert b["direct_loss_t"].iloc[0] == pytest.approx(25)
    assert shock_flows(d, scenario(0.5)) is first


def test_enough_capacity_covers_everything():
    out = run_scenario(data(), scenario(0.5, redirect_share=1.0), {"JPN": {"JPN"}})
    assert out["shortfall_t"].iloc[0] == pytest.approx(0.0)


def test_zero_shock_changes_nothing():
    out = run_scenario(data(), scenario(0.0), {"JPN": {"JPN"}})
    out = out[out["stage"] == "mining"]
    row = out.iloc[0]
    assert row["direct_loss_t"] == 0 and row["resourced_t"] == 0 and row["shortfall_t"] == 0
    assert row["import_hhi_after"] == pytest.approx(row["import_hhi_before"])


def test_cut_by_a_country_that_does_not_export_changes_nothing():
    out = run_scenario(data(), scenario(1.0, exporter="USA"), {"JPN": {"JPN"}})
    out = out[out["stage"] == "mining"]
    assert out["direct_loss_t"].iloc[0] == 0 and out["shortfall_t"].iloc[0] == 0


def test_group_importer_leaves_out_intra_group_trade():
    flows = pd.concat([FLOWS, pd.DataFrame([("FRA", "DEU", "graphite", "mining", 500.0),
                                            ("CHN", "FRA", "graphite", "mining", 10.0)],
                                           columns=FLOWS.columns)])
    out = run_scenario(data(flows), scenario(1.0), {"EU": {"DEU", "FRA"}})
    out = out[out["stage"] == "mining"]
    assert out["imports_t"].iloc[0] == pytest.approx(210.0)   # DEU 200 + FRA 10 (not 500)
    assert out["direct_loss_t"].iloc[0] == pytest.approx(10.0)


def test_missing_trade_is_reported_not_zero():
    d = ShockData(2023, FLOWS, PROD, RISK, {("graphite", "mining"): 2016}, {})
    out = run_scenario(d, scenario(0.5), {"JPN": {"JPN"}})
    assert "ends in 2016" in out["missing"].iloc[0]
    assert code_of(out["missing"].iloc[1]) == "no_trade_in_store"
    assert "refined products of graphite" in out["missing"].iloc[1]
    assert out["direct_loss_t"].isna().all()
    out = run_scenario(data(), scenario(0.5, stage="refining"), {"JPN": {"JPN"}})
    assert out["missing"].iloc[0].startswith("no imports")


def test_second_order_through_refiners():
    flows = pd.concat([FLOWS, pd.DataFrame([
        ("KOR", "JPN", "graphite", "refining", 10.0),   # KOR refines, half its feed is CHN's
        ("AUS", "JPN", "graphite", "refining", 5.0)], columns=FLOWS.columns)])
    f, _ = shock_flows(data(flows), scenario(1.0))
    l2 = second_order(data(flows), f)
    # KOR loses 50 of 100 t feed (φ = 0.5) → ships 5 t less refined to JPN
    assert l2.set_index("importer").loc["JPN", "second_order_loss_t"] == pytest.approx(5.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=5),
       st.lists(st.floats(0.1, 100), min_size=1, max_size=5))
def test_resourcing_never_exceeds_capacity_or_need(cap, need):
    k = pd.Series(cap, index=[f"X{i}" for i in range(len(cap))])
    n = pd.Series(need, index=[f"C{i}" for i in range(len(need))])
    y = solve_resourcing(k, n)
    if len(y):
        by_j = y.groupby("exporter")["resourced_t"].sum().reindex(k.index).fillna(0)
        by_c = y.groupby("importer")["resourced_t"].sum().reindex(n.index).fillna(0)
        assert (by_j.to_numpy() <= k.to_numpy() + 1e-6).all()
        assert (by_c.to_numpy() <= n.to_numpy() + 1e-6).all()
    assert y["resourced_t"].sum() == pytest.approx(min(k.sum(), n.sum()), abs=1e-6)
    # max–min sharing: every importer gets the same share of its loss
    if len(y) and k.sum() > 0:
        share = y.groupby("importer")["resourced_t"].sum().reindex(n.index).fillna(0) / n
        assert share.max() - share.min() < 1e-6


def test_blocs_forbid_cross_bloc_resourcing():
    sc = Scenario("b", "b", (), blocs={"west": ("JPN", "AUS", "DEU", "BRA"),
                                      "east": ("CHN",)}, bloc_cut=1.0)
    f, y = shock_flows(data(), sc)
    # CHN → JPN is cross-bloc (cut); CHN → KOR is not (KOR is in no bloc)
    assert f.loc[f["exporter"] == "CHN", "loss_t"].sum() == pytest.approx(60.0)
    assert not ((y["exporter"] == "CHN") & y["importer"].isin(["JPN", "AUS"])).any()


def test_library_scenarios_run_for_japan_and_the_eu(imported_store):
    from critmin.analysis.scenarios import library, parse_scenario
    from critmin.analysis.shocks import expand, shock_data
    from critmin.catalog.commodities import resolve_commodity
    from critmin.service.shocks import place_resolver
    from critmin.store.io import connect

    with connect(imported_store) as con:
        for sid, res in library().items():
            sc = parse_scenario(res.read_text(encoding="utf-8"), sid, resolve_commodity,
                                place_resolver(con))
            cs = sorted({s.commodity_id for s in sc.shocks} | set(sc.demand)) or [
                "graphite", "cobalt"]
            d = shock_data(con, cs, 2023)
            out = run_scenario(d, sc, {"JPN": {"JPN"}, "EU27": expand(["EU27"], d.groups)})
            assert len(out), sid
            ok = out["missing"] == ""
            assert (out.loc[ok, "shortfall_t"] <= out.loc[ok, "direct_loss_t"] + 1e-6).all()
            assert out.loc[~ok, "direct_loss_t"].isna().all() or out.loc[
                ~ok, "missing"].str.startswith("no imports").all()
            if sid == "cn_gallium_germanium_2023":
                # never a loss of 0: gallium's only code is shared, germanium's trade ends
                assert set(out["missing"].map(code_of)) == {"shared_hs_code", "trade_ends"}


def test_post_shock_governance_by_hand_with_missing_wgi():
    # JPN: CHN 60 (risk 0.6), AUS 40 (0.2); KOR: CHN 50, MOZ 50 (0.5); an exporter
    # without WGI counts at MISSING_GOVERNANCE_RISK
    from critmin.indicators.governance import MISSING_GOVERNANCE_RISK

    flows = pd.concat([FLOWS, pd.DataFrame([("XXX", "JPN", "graphite", "mining", 100.0)],
                                           columns=FLOWS.columns)])
    out = run_scenario(data(flows), scenario(0.5), {"JPN": {"JPN"}, "KOR": {"KOR"}})
    out = out[out["stage"] == "mining"].set_index("importer")
    assert out.loc["JPN", "import_governance_before"] == pytest.approx(
        0.3 * 0.6 + 0.2 * 0.2 + 0.5 * MISSING_GOVERNANCE_RISK)
    assert out.loc["JPN", "import_hhi_before"] == pytest.approx(0.3**2 + 0.2**2 + 0.5**2)
    assert out.loc["KOR", "import_governance_before"] == pytest.approx(0.5 * 0.6 + 0.5 * 0.5)


def test_spare_capacity_and_restricting_exporters_per_stage():
    # κ = 0.1 of JPN's own 100 t adds 10 t; CHN cuts, so its production never counts
    prod = pd.concat([PROD, pd.DataFrame([("CHN", "graphite", "mining", 1000.0)],
                                         columns=PROD.columns)])
    out = run_scenario(data(prod=prod), scenario(0.5, spare_capacity=0.1),
                       {"JPN": {"JPN"}, "KOR": {"KOR"}})
    out = out[out["stage"] == "mining"].set_index("importer")
    assert out["resourced_t"].sum() == pytest.approx(40 + 10)


def test_no_importer_losing_supply_is_said_not_an_empty_table():
    """Without named importers, a shock that cuts nothing (the exporter ships none of it,
    or the stage has no usable trade) gives one row per stage with the reason."""
    out = run_scenario(data(), scenario(1.0, exporter="USA"))
    assert list(out["importer"]) == ["(any)", "(any)"]
    assert code_of(out["missing"].iloc[0]) == "no_exports_cut"
    assert out["missing"].iloc[0].startswith("USA exports no ores and concentrates")
    assert out["direct_loss_t"].isna().all()
    d = ShockData(2023, FLOWS, PROD, RISK, {("graphite", "mining"): 2016}, {})
    assert "ends in 2016" in run_scenario(d, scenario(0.5))["missing"].iloc[0]


def test_bloc_members_given_as_groups_are_expanded():
    # the library's blocs list groups (G7, EU27): their members are in the bloc
    from dataclasses import replace

    groups = {"G7": ["JPN", "DEU"], "EU27": ["DEU"]}
    sc = Scenario("b", "b", (), blocs={"west": ("G7", "EU27", "AUS"), "east": ("CHN",)},
                  bloc_cut=1.0)
    f, y = shock_flows(replace(data(), groups=groups), sc)
    # CHN → JPN (60 t) is cross-bloc: JPN sits in the west through G7
    assert f.loc[(f["exporter"] == "CHN") & (f["importer"] == "JPN"), "loss_t"].sum() == \
        pytest.approx(60.0)
    # CHN → KOR is not (KOR is in no bloc)
    assert f.loc[(f["exporter"] == "CHN") & (f["importer"] == "KOR"), "loss_t"].sum() == 0
    assert not ((y["exporter"] == "CHN") & (y["importer"] == "JPN")).any()
