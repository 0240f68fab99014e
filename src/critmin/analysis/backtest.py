"""Backtest of the early-warning signals (methods.md §18): the data rules run over
history as if in real time, and are scored on documented episodes
(``analysis/data/signal_episodes.csv``) and on the commodity-years without one.

Real time: the loop walks through every date on which some data became public
(``seen``, from the release lags of ``signal_release_lags.csv``); at each date ``d`` the
rules see only :func:`critmin.analysis.signal_inputs.as_of` ``(inputs, d)`` and report
the signals of the rows that became public since the previous date. A signal's
``seen`` is therefore never after the date it is reported at, and nothing published
later can change it (tests/analysis/test_backtest.py plants a future spike to check).

Events (the ``export_control`` rule) are left out: the episodes are such events, so the
rule would only restate them.

Scores: an episode *fired* when a signal of its commodity (any series, stage or rule) was
first seen within ``lead_window_months`` before to ``lag_window_months`` after its date;
``lead_months`` = months from that first signal to the episode (negative: after it). The
false-alarm rate at a tier is the share of the evaluated commodity-years outside every
episode window with at least one signal at or above that tier.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.signal_config import (
    RULES,
    TIER_RANK,
    TIERS,
    episodes,
    parameters,
    text,
)
from critmin.analysis.signal_inputs import SignalInputs, as_of
from critmin.analysis.signals import RULE_INPUTS, rule_frames

BACKTEST_RULES = tuple(r for r in RULES if r != "export_control")
"""The rules the backtest runs: every data rule but the events."""
ROW_COLUMNS = ["rule", "commodity_id", "stage", "series", "date", "seen", "value", "tier",
               "threshold", "as_of"]


@dataclass(frozen=True)
class BacktestRun:
    """The rows evaluated in real time: ``rows`` (every rule value, tier None below the
    thresholds, :data:`ROW_COLUMNS`), from ``start`` to ``end``."""

    rows: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def signals(self) -> pd.DataFrame:
        """The rows at a tier."""
        return self.rows[self.rows["tier"].notna()].reset_index(drop=True)


def release_dates(inputs: SignalInputs, start: Any, end: Any) -> np.ndarray:
    """Every date in [start, end] on which some input row became public, ascending."""
    lo, hi = (np.datetime64(pd.Timestamp(x).to_datetime64(), "s") for x in (start, end))
    seen = np.concatenate([f["seen"].to_numpy("datetime64[s]")
                           for n, f in inputs.frames().items() if n != "events"])
    seen = np.unique(seen)
    return seen[(seen >= lo) & (seen <= hi)]


PRICE_RULES = ("price_spike", "volatility_regime", "structural_break")


def _restrict(vis: SignalInputs, new: dict[str, np.ndarray], rules: list[str]) -> SignalInputs:
    """``vis`` cut to the series with new rows and to the years the rules read at those
    rows (only to save time: ``vis`` is already as of the date). Governance keeps the
    flows of the last two years (the supplier shares it joins as of its date)."""
    flows, last = vis.flows, vis.flows["year"].max() if len(vis.flows) else 0
    if "governance" in rules:
        flows = flows[flows["year"] >= last - 1]
    else:
        flows = _changed(flows[flows["year"] >= last - parameters()["volume_window"] - 2],
                         flows["commodity_id"] + ":" + flows["stage"], new["flows"])
    gov = vis.governance
    return replace(vis, flows=flows,
                   production=_changed(vis.production, vis.production["commodity_id"] + ":"
                                       + vis.production["stage"], new["production"]),
                   governance=gov[gov["iso3"].isin(np.intersect1d(
                       gov["iso3"].to_numpy()[new["governance"]].astype(str),
                       flows["partner"].dropna().to_numpy().astype(str)))])


def _changed(frame: pd.DataFrame, key: pd.Series, new: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` whose ``key`` has a new row (``key`` indexed like the
    frame it was built from, which may be longer)."""
    changed = np.unique(key.to_numpy()[new])
    return frame[key.reindex(frame.index).isin(changed).to_numpy()]


class _Prices:
    """The price rows as arrays sorted by series and period, for the as-of loop;
    ``in_order`` marks the rows of the series published in period order (no period
    public before an earlier one): as of any date such a series shows its first periods,
    so a trailing-window rule's value at a public row is the same at every later date."""

    def __init__(self, prices: pd.DataFrame) -> None:
        from critmin.analysis.signals import _order

        order, self.group = _order(prices, ["key"], "t")
        self.frame = prices.take(order).reset_index(drop=True)
        self.t = self.frame["t"].to_numpy()
        self.x = np.log(self.frame["value"].to_numpy(float))
        self.seen = self.frame["seen"].to_numpy("datetime64[s]")
        self.monthly = (self.frame["kind"] == "market_monthly").to_numpy()
        later = np.zeros(len(self.t), dtype=bool)
        later[1:] = (self.group[1:] == self.group[:-1]) & (self.seen[1:] < self.seen[:-1])
        self.in_order = ~np.isin(self.group, self.group[later])

    def as_of(self, d: np.datetime64, since: np.datetime64, rules: tuple[str, ...],
              series: np.ndarray | None = None
              ) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
        """``{rule: (rows, columns)}`` of the rows that became public in (since, d]
        (of the series masked by ``series``, default all): each rule computed on the
        rows public at ``d`` (the as-of filter) of the series with a new row."""
        from critmin.analysis.signals import (
            break_arrays,
            run_starts,
            spike_arrays,
            volatility_arrays,
        )

        visible = self.seen <= d
        new = visible & (self.seen > since) & (True if series is None else series)
        if not new.any():
            return {}
        sel = np.flatnonzero(visible & np.isin(self.group, np.unique(self.group[new])))
        start = run_starts(self.group[sel], self.t[sel])
        x, monthly, pts = self.x[sel], self.monthly[sel], new[sel]
        out = {}
        for rule in (r for r in PRICE_RULES if r in rules):
            if rule == "structural_break":
                cols = break_arrays(x, start, monthly, pts)
                at = cols.pop("break_at")
                cols["break_at"] = np.where(at >= 0, sel[np.maximum(at, 0)], -1)
            else:
                cols = (spike_arrays if rule == "price_spike" else volatility_arrays)(
                    x, start, monthly)
            keep = pts & np.isfinite(cols["value"])
            out[rule] = (sel[keep], {k: v[keep] for k, v in cols.items()})
        return out


def _price_frames(prices: _Prices, found: dict[str, list[Any]]) -> dict[str, pd.DataFrame]:
    """The price rows found as tiered rule frames, with ``as_of`` (parts: ``(rows,
    columns, as_of)``), ordered by ``as_of`` then row."""
    from critmin.analysis.signals import assign_tiers

    out = {}
    for rule, parts in found.items():
        rows = np.concatenate([p[0] for p in parts])
        when = np.concatenate([p[2] for p in parts])
        order = np.lexsort((rows, when))
        rows, when = rows[order], when[order]
        cols = {k: np.concatenate([p[1][k] for p in parts])[order] for k in parts[0][1]}
        f = prices.frame.take(rows).reset_index(drop=True)
        if "break_at" in cols:
            at = cols.pop("break_at")
            cols["break_period"] = np.where(at >= 0, prices.frame["period"].to_numpy()[
                np.maximum(at, 0)], None)
        out[rule] = assign_tiers(rule, f.assign(price=f["value"], **cols, as_of=when))
    return out


def run(inputs: SignalInputs, start: Any, end: Any,
        rules: tuple[str, ...] = BACKTEST_RULES) -> BacktestRun:
    """The rules over history in real time (see the module text): at each release date
    ``d``, the rules see the rows public at ``d`` (:func:`as_of`; for prices the same
    filter on arrays) and report the rows new since the previous date.

    Price series published in period order (:attr:`_Prices.in_order`; every series of
    the demo and test stores is) are evaluated in one pass over the rows public at
    ``end``, each new row reported as of its own ``seen``: a rule reads only earlier
    periods of its series (trailing windows), which were public by then, so the values
    are those of the loop without its per-date recomputation (about a third of the CPU
    of a whole store's backtest)."""
    prices, found = _Prices(inputs.prices), {}
    others = replace(inputs, prices=inputs.prices.iloc[:0])
    seen = {n: np.sort(f["seen"].to_numpy("datetime64[s]"))
            for n, f in others.frames().items()}
    out, prev = [], np.datetime64(pd.Timestamp(start).to_datetime64(), "s") - 1
    last = np.datetime64(pd.Timestamp(end).to_datetime64(), "s")
    for rule, (rows, cols) in prices.as_of(last, prev, rules, prices.in_order).items():
        found.setdefault(rule, []).append((rows, cols, prices.seen[rows]))
    for d in release_dates(inputs, start, end):
        for rule, (rows, cols) in prices.as_of(d, prev, rules, ~prices.in_order).items():
            found.setdefault(rule, []).append((rows, cols, np.full(len(rows), d)))
        fresh = {n: np.searchsorted(a, d, "right") > np.searchsorted(a, prev, "right")
                 for n, a in seen.items()}
        active = [r for r in rules if r not in PRICE_RULES
                  and any(fresh[n] for n in RULE_INPUTS[r])]
        if active:
            vis = as_of(others, d)
            new = {n: f["seen"].to_numpy("datetime64[s]") > prev
                   for n, f in vis.frames().items()}
            frames = rule_frames(_restrict(vis, new, active),
                                 lambda f, _r, s=prev: f["seen"].to_numpy("datetime64[s]") > s,
                                 tuple(active))
            out += [_rows(rule, f.assign(as_of=d)) for rule, f in frames.items() if len(f)]
        prev = d
    out += [_rows(rule, f) for rule, f in _price_frames(prices, found).items() if len(f)]
    rows = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=ROW_COLUMNS)
    rows = rows[np.isfinite(rows["value"].astype(float))]
    if (rows["seen"] > rows["as_of"]).any():  # the as-of filter failed: never report it
        raise AssertionError("backtest: a signal was seen after its as-of date")
    return BacktestRun(rows=rows.reset_index(drop=True), start=pd.Timestamp(start),
                       end=pd.Timestamp(end))


def _rows(rule: str, f: pd.DataFrame) -> pd.DataFrame:
    """The evaluated rows of ``rule`` as :data:`ROW_COLUMNS`."""
    if "key" in f:
        series, date = f["key"], f["period"]
    elif rule == "governance":
        series, date = "wgi:" + f["iso3"], f["year"].astype(int).astype(str)
    else:
        series, date = ("production" if rule == "production_concentration" else
                        "imports"), f["year"].astype(int).astype(str)
    return pd.DataFrame({
        "rule": rule, "commodity_id": f["commodity_id"].to_numpy(),
        "stage": f["stage"].to_numpy() if "stage" in f else None,
        "series": np.broadcast_to(np.asarray(series, dtype=object), len(f)),
        "date": np.asarray(date, dtype=object), "seen": f["seen"].to_numpy("datetime64[s]"),
        "value": f["value"].to_numpy(float), "tier": f["tier"].to_numpy(object),
        "threshold": f["threshold"].to_numpy(float),
        "as_of": f["as_of"].to_numpy("datetime64[s]")})


def months(dates: Any) -> np.ndarray:
    """Month index ``12·year + month − 1`` of each date."""
    d = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(dates)))
    return d.year.to_numpy() * 12 + d.month.to_numpy() - 1


def windows(eps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) month index of each episode's window."""
    p = parameters()
    m = months(eps["date"])
    return m - p["lead_window_months"], m + p["lag_window_months"]


def score_episodes(bt: BacktestRun, eps: pd.DataFrame) -> pd.DataFrame:
    """Per episode row: ``fired``, ``first_signal`` (the date it was first seen),
    ``lead_months``, ``rule``, ``series``, ``tier`` (of that first signal), ``max_tier``
    in the window, and the first signal at the immediate tier (``first_immediate``,
    ``lead_months_immediate``)."""
    sig = bt.signals.sort_values("seen", kind="stable")
    seen_m = months(sig["seen"]) if len(sig) else np.array([], dtype=int)
    lo, hi = windows(eps)
    rows = []
    for i, e in enumerate(eps.itertuples(index=False)):
        hit = sig[(sig["commodity_id"] == e.commodity_id) & (seen_m >= lo[i])
                  & (seen_m <= hi[i])]
        first = _first(hit)
        top = _first(hit[hit["tier"] == "immediate"])
        ep = int(months(e.date)[0])
        rows.append({
            "episode": e.episode, "commodity_id": e.commodity_id,
            "date": pd.Timestamp(e.date).strftime("%Y-%m-%d"), "fired": first is not None,
            "first_signal": _day(first), "lead_months": _lead(ep, first),
            "rule": None if first is None else first["rule"],
            "series": None if first is None else first["series"],
            "tier": None if first is None else first["tier"],
            "max_tier": None if first is None else max(hit["tier"], key=TIER_RANK.get),
            "first_immediate": _day(top), "lead_months_immediate": _lead(ep, top)})
    return pd.DataFrame(rows)


def _first(hit: pd.DataFrame) -> pd.Series | None:
    """The earliest signal (the strongest tier among those seen that day)."""
    if hit.empty:
        return None
    day = hit[hit["seen"] == hit["seen"].min()]
    return day.iloc[int(np.argmax(day["tier"].map(TIER_RANK).to_numpy()))]


def _day(signal: pd.Series | None) -> str | None:
    return None if signal is None else pd.Timestamp(signal["seen"]).strftime("%Y-%m-%d")


def _lead(episode_month: int, signal: pd.Series | None) -> int | None:
    return None if signal is None else int(episode_month - months(signal["seen"])[0])


def commodity_years(bt: BacktestRun, eps: pd.DataFrame) -> pd.DataFrame:
    """Every evaluated commodity-year (a rule had a value as of a date in that year)
    outside every episode window: ``commodity_id, year, rank`` (rank: the strongest tier
    of a signal first seen that year, −1 for none)."""
    r = bt.rows.assign(year=pd.to_datetime(bt.rows["as_of"]).dt.year,
                       rank=bt.rows["tier"].map(TIER_RANK).fillna(-1).astype(int))
    cy = r.groupby(["commodity_id", "year"], as_index=False)["rank"].max()
    lo, hi = windows(eps)
    year_lo, year_hi = cy["year"].to_numpy() * 12, cy["year"].to_numpy() * 12 + 11
    inside = np.zeros(len(cy), dtype=bool)
    for c, a, b in zip(eps["commodity_id"], lo, hi, strict=True):
        inside |= (cy["commodity_id"].to_numpy() == c) & (year_lo <= b) & (year_hi >= a)
    return cy[~inside].reset_index(drop=True)


def false_alarms(bt: BacktestRun, eps: pd.DataFrame) -> pd.DataFrame:
    """Per tier and rule (``all``: any rule): ``commodity_years`` evaluated outside every
    episode window, ``alarmed`` (with a signal at or above the tier) and ``rate``."""
    cy = commodity_years(bt, eps)
    r = bt.rows.assign(year=pd.to_datetime(bt.rows["as_of"]).dt.year,
                       rank=bt.rows["tier"].map(TIER_RANK).fillna(-1).astype(int))
    out = []
    for rule in ("all", *BACKTEST_RULES):
        sub = r if rule == "all" else r[r["rule"] == rule]
        per = sub.groupby(["commodity_id", "year"], as_index=False)["rank"].max()
        per = cy[["commodity_id", "year"]].merge(per, on=["commodity_id", "year"])
        for tier in TIERS:
            n = len(per)
            hits = int((per["rank"] >= TIER_RANK[tier]).sum())
            out.append({"rule": rule, "tier": tier, "commodity_years": n, "alarmed": hits,
                        "rate": hits / n if n else None})
    return pd.DataFrame(out)


def coverage(inputs: SignalInputs, commodity_id: str, date: Any, lang: str) -> str:
    """What data of ``commodity_id`` were public at ``date``: each kind with its last
    period (or that there was none)."""
    vis = as_of(inputs, date)
    parts = []
    p = vis.prices[vis.prices["commodity_id"] == commodity_id]
    for kind in ("market_monthly", "market_annual", "unit_value"):
        k = p[p["kind"] == kind]
        if len(k):
            parts.append(text(f"coverage_{kind}", lang, last=k.sort_values("t")[
                "period"].iloc[-1]))
    for name, key in (("flows", "coverage_flows"), ("production", "coverage_production")):
        f = getattr(vis, name)
        f = f[f["commodity_id"] == commodity_id]
        if len(f):
            parts.append(text(key, lang, last=int(f["year"].max())))
    return ("; " if lang == "en" else "、").join(parts) or text("coverage_none", lang)


def episode_table(inputs: SignalInputs, bt: BacktestRun, lang: str,
                  eps: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`score_episodes` with each episode's name and data ``coverage`` in ``lang``."""
    eps = episodes() if eps is None else eps
    out = score_episodes(bt, eps)
    out.insert(1, "name", eps[f"name_{lang}"].to_numpy())
    out["coverage"] = [coverage(inputs, c, d, lang) for c, d in
                       zip(eps["commodity_id"], eps["date"], strict=True)]
    out["source"] = eps["source"].to_numpy()
    return out


def episode_series(inputs: SignalInputs, bt: BacktestRun, eps: pd.DataFrame,
                   years_before: int = 6, years_after: int = 2) -> list[dict[str, Any]]:
    """For each episode row, the price or unit-value series to chart (the series of its
    first price signal, else its monthly market price, else its longest unit value) in a
    window around the date, and the signals of that series first seen in the window:
    ``{episode, commodity_id, date, key, kind, unit, points: [(period end, value)],
    marks: [(seen, value at the signal's period, tier, rule)]}``."""
    out = []
    scores = score_episodes(bt, eps)
    for e, s in zip(eps.itertuples(index=False), scores.itertuples(index=False),
                    strict=True):
        p = inputs.prices[inputs.prices["commodity_id"] == e.commodity_id]
        key = _chart_key(p, s.series)
        if key is None:
            out.append({"episode": e.episode, "commodity_id": e.commodity_id,
                        "date": s.date, "key": None, "kind": None, "unit": None,
                        "points": [], "marks": []})
            continue
        ser = p[p["key"] == key]
        lo = pd.Timestamp(e.date) - pd.DateOffset(years=years_before)
        hi = pd.Timestamp(e.date) + pd.DateOffset(years=years_after)
        end = pd.to_datetime(dict(year=ser["year"], month=ser["month"], day=1))
        ser = ser.assign(end=end)[(end >= lo) & (end <= hi)]
        sig = bt.signals[(bt.signals["series"] == key)
                         & (pd.to_datetime(bt.signals["seen"]) >= lo)
                         & (pd.to_datetime(bt.signals["seen"]) <= hi)]
        level = dict(zip(ser["period"], ser["value"], strict=True))
        out.append({
            "episode": e.episode, "commodity_id": e.commodity_id, "date": s.date,
            "key": key, "kind": ser["kind"].iloc[0] if len(ser) else None,
            "unit": ser["unit"].iloc[0] if len(ser) else None,
            "points": [(d.strftime("%Y-%m-%d"), float(v)) for d, v in
                       zip(ser["end"], ser["value"], strict=True)],
            "marks": [(pd.Timestamp(m.seen).strftime("%Y-%m-%d"), level.get(m.date),
                       m.tier, m.rule) for m in sig.itertuples(index=False)]})
    return out


def _chart_key(p: pd.DataFrame, first_series: Any) -> str | None:
    if isinstance(first_series, str) and first_series in set(p["key"]):
        return first_series
    for kind in ("market_monthly", "unit_value", "market_annual"):
        k = p[p["kind"] == kind]
        if len(k):
            return str(k.groupby("key").size().idxmax())
    return None
