"""Requests of ``critmin indicators`` and ``critmin geopolrisk``: the indicator engine,
GeoPolRisk (critmin's and the reference's, ``--compat geopolrisk-py``) and the rows
behind one cell (``--explain``).

Importers, commodities, years and language are parsed once (:mod:`critmin.service.common`);
the formulas are those of :mod:`critmin.indicators.engine` (docs/methods.md §2–§4) and
:mod:`critmin.methods.geopolrisk` (docs/methods.md §5).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, field_validator

from critmin.errors import FormatError, NumberError, RequestError, UnknownNameError
from critmin.service.base import PhraseText, Request, Response, TableResponse
from critmin.service.common import (
    check_stage,
    check_years,
    members_by_name,
    parse_years,
    resolve_commodities,
    resolve_importers,
)

BASES = ("quantity", "value")
#: the indicators of an importer (the others are global: importer "world")
IMPORTER_INDICATORS = ("imports", "import_hhi", "import_governance", "hhi_wgi",
                       "import_reliance", "scrap_share")
WGI_CHOICES = ("auto", "pv", "six")
INTRA_GROUP = ("exclude", "keep")
COMPAT = ("geopolrisk-py",)


def _choice(kind: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``, else an error naming them."""
    if value not in choices:
        raise UnknownNameError(kind, value, list(choices))
    return value


def missing_wgi_rule(value: float | str) -> float | str:
    """The risk of a partner without WGI: a number (0–1) or ``'exclude'``."""
    if value == "exclude":
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or number != number:   # not a number (NaN: not one either)
        raise FormatError("--missing-wgi", str(value), "0–1 / exclude", "0.5")
    if not 0.0 <= number <= 1.0:
        raise NumberError("--missing-wgi", number, low=0, high=1)
    return number


def _years(value: Any) -> list[int] | None:
    return value if isinstance(value, list) else parse_years(value)


Years = Annotated[list[int] | None, BeforeValidator(_years)]
"""Years from ``2022``, ``'2018-2023'``, ``'2018,2020'``, ``'all'`` or a list (None: all)."""
Stage = Annotated[str | None, AfterValidator(check_stage)]
MissingWgi = Annotated[float | str, BeforeValidator(missing_wgi_rule)]
Basis = Annotated[str, AfterValidator(lambda v: _choice("basis", v, BASES))]
Wgi = Annotated[str, AfterValidator(lambda v: _choice("WGI dimensions", v, WGI_CHOICES))]
IntraGroup = Annotated[str, AfterValidator(
    lambda v: _choice("intra-group rule", v, INTRA_GROUP))]


class _Cells(Request):
    """Importers × commodities × years (× stage) a command covers; None: all."""

    importers: list[str] | None = None
    commodities: list[str] | None = None
    stage: Stage = None
    years: Years = None
    missing_wgi: MissingWgi = 0.5


class IndicatorsRequest(_Cells):
    """``critmin indicators``: every indicator for importers × commodities × years."""

    indicators: list[str] | None = None
    basis: Basis = "quantity"
    wgi: Wgi = "auto"
    intra_group: IntraGroup = "exclude"

    @field_validator("indicators")
    @classmethod
    def _indicators(cls, value: list[str] | None) -> list[str] | None:
        from critmin.indicators.engine import INDICATORS

        for name in value or []:
            _choice("indicator", name, INDICATORS)
        return value


class ExplainRequest(Request):
    """``--explain``: the rows behind one importer × commodity × year (× stage)."""

    importer: str
    commodity: str
    year: int
    stage: Stage = None
    basis: Basis = "quantity"
    wgi: Wgi = "auto"
    missing_wgi: MissingWgi = 0.5
    intra_group: IntraGroup = "exclude"


def explain_request(importers: list[str] | None, commodities: list[str] | None,
                    years: str | int | None, **options: Any) -> ExplainRequest:
    """The :class:`ExplainRequest` for a command's options, which must name exactly one
    importer, commodity and year."""
    chosen = parse_years(years) or []
    if len(importers or []) != 1 or len(commodities or []) != 1 or len(chosen) != 1:
        raise RequestError("explain_one_each")
    return ExplainRequest(importer=importers[0], commodity=commodities[0], year=chosen[0],
                          **options)


class GeoPolRiskRequest(_Cells):
    """``critmin geopolrisk``: GeoPolRisk per importer × commodity stage × year."""


class GeoPolRiskCompatRequest(Request):
    """``critmin geopolrisk --compat geopolrisk-py``: the reference's materials, data and
    conventions. Importers and commodities by the reference's names or critmin's."""

    compat: str = "geopolrisk-py"
    importers: list[str] | None = None
    commodities: list[str] | None = None
    years: Years = None

    @field_validator("compat")
    @classmethod
    def _compat(cls, value: str) -> str:
        return _choice("compat mode", value, COMPAT)


class IndicatorRow(BaseModel):
    """One indicator value (``importer`` "world" for the global indicators)."""

    importer: str
    commodity: str
    stage: str | None
    year: int | None
    indicator: str
    value: float | None
    lower: float | None
    upper: float | None
    basis: str | None
    n_partners: int | None
    missing_governance_share: float | None
    source_ids: str | None
    detail: PhraseText | None
    missing: PhraseText | None


class IndicatorsResponse(TableResponse):
    """The indicator values, sorted by importer, commodity, stage, year, indicator."""

    Row: ClassVar[type[BaseModel]] = IndicatorRow


class PartnerRow(BaseModel):
    """A trade partner of the importer: flow, share of the stage's imports, governance."""

    stage: str | None
    partner: str | None
    flow: float | None
    share: float | None
    wgi_mean: float | None
    risk: float | None
    lag: int | None
    governance_missing: bool | None
    n_rows_no_quantity: int | None


class ProducerRow(BaseModel):
    """A world producer and its share of the stage total."""

    stage: str | None
    iso3: str | None
    quantity: float | None
    unit: str | None
    share: float | None
    flag: str | None
    source_id: str | None


class DimensionsRow(BaseModel):
    """The WGI dimensions the risk averages."""

    wgi_dimensions: str


class ExplainResponse(Response):
    """The partner flows and world producers behind one cell."""

    partners: list[PartnerRow]
    producers: list[ProducerRow]
    dimensions: list[DimensionsRow]


class GeoPolRiskRow(BaseModel):
    """One GeoPolRisk cell; ``missing`` says why the score is missing ("" if not)."""

    importer: str
    commodity: str
    stage: str
    year: int
    hhi: float | None
    import_risk: float | None
    score: float | None
    cf: float | None
    price: float | None
    missing: PhraseText


class GeoPolRiskResponse(TableResponse):
    """GeoPolRisk cells sorted by importer, commodity, stage, year."""

    Row: ClassVar[type[BaseModel]] = GeoPolRiskRow


class GeoPolRiskCompatRow(BaseModel):
    """One cell as geopolrisk-py 2.0.1 gives it (its zeros where it gives zeros)."""

    importer: str
    commodity: str
    year: int
    hhi: float | None
    import_risk: float | None
    score: float | None
    cf: float | None
    price: float | None


class GeoPolRiskCompatResponse(TableResponse):
    """geopolrisk-py-compatible cells."""

    Row: ClassVar[type[BaseModel]] = GeoPolRiskCompatRow


def in_order(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``keys`` (text by its value, missing last): the engines' row
    order follows DuckDB's parallel aggregation, which differs between runs."""
    def by_value(col: pd.Series) -> pd.Series:
        if isinstance(col.dtype, pd.CategoricalDtype):
            return col.cat.reorder_categories(sorted(col.cat.categories, key=str),
                                              ordered=True)
        return col

    return frame.sort_values(keys, key=by_value, kind="stable", ignore_index=True)


def _table(cls: type[TableResponse], frame: pd.DataFrame, command: str, request: Request,
           **fields: Any) -> TableResponse:
    columns = [c for c in cls.Row.model_fields if c in frame.columns]
    return cls.of_frame(frame, command=command, request=request.model_dump(mode="json"),
                        columns=columns, **fields)


def _members(con: Any, names: list[str] | None) -> dict[str, Any]:
    return members_by_name(resolve_importers(con, names))


def indicators(request: IndicatorsRequest, con: Any) -> IndicatorsResponse:
    """Every indicator of :data:`critmin.indicators.engine.INDICATORS` (or those asked)
    for the importers, commodities and years (docs/methods.md §2–§4)."""
    from critmin.indicators.engine import IndicatorOptions, compute_indicators
    from critmin.store.read import years as store_years

    years = check_years(request.years, store_years(con, "trade"), "trade")
    opts = IndicatorOptions(basis=request.basis, dimensions=request.wgi,
                            intra_group=request.intra_group,
                            missing_governance=request.missing_wgi)
    members = _members(con, request.importers)
    commodity_ids = resolve_commodities(request.commodities)
    frame = compute_indicators(con, members, commodity_ids, years, opts)
    if request.stage:
        frame = frame[frame["stage"].isna() | (frame["stage"] == request.stage)]
    if request.indicators:
        frame = frame[frame["indicator"].isin(request.indicators)]
    frame = _with_untraded(con, frame, list(members), commodity_ids,
                           years or store_years(con, "trade"), request)
    frame = frame.rename(columns={"commodity_id": "commodity"})
    importer = frame["importer"]
    if importer.dtype == "category":
        importer = importer.cat.add_categories(["world"])
    frame = frame.assign(importer=importer.fillna("world"))
    frame = in_order(frame, ["importer", "commodity", "stage", "year", "indicator", "basis"])
    return _table(IndicatorsResponse, frame, "indicators", request)


def years_text(years: list[int]) -> str:
    """``2022``, ``2018–2023`` (consecutive) or ``2018, 2020``."""
    ys = sorted(set(years))
    if len(ys) > 1 and ys[-1] - ys[0] == len(ys) - 1:
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(map(str, ys))


def untraded_rows(con: Any, present: pd.DataFrame, importers: list[str],
                  commodity_ids: list[str] | None, years: list[int], stage: str | None,
                  indicator: str = "imports") -> pd.DataFrame:
    """One row per importer × commodity stage with HS6 codes in the catalog that has no
    importer row in ``present`` (``importer, commodity_id, stage``) for any of ``years``:
    ``indicator`` missing, with the reason — no imports by the importer recorded, or, if
    no importer has trade in the stage's codes then, the stage's trade gap (no trade in
    the store, codes shared, trade ends; :func:`critmin.catalog.reasons.trade_gap`).
    ``year`` is the year if one was asked, else missing (the reason names the years)."""
    from critmin.catalog.reasons import reason_array, trade_gap
    from critmin.store.read import hs_coded_stages, last_trade_years, traded_stages

    stages = sorted((c, s) for c, s in hs_coded_stages(con)
                    if (commodity_ids is None or c in commodity_ids)
                    and (stage is None or s == stage))
    if not stages or not importers or not years:
        return pd.DataFrame()
    grid = pd.MultiIndex.from_product(
        [importers, range(len(stages))], names=["importer", "s_ix"]).to_frame(index=False)
    cs = pd.DataFrame(stages, columns=["commodity_id", "stage"])
    grid = grid.join(cs, on="s_ix")
    seen = pd.MultiIndex.from_frame(present.drop_duplicates().astype(object))
    grid = grid[~pd.MultiIndex.from_frame(grid[["importer", "commodity_id", "stage"]]
                                          ).isin(seen)]
    if grid.empty:
        return pd.DataFrame()
    span = years_text(years)
    traded = traded_stages(con, years)
    last = last_trade_years(con, sorted({c for c, _ in stages}))
    gaps = np.array([trade_gap(c, st, span, (c, st) in traded,
                               last=last.get((c, st)) if last.get((c, st), 9999) < min(years)
                               else None) for c, st in stages], dtype=object)
    gap = gaps[grid["s_ix"].to_numpy()]
    none = reason_array("no_imports", stage_label=grid["stage"].to_numpy(object),
        commodity=grid["commodity_id"].to_numpy(dtype=object),
        importer=grid["importer"].to_numpy(dtype=object), years=span)
    return pd.DataFrame({
        "importer": grid["importer"].to_numpy(), "commodity_id": grid["commodity_id"].to_numpy(),
        "stage": grid["stage"].to_numpy(),
        "year": pd.array([years[0] if len(years) == 1 else None] * len(grid), dtype="Int64"),
        "indicator": indicator, "value": np.nan, "source_ids": "trade",
        "missing": np.where(gap == "", none, gap)})


def _with_untraded(con: Any, frame: pd.DataFrame, importers: list[str],
                   commodity_ids: list[str] | None, years: list[int],
                   request: IndicatorsRequest) -> pd.DataFrame:
    """``frame`` and, if importer indicators were asked, :func:`untraded_rows`."""
    asked = [i for i in (request.indicators or IMPORTER_INDICATORS) if i in IMPORTER_INDICATORS]
    if not asked:
        return frame
    keys = frame[["importer", "commodity_id", "stage"]]
    extra = untraded_rows(con, keys[keys.notna().all(axis=1)], importers, commodity_ids,
                          years, request.stage, "imports" if "imports" in asked else asked[0])
    if extra.empty:
        return frame
    # text columns stay categorical (one set of categories): the sort and the output are
    # as fast as without the extra rows
    for col in extra.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            new = pd.Index(extra[col].dropna().unique()).difference(frame[col].cat.categories)
            frame[col] = frame[col].cat.add_categories(new)
            extra[col] = pd.Categorical(extra[col], categories=frame[col].cat.categories)
    return pd.concat([frame, extra], ignore_index=True)


def explain(request: ExplainRequest, con: Any) -> ExplainResponse:
    """The partner flows (share = flow / stage total; risk = clip((2.5 − WGI)/5, 0, 1),
    docs/methods.md §3) and world producers (share of the stage total, docs/methods.md
    §2) behind one importer × commodity × year."""
    from critmin.indicators.explain import explain_cell
    from critmin.service.base import records
    from critmin.store.read import years as store_years

    check_years([request.year], store_years(con, "trade"), "trade")
    (commodity,) = resolve_commodities([request.commodity]) or []
    parts = explain_cell(con, _members(con, [request.importer]), commodity, request.year,
                         request.stage, request.wgi, request.missing_wgi,
                         request.intra_group, request.basis)
    return ExplainResponse(
        command="indicators --explain", request=request.model_dump(mode="json"),
        partners=records(parts["partners"]), producers=records(parts["producers"]),
        dimensions=records(parts["dimensions"]))


def geopolrisk(request: GeoPolRiskRequest, con: Any) -> GeoPolRiskResponse:
    """GeoPolRisk ``Score = HHI × ImportRisk`` and its characterisation factor per
    importer × commodity stage × year (docs/methods.md §5); a missing score says why
    (a reason of the vocabulary; views render it in the reader's language)."""
    from critmin.methods.geopolrisk import geopolrisk as compute
    from critmin.store.read import years as store_years

    years = check_years(request.years, store_years(con, "production"), "production")
    frame = compute(con, _members(con, request.importers),
                    resolve_commodities(request.commodities), years,
                    missing_governance=request.missing_wgi)
    if request.stage:
        frame = frame[frame["stage"] == request.stage]
    frame = in_order(frame.rename(columns={"commodity_id": "commodity"}),
                     ["importer", "commodity", "stage", "year"])
    return _table(GeoPolRiskResponse, frame, "geopolrisk", request)


def geopolrisk_compat(request: GeoPolRiskCompatRequest, con: Any) -> GeoPolRiskCompatResponse:
    """GeoPolRisk exactly as geopolrisk-py 2.0.1 computes it (docs/methods.md §5, parity
    table): its materials, data and conventions."""
    from critmin.methods import geopolrisk_compat as compat
    from critmin.store.read import years as store_years

    years = check_years(request.years, store_years(con, "production"), "production")
    entities = compat.reference_entities(con, compat.resolve_entities(con, request.importers))
    frame = compat.geopolrisk_compat(con, entities,
                                     compat.resolve_materials(con, request.commodities), years)
    return _table(GeoPolRiskCompatResponse, frame.rename(columns={"material": "commodity"}),
                  "geopolrisk --compat", request)


COMMANDS = {
    "indicators": (IndicatorsRequest, IndicatorsResponse, indicators),
    "indicators --explain": (ExplainRequest, ExplainResponse, explain),
    "geopolrisk": (GeoPolRiskRequest, GeoPolRiskResponse, geopolrisk),
    "geopolrisk --compat": (GeoPolRiskCompatRequest, GeoPolRiskCompatResponse,
                            geopolrisk_compat),
}
