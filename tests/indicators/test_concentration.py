import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.indicators.concentration import producer_shares, top_producers


def _frame(quantities):
    return pd.DataFrame({"commodity_id": "x", "stage": "mining", "year": 2023,
                         "iso3": [f"C{i:02d}" for i in range(len(quantities))],
                         "quantity": quantities})


def test_top_producer_hand_computed():
    # 60 / (60 + 30 + 10) = 0.6
    top = top_producers(_frame([30.0, 60.0, 10.0]))
    assert top.loc[0, "top_iso3"] == "C01"
    assert top.loc[0, "top_share"] == 0.6
    assert top.loc[0, "total"] == 100.0 and top.loc[0, "n_producers"] == 3


def test_groups_are_independent_and_all_computed_at_once():
    frame = pd.concat([_frame([1.0, 3.0]),
                       _frame([5.0, 5.0, 0.0]).assign(commodity_id="y")])
    top = top_producers(frame).set_index("commodity_id")
    assert top.loc["x", "top_share"] == 0.75
    assert top.loc["y", "top_share"] == 0.5 and top.loc["y", "top_iso3"] == "C00"  # tie → ISO3
    assert top.loc["y", "n_producers"] == 2


def test_zero_total_gives_missing_share_not_zero():
    shares = producer_shares(_frame([0.0, 0.0]))
    assert shares["share"].isna().all()


@given(st.lists(st.floats(min_value=0.001, max_value=1e9), min_size=1, max_size=30))
def test_share_invariants(quantities):
    shares = producer_shares(_frame(quantities))
    assert abs(shares["share"].sum() - 1) < 1e-9
    top = top_producers(_frame(quantities)).loc[0, "top_share"]
    assert 1 / len(quantities) - 1e-12 <= top <= 1


def test_remainder_counts_in_total_but_is_never_ranked():
    # named 40 and 20, "Other countries" 50: top is C00 with 40 / 110
    frame = _frame([40.0, 20.0, 50.0])
    frame.loc[2, "iso3"] = None
    top = top_producers(frame).iloc[0]
    assert top["top_iso3"] == "C00" and abs(top["top_share"] - 40 / 110) < 1e-12
    assert top["n_producers"] == 2 and top["total"] == 110.0


def test_hhi_hand_computed():
    from critmin.indicators.concentration import hhi, top_n_share

    # 0.6² + 0.3² + 0.1² = 0.36 + 0.09 + 0.01
    assert hhi([0.6, 0.3, 0.1]) == pytest.approx(0.46)
    assert hhi([1.0]) == 1.0
    assert np.isnan(hhi([]))
    assert top_n_share([0.1, 0.6, 0.3], 2) == pytest.approx(0.9)
    assert np.isnan(top_n_share([np.nan], 1))


def test_hhi_by_groups():
    from critmin.indicators.concentration import hhi_by

    f = pd.DataFrame({"k": ["a", "a", "b", "b", "b"], "q": [60.0, 40.0, 50.0, 50.0, 0.0]})
    out = hhi_by(f, ["k"], "q")
    assert out["a"] == pytest.approx(0.36 + 0.16)  # 0.6² + 0.4²
    assert out["b"] == pytest.approx(0.5)          # 0.5² + 0.5²; the 0 row is absent


def test_concentration_hand_computed():
    """The SQL aggregation: named 40, 40, 15 and a 5 remainder (total 100); a tie at the
    top goes to the first ISO3; T3 = 0.4 + 0.4 + 0.15; HHI = 0.16 + 0.16 + 0.0225."""
    from critmin.indicators.concentration import concentration

    frame = _frame([40.0, 15.0, 40.0, 5.0]).assign(iso3=["ZZZ", "MMM", "AAA", None])
    row = concentration(frame).iloc[0]
    assert row["top_iso3"] == "AAA" and row["top1_share"] == pytest.approx(0.4)
    assert row["top3_share"] == pytest.approx(0.95)
    assert row["hhi"] == pytest.approx(0.3425)
    assert row["remainder_share"] == pytest.approx(0.05)
    assert row["total"] == 100.0 and row["n_producers"] == 3


def test_concentration_without_known_quantities():
    """Named rows whose quantities are all unknown: no shares, the top country still the
    first ISO3 (as the ranking by quantity, unknown last, then ISO3, gives it)."""
    from critmin.indicators.concentration import concentration

    row = concentration(_frame([np.nan, np.nan]).assign(iso3=["BBB", "AAA"])).iloc[0]
    assert row["top_iso3"] == "AAA" and row["n_producers"] == 0
    assert np.isnan(row["hhi"]) and np.isnan(row["top1_share"]) and np.isnan(row["top3_share"])


def test_concentration_keeps_a_group_with_a_missing_key():
    """A group whose key is missing (no stage) is still a group: its rows are not
    dropped by the join of the rows to their group's total."""
    from critmin.indicators.concentration import concentration

    frame = _frame([60.0, 30.0, 10.0]).assign(iso3=["CHN", "AUS", None], stage=None)
    row = concentration(frame).iloc[0]
    assert row["stage"] is None and row["total"] == 100.0 and row["top_iso3"] == "CHN"
    assert row["hhi"] == pytest.approx(0.45) and row["remainder_share"] == pytest.approx(0.1)


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0.0, max_value=1e9)),
                min_size=1, max_size=12), st.booleans())
def test_concentration_agrees_with_the_formulas(quantities, remainder):
    """:func:`concentration` (SQL) against :func:`hhi`, :func:`top_n_share` and
    :func:`top_producers` on the same rows, with or without a remainder row."""
    from critmin.indicators.concentration import concentration, hhi, top_n_share

    frame = _frame([np.nan if q is None else q for q in quantities])
    if remainder:
        frame = pd.concat([frame, _frame([7.0]).assign(iso3=None)], ignore_index=True)
    row = concentration(frame).iloc[0]
    total = frame["quantity"].sum(min_count=1)
    named = frame[frame["iso3"].notna()]
    shares = (named["quantity"] / total).to_numpy() if total > 0 else np.array([np.nan])
    for got, want in ((row["hhi"], hhi(shares)), (row["top1_share"], top_n_share(shares, 1)),
                      (row["top3_share"], top_n_share(shares, 3))):
        assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want, rel=1e-12)
    known = named[named["quantity"].notna()]
    if len(known):
        assert row["top_iso3"] == top_producers(known).loc[0, "top_iso3"]
    else:
        assert row["top_iso3"] == named["iso3"].min()
