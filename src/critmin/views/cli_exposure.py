"""``critmin exposure``: a company's bill of materials → exposure, matrices, actions:
options → request (:mod:`critmin.service.exposure`) → response → output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.output import Format, emit, records_of, render, write_csv

BomOpt = Annotated[str | None, typer.Option(
    help="BOM file (.csv/.xlsx) or example:NAME (ev_traction_motor, li_ion_battery_pack, "
    "power_module).")]
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


@app.command("exposure")
@user_errors
def exposure_cmd(
    bom: BomOpt = None,
    importer: Annotated[str, typer.Option("--importer", "-i", help="The company's country "
                                          "(national assessment context).")] = "JPN",
    year: Annotated[int | None, typer.Option(help="Assessment year (default: latest).")
                    ] = None,
    save: SaveOpt = None,
    list_saved: ListOpt = False,
    price_shock: PriceShockOpt = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML + Excel report into "
                                                     "this folder.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet of the BOM.")] = None,
    lang: LangOpt = None, fmt: FormatOpt = None,
    store: OldStoreOpt = None,
    name: OldNameOpt = None,
) -> None:
    """Material exposure of a bill of materials: mass and value per commodity, supplier-
    country HHI, governance-weighted supplier risk, the national upstream risk, the
    risk × share, exposure × resilience and importance × risk × substitutability
    matrices, and recommended actions for the high-share × high-risk quadrant. Saves the
    BOM only with --save NAME; --list shows the saved ones. Example:
    critmin exposure --bom example:ev_traction_motor -i JPN --save motor -f json
    """
    from critmin.service.common import check_lang
    from critmin.service.exposure import ExposureRequest, exposure

    if list_saved:
        return _list(fmt)
    check_lang(lang)
    request = ExposureRequest(bom=_bom_given(bom), importer=importer, year=year,
                              save=_save_name(save, store, name, bom),
                              price_shock=price_shock or None, sheet=sheet)
    with open_store(read_only=request.save is None) as con:
        response = exposure(request, con)
    if response.stored_rows is not None:
        typer.echo(f"saved BOM {response.bom_id!r}: {response.stored_rows:,} rows", err=True)
    if report is not None:
        _report(response, report, lang)
    _print(response, fmt)


def _bom_given(bom: str | None) -> str:
    from critmin.errors import CritminError

    if bom is None:
        raise CritminError("give the BOM: --bom FILE (.csv/.xlsx) or --bom example:NAME "
                           "(ev_traction_motor, li_ion_battery_pack, power_module); "
                           "--list shows the saved BOMs")
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


def _list(fmt: Format) -> None:
    from critmin.service.exposure import SavedBomsRequest, saved_boms

    with open_store() as con:
        response = saved_boms(SavedBomsRequest(), con)
    if fmt is Format.table and not len(response.frame):
        typer.echo("no saved BOMs: save one with 'critmin exposure --bom FILE --save NAME'",
                   err=True)
        return
    render(response, fmt)


def _report(response: Any, folder: Path, lang: str) -> None:
    from critmin.views.exposure_report import write_exposure_report

    table = response.frame.rename(columns={"commodity": "commodity_id"})
    for kind, p in write_exposure_report(table, response.sensitivity_frame, folder,
                                         response.bom_id, lang).items():
        typer.echo(f"{kind}: {p}", err=True)


def _print(response: Any, fmt: Format) -> None:
    """JSON: the response; CSV: the rows with actions named; table: rounded, then the
    price sensitivity."""
    if fmt is Format.json:
        render(response, fmt)
        return
    frame = response.frame[response.columns].copy()
    frame["actions"] = [", ".join(a["action"] for a in acts) for acts in frame["actions"]]
    if fmt is Format.csv:
        write_csv(frame)
        return
    rows = [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}
            for r in records_of(frame)]
    emit(rows, fmt, response.columns[:9], title=f"material exposure of {response.bom_id} "
         f"({response.importer}, {response.year})")
    sens = response.sensitivity_frame
    if sens is not None:
        emit(records_of(sens.round(4)), fmt, title="price sensitivity")
