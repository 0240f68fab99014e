"""Which catalog stages have data in the store (production series, trade rows)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def stage_coverage(con: Any) -> pd.DataFrame:
    """Per commodity and stage: production years and trade rows found in the store.

    Columns ``commodity_id, stage, production_years, trade_rows, hs6`` where
    ``production_years`` is "first–last" or empty and ``hs6`` lists the stage's codes.
    """
    return con.execute("""
        with stages as (
            select commodity_id, stage from commodity_stage
            union select commodity_id, stage from production_series),
        prod as (
            select commodity_id, stage, min(year) y0, max(year) y1
            from production group by all),
        codes as (
            select commodity_id, stage, string_agg(hs6, ';' order by hs6) hs6
            from commodity_stage where hs6 <> '' group by all),
        tr as (
            select cs.commodity_id, cs.stage, count(*) n
            from commodity_stage cs join trade t on t.hs6 = cs.hs6 group by all)
        select s.commodity_id, s.stage,
               coalesce(cast(p.y0 as varchar) || '–' || cast(p.y1 as varchar), '')
                   as production_years,
               coalesce(tr.n, 0) as trade_rows, coalesce(codes.hs6, '') as hs6
        from stages s
        left join prod p using (commodity_id, stage)
        left join tr using (commodity_id, stage)
        left join codes using (commodity_id, stage)
        order by s.commodity_id, case s.stage when 'mining' then 1 when 'refining' then 2
                 else 3 end
    """).df()
