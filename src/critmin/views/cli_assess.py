"""``critmin assess``, ``critmin whatif`` and ``critmin report``: the six-indicator
criticality assessment of the METI study (radar, typology, policy packages, what-if)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, app, open_store, user_errors
from critmin.views.output import Format, emit

AssessImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer: ISO3, English/Japanese name or group (EU27, OECD, "
    "G7); repeat for several; 'all' for every country with trade. Default: JPN.")]
AssessYearOpt = Annotated[int | None, typer.Option(
    "--year", help="Assessment year (default: the latest with trade and production).")]
CommodityOpt = Annotated[list[str] | None, typer.Option(
    "--commodity", "-c", help="Commodity by id or name (repeatable). Default: --set.")]
SetOpt = Annotated[str, typer.Option(
    "--set", help="'all' (every catalog commodity) or 'seed13' (the METI study's 13).")]
LangOpt = Annotated[str, typer.Option("--lang", help="Labels: ja or en.")]
HhiMapOpt = Annotated[str, typer.Option(
    help="Axes 1–2 mapping: identity (x = HHI) or piecewise (0.15→⅓, 0.25→⅔).")]
SigmaOpt = Annotated[float, typer.Option(help="σ_ann that maps to 1 on axis 5.")]
ThetaHOpt = Annotated[float, typer.Option(help="Typology threshold θ_H on HHI.")]
ThetaGOpt = Annotated[float, typer.Option(help="Typology threshold θ_G on import governance.")]
ThetaBpOpt = Annotated[float, typer.Option(help="Typology threshold θ_bp on the by-product "
                                                "fraction.")]
LeversOpt = Annotated[str | None, typer.Option(
    "--levers", help="A YAML lever file, or 'example' for the shipped illustrative set.")]


def _setup(con: Any, importer: list[str] | None, year: int | None,
           commodity: list[str] | None, set_: str) -> tuple[dict[str, Any], int, list[str]]:
    from critmin.analysis.assessment import check_year
    from critmin.catalog.commodities import commodity_ids, meti13_ids, resolve_commodity
    from critmin.catalog.countries import group_ids, resolve_country
    from critmin.indicators.importers import importer_members

    if commodity:
        commodities = list(dict.fromkeys(resolve_commodity(c) for c in commodity))
    elif set_ == "all":
        commodities = commodity_ids()
    elif set_ == "seed13":
        commodities = meti13_ids()
    else:
        from critmin.errors import UnknownNameError

        raise UnknownNameError("commodity set", set_, ["all", "seed13"])
    names = importer or ["JPN"]
    if [n.lower() for n in names] == ["all"]:
        members = importer_members(con)
    else:
        ids = {g.upper(): g for g in group_ids()}
        members = importer_members(con, [ids.get(n.upper()) or resolve_country(n)
                                         for n in names])
    return members, check_year(con, year), commodities


def _options(hhi_mapping: str, sigma_ref: float, theta_h: float, theta_g: float,
             theta_bp: float) -> tuple[Any, Any]:
    from critmin.analysis.typology import TypologyThresholds
    from critmin.methods.meti6 import Meti6Options

    if hhi_mapping not in ("identity", "piecewise"):
        raise CritminError(f"--hhi-mapping {hhi_mapping!r}: use identity or piecewise")
    if sigma_ref <= 0:
        raise CritminError("--sigma-ref must be positive")
    return (Meti6Options(hhi_mapping=hhi_mapping, sigma_ref=sigma_ref),
            TypologyThresholds(hhi=theta_h, governance=theta_g, byproduct=theta_bp))


@app.command("assess")
@user_errors
def assess_cmd(
    importer: AssessImporterOpt = None, year: AssessYearOpt = None,
    commodity: CommodityOpt = None, set_: SetOpt = "all",
    explain: Annotated[bool, typer.Option(
        help="One row per axis with its raw value, basis, detail, sources and the reason "
        "for a missing value.")] = False,
    chart: Annotated[Path | None, typer.Option(
        help="Write one radar chart per commodity into this folder.")] = None,
    chart_format: Annotated[str, typer.Option(help="html, png or svg.")] = "html",
    lang: LangOpt = "ja", hhi_mapping: HhiMapOpt = "identity", sigma_ref: SigmaOpt = 1.0,
    theta_hhi: ThetaHOpt = 0.25, theta_g: ThetaGOpt = 0.5, theta_bp: ThetaBpOpt = 0.5,
    fmt: FormatOpt = Format.table,
) -> None:
    """The six METI indicators (0–1, 1 = highest risk), the type (類型) and the policy
    package of each commodity for an importer and year.

    Axes: production_concentration, reserve_concentration,
    import_governance_concentrate, import_governance_refined, historical_volatility,
    scrap_recycling. A missing axis is null with its reason. Example:
    critmin assess -i JPN --year 2023 --set seed13 -f json
    """
    from critmin.analysis.assessment import assess, assessment_records
    from critmin.views.i18n import check_lang

    check_lang(lang)
    opts, thresholds = _options(hhi_mapping, sigma_ref, theta_hhi, theta_g, theta_bp)
    with open_store() as con:
        members, yr, commodities = _setup(con, importer, year, commodity, set_)
        a = assess(con, members, yr, commodities, opts, thresholds)
    if chart is not None:
        _write_charts(a, chart, chart_format, lang)
    if explain:
        frame = a.values.rename(columns={"commodity_id": "commodity"})
        emit(_records(frame), fmt, title=f"{len(frame)} axis values")
        return
    records = assessment_records(a)
    if fmt is Format.json:
        emit(records, fmt)
        return
    from critmin.methods.meti6 import AXES

    if fmt is Format.csv:
        flat = [{"importer": r["importer"], "commodity": r["commodity"], "year": r["year"],
                 **{ax: r["indicators"][ax] for ax in AXES}, "type": r["type"],
                 "type_reason": r["type_reason"],
                 "missing": "; ".join(f"{k}: {v}" for k, v in r["missing"].items())}
                for r in records]
        emit(flat, fmt)
        return
    short = ["x1 prod", "x2 res", "x3 imp-conc", "x4 imp-ref", "x5 vol", "x6 scrap"]
    flat = [{"importer": r["importer"], "commodity": r["commodity"],
             **{s: _fmt(r["indicators"][ax]) for s, ax in zip(short, AXES, strict=True)},
             "type": r["type"] + (" (near)" if r["near_threshold"] else "")}
            for r in records]
    emit(flat, fmt, title=f"criticality assessment {yr} (0–1, 1 = highest risk; blank = "
         "missing, see --explain or -f json)")


def _fmt(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def _records(frame: Any) -> list[dict[str, Any]]:
    from critmin.views.output import records_of

    return records_of(frame)


def _write_charts(a: Any, folder: Path, chart_format: str, lang: str,
                  after: Any = None) -> list[Path]:
    from critmin.views.charts import radar_figure, write_figure

    if chart_format not in ("html", "png", "svg"):
        raise CritminError(f"--chart-format {chart_format!r}: use html, png or svg")
    out = []
    for r in a.types.itertuples(index=False):
        fig = radar_figure(a.values, r.importer, r.commodity_id, lang,
                           after=None if after is None else after.values)
        out.append(write_figure(fig, folder / f"radar_{r.importer}_{r.commodity_id}_{lang}"
                                f".{chart_format}"))
    typer.echo(f"wrote {len(out)} chart(s) to {folder}", err=True)
    return out


def _load_levers(spec: str | None) -> tuple[list[dict[str, Any]], str]:
    """Lever records from a YAML file (or the shipped example) and the scenario name."""
    if spec is None:
        return [], "what-if"
    import yaml

    if spec == "example":
        from importlib import resources

        body = resources.files("critmin.analysis").joinpath(
            "data", "whatif_example.yaml").read_text(encoding="utf-8")
    else:
        path = Path(spec)
        if not path.is_file():
            raise CritminError(f"lever file {spec} not found (or give 'example')")
        if path.stat().st_size > 1_000_000:
            raise CritminError(f"lever file {spec} is larger than 1 MB")
        body = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise CritminError(f"lever file {spec}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("levers"), list):
        raise CritminError(f"lever file {spec}: expected a mapping with a 'levers' list")
    return doc["levers"], str(doc.get("name", "what-if"))


def _levers(records: list[dict[str, Any]], importer: str) -> tuple[list[Any], Any]:
    import pandas as pd

    from critmin.analysis.whatif import levers_from_records
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country

    levers = levers_from_records(records, resolve_commodity, resolve_country)
    table = pd.DataFrame({
        "lever": [r["lever"] for r in records],
        "commodity_id": [lv.commodity_id for lv in levers],
        "parameters": [{k: v for k, v in r.items()
                        if k not in ("lever", "commodity", "source", "source_ja")}
                       for r in records],
        "source": [r.get("source", "") for r in records],
        "source_ja": [r.get("source_ja", r.get("source", "")) for r in records]})
    return levers, table


def _split_supply(text: str, flag: str) -> tuple[str, float, float]:
    """COUNTRY:T_PER_YEAR[:RESERVES_T] of --mine / --smelter."""
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        return parts[0], float(parts[1]), float(parts[2]) if len(parts) == 3 else 0.0
    except ValueError:
        raise CritminError(f"{flag} {text!r}: write COUNTRY:TONNES_PER_YEAR"
                           f"{'[:RESERVES_TONNES]' if flag == '--mine' else ''}, "
                           "e.g. AUS:20000") from None


@app.command("whatif")
@user_errors
def whatif_cmd(
    importer: Annotated[str, typer.Option("--importer", "-i", help="The importer.")] = "JPN",
    year: AssessYearOpt = None, commodity: CommodityOpt = None,
    mine: Annotated[str | None, typer.Option(
        help="① Mine/exploration investment: COUNTRY:T_PER_YEAR[:RESERVES_T].")] = None,
    smelter: Annotated[str | None, typer.Option(
        help="② Smelter investment: COUNTRY:T_PER_YEAR of refined output.")] = None,
    offtake: Annotated[float, typer.Option(
        help="Share of the new mine/smelter output the importer takes (0–1).")] = 0.5,
    kappa: Annotated[float, typer.Option(
        help="Traded tonnes per contained tonne for the offtake (default 1).")] = 1.0,
    saving: Annotated[float | None, typer.Option(
        help="③ Resource saving/substitution: demand cut (0–1).")] = None,
    recycling: Annotated[float | None, typer.Option(
        help="④ Recycling: target end-of-life recycling input rate (0–1).")] = None,
    levers: LeversOpt = None,
    chart: Annotated[Path | None, typer.Option(
        help="Write before/after radar charts into this folder.")] = None,
    chart_format: Annotated[str, typer.Option(help="html, png or svg.")] = "html",
    lang: LangOpt = "ja", fmt: FormatOpt = Format.table,
) -> None:
    """Policy what-if (政策実施前/後の評価): the study's four levers recompute the six
    indicators from changed data (never by scaling). Levers on the command line apply to
    the one --commodity; a --levers YAML file may cover several. Example:
    critmin whatif -i JPN -c rare_earths --year 2023 --mine AUS:20000 --offtake 0.5
    """
    from critmin.analysis.whatif import whatif
    from critmin.methods.meti6 import meti6_inputs
    from critmin.views.i18n import check_lang

    check_lang(lang)
    records, name = _load_levers(levers)
    if mine or smelter or saving is not None or recycling is not None:
        if not commodity or len(commodity) != 1:
            raise CritminError("levers on the command line need exactly one --commodity")
        c = commodity[0]
        if mine:
            country, added, reserves = _split_supply(mine, "--mine")
            records.append({"lever": "mine", "commodity": c, "country": country,
                            "added_t": added, "reserves_t": reserves, "offtake": offtake,
                            "kappa": kappa})
        if smelter:
            country, added, _ = _split_supply(smelter, "--smelter")
            records.append({"lever": "smelter", "commodity": c, "country": country,
                            "added_t": added, "offtake": offtake, "kappa": kappa})
        if saving is not None:
            records.append({"lever": "saving", "commodity": c, "cut": saving})
        if recycling is not None:
            records.append({"lever": "recycling", "commodity": c, "target_rir": recycling})
    if not records:
        raise CritminError("no lever given: use --mine, --smelter, --saving, --recycling or "
                           "--levers FILE")
    with open_store() as con:
        lever_objs, _ = _levers(records, importer)
        wanted = list(dict.fromkeys([lv.commodity_id for lv in lever_objs]))
        members, yr, commodities = _setup(con, [importer], year, commodity or wanted, "all")
        commodities = list(dict.fromkeys(commodities + wanted))
        inp = meti6_inputs(con, members, yr, commodities)
    before, after, deltas = whatif(inp, lever_objs, scenario=name)
    if chart is not None:
        _write_charts(before, chart, chart_format, lang, after=after)
    types = before.types[["importer", "commodity_id", "type"]].merge(
        after.types[["importer", "commodity_id", "type"]], on=["importer", "commodity_id"],
        suffixes=("_before", "_after"))
    out = deltas.merge(types, on=["importer", "commodity_id"]).rename(
        columns={"commodity_id": "commodity"})
    for col in ("before", "after", "delta"):
        out[col] = out[col].round(6)
    from critmin.views.output import records_of

    emit(records_of(out), fmt, ["importer", "commodity", "axis", "before", "after", "delta",
                                "type_before", "type_after"],
         title=f"what-if{'' if name == 'what-if' else ' ' + name}, {yr}")


@app.command("report")
@user_errors
def report_cmd(
    importer: AssessImporterOpt = None, year: AssessYearOpt = None,
    commodity: CommodityOpt = None, set_: SetOpt = "all", lang: LangOpt = "ja",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: $CRITMIN_HOME/reports).")] = None,
    levers: LeversOpt = None,
) -> None:
    """A self-contained HTML report (summary, radar grid, types and policy packages,
    what-if, data gaps, sources) and an Excel workbook of the same tables. Example:
    critmin report -i JPN --lang ja --levers example --out reports/
    """
    from rich.progress import Progress

    from critmin.analysis.assessment import assess
    from critmin.analysis.whatif import whatif
    from critmin.config import reports_dir
    from critmin.views.i18n import check_lang
    from critmin.views.report import WhatIfResult, write_report

    check_lang(lang)
    records, name = _load_levers(levers)
    with Progress(transient=True) as bar, open_store() as con:
        task = bar.add_task("assessment", total=3)
        members, yr, commodities = _setup(con, importer, year, commodity, set_)
        a = assess(con, members, yr, commodities)
        bar.advance(task)
        result = None
        if records:
            if len(members) != 1:
                raise CritminError("a report with --levers needs one --importer")
            lever_objs, table = _levers(records, next(iter(members)))
            missing = sorted({lv.commodity_id for lv in lever_objs} - set(commodities))
            if missing:
                raise CritminError(f"levers name commodities outside the report: "
                                   f"{', '.join(missing)}")
            before, after, deltas = whatif(a.inputs, lever_objs, scenario=name)
            result = WhatIfResult(before, after, deltas, table)
        bar.advance(task)
        from critmin.store.read import built_at, sources

        provenance = sources(con)[["source_id", "name", "publisher", "version", "licence"]]
        paths = write_report(a, out or reports_dir(), lang, result, provenance,
                             store_note=f"store built {built_at(con) or '?'}")
        bar.advance(task)
    for kind, path in paths.items():
        typer.echo(f"{kind}: {path}")
