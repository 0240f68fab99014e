"""The rows behind one cell: partner flows with shares and governance, producer shares.

Used by ``--explain``: the same functions as the whole-world computation, restricted
to one importer, commodity and year, so every number shown can be traced.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.indicators.concentration import producer_shares
from critmin.indicators.governance import store_country_risk, store_dimensions
from critmin.indicators.inputs import (
    preferred_production,
    production_rows,
)
from critmin.indicators.trade import Members, flows


def explain_cell(con: Any, importers: Members, commodity_id: str, year: int,
                 stage: str | None = None, dimensions: str = "auto",
                 missing_governance: float | str = 0.5, intra_group: str = "exclude",
                 basis: str = "quantity") -> dict[str, pd.DataFrame]:
    """Partner and producer tables for one importer × commodity × year (× stage).

    Returns {"partners": partner, stage, flow, share, wgi_mean, risk, lag,
    governance_missing; "producers": iso3, stage, quantity, unit, share, source_id}.
    """
    fl = flows(con, importers, "import", [commodity_id], [year], intra_group)
    if stage:
        fl = fl[fl["stage"] == stage]
    dims = store_dimensions(con, dimensions)
    risk = store_country_risk(con, [year], dims)
    col = "quantity_t" if basis == "quantity" else "value_kusd"
    p = fl.merge(risk.rename(columns={"iso3": "partner"}), on=["partner", "year"], how="left")
    p["flow"] = p[col]
    p["share"] = p["flow"] / p.groupby("stage")["flow"].transform("sum")
    p["governance_missing"] = p["risk"].isna()
    if missing_governance != "exclude":
        p["risk"] = p["risk"].fillna(float(missing_governance))
    p["partner"] = p["partner"].fillna("code " + p["partner_code"].astype(str))
    partners = p.sort_values(["stage", "flow"], ascending=[True, False])[
        ["stage", "partner", "flow", "share", "wgi_mean", "risk", "lag", "governance_missing",
         "n_rows_no_quantity"]]
    prod = preferred_production(production_rows(con, [commodity_id], [year]))
    if stage:
        prod = prod[prod["stage"] == stage]
    shares = producer_shares(prod)
    producers = shares.sort_values(["stage", "quantity"], ascending=[True, False])[
        ["stage", "iso3", "quantity", "unit", "share", "flag", "source_id"]]
    producers["iso3"] = producers["iso3"].fillna("(other countries)")
    partners["risk"] = partners["risk"].astype(float).round(6)
    partners["share"] = np.round(partners["share"].astype(float), 6)
    return {"partners": partners.reset_index(drop=True),
            "producers": producers.reset_index(drop=True),
            "dimensions": pd.DataFrame({"wgi_dimensions": ["+".join(dims)]})}
