"""``critmin exposure``: a company's bill of materials → exposure, matrices, actions:
options → request (:mod:`critmin.service.exposure`) → response → output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, app, open_store, user_errors
from critmin.views.output import Format, emit, records_of, render, write_csv

BomOpt = Annotated[str, typer.Option(help="BOM file (.csv/.xlsx) or example:NAME "
                                          "(ev_traction_motor, li_ion_battery_pack, "
                                          "power_module).")]
PriceShockOpt = Annotated[list[str] | None, typer.Option(
    help="Relative price shock for the cost sensitivity: 0.5 (all) or cobalt=1.0; "
    "repeatable.")]


@app.command("exposure")
@user_errors
def exposure_cmd(
    bom: BomOpt,
    importer: Annotated[str, typer.Option("--importer", "-i", help="The company's country "
                                          "(national assessment context).")] = "JPN",
    year: Annotated[int | None, typer.Option(help="Assessment year (default: latest).")
                    ] = None,
    name: Annotated[str | None, typer.Option(help="BOM id in the store (default: the file "
                                                  "name).")] = None,
    store: Annotated[bool, typer.Option(help="Save the validated BOM in the store (one "
                                             "transaction).")] = True,
    price_shock: PriceShockOpt = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML + Excel report into "
                                                     "this folder.")] = None,
    lang: Annotated[str, typer.Option(help="Report labels: ja or en.")] = "ja",
    sheet: Annotated[str | None, typer.Option(help="Excel sheet of the BOM.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Material exposure of a bill of materials: mass and value per commodity, supplier-
    country HHI, governance-weighted supplier risk, the national upstream risk, the
    risk × share, exposure × resilience and importance × risk × substitutability
    matrices, and recommended actions for the high-share × high-risk quadrant. Example:
    critmin exposure --bom example:ev_traction_motor -i JPN -f json
    """
    from critmin.service.common import check_lang
    from critmin.service.exposure import ExposureRequest, exposure

    check_lang(lang)
    request = ExposureRequest(bom=bom, importer=importer, year=year, name=name, store=store,
                              price_shock=price_shock or None, sheet=sheet)
    with open_store(read_only=not store) as con:
        response = exposure(request, con)
    if response.stored_rows is not None:
        typer.echo(f"stored BOM {response.bom_id!r}: {response.stored_rows:,} rows", err=True)
    if report is not None:
        _report(response, report, lang)
    _print(response, fmt)


def _report(response: Any, folder: Path, lang: str) -> None:
    from critmin.views.report import write_exposure_report

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
