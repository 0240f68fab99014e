"""Request of ``critmin exposure``: a company's bill of materials → material exposure,
supplier concentration, governance risk, the three matrices and actions (methods.md §14)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from critmin.errors import FormatError, NumberError, RequestError, UnknownSpecError
from critmin.service.base import PhraseText, Request, TableResponse, records
from critmin.service.common import resolve_importers
from critmin.service.shocks import ScenarioAssumptions

LEAD_COLUMNS = ["commodity", "mass_t", "value", "supplier_hhi", "top_country", "top_share",
                "top_risk", "quadrant", "origin_top_country", "origin_top_share",
                "origin_top_risk", "origin_quadrant", "governance_risk", "actions"]
"""The first columns of the rows (the rest follow in the analysis's order): the
risk × share quadrant beside the two values that place it (``top_share``,
``top_risk``), and the same for the look-through origin."""


class Action(BaseModel):
    """A recommended company move and why: ``reason``/``reason_ja`` as text (kept as
    before; ids inside), and the same reason as ids and figures for a view to word in
    its language — diversification: ``basis`` (``supplier_country`` or ``origin``),
    ``country, share, risk`` and the thresholds; a national measure: ``type, measure,
    level``."""

    action: str
    strength: str
    reason: str
    reason_ja: str
    basis: str | None = None
    country: str | None = None
    share: float | None = None
    risk: float | None = None
    share_threshold: float | None = None
    risk_threshold: float | None = None
    type: str | None = None
    measure: str | None = None
    level: str | None = None


class OriginShare(BaseModel):
    """One origin country of a commodity and its share of the commodity's mass."""

    country: str
    share: float


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
    """GR_m = Σ_i σ_i,m · g_i (missing g: 0.5; methods.md §4, §14): weighted over every
    supplier country; not an axis of the risk × share matrix."""
    quadrant: str
    """Risk × share quadrant, placed by ``top_share`` (x) and ``top_risk`` (y)."""
    actions: list[Action]
    top_risk: float | None = None
    """Governance risk of the top supplier country (missing WGI: 0.5): the y of the
    risk × share matrix."""
    origin_top_country: str | None = None
    """Look-through: the top origin country of the commodity (methods.md §14)."""
    origin_top_share: float | None = None
    """Its share ω_j* of the commodity's mass (Σ_s σ_s · o_s,j)."""
    origin_top_risk: float | None = None
    """Its governance risk (missing WGI: 0.5)."""
    origin_risk: float | None = None
    """Σ_j ω_j · g_j / coverage: governance risk of the looked-through origins."""
    origin_missing_governance_share: float | None = None
    """Share of the looked-through mass whose origin country has no WGI (risk 0.5)."""
    origin_quadrant: str | None = None
    """Risk × share quadrant of the look-through (x ``origin_top_share``, y
    ``origin_top_risk``; "unknown" without a look-through)."""
    origin_mix: list[OriginShare] | None = None
    """Every origin country with its share of the commodity's mass, largest first."""
    lookthrough_coverage: float | None = None
    """Share of the commodity's mass whose supplier countries have an origin mix."""
    lookthrough_missing: PhraseText | None = None
    """Why a supplier country's mix is partial (imports only) or missing."""
    lookthrough_year: int | None = None
    """Trade year of the look-through."""
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


class OriginDetail(BaseModel):
    """One origin of a supplier country's material."""

    country: str
    share: float
    """o_s,j: its share of the supplier country's supply of the material stage."""
    quantity_t: float
    """Imports from it (or own production, on the trade basis), t."""
    kind: str
    """``import`` or ``own_production``."""


class LookThroughEntry(BaseModel):
    """A supplier country × commodity looked through (methods.md §14)."""

    supplier_country: str
    commodity: str
    material_stage: str
    year: int
    imports_t: float | None
    own_production_t: float | None
    """Own production of the stage on its trade basis (None: unknown, see ``missing``)."""
    own_share: float | None
    origin_top_country: str | None
    origin_top_share: float | None
    mix_covers: str
    """``imports_and_own_production``, ``imports_only`` or ``none``."""
    missing: PhraseText
    """Why the mix is partial or missing ("" when complete)."""
    origins: list[OriginDetail]


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
    lookthrough: list[LookThroughEntry] | None = None
    """Per supplier country × commodity: its origin mix."""

    @property
    def sensitivity_frame(self) -> pd.DataFrame | None:
        """The price sensitivity as a DataFrame (None without shocks)."""
        return None if self.price_sensitivity is None else pd.DataFrame(
            self.price_sensitivity)


def bom_path(spec: str) -> tuple[Path, str]:
    """The file of ``spec`` (a path or ``example:NAME``) and its default BOM id."""
    from critmin.analysis.bom import examples

    if spec.startswith("example:"):
        ex = examples()
        name = spec.removeprefix("example:")
        if name not in ex:
            shipped = [f"example:{e}" for e in sorted(ex)]
            raise UnknownSpecError("example BOM", name, shipped, "an example BOM", file=False,
                                   message=f"no example BOM {name!r}; examples: "
                                           f"{', '.join(shipped)}")
        return Path(str(ex[name])), name
    path = Path(spec)
    return path, path.stem


def price_shocks(specs: list[str] | None, commodities: list[str]) -> dict[str, float]:
    """``{commodity_id: shock}`` of ``'0.5'`` (every material) / ``'cobalt=0.5'``: a
    relative price change, finite and at least −1 (the price falls to zero)."""
    import math

    from critmin.catalog.commodities import resolve_commodity

    out: dict[str, float] = {}
    for spec in specs or []:
        name, sep, value = spec.rpartition("=")
        try:
            shock = float(value)
        except ValueError:
            raise FormatError("--price-shock", spec, "SHARE / MATERIAL=SHARE",
                              "cobalt=0.5") from None
        if not math.isfinite(shock):
            raise NumberError("--price-shock", shock, rule="finite")
        if shock < -1:
            raise NumberError("--price-shock", shock, rule="at_least", low=-1)
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
        upstream_context,
    )
    from critmin.analysis.lookthrough import read_lookthrough
    from critmin.service.common import check_years, members_by_name, resolve_importers

    path, bom_id = _bom_file(request.bom, request.save)
    (importer,) = resolve_importers(con, [request.importer])
    if request.year is not None:
        check_years([request.year], assessment_years(con), "trade and production")
    frame = _validated(path, request.sheet)
    stored = _save(con, frame, request.save, path)
    commodities = sorted(frame["commodity_id"].unique())
    up = upstream_context(con, members_by_name([importer]), commodities, request.year)
    look = read_lookthrough(con, supplier_pairs(frame), up.year)
    table = exposure_table(frame, up, look=look).rename(columns={"commodity_id": "commodity"})
    shocks = price_shocks(request.price_shock, commodities)
    sens = records(price_sensitivity(frame, shocks)) if shocks else None
    if shocks:  # per commodity too, so CSV (one table) carries the price shock result
        table = table.merge(price_shock_by_commodity(frame, shocks).rename(
            columns={"commodity_id": "commodity"}), on="commodity", how="left")
    columns = LEAD_COLUMNS + [c for c in table.columns if c not in LEAD_COLUMNS]
    return ExposureResponse.of_frame(
        table[columns], command="exposure", request=request.model_dump(), columns=columns,
        bom_id=bom_id, bom_file=str(path), importer=importer.name, year=up.year,
        stored_rows=stored, price_sensitivity=sens, lookthrough=lookthrough_records(look))


def supplier_pairs(bom: pd.DataFrame) -> pd.DataFrame:
    """``supplier_country, commodity_id`` of every supplier country of the BOM."""
    return bom[["iso3", "commodity_id"]].drop_duplicates().rename(
        columns={"iso3": "supplier_country"}).reset_index(drop=True)


def lookthrough_records(look: Any) -> list[LookThroughEntry]:
    """Each supplier country × commodity of a look-through with its origin mix."""
    mixes = {k: [{"country": o, "share": float(v), "quantity_t": float(q), "kind": kd}
                 for o, v, q, kd in zip(g["origin"], g["origin_share"], g["origin_t"],
                                        g["origin_kind"], strict=True)]
             for k, g in look.mix.groupby(["supplier_country", "commodity_id"])}
    rows = records(look.suppliers.rename(columns={"commodity_id": "commodity"}))
    return [LookThroughEntry.model_validate(
        {**r, "origins": mixes.get((r["supplier_country"], r["commodity"]), [])})
        for r in rows]


class ExposureShockRequest(Request):
    """``critmin exposure --scenario ID`` or ``--exporter X --commodity C --cut ρ``: the
    BOM's mass at risk and shortfall under a shock, by the shock model of ``shock`` and
    ``scenario run`` (methods.md §11, §14)."""

    bom: str = Field(description="BOM file (.csv/.xlsx) or example:NAME.")
    importer: str = Field("JPN", description="The company's country (its importer in the "
                          "shock model).")
    scenario: str | None = Field(None, description="Library scenario id (as 'scenario "
                                 "list' shows) or a scenario YAML file.")
    exporter: str | None = Field(None, description="Restricting exporter (a one-shock "
                                 "scenario, as 'shock').")
    commodity: str | None = Field(None, description="Commodity the exporter restricts.")
    cut: float | None = Field(None, description="Share of exports withheld, 0–1.")
    stages: list[str] | None = Field(None, description="mining and/or refining (None: "
                                     "both).")
    targets: list[str] | None = Field(None, description="Only these importers are "
                                      "restricted (None: all).")
    redirect_share: float | None = Field(None, description="ω, 0–1 (None: the scenario's, "
                                         "else 0.2).")
    spare_capacity: float | None = Field(None, description="κ, 0–1 (None: the scenario's, "
                                         "else 0).")
    year: int | None = Field(None, description="Trade year (None: the scenario's, else "
                             "the latest).")
    save: str | None = Field(None, description="Save the validated BOM under this name.")
    sheet: str | None = Field(None, description="Excel sheet of the BOM.")


class ExposureShockRow(BaseModel):
    """One BOM row under the shock (:func:`critmin.analysis.exposure.shock_exposure`)."""

    bom_row: int
    """The BOM file's row (header = 1)."""
    product: str
    part: str
    commodity: str
    supplier: str
    supplier_country: str
    material_stage: str
    """The stage the material is bought at: refining where the store has its trade in
    the year, else mining."""
    mass_t: float
    path: str
    """``direct`` (bought from a restricting exporter: its cut applies),
    ``supplier_country`` (the supplier country's loss share applies) or ``not_shocked``."""
    at_risk_share: float | None
    mass_at_risk_t: float | None
    """mass_t · at_risk_share (before re-sourcing)."""
    residual_shortfall_share: float | None
    residual_shortfall_t: float | None
    """mass_t · residual_shortfall_share: the shortfall after re-sourcing with ω and κ."""
    origin_top_country: str | None
    """Look-through: the supplier country's top origin of the material."""
    origin_top_share: float | None
    redirect_share: float
    """ω: share of other exporters' shipments that can be redirected."""
    spare_capacity: float
    """κ: share of production available as spare capacity."""
    trade_year: int
    missing: PhraseText
    """Why the row has no figures (or no shortfall), from the reason vocabulary."""
    second_order_missing: PhraseText = ""
    """Why the supplier country's second-order loss (through refiners whose ore was cut)
    is unknown and left out of the shares: the ore stage has no trade in the store."""


class ShockCommodityRow(BaseModel):
    """One commodity of the BOM under the shock (sums over its rows)."""

    commodity: str
    material_stage: str
    mass_t: float
    mass_at_risk_t: float | None
    residual_shortfall_t: float | None
    unassessed_t: float
    """Mass of the rows without figures (reasons in ``missing``)."""
    redirect_share: float
    spare_capacity: float
    trade_year: int
    missing: PhraseText


class ExposureShockResponse(TableResponse):
    """One row per BOM row; per commodity totals; the look-through; the assumptions."""

    Row: ClassVar[type[BaseModel]] = ExposureShockRow
    bom_id: str
    bom_file: str
    importer: str
    scenario_id: str
    scenario_name: str
    scenario_name_ja: str | None = None
    year: int
    """Trade year of the shock and of the look-through."""
    redirect_share: float
    spare_capacity: float
    stored_rows: int | None = None
    by_commodity: list[ShockCommodityRow]
    lookthrough: list[LookThroughEntry]
    """Per supplier country × commodity: its origin mix."""
    assumptions: ScenarioAssumptions | None = None
    """The scenario's cuts, cutters, ω and κ and its caveats (as ``scenario run``)."""


def exposure_shock(request: ExposureShockRequest, con: Any) -> ExposureShockResponse:
    """The BOM's mass at risk and shortfall after re-sourcing under a library scenario,
    a scenario file or a one-exporter shock: the scenario and its trade data are built
    as ``scenario run`` / ``shock`` build them, :func:`~critmin.analysis.shocks.run_scenario`
    gives the supplier countries' and the company country's losses, and
    :func:`~critmin.analysis.exposure.shock_exposure` applies them to each BOM row."""
    from critmin.analysis.exposure import (
        SHOCK_COLUMNS,
        purchase_cuts,
        shock_by_commodity,
        shock_exposure,
    )
    from critmin.analysis.lookthrough import read_lookthrough
    from critmin.analysis.shocks import run_scenario
    from critmin.service.shocks import scenario_assumptions, scenario_inputs

    path, bom_id = _bom_file(request.bom, request.save)
    frame = _validated(path, request.sheet)
    scenario = _shock_of(request, con)
    (company,) = resolve_importers(con, [request.importer])
    stored = _save(con, frame, request.save, path)  # once every input is known good
    names = list(dict.fromkeys([company.name, *sorted(frame["iso3"].unique())]))
    data, members = scenario_inputs(con, scenario, names, request.year)
    assert members is not None
    impacts = run_scenario(data, scenario, members)
    look = read_lookthrough(con, supplier_pairs(frame), data.year)
    cuts = _row_cuts(data, scenario, frame, look.stages, members[company.name],
                     purchase_cuts)
    rows = shock_exposure(frame, look.stages, impacts, company.name, cuts)
    top = look.suppliers.set_index(["supplier_country", "commodity_id"])
    at = list(zip(rows["supplier_country"], rows["commodity_id"], strict=True))
    rows["origin_top_country"] = top["origin_top_country"].reindex(at).to_numpy()
    rows["origin_top_share"] = top["origin_top_share"].reindex(at).to_numpy()
    rows = rows.assign(redirect_share=scenario.redirect_share,
                       spare_capacity=scenario.spare_capacity, trade_year=data.year)
    columns = ["commodity" if c == "commodity_id" else c for c in SHOCK_COLUMNS]
    by_c = shock_by_commodity(rows).rename(columns={"commodity_id": "commodity"})
    return ExposureShockResponse.of_frame(
        rows.rename(columns={"commodity_id": "commodity"})[columns],
        command="exposure shock", request=request.model_dump(), columns=columns,
        bom_id=bom_id, bom_file=str(path), importer=company.name,
        scenario_id=scenario.scenario_id, scenario_name=scenario.name,
        scenario_name_ja=getattr(scenario, "name_ja", None) or None, year=data.year,
        redirect_share=scenario.redirect_share, spare_capacity=scenario.spare_capacity,
        assumptions=scenario_assumptions(scenario, data.year), stored_rows=stored,
        by_commodity=[ShockCommodityRow.model_validate(r) for r in records(by_c)],
        lookthrough=lookthrough_records(look))


def _bom_file(bom: str, save: str | None) -> tuple[Path, str]:
    """The BOM's file and its id (the ``--save`` name, else the file's), checked before
    the file is read."""
    path, default_name = bom_path(bom)
    if save is not None and not save.strip():
        raise RequestError("save_name")
    return path, save or default_name


def _validated(path: Path, sheet: str | None) -> pd.DataFrame:
    from critmin.analysis.bom import read_bom_file, validate_bom
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country

    return validate_bom(read_bom_file(path, sheet), str(path), resolve_commodity,
                        resolve_country)


def _save(con: Any, frame: pd.DataFrame, name: str | None, path: Path) -> int | None:
    """Save the validated BOM under ``name`` (None: not saved); the rows written."""
    from critmin.analysis.bom import store_bom

    return None if name is None else store_bom(con, frame, name, str(path))


def _shock_of(request: ExposureShockRequest, con: Any) -> Any:
    """The scenario of the request: a library id / YAML file, or the one-shock scenario
    ``shock`` builds (:func:`critmin.service.shocks.shock_scenario`); ω and κ given in
    the request replace the scenario's."""
    from dataclasses import replace

    from critmin.service.shocks import ShockRequest, load_scenario, shock_scenario

    one = [request.exporter, request.commodity, request.cut]
    if (request.scenario is None) == all(v is None for v in one):
        raise RequestError("shock_either")
    if request.scenario is not None:
        if request.stages or request.targets:
            raise RequestError("stage_with_scenario")
        scenario = load_scenario(request.scenario, con)
        for name in ("redirect_share", "spare_capacity"):
            value = getattr(request, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise NumberError(f"--{name.replace('_', '-')}", value, low=0, high=1)
        return replace(scenario, **{k: getattr(request, k) for k in (
            "redirect_share", "spare_capacity") if getattr(request, k) is not None})
    if any(v is None for v in one):
        raise RequestError("shock_all_three")
    return shock_scenario(ShockRequest(
        exporter=request.exporter, commodity=request.commodity, cut=request.cut,
        stages=request.stages, targets=request.targets,
        redirect_share=request.redirect_share, spare_capacity=request.spare_capacity), con)


def _row_cuts(data: Any, scenario: Any, frame: pd.DataFrame, stages: dict[str, str],
              company: set[str], cut_of: Any) -> Any:
    """ρ of each BOM row's purchase from its supplier country into the company's country
    (a group: the largest over its members)."""
    import numpy as np

    members = sorted(company)
    buy = pd.DataFrame({"row": np.repeat(np.arange(len(frame)), len(members)),
                        "exporter": np.repeat(frame["iso3"].to_numpy(), len(members)),
                        "importer": np.tile(members, len(frame)),
                        "commodity_id": np.repeat(frame["commodity_id"].to_numpy(),
                                                  len(members))})
    buy["stage"] = buy["commodity_id"].map(stages)
    cut = pd.Series(cut_of(data, scenario, buy), index=buy["row"])
    return cut.groupby(level=0).max().reindex(range(len(frame)), fill_value=0.0).to_numpy()


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
            "exposure shock": (ExposureShockRequest, ExposureShockResponse, exposure_shock),
            "exposure --list": (SavedBomsRequest, SavedBomsResponse, saved_boms)}
