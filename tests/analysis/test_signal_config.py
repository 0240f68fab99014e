"""Configuration of the signals: thresholds as their reasons state, release dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import f, norm

from critmin.analysis import signal_config as c


def test_thresholds_follow_their_stated_conventions() -> None:
    t = c.thresholds().set_index(["rule", "tier"])["threshold"]
    assert t[("volatility_regime", "watch")] == pytest.approx(f.ppf(0.95, 2, 35) ** 0.5,
                                                              abs=0.005)
    assert t[("volatility_regime", "medium_term")] == pytest.approx(
        f.ppf(0.99, 2, 35) ** 0.5, abs=0.005)
    assert t[("governance", "watch")] == pytest.approx(norm.ppf(0.95), abs=5e-4)
    assert t[("governance", "medium_term")] == pytest.approx(norm.ppf(0.975), abs=5e-4)
    assert (t[("price_spike", "watch")], t[("price_spike", "immediate")]) == (2, 3)
    every = c.thresholds()
    assert set(every["rule"]) == set(c.RULES)
    assert every["reason"].str.len().min() > 20 and every["source"].str.len().min() > 2


def test_protocols_cover_every_tier_and_type() -> None:
    from critmin.analysis.typology import type_ids

    p = c.protocols()
    assert {(r.tier, r.type_id) for r in p.itertuples()} == {
        (t, ty) for t in c.TIERS for ty in type_ids()}
    assert p.groupby("tier")["within_days"].first().to_dict() == {
        "immediate": 14, "medium_term": 90, "watch": 30}


def test_seen_dates_by_source() -> None:
    sids = pd.Series(["wb-pinksheet-monthly", "baci-bundle", "wgi-release",
                      "usgs-mcs2025-world", "wmd-bundle", "my-table", "wmd-bundle; baci-hs"])
    got = c.seen_dates(sids, np.array([2022, 2021, 2021, 2024, 2021, 2022, 2021]),
                       np.array([3, 12, 12, 12, 12, 12, 12]))
    assert [str(d)[:10] for d in got] == ["2022-04-05", "2023-01-31", "2022-10-01",
                                          "2025-01-31", "2023-05-31", "2023-12-31",
                                          "2023-05-31"]


def test_episodes_have_sources() -> None:
    e = c.episodes()
    assert {"ree_quota_2010", "nickel_2022", "ga_ge_2023", "graphite_2023",
            "ree_licensing_2025"} == set(e["episode"])
    assert (e["source"].str.len() > 20).all()
    assert str(e.loc[e["episode"] == "nickel_2022", "date"].iloc[0])[:10] == "2022-03-08"
