"""Small read functions over store tables that have no engine of their own."""

from __future__ import annotations

from typing import Any

import pandas as pd

SALIENT_COLUMNS = ["commodity_id", "usgs_commodity", "iso3", "year", "item", "value", "text",
                   "unit", "flag", "source_id"]


def salient_rows(con: Any, item_like: str, iso3: str = "USA") -> pd.DataFrame:
    """USGS salient-statistics rows whose item matches the SQL ``LIKE`` pattern
    ``item_like`` (case-insensitive, e.g. ``"%NIR%"``) for ``iso3``.

    Columns :data:`SALIENT_COLUMNS`; ``text`` is the figure as printed ("E", ">50", "W"),
    ``flag`` how the importer read it (``net_exporter``, ``lower_bound``, …)."""
    return con.execute(
        f"select {', '.join(SALIENT_COLUMNS)} from salient "
        "where item ilike ? and iso3 = ? order by usgs_commodity, item, year",
        [item_like, iso3]).df()


def traded_codes(con: Any, year: int) -> set[str]:
    """The HS6 codes with at least one trade row in ``year`` (any source)."""
    return {r[0] for r in con.execute(
        "select distinct hs6 from trade where year = ?", [year]).fetchall()}
