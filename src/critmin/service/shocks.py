"""Requests of ``critmin shock``, ``critmin scenario run|list`` and ``critmin uncertainty``.

Every shock command goes through one model (:mod:`critmin.analysis.shocks`, methods.md
§11): a scenario (a single shock is a one-shock scenario) with its restricting exporters,
cut flows, redirectable share ω and spare capacity κ; ``uncertainty --scenario`` draws
around that same scenario (methods.md §12), so its centre is the ``scenario run`` result.
Importers are resolved once (:func:`critmin.service.common.resolve_importers`) and years
checked against the store's trade years.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, Field

from critmin.errors import CritminError, NumberError, RequestError, UnknownNameError
from critmin.service.base import PhraseText, Request, TableResponse
from critmin.service.common import iso3_sets, resolve_importers

SHOCK_STAGES = ("mining", "refining")
IMPACT_COLUMNS = ["importer", "commodity", "stage", "year", "imports_t", "direct_loss_t",
                  "direct_loss_share", "resourced_t", "shortfall_t", "shortfall_share",
                  "consumption_share", "second_order_loss_t", "import_hhi_before",
                  "import_hhi_after", "import_governance_before", "import_governance_after",
                  "missing", "second_order_missing"]
INDICATOR_COLUMNS = ["importer", "commodity_id", "stage", "indicator", "value", "q05",
                     "q50", "q95", "missing", "year", "draws", "seed"]
SCENARIO_MC_COLUMNS = ["importer", "commodity_id", "stage"] + [
    f"{k}_{q}" for k in ("direct", "resourced", "shortfall") for q in ("t", "q05", "q50",
                                                                      "q95")] + [
    "missing", "year", "draws", "seed"]
MAX_DRAWS = 10_000_000
DEFAULT_MAX_MEMORY_MB = 1024
PROCESS_BASE_MB = 200   # a Python process with NumPy, pandas and Dask loaded (measured)
WORKING_FACTOR = 4      # a chunk's temporaries over its outputs (matrix products, ranks)


# --- requests ----------------------------------------------------------------------


class ShockRequest(Request):
    """``critmin shock``: one exporter (country or group) restricts a commodity."""

    exporter: str = Field(description="Restricting exporter (ISO3, name or group id).")
    commodity: str = Field(description="Commodity (id, symbol, English/Japanese name).")
    cut: float = Field(description="Share of exports withheld, 0–1 (licensing: 1 − "
                       "approval rate).")
    stages: list[str] | None = Field(None, description="mining and/or refining (None: both).")
    importers: list[str] | None = Field(None, description="Importers reported (None: every "
                                        "importer that loses supply).")
    year: int | None = Field(None, description="Trade year (None: the latest).")
    targets: list[str] | None = Field(None, description="Only these importers are "
                                      "restricted (None: all).")
    redirect_share: float | None = Field(None, description="ω, 0–1 (None: 0.2).")
    spare_capacity: float | None = Field(None, description="κ, 0–1 (None: 0).")


class ScenarioRunRequest(Request):
    """``critmin scenario run``: a library scenario or a YAML file."""

    scenario: str = Field(description="Library id or path of a scenario YAML file.")
    importers: list[str] | None = None
    year: int | None = Field(None, description="Trade year (None: the scenario's, else "
                             "the latest).")


class ScenarioListRequest(Request):
    """``critmin scenario list``: no inputs."""


class UncertaintyRequest(Request):
    """``critmin uncertainty``: Monte Carlo of the indicators or of a scenario."""

    importer: str = "JPN"
    draws: int = 10_000
    seed: int | None = Field(None, description="Root seed (None: the default, recorded).")
    year: int | None = None
    scenario: str | None = Field(None, description="Library id or YAML file: uncertainty "
                                 "of its impacts instead of the indicators.")
    workers: int = Field(2, description="Local Dask worker processes (1: the draws run in "
                         "this process, no cluster is started).")
    scheduler: str | None = Field(None, description="Address of a Dask scheduler.")
    chunk: int = Field(500, description="Draws per task (fixes the child seeds).")
    max_memory_mb: int = Field(DEFAULT_MAX_MEMORY_MB, description="Refuse a run whose "
                               "estimated peak memory (main process and local workers) "
                               "exceeds this many MiB.")


# --- responses ---------------------------------------------------------------------


class ImpactRow(BaseModel):
    """One importer × commodity stage of a shock or scenario (methods.md §11)."""

    importer: str
    commodity: str
    stage: str
    year: int
    imports_t: float | None
    direct_loss_t: float | None
    direct_loss_share: float | None
    resourced_t: float | None
    shortfall_t: float | None
    shortfall_share: float | None
    consumption_share: float | None
    second_order_loss_t: float | None
    import_hhi_before: float | None
    import_hhi_after: float | None
    import_governance_before: float | None
    import_governance_after: float | None
    missing: PhraseText
    second_order_missing: PhraseText = ""
    """Why the second-order loss of a refined row is unknown (the ore stage that the
    shock cuts has no trade in the store); "" when it is known."""


class Place(BaseModel):
    """A country (ISO3) or catalog group, with its names."""

    id: str = Field(description="ISO3 code or catalog group id (EU27, G7, OECD).")
    name: str = Field(description="English name (a group: its id).")
    name_ja: str = Field(description="Japanese name (a group: its id).")


class CutAssumption(BaseModel):
    """One export restriction as the model applied it (a file's shock over its stages)."""

    exporters: list[Place] = Field(description="The restricting exporters.")
    commodity: str = Field(description="Commodity id.")
    stages: list[str] = Field(description="Stages cut (mining: ores and concentrates; "
                              "refining: refined products).")
    cut: float = Field(description="Share of exports withheld, 0–1 (a licence regime: "
                       "1 − approval rate).")
    cut_range: tuple[float, float] = Field(description="Range the Monte Carlo draws the "
                                           "cut from (default cut ± 0.15).")
    importers: list[Place] | None = Field(description="The importers restricted (None: "
                                          "every importer but the exporters).")


class BlocAssumption(BaseModel):
    """A bloc split: trade between blocs cut, no re-sourcing across them."""

    cut: float = Field(description="Share of cross-bloc trade withheld, 0–1.")
    blocs: list[list[Place]] = Field(description="The members of each bloc.")


class PoolAssumption(BaseModel):
    """Where re-sourced supply can come from on one commodity stage with a loss."""

    commodity: str
    stage: str
    lost_t: float = Field(description="Supply the importers lose (t).")
    redirectable_t: float = Field(description="ω × the shipments of exporters outside "
                                  "the cut to importers that lost nothing (t).")
    bound_for_cutters_t: float = Field(description="The part of it now shipped to the "
                                       "restricting countries themselves (t).")


class ScenarioAssumptions(BaseModel):
    """What a shock result rests on (methods.md §11), stated under every table and chart:
    the scenario, the trade year, the cuts and who makes them, the bloc split and demand
    changes, ω and κ, and the scenario's caveats in English and Japanese."""

    scenario_id: str
    scenario_name: str
    scenario_name_ja: str = Field(description="Japanese name ('' when the file has none).")
    trade_year: int = Field(description="Year of the trade flows the shock is applied to.")
    redirect_share: float = Field(description="ω: share of their shipments to importers "
                                  "that lost nothing which exporters outside the cut may "
                                  "redirect to importers that lost supply.")
    spare_capacity: float = Field(description="κ: spare capacity of those exporters, as a "
                                  "share of their production.")
    redirect_share_range: tuple[float, float] = Field(description="Range the Monte "
                                                      "Carlo draws ω from.")
    spare_capacity_range: tuple[float, float] = Field(description="Range the Monte Carlo "
                                                      "draws κ from.")
    cutters: list[Place] = Field(description="Every country or group that restricts "
                                 "exports (shock exporters, bloc members).")
    cuts: list[CutAssumption]
    blocs: BlocAssumption | None = None
    demand: dict[str, float] = Field(description="Demand change per commodity (−0.15: "
                                     "−15 %), applied to every flow before the cuts.")
    caveats: list[str] = Field(description="The scenario's caveats (English).")
    caveats_ja: list[str] = Field(description="The same caveats in Japanese.")
    pools: list[PoolAssumption] = Field(
        default_factory=list, description="Per commodity stage with a loss: what is lost, "
        "what may be redirected (ω × shipments to importers that lost nothing) and how "
        "much of that is now shipped to the restricting countries themselves.")


class ImpactResponse(TableResponse):
    """Direct loss, re-sourcing, shortfall and post-shock indicators per importer."""

    Row: ClassVar[type[BaseModel]] = ImpactRow
    scenario_id: str
    scenario_name: str
    year: int
    redirect_share: float
    spare_capacity: float
    assumptions: ScenarioAssumptions


class ScenarioRow(BaseModel):
    """A shipped scenario."""

    id: str
    name: str
    name_ja: str
    date: str
    shocks: int
    blocs: str
    source: str


class ScenarioListResponse(TableResponse):
    """The scenario library."""

    Row: ClassVar[type[BaseModel]] = ScenarioRow


class UncertaintyRow(BaseModel):
    """Quantiles of an indicator (indicator mode) or of a scenario's impacts (scenario
    mode) over the draws; the fields of the other mode are absent."""

    importer: str
    commodity_id: str
    stage: str
    indicator: str | None = None
    value: float | None = None
    q05: float | None = None
    q50: float | None = None
    q95: float | None = None
    direct_t: float | None = None
    direct_q05: float | None = None
    direct_q50: float | None = None
    direct_q95: float | None = None
    resourced_t: float | None = None
    resourced_q05: float | None = None
    resourced_q50: float | None = None
    resourced_q95: float | None = None
    shortfall_t: float | None = None
    shortfall_q05: float | None = None
    shortfall_q50: float | None = None
    shortfall_q95: float | None = None
    missing: PhraseText
    year: int
    draws: int
    seed: int


class UncertaintyResponse(TableResponse):
    """5/50/95 % quantiles beside the deterministic value (``*_t`` / ``value``)."""

    Row: ClassVar[type[BaseModel]] = UncertaintyRow
    mode: Literal["indicators", "scenario"]
    importer: str
    year: int
    draws: int
    seed: int
    scenario_id: str | None = None
    scenario_name: str | None = None
    assumptions: ScenarioAssumptions | None = Field(None, description="Scenario mode: "
                                                    "what the result rests on.")


# --- shared inputs -----------------------------------------------------------------


def trade_year(con: Any, year: int | None) -> int:
    """``year`` if the store has trade in it, else an error naming the range; None: the
    default year of every command (:func:`critmin.service.common.default_year`, the
    latest with trade and production)."""
    from critmin.service.common import check_years, default_year
    from critmin.store.read import years

    if year is None:
        return default_year(con)
    check_years([year], years(con, "trade_stage"), "trade")
    return year


def place_resolver(con: Any) -> Callable[[str], str]:
    """A function name → ISO3 or catalog group id (as :func:`resolve_importers` reads
    it), remembering what it resolved."""
    seen: dict[str, str] = {}

    def resolve(name: str) -> str:
        if name not in seen:
            seen[name] = resolve_importers(con, [name])[0].name
        return seen[name]

    return resolve


def load_scenario(spec: str, con: Any | None = None) -> Any:
    """The :class:`critmin.analysis.scenarios.Scenario` of a library id or YAML file
    (countries resolved against the store's groups when ``con`` is given)."""
    from critmin.analysis.scenarios import parse_scenario, read_scenario_text
    from critmin.catalog.commodities import resolve_commodity

    text, label = read_scenario_text(spec)
    return parse_scenario(text, label, resolve_commodity,
                          place_resolver(con) if con is not None else None)


def _fraction(name: str, value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise NumberError(name, value, low=0, high=1)


def shock_scenario(request: ShockRequest, con: Any) -> Any:
    """The one-shock scenario of a :class:`ShockRequest` (inputs checked)."""
    from critmin.analysis.scenarios import DEFAULT_REDIRECT_SHARE, DEFAULT_SPARE_CAPACITY
    from critmin.analysis.shocks import single_shock
    from critmin.catalog.commodities import resolve_commodity

    _fraction("--cut", request.cut)
    _fraction("--redirect-share", request.redirect_share)
    _fraction("--spare-capacity", request.spare_capacity)
    stages = tuple(request.stages or SHOCK_STAGES)
    for s in stages:
        if s not in SHOCK_STAGES:
            raise UnknownNameError("stage", s, SHOCK_STAGES)
    place = place_resolver(con)
    return single_shock(
        place(request.exporter), resolve_commodity(request.commodity), request.cut, stages,
        tuple(place(t) for t in request.targets) if request.targets else None,
        DEFAULT_REDIRECT_SHARE if request.redirect_share is None else request.redirect_share,
        DEFAULT_SPARE_CAPACITY if request.spare_capacity is None else request.spare_capacity)


def scenario_inputs(con: Any, scenario: Any, importers: list[str] | None,
                    year: int | None) -> tuple[Any, dict[str, set[str]] | None]:
    """(:class:`critmin.analysis.shocks.ShockData` of the scenario's commodities and
    trade year, ``{importer: members in that year}`` or None for every losing importer)."""
    from critmin.analysis.shocks import shock_data
    from critmin.store.read import traded_commodities

    yr = trade_year(con, year or scenario.year)
    commodities = sorted({s.commodity_id for s in scenario.shocks} | set(scenario.demand))
    if scenario.blocs:
        commodities = commodities or traded_commodities(con, yr)
    data = shock_data(con, commodities, yr)
    members = iso3_sets(resolve_importers(con, importers), yr) if importers else None
    return data, members


@cache
def _country_names() -> dict[str, tuple[str, str]]:
    from critmin.catalog.countries import country_table

    t = country_table()
    return dict(zip(t["iso3"], zip(t["name_en"], t["name_ja"], strict=True), strict=True))


def place(ident: str) -> Place:
    """An ISO3 code or catalog group id with its English and Japanese names (a group, or
    a code the catalog does not name, keeps its id)."""
    en, ja = _country_names().get(ident, (ident, ident))
    return Place(id=ident, name=en, name_ja=ja)


def scenario_assumptions(scenario: Any, year: int, pools: pd.DataFrame | None = None
                         ) -> ScenarioAssumptions:
    """The assumptions of ``scenario`` run on the trade of ``year``: its shocks merged
    back over their stages (one cut per exporter × commodity × cut × importers), the
    cutters (shock exporters, then bloc members, each once), ω and κ with their Monte
    Carlo ranges, the demand changes and the caveats in both languages
    (:meth:`critmin.analysis.scenarios.Scenario.caveat_texts`)."""
    merged: dict[tuple[Any, ...], CutAssumption] = {}
    for s in scenario.shocks:
        key = (s.exporters, s.commodity_id, s.cut, s.importers, s.cut_bounds())
        if key in merged:
            merged[key].stages.append(s.stage)
            continue
        merged[key] = CutAssumption(
            exporters=[place(x) for x in s.exporters], commodity=s.commodity_id,
            stages=[s.stage], cut=s.cut, cut_range=s.cut_bounds(),
            importers=None if s.importers is None else [place(i) for i in s.importers])
    members = [m for ms in scenario.blocs.values() for m in ms]
    cutters = dict.fromkeys([x for s in scenario.shocks for x in s.exporters] + members)
    blocs = BlocAssumption(cut=scenario.bloc_cut, blocs=[
        [place(m) for m in ms] for ms in scenario.blocs.values()]) if scenario.blocs else None
    en, ja = scenario.caveat_texts()
    return ScenarioAssumptions(
        scenario_id=scenario.scenario_id, scenario_name=scenario.name,
        scenario_name_ja=scenario.name_ja, trade_year=year,
        redirect_share=scenario.redirect_share, spare_capacity=scenario.spare_capacity,
        redirect_share_range=scenario.redirect_bounds(),
        spare_capacity_range=scenario.spare_bounds(), cutters=[place(c) for c in cutters],
        cuts=list(merged.values()), blocs=blocs, demand=dict(scenario.demand),
        caveats=list(en), caveats_ja=list(ja),
        pools=[] if pools is None else [PoolAssumption(
            commodity=r.commodity_id, stage=r.stage, lost_t=r.lost_t,
            redirectable_t=r.redirectable_t, bound_for_cutters_t=r.bound_for_cutters_t)
            for r in pools.itertuples(index=False)])


def _impacts(command: str, request: Request, con: Any, scenario: Any,
             importers: list[str] | None, year: int | None) -> ImpactResponse:
    from critmin.analysis.shocks import resourcing_pools, run_scenario

    data, members = scenario_inputs(con, scenario, importers, year)
    frame = run_scenario(data, scenario, members).rename(
        columns={"commodity_id": "commodity"})
    return ImpactResponse.of_frame(
        frame[IMPACT_COLUMNS].reset_index(drop=True), command=command,
        request=request.model_dump(), columns=IMPACT_COLUMNS,
        scenario_id=scenario.scenario_id, scenario_name=scenario.name, year=data.year,
        redirect_share=scenario.redirect_share, spare_capacity=scenario.spare_capacity,
        assumptions=scenario_assumptions(scenario, data.year,
                                         resourcing_pools(data, scenario)))


# --- commands ----------------------------------------------------------------------


def shock(request: ShockRequest, con: Any) -> ImpactResponse:
    """What happens if an exporter restricts a commodity (methods.md §11)."""
    scenario = shock_scenario(request, con)
    return _impacts("shock", request, con, scenario, request.importers, request.year)


def scenario_run(request: ScenarioRunRequest, con: Any) -> ImpactResponse:
    """Every shock, bloc cut and demand change of a scenario at once (methods.md §11)."""
    scenario = load_scenario(request.scenario, con)
    return _impacts("scenario run", request, con, scenario, request.importers, request.year)


def scenario_list(request: ScenarioListRequest, con: Any = None) -> ScenarioListResponse:
    """The shipped scenarios with their date and source (reads no store)."""
    from critmin.analysis.scenarios import library, parse_scenario

    rows = []
    for sid, res in sorted(library().items()):
        sc = parse_scenario(res.read_text(encoding="utf-8"), f"library:{sid}")
        rows.append({"id": sid, "name": sc.name, "name_ja": sc.name_ja, "date": sc.date,
                     "shocks": len(sc.shocks), "blocs": ", ".join(sc.blocs),
                     "source": sc.source})
    columns = list(ScenarioRow.model_fields)
    return ScenarioListResponse.of_frame(pd.DataFrame(rows, columns=columns),
                                         command="scenario list",
                                         request=request.model_dump(), columns=columns)


def _check_run(request: UncertaintyRequest) -> None:
    if not 1 <= request.draws <= MAX_DRAWS:
        raise NumberError("--draws", request.draws, low=1, high=MAX_DRAWS)
    for option, value in (("--workers", request.workers), ("--chunk", request.chunk),
                          ("--max-memory", request.max_memory_mb)):
        if value < 1:
            raise NumberError(option, value, rule="at_least", low=1)


def memory_estimate_mb(request: UncertaintyRequest, model: Any,
                       fn: Callable[..., Any]) -> float:
    """Estimated peak memory (MiB) of a run, main process plus local workers: each
    process's base, each worker's chunk (its outputs × :data:`WORKING_FACTOR`) and
    summary, and the main process's share — every draw (exact path, ≤
    :data:`critmin.analysis.uncertainty.EXACT_MAX_DRAWS` draws: gathered, concatenated
    and sorted, ×3) or the merged summary plus two in flight per worker (streaming)."""
    from critmin.analysis import uncertainty as u

    per_draw = u.chunk_bytes(fn, model)
    own = u.in_process(request.workers, request.scheduler)   # the worker is this process
    workers = 0 if own or request.scheduler is not None else request.workers
    chunk = min(request.chunk, request.draws) * per_draw * WORKING_FACTOR
    if request.draws <= u.EXACT_MAX_DRAWS:
        main, worker = 3 * request.draws * per_draw, chunk
    else:
        summary = u.summary_bytes(model)
        main = summary * (1 + 2 * max(request.workers, 1)) + chunk
        worker = chunk + 2 * summary
    return (PROCESS_BASE_MB * (1 + workers) + (main + (1 if own else workers) * worker)
            / 2 ** 20)


def _check_memory(request: UncertaintyRequest, model: Any, fn: Callable[..., Any]) -> None:
    from critmin.analysis.uncertainty import in_process

    need = memory_estimate_mb(request, model, fn)
    if need > request.max_memory_mb:
        own = in_process(request.workers, request.scheduler)
        where = ("drawn in this process" if own
                 else f"main process and {request.workers} local worker(s)")
        raise CritminError(
            f"this run needs about {need:,.0f} MiB ({where}, chunks of "
            f"{request.chunk:,} draws), more than --max-memory {request.max_memory_mb:,} "
            f"MiB: use {'' if own else 'fewer --workers, '}a smaller --chunk, or raise "
            "--max-memory")


def uncertainty_model(request: UncertaintyRequest, con: Any
                      ) -> tuple[Any, Callable[..., Any], int, Any]:
    """(model, chunk function, year, scenario or None) of an uncertainty request."""
    from critmin.analysis import uncertainty as u

    if request.scenario is None:
        from critmin.analysis.assessment import check_year
        from critmin.catalog.commodities import commodity_ids

        yr = check_year(con, request.year)
        name = resolve_importers(con, [request.importer])[0].name
        return u.indicator_model(con, name, yr, commodity_ids()), u.indicator_chunk, yr, None
    scenario = load_scenario(request.scenario, con)
    data, members = scenario_inputs(con, scenario, [request.importer], request.year)
    return u.shock_model(data, scenario, members or {}), u.shock_chunk, data.year, scenario


def uncertainty(request: UncertaintyRequest, con: Any,
                progress: Callable[[int], None] | None = None) -> UncertaintyResponse:
    """Monte Carlo (methods.md §12) on Dask: quantiles of the six indicators and
    GeoPolRisk with type/rank change probabilities, or of a scenario's direct loss,
    re-sourcing and shortfall (centre: the ``scenario run`` result). Up to
    :data:`~critmin.analysis.uncertainty.EXACT_MAX_DRAWS` draws the quantiles are exact;
    beyond, each task returns a fixed-size summary (histogram sketch) so memory does not
    grow with the draws. ``progress`` receives the number of draws done; a run whose
    estimated memory exceeds ``max_memory_mb`` is refused before it starts."""
    from critmin.analysis import uncertainty as u

    _check_run(request)
    root = u.DEFAULT_SEED if request.seed is None else request.seed
    model, fn, yr, scenario = uncertainty_model(request, con)
    _check_memory(request, model, fn)
    run = u.run_chunks if request.draws <= u.EXACT_MAX_DRAWS else u.run_summary
    draws = run(fn, model, request.draws, root, request.chunk, request.workers,
                request.scheduler, progress=progress)
    if not isinstance(draws, dict):
        draws = u.summary_quantiles(draws)
    if scenario is None:
        quant, changes = u.summarise_indicators(model, draws)
        frame, columns = with_changes(quant, changes), INDICATOR_COLUMNS
    else:
        frame, columns = u.summarise_shock(model, draws), SCENARIO_MC_COLUMNS
    frame = frame.assign(year=yr, draws=request.draws, seed=root)
    return UncertaintyResponse.of_frame(
        frame[columns].reset_index(drop=True), command="uncertainty",
        request=request.model_dump(), columns=columns,
        mode="indicators" if scenario is None else "scenario", importer=request.importer,
        year=yr, draws=request.draws, seed=root,
        scenario_id=scenario.scenario_id if scenario else None,
        scenario_name=scenario.name if scenario else None,
        assumptions=scenario_assumptions(scenario, yr) if scenario else None)


def with_changes(quant: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Quantile rows plus one row per commodity for each change probability (a missing
    rank change probability carries its reason)."""
    why = changes["rank_missing"] if "rank_missing" in changes else ""
    extra = [pd.DataFrame({"importer": changes["importer"],
                           "commodity_id": changes["commodity_id"], "stage": "",
                           "indicator": col, "value": changes[col],
                           "missing": why if col == "rank_change_probability" else ""})
             for col in ("type_change_probability", "rank_change_probability")]
    out = pd.concat([quant, *extra], ignore_index=True)
    out["missing"] = out["missing"].fillna("")
    for c in ("value", "q05", "q50", "q95"):
        out[c] = out[c].astype(float)
    return out


def shock_radar(request: ShockRequest, con: Any) -> tuple[pd.DataFrame, pd.DataFrame,
                                                           list[str], list[str], str]:
    """Before/after values of the six indicators (import window: the shock year) for
    the request's one importer: (before, after, importer names, commodities, scenario
    name)."""
    from critmin.analysis.shocks import shock_flows, shocked_meti6_inputs
    from critmin.methods.meti6 import Meti6Options, meti6_inputs, meti6_values
    from critmin.service.common import members_by_name

    if not request.importers or len(request.importers) != 1:
        raise RequestError("radar_one_importer")
    scenario = shock_scenario(request, con)
    data, _ = scenario_inputs(con, scenario, None, request.year)
    commodities = sorted({s.commodity_id for s in scenario.shocks})
    opts = Meti6Options(import_window=1)
    members = members_by_name(resolve_importers(con, request.importers))
    inp = meti6_inputs(con, members, data.year, commodities, opts)
    flows, resourced = shock_flows(data, scenario)
    after = meti6_values(shocked_meti6_inputs(inp, flows, resourced), opts)
    return meti6_values(inp, opts), after, list(members), commodities, scenario.name


COMMANDS: dict[str, tuple[type, type, Callable[..., Any]]] = {
    "shock": (ShockRequest, ImpactResponse, shock),
    "scenario run": (ScenarioRunRequest, ImpactResponse, scenario_run),
    "scenario list": (ScenarioListRequest, ScenarioListResponse, scenario_list),
    "uncertainty": (UncertaintyRequest, UncertaintyResponse, uncertainty),
}
