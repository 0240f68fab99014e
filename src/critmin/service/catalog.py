"""Requests of the catalog commands: ``commodities``, ``countries`` and ``demo`` (the top
producing country per METI mineral, methods.md §2)."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from critmin.service.base import PhraseText, Request, TableResponse


class StageCoverage(BaseModel):
    """A commodity's value-chain stage: its HS6 codes and what the store holds of it."""

    stage: str
    hs6: str | None = None
    production_years: str | None = None
    trade_rows: int | None = None


class CommodityRow(BaseModel):
    """One commodity of the catalog."""

    commodity_id: str
    name_en: str
    name_ja: str
    symbol: str
    family: str
    meti13: bool
    stages: list[StageCoverage]
    production_series: list[str]
    byproduct_hosts: list[str]
    stages_with_data: list[str] | None
    """Stages with production or trade in the store (None: no store built)."""
    source: str


class CommoditiesRequest(Request):
    """``critmin commodities``: the commodity catalog."""

    names: list[str] | None = Field(
        None, description="Minerals (id, symbol, English or Japanese name); all if None.")
    meti13: bool = Field(False, description="Only the 13 minerals of the METI study.")


class CommoditiesResponse(TableResponse):
    """The commodities with stages, HS6 codes, series and store coverage."""

    Row = CommodityRow
    in_store: bool
    """Whether a store was read for the coverage."""


COMMODITY_COLUMNS = ["commodity_id", "name_en", "name_ja", "symbol", "family", "meti13",
                     "stages", "production_series", "byproduct_hosts", "stages_with_data",
                     "source"]


def _coverage(con: Any | None) -> dict[tuple[str, str], dict[str, Any]]:
    """Stage coverage from the store, or the catalog's stages alone (``con`` None)."""
    from critmin.catalog.tables import read_table

    cov: dict[tuple[str, str], dict[str, Any]] = {}
    if con is not None:
        from critmin.catalog.coverage import stage_coverage

        for r in stage_coverage(con).to_dict("records"):
            cov[(r["commodity_id"], r["stage"])] = {
                "hs6": r["hs6"], "production_years": r["production_years"],
                "trade_rows": int(r["trade_rows"])}
        return cov
    for table in ("commodity_stages", "production_series"):
        for r in read_table(table):
            entry = cov.setdefault((r["commodity_id"], r["stage"]), {"hs6": ""})
            if r.get("hs6"):
                entry["hs6"] = ";".join(filter(None, [entry["hs6"], r["hs6"]]))
    return cov


def commodities(request: CommoditiesRequest, con: Any | None) -> CommoditiesResponse:
    """The catalog rows of the requested commodities; ``con`` (None: no store) adds which
    stages have production or trade data."""
    from critmin.catalog.commodities import meti13_ids
    from critmin.catalog.tables import read_table
    from critmin.service.common import resolve_commodities

    rows = {r["commodity_id"]: dict(r) for r in read_table("commodities")}
    ids = resolve_commodities(request.names) or list(rows)
    if request.meti13:
        ids = [i for i in ids if i in set(meti13_ids())]
    stages: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for (cid, stage), cov in _coverage(con).items():
        if cid in stages:
            stages[cid].append({"stage": stage, **cov})
    series: dict[str, list[str]] = {}
    for r in read_table("production_series"):
        series.setdefault(r["commodity_id"], []).append(f"{r['stage']}: {r['series']}")
    out = []
    for cid in ids:
        r = rows[cid]
        with_data = [s["stage"] for s in stages[cid]
                     if s.get("production_years") or s.get("trade_rows")]
        out.append({
            "commodity_id": cid, "name_en": r["name_en"], "name_ja": r["name_ja"],
            "symbol": r["symbol"], "family": r["family"], "meti13": r["meti13"] == "true",
            "stages": stages[cid], "production_series": series.get(cid, []),
            "byproduct_hosts": [h for h in r["byproduct_hosts"].split(";") if h],
            "stages_with_data": with_data if con is not None else None,
            "source": r["source"]})
    return CommoditiesResponse.of_frame(
        pd.DataFrame(out, columns=COMMODITY_COLUMNS), command="commodities",
        request=request.model_dump(), columns=COMMODITY_COLUMNS, in_store=con is not None)


class CountryRow(BaseModel):
    """One country of the catalog."""

    iso3: str
    name_en: str
    name_ja: str
    status: str
    groups: str
    """Groups the country belongs to, ``;``-separated."""


class CountriesRequest(Request):
    """``critmin countries``: the country catalog."""

    names: list[str] | None = Field(
        None, description="Countries (ISO3, English or Japanese name); all if None.")
    group: str | None = Field(None, description="Only members of this group (EU27, OECD, "
                                                "G7).")
    historic: bool = Field(False, description="Include former countries (ISO 3166-3).")


class CountriesResponse(TableResponse):
    """Countries with ISO3 code, names and group membership."""

    Row = CountryRow


COUNTRY_COLUMNS = ["iso3", "name_en", "name_ja", "status", "groups"]


def countries(request: CountriesRequest, con: Any | None = None) -> CountriesResponse:
    """The requested countries of the catalog (``con`` is not read)."""
    from critmin.catalog.countries import (
        country_table,
        group_members,
        group_table,
        resolve_country,
    )

    table = country_table()
    if request.names:
        wanted = [resolve_country(n) for n in request.names]
        table = table.set_index("iso3").loc[wanted].reset_index()
    elif not request.historic:
        table = table[table["status"] != "historic"]
    if request.group:
        table = table[table["iso3"].isin(group_members(request.group))]
    groups = group_table().groupby("iso3")["group_id"].agg(lambda g: ";".join(sorted(g)))
    table = table.assign(groups=table["iso3"].map(groups).fillna(""))
    return CountriesResponse.of_frame(
        table.reset_index(drop=True), command="countries", request=request.model_dump(),
        columns=COUNTRY_COLUMNS)


class TopProducerRow(BaseModel):
    """The top producer of one METI mineral's primary stage (methods.md §2)."""

    commodity_id: str
    name_en: str | None
    name_ja: str | None
    year: int
    stage: str | None
    source_id: str | None
    top_iso3: str | None
    top_quantity: float | None
    top_share: float | None
    """T1 = max_i q_i / Σ q (0–1); None without production that year."""
    total: float | None
    n_producers: int | None
    unit: str | None
    alternatives: str | None
    country_en: str | None = None
    country_ja: str | None = None
    preference: str
    missing: PhraseText


class DemoRequest(Request):
    """``critmin demo``: the top producing country of each METI mineral in a year."""

    year: int | None = Field(None, description="Production year (None: the default year, "
                             "the latest with both trade and production).")
    prefer: list[str] | None = Field(
        None, description="Source preference for production (source-id prefixes); default "
        "usgs-mcs, wmd or $CRITMIN_PRODUCTION_PREFERENCE.")


class DemoResponse(TableResponse):
    """One row per METI mineral: the top producer and its share of world production."""

    Row = TopProducerRow
    year: int
    """The production year shown."""


def _check_prefixes(con: Any, preference: tuple[str, ...]) -> None:
    """Each ``--prefer`` prefix must start some source id in the store (else it would be
    silently ignored)."""
    from critmin.errors import UnknownNameError
    from critmin.store.read import sources

    ids = [str(s) for s in sources(con)["source_id"]]
    for prefix in preference:
        if not any(s.startswith(prefix) for s in ids):
            raise UnknownNameError("source prefix", prefix, ids)


def demo(request: DemoRequest, con: Any) -> DemoResponse:
    """:func:`critmin.analysis.producers.top_producer_table` for the 13 METI minerals."""
    from critmin.analysis.producers import production_years, top_producer_table
    from critmin.catalog.commodities import meti13_ids
    from critmin.service.common import check_years, default_year

    year = default_year(con) if request.year is None else request.year
    check_years([year], production_years(con), "production")
    preference = tuple(request.prefer) if request.prefer else None
    _check_prefixes(con, preference or ())
    frame = top_producer_table(con, meti13_ids(), year, preference)
    return DemoResponse.of_frame(frame, command="demo", request=request.model_dump(),
                                 columns=list(frame.columns), year=year)


ChoiceKind = Literal["indicators", "stages", "levers", "axes", "types"]


class ChoicesRequest(Request):
    """``--list`` of ``indicators``, ``whatif`` and ``assess``: the ids a user can give."""

    kinds: list[ChoiceKind]


class ChoiceRow(BaseModel):
    """One id with its names and what it means."""

    kind: str
    id: str
    name_en: str
    name_ja: str
    detail: str
    """Unit and definition (indicators), trade (stages), parameters (levers), stage
    (axes), signature (types)."""
    detail_ja: str
    source: str


class ChoicesResponse(TableResponse):
    """The ids of the kinds asked for (:class:`ChoiceRow`), kind by kind."""

    Row = ChoiceRow


def _choice_rows(kind: str) -> list[dict[str, str]]:
    from dataclasses import fields

    from critmin.analysis.whatif import LEVER_KINDS
    from critmin.catalog.reasons import STAGE_LABELS, STAGE_NAMES
    from critmin.catalog.tables import read_table

    if kind == "indicators":
        return [{"id": r["indicator_id"], "name_en": r["name_en"], "name_ja": r["name_ja"],
                 "detail": f"{r['unit']}: {r['description_en']}",
                 "detail_ja": f"{r['unit_ja']}：{r['description_ja']}",
                 "source": r["source"]}
                for r in read_table("indicators")]
    if kind == "stages":
        return [{"id": s, "name_en": n["en"], "name_ja": n["ja"],
                 "detail": f"trade in {STAGE_LABELS[s]['en']}",
                 "detail_ja": f"{STAGE_LABELS[s]['ja']}の貿易", "source": "docs/methods.md §3"}
                for s, n in STAGE_NAMES.items()]
    if kind == "levers":
        measures = {r["measure_id"]: r for r in read_table("policy_measures")}
        ids = {"mine": "mine_investment", "smelter": "smelter_investment",
               "saving": "saving_substitution", "recycling": "recycling_technology"}
        return [{"id": lever, "name_en": measures[ids[lever]]["name_en"],
                 "name_ja": measures[ids[lever]]["name_ja"],
                 "detail": ", ".join(f.name for f in fields(cls)
                                     if f.name not in ("commodity_id", "order")),
                 "detail_ja": ", ".join(f.name for f in fields(cls)
                                        if f.name not in ("commodity_id", "order")),
                 "source": measures[ids[lever]]["source"]} for lever, cls in LEVER_KINDS.items()]
    table, key = {"axes": ("meti6_axes", "axis_id"), "types": ("criticality_types",
                                                              "type_id")}[kind]
    return [{"id": r[key], "name_en": r["name_en"], "name_ja": r["name_ja"],
             "detail": r.get("stage") or r.get("signature_en", ""),
             "detail_ja": _stage_ja(r.get("stage")) or r.get("signature_ja", ""),
             "source": r["source"]}
            for r in read_table(table)]


def _stage_ja(stage: str | None) -> str:
    """The Japanese name of an axis's stage (``primary``: the commodity's main one)."""
    from critmin.catalog.reasons import STAGE_NAMES

    if not stage:
        return ""
    return "主要な段階（採掘または製錬）" if stage == "primary" else \
        STAGE_NAMES.get(stage, {}).get("ja", stage)


def choices(request: ChoicesRequest, con: Any = None) -> ChoicesResponse:
    """The ids of each kind of ``request.kinds`` with names (en/ja), meaning and source."""
    rows = [{"kind": kind, **r} for kind in request.kinds for r in _choice_rows(kind)]
    frame = pd.DataFrame(rows, columns=list(ChoiceRow.model_fields))
    return ChoicesResponse.of_frame(frame, command="choices", request=request.model_dump(),
                                    columns=list(frame.columns))


COMMANDS = {
    "choices": (ChoicesRequest, ChoicesResponse, choices),
    "commodities": (CommoditiesRequest, CommoditiesResponse, commodities),
    "countries": (CountriesRequest, CountriesResponse, countries),
    "demo": (DemoRequest, DemoResponse, demo),
}
