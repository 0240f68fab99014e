"""``critmin exposure``: a company's bill of materials → exposure, look-through, matrices,
actions, and its mass at risk under a supply shock: options → request
(:mod:`critmin.service.exposure`) → response → output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.output import Format, emit, records_of, render, write_csv

BomOpt = Annotated[str | None, typer.Option(
    help="BOM file (.csv/.tsv/.txt/.xlsx) or example:NAME (ev_traction_motor, "
    "li_ion_battery_pack, power_module).")]
PriceShockOpt = Annotated[list[str] | None, typer.Option(
    help="Relative price shock for the cost sensitivity: 0.5 (all) or cobalt=1.0; "
    "repeatable.")]
SaveOpt = Annotated[str | None, typer.Option(
    "--save", metavar="NAME", help="Save the validated BOM in the store under NAME (one "
    "transaction; replaces a saved BOM of that name). Without it nothing is written.")]
ListOpt = Annotated[bool, typer.Option("--list", help="List the saved BOMs (name, rows, "
                                                      "saved at, source file) and stop.")]
OldStoreOpt = Annotated[bool | None, typer.Option(
    "--store/--no-store", hidden=True, help="Deprecated: --store is --save NAME; "
    "--no-store is the default.")]
OldNameOpt = Annotated[str | None, typer.Option(hidden=True, help="Deprecated: --save NAME.")]
ScenarioOpt = Annotated[str | None, typer.Option(
    help="Supply shock: a library scenario id ('critmin scenario list') or a scenario "
    "YAML file → mass at risk and shortfall per BOM row.")]
ExporterOpt = Annotated[str | None, typer.Option(
    help="Supply shock: the restricting exporter (with --commodity and --cut), as "
    "'critmin shock'.")]
CommodityOpt = Annotated[str | None, typer.Option(help="Supply shock: the commodity cut.")]
CutOpt = Annotated[float | None, typer.Option(help="Supply shock: share of exports "
                                              "withheld, 0–1.")]
StageOpt = Annotated[list[str] | None, typer.Option(
    "--stage", help="Supply shock: mining and/or refining (default: both).")]
TargetOpt = Annotated[list[str] | None, typer.Option(
    "--target", help="Supply shock: only these importers are restricted.")]
OmegaOpt = Annotated[float | None, typer.Option(
    help="Supply shock: ω, share of other exporters' shipments that can be redirected "
    "(default: the scenario's, else 0.2).")]
KappaOpt = Annotated[float | None, typer.Option(
    help="Supply shock: κ, spare capacity as a share of production (default: the "
    "scenario's, else 0).")]
ImporterOpt = Annotated[str, typer.Option("--importer", "-i", help="The company's country "
                                          "(national assessment context; the importer "
                                          "of a shock).")]
YearOpt = Annotated[int | None, typer.Option(help="Assessment year (default: latest); "
                                             "with a shock, its trade year.")]
ReportOpt = Annotated[Path | None, typer.Option(help="Write the HTML + Excel report into "
                                                "this folder.")]
SheetOpt = Annotated[str | None, typer.Option(help="Excel sheet of the BOM.")]

EXPOSURE_TABLE = ["commodity", "top_country", "top_share", "top_risk", "quadrant",
                  "origin_quadrant", "governance_risk", "mass_t", "spend", "actions"]
"""Terminal columns: the quadrant right after the two values that place it, then the
look-through quadrant beside it (a "low risk" never shown without it)."""
ORIGIN_TABLE = ["commodity", "origin_top_country", "origin_top_share", "origin_top_risk",
                "origin_quadrant", "lookthrough_coverage", "origin_mix"]
"""The look-through per commodity: its quadrant right after the two values placing it."""
SHOCK_TABLE = ["part", "commodity", "supplier_country", "mass_t", "mass_at_risk_t",
               "residual_shortfall_t", "path", "at_risk_share", "residual_shortfall_share",
               "origin_top_country", "product", "supplier", "bom_row"]
BY_COMMODITY_TABLE = ["commodity", "material_stage", "mass_t", "mass_at_risk_t",
                      "residual_shortfall_t", "unassessed_t"]


@app.command("exposure")
@user_errors
def exposure_cmd(
    bom: BomOpt = None, importer: ImporterOpt = "JPN", year: YearOpt = None,
    save: SaveOpt = None, list_saved: ListOpt = False, price_shock: PriceShockOpt = None,
    report: ReportOpt = None, sheet: SheetOpt = None,
    scenario: ScenarioOpt = None, exporter: ExporterOpt = None,
    commodity: CommodityOpt = None, cut: CutOpt = None, stage: StageOpt = None,
    target: TargetOpt = None, redirect_share: OmegaOpt = None,
    spare_capacity: KappaOpt = None,
    lang: LangOpt = None, fmt: FormatOpt = None, store: OldStoreOpt = None,
    name: OldNameOpt = None,
) -> None:
    """Material exposure of a bill of materials: mass and value per commodity,
    supplier-country HHI and risk, the look-through origin of each supplier country's
    material, the national upstream risk, the three matrices and recommended actions. With
    --scenario ID (or --exporter, --commodity, --cut): the mass at risk and the shortfall
    after re-sourcing of every BOM row, by the model of 'critmin shock'. Saves the BOM
    only with --save NAME; --list shows the saved ones. Example:
    critmin exposure --bom example:li_ion_battery_pack --scenario cn_graphite_2023
    """
    if list_saved:
        return _list(fmt, lang)
    shock = {"scenario": scenario, "exporter": exporter, "commodity": commodity, "cut": cut,
             "stages": stage or None, "targets": target or None,
             "redirect_share": redirect_share, "spare_capacity": spare_capacity}
    save = _save_name(save, store, name, bom)
    if any(v is not None for v in shock.values()):
        return _shock(_bom_given(bom), importer, year, save, sheet, shock, report,
                      price_shock, lang, fmt)
    _exposure(_bom_given(bom), importer, year, save, price_shock, sheet, report, lang, fmt)


def _exposure(bom: str, importer: str, year: int | None, save: str | None,
              price_shock: list[str] | None, sheet: str | None, report: Path | None,
              lang: str, fmt: Format) -> None:
    from critmin.service.exposure import ExposureRequest, exposure

    request = ExposureRequest(bom=bom, importer=importer, year=year, save=save,
                              price_shock=price_shock or None, sheet=sheet)
    with open_store(read_only=request.save is None) as con:
        response = exposure(request, con)
    _saved(response, lang)
    if report is not None:
        _report(response, report, lang)
    _print(response, fmt, lang)


def _shock(bom: str, importer: str, year: int | None, save: str | None, sheet: str | None,
           shock: dict[str, Any], report: Path | None, price_shock: list[str] | None,
           lang: str, fmt: Format) -> None:
    from critmin.errors import CritminError
    from critmin.service.exposure import ExposureShockRequest, exposure_shock

    if price_shock:
        raise CritminError("--price-shock is not combined with a supply shock: run "
                           "'critmin exposure' without --scenario/--exporter for it")
    request = ExposureShockRequest(bom=bom, importer=importer, year=year, save=save,
                                   sheet=sheet, **shock)
    with open_store(read_only=request.save is None) as con:
        response = exposure_shock(request, con)
    _saved(response, lang)
    if report is not None:
        from critmin.views.exposure_report import write_exposure_shock_report

        for kind, p in write_exposure_shock_report(response, report, lang).items():
            typer.echo(f"{kind}: {p}", err=True)
    _print_shock(response, fmt, lang)


def _bom_given(bom: str | None) -> str:
    from critmin.errors import RequestError

    if bom is None:
        raise RequestError("bom_or_list",
                           examples="ev_traction_motor, li_ion_battery_pack, power_module")
    return bom


def _save_name(save: str | None, store: bool | None, name: str | None,
               bom: str | None) -> str | None:
    """``--save NAME``; the deprecated ``--store`` / ``--name NAME`` mean the same
    (``--no-store``: the default, nothing saved)."""
    if save is not None or store is False or (store is None and name is None):
        return save
    from critmin.service.exposure import bom_path

    typer.echo("warning: --store and --name are deprecated: use --save NAME", err=True)
    return name or bom_path(_bom_given(bom))[1]


def _saved(response: Any, lang: str) -> None:
    from critmin.views.i18n import text

    if response.stored_rows is not None:
        typer.echo(text("exposure_saved", lang).format(
            name=response.bom_id, rows=f"{response.stored_rows:,}"), err=True)


def _list(fmt: Format, lang: str) -> None:
    from critmin.service.exposure import SavedBomsRequest, saved_boms
    from critmin.views.i18n import text

    with open_store() as con:
        response = saved_boms(SavedBomsRequest(), con)
    if fmt is Format.table and not len(response.frame):
        typer.echo(text("exposure_no_saved", lang), err=True)
        return
    render(response, fmt)


def _report(response: Any, folder: Path, lang: str) -> None:
    from critmin.views.exposure_report import write_exposure_report

    table = response.frame.rename(columns={"commodity": "commodity_id"})
    for kind, p in write_exposure_report(table, response.sensitivity_frame, folder,
                                         response.bom_id, lang,
                                         response.lookthrough).items():
        typer.echo(f"{kind}: {p}", err=True)


def _print(response: Any, fmt: Format, lang: str) -> None:
    """JSON: the response; CSV: the rows with actions and origin mixes as text; table:
    the exposure, the look-through origin mix and the price sensitivity, in ``lang``."""
    from critmin.views.exposure_report import lookthrough_frame, lookthrough_notes, worded
    from critmin.views.i18n import bom_name, text

    if fmt is Format.json:
        render(response, fmt)
        return
    frame = response.frame[response.columns].copy()
    if fmt is Format.csv:
        frame["actions"] = [", ".join(a["action"] for a in acts) for acts in frame["actions"]]
        frame["origin_mix"] = ["; ".join(f"{m['country']}:{m['share']:.6g}" for m in mix or [])
                               for mix in frame["origin_mix"]]
        write_csv(frame)
        return
    shown = records_of(worded(frame, lang))
    emit(shown, fmt, EXPOSURE_TABLE, title=text("exposure_cli_title", lang).format(
        bom=bom_name(response.bom_id, lang), importer=response.importer, year=response.year),
        note=text("exposure_quadrant_note", lang))
    emit(shown, fmt, ORIGIN_TABLE, title=text("exposure_origin_title", lang))
    emit(records_of(lookthrough_frame(response.lookthrough, lang)), fmt,
         title=text("exposure_lookthrough_title", lang).format(year=response.year),
         note="\n".join(lookthrough_notes(response.lookthrough, lang)) or None)
    sens = response.sensitivity_frame
    if sens is not None:
        emit(records_of(sens), fmt, title=text("price_sensitivity", lang))


def _print_shock(response: Any, fmt: Format, lang: str) -> None:
    """JSON: the response; CSV: one row per BOM row, each with ω, κ and the trade year;
    table: per BOM row, per commodity and the look-through, the assumptions under each."""
    import pandas as pd

    from critmin.views.exposure_report import (
        assumptions_text,
        lookthrough_frame,
        lookthrough_notes,
        missing_notes,
        plain,
        shock_title,
        stage_name,
    )
    from critmin.views.i18n import text
    from critmin.views.shock_text import assumption_lines, second_order_lines

    if fmt is not Format.table:
        render(response, fmt)
        return
    assumptions = assumptions_text(response, lang)
    hit = response.frame["path"] != "not_shocked"
    rows = response.frame[hit] if hit.any() else response.frame
    rows = rows.assign(path=[text(f"path_{p}", lang) for p in rows["path"]])
    others = [text("exposure_not_shocked_note", lang).format(n=int((~hit).sum()))
              ] if hit.any() and not hit.all() else []
    emit(records_of(rows), fmt, SHOCK_TABLE, title=shock_title(response, lang),
         note="\n".join([*others, *missing_notes(list(rows["missing"]), lang),
                         *second_order_lines(list(rows["second_order_missing"]), lang),
                         *assumption_lines(response.assumptions, lang)]))
    by_c = pd.DataFrame(plain(response.by_commodity))
    by_c["material_stage"] = [stage_name(s, lang) for s in by_c["material_stage"]]
    emit(records_of(by_c), fmt, BY_COMMODITY_TABLE,
         title=text("exposure_shock_by_commodity", lang), note=assumptions)
    emit(records_of(lookthrough_frame(response.lookthrough, lang)), fmt,
         title=text("exposure_lookthrough_title", lang).format(year=response.year),
         note="\n".join(lookthrough_notes(response.lookthrough, lang)) or None)
