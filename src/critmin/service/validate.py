"""Request of ``critmin validate``: critmin compared with the published figures the
project holds (USGS MCS net import reliance, the seeds' cited shares, geopolrisk-py
parity)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from critmin.service.base import Request, TableResponse, records

EXPORT_COLUMNS = ["family", "check", "commodity_id", "stage", "iso3", "year", "published",
                  "published_text", "critmin", "difference", "agrees", "status", "rule",
                  "tolerance", "explanation", "source"]
"""The columns of the rows (machine names; the explanation in the request's language)."""


class CheckRow(BaseModel):
    """One comparison of a critmin figure with a published one."""

    family: str
    check: str
    commodity_id: str | None
    stage: str | None
    iso3: str | None
    year: int | None
    published: float | None
    published_text: str | None
    critmin: float | None
    difference: float | None
    agrees: bool | None
    status: str
    """agree, disagree, form_differs or no figure."""
    rule: str | None
    tolerance: float | None
    explanation: str
    source: str | None


class FamilySummary(BaseModel):
    """Agreement of one family of checks."""

    family: str
    years: str
    checks: int
    compared: int
    agree: int
    share: float | None
    target: float | None
    meets_target: bool | None
    not_compared: int
    max_abs_difference: float | None


class ValidateRequest(Request):
    """``critmin validate``."""

    family: Literal["usgs-nir", "seeds", "geopolrisk-py", "all"] = Field(
        "all", description="Which checks.")
    year: int | None = Field(None, description="Year of the USGS net-import-reliance "
                             "comparison (default: the latest both have).")
    lang: str = Field("ja", description="Language of the explanations: ja or en.")
    all_rows: bool = Field(False, description="Every check, not only those that disagree "
                                              "or could not be compared.")


class ValidateResponse(TableResponse):
    """The checks shown (all, or those not agreeing) and the summary per family."""

    Row = CheckRow
    summary: list[FamilySummary]
    usgs_year: int | None
    """The year of the USGS comparison (None: not run)."""


def validate(request: ValidateRequest, con: Any) -> ValidateResponse:
    """Run the checks of ``request.family`` (:func:`critmin.analysis.validate.validate`);
    explanations in ``request.lang``."""
    from critmin.analysis.validate import FAMILIES, explain, summarise
    from critmin.analysis.validate import validate as run
    from critmin.catalog.langs import check_lang
    from critmin.service.common import check_years
    from critmin.store.read import salient_rows

    check_lang(request.lang)
    families = FAMILIES if request.family == "all" else (request.family,)
    if request.year is not None and "usgs-nir" in families:
        have = sorted(set(salient_rows(con, "%NIR%")["year"].astype(int)))
        if have:
            check_years([request.year], have, "USGS net import reliance")
    checks = run(con, families, request.year)
    checks["explanation"] = [explain(r, request.lang) for r in checks["reasons"]]
    shown = checks if request.all_rows else checks[checks["status"] != "agree"]
    usgs = checks.loc[checks["family"] == "usgs-nir", "year"]
    return ValidateResponse.of_frame(
        shown[EXPORT_COLUMNS].reset_index(drop=True), command="validate",
        request=request.model_dump(), columns=EXPORT_COLUMNS,
        summary=[FamilySummary(**r) for r in records(summarise(checks))],
        usgs_year=int(usgs.iloc[0]) if len(usgs) else None)


COMMANDS = {"validate": (ValidateRequest, ValidateResponse, validate)}
