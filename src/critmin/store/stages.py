"""Which commodity stages the store has trade for, by year (``trade_stage``).

The missing-data reasons (``catalog/data/missing_reasons.csv``) tell "the store has no
trade in the stage's HS codes" apart from "this importer imports none of it"; these
helpers answer the first question for the cells that need it from the derived
``trade_stage_year`` (the stage-years ``trade_stage`` has rows for).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def stage_years_with_trade(con: Any, keys: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``keys`` (``commodity_id, stage, year``) for which ``trade_stage``
    has at least one row, as ``commodity_id, stage, year`` (any importer, any partner)."""
    if keys.empty:
        return pd.DataFrame({"commodity_id": pd.Series(dtype=str),
                             "stage": pd.Series(dtype=str), "year": pd.Series(dtype="int64")})
    con.register("m_stage_keys", keys[["commodity_id", "stage", "year"]].drop_duplicates()
                 .astype({"commodity_id": str, "stage": str, "year": "int64"}))
    try:
        return con.execute("""
            with asked as (
                select k.commodity_id, k.stage, k.year, s.cs_ix
                from m_stage_keys k join stage_index s using (commodity_id, stage)),
            present as (select cs_ix, year from trade_stage_year)
            select a.commodity_id, a.stage, a.year
            from asked a semi join present p using (cs_ix, year)
            order by all""").df()
    finally:
        con.unregister("m_stage_keys")

