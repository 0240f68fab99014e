"""The GeoPolRisk method: ``Score = HHI × ImportRisk`` and its characterisation factor.

docs/methods.md §5 (Gemechu et al. 2016; Helbig et al. 2016; Koyamparambath et al. 2024;
geopolrisk-py 2.0):

    HHI_A        = Σ_i P_Ai² / (Σ_i P_Ai)²          global production of A's stage
    ImportRisk_Ac = Σ_i g_i · f_Aic / (p_Ac + F_Ac)  g from WGI PV; domestic supply g = 0
    Score_Ac     = HHI_A · ImportRisk_Ac
    Price_Ac     = Σ value / Σ quantity of c's imports of A      (kUSD/t = USD/kg)
    CF_Ac        = Score_Ac · Price_Ac / CF_Cu                   (kg Cu-eq/kg)

critmin defaults (each a documented deviation from the reference): a cell without
imports is missing with its reason (not 0); a group's intra-group trade is excluded;
production stage and HS codes come from the catalog stage by stage. ``CU_REFERENCE``
is geopolrisk-py's constant (copper, "OECD mean 2017–2021"), stored with every row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.catalog.reasons import grid_reasons, reason, trade_gap
from critmin.indicators.relational import take_rows
from critmin.indicators.trade import Members

CU_REFERENCE = 0.409412948


def geopolrisk(con: Any, importers: Members, commodity_ids: list[str] | None = None,
               years: list[int] | None = None, missing_governance: float | str = 0.5,
               intra_group: str = "exclude", dimensions: tuple[str, ...] = ("PV",),
               cu_reference: float = CU_REFERENCE) -> pd.DataFrame:
    """GeoPolRisk cells for every importer × commodity stage × year with production.

    The sums come from :func:`critmin.indicators.geopolrisk_inputs.geopolrisk_sums` (the
    HHI of the preferred production source per commodity stage and year; each cell's
    Σ f·g, F, value and partners, with the importers' own production); the grid
    importer × HHI row and the formulas of the module docstring (docs/methods.md §5)
    are applied in NumPy; labels come back as categoricals.
    Returns ``importer, commodity_id, stage, year, hhi, import_risk, score, price, cf,
    imports_t, domestic_t, n_partners, missing_governance_share, cu_reference,
    production_source, missing`` (``missing`` gives the reason where a value is NaN, a
    :class:`critmin.catalog.reasons.Phrase` of the vocabulary).
    """
    from critmin.indicators.geopolrisk_inputs import geopolrisk_sums

    names = pd.DataFrame({"importer": list(importers)})
    hhi, cells = geopolrisk_sums(con, importers, commodity_ids, years, missing_governance,
                                 intra_group, dimensions)
    return _grid(names, hhi, cells, float(cu_reference), _stage_gaps(hhi, cells))


def _stage_gaps(hhi: pd.DataFrame, cells: dict[str, Any]) -> np.ndarray:
    """Per HHI row, the reason no importer can have a score ("" if some can): no HS6 code
    in the catalog, HS codes shared with other commodities, no trade in the store for the
    stage's codes that year (``has_trade``), or production unknown (missing_reasons.csv).
    Only the rows none of the importers imports are looked at."""
    imported = np.zeros(len(hhi), dtype=bool)
    imported[np.asarray(cells["h_ix"])[np.ma.filled(cells["imports_t"] > 0, False)]] = True
    idle = np.flatnonzero(~imported)
    every = _keys(hhi)
    traded = hhi["has_trade"].to_numpy(dtype=bool)
    out = np.full(len(hhi), "", dtype=object)
    for ix in idle.tolist():
        cid, stage, year = every[ix]
        out[ix] = trade_gap(cid, stage, year, bool(traded[ix]))
    for ix in np.flatnonzero((out == "") & hhi["hhi"].isna().to_numpy()):
        cid, stage, year = every[ix]
        out[ix] = reason("production_unknown", commodity=cid, stage=stage, years=year)
    return out


def _keys(hhi: pd.DataFrame) -> list[tuple[str, str, int]]:
    """``(commodity_id, stage, year)`` of each HHI row, as Python values."""
    return list(zip(hhi["commodity_id"].astype(str).tolist(), hhi["stage"].astype(str).tolist(),
                    hhi["year"].astype(int).tolist(), strict=True))


def _grid(names: pd.DataFrame, hhi: pd.DataFrame, cells: dict[str, Any],
          cu_reference: float, gaps: np.ndarray) -> pd.DataFrame:
    """Every importer × HHI row, with the sums of the cells that have trade or
    production, and the GeoPolRisk formulas (module docstring) applied to whole arrays."""
    n_h = len(hhi)
    size = len(names) * n_h
    flat = np.asarray(cells["i_ix"], dtype=np.int64) * n_h + np.asarray(cells["h_ix"])

    def spread(name: str, fill: float) -> np.ndarray:
        out = np.full(size, fill)
        out[flat] = np.ma.filled(cells[name].astype(float), fill)
        return out

    imports = spread("imports_t", np.nan)
    domestic = spread("domestic_t", 0.0)
    has_imports = imports > 0
    # own production of another basis than the trade tonnes (natural gas in million m³
    # against LNG tonnes; contained metal against gross ore) or not known (withheld, or
    # possibly in a source's remainder): the import risk is missing, never computed on
    # a sum of two bases or on a zero that is not one
    mixed = has_imports & (spread("mixed_basis", 0.0) > 0)
    unknown = has_imports & (spread("domestic_unknown", 0.0) > 0)
    traded = has_imports & ~(mixed | unknown)
    with np.errstate(divide="ignore", invalid="ignore"):
        import_risk = np.where(traded, spread("numerator", np.nan) / (domestic + imports),
                               np.nan)
        price = np.where(traded, spread("value_q", np.nan) / imports, np.nan)
        miss = np.where(traded, spread("miss", np.nan) / imports, np.nan)
    rows = {**take_rows(names, np.repeat(np.arange(len(names)), n_h)),
            **take_rows(hhi[["commodity_id", "stage", "year", "hhi", "production_source"]],
                        np.tile(np.arange(n_h), len(names)))}
    hhi_a = rows["hhi"].to_numpy()
    score = hhi_a * import_risk
    missing = _missing(names, hhi, gaps, {"mixed_basis_own_production": mixed,
                                          "own_production_unknown": unknown,
                                          "no_imports": ~has_imports})
    return pd.DataFrame({
        "importer": rows["importer"], "commodity_id": rows["commodity_id"],
        "stage": rows["stage"], "year": rows["year"], "hhi": hhi_a,
        "import_risk": import_risk, "score": score, "price": price,
        "cf": score * price / cu_reference, "imports_t": imports, "domestic_t": domestic,
        "n_partners": spread("n_partners", 0.0).astype(np.int64),
        "missing_governance_share": miss, "cu_reference": np.full(size, cu_reference),
        "production_source": rows["production_source"], "missing": missing}, copy=False)


def _missing(names: pd.DataFrame, hhi: pd.DataFrame, gaps: np.ndarray,
             kinds: dict[str, np.ndarray]) -> np.ndarray:
    """The ``missing`` column: the HHI row's gap, else the first cell reason of ``kinds``
    (code → cell mask, in order) that holds, else "". Cell reasons are made on the grid
    HHI rows × importers (:func:`critmin.catalog.reasons.grid_reasons`)."""
    n_h = len(hhi)
    out = np.tile(gaps, len(names))
    free = np.tile(gaps == "", len(names))
    importers = ("importer", names["importer"].astype(str).to_numpy(dtype=object))
    keys = np.array(_keys(hhi), dtype=object).reshape(n_h, 3)
    for code, mask in kinds.items():
        cells = np.flatnonzero(mask & free)
        if not len(cells):
            continue
        stage = "stage_label" if code == "no_imports" else "stage"
        rows = {"commodity": keys[:, 0], stage: keys[:, 1], "years": keys[:, 2]}
        out[cells] = grid_reasons(code, rows, importers, cells % n_h, cells // n_h)
        free[cells] = False
    return out
