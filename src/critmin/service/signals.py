"""Requests of the early-warning commands (methods.md §18): ``signals`` (a watch list of
an importer's signals by tier, with the response protocol of each) and ``signals
backtest`` (the data rules run over history as if in real time, scored on documented
episodes, with the false-alarm rate)."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from critmin.errors import CritminError, UnknownNameError, UnknownSpecError
from critmin.service.base import Request, TableResponse, records
from critmin.store.cache import cached

Tier = Literal["immediate", "medium_term", "watch"]
SIGNAL_COLUMNS = ["tier", "date", "commodity_id", "stage", "rule", "partner", "value",
                  "tier_threshold", "periods", "explanation", "published_on", "signal_series",
                  "importer", "type", "responder", "response", "respond_within_days",
                  "source_ids"]
"""The watch list's columns (machine names; explanation, responder and response in the
request's language)."""


class SignalRow(BaseModel):
    """One signal: what fired, when, how strong, why, and who responds."""

    tier: str
    """immediate, medium_term or watch (seed 000: 即時対応／中期対応／ウォッチ)."""
    date: str
    """The period the signal refers to (YYYY, YYYY-MM or YYYY-MM-DD)."""
    commodity_id: str
    stage: str | None
    rule: str
    """The rule (price_spike, …) or register (entered by people)."""
    partner: str | None
    """The supplier country the signal is about (ISO3), if any."""
    value: float | None
    tier_threshold: float | None
    """The threshold of the signal's tier (signal_thresholds.csv)."""
    periods: int
    """Periods of the years with a signal of this rule and series (1 with all_periods)."""
    explanation: str
    published_on: str
    """When its data became public (YYYY-MM-DD)."""
    signal_series: str
    importer: str
    type: str
    """The commodity's criticality type for the importer (methods.md §9)."""
    responder: str
    """Who acts (the response protocol of the tier and type)."""
    response: str
    """What they do."""
    respond_within_days: int
    source_ids: str | None


class ThresholdRow(BaseModel):
    """One tier threshold of a rule, with its reason."""

    rule: str
    tier: str
    threshold: float
    direction: str
    persistence: int
    condition: str
    reason: str
    source: str


class SignalsRequest(Request):
    """``critmin signals``: the watch list of an importer."""

    importer: str = Field("JPN", description="Importer: ISO3, name or group (EU27, G7).")
    year: str | None = Field(None, description="Year(s) the signals refer to: YYYY, "
                             "YYYY-YYYY, YYYY,YYYY or all (default: the default year).")
    tiers: list[Tier] | None = Field(None, description="Tiers shown (default: all).")
    commodities: list[str] | None = Field(None, description="Commodities (default: all).")
    register_file: str | None = Field(None, description="A register file (CSV or YAML) of "
                                                   "signals entered by people.")
    lang: str = Field("ja", description="Language of explanations and protocols: ja or en.")
    all_periods: bool = Field(False, description="Every period with a signal, not only the "
                              "latest of each rule and series.")


class SignalsResponse(TableResponse):
    """The signals, strongest tier first, and the thresholds behind them."""

    Row = SignalRow
    importer: str
    years: list[int] | None
    counts: dict[str, int]
    """Signals per tier."""
    later_years: list[int] | None = None
    """With the default year: the later years that have data (prices, events, the
    register) — shown as counts so a newer signal is never hidden without a word."""
    later_counts: dict[str, int] = {}
    """Signals per tier in :attr:`later_years` (see them with ``--year``)."""
    thresholds: list[ThresholdRow]


def _types(con: Any, importer: Any, commodity_ids: list[str]) -> dict[str, str]:
    """The criticality type of each commodity for ``importer`` in the default year."""
    from critmin.analysis.assessment import assess, check_year

    if not commodity_ids:
        return {}
    a = assess(con, {importer.name: importer.member_years()}, check_year(con, None),
               commodity_ids)
    return dict(zip(a.types["commodity_id"], a.types["type"], strict=True))


def with_protocols(sig: pd.DataFrame, types: dict[str, str], lang: str) -> pd.DataFrame:
    """``sig`` with each signal's type and the protocol of its tier × type."""
    from critmin.analysis.signal_config import protocols

    p = protocols().rename(columns={f"who_{lang}": "responder", f"action_{lang}": "response",
                                    "within_days": "respond_within_days", "type_id": "type"})
    out = sig.assign(type=sig["commodity_id"].map(types).fillna("none"))
    return out.merge(p[["tier", "type", "responder", "response", "respond_within_days"]],
                     on=["tier", "type"], how="left")


def latest(sig: pd.DataFrame) -> pd.DataFrame:
    """The latest signal of each commodity, stage, rule, series and partner, with
    ``periods``: how many periods of the years had a signal of it."""
    keys = ["commodity_id", "stage", "rule", "series", "partner"]
    k = sig[keys].astype(object).fillna("")
    n = k.groupby(keys, sort=False)["rule"].transform("size")
    last = ~k.assign(_d=sig["date"].astype(str)).sort_values("_d").duplicated(
        keys, keep="last").sort_index()
    return sig.assign(periods=n.to_numpy())[last.to_numpy()]


def _counts(sig: pd.DataFrame) -> dict[str, int]:
    return {t: int((sig["tier"] == t).sum()) for t in ("immediate", "medium_term", "watch")}


def _key(importer: Any, ids: list[str] | None) -> tuple[Any, ...]:
    """The part of a kept result's key that names the importer and commodities (and
    the production preference the inputs' concentration is computed with)."""
    from critmin.indicators.inputs import production_preference

    return (importer.name, tuple(importer.member_years()),
            None if ids is None else tuple(ids), production_preference())


def signal_inputs(con: Any, importer: Any, ids: list[str] | None) -> Any:
    """The importer's signal inputs (:func:`critmin.analysis.signal_inputs.load_inputs`),
    kept per store content (:func:`critmin.store.cache.cached`)."""
    from critmin.analysis.signal_inputs import load_inputs

    return cached(con, ("signal_inputs", *_key(importer, ids)),
                  lambda: load_inputs(con, importer.name, importer.member_years(), ids))


def _span(span: tuple[int, int] | None, register: pd.DataFrame | None
          ) -> tuple[int, int] | None:
    """The years of the series' data, widened by the register's entries."""
    if register is not None and len(register):
        dates = pd.to_datetime(register["date"]).dt.year
        lo, hi = int(dates.min()), int(dates.max())
        span = (lo, hi) if span is None else (min(span[0], lo), max(span[1], hi))
    return span


def _check_span(years: list[int], span: tuple[int, int] | None) -> None:
    """Refuse years no series (nor the register) reaches: an empty watch list there would
    read as "nothing to watch"."""
    outside = [y for y in years if span is None or not span[0] <= y <= span[1]]
    if outside:
        basis = ("years with prices, trade, production, governance or events for the "
                 "signals")
        cover = "none" if span is None else f"{span[0]}–{span[1]}"
        raise UnknownNameError("year", ", ".join(map(str, outside)), [],
                               valid=f"{cover} ({basis})", span=span,
                               basis="signal series" if span else "none")


def signals(request: SignalsRequest, con: Any) -> SignalsResponse:
    """The importer's signals of the requested years (:func:`critmin.analysis.signals.
    evaluate`), the register's entries, their protocols."""
    from critmin.analysis.signal_config import TIER_RANK, thresholds
    from critmin.analysis.signal_register import read_register, register_signals
    from critmin.analysis.signals import in_years, rule_frames, signal_table
    from critmin.catalog.langs import check_lang
    from critmin.service.common import (
        default_year,
        parse_years,
        resolve_commodities,
        resolve_importers,
    )

    check_lang(request.lang)
    register = (None if request.register_file is None
                else read_register(request.register_file))
    importer = resolve_importers(con, [request.importer])[0]
    years = [default_year(con)] if request.year is None else parse_years(request.year)
    ids = resolve_commodities(request.commodities)
    inputs = signal_inputs(con, importer, ids)
    span = _span(inputs.year_span(), register)
    if years is not None:
        _check_span(years, span)

    later = (list(range(years[-1] + 1, span[1] + 1))
             if request.year is None and span and span[1] > years[-1] else None)
    asked = None if years is None else years + (later or [])
    frames = cached(con, ("signal_frames", *_key(importer, ids),    # the rules run once
                          None if asked is None else tuple(asked)),    # for both
                    lambda: rule_frames(inputs, in_years(asked)))
    every = signal_table(frames, importer.name, request.lang)
    if register is not None:
        extra = register_signals(register, importer.name, asked)
        extra = extra if ids is None else extra[extra["commodity_id"].isin(ids)]
        every = pd.concat([every, extra], ignore_index=True) if len(extra) else every

    def shown(which: list[int] | None) -> pd.DataFrame:
        sig = every if which is None else every[
            every["date"].astype(str).str[:4].astype(int).isin(which)]
        sig = sig.assign(periods=1) if request.all_periods else latest(sig)
        return sig[sig["tier"].isin(request.tiers)] if request.tiers else sig

    sig = shown(years)
    later_sig = shown(later) if later else sig.iloc[:0]
    sig = sig.sort_values("tier", key=lambda s: -s.map(TIER_RANK), kind="stable")
    sig = sig.rename(columns={"threshold": "tier_threshold", "seen": "published_on",
                              "series": "signal_series"})
    sig = with_protocols(sig.reset_index(drop=True),
                         _types(con, importer, sorted(set(sig["commodity_id"]))), request.lang)
    return SignalsResponse.of_frame(
        sig[SIGNAL_COLUMNS], command="signals", request=request.model_dump(),
        columns=SIGNAL_COLUMNS, importer=importer.name, years=years,
        counts=_counts(sig), later_years=later, later_counts=_counts(later_sig),
        thresholds=[ThresholdRow(**r) for r in records(thresholds())])


EPISODE_COLUMNS = ["episode", "name", "commodity_id", "date", "fired", "first_signal",
                   "lead_months", "rule", "tier", "max_tier", "first_immediate",
                   "lead_months_immediate", "signal_series", "data_coverage", "source"]


class EpisodeRow(BaseModel):
    """One episode × commodity of the backtest."""

    episode: str
    name: str
    commodity_id: str
    date: str
    """When the episode became public (YYYY-MM-DD)."""
    fired: bool
    """A signal of the commodity was first seen within the window around the date."""
    first_signal: str | None
    """When the first signal of the window was seen (its data published)."""
    lead_months: int | None
    """Months from the first signal to the episode (negative: after it)."""
    rule: str | None
    tier: str | None
    max_tier: str | None
    first_immediate: str | None
    """When the first signal at the immediate tier in the window was seen."""
    lead_months_immediate: int | None
    signal_series: str | None
    data_coverage: str
    """The commodity's data public at the episode's date (each kind to its last period)."""
    source: str


class FalseAlarmRow(BaseModel):
    """Commodity-years outside every episode window with a signal at or above a tier."""

    rule: str
    """A rule, or all."""
    tier: str
    commodity_years: int
    alarmed: int
    rate: float | None
    window_chance: float | None
    """The chance that a window as long as an episode's holds such a signal by chance:
    1 − (1 − rate)^(window months / 12)."""


class EpisodeSeries(BaseModel):
    """The price or unit-value series charted for an episode, and its signals."""

    episode: str
    commodity_id: str
    date: str
    key: str | None
    kind: str | None
    unit: str | None
    points: list[tuple[str, float]]
    marks: list[tuple[str, float | None, str, str]]
    """(seen, value at the signal's period, tier, rule)."""


class BacktestRequest(Request):
    """``critmin signals backtest``."""

    importer: str = Field("JPN", description="Importer whose imports the trade rules read.")
    episodes: list[str] | None = Field(None, description="Episode ids (default: all); the "
                                       "backtest then runs on their commodities only.")
    start: int = Field(2000, ge=1900, le=2200, description="First year of the backtest.")
    end: int | None = Field(None, ge=1900, le=2200,
                            description="Last year (default: the latest data).")
    lang: str = Field("ja", description="Language of names and coverage: ja or en.")


class BacktestResponse(TableResponse):
    """One row per episode × commodity, the false-alarm rates and the chart series."""

    Row = EpisodeRow
    importer: str
    start: str
    end: str
    lead_window_months: int
    lag_window_months: int
    false_alarms: list[FalseAlarmRow]
    thresholds: list[ThresholdRow]
    series: list[EpisodeSeries]


def backtest(request: BacktestRequest, con: Any) -> BacktestResponse:
    """:func:`critmin.analysis.backtest.run` over the store's history, scored on the
    episodes (``signal_episodes.csv``)."""
    from critmin.analysis import backtest as bt
    from critmin.analysis.signal_config import episodes, parameters, thresholds
    from critmin.catalog.langs import check_lang
    from critmin.service.common import resolve_importers

    check_lang(request.lang)
    eps = episodes()
    if request.episodes:
        unknown = sorted(set(request.episodes) - set(eps["episode"]))
        if unknown:
            ids = list(dict.fromkeys(eps["episode"]))
            raise UnknownSpecError("episode", ", ".join(unknown), ids, "a documented episode",
                                   file=False, message=f"unknown episode "
                                   f"{', '.join(unknown)}; episodes: {', '.join(ids)}")
        eps = eps[eps["episode"].isin(request.episodes)].reset_index(drop=True)
    importer = resolve_importers(con, [request.importer])[0]
    ids = sorted(set(eps["commodity_id"])) if request.episodes else None
    inputs = signal_inputs(con, importer, ids)
    end = f"{request.end}-12-31" if request.end else str(inputs.prices["seen"].max().date())
    if request.start < 1990 or pd.Timestamp(end).year < request.start:
        raise CritminError(f"backtest years {request.start}–{end[:4]}: the first year is "
                           "1990 or later and not after the last")
    run = cached(con, ("backtest_run", *_key(importer, ids), request.start, end),
                 lambda: bt.run(inputs, f"{request.start}-01-01", end))
    table = bt.episode_table(inputs, run, request.lang, eps).rename(
        columns={"series": "signal_series", "coverage": "data_coverage"})
    for col in ("lead_months", "lead_months_immediate"):
        table[col] = table[col].astype("Int64")
    p = parameters()
    fa = bt.false_alarms(run, eps)
    span = (p["lead_window_months"] + p["lag_window_months"] + 1) / 12
    fa["window_chance"] = 1 - (1 - fa["rate"].astype(float)) ** span
    return BacktestResponse.of_frame(
        table[EPISODE_COLUMNS], command="signals backtest", request=request.model_dump(),
        columns=EPISODE_COLUMNS, importer=importer.name, start=f"{request.start}-01-01",
        end=end, lead_window_months=p["lead_window_months"],
        lag_window_months=p["lag_window_months"],
        false_alarms=[FalseAlarmRow(**r) for r in records(fa)],
        thresholds=[ThresholdRow(**r) for r in records(thresholds())],
        series=[EpisodeSeries(**s) for s in bt.episode_series(inputs, run, eps)])


COMMANDS = {"signals": (SignalsRequest, SignalsResponse, signals),
            "signals backtest": (BacktestRequest, BacktestResponse, backtest)}
