"""Mergeable fixed-bin histograms: quantiles of many columns in bounded memory.

Each column has a range ``[lo, hi]`` cut into ``bins`` equal bins (the Monte Carlo uses
the first chunk's [min, max] widened by its spread on each side, within the column's
known bounds: [0, 1] for the indicators, [0, the row's imports] for a shock's tonnes).
A sketch holds, per column, the bin counts, the number of missing values and the exact
minimum and maximum, so its size depends on the columns and bins only — never on the
number of values added. Two sketches of the same layout merge by adding counts
(order-free: the result does not depend on which worker summarised which chunk).

Quantiles follow NumPy's default (linear) definition ``x[h]`` with ``h = (n − 1)·p``
over the non-missing values; the order statistic ``x[k]`` is read from the bin holding
it, assuming the bin's values evenly spread (the ``j``-th of ``m`` at
``lo + w·(b + (j + ½)/m)``), then clipped to the exact min/max. The error is below one
bin width ``(hi − lo)/bins`` and, for smooth densities, far smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 8_192


@dataclass
class HistogramSketch:
    """Per-column histograms over ``[lo, hi]`` (see the module docstring)."""

    lo: np.ndarray        # (cols,)
    hi: np.ndarray        # (cols,)
    counts: np.ndarray    # (cols, bins) int32 (≤ 2^31 values per column)
    missing: np.ndarray   # (cols,) int64: NaN values
    vmin: np.ndarray      # (cols,) exact minimum (+inf: none yet)
    vmax: np.ndarray      # (cols,) exact maximum (−inf: none yet)

    @classmethod
    def empty(cls, lo: np.ndarray, hi: np.ndarray, bins: int = BINS) -> HistogramSketch:
        lo = np.asarray(lo, dtype=float)
        hi = np.maximum(np.asarray(hi, dtype=float), lo)
        cols = len(lo)
        return cls(lo, hi, np.zeros((cols, bins), dtype=np.int32),
                   np.zeros(cols, dtype=np.int64), np.full(cols, np.inf),
                   np.full(cols, -np.inf))

    @property
    def bins(self) -> int:
        return int(self.counts.shape[1])

    @property
    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in (self.lo, self.hi, self.counts, self.missing,
                                          self.vmin, self.vmax)))

    def add(self, values: np.ndarray) -> None:
        """Add ``values`` (draws × cols); NaN counts as missing."""
        v = np.asarray(values, dtype=float).reshape(-1, len(self.lo))
        nan = np.isnan(v)
        self.missing += nan.sum(axis=0)
        with np.errstate(invalid="ignore"):
            self.vmin = np.fmin(self.vmin, np.nanmin(np.where(nan, np.inf, v), axis=0))
            self.vmax = np.fmax(self.vmax, np.nanmax(np.where(nan, -np.inf, v), axis=0))
        width = np.where(self.hi > self.lo, (self.hi - self.lo) / self.bins, 1.0)
        with np.errstate(invalid="ignore"):
            b = np.floor((v - self.lo) / width)
        b = np.clip(np.nan_to_num(b, nan=0.0), 0, self.bins - 1).astype(np.int64)
        flat = (b + np.arange(len(self.lo))[None, :] * self.bins)[~nan]
        self.counts += np.bincount(flat, minlength=self.counts.size).reshape(
            self.counts.shape).astype(np.int32)

    def merge(self, other: HistogramSketch) -> None:
        """Add another sketch of the same layout into this one."""
        if other.counts.shape != self.counts.shape or not (
                np.array_equal(other.lo, self.lo) and np.array_equal(other.hi, self.hi)):
            raise ValueError("sketches of different layouts cannot be merged")
        self.counts += other.counts
        self.missing += other.missing
        self.vmin = np.fmin(self.vmin, other.vmin)
        self.vmax = np.fmax(self.vmax, other.vmax)

    def quantiles(self, qs: tuple[float, ...] | list[float]) -> np.ndarray:
        """(len(qs), cols): NumPy-linear quantiles of the non-missing values (NaN when a
        column has none)."""
        out = np.full((len(qs), len(self.lo)), np.nan)
        width = np.where(self.hi > self.lo, (self.hi - self.lo) / self.bins, 0.0)
        for c in range(len(self.lo)):
            counts = self.counts[c]
            n = int(counts.sum(dtype=np.int64))
            if n == 0:
                continue
            cum = np.cumsum(counts, dtype=np.int64)
            for i, p in enumerate(qs):
                h = (n - 1) * float(p)
                k0, frac = int(np.floor(h)), h - np.floor(h)
                x0 = self._order_stat(c, cum, counts, k0, width[c])
                x1 = x0 if frac == 0 else self._order_stat(c, cum, counts, k0 + 1, width[c])
                out[i, c] = x0 + frac * (x1 - x0)
        return out

    def _order_stat(self, c: int, cum: np.ndarray, counts: np.ndarray, k: int,
                    width: float) -> float:
        b = int(np.searchsorted(cum, k, side="right"))
        j = k - (int(cum[b - 1]) if b > 0 else 0)
        x = self.lo[c] + width * (b + (j + 0.5) / counts[b])
        return float(min(max(x, self.vmin[c]), self.vmax[c]))
