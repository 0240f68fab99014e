"""Company bills of materials saved in the store (table ``bom``, created on first save)."""

from __future__ import annotations

from typing import Any

import pandas as pd

BOM_DDL = """CREATE TABLE IF NOT EXISTS bom (
    bom_id VARCHAR NOT NULL, "row" INTEGER, product VARCHAR, part VARCHAR,
    commodity_id VARCHAR, iso3 VARCHAR, supplier VARCHAR, mass_per_unit DOUBLE,
    mass_unit VARCHAR, units_per_year DOUBLE, share DOUBLE, price DOUBLE,
    inventory_days DOUBLE, recycled_content DOUBLE, substitutability DOUBLE,
    mass_t DOUBLE, source_file VARCHAR, imported_at VARCHAR)"""


def replace_bom(con: Any, frame: pd.DataFrame, bom_id: str) -> int:
    """Replace the rows of BOM ``bom_id`` by ``frame`` (the table's columns, in order) in
    one transaction: all rows or none. Returns the rows written."""
    con.execute("begin transaction")
    try:
        con.execute(BOM_DDL)
        con.execute("delete from bom where bom_id = ?", [bom_id])
        con.register("bom_frame", frame)
        con.execute("insert into bom select * from bom_frame")
        con.unregister("bom_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(frame)
