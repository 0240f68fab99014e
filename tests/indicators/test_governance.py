import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.indicators.governance import (
    country_risk,
    eu_wgi_scaled,
    risk_for_years,
    risk_from_estimate,
    store_country_risk,
    store_dimensions,
)


@given(st.lists(st.floats(-4.0, 4.0), min_size=1, max_size=20))
def test_sql_and_numpy_risk_agree(estimates):
    # country_risk runs the SQL formula; risk_from_estimate is the NumPy one
    gov = pd.DataFrame({"iso3": [f"C{i:02d}" for i in range(len(estimates))], "year": 2020,
                        "dimension": "PV", "estimate": estimates})
    out = country_risk(gov, ("PV",)).set_index("iso3").loc[gov["iso3"]]
    assert np.allclose(out["risk"], risk_from_estimate(np.array(estimates)), atol=1e-15)
    assert np.allclose(out["wgi_star"], eu_wgi_scaled(np.array(estimates)), atol=1e-15)
    assert out["risk"].between(0, 1).all()


def test_six_dimension_mean_needs_four_dimensions():
    rows = [("AAA", d, v) for d, v in zip(("VA", "PV", "GE", "RQ"), (0.5, -0.5, 1.0, 0.0),
                                          strict=True)]
    rows += [("BBB", d, 1.0) for d in ("VA", "PV", "GE")]
    gov = pd.DataFrame(rows, columns=["iso3", "dimension", "estimate"]).assign(year=2022)
    out = country_risk(gov, ("VA", "PV", "GE", "RQ", "RL", "CC")).set_index("iso3")
    assert list(out.index) == ["AAA"]  # BBB has three of six
    assert np.isclose(out.loc["AAA", "risk"], (2.5 - 0.25) / 5)  # mean 0.25


def test_missing_years_carried_back_at_most_two():
    risk = pd.DataFrame({"iso3": "AAA", "year": [2018], "risk": [0.4], "wgi_star": [4.0],
                         "wgi_mean": [0.5]})
    out = risk_for_years(risk, [2018, 2020, 2021]).set_index("year")
    assert out.loc[2020, "lag"] == 2 and out.loc[2020, "risk"] == 0.4
    assert 2021 not in out.index  # three years back: missing, not carried


def test_governance_weighted_share_hand_computed():
    from critmin.indicators.governance import (
        MISSING_GOVERNANCE_RISK,
        governance_weighted_by,
        governance_weighted_share,
    )

    # 0.6·0.6 + 0.4·(missing → 0.5) = 0.36 + 0.20
    assert governance_weighted_share([0.6, 0.4], [0.6, np.nan]) == pytest.approx(0.56)
    assert MISSING_GOVERNANCE_RISK == 0.5
    f = pd.DataFrame({"k": ["a", "a"], "q": [60.0, 40.0], "g": [0.6, None]})
    assert governance_weighted_by(f, ["k"], "q", "g")["a"] == pytest.approx(0.56)


def test_store_country_risk_is_the_risk_of_the_store_rows(store):
    """The store's risk: the governance rows of the preferred source, the dimensions it
    has (the bundle: PV alone), each country's risk carried to the years asked."""
    from critmin.indicators.inputs import store_governance

    assert store_dimensions(store) == ("PV",)
    assert store_dimensions(store, "six") == ("VA", "PV", "GE", "RQ", "RL", "CC")
    risk = store_country_risk(store, [2022])
    expected = risk_for_years(country_risk(store_governance(store), ("PV",)), [2022])
    pd.testing.assert_frame_equal(risk, expected)
    jpn = store_governance(store).query("iso3 == 'JPN' and dimension == 'PV' and year == 2022")
    assert risk.set_index("iso3").loc["JPN", "risk"] == pytest.approx(
        float(risk_from_estimate(jpn["estimate"].to_numpy(float))[0]))
