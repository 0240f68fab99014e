"""A company's bill of materials under a supply shock (critmin.analysis.exposure:
purchase_cuts, shock_exposure): a hand-computed two-supplier BOM, and every shipped
example with a library scenario on the real store, by the model of ``shock``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.analysis.exposure import (
    purchase_cuts,
    shock_by_commodity,
    shock_exposure,
)
from critmin.analysis.shocks import ShockData, run_scenario, single_shock
from critmin.catalog.reasons import code_of

# Refined cobalt, one year. CHN ships 100 t to KOR and 50 t to JPN; FIN ships 100 t to
# KOR and 40 t to USA (an importer that loses nothing). CHN cuts refined exports by 50 %.
FLOWS = pd.DataFrame(
    [("CHN", "KOR", 100.0), ("CHN", "JPN", 50.0), ("FIN", "KOR", 100.0), ("FIN", "USA", 40.0)],
    columns=["exporter", "importer", "quantity_t"]).assign(commodity_id="cobalt",
                                                           stage="refining")
DATA = ShockData(
    year=2024, flows=FLOWS[["exporter", "importer", "commodity_id", "stage", "quantity_t"]],
    production=pd.DataFrame(columns=["iso3", "commodity_id", "stage", "quantity"]),
    risk=pd.DataFrame({"iso3": ["CHN", "FIN", "KOR", "JPN", "USA"],
                       "risk": [0.6, 0.1, 0.3, 0.2, 0.25]}),
    last_trade_year={("cobalt", "refining"): 2024}, groups={})
SCENARIO = single_shock("CHN", "cobalt", 0.5, ("refining",))   # ω = 0.2, κ = 0
# The company (in JPN) buys 10 t of cobalt from a CHN refiner and 20 t from a KOR one,
# 5 t from a TWN one (TWN imports no refined cobalt here), and 7 t of copper from CHN.
BOM = pd.DataFrame({
    "row": [2, 3, 4, 5], "product": "pack", "part": ["cathode"] * 3 + ["busbar"],
    "commodity_id": ["cobalt", "cobalt", "cobalt", "copper"],
    "supplier": ["A", "B", "C", "D"], "iso3": ["CHN", "KOR", "TWN", "CHN"],
    "mass_t": [10.0, 20.0, 5.0, 7.0]})
STAGES = {"cobalt": "refining", "copper": "refining"}


def _rows() -> pd.DataFrame:
    impacts = run_scenario(DATA, SCENARIO, {c: {c} for c in ("JPN", "KOR", "TWN", "CHN")})
    buy = pd.DataFrame({"exporter": BOM["iso3"], "importer": "JPN",
                        "commodity_id": BOM["commodity_id"],
                        "stage": BOM["commodity_id"].map(STAGES)})
    cuts = purchase_cuts(DATA, SCENARIO, buy)
    assert list(cuts) == [0.5, 0.0, 0.0, 0.0]   # only the cobalt bought from CHN
    return shock_exposure(BOM, STAGES, impacts, "JPN", cuts).set_index("bom_row")


def test_two_suppliers_by_hand():
    """Losses: KOR 0.5·100 = 50 t of 200 t imported, JPN 0.5·50 = 25 t. Re-sourcing:
    only FIN's 40 t to the USA are redirectable, K_FIN = 0.2·40 = 8 t, shared max–min:
    t = 8/75 of each loss. KOR's shortfall share (50 − 50·8/75)/200 = 0.22333;
    JPN keeps 1 − 8/75 of its loss."""
    r = _rows()
    direct = r.loc[2]                          # the CHN refiner: the cut applies directly
    assert direct["path"] == "direct"
    assert direct["at_risk_share"] == pytest.approx(0.5)
    assert direct["mass_at_risk_t"] == pytest.approx(5.0)
    assert direct["residual_shortfall_t"] == pytest.approx(10 * 0.5 * (1 - 8 / 75))
    kor = r.loc[3]                             # the KOR refiner: KOR's loss shares apply
    assert kor["path"] == "supplier_country"
    assert kor["at_risk_share"] == pytest.approx(0.25)
    assert kor["mass_at_risk_t"] == pytest.approx(5.0)
    assert kor["residual_shortfall_share"] == pytest.approx((50 - 50 * 8 / 75) / 200)
    assert kor["residual_shortfall_t"] == pytest.approx(20 * (50 - 50 * 8 / 75) / 200)
    twn = r.loc[4]                             # no imports: missing with the reason
    assert np.isnan(twn["mass_at_risk_t"]) and np.isnan(twn["residual_shortfall_t"])
    assert code_of(twn["missing"]) == "no_imports"
    cu = r.loc[5]                              # copper is not cut: a true 0
    assert cu["path"] == "not_shocked" and cu["mass_at_risk_t"] == 0.0


def test_per_commodity_totals():
    rows = _rows().reset_index().assign(redirect_share=0.2, spare_capacity=0.0,
                                        trade_year=2024)
    by = shock_by_commodity(rows).set_index("commodity_id")
    co = by.loc["cobalt"]
    assert co["mass_t"] == 35.0 and co["unassessed_t"] == 5.0
    assert co["mass_at_risk_t"] == pytest.approx(10.0)
    assert co["residual_shortfall_t"] == pytest.approx(
        10 * 0.5 * (1 - 8 / 75) + 20 * (50 - 50 * 8 / 75) / 200)
    assert code_of(co["missing"]) == "no_imports"
    assert by.loc["copper", "mass_at_risk_t"] == 0.0


def test_a_targeted_shock_spares_the_company():
    """A shock restricting only KOR leaves the company's purchase from CHN uncut."""
    from critmin.analysis.scenarios import Scenario, Shock

    scenario = Scenario("t", "t", (Shock(("CHN",), "cobalt", "refining", 0.5, ("KOR",)),))
    buy = pd.DataFrame({"exporter": ["CHN", "CHN"], "importer": ["JPN", "KOR"],
                        "commodity_id": "cobalt", "stage": "refining"})
    assert list(purchase_cuts(DATA, scenario, buy)) == [0.0, 0.5]


EXAMPLES = [("ev_traction_motor", "cn_heavy_rare_earths_2025", "rare_earths"),
            ("li_ion_battery_pack", "cn_graphite_2023", "graphite"),
            ("power_module", "cn_gallium_germanium_2023", "gallium")]


@pytest.mark.parametrize(("example", "scenario", "hit"), EXAMPLES)
def test_every_example_runs_with_a_library_scenario(store, example, scenario, hit):
    import json

    from critmin.service.exposure import (
        ExposureShockRequest,
        ExposureShockResponse,
        exposure_shock,
    )

    r = exposure_shock(ExposureShockRequest(bom=f"example:{example}", scenario=scenario),
                       store)
    payload = json.loads(r.json_text())
    ExposureShockResponse.model_validate(payload)
    ExposureShockResponse.validate_rows(payload["rows"])
    f = r.frame
    from critmin.analysis.bom import examples

    assert len(f) == len(pd.read_csv(str(examples()[example])))
    assert (f["redirect_share"] == r.redirect_share).all()      # assumptions on every row
    assert (f["trade_year"] == r.year).all() and f["spare_capacity"].notna().all()
    shocked = f[f["commodity"] == hit]
    assert (shocked["path"] != "not_shocked").all()
    known = shocked["mass_at_risk_t"].notna()
    assert (shocked.loc[known, "mass_at_risk_t"] > 0).any() or shocked["missing"].ne("").all()
    assert (f.loc[f["path"] == "not_shocked", "mass_at_risk_t"] == 0).all()
    assert (shocked["residual_shortfall_t"].fillna(0)
            <= shocked["mass_at_risk_t"].fillna(0) + 1e-9).all()
    by = {b.commodity: b for b in r.by_commodity}
    assert by[hit].mass_t == pytest.approx(shocked["mass_t"].sum())


def test_the_supplier_country_row_is_the_shock_commands_figure(store):
    """Cobalt from a Korean refiner under CHN's 75 % cut: the BOM row's shares are KOR's
    direct-loss and shortfall shares in 'critmin shock' (same model, same data)."""
    from critmin.service.exposure import ExposureShockRequest, exposure_shock
    from critmin.service.shocks import ShockRequest, shock

    r = exposure_shock(ExposureShockRequest(
        bom="example:li_ion_battery_pack", exporter="CHN", commodity="cobalt", cut=0.75),
        store)
    s = shock(ShockRequest(exporter="CHN", commodity="cobalt", cut=0.75,
                           importers=["KOR", "JPN"]), store).frame
    kor = s[(s["importer"] == "KOR") & (s["stage"] == "refining")].iloc[0]
    row = r.frame[(r.frame["supplier_country"] == "KOR")
                  & (r.frame["commodity"] == "cobalt")].iloc[0]
    assert row["path"] == "supplier_country"
    # the store has no cobalt ore trade: KOR's second-order loss is unknown — left out
    # of the shares, with the reason on both the shock row and the BOM row, never 0
    assert kor["second_order_loss_t"] != kor["second_order_loss_t"]  # NaN
    assert "260500" in kor["second_order_missing"]
    assert row["second_order_missing"] == kor["second_order_missing"]
    assert row["at_risk_share"] == pytest.approx(kor["direct_loss_share"])
    assert row["residual_shortfall_share"] == pytest.approx(kor["shortfall_share"])
    assert row["origin_top_country"] == "COD"
