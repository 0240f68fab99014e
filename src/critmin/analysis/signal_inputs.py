"""The data the early-warning signals read (methods.md §18), each row dated by when it
became public (``seen``, :func:`critmin.analysis.signal_config.seen_dates`), and the
as-of filter (:func:`as_of`) that keeps only what was public at a date.

Frames of :class:`SignalInputs`:

- ``prices``: market prices (World Bank Pink Sheet monthly, USGS annual, user imports)
  and world trade unit values of each commodity stage's main HS6 code, one row per
  series and period: ``key, kind, commodity_id, stage, hs6, t, year, month, period,
  value, unit, source_ids, seen`` (``t``: months since year 0 for monthly series, the
  year for annual ones);
- ``flows``: the importer's imports by partner: ``commodity_id, stage, year, partner,
  quantity_t, value_kusd, source_ids, seen``;
- ``production``: world production HHI per commodity stage and year: ``commodity_id,
  stage, year, hhi, source_ids, seen``;
- ``governance``: WGI estimates of one dimension: ``iso3, year, estimate, std_error,
  source_id, seen``;
- ``events``: export restrictions: ``date, iso3, commodity_id, measure, detail, source,
  source_id, seen`` (seen on their date).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.signal_config import parameters, seen_dates

PRICE_COLUMNS = ["key", "kind", "commodity_id", "stage", "hs6", "t", "year", "month",
                 "period", "value", "unit", "source_ids", "seen"]
FRAMES = ("prices", "flows", "production", "governance", "events")


@dataclass(frozen=True)
class SignalInputs:
    """Everything the rules read, for one importer (``importer``: its name)."""

    importer: str
    prices: pd.DataFrame
    flows: pd.DataFrame
    production: pd.DataFrame
    governance: pd.DataFrame
    events: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """``{name: frame}`` of :data:`FRAMES`."""
        return {name: getattr(self, name) for name in FRAMES}

    def year_span(self) -> tuple[int, int] | None:
        """(first, last) year any rule has data for (None: no data at all)."""
        years = [f["year"] for f in self.frames().values() if "year" in f and len(f)]
        years += [pd.to_datetime(self.events["date"]).dt.year] if len(self.events) else []
        if not years:
            return None
        every = pd.concat(years, ignore_index=True)
        return int(every.min()), int(every.max())


def as_of(inputs: SignalInputs, date: Any) -> SignalInputs:
    """Only the rows public on or before ``date`` (``seen ≤ date``): what a user could
    have known then. The backtest calls nothing else to hide the future."""
    when = np.datetime64(pd.Timestamp(date).to_datetime64(), "s")
    return replace(inputs, **{name: frame[frame["seen"].to_numpy() <= when]
                              for name, frame in inputs.frames().items()})


def load_inputs(con: Any, importer: str,
                members: list[tuple[str, int | None, int | None]],
                commodity_ids: list[str] | None = None) -> SignalInputs:
    """The signal inputs of ``importer`` (``members``: ``(iso3, joined, left)``) from the
    store, for ``commodity_ids`` (None: every commodity)."""
    from critmin.store.read import event_rows, governance_rows

    keep = (lambda f: f) if commodity_ids is None else (
        lambda f: f[f["commodity_id"].isin(commodity_ids)].reset_index(drop=True))
    events = keep(event_rows(con))
    events = events.assign(seen=events["date"].astype("datetime64[s]"))
    gov = governance_rows(con, str(parameters()["governance_dimension"]))
    gov = gov.assign(year=gov["year"].astype(int), seen=seen_dates(
        gov["source_id"], gov["year"].to_numpy(), np.full(len(gov), 12)))
    return SignalInputs(importer=importer, prices=plain(keep(price_series(con))),
                        flows=plain(keep(import_flows(con, importer, members))),
                        production=plain(keep(production_hhi(con, importer, members))),
                        governance=plain(gov), events=plain(events))


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns as NumPy object arrays (fast to filter and take)."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])
            and frame[c].dtype != object]
    return frame.astype({c: object for c in text}) if text else frame


def price_series(con: Any) -> pd.DataFrame:
    """Market prices (each series in its main unit: :func:`series_unit_factors`; rows in
    a unit that does not convert left out) and main-code unit values, as
    :data:`PRICE_COLUMNS`."""
    from critmin.indicators.volatility import series_unit_factors
    from critmin.store.read import main_unit_values, market_price_rows

    market = market_price_rows(con)
    factors = series_unit_factors(con)[["series", "unit", "target", "factor"]]
    market = market.merge(factors, on=["series", "unit"], how="inner")
    market = market[market["factor"].notna()]
    monthly = market["period"].str.len() == 7
    year = market["period"].str[:4].astype(int).to_numpy()
    month = np.where(monthly, market["period"].str[5:7].where(monthly, "12").astype(int), 12)
    m = pd.DataFrame({
        "key": market["series"].to_numpy(), "kind": np.where(
            monthly, "market_monthly", "market_annual"),
        "commodity_id": market["commodity_id"].to_numpy(), "stage": None, "hs6": None,
        "t": np.where(monthly, year * 12 + month - 1, year), "year": year, "month": month,
        "period": market["period"].to_numpy(),
        "value": (market["value"] * market["factor"]).to_numpy(),
        "unit": market["target"].to_numpy(), "source_ids": market["source_id"].to_numpy()})
    uv = main_unit_values(con)
    u = pd.DataFrame({
        "key": "uv:" + uv["commodity_id"] + ":" + uv["stage"] + ":" + uv["hs6"],
        "kind": "unit_value", "commodity_id": uv["commodity_id"], "stage": uv["stage"],
        "hs6": uv["hs6"], "t": uv["year"].astype(int), "year": uv["year"].astype(int),
        "month": 12, "period": uv["year"].astype(str), "value": uv["price"],
        "unit": "USD/kg", "source_ids": uv["source_ids"]})
    out = pd.concat([m, u], ignore_index=True)
    out["seen"] = seen_dates(out["source_ids"], out["year"].to_numpy(), out["month"].to_numpy())
    return out.sort_values(["key", "t"], kind="stable").reset_index(drop=True)[PRICE_COLUMNS]


def _trade_seen(con: Any, years: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(source ids, seen dates) of trade data of each of ``years``."""
    from critmin.store.read import trade_sources_by_year

    src = trade_sources_by_year(con)
    sids = years.astype(int).map(dict(zip(src["year"].astype(int), src["source_ids"],
                                          strict=True))).fillna("")
    return sids.to_numpy(), seen_dates(sids, years.to_numpy(), np.full(len(years), 12))


def import_flows(con: Any, importer: str,
                 members: list[tuple[str, int | None, int | None]]) -> pd.DataFrame:
    """The importer's imports by partner per commodity stage and year (intra-group
    trade left out), with their trade sources and ``seen``."""
    from critmin.indicators.trade import flows

    f = flows(con, {importer: members})
    out = pd.DataFrame({
        "commodity_id": f["commodity_id"].astype(str), "stage": f["stage"].astype(str),
        "year": f["year"].astype(int), "partner": f["partner"].astype(object),
        "quantity_t": f["quantity_t"].astype(float),
        "value_kusd": f["value_kusd"].astype(float)})
    out["source_ids"], out["seen"] = _trade_seen(con, out["year"])
    return out.sort_values(["commodity_id", "stage", "year"], kind="stable").reset_index(
        drop=True)


def production_hhi(con: Any, importer: str,
                   members: list[tuple[str, int | None, int | None]]) -> pd.DataFrame:
    """World production HHI per commodity stage and year from the indicator engine
    (methods.md §2; the preferred production series), with its sources and ``seen``."""
    from critmin.indicators.engine import compute_indicators

    ind = compute_indicators(con, {importer: members})
    p = ind[(ind["indicator"] == "production_hhi") & ind["value"].notna()]
    out = pd.DataFrame({
        "commodity_id": p["commodity_id"].astype(str).to_numpy(),
        "stage": p["stage"].astype(str).to_numpy(), "year": p["year"].astype(int).to_numpy(),
        "hhi": p["value"].astype(float).to_numpy(),
        "source_ids": p["source_ids"].astype(str).to_numpy()})
    out["seen"] = seen_dates(out["source_ids"], out["year"].to_numpy(),
                             np.full(len(out), 12))
    return out.sort_values(["commodity_id", "stage", "year"], kind="stable").reset_index(
        drop=True)
