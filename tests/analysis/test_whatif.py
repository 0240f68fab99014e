"""The four policy levers recompute the axes from changed data: hand-computed cases."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.analysis.whatif import (
    MineInvestment,
    Recycling,
    ResourceSaving,
    SmelterInvestment,
    apply_lever,
    displace,
    levers_from_records,
    whatif,
)
from critmin.errors import CritminError
from critmin.methods.meti6 import meti6_values
from tests.methods.meti6_fixture import OPTS, axis, rare_earth_inputs


def after(*levers):
    _, a, deltas = whatif(rare_earth_inputs(), list(levers), OPTS)
    return a.values, deltas


def test_mine_investment_australia_20kt_half_to_japan():
    v, deltas = after(MineInvestment("rare_earths", "AUS", 20_000, reserves_t=20e6,
                                     offtake=0.5))
    # production: AUS 18 000 → 38 000, total 410 000 t
    assert axis(v, "production_concentration") == pytest.approx(
        (240**2 + 43**2 + 38**2 + 38**2) / 410**2)
    # reserves: CHN 60, AUS 40, other 20 (Mt)
    assert axis(v, "reserve_concentration") == pytest.approx((60**2 + 40**2) / 120**2)
    # 10 000 t from AUS displaces CHN and VNM pro rata (× 7/9): G = 22 250 / 50 000
    assert axis(v, "import_governance_concentrate") == pytest.approx(0.445)
    unchanged = deltas[deltas["axis"].isin(["import_governance_refined",
                                            "historical_volatility", "scrap_recycling"])]
    assert (unchanged["delta"] == 0).all()


def test_smelter_investment():
    v, _ = after(SmelterInvestment("rare_earths", "AUS", 40, offtake=0.5))
    # 20 t from AUS; CHN 80 → 64, MYS 20 → 16: (64·0.6 + 16·0.4 + 20·0.2) / 100
    assert axis(v, "import_governance_refined") == pytest.approx(0.488)


def test_mine_in_the_importer_is_domestic_supply():
    v, _ = after(MineInvestment("rare_earths", "JPN", 10_000, offtake=1.0))
    # imports shrink to 40 000 (× 0.8) and 10 000 t domestic at g = 0
    assert axis(v, "import_governance_concentrate") == pytest.approx(
        0.8 * 25_750 / 50_000)


def test_resource_saving():
    v, _ = after(ResourceSaving("rare_earths", 0.2))
    assert axis(v, "historical_volatility") == pytest.approx(0.5 * 0.8)
    assert axis(v, "import_governance_concentrate") == pytest.approx(0.515)  # shares kept


def test_recycling():
    v, _ = after(Recycling("rare_earths", 0.3))
    assert axis(v, "scrap_recycling") == pytest.approx(0.7)
    # ΔS = 0.2 × 100 t refined supply → domestic 20 t, imports × 0.8
    assert axis(v, "import_governance_refined") == pytest.approx((64 * 0.6 + 16 * 0.4) / 100)


def test_levers_do_not_touch_the_baseline():
    inp = rare_earth_inputs()
    base = meti6_values(inp, OPTS)
    apply_lever(inp, MineInvestment("rare_earths", "AUS", 20_000, offtake=0.5))
    pd.testing.assert_frame_equal(base, meti6_values(inp, OPTS))


def test_bad_levers_are_refused():
    inp = rare_earth_inputs()
    with pytest.raises(CritminError, match="within 0–1"):
        apply_lever(inp, MineInvestment("rare_earths", "AUS", 1, offtake=1.5))
    with pytest.raises(CritminError, match="not in this assessment"):
        apply_lever(inp, ResourceSaving("cobalt", 0.1))
    with pytest.raises(CritminError, match="unknown field"):
        levers_from_records([{"lever": "mine", "commodity": "x", "tonnes": 3}])
    with pytest.raises(CritminError, match="must be one of"):
        levers_from_records([{"lever": "dig", "commodity": "x"}])


@given(st.lists(st.floats(1, 1e5), min_size=1, max_size=6), st.floats(0, 1e5))
def test_displacement_keeps_the_total_while_others_can_give_way(partners, added):
    flows = pd.DataFrame({"importer": "C", "partner": [f"P{i}" for i in range(len(partners))],
                          "commodity_id": "x", "stage": "mining", "year": 2023,
                          "quantity_t": partners})
    dom = pd.DataFrame(columns=["importer", "commodity_id", "stage", "year", "domestic_t"])
    f, _ = displace(flows, dom, {"C": [("C", None, None)]}, "x", "mining", "NEW", added)
    total = sum(partners)
    new = f.loc[f["partner"] == "NEW", "quantity_t"].sum()
    assert new == pytest.approx(added)
    if added <= total:
        assert f["quantity_t"].sum() == pytest.approx(total, rel=1e-9)
    assert (f["quantity_t"] >= 0).all()


def test_a_lever_that_raises_risk_says_why():
    # 20 000 t more in CHN, half to JPN: 10 000 t from CHN displaces the other partners
    # pro rata (× 1/2: VNM 7 500, AUS 2 500; CHN 30 000 + 10 000): CHN's share 60 % → 80 %,
    # G = (40·0.6 + 7.5·0.45 + 2.5·0.2) / 50 = 0.5575 > 0.515 before
    from critmin.catalog.reasons import code_of

    _, deltas = after(MineInvestment("rare_earths", "CHN", 20_000, offtake=0.5))
    row = deltas.set_index("axis").loc["import_governance_concentrate"]
    assert row["delta"] == pytest.approx(0.5575 - 0.515)
    assert code_of(row["rise_reason"]) == "whatif_raises_import_governance"
    fields = row["rise_reason"].fields
    assert (fields["country"], fields["risk"]) == ("CHN", "0.60")
    assert (fields["before"], fields["after"]) == ("60%", "80%")
    # world production: CHN 240 000 of 390 000 (61.5 %) → 260 000 of 410 000 (63.4 %)
    prod = deltas.set_index("axis").loc["production_concentration"]
    assert code_of(prod["rise_reason"]) == "whatif_raises_production_concentration"
    assert (prod["rise_reason"].fields["before"],
            prod["rise_reason"].fields["after"]) == ("62%", "63%")
    # axes that fall or stay carry no reason
    assert (deltas.loc[deltas["delta"] <= 0, "rise_reason"] == "").all()


def test_an_assessment_made_before_is_used_as_the_before() -> None:
    """``before`` given (e.g. the kept assessment): the same result, without assessing
    the inputs again; the assessment of other inputs is refused."""
    from critmin.analysis.assessment import assess_inputs

    inp = rare_earth_inputs()
    lever = [MineInvestment("rare_earths", "AUS", 20_000, reserves_t=20e6, offtake=0.5)]
    made = assess_inputs(inp, OPTS)
    before, a, deltas = whatif(inp, lever, OPTS, before=made)
    assert before is made
    _, a2, deltas2 = whatif(inp, lever, OPTS)
    pd.testing.assert_frame_equal(a.values, a2.values)
    pd.testing.assert_frame_equal(deltas, deltas2)
    with pytest.raises(ValueError, match="other inputs"):
        whatif(rare_earth_inputs(), lever, OPTS, before=made)
