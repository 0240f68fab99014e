"""``critmin indicators`` and ``critmin geopolrisk``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, app, open_store, user_errors
from critmin.views.output import Format, emit, emit_frame, in_order

YearOpt = Annotated[str, typer.Option(
    "--year", help="One year, a range '2018-2023', a list '2018,2020', or 'all'.")]


def _years(con: Any, spec: str, table: str = "trade") -> list[int] | None:
    """Years for ``spec`` checked against the store; None means all."""
    from critmin.errors import UnknownNameError
    from critmin.store.read import years as store_years

    have = store_years(con, table)
    if spec == "all":
        return None
    try:
        years = []
        for part in spec.split(","):
            lo, _, hi = part.strip().partition("-")
            years += range(int(lo), int(hi or lo) + 1)
    except ValueError:
        raise UnknownNameError("year", spec, [], valid=f"YYYY, YYYY-YYYY, YYYY,YYYY or "
                               f"all; {have[0]}–{have[-1]}") from None
    bad = [y for y in years if y not in have]
    if bad:
        raise UnknownNameError("year", str(bad[0]), [str(y) for y in have],
                               valid=f"{have[0]}–{have[-1]} in table {table}")
    return years


def _importer_names(con: Any, names: list[str] | None) -> dict[str, Any] | None:
    from critmin.catalog.countries import group_ids, resolve_country
    from critmin.indicators.importers import importer_members

    if not names:
        return importer_members(con)
    ids = {g.upper(): g for g in group_ids()}
    resolved = [ids.get(n.upper()) or resolve_country(n) for n in names]
    return importer_members(con, resolved)


def _commodity_ids(names: list[str] | None) -> list[str] | None:
    from critmin.catalog.commodities import resolve_commodity

    return [resolve_commodity(n) for n in names] if names else None


ImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer: ISO3, English/Japanese name or group (EU27, OECD, "
    "G7); repeat for several; all countries if omitted.")]
CommodityOpt = Annotated[list[str] | None, typer.Option(
    "--commodity", "-c", help="Commodity by id or name (repeatable); all if omitted.")]
StageOpt = Annotated[str | None, typer.Option(help="mining | refining | scrap")]
MissingWgiOpt = Annotated[str, typer.Option(
    help="Risk for partners without WGI: a number (default 0.5) or 'exclude'.")]


def _missing_rule(text: str) -> float | str:
    """The missing-WGI rule from its option text."""
    if text == "exclude":
        return text
    try:
        return float(text)
    except ValueError:
        raise CritminError(f"--missing-wgi {text!r}: give a number (0–1) or 'exclude'"
                           ) from None


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
    fmt: FormatOpt = Format.table,
) -> None:
    """Supply-risk indicators for importers × commodities × stages × years: production
    and reserves concentration, import HHI, governance-weighted import concentration,
    HHI_WGI, import reliance, volatility, EoL-RIR, scrap share, reserve life."""
    from critmin.indicators.engine import INDICATORS, IndicatorOptions, compute_indicators

    if stage and stage not in ("mining", "refining", "scrap"):
        raise CritminError(f"unknown stage {stage!r}; valid: mining, refining, scrap")
    for name in indicator or []:
        if name not in INDICATORS:
            from critmin.errors import UnknownNameError

            raise UnknownNameError("indicator", name, list(INDICATORS))
    opts = IndicatorOptions(
        basis=basis, dimensions=wgi, intra_group=intra_group,
        missing_governance=_missing_rule(missing_wgi))
    with open_store() as con:
        years = _years(con, year)
        importers = _importer_names(con, importer)
        commodities = _commodity_ids(commodity)
        if explain:
            _explain(con, importers, commodities, years, stage, opts, fmt)
            return
        frame = compute_indicators(con, importers, commodities, years, opts)
    if stage:
        frame = frame[frame["stage"].isna() | (frame["stage"] == stage)]
    if indicator:
        frame = frame[frame["indicator"].isin(indicator)]
    frame = frame.rename(columns={"commodity_id": "commodity"})
    importer = frame["importer"]
    if importer.dtype == "category":
        importer = importer.cat.add_categories(["world"])
    frame["importer"] = importer.fillna("world")
    frame = in_order(frame, ["importer", "commodity", "stage", "year", "indicator", "basis"])
    emit_frame(frame, fmt, ["importer", "commodity", "stage", "year", "indicator", "value",
                            "lower", "upper", "basis", "n_partners",
                            "missing_governance_share", "source_ids", "detail", "missing"],
               title=f"{len(frame):,} indicator values")


def _explain(con: Any, importers: dict[str, Any], commodities: list[str] | None,
             years: list[int] | None, stage: str | None, opts: Any, fmt: Format) -> None:
    from critmin.indicators.explain import explain_cell
    from critmin.views.output import records_of

    if len(importers) != 1 or not commodities or len(commodities) != 1 or not years or \
            len(years) != 1:
        raise CritminError("--explain needs exactly one --importer, one --commodity and "
                           "one --year")
    parts = explain_cell(con, importers, commodities[0], years[0], stage, opts.dimensions,
                         opts.missing_governance, opts.intra_group, opts.basis)
    if fmt is Format.json:
        import json

        sys.stdout.write(json.dumps({k: records_of(v) for k, v in parts.items()},
                                    ensure_ascii=False, indent=2, default=str) + "\n")
        return
    (name,) = importers
    emit(records_of(parts["partners"]), fmt, title=f"imports of {name}, {commodities[0]}, "
         f"{years[0]} (share = flow / stage total; risk = clip((2.5 − WGI)/5, 0, 1), "
         f"WGI {parts['dimensions'].iloc[0, 0]})")
    emit(records_of(parts["producers"]), fmt, title="world producers (share of the stage "
         "total; 'other countries' counts in the total, never ranked)")


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
    lang: Annotated[str, typer.Option(
        "--lang", help="Language of the missing-data reasons: en or ja.")] = "en",
    fmt: FormatOpt = Format.table,
) -> None:
    """GeoPolRisk: HHI of world production × import risk (WGI political stability),
    score and characterisation factor (kg Cu-eq/kg), per importer, commodity stage, year.
    Cells without imports are missing with the reason, never 0 (unless --compat)."""
    from critmin.methods.geopolrisk import geopolrisk
    from critmin.views.i18n import check_lang

    check_lang(lang)
    if compat is not None:
        if compat != "geopolrisk-py":
            from critmin.errors import UnknownNameError

            raise UnknownNameError("compat mode", compat, ["geopolrisk-py"])
        _geopolrisk_compat(importer, commodity, year, fmt)
        return
    with open_store() as con:
        years = _years(con, year, "production")
        importers = _importer_names(con, importer)
        commodities = _commodity_ids(commodity)
        if explain:
            from critmin.indicators.engine import IndicatorOptions

            opts = IndicatorOptions(dimensions="pv",
                                    missing_governance=_missing_rule(missing_wgi))
            _explain(con, importers, commodities, years, stage, opts, fmt)
            return
        frame = geopolrisk(con, importers, commodities, years,
                           missing_governance=_missing_rule(missing_wgi))
    if stage:
        frame = frame[frame["stage"] == stage]
    if lang != "en":
        from critmin.views.i18n import reason

        texts = {m: reason(m, lang) for m in set(frame["missing"])}
        frame = frame.assign(missing=frame["missing"].map(texts))
    frame = in_order(frame.rename(columns={"commodity_id": "commodity"}),
                     ["importer", "commodity", "stage", "year"])
    emit_frame(frame, fmt, ["importer", "commodity", "stage", "year", "hhi", "import_risk",
                            "score", "cf", "price", "missing"],
               title=f"GeoPolRisk, {len(frame):,} cells")


def _geopolrisk_compat(importer: list[str] | None, commodity: list[str] | None, year: str,
                       fmt: Format) -> None:
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country
    from critmin.catalog.tables import normalise_name, read_table
    from critmin.errors import UnknownNameError
    from critmin.methods.geopolrisk_compat import (
        geopolrisk_compat,
        reference_entities,
        reference_materials,
    )
    from critmin.store.read import bundle_country_codes, compat_countries, compat_sheets

    with open_store() as con:
        years = _years(con, year, "production")
        refs = reference_materials(con)
        by_key = {normalise_name(r): r for r in refs}
        sheet_of = compat_sheets(con)
        materials = None
        if commodity:
            materials = []
            for name in commodity:
                if normalise_name(name) in by_key:
                    materials.append(by_key[normalise_name(name)])
                    continue
                cid = resolve_commodity(name)
                sheets = {r["series"] for r in read_table("production_series")
                          if r["commodity_id"] == cid}
                found = [r for r in refs if sheet_of[r] in sheets]
                if not found:
                    raise UnknownNameError("geopolrisk-py material", name, refs)
                materials += found
        names = compat_countries(con)
        code_of = bundle_country_codes(con)
        entities = []
        by_name = {normalise_name(n): n for n in names.values()}
        for name in importer or []:
            if name.upper() in ("EU", "EU27"):
                entities.append("EU")
                continue
            if normalise_name(name) in by_name:  # the reference's own country name
                entities.append(by_name[normalise_name(name)])
                continue
            iso3 = resolve_country(name)
            if code_of.get(iso3) not in names:
                raise UnknownNameError("geopolrisk-py country", name, list(names.values()))
            entities.append(names[code_of[iso3]])
        ents = reference_entities(con, entities or list(names.values()))
        frame = geopolrisk_compat(con, ents, materials, years)
    emit_frame(frame.rename(columns={"material": "commodity"}), fmt,
               ["importer", "commodity", "year", "hhi", "import_risk", "score", "cf", "price"],
               title=f"GeoPolRisk (geopolrisk-py 2.0.1 compatible), {len(frame):,} cells")
