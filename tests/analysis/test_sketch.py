"""Mergeable histogram sketch: quantiles within a bin width of NumPy's, merges in any
order, missing and constant columns."""

from __future__ import annotations

import numpy as np

from critmin.analysis.sketch import HistogramSketch


def test_quantiles_within_a_bin_of_numpy():
    rng = np.random.default_rng(1)
    v = np.column_stack([rng.beta(2, 5, 50_000), rng.uniform(0.2, 0.3, 50_000)])
    s = HistogramSketch.empty(np.zeros(2), np.ones(2), bins=4096)
    for part in np.array_split(v, 7):
        s.add(part)
    qs = (0.05, 0.5, 0.95)
    np.testing.assert_allclose(s.quantiles(qs), np.quantile(v, qs, axis=0), atol=1 / 4096)


def test_merge_is_order_free_and_keeps_missing_and_constants():
    rng = np.random.default_rng(2)
    v = np.column_stack([rng.normal(5, 1, 3000), np.full(3000, 2.5), np.full(3000, np.nan)])
    v[::10, 0] = np.nan
    lo, hi = np.array([0.0, 2.5, 0.0]), np.array([10.0, 2.5, 1.0])
    parts = np.array_split(v, 3)
    a, b = HistogramSketch.empty(lo, hi), HistogramSketch.empty(lo, hi)
    for p in parts:
        a.add(p)
    for p in parts[::-1]:
        one = HistogramSketch.empty(lo, hi)
        one.add(p)
        b.merge(one)
    np.testing.assert_array_equal(a.counts, b.counts)
    q = a.quantiles((0.05, 0.5, 0.95))
    np.testing.assert_array_equal(q, b.quantiles((0.05, 0.5, 0.95)))
    np.testing.assert_allclose(q[:, 0], np.nanquantile(v[:, 0], (0.05, 0.5, 0.95)),
                               atol=10 / a.bins)
    assert (q[:, 1] == 2.5).all() and np.isnan(q[:, 2]).all()
    assert int(a.missing[0]) == 300 and int(a.missing[2]) == 3000
