"""``trade_stage`` by hand: a cell sums its stage's HS codes on the stage's trade basis,
counts its rows, codes, rows without a quantity and rows of another content basis."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from critmin.store.derived import refresh_trade_stage
from critmin.store.schema import DDL


@pytest.fixture()
def con():
    """Lithium refining: HS 283691 (Li2CO3, the stage's basis), 282520 (LiOH, converted
    by the ratio of the two formulas' lithium fractions) and 999999 (no factor: another
    basis). Chile → Japan 2022 ships on all three codes, one row without a quantity."""
    c = duckdb.connect()
    c.execute(DDL)
    c.execute("insert into commodity_stage values "
              "('lithium','refining','283691','','Li2CO3','main','',''),"
              "('lithium','refining','282520','','LiOH','main','',''),"
              "('lithium','refining','999999','','gross:brine','main','','')")
    c.execute("insert into stage_basis values ('lithium','refining','Li','Li2CO3',0.1878)")
    c.execute("insert into content_factor values "
              "('lithium','refining','Li2CO3','Li',0.18786),"
              "('lithium','refining','LiOH','Li',0.28980)")
    trade = pd.DataFrame([
        ("283691", "CHL", "JPN", 100.0, 10.0),
        ("283691", "CHL", "JPN", 7.0, None),      # value only
        ("282520", "CHL", "JPN", 60.0, 4.0),
        ("999999", "CHL", "JPN", 3.0, 2.0),       # another basis: tonnes left out
        ("283691", "ARG", "JPN", 50.0, 5.0),
        ("283691", "JPN", "JPN", 9.0, 9.0),       # self-trade: dropped
    ], columns=["hs6", "exporter", "importer", "value_kusd", "quantity_t"]).assign(
        year=2022, exporter_code=0, importer_code=392, source_id="baci-bundle")
    c.register("t", trade)
    c.execute("insert into trade select hs6, year, exporter, importer, exporter_code, "
              "importer_code, value_kusd, quantity_t, source_id from t")
    yield c
    c.close()


def test_cell_sums_and_counts_by_hand(con) -> None:
    assert refresh_trade_stage(con) == 2
    rows = con.execute("select exporter, quantity_t, value_kusd, value_kusd_q, n_rows, "
                       "n_rows_no_quantity, n_codes, n_rows_other_basis from trade_stage "
                       "order by exporter").fetchall()
    chl = rows[1]
    assert chl[0] == "CHL"
    # 10 t of Li2CO3 + 4 t of LiOH × 0.28980 / 0.18786 (Li2CO3 equivalent)
    assert chl[1] == pytest.approx(10.0 + 4.0 * 0.28980 / 0.18786, rel=1e-12)
    assert chl[2] == pytest.approx(100.0 + 7.0 + 60.0 + 3.0, rel=1e-12)
    assert chl[3] == pytest.approx(100.0 + 60.0, rel=1e-12)   # value of the counted tonnes
    assert chl[4:] == (4, 1, 3, 1)           # rows, without quantity, codes, other basis
    assert rows[0] == ("ARG", 5.0, 50.0, 50.0, 1, 0, 1, 0)


def test_a_cell_without_any_tonnes_keeps_no_quantity(con) -> None:
    con.execute("delete from trade where quantity_t is not null and exporter = 'CHL'")
    refresh_trade_stage(con)
    chl = con.execute("select quantity_t, value_kusd, value_kusd_q, n_rows, n_codes "
                      "from trade_stage where exporter = 'CHL'").fetchall()
    assert chl == [(None, 7.0, None, 1, 1)]
