"""Early-warning rules (critmin.analysis.signals) against hand-computed values, and the
tier boundaries of signal_thresholds.csv."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from critmin.analysis import signals as s
from critmin.analysis.signal_inputs import PRICE_COLUMNS, SignalInputs

D = np.datetime64("2020-01-01T00:00:00")


def monthly(values: list[float], key: str = "pinksheet:X", first: tuple[int, int] = (2015, 1)
            ) -> pd.DataFrame:
    """A monthly market series starting at ``first``, seen the month after each period."""
    t0 = first[0] * 12 + first[1] - 1
    t = np.arange(t0, t0 + len(values))
    return pd.DataFrame({
        "key": key, "kind": "market_monthly", "commodity_id": "nickel", "stage": None,
        "hs6": None, "t": t, "year": t // 12, "month": t % 12 + 1,
        "period": [f"{y}-{m:02d}" for y, m in zip(t // 12, t % 12 + 1, strict=True)],
        "value": values, "unit": "USD/t", "source_ids": "wb-pinksheet-monthly",
        "seen": (t - 1970 * 12 + 1).astype("datetime64[M]").astype("datetime64[s]")})[
            PRICE_COLUMNS]


def test_run_starts_and_trailing_stats() -> None:
    group = np.array([1, 1, 1, 1, 1, 2, 2])
    t = np.array([1, 2, 3, 5, 6, 1, 2])
    start = s.run_starts(group, t)
    assert start.tolist() == [0, 0, 0, 3, 3, 5, 5]
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    n, mean, sd = s.trailing_stats(x, s.run_starts(np.ones(5), np.arange(5)), 1, 4, 4)
    assert n[4] == 4 and mean[4] == pytest.approx(2.5) and sd[4] == pytest.approx(1.2909944)
    assert np.isnan(mean[:4]).all()  # fewer than 4 earlier values


def test_rolling_z_hand_computed() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    z, mean, sd = s.rolling_z(x, np.zeros(5, dtype=int), 4, 4)
    assert z[4] == pytest.approx((10 - 2.5) / 1.2909944487)
    assert np.isnan(z[:4]).all()


def test_trailing_stats_read_only_the_rows_own_run() -> None:
    """The same run gives the same floats, bit for bit, whether or not another series'
    rows come before it in the array."""
    x = np.log(np.array([101.3, 97.2, 104.9, 99.1, 102.6, 98.8, 130.0]))
    alone = s.trailing_stats(x, np.zeros(7, dtype=int), 1, 6, 4)
    other = np.log(np.linspace(5e4, 9e4, 500))
    both = np.r_[other, x]
    start = s.run_starts(np.r_[np.zeros(500), np.ones(7)], np.r_[np.arange(500), np.arange(7)])
    after = s.trailing_stats(both, start, 1, 6, 4)
    for a, b in zip(alone, after, strict=True):
        np.testing.assert_array_equal(a, b[500:])


def test_a_window_of_equal_values_has_sd_0_and_no_z() -> None:
    """A price fixed for 36 months has σ = 0: z is undefined, not the ratio of the jump
    to a rounding residue (the 1960s producer prices gave z of 10³–10⁵ before). The
    fixed level need not be the series' first value."""
    x = np.log(np.r_[80.0, [243.0] * 36, 270.0])
    n, mean, sd = s.trailing_stats(x, np.zeros(38, dtype=int), 1, 36, 36)
    assert n[37] == 36 and sd[37] == 0.0 and mean[37] == pytest.approx(math.log(243.0))
    z, _mean, _sd = s.rolling_z(x, np.zeros(38, dtype=int), 36, 36)
    assert np.isnan(z[37])
    assert np.isfinite(s.rolling_z(x, np.zeros(38, dtype=int), 37, 37)[0][37])
    # after another series in the same arrays (as every price series but the first)
    both = np.r_[np.log(np.linspace(5e4, 9e4, 1000)), x]
    start = s.run_starts(np.r_[np.zeros(1000), np.ones(38)],
                         np.r_[np.arange(1000), np.arange(38)])
    assert np.isnan(s.rolling_z(both, start, 36, 36)[0][-1])


def test_streak_counts_consecutive_rows_within_a_run() -> None:
    flag = np.array([True, True, False, True, True, True])
    assert s.streak(flag, np.array([0, 0, 0, 0, 0, 5])).tolist() == [1, 2, 0, 1, 2, 1]


def _spike_series(last: float) -> pd.DataFrame:
    """ln P alternating 0 and 0.2 for 36 months, then ln P = ``last``: mean 0.1, sample
    sd 0.1·√(36/35)."""
    return monthly([math.exp(0.2 * (i % 2)) for i in range(36)] + [math.exp(last)])


@pytest.mark.parametrize("last, tier", [(0.4, "watch"), (0.5, "immediate"), (0.3, None)])
def test_price_spike_z_and_tier(last: float, tier: str | None) -> None:
    f = s.assign_tiers("price_spike", s.price_spike(_spike_series(last)))
    assert len(f) == 1  # only the 37th month has 36 months before it
    z = (last - 0.1) / (0.1 * math.sqrt(36 / 35))
    assert f["value"].iloc[0] == pytest.approx(z)
    assert f["mean"].iloc[0] == pytest.approx(math.exp(0.1))
    assert f["tier"].iloc[0] == tier


def test_price_spike_two_months_over_2_is_medium_term() -> None:
    values = [math.exp(0.2 * (i % 2)) for i in range(36)] + [math.exp(0.4)] * 2
    f = s.assign_tiers("price_spike", s.price_spike(monthly(values)))
    assert f["streak"].tolist() == [1, 2]
    assert f["tier"].tolist()[0] == "watch" and f["tier"].tolist()[1] in ("medium_term",
                                                                         "immediate")


@pytest.mark.parametrize("rule, values, streaks, expected", [
    ("price_spike", [1.99, 2.0, 2.99, 3.0, 2.5], [1, 1, 1, 1, 2],
     [None, "watch", "watch", "immediate", "medium_term"]),
    ("volatility_regime", [1.80, 1.81, 2.29, 2.30], [1] * 4,
     [None, "watch", "watch", "medium_term"]),
    ("structural_break", [1.99, 2.0, 3.0], [1] * 3, [None, "watch", "medium_term"]),
    ("governance", [1.64, 1.645, 1.96], [1] * 3, [None, "watch", "medium_term"]),
    ("import_volume_drop", [-1.99, -2.0, -3.0], [1] * 3, [None, "watch", "immediate"]),
    ("export_control", [float("nan"), 0.0, 0.0999, 0.1], [1] * 4,
     ["watch", "watch", "watch", "immediate"]),
])
def test_tier_boundaries(rule: str, values: list[float], streaks: list[int],
                         expected: list[str | None]) -> None:
    f = s.assign_tiers(rule, pd.DataFrame({"value": values, "streak": streaks}))
    assert f["tier"].tolist() == expected


def test_tier_conditions() -> None:
    f = s.assign_tiers("top_supplier_share", pd.DataFrame(
        {"value": [0.049, 0.05, 0.05], "top_share": [0.9, 0.49, 0.5]}))
    assert f["tier"].tolist() == [None, "watch", "medium_term"]
    f = s.assign_tiers("production_concentration", pd.DataFrame(
        {"value": [0.011, 0.011, 0.021, 0.021], "hhi": [0.14, 0.15, 0.24, 0.25]}))
    assert f["tier"].tolist() == [None, "watch", "watch", "medium_term"]
    assert f["threshold"].tolist()[1:] == [0.01, 0.01, 0.02]


def test_volatility_ratio_hand_computed() -> None:
    r = np.array([0.01 * (-1) ** i for i in range(36)] + [0.05, -0.05, 0.05])
    ratio, short, long = s.volatility_ratio(r, np.zeros(len(r), dtype=int), 3, 36)
    assert long[-1] == pytest.approx(0.01 * math.sqrt(36 / 35))
    assert short[-1] == pytest.approx(math.sqrt((2 * (0.1 / 3) ** 2 + (0.2 / 3) ** 2) / 2))
    assert ratio[-1] == pytest.approx(short[-1] / long[-1])
    assert np.isnan(ratio[:-1]).all()


def test_newest_break_finds_a_recent_shift_in_mean() -> None:
    noise = np.random.default_rng(0).normal(0.0, 0.01, 60)
    shifted = noise + np.r_[np.zeros(56), np.full(4, 0.2)]
    b, value, before, after = s.newest_break(shifted, recent=6)
    assert b == 56
    assert abs(before) < 0.01 and after == pytest.approx(shifted[56:].mean())
    assert value > 3  # far beyond the penalty 2·ln 60
    assert s.newest_break(noise, recent=6) is None
    old = noise + np.r_[np.zeros(30), np.full(30, 0.2)]  # a break 30 values back: not new
    assert s.newest_break(old, recent=6) is None


def _flows(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    f = pd.DataFrame(rows, columns=["commodity_id", "year", "partner", "quantity_t"])
    return f.assign(stage="mining", value_kusd=f["quantity_t"] * 2, source_ids="baci-bundle",
                    seen=pd.to_datetime((f["year"] + 2).astype(str) + "-01-31").astype(
                        "datetime64[s]"))


def test_top_supplier_share() -> None:
    f = _flows([("graphite", 2020, "CHN", 50), ("graphite", 2020, "AUS", 50),
                ("graphite", 2021, "CHN", 70), ("graphite", 2021, "AUS", 30),
                ("nickel", 2020, "IDN", 50), ("nickel", 2020, "PHL", 50),
                ("nickel", 2021, "IDN", 54), ("nickel", 2021, "PHL", 46)])
    out = s.assign_tiers("top_supplier_share", s.top_supplier_share(f)).set_index(
        "commodity_id")
    assert out.loc["graphite", "value"] == pytest.approx(0.2)
    assert out.loc["graphite", "partner"] == "CHN"
    assert out.loc["graphite", "tier"] == "medium_term"  # +20 points and 70 % ≥ 50 %
    assert out.loc["nickel", "value"] == pytest.approx(0.04) and out.loc["nickel",
                                                                        "tier"] is None


def test_production_concentration_needs_one_source() -> None:
    p = pd.DataFrame({"commodity_id": "cobalt", "stage": "mining", "year": [2020, 2021, 2022],
                      "hhi": [0.26, 0.281, 0.30],
                      "source_ids": ["wmd-bundle", "wmd-bundle", "usgs-mcs2025-world"],
                      "seen": np.datetime64("2024-01-01", "s")})
    out = s.assign_tiers("production_concentration", s.production_concentration(p))
    assert out["year"].tolist() == [2021]  # 2022 comes from another source
    assert out["value"].iloc[0] == pytest.approx(0.021) and out["tier"].iloc[0] == "medium_term"


def test_governance_of_a_main_supplier() -> None:
    gov = pd.DataFrame({"iso3": ["CHN", "CHN", "AUS", "AUS"], "year": [2020, 2021] * 2,
                        "estimate": [0.5, -0.2, 1.0, 0.9], "std_error": [0.2] * 4,
                        "source_id": "wgi-release"})
    gov["seen"] = pd.to_datetime((gov["year"] + 1).astype(str) + "-10-01").astype(
        "datetime64[s]")
    flows = _flows([("graphite", 2020, "CHN", 60), ("graphite", 2020, "AUS", 40)])
    out = s.assign_tiers("governance", s.governance(gov, flows)).set_index("iso3")
    assert out.loc["CHN", "value"] == pytest.approx(0.7 / 0.4)  # (0.5 − (−0.2)) / 0.4
    assert out.loc["CHN", "tier"] == "watch"
    assert out.loc["CHN", "share"] == pytest.approx(0.6) and out.loc["CHN", "trade_year"] == 2020
    assert out.loc["AUS", "tier"] is None


def test_import_volume_drop() -> None:
    q = [100.0]
    for i in range(10):
        q.append(q[-1] * math.exp(0.1 * (-1) ** i))
    q.append(q[-1] * math.exp(-0.5))
    f = _flows([("nickel", 2000 + i, "IDN", v) for i, v in enumerate(q)])
    out = s.assign_tiers("import_volume_drop", s.import_volume_drop(f))
    last = out.iloc[-1]
    assert last["year"] == 2011
    assert last["value"] == pytest.approx(-0.5 / (0.1 * math.sqrt(10 / 9)))
    assert last["tier"] == "immediate"


def test_export_control_share_as_of_the_event() -> None:
    flows = _flows([("gallium", 2021, "CHN", 30), ("gallium", 2021, "DEU", 70),
                    ("gallium", 2022, "CHN", 90), ("gallium", 2022, "DEU", 10)])
    ev = pd.DataFrame({"date": pd.to_datetime(["2023-08-01", "2023-08-01"]),
                       "iso3": ["CHN", "CHN"], "commodity_id": ["gallium", "tungsten"],
                       "measure": "export_licence", "detail": "", "source": "",
                       "source_id": "critmin-catalog"})
    ev["seen"] = ev["date"].astype("datetime64[s]")
    out = s.assign_tiers("export_control", s.export_control(ev, flows)).set_index(
        "commodity_id")
    # 2022 trade is public only from 2024-01-31: the share is 2021's, 30 %
    assert out.loc["gallium", "value"] == pytest.approx(0.3)
    assert out.loc["gallium", "tier"] == "immediate"
    assert np.isnan(out.loc["tungsten", "value"]) and out.loc["tungsten", "tier"] == "watch"
    # the explanation says which stages and which trade year the share covers
    from critmin.analysis.signal_text import explain, names_of

    row = out.reset_index().iloc[0].to_dict()
    assert row["trade_stages"] == "mining" and row["trade_year"] == 2021
    en = explain("export_control", row, "JPN", "en", names_of("en"))
    assert "30.0% of Japan's imports of Gallium (mining stage trade in the store, 2021)" in en
    ja = explain("export_control", row, "JPN", "ja", names_of("ja"))
    assert "（データストアにある採掘段階の貿易、2021年）" in ja


def test_evaluate_explains_in_both_languages() -> None:
    prices = _spike_series(0.5)
    empty = pd.DataFrame(columns=["commodity_id", "stage", "year", "partner", "quantity_t",
                                  "value_kusd", "source_ids", "seen"])
    inputs = SignalInputs(
        importer="JPN", prices=prices, flows=empty,
        production=pd.DataFrame(columns=["commodity_id", "stage", "year", "hhi", "source_ids",
                                         "seen"]),
        governance=pd.DataFrame(columns=["iso3", "year", "estimate", "std_error", "source_id",
                                         "seen"]),
        events=pd.DataFrame(columns=["date", "iso3", "commodity_id", "measure", "detail",
                                     "source", "source_id", "seen"]))
    en = s.evaluate(inputs, None, "en")
    ja = s.evaluate(inputs, None, "ja")
    assert en["rule"].tolist() == ["price_spike"] and en["tier"].tolist() == ["immediate"]
    assert en["date"].tolist() == ["2018-01"] and en["seen"].tolist() == ["2018-02-01"]
    assert "Nickel, World Bank monthly price" in en["explanation"].iloc[0]
    assert "z = +3.94" in en["explanation"].iloc[0] and "threshold 3.00" in en[
        "explanation"].iloc[0]
    assert "ニッケル（世界銀行の月次価格）：2018年1月" in ja["explanation"].iloc[0]
    assert "閾値 3.00" in ja["explanation"].iloc[0]
    assert list(en.columns) == s.SIGNAL_COLUMNS
