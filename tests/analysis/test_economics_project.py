"""Project evaluation (methods.md §16): NPV, IRR and payback against textbook cash flows,
the cash-flow model by hand, the ESG, geopolitical and combined scores, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from critmin.analysis import economics_project as ep
from critmin.errors import CritminError

# Brigham & Houston, Fundamentals of Financial Management, "Project S": CF0 = −1,000,
# then 500, 400, 300, 100; at a 10 % cost of capital NPV = 78.82 and IRR = 14.49 %.
PROJECT_S = np.array([-1000.0, 500.0, 400.0, 300.0, 100.0])


def test_npv_irr_payback_of_a_textbook_cash_flow() -> None:
    by_hand = -1000 + 500 / 1.1 + 400 / 1.1 ** 2 + 300 / 1.1 ** 3 + 100 / 1.1 ** 4
    assert ep.npv(0.10, PROJECT_S) == pytest.approx(by_hand) == pytest.approx(78.82, abs=5e-3)
    rate = ep.irr(PROJECT_S)
    assert rate == pytest.approx(0.1449, abs=5e-5)
    assert ep.npv(rate, PROJECT_S) == pytest.approx(0.0, abs=1e-6)
    # numpy-financial's documented example (Gitman): −100, 39, 59, 55, 20 → 28.095 %
    assert ep.irr(np.array([-100.0, 39, 59, 55, 20])) == pytest.approx(0.28095, abs=5e-6)
    # cumulative −1000, −500, −100, +200: payback = 2 + 100/300 years
    assert ep.payback_years(PROJECT_S) == pytest.approx(2 + 1 / 3)
    assert np.isnan(ep.irr(np.array([100.0, 50.0])))  # no sign change: no IRR
    assert np.isnan(ep.payback_years(np.array([-100.0, 10.0, 10.0])))
    assert ep.payback_years(np.array([5.0, -1.0, 3.0])) == 0.0


def test_cash_flow_model_by_hand() -> None:
    m = ep.CashFlowModel(start_year=2030, years=4, capex=[100.0], output_t=[0, 2, 4],
                         price=[50.0, 50.0, 60.0], payable=0.5, opex_per_t=5.0,
                         fixed_opex=1.0, royalty_rate=0.1, tax_rate=0.25,
                         depreciation_years=2, salvage=3.0, discount_rate=0.1,
                         source="test [C]")
    f = ep.model_cash_flows(m).set_index("t")
    # t=1: R = 50·2·0.5 = 50, OPEX = 5·2 + 1 = 11, ROY = 5, D = 100/2 = 50,
    #      taxable = 50 − 11 − 5 − 50 < 0 → tax 0; CF = 50 − 11 − 5 = 34
    # t=2: R = 60·4·0.5 = 120, OPEX = 21, ROY = 12, D = 50, tax = 0.25·37 = 9.25,
    #      CF = 120 − 21 − 12 − 9.25 = 77.75
    # t=3: output and price carried: R = 120, OPEX 21, ROY 12, D 0, tax = 0.25·87
    #      = 21.75, CF = 65.25 + salvage 3 = 68.25
    assert f["cash_flow"].tolist() == pytest.approx([-100.0, 34.0, 77.75, 68.25])
    assert f["depreciation"].tolist() == pytest.approx([0, 50, 50, 0])
    assert f["year"].tolist() == [2030, 2031, 2032, 2033]
    plain = ep.plain_cash_flows([-100.0, 34.0, 77.75, 68.25], 2030)
    assert plain["cash_flow"].tolist() == f["cash_flow"].tolist()
    assert ep.present_outlays(0.1, f.reset_index()) == pytest.approx(100.0)
    assert ep.present_outlays(0.1, plain) == pytest.approx(100.0)


def test_scores() -> None:
    assert ep.financial_score(50.0, 100.0) == pytest.approx(0.75)
    assert ep.financial_score(-500.0, 100.0) == 0.0
    esg = ep.Esg(tailings=ep.Criterion(value=0.5, good=0.2, bad=1.5, source="[C]"),
                 water=ep.Criterion(score=0.2, source="[C]"),
                 weights={"tailings": 3.0, "water": 1.0}, gate=0.3)
    total, passed, crit = ep.esg_scores(esg)
    # tailings: (1.5 − 0.5) / (1.5 − 0.2) = 0.76923; E = (3·0.76923 + 1·0.2) / 4
    assert crit["tailings"] == pytest.approx(1.0 / 1.3)
    assert total == pytest.approx((3 / 1.3 + 0.2) / 4)
    assert passed is False  # water 0.2 < gate 0.3
    assert ep.esg_scores(None)[1] is None
    # geo: ½·(1 − 0.2) + ½·clip(½ + 0.05/0.2, 0, 1) = 0.4 + 0.375
    assert ep.geo_score(0.2, -0.05) == pytest.approx(0.775)
    assert ep.geo_score(0.2, 0.5) == pytest.approx(0.4)
    assert ep.geo_score(0.2, float("nan")) == pytest.approx(0.65)
    w = ep.Weights()
    assert ep.combined_score({"financial": 1.0, "esg": 0.5, "geopolitical": 0.0}, w) == \
        pytest.approx(0.4 + 0.15)
    # a layer without a score drops out, the others re-weighted
    assert ep.combined_score({"financial": 1.0, "esg": float("nan"),
                              "geopolitical": 0.0}, w) == pytest.approx(0.4 / 0.7)


def test_shipped_projects() -> None:
    aus, cod = ep.read_project("ree_separation_aus"), ep.read_project("cobalt_mine_cod")
    assert aus.cash_flow_model is not None and aus.offtake.share == 0.6
    assert cod.cash_flows is not None and cod.discount_rate == 0.12


BASE = """\
id: p
name: P
name_ja: P
commodity: cobalt
country: COD
capacity_t: 100
source: "test [C]"
cash_flows: [-100, 60, 60]
discount_rate: 0.1
"""


@pytest.mark.parametrize(("text", "expect"), [
    (BASE.replace("discount_rate: 0.1\n", ""),
     "line 8: Value error, 'cash_flows' (at least two years) and 'discount_rate' go "
     "together"),
    (BASE + "cash_flow_model: {start_year: 2030, years: 2, capex: [1], output_t: 1, price: "
            "1, discount_rate: 0.1, source: \"[C]\"}\n",
     "line 10: Value error, give either 'cash_flow_model' or 'cash_flows' with "
     "'discount_rate'"),
    (BASE.replace("capacity_t: 100", "capacity_t: -5"),
     "line 6: capacity_t: Input should be greater than 0"),
    (BASE + "esg:\n  water: {score: 0.5, value: 1, good: 0, bad: 2, source: \"[C]\"}\n",
     "line 11: esg.water: Value error, give either 'score' or 'value' with 'good' and 'bad'"),
    (BASE + "weights: {financial: 0.5, esg: 0.5, geo: 0}\n",
     "line 10: weights.geo: Extra inputs are not permitted"),
    (BASE.replace("country: COD", "country: Atlantis"),
     "line 5: country: unknown country 'Atlantis'"),
    (BASE.replace("commodity: cobalt", "commodity: unobtainium"),
     "line 4: commodity: unknown mineral 'unobtainium'"),
    (BASE + "offtake: {importer: XXX, share: 0.5}\n",
     "line 10: offtake.importer: unknown country 'XXX'"),
    (BASE.replace("discount_rate: 0.1", "discount_rate: -0.5"),
     "line 9: discount_rate: Input should be greater than or equal to 0"),
])
def test_bad_project_files(tmp_path: Path, text: str, expect: str) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CritminError) as err:
        ep.read_project(str(path))
    assert expect in str(err.value), str(err.value)
    assert str(err.value).startswith(f"project file {path}")
