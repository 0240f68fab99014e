"""The bundled BACI extract's reader (:func:`critmin.sources.baci.read_trade`) on small
hand-made SQLite tables laid out as the bundle's (every column text, HS6 an integer):
row order, codes, missing quantities and unreadable tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from critmin.errors import CritminError
from critmin.sources.baci import COUNTRY_TABLE, read_trade
from critmin.sources.provenance import Report


def _bundle_db(path: Path, rows: list[tuple[object, ...]]) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("create table baci_trade (t text, i text, j text, k integer, v text, "
                    "q text)")
        con.executemany("insert into baci_trade values (?, ?, ?, ?, ?, ?)", rows)
        con.execute(f'create table "{COUNTRY_TABLE}" (country_code text, country_name text,'
                    " country_iso3 text)")
        con.executemany(f'insert into "{COUNTRY_TABLE}" values (?, ?, ?)',
                        [("392", "Japan", "JPN"), ("156", "China", "CHN"),
                         ("36", "Australia", "AUS")])
    return path


def test_rows_in_order_with_codes_and_missing_quantities(tmp_path):
    db = _bundle_db(tmp_path / "baci.db", [
        ("2022", "156", "392", 250490, "10.889", "16"),
        ("1995", "36", "392", 81060, "0.1", None),          # value without quantity
        ("2022", "156", "999", 260300, "88.981", "194.46"),  # 999: not in the country list
        ("2023", "36", "156", 260300, "not a number", "0.3"),
        ("2023", "36", "156", 260300, "1,5", "2\n0"),                 # separators in a value:
        ("2023", "36", "156", 260300, '"7', '8"')])                 # missing, as any text
    report = Report("baci")
    trade, codes = read_trade(db, report)
    assert trade["hs6"].tolist() == ["250490", "081060", "260300", "260300", "260300",
                                     "260300"]
    assert trade["year"].tolist() == [2022, 1995, 2022, 2023, 2023, 2023]
    assert trade["exporter"].tolist() == ["CHN", "AUS", "CHN", "AUS", "AUS", "AUS"]
    assert trade["importer"].tolist()[:2] == ["JPN", "JPN"]
    assert trade["importer"].isna().tolist() == [False, False, True, False, False, False]
    assert trade["importer_code"].tolist() == [392, 392, 999, 156, 156, 156]
    assert trade["value_kusd"].tolist()[:3] == [10.889, 0.1, 88.981]
    assert trade["value_kusd"].iloc[3:].isna().all()     # unreadable text: missing, not 0
    assert trade["quantity_t"].iloc[3] == 0.3 and trade["quantity_t"].iloc[4:].isna().all()
    assert np.isnan(trade["quantity_t"].iloc[1]) and trade["quantity_t"].iloc[2] == 194.46
    steps = {step: count for step, count, _ in report.rows}
    assert steps["trade rows read"] == 6 and steps["quantity missing (kept as NULL)"] == 3
    assert steps["codes absent from BACI's country list"] == 1
    assert "999" in set(codes["code"])


def test_a_year_that_is_not_a_number_is_an_error(tmp_path):
    db = _bundle_db(tmp_path / "baci.db", [("2022", "156", "392", 250490, "1", "1"),
                                           ("20x2", "156", "392", 250490, "1", "1")])
    with pytest.raises(CritminError, match="bundled BACI table cannot be read"):
        read_trade(db, Report("baci"))


def test_an_empty_table_gives_no_rows(tmp_path):
    trade, _ = read_trade(_bundle_db(tmp_path / "baci.db", []), Report("baci"))
    assert trade.empty and "quantity_t" in trade


def test_numbers_read_the_same_whether_or_not_every_value_is_one(tmp_path):
    """Values and quantities are parsed by pandas' C reader when all are numbers or NULL,
    else as text and converted by ``pd.to_numeric``: the same numbers either way."""
    numbers = [("10.889", "16"), ("0.1", None), ("1e-3", "2.5E2"), (None, None),
               ("0.30000000000000004", "123456789.123456789"), ("-0", "5"),
               ("4.9e-324", "1.7976931348623157e308")]
    rows = [("2022", "156", "392", 250490, v, q) for v, q in numbers]
    fast, _ = read_trade(_bundle_db(tmp_path / "fast.db", rows), Report("baci"))
    slow, _ = read_trade(_bundle_db(tmp_path / "slow.db", [
        *rows, ("2022", "156", "392", 250490, "not a number", "x")]), Report("baci"))
    assert fast["value_kusd"].dtype == fast["quantity_t"].dtype == np.float64
    for col in ("value_kusd", "quantity_t"):
        assert fast[col].to_numpy().tobytes() == slow[col].iloc[:-1].to_numpy().tobytes()
    assert fast["value_kusd"].tolist()[:3] == [10.889, 0.1, 0.001]
    assert fast["quantity_t"].isna().tolist() == [False, True, False, True, False, False,
                                                  False]
    assert slow.iloc[-1][["value_kusd", "quantity_t"]].isna().all()
