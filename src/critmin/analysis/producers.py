"""Top producing country per commodity: the main job until the assessment exists."""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.errors import UnknownNameError
from critmin.indicators.concentration import top_producers


def production_years(con: Any) -> list[int]:
    """Years with production data in the store."""
    return [r[0] for r in con.execute(
        "select distinct year from production order by year").fetchall()]


def top_producer_table(con: Any, commodity_ids: list[str], year: int) -> pd.DataFrame:
    """Top producer and its share for each commodity's primary stage in ``year``.

    The primary stage is the first production series the catalog lists for the
    commodity (mining where there is a mine series, refining for by-product metals
    such as gallium). A commodity without production that year gets a row with the
    reason in ``missing`` and no share (never 0).
    """
    years = production_years(con)
    if year not in years:
        raise UnknownNameError("year", str(year), [str(y) for y in years],
                               valid=f"{years[0]}–{years[-1]}" if years else "none (empty store)")
    series = con.execute("""
        select commodity_id, first(stage order by rowid) as stage,
               first(series order by rowid) as series, first(content order by rowid) content
        from production_series where commodity_id in (select unnest(?)) group by 1
    """, [commodity_ids]).df()
    prod = con.execute("""
        select p.commodity_id, p.stage, p.year, p.iso3, p.quantity, p.unit, p.source_id
        from production p join production_series s using (commodity_id, stage)
        where p.commodity_id in (select unnest(?)) and p.year = ?
    """, [commodity_ids, year]).df().drop_duplicates()
    top = top_producers(prod)
    units = prod.groupby(["commodity_id", "stage"])[["unit", "source_id"]].first()
    names = con.execute("select commodity_id, name_en, name_ja from commodity").df()
    countries = con.execute("select iso3, name_en as country_en, name_ja as country_ja "
                            "from country").df()
    out = (pd.DataFrame({"commodity_id": commodity_ids})
           .merge(names, on="commodity_id", how="left")
           .merge(series, on="commodity_id", how="left")
           .merge(top.drop(columns="year"), on=["commodity_id", "stage"], how="left")
           .merge(units, on=["commodity_id", "stage"], how="left")
           .merge(countries, left_on="top_iso3", right_on="iso3", how="left")
           .drop(columns="iso3"))
    out.insert(3, "year", year)
    out["missing"] = out["top_iso3"].isna().map(
        lambda m: f"no production in the store for {year}" if m else "")
    return out
