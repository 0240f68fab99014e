"""``critmin indicators`` and ``critmin geopolrisk``: parse the options into a request of
:mod:`critmin.service.indicators`, call it on the store, render the response."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.cli_catalog import ListOpt, listed
from critmin.views.i18n import text
from critmin.views.output import Format, emit, render
from critmin.views.tables import cell

INDICATOR_TABLE = ["importer", "commodity", "stage", "year", "indicator", "value", "lower",
                   "upper", "missing"]
"""The columns of the indicators table (CSV and JSON carry every column)."""
GEOPOLRISK_TABLE = ["importer", "commodity", "stage", "year", "hhi", "import_risk", "score",
                    "cf", "missing"]

YearOpt = Annotated[str, typer.Option(
    "--year", help="One year, a range '2018-2023', a list '2018,2020', or 'all'.")]
ImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer: ISO3, English/Japanese name or group (EU27, OECD, "
    "G7); repeat for several; all countries if omitted.")]
CommodityOpt = Annotated[list[str] | None, typer.Option(
    "--commodity", "-c", help="Commodity by id or name (repeatable); all if omitted.")]
StageOpt = Annotated[str | None, typer.Option(help="mining | refining | scrap")]
MissingWgiOpt = Annotated[str, typer.Option(
    help="Risk for partners without WGI: a number (default 0.5) or 'exclude'.")]


@app.command("indicators")
@user_errors
def indicators_cmd(
    importer: ImporterOpt = None, commodity: CommodityOpt = None, stage: StageOpt = None,
    year: YearOpt = "all",
    indicator: Annotated[list[str] | None, typer.Option(
        help="Only these indicators (repeatable).")] = None,
    basis: Annotated[str, typer.Option(help="Import shares on 'quantity' or 'value'.")
                     ] = "quantity",
    wgi: Annotated[str, typer.Option(
        help="WGI dimensions: auto (six when the release is imported, else PV), pv, six."
    )] = "auto",
    missing_wgi: MissingWgiOpt = "0.5",
    intra_group: Annotated[str, typer.Option(
        help="Trade inside a group importer: exclude (default) or keep.")] = "exclude",
    explain: Annotated[bool, typer.Option(
        help="For one importer, commodity and year: the rows behind the values.")] = False,
    list_: ListOpt = False,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Supply-risk indicators for importers × commodities × stages × years: production
    and reserves concentration, import HHI, governance-weighted import concentration,
    HHI_WGI, import reliance, volatility, EoL-RIR, scrap share, reserve life."""
    from critmin.service import indicators as service

    if listed(list_, ["indicators", "stages"], fmt, lang):
        return
    options = {"stage": stage, "basis": basis, "wgi": wgi, "missing_wgi": missing_wgi,
               "intra_group": intra_group}
    if explain:
        _explain(service.explain_request(importer, commodity, year, **options), fmt, lang)
        return
    request = service.IndicatorsRequest(importers=importer, commodities=commodity,
                                        years=year, indicators=indicator, **options)
    with open_store() as con:
        response = service.indicators(request, con)
    render(response, fmt, title=text("title_indicators", lang).format(n=len(response.frame)),
           table_columns=INDICATOR_TABLE)


def _explain(request: Any, fmt: Format, lang: str) -> None:
    """Print the rows behind one cell: the response as JSON, else two tables."""
    from critmin.service.indicators import explain

    with open_store() as con:
        response = explain(request, con)
    if fmt is Format.json:
        render(response, fmt)
        return
    data = response.payload()
    emit(data["partners"], fmt, title=text("title_explain_partners", lang).format(
        importer=data["request"]["importer"], year=data["request"]["year"],
        commodity=cell(data["request"]["commodity"], "commodity", lang),
        wgi=data["dimensions"][0]["wgi_dimensions"]))
    emit(data["producers"], fmt, title=text("title_explain_producers", lang))


@app.command("geopolrisk")
@user_errors
def geopolrisk_cmd(
    importer: ImporterOpt = None, commodity: CommodityOpt = None, stage: StageOpt = None,
    year: YearOpt = "all",
    missing_wgi: MissingWgiOpt = "0.5",
    compat: Annotated[str | None, typer.Option(
        help="'geopolrisk-py': the reference's materials, data and conventions, giving its "
        "numbers (zeros where it gives zeros).")] = None,
    explain: Annotated[bool, typer.Option(
        help="For one importer, commodity and year: the rows behind the score.")] = False,
    lang: LangOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """GeoPolRisk: HHI of world production × import risk (WGI political stability),
    score and characterisation factor (kg Cu-eq/kg), per importer, commodity stage, year.
    Cells without imports are missing with the reason, never 0 (unless --compat)."""
    from critmin.service import indicators as service

    if compat is not None:
        request: Any = service.GeoPolRiskCompatRequest(
            compat=compat, importers=importer, commodities=commodity, years=year)
        call, title = service.geopolrisk_compat, text("title_geopolrisk_compat", lang)
    elif explain:
        _explain(service.explain_request(importer, commodity, year, stage=stage, wgi="pv",
                                         missing_wgi=missing_wgi), fmt, lang)
        return
    else:
        request = service.GeoPolRiskRequest(importers=importer, commodities=commodity,
                                            stage=stage, years=year, missing_wgi=missing_wgi)
        call, title = service.geopolrisk, "GeoPolRisk"
    with open_store() as con:
        response = call(request, con)
    render(response, fmt, title=text("title_cells", lang).format(title=title,
                                                                  n=len(response.frame)),
           table_columns=[c for c in GEOPOLRISK_TABLE if c in response.columns])
