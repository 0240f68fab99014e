"""The six-indicator criticality assessment: axes, type and policy package per commodity.

Composes :mod:`critmin.methods.meti6` (the radar axes) and :mod:`critmin.analysis.typology`
(types and packages) for any importers, commodities and one year; the CLI, the what-if
and the report all call :func:`assess_inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.typology import (
    TypologyThresholds,
    assign_types,
    byproduct_fractions,
    demand_surge_flags,
    policy_packages,
    policy_scope,
)
from critmin.errors import UnknownNameError
from critmin.indicators.trade import Members
from critmin.methods.meti6 import Meti6Inputs, Meti6Options, axis_ids, meti6_inputs, meti6_values
from critmin.store.read import trade_and_production_years


@dataclass(frozen=True)
class Assessment:
    """Result of one assessment: ``values`` (tidy axes), ``types`` (per importer ×
    commodity) and ``packages`` (type × measure), plus the inputs behind them."""

    values: pd.DataFrame
    types: pd.DataFrame
    packages: pd.DataFrame
    inputs: Meti6Inputs

    def wide(self, column: str = "value") -> pd.DataFrame:
        """One row per importer × commodity, one column per axis (``value`` or ``raw``)."""
        w = self.values.pivot(index=["importer", "commodity_id"], columns="axis",
                              values=column)
        return w.reindex(columns=list(axis_ids())).reset_index().rename_axis(columns=None)


def assessment_years(con: Any) -> list[int]:
    """Years an assessment can use: years with both trade and production in the store."""
    return trade_and_production_years(con)


def check_year(con: Any, year: int | None) -> int:
    """``year``, or the latest assessable one; an unknown year names the valid range."""
    years = assessment_years(con)
    if not years:
        raise UnknownNameError("year", str(year), [], valid="none (empty store)",
                               basis="none")
    if year is None:
        return years[-1]
    if year not in years:
        raise UnknownNameError("year", str(year), [str(y) for y in years],
                               valid=f"{years[0]}–{years[-1]} (years with trade and production)",
                               span=(years[0], years[-1]), basis="years with trade and production")
    return year


def assess_inputs(inp: Meti6Inputs, opts: Meti6Options | None = None,
                  thresholds: TypologyThresholds | None = None) -> Assessment:
    """Axes, types and packages from prepared inputs (baseline or a what-if)."""
    values = meti6_values(inp, opts)
    raw = values.pivot(index=["importer", "commodity_id"], columns="axis", values="raw")
    raw = raw.reindex(columns=list(axis_ids())).reset_index().rename_axis(columns=None)
    order = {c: i for i, c in enumerate(inp.commodities)}
    raw = raw.sort_values(["importer", "commodity_id"], key=lambda s: s.map(order)
                          if s.name == "commodity_id" else s).reset_index(drop=True)
    types = assign_types(raw, byproduct_fractions(), demand_surge_flags(), thresholds)
    return Assessment(values=values, types=types, packages=policy_packages(types["type"]),
                      inputs=inp)


def assess(con: Any, members: Members, year: int, commodity_ids: list[str],
           opts: Meti6Options | None = None,
           thresholds: TypologyThresholds | None = None) -> Assessment:
    """The assessment of ``commodity_ids`` for the importers in ``members`` in ``year``,
    kept per store content (:func:`critmin.store.cache.cached`): the web app's overview,
    commodity, report and exposure pages ask the same one. The key holds everything it
    depends on besides the store (members with their years, options, thresholds, the
    production preference); the result is shared, never changed in place."""
    from critmin.indicators.inputs import production_preference
    from critmin.store.cache import cached

    key = ("assessment", tuple((name, tuple(m)) for name, m in members.items()), year,
           tuple(commodity_ids), opts or Meti6Options(), thresholds or TypologyThresholds(),
           production_preference())
    return cached(con, key, lambda: assess_inputs(
        meti6_inputs(con, members, year, commodity_ids, opts), opts, thresholds))


def assessment_records(a: Assessment, all_packages: bool = False) -> list[dict[str, Any]]:
    """JSON objects, one per importer × commodity: ``importer, commodity, year,
    indicators`` (axis → value or null, full precision), ``raw``, ``missing`` (axis →
    reason), ``type``, ``type_reason`` (and ``type_reason_ja``), ``near_threshold``,
    ``policy_scope`` (why the commodity is outside the scope of policy advice, "" if in scope) and
    ``policy_package`` (measure → level; empty outside the scope unless
    ``all_packages``)."""
    packages = {t: dict(zip(g["measure_id"], g["level"], strict=True))
                for t, g in a.packages.groupby("type")}
    t = a.types
    scope = policy_scope(t["commodity_id"]).tolist()
    axes = list(axis_ids())
    value, raw, missing = _cells_by_axis(a, axes, ("value", "raw", "missing"))
    out = []
    for i, (importer, commodity, kind, reason, reason_ja, near) in enumerate(zip(
            t["importer"].tolist(), t["commodity_id"].tolist(), t["type"].tolist(),
            t["type_reason"].tolist(), t["type_reason_ja"].tolist(),
            t["near_threshold"].tolist(), strict=True)):
        out.append({
            "importer": importer, "commodity": commodity, "year": a.inputs.year,
            "indicators": dict(zip(axes, value[i], strict=True)),
            "raw": dict(zip(axes, raw[i], strict=True)),
            "missing": {ax: r for ax, r in zip(axes, missing[i], strict=True) if r},
            "type": kind, "type_reason": reason, "type_reason_ja": reason_ja,
            "near_threshold": bool(near), "policy_scope": scope[i],
            "policy_package": packages.get(kind, {}) if all_packages or not scope[i]
            else {},
        })
    return out


def _cells_by_axis(a: Assessment, axes: list[str], columns: tuple[str, ...]
                   ) -> list[list[list[Any]]]:
    """Each of ``columns`` of ``a.values`` as one list per row of ``a.types``, one item
    per axis in ``axes`` order: numbers at full precision with NaN as None, reasons as
    text (a cell without the axis: None, or "" for ``missing``)."""
    key = ["importer", "commodity_id"]
    v = a.values
    row = pd.MultiIndex.from_frame(a.types[key]).get_indexer(pd.MultiIndex.from_frame(v[key]))
    col = pd.Categorical(v["axis"], categories=axes).codes
    found = (row >= 0) & (col >= 0)
    row, col = row[found], col[found]
    out = []
    for column in columns:
        if column == "missing":
            grid = np.full((len(a.types), len(axes)), "", dtype=object)
            grid[row, col] = v[column].to_numpy(dtype=object)[found]
        else:
            numbers = v[column].to_numpy(dtype=float)[found]
            grid = np.full((len(a.types), len(axes)), None, dtype=object)
            grid[row, col] = np.where(np.isnan(numbers), None, numbers.astype(object))
        out.append(grid.tolist())
    return out
