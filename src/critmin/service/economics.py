"""Requests of the economics commands (methods.md §16; docs/economics.md):

- ``recycle streams``: the shipped scrap streams and their switching prices;
- ``recycle switching-price``: the primary price at which recycling a scrap stream
  breaks even, its tornado and the years of the store's price history in which it paid;
- ``recycle supply``: scrap from in-use stocks (flodym) and its share of the demand of a
  demand scenario (methods.md §13);
- ``project evaluate``: NPV, IRR and payback, ESG, the host's governance and the change
  an offtake makes to the importer's axes through the what-if (methods.md §10), and
  their combined score, for several projects side by side.

Nothing here writes to the store.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from critmin.errors import CritminError
from critmin.service.base import PhraseText, Request, TableResponse, records

R = TypeVar("R", bound=BaseModel)


def typed(model: type[R], frame: pd.DataFrame | list[dict[str, Any]]) -> list[R]:
    """Rows of ``frame`` (JSON-ready, NaN → None) as ``model`` instances."""
    rows = records(frame[list(model.model_fields)]) if isinstance(frame, pd.DataFrame) \
        else frame
    return [model.model_validate(r) for r in rows]

# ---------------------------------------------------------------- switching price


class TornadoRow(BaseModel):
    """A parameter at its low and high value, the others at base (prices in the
    stream's price unit)."""

    parameter: str
    base_value: float
    low_value: float
    high_value: float
    switching_low: float
    switching_high: float
    swing: float


class CostRow(BaseModel):
    """A cost or offset per t of feed and its part of the switching price."""

    item: str
    per_feed: float
    per_product: float
    source: str


class HistoryRow(BaseModel):
    """One year of the primary price against the switching price."""

    year: int
    price_basis: str
    series: str
    price: float
    switching_price: float
    margin: float
    pays: bool


class SwitchingPriceRequest(Request):
    """``critmin recycle switching-price``."""

    stream: str = Field(description="Shipped stream id (critmin recycle streams) or a "
                                    "YAML parameter file.")
    spread: float = Field(0.25, gt=0, lt=1, description="Tornado range of parameters "
                                                        "without their own low/high.")
    since: int = Field(2000, ge=1900, le=2200, description="First year of the history.")


class SwitchingPriceResponse(TableResponse):
    """The tornado rows (largest swing first) with the switching price, the cost
    breakdown and the price history."""

    Row: ClassVar[type[BaseModel]] = TornadoRow
    stream: str
    name: str
    name_ja: str
    commodity: str
    product: str
    product_ja: str
    feed: str
    feed_ja: str
    price_unit: str
    switching_price: float
    switching_price_usd_per_t: float
    pays_at_any_price: bool
    costs: list[CostRow]
    history: list[HistoryRow]
    paid_years: list[int]
    notes: str


def _check_series(con: Any, stream: Any) -> None:
    """A series id of a source the store holds but unknown to it is a typing error (a
    series of a source not imported yet just has no history)."""
    import difflib

    from critmin.store.read import price_series_ids

    known = price_series_ids(con)
    sources = {k.split(":", 1)[0] for k in known}
    for sid in stream.price.series:
        if sid not in known and sid.split(":", 1)[0] in sources:
            close = difflib.get_close_matches(sid, known, n=5, cutoff=0.5)
            raise CritminError(
                f"scrap stream {stream.id!r}: price.series: no price series {sid!r} in the "
                "store; " + (f"closest: {', '.join(close)}" if close else
                             "its source's series: critmin data status, table price"))


def _price_history(con: Any, stream: Any, since: int) -> pd.DataFrame:
    """``year, price_basis, series, price`` (USD/t): the stream's market series, then the
    unit value of its HS6 code (both bases where both exist), from ``since``."""
    from critmin.analysis.economics import annual_market_prices, unit_value_prices
    from critmin.store.read import price_rows, unit_value_rows

    spec = stream.price
    _check_series(con, stream)
    parts = []
    if spec.series:
        market = annual_market_prices(price_rows(con, spec.series), spec.series)
        parts.append(market.assign(price_basis="market"))
    if spec.unit_value_hs6 and spec.unit_value_factor is not None:
        uv = unit_value_prices(unit_value_rows(con, [spec.unit_value_hs6]),
                               spec.unit_value_factor.value)
        parts.append(uv.assign(price_basis="unit_value"))
    columns = ["year", "price_basis", "series", "price"]
    frame = pd.concat([p[columns] for p in parts if not p.empty] or
                      [pd.DataFrame(columns=columns)], ignore_index=True)
    return frame[frame["year"] >= since].sort_values(["price_basis", "year"],
                                                     ignore_index=True)


def switching_price(request: SwitchingPriceRequest, con: Any) -> SwitchingPriceResponse:
    """P* of the stream (closed form), its tornado and the years in which it paid."""
    from critmin.analysis import economics as eco
    from critmin.sources.units import convert

    stream = eco.read_stream(request.stream)
    p_star = float(eco.stream_switching_price(eco.base_values(stream)))
    k = convert(1.0, "USD/t", stream.price.unit)
    torn = eco.tornado(stream, request.spread)
    for c in ("switching_low", "switching_high", "swing"):
        torn[c] = torn[c] * k
    costs = eco.cost_breakdown(stream).assign(
        per_product=lambda f: f["per_product"] * k)
    hist = eco.paid_years(_price_history(con, stream, request.since), p_star)
    for c in ("price", "switching_price", "margin"):
        hist[c] = hist[c] * k
    paid = sorted({int(y) for y in hist.loc[hist["pays"] & (hist["price_basis"] ==
                                                             "market"), "year"]})
    return SwitchingPriceResponse.of_frame(
        torn, command="recycle switching-price", request=request.model_dump(),
        columns=list(TornadoRow.model_fields), stream=stream.id, name=stream.name,
        name_ja=stream.name_ja, commodity=stream.commodity, product=stream.product,
        product_ja=stream.product_ja, feed=stream.feed, feed_ja=stream.feed_ja,
        price_unit=stream.price.unit, switching_price=p_star * k,
        switching_price_usd_per_t=p_star, pays_at_any_price=p_star <= 0,
        costs=typed(CostRow, costs), history=typed(HistoryRow, hist),
        paid_years=paid, notes=stream.notes)


class StreamRow(BaseModel):
    """A shipped scrap stream."""

    stream: str
    name: str
    name_ja: str
    commodity: str
    switching_price: float
    price_unit: str


class StreamsRequest(Request):
    """``critmin recycle streams``."""


class StreamsResponse(TableResponse):
    """The shipped scrap streams."""

    Row: ClassVar[type[BaseModel]] = StreamRow


def streams(request: StreamsRequest, con: Any = None) -> StreamsResponse:
    """Every shipped stream with its switching price (no store)."""
    from critmin.analysis import economics as eco
    from critmin.sources.units import convert

    rows = []
    for sid in eco.library("recycling"):
        s = eco.read_stream(sid)
        p = float(eco.stream_switching_price(eco.base_values(s)))
        rows.append({"stream": sid, "name": s.name, "name_ja": s.name_ja,
                     "commodity": s.commodity, "switching_price":
                     p * convert(1.0, "USD/t", s.price.unit), "price_unit": s.price.unit})
    columns = list(StreamRow.model_fields)
    return StreamsResponse.of_frame(pd.DataFrame(rows, columns=columns),
                                    command="recycle streams",
                                    request=request.model_dump(), columns=columns)


# ---------------------------------------------------------------- secondary supply


class SupplyRow(BaseModel):
    """One year, summed over products (t of the commodity)."""

    year: int
    inflow_t: float
    stock_t: float
    outflow_t: float
    collected_t: float
    recovered_t: float
    demand_t: float | None
    share_of_demand: float | None


class ProductSupplyRow(BaseModel):
    """One product and year."""

    product: str
    year: int
    inflow_t: float
    stock_t: float
    outflow_t: float
    collected_t: float
    recovered_t: float


class ProductInfo(BaseModel):
    """A product of the stock file and its lifetime."""

    product: str
    name: str
    name_ja: str
    lifetime: str
    after: str


class SupplyRequest(Request):
    """``critmin recycle supply``."""

    commodity: str = Field(description="Commodity (id or name) with an in-use stock "
                                       "file.")
    scenario: str = Field("reference", description="Demand scenario (library id or "
                                                   "YAML file).")
    to: int = Field(2050, ge=2019, le=2100, description="Last year.")
    since: int | None = Field(None, description="First year shown (default: the "
                                                "scenario's base year).")
    stocks: str | None = Field(None, description="An in-use stock YAML file (default: "
                                                 "the shipped one of the commodity).")


class SupplyResponse(TableResponse):
    """Scrap available per year and its share of the scenario's demand."""

    Row: ClassVar[type[BaseModel]] = SupplyRow
    commodity: str
    scenario: str
    unit: str
    products: list[ProductInfo]
    by_product: list[ProductSupplyRow]


def supply(request: SupplyRequest, con: Any = None) -> SupplyResponse:
    """The in-use stock model (flodym) driven by the demand scenario; share of its
    world demand (no store)."""
    from critmin.analysis import economics_stocks as st
    from critmin.analysis.demand import read_scenario
    from critmin.catalog.commodities import resolve_commodity

    cid = resolve_commodity(request.commodity)
    stocks = st.read_stocks(request.stocks or cid)
    if resolve_commodity(stocks.commodity) != cid:
        raise CritminError(f"in-use stock {stocks.id} is of {stocks.commodity}, not {cid}")
    sc = read_scenario(request.scenario)
    m = sc.minerals.get(cid)
    if m is not None and m.unit != stocks.unit:
        raise CritminError(f"in-use stock {stocks.id} counts {stocks.unit}, the demand "
                           f"scenario {sc.scenario_id} {m.unit}: use one unit")
    years = np.arange(stocks.start_year, request.to + 1)
    drivers = st.scenario_drivers(sc, cid, years)
    by_product = st.secondary_supply(stocks, years, drivers)
    demand = {int(y): float(v) for y, v in zip(years, drivers["demand"], strict=True)
              if y >= sc.base_year} if "demand" in drivers else {}
    since = request.since if request.since is not None else sc.base_year
    tot = st.totals(by_product, demand)
    tot = tot[tot["year"] >= since].reset_index(drop=True)
    by_product = by_product[by_product["year"] >= since]
    info = [ProductInfo(product=k, name=p.name, name_ja=p.name_ja, after=p.inflow.after,
                        lifetime=_lifetime_text(p.lifetime))
            for k, p in stocks.products.items()]
    return SupplyResponse.of_frame(
        tot, command="recycle supply", request=request.model_dump(),
        columns=list(SupplyRow.model_fields), commodity=cid, scenario=sc.scenario_id,
        unit=stocks.unit, products=info, by_product=typed(ProductSupplyRow, by_product))


def _lifetime_text(lt: Any) -> str:
    params = {k: getattr(lt, k) for k in ("mean", "std", "shape", "scale")
              if getattr(lt, k) is not None}
    return f"{lt.model}(" + ", ".join(f"{k}={v:g}" for k, v in params.items()) + ")"


# ---------------------------------------------------------------- projects


class ProjectRow(BaseModel):
    """One project's three layers and combined score."""

    project: str
    name: str
    name_ja: str
    commodity: str
    host_country: str
    stage: str
    importer: str
    offtake_share: float
    npv: float
    irr: float | None
    payback_years: float | None
    discount_rate: float
    npv_risk_adjusted: float
    financial_score: float | None
    esg_score: float | None
    esg_pass: bool | None
    host_governance_risk: float | None
    geo_delta: float | None
    geo_score: float | None
    combined_score: float | None


class ProjectAxisRow(BaseModel):
    """An importer's axis before and after the project (the what-if's row)."""

    project: str
    importer: str
    commodity: str
    axis: str
    before: float | None
    after: float | None
    delta: float | None
    missing: PhraseText = ""
    """Why the axis has no value (the what-if's reason); "" if it has one."""


class CashFlowRow(BaseModel):
    """One year of a project's cash flows (USD; missing for a plain list)."""

    project: str
    year: int
    t: int
    output_t: float | None
    price: float | None
    revenue: float | None
    opex: float | None
    royalty: float | None
    depreciation: float | None
    tax: float | None
    capex: float | None
    cash_flow: float
    cumulative_cash_flow: float


class EsgRow(BaseModel):
    """One ESG criterion of a project."""

    project: str
    criterion: str
    score: float
    weight: float


class ProjectRequest(Request):
    """``critmin project evaluate``."""

    files: list[str] = Field(description="Project YAML files or shipped project ids.")
    importer: str | None = Field(None, description="Importer whose axes the offtake "
                                                   "changes (default: each file's).")
    year: int | None = Field(None, description="Assessment year of the what-if "
                                               "(default: the latest).")


class ProjectResponse(TableResponse):
    """Projects side by side, with their axes, cash flows and ESG criteria."""

    Row: ClassVar[type[BaseModel]] = ProjectRow
    year: int
    weights: dict[str, dict[str, float]]
    axes: list[ProjectAxisRow]
    cash_flows: list[CashFlowRow]
    esg: list[EsgRow]


AXES_MOVED = ("production_concentration", "reserve_concentration",
              "import_governance_concentrate", "import_governance_refined")
"""The importer's concentration and import-governance axes: Δ is the sum of their
deltas (methods.md §8 axes 1–4)."""


def project_lever(project: Any) -> dict[str, Any]:
    """The what-if lever record of a project (① mine or ② smelter)."""
    share = project.offtake.share if project.offtake else 0.0
    lever = {"lever": project.stage, "commodity": project.commodity,
             "country": project.country, "added_t": project.capacity_t,
             "offtake": share, "kappa": project.kappa}
    if project.stage == "mine":
        lever["reserves_t"] = project.reserves_t
    return lever


def host_risk(con: Any, iso3: str, year: int) -> float:
    """Governance risk of ``iso3`` in ``year`` (0–1, 1 = worst; methods.md §4) as the
    assessment computes it (WGI dimensions "auto", at most 2 years carried back)."""
    from critmin.indicators.governance import store_country_risk

    risk = store_country_risk(con, [year])
    hit = risk.loc[risk["iso3"] == iso3, "risk"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def _geo(con: Any, project: Any, importer: str, year: int | None
         ) -> tuple[pd.DataFrame, int]:
    """The what-if rows of the project's lever for ``importer`` and the year."""
    from critmin.service.assess import WhatIfRequest, whatif

    r = whatif(WhatIfRequest(importer=importer, year=year,
                             levers=[project_lever(project)]), con)
    rows = r.frame[r.frame["commodity"] == project.commodity]
    return rows[["importer", "commodity", "axis", "before", "after", "delta", "missing"]], \
        r.year


def _finance(project: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    from critmin.analysis import economics_project as ep

    m = project.cash_flow_model
    frame = ep.model_cash_flows(m) if m else ep.plain_cash_flows(project.cash_flows,
                                                                  project.start_year)
    cf = frame["cash_flow"].to_numpy()
    frame["cumulative_cash_flow"] = np.cumsum(cf)
    value = ep.npv(project.rate, cf)
    return frame, {"npv": value, "irr": ep.irr(cf), "payback_years": ep.payback_years(cf),
                   "discount_rate": project.rate, "financial_score": ep.financial_score(
                       value, ep.present_outlays(project.rate, frame))}


def evaluate_one(con: Any, spec: str, importer: str | None, year: int | None
                 ) -> dict[str, Any]:
    """One project's row and its detail tables."""
    from critmin.analysis import economics_project as ep
    from critmin.catalog.countries import resolve_country

    p = ep.read_project(spec)
    p = p.model_copy(update={"country": resolve_country(p.country)})
    imp = importer or (p.offtake.importer if p.offtake else "JPN")
    frame, fin = _finance(p)
    axes, used_year = _geo(con, p, imp, year)
    g = host_risk(con, p.country, used_year)
    moved = axes[axes["axis"].isin(AXES_MOVED)]["delta"].dropna()
    delta = float(moved.sum()) if len(moved) else float("nan")
    esg, passed, crit = ep.esg_scores(p.esg)
    scores = {"financial": fin["financial_score"], "esg": esg,
              "geopolitical": ep.geo_score(g, delta)}
    row = {"project": p.id, "name": p.name, "name_ja": p.name_ja, "commodity": p.commodity,
           "host_country": p.country, "stage": p.stage, "importer": str(axes["importer"].iloc[0])
           if len(axes) else imp, "offtake_share": p.offtake.share if p.offtake else 0.0,
           **fin, "npv_risk_adjusted": ep.npv(p.rate + p.risk_premium * (
               0.0 if np.isnan(g) else g), frame["cash_flow"].to_numpy()),
           "esg_score": esg, "esg_pass": passed, "host_governance_risk": g,
           "geo_delta": delta, "geo_score": scores["geopolitical"],
           "combined_score": ep.combined_score(scores, p.weights)}
    weights = p.esg.weights if p.esg else {}
    return {"row": row, "year": used_year, "weights": p.weights.model_dump(),
            "axes": axes.assign(project=p.id), "cash_flows": frame.assign(project=p.id),
            "esg": [{"project": p.id, "criterion": k, "score": v,
                     "weight": weights.get(k, 1.0)} for k, v in crit.items()]}


def evaluate(request: ProjectRequest, con: Any) -> ProjectResponse:
    """Every project side by side (methods.md §16; module docstring)."""
    if not request.files:
        raise CritminError("give at least one project file")
    parts = [evaluate_one(con, f, request.importer, request.year) for f in request.files]
    ids = [p["row"]["project"] for p in parts]
    if len(set(ids)) < len(ids):
        raise CritminError(f"project ids repeat: {', '.join(ids)}")
    frame = pd.DataFrame([p["row"] for p in parts], columns=list(ProjectRow.model_fields))
    axes = pd.concat([p["axes"] for p in parts], ignore_index=True)
    flows = pd.concat([p["cash_flows"] for p in parts], ignore_index=True)
    return ProjectResponse.of_frame(
        frame, command="project evaluate", request=request.model_dump(),
        columns=list(ProjectRow.model_fields), year=parts[0]["year"],
        weights={p["row"]["project"]: p["weights"] for p in parts},
        axes=typed(ProjectAxisRow, axes), cash_flows=typed(CashFlowRow, flows),
        esg=typed(EsgRow, [e for p in parts for e in p["esg"]]))


COMMANDS = {
    "recycle streams": (StreamsRequest, StreamsResponse, streams),
    "recycle switching-price": (SwitchingPriceRequest, SwitchingPriceResponse,
                                switching_price),
    "recycle supply": (SupplyRequest, SupplyResponse, supply),
    "project evaluate": (ProjectRequest, ProjectResponse, evaluate),
}
