"""Request layer of ``critmin assess``, ``critmin whatif`` and ``critmin report``: the
six-indicator criticality assessment of the METI study (docs/methods.md §8), its typology
and policy packages (§9) and the policy what-if (§10).

Each function takes its request and an open store connection and returns a typed
response; the CLI, the report writer and any other surface only render it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel

from critmin.catalog.langs import check_lang
from critmin.errors import CritminError, NumberError, RequestError, UnknownNameError
from critmin.service.base import PhraseText, Request, Response, TableResponse, records
from critmin.service.common import (
    check_years,
    members_by_name,
    resolve_commodities,
    resolve_importers,
)

COMMODITY_SETS = ("all", "seed13")
HHI_MAPPINGS = ("identity", "piecewise")


# ---------------------------------------------------------------- assess


class AssessRequest(Request):
    """Inputs of ``critmin assess``."""

    importers: list[str] = ["JPN"]
    """ISO3, English/Japanese names or group ids; ``["all"]``: every importing country."""
    year: int | None = None
    """Assessment year (None: the latest with trade and production)."""
    commodities: list[str] | None = None
    """Commodity ids or names (None: ``commodity_set``)."""
    commodity_set: str = "all"
    """``all`` (every catalog commodity) or ``seed13`` (the METI study's 13)."""
    explain: bool = False
    """One row per axis with raw value, basis, detail, sources and missing reason."""
    hhi_mapping: str = "identity"
    sigma_ref: float = 1.0
    theta_hhi: float = 0.25
    theta_g: float = 0.5
    theta_bp: float = 0.5
    all_packages: bool = False
    """Give the policy package of commodities outside the scope of policy advice too
    (fuels, construction minerals, gems, banned uses; catalog ``policy_scope``)."""


class AssessRow(BaseModel):
    """One importer × commodity: the six axes, the type and the policy package."""

    importer: str
    commodity: str
    year: int
    indicators: dict[str, float | None]
    """Axis id → value on 0–1 (1 = highest risk), null where missing."""
    raw: dict[str, float | None]
    """Axis id → the raw quantity (HHI, G, σ_ann or EoL-RIR)."""
    missing: dict[str, PhraseText]
    """Axis id → why the axis is missing (only missing axes)."""
    type: str
    type_reason: str
    type_reason_ja: str = ""
    """The same reason in Japanese (``type_reason`` is English)."""
    near_threshold: bool
    policy_scope: str = ""
    """Why the commodity is outside the scope of policy advice (catalog
    ``policy_scope_reasons``: fuel, construction, gem, banned_use); "" when in scope."""
    policy_package: dict[str, str]
    """Measure id → level of the type's package (empty outside the scope of policy
    advice unless the request asks for ``all_packages``)."""


class AxisRow(BaseModel):
    """One axis of one importer × commodity (``--explain``)."""

    importer: str
    commodity: str
    year: int
    axis: str
    value: float | None
    raw: float | None
    basis: PhraseText
    missing: PhraseText
    detail: PhraseText
    source_ids: str


ASSESS_COLUMNS = list(AssessRow.model_fields)
EXPLAIN_COLUMNS = list(AxisRow.model_fields)


class AssessResponse(TableResponse):
    """The assessment: one row per importer × commodity (:class:`AssessRow`), or one
    per axis with ``explain`` (:class:`AxisRow`, :class:`AssessExplainResponse`)."""

    Row: ClassVar[type[BaseModel]] = AssessRow
    year: int
    explain: bool = False

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema with ``rows`` typed as :class:`AssessRow` or :class:`AxisRow` rows."""
        typed = type(cls.__name__, (cls,), {"__annotations__": {
            "rows": list[AssessRow] | list[AxisRow]}})
        return BaseModel.model_json_schema.__func__(typed, *args, **kwargs)


class AssessExplainResponse(AssessResponse):
    """``assess --explain``: one row per axis (:class:`AxisRow`)."""

    Row: ClassVar[type[BaseModel]] = AxisRow
    explain: bool = True


def commodity_scope(names: list[str] | None, commodity_set: str) -> list[str]:
    """Commodity ids of ``names`` (deduplicated), else of the named set."""
    from critmin.catalog.commodities import commodity_ids, meti13_ids

    if names:
        return list(dict.fromkeys(resolve_commodities(names) or []))
    if commodity_set == "all":
        return commodity_ids()
    if commodity_set == "seed13":
        return meti13_ids()
    raise UnknownNameError("commodity set", commodity_set, list(COMMODITY_SETS))


def scope(con: Any, importers: list[str], year: int | None, commodities: list[str] | None,
          commodity_set: str) -> tuple[dict[str, Any], int, list[str]]:
    """``(members by importer, year, commodity ids)`` of an assessment: the importers
    resolved once (``["all"]``: every importing country; empty: JPN), the year checked
    against the years with trade and production (None: the latest)."""
    from critmin.store.read import trade_and_production_years

    names = importers or ["JPN"]
    every = [n.strip().lower() for n in names] == ["all"]
    members = members_by_name(resolve_importers(con, None if every else names))
    have = trade_and_production_years(con)
    check_years(None if year is None else [year], have, "years with trade and production")
    ids = commodity_scope(commodities, commodity_set)
    return members, have[-1] if year is None else year, ids


def _options(request: AssessRequest) -> tuple[Any, Any]:
    from critmin.analysis.typology import TypologyThresholds
    from critmin.methods.meti6 import Meti6Options

    if request.hhi_mapping not in HHI_MAPPINGS:
        raise UnknownNameError("HHI mapping", request.hhi_mapping, HHI_MAPPINGS)
    if request.sigma_ref <= 0:
        raise NumberError("--sigma-ref", request.sigma_ref, rule="positive")
    return (Meti6Options(hhi_mapping=request.hhi_mapping, sigma_ref=request.sigma_ref),
            TypologyThresholds(hhi=request.theta_hhi, governance=request.theta_g,
                               byproduct=request.theta_bp))


def assess(request: AssessRequest, con: Any) -> AssessResponse:
    """The six METI indicators, the type and the policy package of each commodity for
    the importers and year of ``request`` (docs/methods.md §8–9)."""
    from critmin.analysis.assessment import assess as run
    from critmin.analysis.assessment import assessment_records

    opts, thresholds = _options(request)
    members, year, commodities = scope(con, request.importers, request.year,
                                       request.commodities, request.commodity_set)
    a = run(con, members, year, commodities, opts, thresholds)
    head = {"command": "assess", "request": request.model_dump(), "year": year}
    if request.explain:
        frame = a.values.rename(columns={"commodity_id": "commodity"})
        return AssessExplainResponse.of_frame(frame, columns=EXPLAIN_COLUMNS,
                                              **{**head, "command": "assess --explain"})
    frame = pd.DataFrame(assessment_records(a, request.all_packages), columns=ASSESS_COLUMNS)
    return AssessResponse.of_frame(frame, columns=ASSESS_COLUMNS, **head)


# ---------------------------------------------------------------- whatif


class WhatIfRequest(Request):
    """Inputs of ``critmin whatif``."""

    importer: str = "JPN"
    year: int | None = None
    commodities: list[str] | None = None
    """Commodities assessed besides those the levers name."""
    levers: list[dict[str, Any]] = []
    """Lever records ``{lever: mine|smelter|recycling|saving, commodity, …}``
    (:func:`critmin.analysis.whatif.levers_from_records`), after the file's."""
    lever_file: str | None = None
    """A YAML lever file, or ``example`` for the shipped illustrative set."""


class WhatIfRow(BaseModel):
    """One axis of one importer × commodity before and after the levers."""

    importer: str
    commodity: str
    axis: str
    before: float | None
    after: float | None
    delta: float | None
    type_before: str
    type_after: str
    rise_reason: PhraseText = ""
    """Why the levers raise this axis (a lever that raises risk says so); "" otherwise."""
    missing: PhraseText = ""
    """Why the axis has no value before the levers (the reason vocabulary); "" if it has
    one."""


WHATIF_COLUMNS = list(WhatIfRow.model_fields)


class WhatIfResponse(TableResponse):
    """The axes before and after a lever set (:class:`WhatIfRow`)."""

    Row: ClassVar[type[BaseModel]] = WhatIfRow
    year: int
    scenario: str


def split_supply(text: str, flag: str) -> tuple[str, float, float]:
    """``COUNTRY:T_PER_YEAR[:RESERVES_T]`` of ``--mine`` / ``--smelter`` (full-width
    digits and colons, as a Japanese keyboard types them, read as ASCII)."""
    import unicodedata

    from critmin.errors import FormatError

    parts = unicodedata.normalize("NFKC", text).replace(",", "").split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        return parts[0], float(parts[1]), float(parts[2]) if len(parts) == 3 else 0.0
    except ValueError:
        raise FormatError(flag, text, "COUNTRY:TONNES_PER_YEAR"
                          + ("[:RESERVES_TONNES]" if flag == "--mine" else ""),
                          "AUS:20000") from None


def lever_records(commodities: list[str] | None, mine: str | None = None,
                  smelter: str | None = None, offtake: float = 0.5, kappa: float = 1.0,
                  saving: float | None = None, recycling: float | None = None
                  ) -> list[dict[str, Any]]:
    """Lever records of the command-line levers (they apply to the one commodity)."""
    if not (mine or smelter or saving is not None or recycling is not None):
        return []
    if not commodities or len(commodities) != 1:
        raise RequestError("levers_one_commodity")
    c = commodities[0]
    out: list[dict[str, Any]] = []
    if mine:
        country, added, reserves = split_supply(mine, "--mine")
        out.append({"lever": "mine", "commodity": c, "country": country, "added_t": added,
                    "reserves_t": reserves, "offtake": offtake, "kappa": kappa})
    if smelter:
        country, added, _ = split_supply(smelter, "--smelter")
        out.append({"lever": "smelter", "commodity": c, "country": country,
                    "added_t": added, "offtake": offtake, "kappa": kappa})
    if saving is not None:
        out.append({"lever": "saving", "commodity": c, "cut": saving})
    if recycling is not None:
        out.append({"lever": "recycling", "commodity": c, "target_rir": recycling})
    return out


def _levers(lever_file: str | None, extra: list[dict[str, Any]]
            ) -> tuple[list[dict[str, Any]], list[Any], str]:
    """(records, lever objects, scenario name): the file's records, then ``extra``."""
    from critmin.analysis.whatif import levers_from_records, read_lever_file
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country

    recs, name = read_lever_file(lever_file) if lever_file else ([], "what-if")
    recs = recs + [dict(r) for r in extra]
    return recs, levers_from_records(recs, resolve_commodity, resolve_country), name


def _type_change(before: Any, after: Any, deltas: pd.DataFrame) -> pd.DataFrame:
    """The what-if rows with the types before and after and, for an axis without a value,
    the reason it is missing."""
    key = ["importer", "commodity_id"]
    types = before.types[[*key, "type"]].merge(after.types[[*key, "type"]], on=key,
                                               suffixes=("_before", "_after"))
    missing = before.values[[*key, "axis", "missing"]]
    out = deltas.merge(types, on=key).merge(missing, on=[*key, "axis"], how="left")
    out["missing"] = out["missing"].where(out["before"].isna(), "").fillna("")
    return out.rename(columns={"commodity_id": "commodity"})


def whatif(request: WhatIfRequest, con: Any) -> WhatIfResponse:
    """Policy what-if (docs/methods.md §10): the levers change the data behind the axes
    and the six indicators are recomputed; rows ``before, after, delta`` per axis."""
    from critmin.analysis.assessment import assess as baseline
    from critmin.analysis.whatif import whatif as run

    _, levers, name = _levers(request.lever_file, request.levers)
    if not levers:
        raise RequestError("no_lever")
    wanted = list(dict.fromkeys(lv.commodity_id for lv in levers))
    members, year, commodities = scope(con, [request.importer], request.year,
                                       request.commodities or wanted, "all")
    commodities = list(dict.fromkeys(commodities + wanted))
    a = baseline(con, members, year, commodities)
    before, after, deltas = run(a.inputs, levers, scenario=name, before=a)
    return WhatIfResponse.of_frame(
        _type_change(before, after, deltas), command="whatif",
        request=request.model_dump(), columns=WHATIF_COLUMNS, year=year, scenario=name)


# ---------------------------------------------------------------- report


class ReportRequest(Request):
    """Inputs of ``critmin report``."""

    importers: list[str] = ["JPN"]
    year: int | None = None
    commodities: list[str] | None = None
    commodity_set: str = "all"
    lang: str = "ja"
    out: str | None = None
    """Output folder (None: ``$CRITMIN_HOME/reports``)."""
    levers: list[dict[str, Any]] = []
    lever_file: str | None = None


class ReportWhatIf(BaseModel):
    """The what-if section of a report."""

    scenario: str
    deltas: list[dict[str, Any]]
    """``importer, commodity_id, axis, before, after, delta``."""
    after_values: list[dict[str, Any]]
    """The axes after the levers (the rows of :attr:`ReportResponse.values`)."""
    levers: list[dict[str, Any]]
    """``lever, commodity_id, parameters, source, source_ja``."""


class ReportMetadata(BaseModel):
    """How a report was made: what its metadata sheet and its methods section state."""

    options: dict[str, Any]
    """The six indicators' options (:class:`critmin.methods.meti6.Meti6Options`):
    ``production_window``, ``import_window``, ``volatility_window`` (years),
    ``reserves_max_gap``, ``recycling_max_gap`` (years), ``hhi_mapping``, ``sigma_ref``,
    ``dimensions`` (the WGI setting), ``min_dimensions``, ``missing_governance`` (the
    risk of a partner without WGI), ``intra_group``."""
    hhi_knots: list[list[float]]
    """``(HHI, axis value)`` knots of the piecewise HHI mapping."""
    windows: dict[str, list[int]]
    """``production``, ``imports``, ``volatility`` → ``[first, last]`` year."""
    thresholds: dict[str, float]
    """``theta_hhi``, ``theta_g``, ``theta_bp``, ``near`` of the typology rules."""
    wgi_dimensions: list[str]
    """The WGI dimensions averaged into each partner's governance risk."""
    wgi_years: list[dict[str, Any]]
    """Per import-window year: ``year``, ``data_years`` (the WGI years used, carried
    forward at most two years), ``source_ids``, ``countries``."""
    estimates: list[dict[str, Any]]
    """``commodity_id, stage, year, source_id, flag, share``: the share of the
    production behind axis 1 that its source flags ``estimated`` or ``preliminary``."""
    estimated_commodities: list[str]
    """Commodities whose report-year production behind axis 1 is at least
    ``estimated_majority`` estimated."""
    estimated_majority: float
    type_rules: list[dict[str, str]]
    """``type, rule, signature_en, signature_ja`` of every type (catalog), in the order
    the rules are tried."""


class ReportResponse(Response):
    """What ``critmin report`` renders and the files it writes them to."""

    importers: list[str]
    year: int
    lang: str
    files: dict[str, str]
    """Kind (``html``, ``xlsx``) → the path the report is written to."""
    summary: list[AssessRow]
    """The assessment, one row per importer × commodity (as ``critmin assess``)."""
    values: list[dict[str, Any]]
    """Tidy axes: ``importer, commodity_id, year, axis, value, raw, basis, missing,
    detail, source_ids``."""
    types: list[dict[str, Any]]
    """``importer, commodity_id, type, rule, type_reason, type_reason_ja, min_margin,
    near_threshold, policy_scope`` (why the commodity is outside the scope of policy
    advice and gets no package; "" when in scope)."""
    packages: list[dict[str, Any]]
    """``type, measure_id, level, level_class, certainty``."""
    whatif: ReportWhatIf | None = None
    sources: list[dict[str, Any]]
    """``source_id, name, publisher, version, licence`` of every source in the store."""
    store_built_at: str | None = None
    metadata: ReportMetadata


def _report_whatif(request: ReportRequest, a: Any, members: dict[str, Any],
                   commodities: list[str]) -> ReportWhatIf | None:
    from critmin.analysis.whatif import lever_table
    from critmin.analysis.whatif import whatif as run

    recs, levers, name = _levers(request.lever_file, request.levers)
    if not levers:
        return None
    if len(members) != 1:
        raise RequestError("report_levers_one_importer")
    missing = sorted({lv.commodity_id for lv in levers} - set(commodities))
    if missing:
        raise CritminError(f"levers name commodities outside the report: "
                           f"{', '.join(missing)}")
    _, after, deltas = run(a.inputs, levers, scenario=name, before=a)
    return ReportWhatIf(scenario=name, deltas=records(deltas),
                        after_values=records(after.values),
                        levers=records(lever_table(recs, levers)))


ESTIMATE_FLAGS = ("estimated", "preliminary")
"""Production flags that mark a figure as an estimate (a source's "e", "p")."""
ESTIMATED_MAJORITY = 0.5
"""A commodity's report-year production counts as estimated (named in the report's
title) when at least this share of it is flagged (:data:`ESTIMATE_FLAGS`)."""


def production_estimates(production: pd.DataFrame, primary: dict[str, str]
                         ) -> pd.DataFrame:
    """Per commodity × stage × year × source of the production behind axis 1 (the
    commodity's ``primary`` stage), the share its source flags as an estimate:
    ``share = Σ q·[flag ∈ ESTIMATE_FLAGS] / Σ q`` (docs/methods.md §8, axis 1); rows
    with a share > 0: ``commodity_id, stage, year, source_id, flag, share``."""
    key = ["commodity_id", "stage", "year", "source_id"]
    p = production[production["stage"].eq(production["commodity_id"].map(primary))
                   & production["quantity"].notna()]
    kinds = [next((t for t in str(f).split(";") if t in ESTIMATE_FLAGS), "")
             for f in p["flag"].fillna("")]
    p = p.assign(flag=kinds, flagged=p["quantity"].where([k != "" for k in kinds], 0.0))
    g = p.groupby(key).agg(total=("quantity", "sum"), flagged=("flagged", "sum"),
                           flag=("flag", lambda s: "; ".join(sorted(set(s) - {""}))))
    g = g.reset_index().assign(share=lambda f: f["flagged"] / f["total"].where(
        f["total"] > 0))
    return g[g["share"] > 0][[*key, "flag", "share"]].reset_index(drop=True)


def _wgi_basis(con: Any, opts: Any, years: list[int]) -> tuple[list[str], list[dict]]:
    """(dimensions, per import year: the WGI years and sources the risks come from)."""
    from critmin.indicators.governance import store_country_risk, store_dimensions
    from critmin.indicators.inputs import store_governance

    gov = store_governance(con)
    dims = store_dimensions(con, opts.dimensions)
    risk = store_country_risk(con, years, dims, opts.min_dimensions)
    risk = risk.assign(data_year=risk["year"] - risk["lag"])
    used = gov[gov["dimension"].isin(dims)]
    out = []
    for y, g in risk.groupby("year"):
        data = sorted({int(d) for d in g["data_year"]})
        out.append({"year": int(y), "data_years": data, "countries": int(g["iso3"].nunique()),
                    "source_ids": sorted(set(used.loc[used["year"].isin(data), "source_id"]))})
    return list(dims), out


def _type_rules() -> list[dict[str, str]]:
    from critmin.analysis.typology import RULE_OF_TYPE, type_ids
    from critmin.catalog.tables import read_table

    rows = {r["type_id"]: r for r in read_table("criticality_types")}
    return [{"type": t, "rule": RULE_OF_TYPE[t], "signature_en": rows[t]["signature_en"],
             "signature_ja": rows[t]["signature_ja"]}
            for t in sorted(type_ids(), key=lambda t: RULE_OF_TYPE[t])]


def report_metadata(con: Any, a: Any, opts: Any, thresholds: Any) -> ReportMetadata:
    """The report's metadata: options, windows, thresholds, WGI basis, estimates."""
    from dataclasses import asdict

    from critmin.methods.meti6 import HHI_KNOTS

    year = a.inputs.year
    span = {"production": opts.production_window, "imports": opts.import_window,
            "volatility": opts.volatility_window}
    dims, wgi_years = _wgi_basis(con, opts, list(range(year - opts.import_window + 1,
                                                        year + 1)))
    est = production_estimates(a.inputs.production, a.inputs.primary_stage)
    now = est[(est["year"] == year) & (est["share"] >= ESTIMATED_MAJORITY)]
    return ReportMetadata(
        options=asdict(opts),
        hhi_knots=[list(k) for k in HHI_KNOTS],
        windows={k: [year - n + 1, year] for k, n in span.items()},
        thresholds={"theta_hhi": thresholds.hhi, "theta_g": thresholds.governance,
                    "theta_bp": thresholds.byproduct, "near": thresholds.near},
        wgi_dimensions=dims, wgi_years=wgi_years, estimates=records(est),
        estimated_commodities=[c for c in a.inputs.commodities
                               if c in set(now["commodity_id"])],
        estimated_majority=ESTIMATED_MAJORITY,
        type_rules=_type_rules())


def report(request: ReportRequest, con: Any) -> ReportResponse:
    """The report's content (assessment, types and packages, what-if, data gaps,
    sources, metadata) and the paths of its HTML file and Excel workbook."""
    from critmin.analysis.assessment import assess as run
    from critmin.analysis.assessment import assessment_records
    from critmin.analysis.typology import TypologyThresholds, policy_scope
    from critmin.config import reports_dir
    from critmin.methods.meti6 import Meti6Options
    from critmin.store.read import built_at, sources

    lang = check_lang(request.lang)
    members, year, commodities = scope(con, request.importers, request.year,
                                       request.commodities, request.commodity_set)
    opts, thresholds = Meti6Options(), TypologyThresholds()
    a = run(con, members, year, commodities, opts, thresholds)
    whatif_part = _report_whatif(request, a, members, commodities)
    importers = list(dict.fromkeys(a.types["importer"]))
    folder = Path(request.out) if request.out else reports_dir()
    stem = folder / f"report_{'_'.join(importers)}_{year}_{lang}"
    provenance = sources(con)[["source_id", "name", "publisher", "version", "licence"]]
    return ReportResponse(
        command="report", request=request.model_dump(), importers=importers, year=year,
        lang=lang, files={"html": str(stem.with_suffix(".html")),
                          "xlsx": str(stem.with_suffix(".xlsx"))},
        summary=assessment_records(a), values=records(a.values),
        types=records(a.types.assign(policy_scope=policy_scope(a.types["commodity_id"])
                                     .to_numpy())),
        packages=records(a.packages), whatif=whatif_part, sources=records(provenance),
        store_built_at=built_at(con), metadata=report_metadata(con, a, opts, thresholds))


COMMANDS = {
    "assess": (AssessRequest, AssessResponse, assess),
    "assess --explain": (AssessRequest, AssessExplainResponse, assess),
    "whatif": (WhatIfRequest, WhatIfResponse, whatif),
    "report": (ReportRequest, ReportResponse, report),
}
