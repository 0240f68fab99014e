"""All indicators for all importers × commodities × stages × years, as one tidy frame.

Columns (DESIGN.md): ``importer, commodity_id, stage, year, indicator, value, basis,
n_partners, missing_governance_share, source_ids, detail``. Global indicators
(production and reserves concentration, reserve life, volatility, EoL-RIR) have no
importer. Every value comes from the vectorised functions of this package; nothing is
computed cell by cell.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from critmin.catalog.reasons import join_phrase_arrays, join_phrases, note, note_array
from critmin.indicators.concentration import production_concentration_sql
from critmin.indicators.governance import resolve_dimensions, store_risk_sql
from critmin.indicators.imports import cell_stats_sql, stage_table
from critmin.indicators.inputs import preferred_production_sql, production_preference
from critmin.indicators.relational import (
    categorical,
    labels,
    registered,
    take_rows,
)
from critmin.indicators.supply import (
    net_import_reliance,
    reserve_life_sql,
    reserves_concentration,
)
from critmin.indicators.trade import (
    Members,
    flow_views,
    multi_member,
    partner_flows_sql,
)
from critmin.indicators.volatility import store_volatilities
from critmin.store.production import own_production_sql
from critmin.store.read import (
    bundle_governance_years,
    partial_stage_years,
    stage_trade_factors,
)

TIDY = ["importer", "commodity_id", "stage", "year", "indicator", "value", "lower", "upper",
        "basis", "n_partners", "missing_governance_share", "source_ids", "detail", "missing"]
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


Block = dict[str, Any]

#: widest interval [lower, upper] of an import reliance still given a value (its lower
#: bound) [C]: 5 points — narrower than the 10-point agreement `critmin validate` asks
BOUND_WIDTH = 0.05


def _tidy(frame: Any, indicator: str, value: str, **const: Any) -> Block:
    """One indicator's rows as tidy columns (arrays; text as categoricals).

    ``frame``: a DataFrame or a dict of equal-length arrays."""
    def column(name: str, dtype: Any) -> np.ndarray:
        return np.asarray(frame[name], dtype=dtype)

    n = len(frame[value])
    zeros = np.zeros(n, dtype=np.int64)
    cols: Block = {}
    for c in TIDY:
        if c == "indicator":
            cols[c] = labels([indicator], zeros)
        elif c == "value":
            cols[c] = column(value, float)
        elif c == "year":
            cols[c] = column(c, np.int64)
        elif c == "n_partners":  # (counts, missing mask): one Int64 column at the end
            counts = column(c, float) if c in frame else np.full(n, np.nan)
            cols[c] = (np.nan_to_num(counts).astype(np.int64), np.isnan(counts))
        elif c in ("missing_governance_share", "lower", "upper"):
            cols[c] = column(c, float) if c in frame else np.full(n, np.nan)
        elif c == "missing":  # text, mostly "": an object array (stacks without recoding)
            cols[c] = (np.asarray(frame[c], dtype=object) if c in frame
                       else np.full(n, "", dtype=object))
        elif c in frame:
            col = frame[c]
            if isinstance(col, pd.Series) and isinstance(col.dtype, pd.CategoricalDtype):
                col = col.array
            cols[c] = col if isinstance(col, pd.Categorical) else categorical(col)
        else:
            cols[c] = labels([const.get(c)], zeros)
    return cols


def _stack(blocks: list[Block]) -> pd.DataFrame:
    """One frame from tidy blocks, text kept categorical (the union of categories)."""
    out: Block = {}
    for c in TIDY:
        parts = [b[c] for b in blocks]
        if isinstance(parts[0], pd.Categorical):
            out[c] = union_categoricals(parts)
        elif isinstance(parts[0], np.ndarray):
            out[c] = np.concatenate(parts)
        else:
            out[c] = pd.arrays.IntegerArray(np.concatenate([p[0] for p in parts]),
                                            np.concatenate([p[1] for p in parts]))
    return pd.DataFrame(out, copy=False)  # the stacked arrays are new: no copy


def global_indicators(con: Any, prod: str, commodity_ids: list[str] | None,
                      years: list[int] | None, opts: IndicatorOptions) -> list[Block]:
    """Production and reserves concentration, reserve life, volatility, EoL-RIR.

    ``prod``: SQL of the preferred production rows (:func:`preferred_production_sql`).
    """
    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        ok = np.ones(len(frame), dtype=bool)
        if commodity_ids is not None:
            ok &= frame["commodity_id"].isin(commodity_ids).to_numpy()
        if years is not None:
            ok &= frame["year"].isin(years).to_numpy()
        return frame[ok]

    with registered(con, m_filter=pd.DataFrame({"commodity_id": commodity_ids or []},
                                               dtype=str)):
        # with the source's published world total and the previous year's source
        conc = con.execute(f"""
            with prod as ({prod}),
            c as (select * rename (production_source as source_ids)
                  from ({production_concentration_sql('prod')}))
            select c.*, w.quantity as world,
                   lag(c.source_ids) over (partition by c.commodity_id, c.stage
                                           order by c.year) as prev_source,
                   lag(c.year) over (partition by c.commodity_id, c.stage
                                     order by c.year) as prev_year
            from c left join world_total w on w.measure = 'production'
                 and w.commodity_id = c.commodity_id and w.stage = c.stage
                 and w.year = c.year and w.source_id = c.source_ids
            order by c.commodity_id, c.stage, c.year""").df()
    conc = world_total_check(conc)
    conc["detail"] = join_phrase_arrays(
        note_array("note_top", country=conc["top_iso3"]),
        np.where(conc["remainder_share"] > 0, note_array(
            "note_remainder", pct=(100 * conc["remainder_share"]).round(1).astype(str)), ""),
        conc["check"].to_numpy(object), source_breaks(conc))
    quantity = note("basis_measure", basis="quantity")
    blocks = [_tidy(keep(conc), f"production_{n}", n, basis=quantity)
              for n in ("hhi", "top1_share", "top3_share")]
    res = reserves_concentration(con, opts.production_preference or production_preference())
    if len(res):
        res["detail"] = note_array("note_top", country=res["top_iso3"])
        blocks += [_tidy(keep(res), f"reserves_{n}", n, basis=quantity)
                   for n in ("hhi", "top1_share", "top3_share")]
        life = con.execute(reserve_life_sql(opts.production_preference or
                                            production_preference())).df()
        life["stage"] = "mining"
        life["source_ids"] = life["reserves_source"] + "; " + life["production_source"]
        life["detail"] = join_phrase_arrays(
            note_array("note_reserve_life", years=life["production_years"].astype(str),
                       source=life["production_source"]),
            np.where(life["lower_bound"].fillna(False).astype(bool),
                     note("note_reserves_lower_bound"), ""))
        blocks.append(_tidy(keep(life), "reserve_life", "reserve_life",
                            basis=note("basis_years")))
    vol, uvv = store_volatilities(con, opts.window_years)
    uvv = uvv[~uvv["commodity_id"].isin(set(vol["commodity_id"]))]
    for series in (vol, uvv):  # basis from the frames: market (no stage) or unit_value
        blocks.append(_tidy(keep(series).rename(columns={"series": "source_ids"}),
                            "volatility", "volatility", stage=None,
                            detail=note("note_window", window=opts.window_years)))
    eol = con.execute("select commodity_id, year, value, flag as detail, "
                      "source_id as source_ids from recycling where metric = 'EOL-RIR'").df()
    blocks.append(_tidy(keep(eol), "eol_rir", "value", basis=note("basis_share")))
    return blocks


def world_total_check(conc: pd.DataFrame, tolerance: float = 0.05) -> pd.DataFrame:
    """Concentration rows (with the source's published world total in ``world``)
    checked against it (methods.md §2): ``|Q − W| / W > tolerance`` is flagged; where W
    exceeds Q and the source prints no remainder, ``W − Q`` becomes an implicit
    remainder [C]: shares are divided by W (``HHI × (Q/W)²``, a lower bound), never
    inflated by a missing gap. Adds ``check`` (the flag's text), drops ``world``."""
    out = conc.copy()
    q, w = out["total"].to_numpy(dtype=float), out["world"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = (w - q) / w
    implicit = (gap > tolerance) & (out["remainder_share"].to_numpy(dtype=float) == 0)
    scale = np.where(implicit, q / w, 1.0)
    out["hhi"] = out["hhi"] * scale ** 2
    out["top1_share"] = out["top1_share"] * scale
    out["top3_share"] = out["top3_share"] * scale
    out["remainder_share"] = np.where(implicit, gap, out["remainder_share"])
    out["check"] = np.where(np.abs(gap) > tolerance, note_array(
        "note_world_total", pct=(100 * (1 - gap)).round(1).astype(str)), "")
    return out.drop(columns="world")


def source_breaks(conc: pd.DataFrame) -> np.ndarray:
    """"source changes from A (year − 1)" on the rows whose production source differs
    from the previous year's (``prev_source``, ``prev_year``) of the same commodity stage:
    an annual series that switches source is flagged at the break (DESIGN "Content
    basis")."""
    prev = conc["prev_source"]
    brk = (prev.notna() & (prev != conc["source_ids"])
           & (conc["prev_year"] == conc["year"] - 1)).to_numpy()
    return np.where(brk, note_array("note_source_change", source=prev.fillna(""),
                                    year=conc["prev_year"].fillna(0).astype(int)), "")


def importer_indicators(con: Any, prod: str, importers: Members,
                        commodity_ids: list[str] | None, years: list[int] | None,
                        opts: IndicatorOptions) -> list[Block]:
    """Imports, import HHI, governance-weighted concentration, HHI_WGI, NIR, scrap share.

    One DuckDB query (:func:`cell_sums_sql`) gives every cell's sums keyed by integers;
    the ratios are NumPy over whole arrays and the labels categoricals. ``prod``: SQL of
    the preferred production rows (:func:`preferred_production_sql`).
    """
    available = {r[0] for r in con.execute("select distinct dimension from governance")
                 .fetchall()}
    dims = resolve_dimensions(available, opts.dimensions)
    cs = stage_table(con)
    names = pd.DataFrame({"importer": list(importers)})
    sql = cell_sums_sql(prod, opts, dims, commodity_ids is not None, years is not None,
                        multi_member(importers))
    views = flow_views(importers, commodity_ids, years)
    with registered(con, **views):
        result = con.execute(sql).fetchnumpy()
    sums = {k: np.ma.filled(np.ma.asarray(v).astype(float), np.nan)
            if k not in ("i_ix", "cs_ix", "year", "has_imports", "dom_status", "dom_source")
            else np.asarray(v) for k, v in result.items()}
    labelled = (take_rows(names, sums["i_ix"]),
                take_rows(cs[["commodity_id", "stage"]], sums["cs_ix"]))
    keys = {name: col.array for frame in labelled for name, col in frame.items()} | {
        "year": sums["year"]}
    wgi = "WGI " + "+".join(dims)
    basis = stage_trade_factors(con)
    trade_factor = np.full(len(cs), np.nan)
    trade_factor[basis["cs_ix"].to_numpy()] = basis["trade_factor"].to_numpy(dtype=float)
    partial = partial_stage_years(con)
    # years whose governance comes from the bundle's WGI edition (the release lacks
    # them): flagged on every import row of those years, never silently mixed
    bundle_years = bundle_governance_years(con)
    return [*_import_rows(keys, sums, opts, wgi, bundle_years),
            _reliance_rows(keys, sums, cs, trade_factor, list(importers), partial),
            _scrap_rows(names, cs, sums)]


def _rows(columns: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """The ``mask`` rows of every column."""
    return {k: v[mask] for k, v in columns.items()}


def cell_sums_sql(prod: str, opts: IndicatorOptions, dims: tuple[str, ...],
                  commodity_filter: bool, year_filter: bool, multi: list[int]) -> str:
    """Per ``i_ix, cs_ix, year``: the import sums of :func:`cell_stats_sql`, exports (t),
    the importer's production of the stage and whether world production is known.

    Partner risk (WGI ``dims``) is carried to every trade year in the same query."""
    imports = cell_stats_sql(opts.basis, opts.missing_governance, opts.intra_group,
                             commodity_filter, year_filter, multi)
    exports = partner_flows_sql("export", commodity_filter, year_filter, opts.intra_group,
                                multi)
    years = "m_years" if year_filter else "(select distinct year from trade_stage)"
    preference = opts.production_preference or production_preference()
    return f"""
        with m_risk as ({store_risk_sql(dims, years, opts.min_dimensions)}),
        imp as materialized ({imports}),
        -- exports and own production enter only NIR, computed in the years the store
        -- has production for (any stage: refining may be bounded by the mine side)
        exp as (
            select i_ix, cs_ix, year, sum(quantity_t) as export_t
            from ({exports}) x
            where year in (select distinct year from production) group by all),
        cell_keys as (
            select i_ix, cs_ix, year from imp
            where year in (select distinct year from production)
            union select i_ix, cs_ix, year from exp),
        dom as (
            select d.i_ix, d.cs_ix, d.year, d.domestic_lo, d.domestic_hi,
                   d.status as dom_status, d.source_id as dom_source
            from ({own_production_sql(preference, years, "cell_keys", multi)}) d)
        select i_ix, cs_ix, year, imp.* exclude (i_ix, cs_ix, year),
               imp.i_ix is not null as has_imports, exp.export_t,
               dom.domestic_lo, dom.domestic_hi, coalesce(dom.dom_status, 3) as dom_status,
               dom.dom_source
        from imp full join exp using (i_ix, cs_ix, year)
        left join dom using (i_ix, cs_ix, year)"""


def _small_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for small non-negative integers
    (a count per value instead of a sort)."""
    uniques = np.flatnonzero(np.bincount(values)) if len(values) else values
    return uniques, np.searchsorted(uniques, values)


def _import_rows(keys: dict[str, Any], sums: dict[str, np.ndarray], opts: IndicatorOptions,
                 wgi: str, bundle_years: set[int] | None = None) -> list[Block]:
    usable = np.nan_to_num(sums["n_partners"]) > 0
    cells = _rows(keys | {k: v for k, v in sums.items()
                          if k not in ("i_ix", "cs_ix", "year")}, usable)
    lag = np.nan_to_num(cells["max_lag"]).astype(np.int64)
    n_codes = np.nan_to_num(cells["n_codes"]).astype(np.int64)
    bundle = np.isin(keys["year"][usable], sorted(bundle_years or ()))
    combo, inverse = _small_unique(bundle * 1_000_000 + lag * 10_000
                                   + np.where(n_codes > 1, n_codes, 0))
    notes = [join_phrases([
        note("note_wgi_bundle_edition") if c >= 1_000_000 else "",
        note("note_wgi_carried_back", years=c % 1_000_000 // 10_000)
        if c % 1_000_000 >= 10_000 else "",
        note("note_hs_codes_summed", n=c % 10_000) if c % 10_000 > 1 else ""]) for c in combo]
    cells["detail"] = labels(notes, inverse)
    cells["source_ids"] = labels(["trade; " + wgi], np.zeros(len(lag), dtype=np.int64))
    unit = "quantity_t" if opts.basis == "quantity" else "value_kusd"
    weighted = note("basis_measure_wgi", basis=opts.basis, wgi=wgi)
    return [
        _tidy(cells, "imports", "imports", basis=note("basis_measure", basis=unit)),
        _tidy(cells, "import_hhi", "import_hhi", basis=note("basis_measure", basis=opts.basis)),
        _tidy(cells, "import_governance", "governance_weighted", basis=weighted),
        _tidy(cells, "hhi_wgi", "hhi_wgi", basis=weighted),
    ]


def _find(table: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``wanted`` (integer keys): whether ``table`` (unique integer keys)
    holds it, and its position there (meaningless where not held) — a sort and a
    binary search instead of a join."""
    if not len(table):
        return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.int64)
    order = np.argsort(table)
    at = np.clip(np.searchsorted(table[order], wanted), 0, len(table) - 1)
    return table[order][at] == wanted, order[at]


def _mass_balance(sums: dict[str, np.ndarray], cs: pd.DataFrame, lo: np.ndarray,
                  hi: np.ndarray, status: np.ndarray) -> None:
    """Bound the refining-stage production of cells whose store has none (in place).

    Primary refined output cannot exceed the importer's own mine output plus its ore
    imports (gross tonnes ≥ contained): ``0 ≤ p_refining ≤ p_mining + I_ore`` [C], where
    the mining and refining stages share one canonical basis. Secondary (scrap) refining
    is not counted. Only for commodities mined for themselves (no by-product host in the
    catalog): a by-product's refiners are fed by other metals' concentrates and
    intermediates (cobalt from nickel matte), which this bound would miss. Cells whose
    mining side is unknown stay unknown."""
    commodity = cs["commodity_id"].to_numpy(dtype=object)
    stage = cs["stage"].to_numpy(dtype=object)
    mining_of = {c: i for i, (c, st) in enumerate(zip(commodity, stage, strict=True))
                 if st == "mining"}
    from critmin.catalog.contents import canonical_basis
    from critmin.catalog.tables import read_table

    canon = canonical_basis()
    hosted = {r["commodity_id"] for r in read_table("commodities") if r["byproduct_hosts"]}
    partner = np.array([mining_of.get(c, -1) if st == "refining" and c not in hosted
                        and canon.get((c, st)) == canon.get((c, "mining")) else -1
                        for c, st in zip(commodity, stage, strict=True)])
    want = (status == 3) & (partner[sums["cs_ix"]] >= 0)
    if not want.any():
        return
    # one integer key per cell (importer, commodity stage, year): each refining cell
    # looks up its commodity's mining cell
    n_cs = len(cs) + 1
    key = (sums["i_ix"].astype(np.int64) * n_cs + sums["cs_ix"]) * 10_000 + sums["year"]
    is_mine = np.flatnonzero(partner[sums["cs_ix"]] == -1)
    ask = ((sums["i_ix"][want].astype(np.int64) * n_cs + partner[sums["cs_ix"][want]])
           * 10_000 + sums["year"][want])
    hit, at = _find(key[is_mine], ask)
    cell = np.where(hit, is_mine[at], -1)
    found = pd.DataFrame({"hi": np.where(hit, hi[cell], np.nan),
                          "imports": np.where(hit, np.nan_to_num(sums["total_t"])[cell],
                                              np.nan),
                          "status": np.where(hit, status[cell], -1)})
    # no mining cell (no ore trade, or the ore code is shared): the mine side is unknown
    bound = (found["hi"] + found["imports"]).to_numpy(dtype=float)
    ok = ~np.isnan(bound) & (found["status"].to_numpy() < 2)
    idx = np.flatnonzero(want)[ok]
    lo[idx] = 0.0
    hi[idx] = bound[ok]
    status[idx] = 4  # bounded by the mass balance


def _reliance_rows(keys: dict[str, Any], sums: dict[str, np.ndarray], cs: pd.DataFrame,
                   trade_factor: np.ndarray, importers: list[str],
                   partial: pd.DataFrame | None = None) -> Block:
    """NIR (:func:`critmin.indicators.supply.net_import_reliance`) for every cell with
    trade, on the stage's canonical basis, with its bounds and the reason where missing.

    ``dom_status``: 0 domestic production known, 1 bounded by a remainder, 2 withheld,
    3 unknown, 4 bounded by the mass balance (:func:`_mass_balance`), 5 of a basis that
    does not convert. Trade tonnes are
    put on the canonical basis with the stage's ``trade_factor``; where that is not
    possible and the importer produces, the NIR is missing ("mixed basis"); so it is
    where the store has no trade at all in one of the stage's main HS codes that year
    (``partial``: ``cs_ix, year, missing_main`` — imports and exports would be of part
    of the stage only)."""
    from critmin.catalog.reasons import reason_array

    years_with_production = np.unique(sums["year"][sums["dom_status"] != 3]) if len(
        sums["year"]) else sums["year"]
    keep = np.isin(sums["year"], years_with_production)
    sums = {k: sums[k][keep] for k in ("i_ix", "cs_ix", "year", "dom_status", "domestic_lo",
                                       "domestic_hi", "total_t", "export_t", "dom_source")}
    keys = {k: v[keep] for k, v in keys.items()}
    status = sums["dom_status"].astype(np.int64).copy()
    lo, hi = sums["domestic_lo"].copy(), sums["domestic_hi"].copy()
    _mass_balance(sums, cs, lo, hi, status)
    tf = trade_factor[sums["cs_ix"]]
    produces = np.nan_to_num(hi) > 0
    # own production of another basis than the trade tonnes, or named by its source on
    # a basis that does not convert to the canonical one (status 5)
    mixed = (np.isnan(tf) & produces & (status != 2)) | (status == 5)
    factor = np.where(np.isnan(tf), 1.0, tf)
    imports = np.nan_to_num(sums["total_t"]) * factor
    exports = np.nan_to_num(sums["export_t"]) * factor
    nir_lo, net_exporter = net_import_reliance(imports, exports, hi)
    nir_hi, _ = net_import_reliance(imports, exports, lo)
    traded = (imports > 0) | (exports > 0)
    gap = np.full(len(imports), None, dtype=object)
    if partial is not None and len(partial):
        hit, at = _find(partial["cs_ix"].to_numpy(np.int64) * 10_000
                        + partial["year"].to_numpy(np.int64),
                        sums["cs_ix"].astype(np.int64) * 10_000 + sums["year"])
        gap[hit] = partial["missing_main"].to_numpy(dtype=object)[at[hit]]
    incomplete = np.not_equal(gap, None) & traded
    # net exporter only for a producer (a withheld figure is a producer's): with no own
    # production and I ≤ E there is no apparent consumption and the ratio is undefined
    net_exporter &= traded & ((np.nan_to_num(hi) > 0) | (status == 2))
    no_consumption = traded & (imports <= exports) & ~net_exporter & ~mixed
    known = (status != 2) & (status != 3) & ~mixed & ~no_consumption
    ok = traded & (net_exporter | known) & ~incomplete
    net_exporter &= ok
    lower = np.where(ok & ~net_exporter, nir_lo, np.where(ok, 0.0, np.nan))
    upper = np.where(ok & ~net_exporter, nir_hi, np.where(ok, 0.0, np.nan))
    # a bounded value is given (as its lower bound) only while the interval is narrow
    # [C: BOUND_WIDTH]; wider, the value is missing and lower/upper say what is known
    wide = ok & ~net_exporter & (upper - lower > BOUND_WIDTH)
    ok &= ~wide
    value = np.where(ok, nir_lo, np.nan)
    bounded = ok & ~net_exporter & (lower < upper)
    kind = np.select([net_exporter, bounded & (status == 1), bounded & (status == 4)],
                     [1, 2, 3], 0)
    detail = labels(["", note("note_net_exporter"), note("note_lower_bound_other_countries"),
                     note("note_lower_bound_refining")], kind)
    commodity = cs["commodity_id"].to_numpy(dtype=object)[sums["cs_ix"]]
    stage = cs["stage"].to_numpy(dtype=object)[sums["cs_ix"]]
    who = np.asarray(importers, dtype=object)[sums["i_ix"]]
    year = sums["year"].astype(np.int64)
    # the production source that spoke for the importer (None: no production row)
    source = np.ma.filled(np.ma.asarray(sums["dom_source"], dtype=object), None)
    code = np.select([ok, ~traded, incomplete, status == 2, no_consumption, mixed, wide],
                     ["", "no_imports", "no_trade_in_store", "withheld", "no_consumption",
                      "mixed_basis_reliance", "own_production_unknown"], "production_unknown")
    fields = {
        "no_imports": lambda m: {"stage_label": stage[m], "commodity": commodity[m],
                                 "importer": who[m], "years": year[m]},
        "withheld": lambda m: {"country": who[m], "commodity": commodity[m],
                               "stage": stage[m], "source": source[m], "years": year[m]},
        "no_consumption": lambda m: {"commodity": commodity[m], "stage": stage[m],
                                     "importer": who[m], "years": year[m]},
        "mixed_basis_reliance": lambda m: {"commodity": commodity[m]},
        "production_unknown": lambda m: {"commodity": commodity[m], "stage": stage[m],
                                         "years": year[m]},
        "no_trade_in_store": lambda m: {"stage_label": stage[m], "commodity": commodity[m],
                                        "hs6": gap[m], "years": year[m]},
        "own_production_unknown": lambda m: {"importer": who[m], "commodity": commodity[m],
                                             "stage": stage[m], "years": year[m]},
    }
    missing = np.full(len(value), "", dtype=object)
    for name, make in fields.items():
        m = code == name
        if m.any():
            missing[m] = reason_array(name, **make(m))
    codes, uniques = pd.factorize(pd.Series(source, dtype=object), use_na_sentinel=True)
    texts = ["trade; " + u for u in uniques] + ["trade"]
    sources = labels(texts, np.where(codes < 0, len(uniques), codes))
    frame = keys | {"nir": value, "lower": lower, "upper": upper, "detail": detail,
                    "missing": missing, "source_ids": sources}
    return _tidy(frame, "import_reliance", "nir", basis=note("basis_reliance"))


def _scrap_rows(names: pd.DataFrame, cs: pd.DataFrame, sums: dict[str, np.ndarray]) -> Block:
    """Scrap share of import value per importer, commodity and year (value basis):
    Σ value of the scrap stage / Σ value of every stage, for the cells with scrap
    imports, summed with ``np.bincount``."""
    has = sums["has_imports"].astype(bool)
    commodity, c_code = np.unique(cs["commodity_id"].to_numpy(dtype=object),
                                  return_inverse=True)
    is_scrap = (cs["stage"] == "scrap").to_numpy()
    cs_ix = sums["cs_ix"][has]
    year = sums["year"][has].astype(np.int64)
    y0, n_y, n_c = (year.min(), np.ptp(year) + 1, len(commodity)) if len(year) else (0, 1, 1)
    key = (sums["i_ix"][has].astype(np.int64) * n_c + c_code[cs_ix]) * n_y + year - y0
    kusd = sums["total_kusd"][has]
    scrap = is_scrap[cs_ix] & ~np.isnan(kusd)
    cells = np.unique(key[scrap])  # the cells with scrap imports; then every stage's rows
    at = np.searchsorted(cells, key)
    inside = at < len(cells)
    inside[inside] = cells[at[inside]] == key[inside]
    total = np.bincount(at[inside], weights=np.nan_to_num(kusd[inside]), minlength=len(cells))
    scrap_v = np.bincount(at[scrap], weights=kusd[scrap], minlength=len(cells))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = scrap_v / total
    ok = np.isfinite(share)
    cells, share = cells[ok], share[ok]
    frame = pd.DataFrame({
        **take_rows(names, cells // n_y // n_c),
        "commodity_id": labels(list(commodity), (cells // n_y) % n_c),
        "stage": labels(["scrap"], np.zeros(len(cells), dtype=np.int64)),
        "year": cells % n_y + y0, "share": share})
    return _tidy(frame, "scrap_share", "share", basis=note("basis_measure", basis="value"),
                 source_ids="trade")


def compute_indicators(con: Any, importers: Members, commodity_ids: list[str] | None = None,
                       years: list[int] | None = None,
                       opts: IndicatorOptions | None = None) -> pd.DataFrame:
    """Every indicator of :data:`INDICATORS` for the importers, commodities and years.

    The global indicators (small queries and NumPy) run on a second cursor in a thread
    while DuckDB computes the importer cells (it releases the GIL meanwhile); they do not
    depend on the importers and are kept per store content
    (:func:`critmin.store.cache.cached`, keyed by what they read: commodities, years, the
    volatility window and the production preference)."""
    from critmin.store.cache import cached

    opts = opts or IndicatorOptions()
    preference = opts.production_preference or production_preference()
    prod = preferred_production_sql(preference, commodity_ids is not None)
    key = ("global_indicators", None if commodity_ids is None else tuple(commodity_ids),
           None if years is None else tuple(years), opts.window_years, preference)
    cursor = con.cursor()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            world = pool.submit(cached, cursor, key, lambda: global_indicators(
                cursor, prod, commodity_ids, years, opts))
            blocks = importer_indicators(con, prod, importers, commodity_ids, years, opts)
            blocks = world.result() + blocks
    finally:
        cursor.close()
    return _stack(blocks)
