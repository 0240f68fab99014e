"""Top producing country per commodity: the main job until the assessment exists."""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.errors import UnknownNameError
from critmin.indicators.concentration import top_producers
from critmin.indicators.inputs import choose_sources, production_preference, production_rows
from critmin.store.read import commodity_names, country_names, first_series_stage, years


def production_years(con: Any) -> list[int]:
    """Years with production data in the store."""
    return years(con, "production")


def top_producer_table(con: Any, commodity_ids: list[str], year: int,
                       preference: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Top producer and its share for each commodity's primary stage in ``year``.

    The primary stage is the first production series the catalog lists for the
    commodity (mining where there is a mine series, refining for by-product metals such
    as gallium). Where several sources report it, the preferred one is used
    (:mod:`critmin.indicators.inputs`); ``source_id`` says which, ``alternatives`` gives
    the others' top producer and share. A commodity without production that year gets a
    row with the reason in ``missing`` and no share (never 0).
    """
    years = production_years(con)
    if year not in years:
        raise UnknownNameError("year", str(year), [str(y) for y in years],
                               valid=f"{years[0]}–{years[-1]}" if years else "none (empty store)",
                               span=(years[0], years[-1]) if years else None,
                               basis="production" if years else "none")
    preference = preference or production_preference()
    stages = first_series_stage(con, commodity_ids)
    rows = production_rows(con, commodity_ids, [year]).merge(stages, on=["commodity_id",
                                                                         "stage"])
    per_source = top_producers(rows, by=("source_id",))
    units = rows.groupby(["commodity_id", "stage", "source_id"])["unit"].first().reset_index()
    per_source = per_source.merge(units, on=["commodity_id", "stage", "source_id"])
    choice = choose_sources(per_source, ["commodity_id", "stage", "year"], preference)
    chosen = per_source.merge(choice, on=["commodity_id", "stage", "year", "source_id"])
    label = {(r.commodity_id, r.source_id): f"{r.source_id}: {r.top_iso3} "
             f"{100 * r.top_share:.1f} %" for r in per_source.itertuples()}
    chosen["alternatives"] = [
        "; ".join(label[(c, a)] for a in alts)
        for c, alts in zip(chosen["commodity_id"], chosen["alternatives"], strict=True)]
    names = commodity_names(con)
    countries = country_names(con)
    out = (pd.DataFrame({"commodity_id": commodity_ids})
           .merge(names, on="commodity_id", how="left")
           .merge(stages, on="commodity_id", how="left")
           .merge(chosen.drop(columns="year"), on=["commodity_id", "stage"], how="left")
           .merge(countries, left_on="top_iso3", right_on="iso3", how="left")
           .drop(columns="iso3"))
    out.insert(3, "year", year)
    out["preference"] = ", ".join(preference)
    out["missing"] = out["top_iso3"].isna().map(
        lambda m: f"no production in the store for {year}" if m else "")
    return out
