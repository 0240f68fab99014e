"""Company bills of materials saved in the store (table ``bom``, created on first save)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.store.io import new_content_id

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
        new_content_id(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(frame)


def has_bom_table(con: Any, database: str | None = None) -> bool:
    """Whether the store (or the attached ``database``) holds saved BOMs."""
    sql = "select 1 from duckdb_tables() where table_name = 'bom'"
    params: list[str] = []
    if database is not None:
        sql += " and database_name = ?"
        params.append(database)
    else:
        sql += " and database_name = current_database()"
    return bool(con.execute(sql, params).fetchall())


def list_boms(con: Any) -> pd.DataFrame:
    """The saved BOMs: name, rows, products, commodities, saved at, source file."""
    columns = ["name", "rows", "products", "commodities", "saved_at", "source_file"]
    if not has_bom_table(con):
        return pd.DataFrame(columns=columns)
    return con.execute("""
        select bom_id as name, count(*) as "rows", count(distinct product) as products,
               count(distinct commodity_id) as commodities, max(imported_at) as saved_at,
               string_agg(distinct source_file, ', ') as source_file
        from bom group by bom_id order by bom_id""").df()[columns]


def read_bom(con: Any, bom_id: str) -> pd.DataFrame:
    """The rows of saved BOM ``bom_id`` in their order (empty if there is none)."""
    if not has_bom_table(con):
        return pd.DataFrame()
    return con.execute('select * from bom where bom_id = ? order by "row"', [bom_id]).df()


def carry_boms(con: Any, old: str = "old") -> int:
    """Copy the saved BOMs of the attached previous store ``old`` into the store of
    ``con`` (a rebuild). The table keeps its own layout whatever the schema version;
    columns are matched by name (a column the old table lacks stays NULL). Returns the
    rows carried."""
    if not has_bom_table(con, old):
        return 0
    con.execute(BOM_DDL)
    new_cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where table_name = 'bom' and "
        "database_name = current_database() order by column_index").fetchall()]
    old_cols = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where table_name = 'bom' and "
        "database_name = ?", [old]).fetchall()}
    cols = ", ".join(f'"{c}"' for c in new_cols if c in old_cols)
    con.execute(f"insert into bom ({cols}) select {cols} from {old}.bom")
    return con.execute(f"select count(*) from {old}.bom").fetchall()[0][0]
