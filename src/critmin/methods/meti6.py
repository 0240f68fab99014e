"""The six METI criticality indicators (the radar of the FY2020 METI/JOGMEC study).

Seed 001 §2.3 (レーダーチャートを用いた政策評価) picks six axes from eleven candidates, each
on 0–1 with 1 = highest risk, per value chain (commodity) and year; methods.md §8 gives
the quantities. The study fixes no data → 0–1 mapping; the defaults below are project
choices [C], each configurable in :class:`Meti6Options` and documented in
``docs/assessment.md``:

====  =============================  ======================================  ============
axis  id                             quantity (raw)                          0–1 mapping
====  =============================  ======================================  ============
1     production_concentration       country HHI of primary production,      x = HHI
                                     summed over ``production_window`` y
2     reserve_concentration          country HHI of reserves (nearest year)  x = HHI
3     import_governance_concentrate  G = Σ_j f_j·g_j / (p_c + Σ_j f_j),      x = G
                                     ore/concentrate HS codes, ``import_window`` y
4     import_governance_refined      G as 3, refined/metal HS codes          x = G
5     historical_volatility          σ_ann of log price changes (market,     min(σ/σ_ref, 1)
                                     else trade unit values)
6     scrap_recycling                EoL-RIR (end-of-life recycling input)   1 − EoL-RIR
====  =============================  ======================================  ============

Reasons: a fractional HHI is already on 0–1 (the GeoPolRisk convention); min–max scaling
over the assessed minerals would tie each score to the set and break before/after
comparisons. G is the study's "reliance on high-risk suppliers": shares of imports
weighted by partner governance risk (WGI, 1 = worst), domestic supply counted with
g = 0. A fixed anchor σ_ref keeps axis 5 comparable across years and sets. A high axis 6
means room for recycling (the study's reading), i.e. little is recycled now.

Everything is computed from input frames (:class:`Meti6Inputs`) by vectorised group-bys
over all importers × commodities at once, so the policy what-if recomputes the axes
from changed data with the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from critmin.catalog import tables
from critmin.catalog.reasons import note, note_array, reason, reason_array, trade_gap
from critmin.indicators.concentration import concentration
from critmin.indicators.governance import (
    MISSING_GOVERNANCE_RISK,
    governance_weighted_by,
    store_country_risk,
    store_dimensions,
)
from critmin.indicators.inputs import (
    preferred_production,
    production_preference,
    production_rows,
    reserves_rows,
    window_series,
)
from critmin.indicators.trade import Members, domestic_production, flows
from critmin.indicators.volatility import store_volatilities
from critmin.store.cache import Memo, memoised
from critmin.store.read import (
    has_reserves,
    hs_coded_stages,
    production_series_stages,
    recycling_rates,
    traded_stages,
)


def axis_ids() -> tuple[str, ...]:
    """The six axis ids in the study's order: the catalog table ``meti6_axes`` sorted by
    its ``order`` column (never by row position)."""
    rows = tables.read_table("meti6_axes")
    return tuple(r["axis_id"] for r in sorted(rows, key=lambda r: int(r["order"])))


AXES: tuple[str, ...] = axis_ids()
"""The axis ids in the study's order (:func:`axis_ids` when the module was loaded)."""
HHI_KNOTS = ((0.0, 0.0), (0.15, 1 / 3), (0.25, 2 / 3), (1.0, 1.0))
VALUES = ["importer", "commodity_id", "year", "axis", "value", "raw", "basis", "missing",
          "detail", "source_ids"]


@dataclass(frozen=True)
class Meti6Options:
    """Project choices [C] of the six indicators (methods.md §8); each has a reason in
    ``docs/assessment.md``."""

    production_window: int = 5          # years of production summed for axis 1
    import_window: int = 3              # years of trade summed for axes 3–4
    hhi_mapping: str = "identity"       # or "piecewise" (HHI_KNOTS)
    sigma_ref: float = 1.0              # σ_ann that maps to 1 on axis 5
    volatility_window: int = 10         # years of returns behind σ_ann
    reserves_max_gap: int = 5           # reserves: nearest year within this many years
    recycling_max_gap: int = 10         # EoL-RIR: nearest year within this many years
    dimensions: str = "auto"            # WGI dimensions: auto | pv | six
    min_dimensions: int = 4
    missing_governance: float | str = MISSING_GOVERNANCE_RISK
    intra_group: str = "exclude"


@dataclass(frozen=True, kw_only=True)
class YearInputs:
    """The importer-independent data behind the six axes for some commodities and one
    year (frames as in :class:`Meti6Inputs`); ``import_years_production``: preferred
    production over the import window, from which each importer's domestic production
    is taken."""

    primary_stage: dict[str, str]
    production: pd.DataFrame
    reserves: pd.DataFrame
    risk: pd.DataFrame
    volatility: pd.DataFrame
    recycling: pd.DataFrame
    hs_stages: frozenset[tuple[str, str]]
    traded_stages: frozenset[tuple[str, str]]
    store_has_reserves: bool
    wgi: str = "WGI PV"
    import_years_production: pd.DataFrame | None = None
    axes_memo: Memo | None = field(default=None, compare=False, repr=False)
    """Where :func:`commodity_axes` keeps the axes computed from these frames: set by
    :func:`year_inputs`, whose frames are never changed in place (they are shared through
    the store's read cache); None (inputs built by hand): computed every time."""


@dataclass(frozen=True, kw_only=True)
class Meti6Inputs(YearInputs):
    """The data behind the six axes for some importers, commodities and one year: the
    year's shared part (:class:`YearInputs`) and the importers' own.

    Frames (all quantities in t; ``year`` columns are calendar years):

    - ``production``: commodity_id, stage, year, iso3 (NaN = "other countries"),
      quantity, flag (optional), source_id — preferred source, the production window,
      every stage;
    - ``reserves``: commodity_id, iso3, year, quantity, source_id — one year per commodity;
    - ``flows``: importer, partner, commodity_id, stage, year, quantity_t — imports by
      partner over the import window (intra-group trade already handled);
    - ``domestic``: importer, commodity_id, stage, year, domestic_t;
    - ``risk``: iso3, year, risk (0–1, 1 = worst);
    - ``volatility``: commodity_id, sigma, basis, series, year;
    - ``recycling``: commodity_id, eol_rir, year, source_id.
    """

    year: int
    members: Members
    commodities: tuple[str, ...]
    flows: pd.DataFrame
    domestic: pd.DataFrame
    spend_factor: dict[str, float] = field(default_factory=dict)
    scenario: str = "baseline"

    def with_frames(self, **changes: Any) -> Meti6Inputs:
        """A copy with some frames replaced (the what-if levers use this)."""
        return replace(self, **changes)


def hhi_axis(hhi: np.ndarray | pd.Series, mapping: str = "identity") -> np.ndarray:
    """Axes 1–2: ``x = HHI`` (identity, default) or piecewise linear through
    (0, 0), (0.15, ⅓), (0.25, ⅔), (1, 1) — the US DoJ/FTC 2010 "unconcentrated /
    moderately / highly concentrated" bounds on the 0–1 HHI (methods.md §8)."""
    h = np.clip(np.asarray(hhi, dtype=float), 0.0, 1.0)
    if mapping == "identity":
        return h
    if mapping == "piecewise":
        xs, ys = zip(*HHI_KNOTS, strict=True)
        return np.where(np.isnan(h), np.nan, np.interp(h, xs, ys))
    raise ValueError("hhi_mapping is 'identity' or 'piecewise'")


def governance_axis(g: np.ndarray | pd.Series) -> np.ndarray:
    """Axes 3–4: ``x = G`` (already a 0–1 risk-weighted share), clipped to [0, 1]."""
    return np.clip(np.asarray(g, dtype=float), 0.0, 1.0)


def volatility_axis(sigma: np.ndarray | pd.Series, sigma_ref: float = 1.0) -> np.ndarray:
    """Axis 5: ``x = min(σ_ann / σ_ref, 1)``, σ_ref = 1.0 (100 %/yr) by default."""
    if sigma_ref <= 0:
        raise ValueError("sigma_ref must be positive")
    return np.minimum(np.asarray(sigma, dtype=float) / sigma_ref, 1.0)


def scrap_axis(eol_rir: np.ndarray | pd.Series) -> np.ndarray:
    """Axis 6: ``x = 1 − EoL-RIR`` (room to promote recycling; 1 = nothing recycled)."""
    return 1.0 - np.clip(np.asarray(eol_rir, dtype=float), 0.0, 1.0)


def import_governance(flows: pd.DataFrame, risk: pd.DataFrame, domestic: pd.DataFrame,
                      missing_governance: float | str = MISSING_GOVERNANCE_RISK
                      ) -> pd.DataFrame:
    """``G = Σ_j f_j·g_j / (p_c + Σ_j f_j)`` per importer × commodity × stage, summed
    over the years in ``flows`` (docs/methods.md §8, axes 3–4): the governance-weighted
    share (:func:`critmin.indicators.governance.governance_weighted_by`, §4) of the
    supply made of the import flows and the domestic supply ``p_c`` at g = 0.

    ``g_j`` is the partner's risk in the flow's year; a partner without one gets
    ``missing_governance`` (a number, default
    :data:`~critmin.indicators.governance.MISSING_GOVERNANCE_RISK`) or is dropped
    (``"exclude"``). Returns ``importer, commodity_id, stage, imports_t, domestic_t,
    governance, n_partners, missing_governance_share, y0, y1``.
    """
    key = ["importer", "commodity_id", "stage"]
    f = flows[flows["quantity_t"] > 0].merge(
        risk[["iso3", "year", "risk"]].rename(columns={"iso3": "partner"}),
        on=["partner", "year"], how="left")
    f["gmiss"] = f["risk"].isna()
    if missing_governance == "exclude":
        f = f[~f["gmiss"]]
    missing_risk = np.nan if missing_governance == "exclude" else float(missing_governance)
    f["fmiss"] = f["quantity_t"].where(f["gmiss"], 0.0)
    agg = f.groupby(key).agg(imports_t=("quantity_t", "sum"), miss=("fmiss", "sum"),
                             n_partners=("partner", "nunique"),
                             y0=("year", "min"), y1=("year", "max")).reset_index()
    dom = domestic.groupby(key)["domestic_t"].sum().reset_index()
    out = agg.merge(dom, on=key, how="outer")
    out[["imports_t", "miss", "domestic_t"]] = out[
        ["imports_t", "miss", "domestic_t"]].fillna(0.0)
    out["n_partners"] = out["n_partners"].fillna(0).astype(int)
    supply = pd.concat([f[key + ["quantity_t", "risk"]],
                        domestic[key].assign(quantity_t=domestic["domestic_t"], risk=0.0)],
                       ignore_index=True)
    g = governance_weighted_by(supply.astype({"quantity_t": float, "risk": float}), key,
                               "quantity_t", "risk", missing_risk)
    out = out.merge(g.reset_index(), on=key, how="left")
    out["missing_governance_share"] = (out["miss"] / out["imports_t"]).where(
        out["imports_t"] > 0, 0.0)
    return out[key + ["imports_t", "domestic_t", "governance", "n_partners",
                      "missing_governance_share", "y0", "y1"]]


def _window(year: int, n: int) -> list[int]:
    return list(range(year - n + 1, year + 1))


def _span(years: pd.Series) -> str:
    y0, y1 = int(years.min()), int(years.max())
    return str(y0) if y0 == y1 else f"{y0}–{y1}"


def _nearest_year(frame: pd.DataFrame, year: int, max_gap: int) -> pd.DataFrame:
    """Rows of the year nearest to ``year`` per commodity (earlier wins a tie)."""
    if frame.empty:
        return frame
    years = frame[["commodity_id", "year"]].drop_duplicates()
    years = years.assign(gap=(years["year"] - year).abs(), later=years["year"] > year)
    years = years[years["gap"] <= max_gap].sort_values(["commodity_id", "gap", "later"])
    chosen = years.drop_duplicates("commodity_id")[["commodity_id", "year"]]
    return frame.merge(chosen, on=["commodity_id", "year"])


def primary_stages(con: Any, commodity_ids: list[str]) -> dict[str, str]:
    """Stage of axis 1 per commodity: mining where the catalog has a mine series, else
    the first production series (e.g. gallium: refinery output, no mine stage)."""
    out: dict[str, str] = {}
    for cid, stage in production_series_stages(con, commodity_ids):
        if cid not in out or stage == "mining":
            out[cid] = stage
    return out


def meti6_inputs(con: Any, members: Members, year: int, commodity_ids: list[str],
                 opts: Meti6Options | None = None) -> Meti6Inputs:
    """Read the store once for :func:`meti6_values` (all importers and commodities):
    the importer-independent part (:func:`year_inputs`) kept per store content
    (:func:`critmin.store.cache.cached`), the importers' flows and production read now."""
    from critmin.store.cache import cached

    opts = opts or Meti6Options()
    read = (opts.production_window, opts.import_window, opts.dimensions,
            opts.min_dimensions, opts.reserves_max_gap, opts.recycling_max_gap,
            opts.volatility_window, production_preference())   # all year_inputs reads
    shared = cached(con, ("meti6_year_inputs", year, tuple(commodity_ids), read),
                    lambda: year_inputs(con, year, commodity_ids, opts))
    iyears = _window(year, opts.import_window)
    fl = flows(con, members, "import", commodity_ids, iyears, opts.intra_group)
    fl = fl[fl["stage"].isin(["mining", "refining"])]
    fl = fl.assign(partner=fl["partner"].fillna("code " + fl["partner_code"].astype(str)))[
        ["importer", "partner", "commodity_id", "stage", "year", "quantity_t"]]
    domestic = domestic_production(shared.import_years_production, members)
    return Meti6Inputs(**{f.name: getattr(shared, f.name) for f in fields(YearInputs)},
                       year=year, members=members, commodities=tuple(commodity_ids),
                       flows=fl, domestic=domestic)


def year_inputs(con: Any, year: int, commodity_ids: list[str], opts: Meti6Options
                ) -> YearInputs:
    """Read and prepare what every importer's six axes share in ``year``."""
    pyears = _window(year, opts.production_window)
    iyears = _window(year, opts.import_window)
    prod = preferred_production(production_rows(con, commodity_ids, sorted(set(pyears + iyears))),
                                production_preference())
    dims = store_dimensions(con, opts.dimensions)
    risk = store_country_risk(con, iyears, dims, opts.min_dimensions)
    reserves = reserves_rows(con, commodity_ids)[
        ["commodity_id", "iso3", "year", "quantity", "source_id"]]
    return YearInputs(
        primary_stage=primary_stages(con, commodity_ids),
        production=window_series(production_rows(con, commodity_ids, pyears), pyears,
                                 production_preference())[
            ["commodity_id", "stage", "year", "iso3", "quantity", "flag", "source_id"]],
        import_years_production=prod[prod["year"].isin(iyears)],
        reserves=_nearest_year(reserves, year, opts.reserves_max_gap),
        risk=risk[["iso3", "year", "risk"]],
        volatility=_volatility(con, year, opts.volatility_window),
        recycling=_nearest_year(recycling_rates(con, "EOL-RIR"), year, opts.recycling_max_gap),
        hs_stages=hs_coded_stages(con), traded_stages=traded_stages(con, iyears),
        store_has_reserves=has_reserves(con), wgi="WGI " + "+".join(dims),
        axes_memo=Memo())


def _volatility(con: Any, year: int, window: int) -> pd.DataFrame:
    """σ_ann at ``year`` per commodity: market series first, else the unit value of the
    refined, then the mined, stage's main HS6 code."""
    market, uv = store_volatilities(con, window)
    market = market[market["year"] == year].assign(rank=0)
    uv = uv[(uv["year"] == year) & uv["volatility"].notna()]
    uv = uv.assign(rank=np.where(uv["stage"] == "refining", 1, 2))
    both = pd.concat([market, uv], ignore_index=True).sort_values(["commodity_id", "rank"])
    both = both.drop_duplicates("commodity_id")
    return pd.DataFrame({"commodity_id": both["commodity_id"], "sigma": both["volatility"],
                         "basis": both["basis"], "series": both["series"],
                         "year": both["year"]}).reset_index(drop=True)


def meti6_values(inp: Meti6Inputs, opts: Meti6Options | None = None) -> pd.DataFrame:
    """The six axes for every importer × commodity of ``inp``, as a tidy frame.

    Columns: ``importer, commodity_id, year, axis, value`` (0–1 or NaN), ``raw`` (HHI,
    G, σ or EoL-RIR), ``basis``, ``missing`` (the reason where value is NaN, else ""),
    ``detail`` and ``source_ids``.
    """
    opts = opts or Meti6Options()
    grid = pd.MultiIndex.from_product([list(inp.members), list(inp.commodities)],
                                      names=["importer", "commodity_id"]).to_frame(index=False)
    concentrate, refined = _governance_axes(inp, opts, grid)
    parts = {**commodity_axes(inp, opts), "import_governance_concentrate": concentrate,
             "import_governance_refined": refined}
    out = []
    for axis in axis_ids():
        part = parts[axis]
        if "importer" in part:
            frame = grid.merge(part, on=["importer", "commodity_id"], how="left")
        else:
            frame = grid.merge(part, on="commodity_id", how="left")
        frame["axis"] = axis
        out.append(frame)
    values = pd.concat(out, ignore_index=True)
    values["year"] = inp.year
    values["missing"] = values["missing"].fillna("")
    for col in ("basis", "detail", "source_ids"):
        values[col] = values[col].fillna("")
    return values[VALUES]


def commodity_axes(inp: Meti6Inputs, opts: Meti6Options) -> dict[str, pd.DataFrame]:
    """Axes 1, 2, 5 and 6 (axis id → frame by ``commodity_id``). They do not depend on
    the importer: inputs read by :func:`meti6_inputs` share the year's memo
    (:attr:`YearInputs.axes_memo`), which keeps them for the same input frames — the very
    objects — commodities, year and options, so each importer of a year reuses them; a
    what-if that replaces a frame gets its own. Inputs without a memo compute them."""
    frames = (inp.production, inp.reserves, inp.volatility, inp.recycling)
    params = (inp.commodities, inp.year, inp.store_has_reserves,
              tuple(sorted(inp.primary_stage.items())),
              tuple(sorted(inp.spend_factor.items())), opts)
    return memoised(inp.axes_memo, frames, params, lambda: {
        "production_concentration": _production_axis(inp, opts),
        "reserve_concentration": _reserve_axis(inp, opts),
        "historical_volatility": _volatility_axis(inp, opts),
        "scrap_recycling": _scrap_axis(inp)})


def _production_axis(inp: Meti6Inputs, opts: Meti6Options) -> pd.DataFrame:
    stage = pd.DataFrame({"commodity_id": list(inp.primary_stage),
                          "stage": list(inp.primary_stage.values())})
    prod = inp.production.merge(stage, on=["commodity_id", "stage"])
    summed = (prod.groupby(["commodity_id", "stage", "iso3"], dropna=False)["quantity"].sum()
              .reset_index().assign(year=inp.year))
    conc = concentration(summed)
    spans = prod.groupby("commodity_id").agg(span=("year", _span),
                                             sources=("source_id", _joined)).reset_index()
    conc = conc.merge(spans, on="commodity_id")
    out = pd.DataFrame({"commodity_id": list(inp.commodities)}).merge(
        stage, on="commodity_id", how="left").merge(conc, on=["commodity_id", "stage"],
                                                    how="left")
    out["raw"] = out["hhi"]
    out["value"] = hhi_axis(out["hhi"], opts.hhi_mapping)
    out["basis"] = note_array("basis_hhi_production", stage=out["stage"].fillna("?"))
    out["detail"] = np.where(out["hhi"].notna(), note_array(
        "detail_top", country=out["top_iso3"].fillna(""),
        pct=(100 * out["top1_share"]).round(1).astype(str), years=out["span"].fillna("")),
        "")
    years = _span(pd.Series(_window(inp.year, opts.production_window)))
    out["missing"] = [
        "" if pd.notna(h) else reason("no_production_series", commodity=c) if pd.isna(s)
        else reason("production_unknown", commodity=c, stage=s, years=years)
        for c, s, h in zip(out["commodity_id"], out["stage"], out["hhi"], strict=True)]
    out["source_ids"] = out["sources"]
    return out[["commodity_id", "value", "raw", "basis", "missing", "detail", "source_ids"]]


def _joined(s: pd.Series) -> str:
    return "; ".join(sorted(set(s.dropna().astype(str))))


def _reserve_axis(inp: Meti6Inputs, opts: Meti6Options) -> pd.DataFrame:
    yr = inp.reserves.groupby("commodity_id").agg(
        ryear=("year", "first"), sources=("source_id", _joined)).reset_index()
    res = (inp.reserves.groupby(["commodity_id", "iso3"], dropna=False)["quantity"].sum()
           .reset_index().assign(stage="mining"))
    conc = concentration(res.assign(year=inp.year)) if len(res) else pd.DataFrame(
        columns=["commodity_id", "hhi", "top_iso3", "top1_share"])
    out = pd.DataFrame({"commodity_id": list(inp.commodities)}).merge(
        conc[["commodity_id", "hhi", "top_iso3", "top1_share"]], on="commodity_id",
        how="left").merge(yr, on="commodity_id", how="left")
    out["raw"] = out["hhi"].astype(float)
    out["value"] = hhi_axis(out["raw"], opts.hhi_mapping)
    out["basis"] = note("basis_hhi_reserves")
    out["detail"] = np.where(out["raw"].notna(), note_array(
        "detail_top_reserves", country=out["top_iso3"].fillna(""),
        pct=(100 * out["top1_share"].astype(float)).round(1).astype(str),
        year=out["ryear"].astype("Int64").astype(str)), "")
    out["missing"] = [
        "" if pd.notna(r) else reason("no_reserves_in_store") if not inp.store_has_reserves
        else reason("no_country_reserves", commodity=c, gap=opts.reserves_max_gap,
                    year=inp.year)
        for c, r in zip(out["commodity_id"], out["raw"], strict=True)]
    out["source_ids"] = out["sources"]
    return out[["commodity_id", "value", "raw", "basis", "missing", "detail", "source_ids"]]


def _governance_axes(inp: Meti6Inputs, opts: Meti6Options, grid: pd.DataFrame
                     ) -> list[pd.DataFrame]:
    """Axes 3 and 4 on ``grid`` (every importer × commodity)."""
    gov = import_governance(inp.flows, inp.risk, inp.domestic, opts.missing_governance)
    years = _span(pd.Series(_window(inp.year, opts.import_window)))
    out = []
    for stage in ("mining", "refining"):
        g = gov[gov["stage"] == stage].drop(columns="stage")
        f = grid.merge(g, on=["importer", "commodity_id"], how="left")
        f["raw"] = f["governance"]
        f["basis"] = note("basis_governance", stage_label=stage, wgi=inp.wgi)
        has_hs = f["commodity_id"].isin({c for c, s in inp.hs_stages if s == stage})
        traded = f["commodity_id"].isin({c for c, s in inp.traded_stages if s == stage})
        f.loc[~traded, "raw"] = np.nan  # no trade data at all: G unknown, not 0
        f["value"] = governance_axis(f["raw"])
        f["missing"] = _governance_missing(f, (has_hs & traded).to_numpy(), stage, years)
        share = (100 * f["missing_governance_share"].fillna(0)).round(1)
        counts = {"partners": f["n_partners"].fillna(0).astype(int).astype(str),
                  "imports": (f["imports_t"].fillna(0) / 1000).round(1).astype(str),
                  "domestic": (f["domestic_t"].fillna(0) / 1000).round(1).astype(str),
                  "years": years}
        f["detail"] = np.where(f["raw"].isna(), "", np.where(
            share > 0, note_array("detail_imports_imputed", **counts, pct=share.astype(str)),
            note_array("detail_imports", **counts)))
        f["source_ids"] = np.where(f["raw"].notna(), "trade; " + inp.wgi, "")
        out.append(f[["importer", "commodity_id", "value", "raw", "basis", "missing",
                      "detail", "source_ids"]])
    return out


def _governance_missing(f: pd.DataFrame, coded: np.ndarray, stage: str, years: str
                        ) -> list[str]:
    """Why each cell of ``f`` has no G: the stage's trade gap where it has no HS code or
    no trade (one reason per commodity), "no imports" where the importer imported none,
    else ""."""
    commodity = f["commodity_id"].to_numpy(dtype=object)
    out = np.full(len(f), "", dtype=object)
    gaps = {c: trade_gap(c, stage, years, False) for c in set(commodity[~coded].tolist())}
    out[~coded] = [gaps[c] for c in commodity[~coded].tolist()]
    none = coded & f["raw"].isna().to_numpy()
    if none.any():
        out[none] = reason_array("no_imports", stage_label=stage, commodity=commodity[none],
                                 importer=f["importer"].to_numpy(dtype=object)[none],
                                 years=years)
    return out.tolist()


def _volatility_axis(inp: Meti6Inputs, opts: Meti6Options) -> pd.DataFrame:
    out = pd.DataFrame({"commodity_id": list(inp.commodities)}).merge(
        inp.volatility, on="commodity_id", how="left")
    factor = out["commodity_id"].map(inp.spend_factor).fillna(1.0).astype(float)
    out["raw"] = out["sigma"].astype(float)
    out["value"] = volatility_axis(out["raw"], opts.sigma_ref) * factor
    out["basis"] = note_array("basis_volatility", price=out["basis"].fillna(""),
                              ref=f"{opts.sigma_ref:g}")
    series = {"series": out["series"].fillna(""), "window": opts.volatility_window}
    out["detail"] = np.where(out["raw"].isna(), "", np.where(
        factor != 1.0, note_array("detail_volatility_spend", **series,
                                  factor=factor.round(3).astype(str)),
        note_array("detail_volatility", **series)))
    out["missing"] = [
        reason("no_price_window", commodity=c, window=opts.volatility_window, year=inp.year)
        if pd.isna(r) else "" for c, r in zip(out["commodity_id"], out["raw"], strict=True)]
    out["source_ids"] = out["series"].fillna("")
    return out[["commodity_id", "value", "raw", "basis", "missing", "detail", "source_ids"]]


def _scrap_axis(inp: Meti6Inputs) -> pd.DataFrame:
    out = pd.DataFrame({"commodity_id": list(inp.commodities)}).merge(
        inp.recycling, on="commodity_id", how="left")
    out["raw"] = out["eol_rir"].astype(float)
    out["value"] = scrap_axis(out["raw"])
    out["basis"] = note("basis_scrap")
    out["detail"] = np.where(out["raw"].notna(), note_array(
        "detail_eol", rir=out["raw"].round(3).astype(str),
        year=out["year"].astype("Int64").astype(str)), "")
    out["missing"] = [reason("no_eol_rir", commodity=c) if pd.isna(r) else ""
                      for c, r in zip(out["commodity_id"], out["raw"], strict=True)]
    out["source_ids"] = out["source_id"].fillna("")
    return out[["commodity_id", "value", "raw", "basis", "missing", "detail", "source_ids"]]
