"""``critmin exposure``: a company's bill of materials → exposure, matrices, actions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, app, open_store, user_errors
from critmin.views.output import Format, emit

JSON_KEYS = ["commodity", "mass_t", "value", "supplier_hhi", "top_country", "top_share",
             "governance_risk", "quadrant", "actions"]


def _bom_path(spec: str) -> tuple[Path, str]:
    from critmin.analysis.exposure import examples

    if spec.startswith("example:"):
        ex = examples()
        name = spec.removeprefix("example:")
        if name not in ex:
            raise CritminError(f"no example BOM {name!r}; examples: "
                               f"{', '.join('example:' + e for e in sorted(ex))}")
        return Path(str(ex[name])), name
    path = Path(spec)
    return path, path.stem


def _price_shocks(specs: list[str] | None, commodities: list[str]) -> dict[str, float]:
    from critmin.catalog.commodities import resolve_commodity

    out: dict[str, float] = {}
    for spec in specs or []:
        name, sep, value = spec.rpartition("=")
        try:
            shock = float(value)
        except ValueError:
            raise CritminError(f"--price-shock {spec!r}: write 0.5 (every material) or "
                               "cobalt=0.5") from None
        if sep:
            out[resolve_commodity(name)] = shock
        else:
            out.update({c: shock for c in commodities})
    return out


@app.command("exposure")
@user_errors
def exposure_cmd(
    bom: Annotated[str, typer.Option(help="BOM file (.csv/.xlsx) or example:NAME "
                                          "(ev_traction_motor, li_ion_battery_pack, "
                                          "power_module).")],
    importer: Annotated[str, typer.Option("--importer", "-i", help="The company's country "
                                          "(national assessment context).")] = "JPN",
    year: Annotated[int | None, typer.Option(help="Assessment year (default: latest).")
                    ] = None,
    name: Annotated[str | None, typer.Option(help="BOM id in the store (default: the file "
                                                  "name).")] = None,
    store: Annotated[bool, typer.Option(help="Save the validated BOM in the store (one "
                                             "transaction).")] = True,
    price_shock: Annotated[list[str] | None, typer.Option(
        help="Relative price shock for the cost sensitivity: 0.5 (all) or cobalt=1.0; "
        "repeatable.")] = None,
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
    from critmin.analysis.exposure import (
        exposure_table,
        price_sensitivity,
        read_bom_file,
        store_bom,
        upstream_context,
        validate_bom,
    )
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country
    from critmin.views.i18n import check_lang
    from critmin.views.output import records_of

    check_lang(lang)
    path, default_name = _bom_path(bom)
    bom_id = name or default_name
    frame = validate_bom(read_bom_file(path, sheet), str(path), resolve_commodity,
                         resolve_country)
    if store:
        with open_store(read_only=False) as con:
            n = store_bom(con, frame, bom_id, str(path))
        typer.echo(f"stored BOM {bom_id!r}: {n:,} rows", err=True)
    commodities = sorted(frame["commodity_id"].unique())
    with open_store() as con:
        up = upstream_context(con, resolve_country(importer), commodities, year)
    table = exposure_table(frame, up)
    sens = None
    shocks = _price_shocks(price_shock, commodities)
    if shocks:
        sens = price_sensitivity(frame, shocks)
    if report is not None:
        from critmin.views.report import write_exposure_report

        for kind, p in write_exposure_report(table, sens, report, bom_id, lang).items():
            typer.echo(f"{kind}: {p}", err=True)
    out = table.rename(columns={"commodity_id": "commodity"})
    records = records_of(out.drop(columns=["actions"]))
    for rec, acts in zip(records, out["actions"], strict=True):
        rec["actions"] = acts
    if fmt is Format.json:
        emit([{k: r[k] for k in JSON_KEYS} | {k: v for k, v in r.items() if k not in JSON_KEYS}
              for r in records], fmt)
    else:
        for r in records:
            r["actions"] = ", ".join(a["action"] for a in r["actions"])
            for k, v in list(r.items()):
                if isinstance(v, float):
                    r[k] = round(v, 4)
        emit(records, fmt, JSON_KEYS if fmt is Format.table else None,
             title=f"material exposure of {bom_id} ({importer}, {up.year})")
    if sens is not None and fmt is Format.table:
        emit(records_of(sens.round(4)), fmt, title="price sensitivity")


