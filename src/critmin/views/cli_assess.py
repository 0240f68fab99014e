"""``critmin assess``, ``critmin whatif`` and ``critmin report``: the six-indicator
criticality assessment of the METI study (radar, typology, policy packages, what-if).

Thin: each command parses its options into a request of :mod:`critmin.service.assess`,
calls the service and renders the response (table, CSV, JSON, radar charts, report files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, LangOpt, app, current_lang, open_store, user_errors
from critmin.views.cli_catalog import ListOpt, listed
from critmin.views.i18n import has_text, label, text
from critmin.views.output import Format, emit, records_of, render
from critmin.views.tables import AxisReasons, header

AssessImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer: ISO3, English/Japanese name or group (EU27, OECD, "
    "G7); repeat for several; 'all' for every country with trade. Default: JPN.")]
AssessYearOpt = Annotated[int | None, typer.Option(
    "--year", help="Assessment year (default: the latest with trade and production).")]
CommodityOpt = Annotated[list[str] | None, typer.Option(
    "--commodity", "-c", help="Commodity by id or name (repeatable). Default: --set.")]
SetOpt = Annotated[str, typer.Option(
    "--set", help="'all' (every catalog commodity) or 'seed13' (the METI study's 13).")]
HhiMapOpt = Annotated[str, typer.Option(
    help="Axes 1–2 mapping: identity (x = HHI) or piecewise (0.15→⅓, 0.25→⅔).")]
SigmaOpt = Annotated[float, typer.Option(help="σ_ann that maps to 1 on axis 5.")]
ThetaHOpt = Annotated[float, typer.Option(help="Typology threshold θ_H on HHI.")]
ThetaGOpt = Annotated[float, typer.Option(help="Typology threshold θ_G on import governance.")]
ThetaBpOpt = Annotated[float, typer.Option(help="Typology threshold θ_bp on the by-product "
                                                "fraction.")]
LeversOpt = Annotated[str | None, typer.Option(
    "--levers", help="A YAML lever file, or 'example' for the shipped illustrative set.")]
AllPackagesOpt = Annotated[bool, typer.Option(
    "--all-packages", help="Give the policy package of commodities outside the scope of "
    "policy advice too (fuels, construction minerals, gems, banned uses; marked † and "
    "left without a package by default).")]
ExplainOpt = Annotated[bool, typer.Option(
    help="One row per axis with its raw value, basis, detail, sources and the reason for a "
    "missing value.")]
ChartFormatOpt = Annotated[str, typer.Option(help="html, png or svg.")]

@app.command("assess")
@user_errors
def assess_cmd(
    importer: AssessImporterOpt = None, year: AssessYearOpt = None,
    commodity: CommodityOpt = None, set_: SetOpt = "all", explain: ExplainOpt = False,
    chart: Annotated[Path | None, typer.Option(
        help="Write one radar chart per commodity into this folder.")] = None,
    chart_format: ChartFormatOpt = "html", lang: LangOpt = None,
    hhi_mapping: HhiMapOpt = "identity", sigma_ref: SigmaOpt = 1.0,
    theta_hhi: ThetaHOpt = 0.25, theta_g: ThetaGOpt = 0.5, theta_bp: ThetaBpOpt = 0.5,
    all_packages: AllPackagesOpt = False, list_: ListOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """The six METI indicators (0–1, 1 = highest risk), the type (類型) and the policy
    package of each commodity for an importer and year. A missing axis is null with its
    reason. Example: critmin assess -i JPN --year 2023 --set seed13 -f json
    """
    from critmin.service.assess import AssessRequest, assess

    if listed(list_, ["axes", "types"], fmt, lang):
        return
    request = AssessRequest(
        importers=importer or ["JPN"], year=year, commodities=commodity,
        commodity_set=set_, explain=explain, hhi_mapping=hhi_mapping, sigma_ref=sigma_ref,
        theta_hhi=theta_hhi, theta_g=theta_g, theta_bp=theta_bp, all_packages=all_packages)
    with open_store() as con:
        response = assess(request, con)
    if chart is not None:
        _write_charts(_axis_values(response), chart, chart_format, lang)
    _render_assessment(response, fmt)


def _axis_values(response: Any) -> Any:
    """``importer, commodity_id, axis, value`` of an assess response (for the radars)."""
    import pandas as pd

    frame = response.frame
    if response.explain:
        return frame.rename(columns={"commodity": "commodity_id"})
    return pd.DataFrame([{"importer": r.importer, "commodity_id": r.commodity, "axis": ax,
                          "value": v} for r in frame.itertuples(index=False)
                         for ax, v in r.indicators.items()])


def _render_assessment(response: Any, fmt: Format) -> None:
    """JSON: the response; explain: its rows; else one flat row per commodity."""
    frame = response.frame
    if fmt is Format.json or response.explain:
        render(response, fmt, title=text("title_axis_values", current_lang()).format(
            n=len(frame)))
        return
    rows, lang = [], current_lang()
    for r in frame.itertuples(index=False):
        head = {"importer": r.importer, "commodity": r.commodity}
        if fmt is Format.csv:
            ja = {"type_reason_ja": r.type_reason_ja} if lang == "ja" else {}
            rows.append({**head, "year": r.year, **r.indicators, "type": r.type,
                         "type_reason": r.type_reason, **ja,
                         "missing": AxisReasons(r.missing)})
        else:
            rows.append({**head, **{f"axis_{i}": v for i, v in
                                    enumerate(r.indicators.values(), start=1)},
                         "type": label("type", r.type, lang)
                         + (" *" if r.near_threshold else "")
                         + (" †" if r.policy_scope else "")})
    from critmin.methods.meti6 import axis_ids

    legend = "  ".join(f"{header(f'axis_{i}', lang)} {label('axis', ax, lang)}"
                       for i, ax in enumerate(axis_ids(), start=1))
    if frame["near_threshold"].any():
        legend += "\n" + text("near_marker", lang)
    scopes = sorted({r.policy_scope for r in frame.itertuples(index=False) if r.policy_scope})
    if scopes:
        legend += "\n" + text("scope_marker", lang).format(
            reasons=("、" if lang == "ja" else "; ").join(label("scope", s, lang)
                                                       for s in scopes))
    emit(rows, fmt, title=text("title_assess", lang).format(year=response.year), note=legend)


def _write_charts(values: Any, folder: Path, chart_format: str, lang: str,
                  after: Any = None) -> list[Path]:
    """One radar per importer × commodity of ``values`` (``after``: the what-if trace)."""
    from critmin.views.charts import radar_figure, write_figure

    if chart_format not in ("html", "png", "svg"):
        raise CritminError(f"--chart-format {chart_format!r}: use html, png or svg")
    out = []
    cells = values[["importer", "commodity_id"]].drop_duplicates()
    for r in cells.itertuples(index=False):
        fig = radar_figure(values, r.importer, r.commodity_id, lang, after=after)
        out.append(write_figure(fig, folder / f"radar_{r.importer}_{r.commodity_id}_{lang}"
                                f".{chart_format}"))
    typer.echo(f"wrote {len(out)} chart(s) to {folder}", err=True)
    return out


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
    chart_format: ChartFormatOpt = "html",
    list_: ListOpt = False,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Policy what-if (政策実施前/後の評価): the four levers recompute the six indicators
    from changed data (never by scaling); command-line levers apply to the one
    --commodity, a --levers YAML file may cover several. Example:
    critmin whatif -i JPN -c rare_earths --mine AUS:20000 --offtake 0.5"""
    from critmin.service.assess import WhatIfRequest, lever_records, whatif

    if listed(list_, ["levers"], fmt, lang):
        return
    request = WhatIfRequest(importer=importer, year=year, commodities=commodity,
                            lever_file=levers, levers=lever_records(
                                commodity, mine, smelter, offtake, kappa, saving, recycling))
    with open_store() as con:
        response = whatif(request, con)
    if chart is not None:
        _whatif_charts(response.frame, chart, chart_format, lang)
    _render_whatif(response, fmt)


def _whatif_charts(frame: Any, folder: Path, chart_format: str, lang: str) -> None:
    """Before/after radars of the what-if rows."""
    key = ["importer", "commodity", "axis"]
    before, after = (frame[[*key, col]].rename(columns={"commodity": "commodity_id",
                                                        col: "value"})
                     for col in ("before", "after"))
    _write_charts(before, folder, chart_format, lang, after=after)


def _render_whatif(response: Any, fmt: Format) -> None:
    """JSON and CSV: the response (every axis, full precision). The table: the axes the
    levers change, with the reason where one rises, then each commodity's type before
    and after."""
    if fmt is not Format.table:
        render(response, fmt)
        return
    lang = current_lang()
    frame = response.frame
    changed = frame[frame["delta"].abs() > 1e-9]
    types = frame.drop_duplicates("commodity")
    arrow = "\n".join(f"{label('commodity', r.commodity, lang)}: "
                      f"{label('type', r.type_before, lang)} → {label('type', r.type_after, lang)}"
                      for r in types.itertuples(index=False))
    name = "" if response.scenario == "what-if" else response.scenario
    if has_text(f"whatif_set_{name}"):   # a shipped lever set by its name
        name = text(f"whatif_set_{name}", lang)
    name = "" if not name else (f"：{name}" if lang == "ja" else f": {name}")
    emit(records_of(changed), fmt, ["importer", "commodity", "axis", "before", "after",
                                    "delta", "rise_reason"],
         title=text("title_whatif", lang).format(name=name, year=response.year),
         note=text("whatif_note", lang).format(n=len(frame) - len(changed)) + "\n" + arrow)


@app.command("report")
@user_errors
def report_cmd(
    importer: AssessImporterOpt = None, year: AssessYearOpt = None,
    commodity: CommodityOpt = None, set_: SetOpt = "all", lang: LangOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: $CRITMIN_HOME/reports).")] = None,
    levers: LeversOpt = None,
) -> None:
    """A self-contained HTML report (summary, radar grid, types and policy packages,
    what-if, data gaps, sources) and an Excel workbook of the same tables. Example:
    critmin report -i JPN --lang ja --levers example --out reports/
    """
    from rich.console import Console

    from critmin.service.assess import ReportRequest, report
    from critmin.views.report import write_report

    request = ReportRequest(importers=importer or ["JPN"], year=year, commodities=commodity,
                            commodity_set=set_, lang=lang, lever_file=levers,
                            out=None if out is None else str(out))
    with Console(stderr=True).status("assessment"), open_store() as con:
        response = report(request, con)
    for kind, path in write_report(response).items():
        typer.echo(f"{kind}: {path}")
