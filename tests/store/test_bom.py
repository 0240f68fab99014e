"""Saved BOMs: replace in one transaction, list, and carry over into a rebuilt store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from critmin.store.bom import BOM_DDL, carry_boms, has_bom_table, list_boms, read_bom, replace_bom
from critmin.store.io import atomic_store, attach_previous

NAN = float("nan")
COLUMNS = ["bom_id", "row", "product", "part", "commodity_id", "iso3", "supplier",
           "mass_per_unit", "mass_unit", "units_per_year", "share", "price",
           "inventory_days", "recycled_content", "substitutability", "mass_t",
           "source_file", "imported_at"]


def _bom(bom_id: str, n: int, product: str = "motor") -> pd.DataFrame:
    return pd.DataFrame([{
        "bom_id": bom_id, "row": i + 2, "product": product, "part": f"p{i}",
        "commodity_id": ["cobalt", "nickel"][i % 2], "iso3": "CHN", "supplier": None,
        "mass_per_unit": 1.5, "mass_unit": "kg", "units_per_year": 1000.0, "share": 1.0,
        "price": NAN, "inventory_days": NAN, "recycled_content": NAN,
        "substitutability": NAN, "mass_t": 1.5, "source_file": f"{bom_id}.csv",
        "imported_at": "2026-01-02T03:04:05+00:00"} for i in range(n)])[COLUMNS]


def test_replace_list_and_read(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        con.execute("create table meta (key varchar primary key, value varchar)")
        assert not has_bom_table(con) and list_boms(con).empty and read_bom(con, "a").empty
        assert replace_bom(con, _bom("a", 3), "a") == 3
        content = con.execute("select value from meta where key = 'content_id'").fetchall()
        assert content   # a saved BOM renews the store's content id
        assert replace_bom(con, _bom("b", 2), "b") == 2
        assert replace_bom(con, _bom("a", 4), "a") == 4       # replaced, not added
        assert con.execute("select value from meta where key = 'content_id'").fetchall() \
            != content
        listed = list_boms(con)
        assert listed.to_dict("records") == [
            {"name": "a", "rows": 4, "products": 1, "commodities": 2,
             "saved_at": "2026-01-02T03:04:05+00:00", "source_file": "a.csv"},
            {"name": "b", "rows": 2, "products": 1, "commodities": 2,
             "saved_at": "2026-01-02T03:04:05+00:00", "source_file": "b.csv"}]
        assert read_bom(con, "a")["row"].tolist() == [2, 3, 4, 5]


def test_carry_matches_columns_by_name(tmp_path: Path):
    """An older bom table (a column fewer, another order) is carried by column name."""
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("create table meta (key varchar, value varchar)")
        con.execute("insert into meta values ('schema_version', '3')")
        con.execute(BOM_DDL)
        frame = _bom("legacy", 3)
        con.register("f", frame.drop(columns=["substitutability"])[::-1])
        con.execute("alter table bom drop column substitutability")
        con.execute("insert into bom by name select * from f")
    new = tmp_path / "new.duckdb"
    with atomic_store(new) as con:
        assert attach_previous(con, old)
        assert carry_boms(con) == 3
    with duckdb.connect(str(new), read_only=True) as con:
        got = read_bom(con, "legacy")
    pd.testing.assert_frame_equal(got.drop(columns=["substitutability"]),
                                  frame.drop(columns=["substitutability"]),
                                  check_dtype=False)
    assert got["substitutability"].isna().all()


def test_nothing_to_carry(tmp_path: Path):
    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).close()
    new = tmp_path / "new.duckdb"
    with atomic_store(new) as con:
        assert attach_previous(con, old)
        assert carry_boms(con) == 0
        assert not has_bom_table(con)
