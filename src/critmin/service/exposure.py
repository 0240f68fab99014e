"""Request of ``critmin exposure``: a company's bill of materials → material exposure,
supplier concentration, governance risk, the three matrices and actions (methods.md §14)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from critmin.errors import CritminError
from critmin.service.base import Request, TableResponse, records

LEAD_COLUMNS = ["commodity", "mass_t", "value", "supplier_hhi", "top_country", "top_share",
                "governance_risk", "quadrant", "actions"]
"""The first columns of the rows (the rest follow in the analysis's order)."""


class Action(BaseModel):
    """A recommended company move and why."""

    action: str
    strength: str
    reason: str
    reason_ja: str


class ExposureRow(BaseModel):
    """One commodity of the BOM (:func:`critmin.analysis.exposure.exposure_table`); the
    national upstream axes follow as ``upstream_<axis>``."""

    model_config = ConfigDict(extra="allow")

    commodity: str
    mass_t: float
    """Σ mass_per_unit · units_per_year · share, t/yr."""
    value: float | None
    supplier_hhi: float
    """HHI_m = Σ_i σ_i,m² of the supplier-country mass shares (methods.md §2, §14)."""
    top_country: str
    top_share: float
    governance_risk: float
    """GR_m = Σ_i σ_i,m · g_i (missing g: 0.5; methods.md §4, §14)."""
    quadrant: str
    actions: list[Action]
    top_risk: float | None = None
    n_countries: int | None = None
    missing_governance_share: float | None = None
    production_hhi: float | None = None
    company_geopolrisk: float | None = None
    importance: float | None = None
    importance_basis: str | None = None
    inventory_days: float | None = None
    recycled_content: float | None = None
    substitutability: float | None = None
    upstream_volatility: float | None = None
    exposure: float | None = None
    resilience: float | None = None
    exposure_resilience: str | None = None
    non_substitutability: float | None = None
    cube_cell: str | None = None
    type: str | None = None
    type_reason: str | None = None


class ExposureRequest(Request):
    """``critmin exposure``: a BOM file (.csv/.xlsx) or ``example:NAME``."""

    bom: str = Field(description="BOM file (.csv/.xlsx) or example:NAME.")
    importer: str = Field("JPN", description="The company's country (national context).")
    year: int | None = Field(None, description="Assessment year (default: latest).")
    save: str | None = Field(None, description="Save the validated BOM in the store under "
                             "this name (replacing a BOM of that name); default: not saved.")
    price_shock: list[str] | None = Field(
        None, description="Relative price shocks: '0.5' (every material) or 'cobalt=1.0'.")
    sheet: str | None = Field(None, description="Excel sheet of the BOM.")


class ExposureResponse(TableResponse):
    """One row per commodity, the price sensitivity per product and what was stored."""

    Row = ExposureRow
    bom_id: str
    """The name it was saved under (``save``), else the file's name."""
    bom_file: str
    importer: str
    year: int
    stored_rows: int | None
    """Rows saved in the store (None: not stored)."""
    price_sensitivity: list[dict[str, Any]] | None
    """Per product: material_cost, cost_change, cost_change_per_unit, cost_change_share."""

    @property
    def sensitivity_frame(self) -> pd.DataFrame | None:
        """The price sensitivity as a DataFrame (None without shocks)."""
        return None if self.price_sensitivity is None else pd.DataFrame(
            self.price_sensitivity)


def bom_path(spec: str) -> tuple[Path, str]:
    """The file of ``spec`` (a path or ``example:NAME``) and its default BOM id."""
    from critmin.analysis.exposure import examples

    if spec.startswith("example:"):
        ex = examples()
        name = spec.removeprefix("example:")
        if name not in ex:
            raise CritminError(f"no example BOM {name!r}; examples: "
                               f"{', '.join('example:' + e for e in sorted(ex))}")
        return Path(str(ex[name])), name
    path = Path(spec)
    return path, path.stem


def price_shocks(specs: list[str] | None, commodities: list[str]) -> dict[str, float]:
    """``{commodity_id: shock}`` of ``'0.5'`` (every material) / ``'cobalt=0.5'``."""
    from critmin.catalog.commodities import resolve_commodity

    out: dict[str, float] = {}
    for spec in specs or []:
        name, sep, value = spec.rpartition("=")
        try:
            shock = float(value)
        except ValueError:
            raise CritminError(f"--price-shock {spec!r}: write 0.5 (every material) or "
                               "cobalt=0.5") from None
        if sep:
            out[resolve_commodity(name)] = shock
        else:
            out.update({c: shock for c in commodities})
    return out


def exposure(request: ExposureRequest, con: Any) -> ExposureResponse:
    """Validate the BOM, save it if asked (``request.save``: ``con`` must be writable; one
    transaction), read the national context of the importer and compute the exposure
    table and price sensitivity."""
    from critmin.analysis.assessment import assessment_years
    from critmin.analysis.exposure import (
        exposure_table,
        price_sensitivity,
        price_shock_by_commodity,
        read_bom_file,
        store_bom,
        upstream_context,
        validate_bom,
    )
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country
    from critmin.service.common import check_years, members_by_name, resolve_importers

    path, default_name = bom_path(request.bom)
    bom_id = request.save or default_name
    if request.save is not None and not request.save.strip():
        raise CritminError("--save: give the name to save the BOM under (e.g. motor2025)")
    (importer,) = resolve_importers(con, [request.importer])
    if request.year is not None:
        check_years([request.year], assessment_years(con), "trade and production")
    frame = validate_bom(read_bom_file(path, request.sheet), str(path), resolve_commodity,
                         resolve_country)
    stored = store_bom(con, frame, bom_id, str(path)) if request.save else None
    commodities = sorted(frame["commodity_id"].unique())
    up = upstream_context(con, members_by_name([importer]), commodities, request.year)
    table = exposure_table(frame, up).rename(columns={"commodity_id": "commodity"})
    shocks = price_shocks(request.price_shock, commodities)
    sens = records(price_sensitivity(frame, shocks)) if shocks else None
    if shocks:  # per commodity too, so CSV (one table) carries the price shock result
        table = table.merge(price_shock_by_commodity(frame, shocks).rename(
            columns={"commodity_id": "commodity"}), on="commodity", how="left")
    columns = LEAD_COLUMNS + [c for c in table.columns if c not in LEAD_COLUMNS]
    return ExposureResponse.of_frame(
        table[columns], command="exposure", request=request.model_dump(), columns=columns,
        bom_id=bom_id, bom_file=str(path), importer=importer.name, year=up.year,
        stored_rows=stored, price_sensitivity=sens)


class SavedBomsRequest(Request):
    """``critmin exposure --list``: the BOMs saved in the store."""


class SavedBomRow(BaseModel):
    """One saved BOM."""

    name: str
    rows: int
    products: int
    commodities: int
    saved_at: str | None
    """When it was saved (UTC, ISO 8601)."""
    source_file: str | None
    """The file it was read from."""


class SavedBomsResponse(TableResponse):
    """One row per saved BOM (none: an empty table)."""

    Row = SavedBomRow


def saved_boms(request: SavedBomsRequest, con: Any) -> SavedBomsResponse:
    """The BOMs saved with ``exposure --save``."""
    from critmin.store.bom import list_boms

    frame = list_boms(con)
    return SavedBomsResponse.of_frame(frame, command="exposure --list",
                                      request=request.model_dump(),
                                      columns=list(frame.columns))


COMMANDS = {"exposure": (ExposureRequest, ExposureResponse, exposure),
            "exposure --list": (SavedBomsRequest, SavedBomsResponse, saved_boms)}
