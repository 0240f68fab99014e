"""All indicators for all importers × commodities × stages × years, as one tidy frame.

Columns (DESIGN.md): ``importer, commodity_id, stage, year, indicator, value, basis,
n_partners, missing_governance_share, source_ids, detail``. Global indicators
(production and reserves concentration, reserve life, volatility, EoL-RIR) have no
importer. Every value comes from the vectorised functions of this package; nothing is
computed cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from critmin.indicators.concentration import concentration
from critmin.indicators.governance import country_risk, resolve_dimensions, risk_for_years
from critmin.indicators.imports import import_cells
from critmin.indicators.inputs import (
    governance_rows,
    preferred_governance,
    preferred_production,
    production_preference,
    production_rows,
)
from critmin.indicators.supply import import_reliance, reserve_life, reserves_concentration
from critmin.indicators.trade import (
    Members,
    domestic_production,
    flow_views,
    registered,
    trade_rows_sql,
)
from critmin.indicators.volatility import market_volatility, unit_value_volatility

TIDY = ["importer", "commodity_id", "stage", "year", "indicator", "value", "basis",
        "n_partners", "missing_governance_share", "source_ids", "detail"]
INDICATORS = (
    "production_hhi", "production_top1_share", "production_top3_share", "reserves_hhi",
    "reserves_top1_share", "reserves_top3_share", "reserve_life", "volatility", "eol_rir",
    "imports", "import_hhi", "import_governance", "hhi_wgi", "import_reliance",
    "scrap_share",
)


@dataclass(frozen=True)
class IndicatorOptions:
    """Configurable choices, each a documented default [C] (methods.md)."""

    basis: str = "quantity"
    dimensions: str = "auto"
    min_dimensions: int = 4
    missing_governance: float | str = 0.5
    intra_group: str = "exclude"
    window_years: int = 10
    production_preference: tuple[str, ...] | None = None


def _tidy(frame: pd.DataFrame, indicator: str, value: str, **const: Any) -> pd.DataFrame:
    out = pd.DataFrame({c: frame[c] if c in frame else const.get(c) for c in TIDY
                        if c not in ("indicator", "value")})
    out["indicator"] = indicator
    out["value"] = frame[value].astype(float)
    return out[TIDY]


def global_indicators(con: Any, prod: pd.DataFrame, commodity_ids: list[str] | None,
                      years: list[int] | None, opts: IndicatorOptions) -> pd.DataFrame:
    """Production and reserves concentration, reserve life, volatility, EoL-RIR.

    ``prod``: production rows of the preferred source (:func:`preferred_production`).
    """
    conc = concentration(prod)
    src = prod.groupby(["commodity_id", "stage", "year"])["source_id"].first().rename(
        "source_ids").reset_index()
    conc = conc.merge(src, on=["commodity_id", "stage", "year"])
    conc["detail"] = "top " + conc["top_iso3"] + np.where(
        conc["remainder_share"] > 0, "; remainder " + (100 * conc["remainder_share"]).round(
            1).astype(str) + " % (lower-bound HHI)", "")
    frames = [_tidy(conc, f"production_{n}", n, basis="quantity")
              for n in ("hhi", "top1_share", "top3_share")]
    res = reserves_concentration(con)
    if len(res):
        res["detail"] = "top " + res["top_iso3"]
        res["source_ids"] = "reserves"
        frames += [_tidy(res, f"reserves_{n}", n, basis="quantity")
                   for n in ("hhi", "top1_share", "top3_share")]
        world_r = res[["commodity_id", "year", "total"]].rename(columns={"total": "quantity"})
        mine = conc[conc["stage"] == "mining"][["commodity_id", "year", "total"]].rename(
            columns={"total": "quantity"})
        life = reserve_life(world_r, mine)
        life["stage"] = "mining"
        life["detail"] = life["production_years"].astype(str) + " production years averaged"
        frames.append(_tidy(life, "reserve_life", "reserve_life", basis="years"))
    vol = market_volatility(con, opts.window_years)
    uvv = unit_value_volatility(con, opts.window_years)
    have_market = set(vol["commodity_id"])
    uvv = uvv[~uvv["commodity_id"].isin(have_market)]
    vol = vol.assign(stage=None, source_ids=vol["series"], detail="window "
                     + str(opts.window_years) + " y")
    uvv = uvv.assign(source_ids=uvv["series"], detail="window " + str(opts.window_years) + " y")
    frames.append(_tidy(vol, "volatility", "volatility", basis="market"))
    frames.append(_tidy(uvv, "volatility", "volatility", basis="unit_value"))
    eol = con.execute("select commodity_id, year, value, flag, source_id as source_ids "
                      "from recycling where metric = 'EOL-RIR'").df()
    eol["detail"] = eol["flag"]
    frames.append(_tidy(eol, "eol_rir", "value", basis="share"))
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    if commodity_ids is not None:
        out = out[out["commodity_id"].isin(commodity_ids)]
    if years is not None:
        out = out[out["year"].isin(years)]
    return out


def importer_indicators(con: Any, prod: pd.DataFrame, importers: Members,
                        commodity_ids: list[str] | None, years: list[int] | None,
                        opts: IndicatorOptions) -> pd.DataFrame:
    """Imports, import HHI, governance-weighted concentration, HHI_WGI, NIR, scrap share."""
    gov = preferred_governance(governance_rows(con))
    dims = resolve_dimensions(set(gov["dimension"]), opts.dimensions)
    trade_years = years or [r[0] for r in con.execute(
        "select distinct year from trade").fetchall()]
    risk = risk_for_years(country_risk(gov, dims, opts.min_dimensions), trade_years)
    cells = import_cells(con, importers, risk, commodity_ids, years, opts.basis,
                         opts.missing_governance, opts.intra_group)
    wgi = "WGI " + "+".join(dims)
    cells["source_ids"] = "trade; " + wgi
    lag = cells["max_lag"].fillna(0).astype(int)
    notes = pd.DataFrame({
        "lag": np.where(lag > 0, "WGI carried back " + lag.astype(str) + " y", ""),
        "codes": np.where(cells["n_codes"] > 1,
                          cells["n_codes"].astype(str) + " HS codes summed", "")})
    cells["detail"] = notes["lag"].str.cat(notes["codes"], sep="; ").str.strip("; ")
    unit = "quantity_t" if opts.basis == "quantity" else "value_kusd"
    frames = [
        _tidy(cells, "imports", "imports", basis=unit),
        _tidy(cells, "import_hhi", "import_hhi", basis=opts.basis),
        _tidy(cells, "import_governance", "governance_weighted", basis=f"{opts.basis}; {wgi}"),
        _tidy(cells, "hhi_wgi", "hhi_wgi", basis=f"{opts.basis}; {wgi}"),
    ]
    totals = _side_totals(con, importers, commodity_ids, years, opts.intra_group)
    frames.append(_reliance(prod, totals, importers))
    frames.append(_scrap_share(totals))
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def _side_totals(con: Any, importers: Members, commodity_ids: list[str] | None,
                 years: list[int] | None, intra_group: str) -> pd.DataFrame:
    """Import and export totals per cell (t and kUSD), one query for both directions."""
    parts = []
    for direction in ("import", "export"):
        rows = trade_rows_sql(direction, commodity_ids is not None, years is not None)
        parts.append(f"select '{direction}' as direction, importer, commodity_id, stage, year,"
                     f" quantity_t, value_kusd from ({rows}) x "
                     f"{'where not intra' if intra_group == 'exclude' else ''}")
    sql = (f"select direction, importer, commodity_id, stage, year, sum(quantity_t) as t, "
           f"sum(value_kusd) as kusd from ({' union all '.join(parts)}) group by all")
    with registered(con, **flow_views(importers, commodity_ids, years)):
        return con.execute(sql).df()


def _reliance(prod: pd.DataFrame, totals: pd.DataFrame, importers: Members) -> pd.DataFrame:
    cell = ["importer", "commodity_id", "stage", "year"]
    imports = totals[totals["direction"] == "import"][cell + ["t"]].rename(
        columns={"t": "flow"})
    exports = totals[totals["direction"] == "export"][cell + ["t"]].rename(
        columns={"t": "flow"})
    domestic = domestic_production(prod, importers)
    covered = prod[["commodity_id", "stage", "year"]].drop_duplicates()
    imports = imports.merge(covered, on=["commodity_id", "stage", "year"])
    exports = exports.merge(covered, on=["commodity_id", "stage", "year"])
    nir = import_reliance(imports, exports, domestic)  # only where production is known
    nir["detail"] = np.where(nir["net_exporter"], "net exporter", "")
    nir["source_ids"] = "trade; production"
    return _tidy(nir, "import_reliance", "nir", basis="mixed: gross trade t / contained t")


def _scrap_share(totals: pd.DataFrame) -> pd.DataFrame:
    imp = totals[totals["direction"] == "import"]
    key = ["importer", "commodity_id", "year"]
    allv = imp.groupby(key)["kusd"].sum()
    scrap = imp[imp["stage"] == "scrap"].groupby(key)["kusd"].sum()
    share = (scrap / allv.reindex(scrap.index)).rename("share").reset_index()
    share = share[np.isfinite(share["share"])]
    share["stage"] = "scrap"
    share["source_ids"] = "trade"
    return _tidy(share, "scrap_share", "share", basis="value")


def compute_indicators(con: Any, importers: Members, commodity_ids: list[str] | None = None,
                       years: list[int] | None = None,
                       opts: IndicatorOptions | None = None) -> pd.DataFrame:
    """Every indicator of :data:`INDICATORS` for the importers, commodities and years."""
    opts = opts or IndicatorOptions()
    prod = preferred_production(production_rows(con, commodity_ids),
                                opts.production_preference or production_preference())
    frames = [global_indicators(con, prod, commodity_ids, years, opts),
              importer_indicators(con, prod, importers, commodity_ids, years, opts)]
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out
