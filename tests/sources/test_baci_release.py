"""BACI release files: round trip of the bundle's trade rows, filters, malformed files."""

import csv

import pytest

from critmin.errors import CritminError
from critmin.pipeline.imports import import_file
from critmin.store.io import connect

COLS = "hs6, year, exporter, importer, exporter_code, importer_code, value_kusd, quantity_t"


def _write_baci(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t", "i", "j", "k", "v", "q"])
        for hs6, year, _e, _m, i, j, v, q in rows:
            w.writerow([year, i, j, hs6, repr(v), "NA" if q is None else repr(q)])


def test_round_trip_of_bundle_trade(store, tradeless_copy, tmp_path):
    """Three years of the bundle's trade (first, middle, last: every code and country
    that trades then) written as a BACI release and read back unchanged."""
    rows = store.execute(f"select {COLS} from trade where source_id='baci-bundle' "
                         "and year in (1995, 2010, 2024) order by all").fetchall()
    path = tmp_path / "BACI_HS92_Y1995-2024_V202401b.csv"
    _write_baci(path, rows)
    summary = import_file(tradeless_copy, "baci", path, hs_codes="all")
    sid = next(iter(summary.sources))
    assert summary.sources[sid]["trade"] == len(rows) > 100_000
    with connect(tradeless_copy) as con:
        back = con.execute(f"select {COLS} from trade where source_id=? order by all",
                           [sid]).fetchall()
    assert back == rows


def test_hs_filter_and_na_quantities(tradeless_copy, tmp_path):
    path = tmp_path / "BACI_HS92_Y2022_V202501.csv"
    path.write_text("t,i,j,k,v,q\n"
                    "2022,156,392,284690,  100.5,   10.000\n"
                    "2022,156,392,071331,    5.0,    1.000\n"
                    "2022,699,842,284690,    7.25,          NA\n"
                    "2022,490,697,260500,    1.0,    2.000\n")
    summary = import_file(tradeless_copy, "baci", path)  # default filter: catalog HS codes
    assert summary.sources["baci-hs92-y2022-v202501"]["trade"] == 3
    with connect(tradeless_copy) as con:
        got = con.execute("select hs6, exporter, importer, value_kusd, quantity_t from trade "
                          "where source_id='baci-hs92-y2022-v202501' order by value_kusd"
                          ).fetchall()
    assert got == [("260500", "TWN", None, 1.0, 2.0), ("284690", "IND", "USA", 7.25, None),
                   ("284690", "CHN", "JPN", 100.5, 10.0)]


def test_text_in_numbers_names_the_line_and_leaves_store(store_copy, tmp_path):
    path = tmp_path / "BACI_HS92_Y2022_V202501.csv"
    path.write_text("t,i,j,k,v,q\n2022,156,392,284690,100.5,10\n2022,156,392,284690,abc,1\n")
    with pytest.raises(CritminError, match="line 3, column v: 'abc'"):
        import_file(store_copy, "baci", path)
    with connect(store_copy) as con:
        assert con.execute("select count(*) from source where source_id like 'baci-hs92-y2022%'"
                           ).fetchone()[0] == 0


def test_wrong_columns_named(store_copy, tmp_path, shared_data):
    with pytest.raises(CritminError, match="expected columns t,i,j,k,v,q"):
        import_file(store_copy, "baci", shared_data / "usgs_mcs2025" / "world_data" /
                    "MCS2025_World_Data.csv")
