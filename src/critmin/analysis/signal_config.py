"""Configuration of the early-warning signals (methods.md §18), read from data files in
``analysis/data`` — each row with its reason and source, none of it in code:

- ``signal_parameters.csv``: windows and other fixed parameters [C];
- ``signal_thresholds.csv``: the threshold of each rule for each tier (watch, medium-term,
  immediate), from statistical or published conventions, fixed before the backtest ran;
- ``signal_release_lags.csv``: when each source's data become public (the backtest's
  as-of filter);
- ``signal_texts.csv``: the explanations in English and Japanese;
- ``signal_protocols.csv``: the response protocol per tier × criticality type;
- ``signal_episodes.csv``: the documented episodes of the backtest.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

TIERS = ("watch", "medium_term", "immediate")
"""Signal tiers, weakest first (seed 000 提言6: ウォッチ／中期対応／即時対応)."""
TIER_RANK = {t: i for i, t in enumerate(TIERS)}
RULES = ("price_spike", "volatility_regime", "structural_break", "top_supplier_share",
         "production_concentration", "governance", "import_volume_drop", "export_control")
"""The rules on data, in the order the watch list shows them."""
CONDITION = re.compile(r"^(\w+)(>=|<=)(-?[\d.]+)$")


def rows(name: str) -> list[dict[str, str]]:
    """The rows of ``analysis/data/<name>.csv`` (lines starting with ``#`` are comments)."""
    text = resources.files("critmin.analysis").joinpath("data", f"{name}.csv").read_text(
        encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines()
                               if not line.startswith("#")))


@cache
def parameters() -> dict[str, Any]:
    """``{parameter: value}`` of ``signal_parameters.csv`` (numbers as int or float)."""
    out: dict[str, Any] = {}
    for r in rows("signal_parameters"):
        v = r["value"]
        try:
            out[r["parameter"]] = int(v) if re.fullmatch(r"-?\d+", v) else float(v)
        except ValueError:
            out[r["parameter"]] = v
    return out


@cache
def thresholds() -> pd.DataFrame:
    """``rule, tier, threshold, direction, persistence, condition, reason, source``;
    checked: known rules and tiers, ``>=``/``<=``, conditions ``column>=number``."""
    frame = pd.DataFrame(rows("signal_thresholds"))
    frame["threshold"] = frame["threshold"].astype(float)
    frame["persistence"] = frame["persistence"].astype(int)
    bad = (~frame["rule"].isin(RULES) | ~frame["tier"].isin(TIERS)
           | ~frame["direction"].isin((">=", "<="))
           | ~frame["condition"].map(lambda c: not c or bool(CONDITION.match(c))))
    if bad.any():
        raise ValueError(f"signal_thresholds.csv: bad rows {frame[bad].index.tolist()}")
    return frame


@cache
def rule_thresholds(rule: str) -> pd.DataFrame:
    """The tier rows of ``rule``, weakest tier first (cached: do not modify)."""
    t = thresholds()
    return t[t["rule"] == rule].sort_values("tier", key=lambda s: s.map(TIER_RANK))


def watch_threshold(rule: str) -> float:
    """The threshold of ``rule``'s weakest tier."""
    return float(rule_thresholds(rule)["threshold"].iloc[0])


@cache
def texts() -> dict[str, dict[str, str]]:
    """``{key: {"en": …, "ja": …}}`` of ``signal_texts.csv``."""
    return {r["key"]: {"en": r["en"], "ja": r["ja"]} for r in rows("signal_texts")}


def text(key: str, lang: str, **fields: Any) -> str:
    """The text ``key`` in ``lang`` with ``fields`` filled in."""
    return texts()[key][lang].format(**fields)


@cache
def protocols() -> pd.DataFrame:
    """``tier, type_id, who_en, who_ja, action_en, action_ja, within_days, measures,
    source``: one row per tier × criticality type."""
    frame = pd.DataFrame(rows("signal_protocols"))
    frame["within_days"] = frame["within_days"].astype(int)
    return frame


@cache
def episodes() -> pd.DataFrame:
    """``episode, commodity_id, date, effective, name_en, name_ja, source`` (dates as
    ``datetime64``)."""
    frame = pd.DataFrame(rows("signal_episodes"))
    for col in ("date", "effective"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    return frame


@cache
def release_lags() -> tuple[tuple[str, int, int], ...]:
    """``((source prefix, lag in months, day), …)`` in file order (``*`` last)."""
    return tuple((r["source_prefix"], int(r["lag_months"]), int(r["day"]))
                 for r in rows("signal_release_lags"))


def lag_of(source_ids: str | None) -> tuple[int, int]:
    """(months, day) after which data of ``source_ids`` (``"a; b"``: several sources,
    the latest of them counts) are public."""
    best = (-1, 0)
    for sid in (s.strip() for s in str(source_ids or "").split(";") if s.strip()) or [""]:
        for prefix, lag, day in release_lags():
            if prefix == "*" or sid.startswith(prefix):
                best = max(best, (lag, day))
                break
    return best


def seen_dates(source_ids: pd.Series, year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The date each row becomes public: day ``d`` of the month ``L`` months after its
    period's last month (``year``, ``month`` 1–12), ``(L, d)`` from
    :func:`lag_of` of its sources; a day beyond the month's end is its last day.

    ``seen = min(first(m + L) + (d − 1) days, first(m + L + 1) − 1 day)`` with ``m`` the
    month index ``12·year + month − 1``. Returns ``datetime64[s]`` (methods.md §18)."""
    sids = pd.Series(source_ids, dtype=object).fillna("").astype(str).to_numpy()
    uniq, inverse = np.unique(sids, return_inverse=True)
    lags = np.array([lag_of(s) for s in uniq], dtype=int).reshape(-1, 2)[inverse]
    m = np.asarray(year, dtype=int) * 12 + np.asarray(month, dtype=int) - 1 + lags[:, 0]
    first = (m - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    following = (m + 1 - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    day = first + (lags[:, 1] - 1).astype("timedelta64[D]")
    return np.minimum(day, following - np.timedelta64(1, "D")).astype("datetime64[s]")
