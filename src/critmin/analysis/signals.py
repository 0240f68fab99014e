"""Early-warning signals from data (methods.md §18): one pure, vectorised function per
rule over whole arrays, the tiers of ``signal_thresholds.csv``, and the explanation of
each signal with the numbers behind it (English and Japanese).

Every rule at period ``t`` reads only periods ≤ ``t`` of its own series (trailing
windows), so a signal never depends on later data; the backtest
(:mod:`critmin.analysis.backtest`) also hides every row not yet public
(:func:`critmin.analysis.signal_inputs.as_of`).

Rules (thresholds and reasons: ``analysis/data/signal_thresholds.csv``):

- ``price_spike``: ``z_t = (ln P_t − mean(ln P_{t−w..t−1})) / sd(ln P_{t−w..t−1})``;
- ``volatility_regime``: ``sd(r_{t−2..t}) / sd(r_{t−38..t−3})``, ``r = Δ ln P`` (monthly);
- ``structural_break``: change points of the last ``W`` log changes (ruptures, PELT with
  the linear kernel = a change in mean) on standardised data; the newest change point's
  cost reduction ÷ ln W;
- ``top_supplier_share``: the current top supplier's share of the importer's imports now
  minus a year before;
- ``production_concentration``: ``HHI_t − HHI_{t−1}`` of world production (one source);
- ``governance``: ``(W_{t−1} − W_t) / (se_{t−1} + se_t)`` for each main supplier;
- ``import_volume_drop``: z of ``Δ ln Q_t`` against the changes of the years before;
- ``export_control``: the share of the importer's imports (value) from the country
  that imposes a new restriction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.signal_config import (
    CONDITION,
    RULES,
    TIER_RANK,
    parameters,
    rule_thresholds,
    watch_threshold,
)
from critmin.analysis.signal_inputs import SignalInputs

SIGNAL_COLUMNS = ["importer", "tier", "rule", "commodity_id", "stage", "series", "partner",
                  "date", "seen", "value", "threshold", "explanation", "source_ids"]
"""The columns of a signal (``date``: the period it refers to; ``seen``: when its data
became public)."""


# --- vectorised building blocks ------------------------------------------------------


def run_starts(group: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each row (sorted by group, then t), the index of the first row of its run:
    consecutive rows of one group whose ``t`` steps by 1."""
    n = len(t)
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (group[1:] != group[:-1]) | (np.diff(t) != 1)
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


def lagged(x: np.ndarray, start: np.ndarray, k: int = 1) -> np.ndarray:
    """``x`` of the row ``k`` periods before in the same run (NaN where there is none)."""
    i = np.arange(len(x))
    out = np.full(len(x), np.nan)
    ok = i - k >= start
    out[ok] = np.asarray(x, dtype=float)[i[ok] - k]
    return out


def trailing_stats(x: np.ndarray, start: np.ndarray, end_offset: int | np.ndarray,
                   length: int | np.ndarray, min_count: int | np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, mean, sample sd) of the finite ``x`` in rows ``i − end_offset − length + 1 …
    i − end_offset`` of each row's run (``start``: :func:`run_starts`); NaN where fewer
    than ``min_count`` values.

    Cumulative sums of ``x`` less its run's first finite value, restarted at each run
    (:func:`run_sums`): a row's statistics depend on its own run only, never on the rows
    before it in the array (other series). A window whose values are all equal has sd
    exactly 0 (:func:`changes`; its sums would leave a rounding residue, and a z against
    that residue ran to 10³–10⁵ on the fixed producer prices of the 1960s)."""
    x = np.asarray(x, dtype=float)
    start = np.asarray(start)
    fin = np.isfinite(x)
    shift = run_shift(x, start)
    v = np.where(fin, x - shift, 0.0)
    c0, c1, c2 = run_sums(np.column_stack([fin, v, v * v]).astype(float), start).T
    hi = np.arange(len(x)) - np.asarray(end_offset) + 1
    lo = np.maximum(hi - np.asarray(length), start)
    ok = hi > lo
    hi, lo = np.where(ok, hi, 0), np.where(ok, lo, 0)
    n = window_sum(c0, start, lo, hi)
    n[~ok] = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = window_sum(c1, start, lo, hi) / n
        var = np.maximum(window_sum(c2, start, lo, hi) - n * mean * mean, 0.0) / (n - 1)
    moved = np.cumsum(changes(x, start))
    var[ok & (moved[np.maximum(hi - 1, 0)] == moved[lo])] = 0.0
    enough = n >= np.maximum(np.asarray(min_count), 2)
    return n, np.where(enough, mean + shift, np.nan), np.where(enough, np.sqrt(var), np.nan)


def changes(x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Rows whose finite value differs from the previous finite value of their run."""
    n = len(x)
    if not n:
        return np.zeros(0, dtype=bool)
    fin = np.isfinite(x)
    last = np.maximum.accumulate(np.where(fin, np.arange(n), -1))
    prev = np.r_[-1, last[:-1]]
    return fin & (prev >= start) & (x != x[np.maximum(prev, 0)])


def run_shift(x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Each row's run's first finite value of ``x`` (0 for a run without one)."""
    n = len(x)
    if not n:
        return np.zeros(0)
    heads = np.unique(start)  # a run's start is the index of its first row
    first = np.minimum.reduceat(np.where(np.isfinite(x), np.arange(n), n), heads)
    shift = np.where(first < n, x[np.minimum(first, n - 1)], 0.0)
    return np.repeat(shift, np.diff(np.r_[heads, n]))


def run_sums(v: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sums of the rows of ``v`` (each column on its own),
    restarted at each run (``start``): a run's sums are the same floats whatever rows
    precede it."""
    out = np.empty(v.shape)
    if not len(v):
        return out
    heads = np.unique(start)
    for a, b in zip(heads, [*heads[1:], len(v)], strict=True):
        out[a:b] = np.cumsum(v[a:b], axis=0)
    return out


def window_sum(c: np.ndarray, start: np.ndarray, lo: np.ndarray, hi: np.ndarray
               ) -> np.ndarray:
    """Sum of rows ``lo … hi − 1`` (within one run, ``hi > lo``) from run sums ``c``
    (:func:`run_sums`); 0 where ``hi ≤ lo``."""
    if not len(c):
        return np.zeros(len(lo))
    before = np.where(lo > start, c[np.maximum(lo - 1, 0)], 0.0)
    return np.where(hi > lo, c[np.maximum(hi - 1, 0)] - before, 0.0)


def streak(flag: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Consecutive rows with ``flag`` ending at each row, within its run (0 where not)."""
    i = np.arange(len(flag))
    last_false = np.maximum.accumulate(np.where(~flag, i, -1))
    return np.where(flag, i - np.maximum(last_false, start - 1), 0)


def rolling_z(x: np.ndarray, start: np.ndarray, window: int | np.ndarray,
              min_count: int | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z_t = (x_t − mean(x_{t−w..t−1})) / sd(x_{t−w..t−1})`` (sample sd), with the
    mean and sd; NaN with fewer than ``min_count`` earlier values or sd = 0."""
    _n, mean, sd = trailing_stats(x, start, 1, window, min_count)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (np.asarray(x, dtype=float) - mean) / np.where(sd > 0, sd, np.nan)
    return z, mean, sd


def volatility_ratio(r: np.ndarray, start: np.ndarray, short: int, long: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sd(r_{t−short+1..t}) / sd(r_{t−short−long+1..t−short})`` (sample sds, both
    windows complete), with the two sds."""
    _n, _m, sd_short = trailing_stats(r, start, 0, short, short)
    _n, _m, sd_long = trailing_stats(r, start, short, long, long)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sd_short / np.where(sd_long > 0, sd_long, np.nan), sd_short, sd_long


def segment_cost(x: np.ndarray) -> float:
    """``Σ (x − mean x)²``: the l2 cost of one segment."""
    return float(((x - x.mean()) ** 2).sum()) if len(x) else 0.0


def newest_break(r: np.ndarray, recent: int, min_size: int = 3
                 ) -> tuple[int, float, float, float] | None:
    """The newest change in mean of ``r`` (one window of log changes), if it lies in the
    last ``recent`` values: ``(index of the first value after it, gain ÷ ln n, mean
    before, mean after)``.

    ``r`` is standardised by ``σ̂ = 1.4826 · MAD(Δr) / √2`` (robust to the shift
    itself); change points by ruptures' ``KernelCPD(kernel="linear")`` (PELT on the l2
    cost ``Σ (x − mean)²`` = −2 log-likelihood of a normal mean model, σ = 1) with the
    penalty ``2·ln n`` per change (Schwarz criterion: location and new mean; Yao 1988,
    Killick et al. 2012, Truong et al. 2020). The gain is ``cost(A ∪ B) − cost(A) −
    cost(B)`` of the segments A before and B after the change point."""
    import ruptures

    n = len(r)
    d = np.diff(r)
    sigma = 1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2) if n > 2 else 0.0
    if not np.all(np.isfinite(r)) or not sigma > 0:
        return None
    x = (r - r.mean()) / sigma
    bkps = ruptures.KernelCPD(kernel="linear", min_size=min_size).fit(x).predict(
        pen=2 * math.log(n))
    if len(bkps) < 2 or bkps[-2] < n - recent:
        return None
    b, a = bkps[-2], bkps[-3] if len(bkps) > 2 else 0
    gain = segment_cost(x[a:]) - segment_cost(x[a:b]) - segment_cost(x[b:])
    return b, gain / math.log(n), float(r[a:b].mean()), float(r[b:].mean())


# --- the rules -------------------------------------------------------------------------


def _ordered(frame: pd.DataFrame, keys: list[str], t: str) -> tuple[pd.DataFrame,
                                                                     np.ndarray]:
    """``frame`` sorted by ``keys`` and ``t``, and each row's run start."""
    order, group = _order(frame, keys, t)
    f = frame.take(order).reset_index(drop=True)
    return f, run_starts(group, f[t].to_numpy())


def _order(frame: pd.DataFrame, keys: list[str], t: str) -> tuple[np.ndarray, np.ndarray]:
    """The row order by ``keys`` then ``t`` and each sorted row's group number."""
    codes = [pd.factorize(frame[k].astype(object).fillna(""), sort=True)[0] for k in keys]
    order = np.lexsort((frame[t].to_numpy(), *codes[::-1]))
    sorted_codes = np.stack([c[order] for c in codes]) if codes else np.zeros((0, len(order)))
    new = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        new[1:] = (sorted_codes[:, 1:] != sorted_codes[:, :-1]).any(axis=0)
    return order, np.cumsum(new)


def spike_arrays(x: np.ndarray, start: np.ndarray, monthly: np.ndarray
                 ) -> dict[str, np.ndarray]:
    """Rule ``price_spike`` on log prices ``x`` (sorted by series and period; ``start``:
    :func:`run_starts`): ``value`` = ``z_t`` of ``x_t`` against the ``w`` periods before
    (monthly: w = 36, all present; annual: w = 10, at least 5), ``mean`` their geometric
    mean, ``window`` w and ``streak`` the consecutive periods with z at or above the
    watch threshold (methods.md §18)."""
    p = parameters()
    window = np.where(monthly, p["spike_window_monthly"], p["spike_window_annual"])
    z, mean, _sd = rolling_z(x, start, window, np.where(
        monthly, p["spike_window_monthly"], p["spike_min_annual"]))
    with np.errstate(invalid="ignore"):
        hot = z >= watch_threshold("price_spike")
    return {"value": z, "mean": np.exp(mean), "window": window, "streak": streak(hot, start)}


def volatility_arrays(x: np.ndarray, start: np.ndarray, monthly: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """Rule ``volatility_regime`` on log prices ``x`` (monthly series only; NaN for
    annual ones): ``value`` = σ of the last 3 log changes ÷ σ of the 36 before them,
    ``short`` and ``long`` those σ (methods.md §18)."""
    p = parameters()
    ratio, short, long = volatility_ratio(x - lagged(x, start), start,
                                          p["volatility_short"], p["volatility_long"])
    return {"value": np.where(monthly, ratio, np.nan), "short": short, "long": long}


def break_arrays(x: np.ndarray, start: np.ndarray, monthly: np.ndarray,
                 points: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Rule ``structural_break`` on log prices ``x`` at the rows of ``points`` (default
    all; each is a ruptures call): :func:`newest_break` in the window of the last ``W``
    log changes ending at the row (monthly W = 60, new if in the last 6; annual W = 15,
    new if in the last 2): ``value`` (gain ÷ ln W; 0 without a new change point),
    ``before``, ``after`` (mean log change per period) and ``break_at`` (the row that
    starts the new segment, −1 without one); NaN where the window is incomplete."""
    p = parameters()
    n = len(x)
    r = x - lagged(x, start)
    width = np.where(monthly, p["break_window_monthly"], p["break_window_annual"])
    recent = np.where(monthly, p["break_recent_monthly"], p["break_recent_annual"])
    out = {k: np.full(n, np.nan) for k in ("value", "before", "after")}
    out["break_at"] = np.full(n, -1)
    mask = np.ones(n, dtype=bool) if points is None else np.asarray(points, dtype=bool)
    for i in np.flatnonzero(mask & (np.arange(n) - width + 1 > start)):
        lo = i - width[i] + 1
        hit = newest_break(r[lo:i + 1], int(recent[i]), p["break_min_size"])
        b, out["value"][i], out["before"][i], out["after"][i] = hit or (None, 0.0, np.nan,
                                                                         np.nan)
        out["break_at"][i] = -1 if b is None else lo + b
    return out


def _price_rule(prices: pd.DataFrame, rule: str, points: np.ndarray | None = None
                ) -> pd.DataFrame:
    """A price rule's rows over the ``prices`` frame (sorted here by series and period;
    ``points``: a mask of ``prices`` rows for the break rule)."""
    order, group = _order(prices, ["key"], "t")
    f = prices.take(order).reset_index(drop=True)
    start = run_starts(group, f["t"].to_numpy())
    monthly = (f["kind"] == "market_monthly").to_numpy()
    x = np.log(f["value"].to_numpy(float))
    if rule == "price_spike":
        cols = spike_arrays(x, start, monthly)
    elif rule == "volatility_regime":
        cols = volatility_arrays(x, start, monthly)
    else:
        cols = break_arrays(x, start, monthly, None if points is None
                            else np.asarray(points, dtype=bool)[order])
        at = cols.pop("break_at")
        cols["break_period"] = np.where(at >= 0, f["period"].to_numpy()[np.maximum(at, 0)],
                                        None)
    out = f.assign(rule=rule, price=f["value"], **cols)
    return out[np.isfinite(out["value"].to_numpy(float))]


def price_spike(prices: pd.DataFrame) -> pd.DataFrame:
    """Rule ``price_spike`` over a ``prices`` frame (:func:`spike_arrays`)."""
    return _price_rule(prices, "price_spike")


def volatility_regime(prices: pd.DataFrame) -> pd.DataFrame:
    """Rule ``volatility_regime`` over a ``prices`` frame (:func:`volatility_arrays`)."""
    return _price_rule(prices, "volatility_regime")


def structural_break(prices: pd.DataFrame, points: np.ndarray | None = None
                     ) -> pd.DataFrame:
    """Rule ``structural_break`` over a ``prices`` frame (:func:`break_arrays`) at the
    rows of ``points`` (default all)."""
    return _price_rule(prices, "structural_break", points)


def supplier_shares(flows: pd.DataFrame) -> pd.DataFrame:
    """Each partner's share of the importer's imports (tonnes) per commodity stage and
    year, ``s_i = q_i / Σ q`` over every partner (an unallocated partner counts in the
    total, never as a supplier): ``commodity_id, stage, year, partner, share, total,
    seen, source_ids``."""
    f = flows[flows["quantity_t"] > 0]
    keys = ["commodity_id", "stage", "year"]
    total = f.groupby(keys)["quantity_t"].transform("sum")
    out = f.assign(share=f["quantity_t"] / total, total=total)
    return out[out["partner"].notna()][[*keys, "partner", "share", "total", "seen",
                                        "source_ids"]].reset_index(drop=True)


def top_supplier_share(flows: pd.DataFrame) -> pd.DataFrame:
    """Rule ``top_supplier_share``: the top supplier's share in year t minus its own
    share in t − 1 (0 if it supplied nothing then; no value without imports in t − 1),
    with ``top_share`` (its share in t) for the medium-term condition."""
    s = supplier_shares(flows)
    keys = ["commodity_id", "stage"]
    top = s.sort_values([*keys, "year", "share"], ascending=[True, True, True, False],
                        kind="stable").drop_duplicates([*keys, "year"])
    prev = s.assign(year=s["year"] + 1)[[*keys, "year", "partner", "share"]]
    had = s[[*keys, "year"]].drop_duplicates().assign(year=lambda d: d["year"] + 1,
                                                      had=True)
    out = top.merge(prev, on=[*keys, "year", "partner"], how="left",
                    suffixes=("", "_prev")).merge(had, on=[*keys, "year"], how="left")
    out = out[out["had"].fillna(False).astype(bool)]
    prev_share = out["share_prev"].fillna(0.0)
    return out.assign(rule="top_supplier_share", value=out["share"] - prev_share,
                      prev=prev_share, top_share=out["share"]).reset_index(drop=True)


def production_concentration(production: pd.DataFrame) -> pd.DataFrame:
    """Rule ``production_concentration``: ``ΔHHI = HHI_t − HHI_{t−1}`` of world
    production of a commodity stage, both years from the same source, with ``hhi`` for
    the tier conditions (merger-guideline bands)."""
    keys = ["commodity_id", "stage", "source_ids"]
    f, start = _ordered(production, keys, "year")
    prev = lagged(f["hhi"].to_numpy(float), start)
    out = f.assign(rule="production_concentration", value=f["hhi"] - prev, prev=prev)
    return out[np.isfinite(prev)]


def governance_changes(gov: pd.DataFrame, preference: tuple[str, ...]) -> pd.DataFrame:
    """Each country's change in one WGI dimension between a year and the year before
    it (at most 2 years back: the WGI was biennial to 2002), within one WGI edition:
    ``d = (W_prev − W) / (se_prev + se)``, the first edition of ``preference`` that has
    the pair (methods.md §4 governance sources)."""
    f = gov.sort_values(["iso3", "source_id", "year"], kind="stable").reset_index(drop=True)
    same = (f["iso3"] == f["iso3"].shift()) & (f["source_id"] == f["source_id"].shift())
    gap = f["year"] - f["year"].shift()
    f = f.assign(prev_year=f["year"].shift(), prev_est=f["estimate"].shift(),
                 prev_se=f["std_error"].shift())[same & (gap <= 2)]
    sid = f["source_id"].astype(str)
    f = f.assign(value=(f["prev_est"] - f["estimate"]) / (f["prev_se"] + f["std_error"]),
                 rank=np.select([sid.str.startswith(p).to_numpy() for p in preference],
                                list(range(len(preference))), len(preference)))
    f = f[np.isfinite(f["value"].astype(float))].sort_values(["iso3", "year", "rank"],
                                                             kind="stable")
    return f.drop_duplicates(["iso3", "year"]).drop(columns="rank").reset_index(drop=True)


def governance(gov: pd.DataFrame, flows: pd.DataFrame,
               preference: tuple[str, ...] = ("wgi-release", "wgi-bundle")) -> pd.DataFrame:
    """Rule ``governance``: :func:`governance_changes` of every main supplier — a partner
    with at least ``main_supplier_share`` of the importer's imports of a commodity stage
    in the latest trade year public when the WGI year was (as-of join on ``seen``)."""
    ch = governance_changes(gov, preference)
    s = supplier_shares(flows)
    main = s["share"] >= parameters()["main_supplier_share"]
    cells = s.loc[main, ["partner", "commodity_id", "stage"]].drop_duplicates()
    left = ch.merge(cells, left_on="iso3", right_on="partner").sort_values("seen")
    if left.empty:
        return left.assign(rule="governance", share=np.nan, trade_year=np.nan,
                           trade_sources=None)
    right = s.rename(columns={"year": "trade_year", "seen": "share_seen",
                              "source_ids": "trade_sources"}).sort_values("share_seen")
    by = ["partner", "commodity_id", "stage"]
    out = pd.merge_asof(left.astype({c: object for c in by}),
                        right.drop(columns="total").astype({c: object for c in by}),
                        left_on="seen", right_on="share_seen", by=by)
    out = out[out["share"] >= parameters()["main_supplier_share"]]
    return out.assign(rule="governance").reset_index(drop=True)


def import_volume_drop(flows: pd.DataFrame) -> pd.DataFrame:
    """Rule ``import_volume_drop``: ``r_t = ln(Q_t / Q_{t−1})`` of the importer's
    imports (tonnes, all partners) and its z against the ``volume_window`` changes
    before it (at least ``volume_min``)."""
    p = parameters()
    keys = ["commodity_id", "stage"]
    q = flows[flows["quantity_t"] > 0].groupby([*keys, "year"], as_index=False).agg(
        qty=("quantity_t", "sum"), seen=("seen", "max"), source_ids=("source_ids", "first"))
    f, start = _ordered(q, keys, "year")
    x = np.log(f["qty"].to_numpy(float))
    prev = lagged(f["qty"].to_numpy(float), start)
    r = x - np.log(prev)
    z, _mean, _sd = rolling_z(r, start, p["volume_window"], p["volume_min"])
    out = f.assign(rule="import_volume_drop", value=z, prev=prev, change=r)
    return out[np.isfinite(z)]


def export_control(events: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Rule ``export_control``: each event with the share ``s`` of the imposing country
    in the importer's imports of the commodity (value, every stage with trade in the
    store: ``trade_stages``) in the latest trade year public at the event's date
    (``trade_year``); NaN when the store has no such imports."""
    f = flows[flows["value_kusd"] > 0]
    tot = f.groupby(["commodity_id", "year"], as_index=False).agg(
        total=("value_kusd", "sum"), trade_seen=("seen", "max"),
        trade_stages=("stage", lambda s: ",".join(sorted(set(s)))))
    by = f.groupby(["commodity_id", "year", "partner"], as_index=False)["value_kusd"].sum()
    ev = events.sort_values("seen").reset_index(drop=True).astype({"commodity_id": object})
    tot = tot.astype({"commodity_id": object})
    if len(tot) and len(ev):
        out = pd.merge_asof(ev, tot.sort_values("trade_seen"), left_on="seen",
                            right_on="trade_seen", by="commodity_id")
        out = out.merge(by.rename(columns={"partner": "iso3"}),
                        on=["commodity_id", "year", "iso3"], how="left")
    else:
        out = ev.assign(year=np.nan, total=np.nan, value_kusd=np.nan, trade_stages=None)
    share = np.where(out["total"] > 0, out["value_kusd"].fillna(0.0) / out["total"], np.nan)
    return out.rename(columns={"year": "trade_year"}).assign(rule="export_control",
                                                             value=share)


# --- tiers -------------------------------------------------------------------------------


def _compare(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return values >= threshold if op == ">=" else values <= threshold


def assign_tiers(rule: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``tier`` and ``threshold``: the strongest tier of ``rule`` (rows of
    ``signal_thresholds.csv``) whose threshold the value meets (``direction``), for at
    least ``persistence`` consecutive periods (column ``streak``) and with its
    ``condition`` (``column>=number``); None below every tier. An export-control event
    without a known share is a watch signal."""
    value = frame["value"].to_numpy(float)
    if rule == "export_control":
        value = np.nan_to_num(value, nan=0.0)
    tier = np.full(len(frame), None, dtype=object)
    thr = np.full(len(frame), np.nan)
    for r in rule_thresholds(rule).itertuples(index=False):
        ok = _compare(value, r.direction, r.threshold)
        if r.persistence > 1:
            ok &= frame["streak"].to_numpy() >= r.persistence
        if r.condition:
            col, op, num = CONDITION.match(r.condition).groups()
            ok &= _compare(frame[col].to_numpy(float), op, float(num))
        tier[ok], thr[ok] = r.tier, r.threshold
    return frame.assign(tier=pd.Series(tier, index=frame.index, dtype=object), threshold=thr)


# --- evaluation ---------------------------------------------------------------------------


RULE_FUNCTIONS: dict[str, Callable[[SignalInputs, Any], pd.DataFrame]] = {
    "price_spike": lambda i, _k: price_spike(i.prices),
    "volatility_regime": lambda i, _k: volatility_regime(i.prices),
    "structural_break": lambda i, keep: structural_break(
        i.prices, keep(i.prices, "structural_break")),
    "top_supplier_share": lambda i, _k: top_supplier_share(i.flows),
    "production_concentration": lambda i, _k: production_concentration(i.production),
    "governance": lambda i, _k: governance(i.governance, i.flows),
    "import_volume_drop": lambda i, _k: import_volume_drop(i.flows),
    "export_control": lambda i, _k: export_control(i.events, i.flows),
}
"""Each rule on the inputs (``keep``: the row filter of :func:`rule_frames`)."""
RULE_INPUTS = {"price_spike": ("prices",), "volatility_regime": ("prices",),
               "structural_break": ("prices",), "top_supplier_share": ("flows",),
               "production_concentration": ("production",), "governance": ("governance",),
               "import_volume_drop": ("flows",), "export_control": ("events",)}
"""The frames whose new rows make each rule's new signals."""


def rule_frames(inputs: SignalInputs, keep: Callable[[pd.DataFrame, str], np.ndarray],
                rules: tuple[str, ...] = RULES) -> dict[str, pd.DataFrame]:
    """The evaluated rows (value, tier, threshold; tier None below every threshold) of
    ``rules`` over ``inputs``; ``keep(frame, rule)`` selects the rows wanted (before the
    costly break rule runs)."""
    out = {rule: RULE_FUNCTIONS[rule](inputs, keep) for rule in rules}
    return {rule: assign_tiers(rule, f[keep(f, rule)].reset_index(drop=True))
            for rule, f in out.items()}


def period_year(frame: pd.DataFrame) -> np.ndarray:
    """The year each evaluated row refers to."""
    if "date" in frame and "year" not in frame:
        return pd.to_datetime(frame["date"]).dt.year.to_numpy()
    return frame["year"].to_numpy()


def in_years(years: list[int] | None) -> Callable[[pd.DataFrame, str], np.ndarray]:
    """A ``keep`` for :func:`rule_frames`: rows of ``years`` (None: all)."""
    def keep(frame: pd.DataFrame, _rule: str) -> np.ndarray:
        if years is None or frame.empty:
            return np.ones(len(frame), dtype=bool)
        return np.isin(period_year(frame), years)
    return keep


def evaluate(inputs: SignalInputs, years: list[int] | None = None, lang: str = "en",
             names: dict[str, Any] | None = None) -> pd.DataFrame:
    """The signals (rows at a tier) of ``inputs`` referring to ``years`` (None: all), as
    :data:`SIGNAL_COLUMNS` with explanations in ``lang``, strongest tier first."""
    return signal_table(rule_frames(inputs, in_years(years)), inputs.importer, lang, names)


def signal_table(frames: dict[str, pd.DataFrame], importer: str, lang: str = "en",
                 names: dict[str, Any] | None = None) -> pd.DataFrame:
    """The signals (rows at a tier) of evaluated rule ``frames`` (:func:`rule_frames`)
    as :data:`SIGNAL_COLUMNS` with explanations in ``lang``, strongest tier first."""
    hits = {rule: f[f["tier"].notna()] for rule, f in frames.items()}
    out = [signal_rows(rule, f, importer, lang, names) for rule, f in hits.items()
           if len(f)]
    if not out:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    sig = pd.concat(out, ignore_index=True)
    order = sig["tier"].map(TIER_RANK) * -1
    return sig.assign(_o=order, _r=sig["rule"].map(RULES.index)).sort_values(
        ["_o", "commodity_id", "_r", "date"], kind="stable").drop(
        columns=["_o", "_r"]).reset_index(drop=True)[SIGNAL_COLUMNS]


def signal_rows(rule: str, f: pd.DataFrame, importer: str, lang: str,
                names: dict[str, Any] | None = None) -> pd.DataFrame:
    """The evaluated rows ``f`` of ``rule`` as :data:`SIGNAL_COLUMNS`."""
    from critmin.analysis.signal_text import explain, names_of

    names = names or names_of(lang)
    series, partner, date, sources = _identity(rule, f)
    return pd.DataFrame({
        "importer": importer, "tier": f["tier"].to_numpy(), "rule": rule,
        "commodity_id": f["commodity_id"].to_numpy(),
        "stage": f["stage"].to_numpy() if "stage" in f else None,
        "series": series, "partner": partner, "date": date,
        "seen": pd.to_datetime(f["seen"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "value": f["value"].to_numpy(float), "threshold": f["threshold"].to_numpy(float),
        "explanation": [explain(rule, r, importer, lang, names)
                        for r in f.to_dict("records")],
        "source_ids": sources})


def _identity(rule: str, f: pd.DataFrame) -> tuple[Any, Any, Any, Any]:
    """(series, partner, date, source ids) columns of a rule's rows."""
    n = len(f)
    if rule in ("price_spike", "volatility_regime", "structural_break"):
        return f["key"].to_numpy(), None, f["period"].to_numpy(), f["source_ids"].to_numpy()
    if rule in ("top_supplier_share",):
        return ["imports"] * n, f["partner"].to_numpy(), f["year"].astype(str).to_numpy(), \
            f["source_ids"].to_numpy()
    if rule == "production_concentration":
        return ["production"] * n, None, f["year"].astype(str).to_numpy(), \
            f["source_ids"].to_numpy()
    if rule == "governance":
        return ["wgi:" + str(parameters()["governance_dimension"])] * n, f["iso3"].to_numpy(), \
            f["year"].astype(int).astype(str).to_numpy(), \
            (f["source_id"] + "; " + f["trade_sources"]).to_numpy()
    if rule == "import_volume_drop":
        return ["imports"] * n, None, f["year"].astype(str).to_numpy(), f["source_ids"].to_numpy()
    return ["event"] * n, f["iso3"].to_numpy(), pd.to_datetime(f["date"]).dt.strftime(
        "%Y-%m-%d").to_numpy(), f["source_id"].to_numpy()
