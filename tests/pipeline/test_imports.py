"""Import behaviour: atomic, idempotent, replaceable, kept across rebuilds, clear errors."""

import duckdb
import pytest

from critmin.errors import CritminError
from critmin.pipeline.build import build_store
from critmin.pipeline.imports import import_file
from critmin.store.io import connect
from critmin.store.schema import DATA_COMPATIBLE, SCHEMA_VERSION


def _counts(path):
    with connect(path) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("production", "reserves", "world_total", "governance", "price",
                          "trade", "source", "build_log")}


def test_same_file_twice_changes_nothing(store_copy, shared_data):
    wgi = shared_data / "worldbank_wgi" / "wgidataset.xlsx"
    first = import_file(store_copy, "wgi", wgi)
    before = _counts(store_copy)
    again = import_file(store_copy, "wgi", wgi)
    assert first.sources and not again.sources and again.unchanged == ["wgi-release"]
    assert _counts(store_copy) == before


def test_new_version_replaces_old_rows(store_copy, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("commodity,country,year,quantity,unit\ncobalt,AUS,2025,1,t\n"
                    "cobalt,CAN,2025,2,t\n")
    import_file(store_copy, "table", path, table="reserves")
    path.write_text("commodity,country,year,quantity,unit\ncobalt,AUS,2025,5,t\n")
    import_file(store_copy, "table", path, table="reserves")
    with connect(store_copy) as con:
        assert con.execute("select iso3, quantity from reserves where source_id='user-t'"
                           ).fetchall() == [("AUS", 5.0)]


@pytest.mark.parametrize("adapter,path,expected", [
    ("usgs-mcs", "worldbank_wgi/wgidataset.xlsx", "not a CSV text file .*USGS MCS"),
    ("wgi", "usgs_mcs2025/world_data/MCS2025_World_Data.csv", "cannot be read as an Excel"),
    ("wgi", "worldbank_pinksheet/CMO-Historical-Data-Monthly.xlsx",
     "not the WGI full release: expected a sheet with columns code, countryname"),
    ("pinksheet", "worldbank_wgi/wgidataset.xlsx", "no sheet 'Monthly Prices'"),
])
def test_wrong_file_for_adapter(store_copy, shared_data, adapter, path, expected):
    before = _counts(store_copy)
    with pytest.raises(CritminError, match=expected):
        import_file(store_copy, adapter, shared_data / path)
    assert _counts(store_copy) == before


def test_truncated_workbook_leaves_store(store_copy, shared_data, tmp_path):
    cut = tmp_path / "wgidataset.xlsx"
    cut.write_bytes((shared_data / "worldbank_wgi" / "wgidataset.xlsx").read_bytes()[:200_000])
    before = _counts(store_copy)
    with pytest.raises(CritminError, match="cannot be read as an Excel workbook"):
        import_file(store_copy, "wgi", cut)
    assert _counts(store_copy) == before


def test_wrong_usgs_columns_are_named(store_copy, tmp_path):
    path = tmp_path / "MCS2025_World_Data.csv"
    path.write_text("SOURCE,COMMODITY,COUNTRY\nMCS2025,Cobalt,China\n")
    with pytest.raises(CritminError, match="expected columns MCS2025: COMMODITY, COUNTRY, "
                                           "TYPE, UNIT_MEAS, PROD_2023"):
        import_file(store_copy, "usgs-mcs", path)


def test_text_in_usgs_numbers_rolls_back(store_copy, shared_data, tmp_path):
    text = (shared_data / "usgs_mcs2025" / "world_data" / "MCS2025_World_Data.csv"
            ).read_text(encoding="utf-8-sig")
    broken = text.replace(",255000,", ",255OOO,", 1)
    assert broken != text
    path = tmp_path / "MCS2025_World_Data.csv"
    path.write_text(broken, encoding="utf-8")
    before = _counts(store_copy)
    with pytest.raises(CritminError, match="'255OOO' where a number was expected"):
        import_file(store_copy, "usgs-mcs", path)
    assert _counts(store_copy) == before


def test_failure_mid_write_rolls_back(store_copy, tmp_path):
    # an unknown ISO3 in a trade file is caught by the foreign-key check after rows were
    # written inside the transaction: everything is rolled back
    path = tmp_path / "trade.csv"
    path.write_text("hs6,year,exporter,importer,value_kusd,quantity_t\n"
                    "284690,2025,CHN,JPN,1,1\n")
    import_file(store_copy, "table", path, table="trade")  # valid: lands
    before = _counts(store_copy)
    from critmin.catalog import imports

    real = imports.check_foreign_keys

    def fail(con, table, sid):
        real(con, table, sid)
        raise CritminError("simulated failure after insert")

    imports.check_foreign_keys = fail
    try:
        path.write_text("hs6,year,exporter,importer,value_kusd,quantity_t\n"
                        "284690,2025,CHN,JPN,2,2\n")
        with pytest.raises(CritminError, match="simulated"):
            import_file(store_copy, "table", path, table="trade")
    finally:
        imports.check_foreign_keys = real
    assert _counts(store_copy) == before


@pytest.mark.parametrize("previous", [SCHEMA_VERSION, "5", "4"])
def test_rebuild_keeps_imports(store_copy, bundle_wheel, shared_data, previous):
    """Imports are carried over from a store of this schema or of an earlier one whose
    data tables are laid out as now (5: only derived tables changed), not from others."""
    import_file(store_copy, "pinksheet",
                shared_data / "worldbank_pinksheet" / "CMO-Historical-Data-Monthly.xlsx")
    before = _counts(store_copy)
    with duckdb.connect(str(store_copy)) as con:
        con.execute("update meta set value = ? where key = 'schema_version'", [previous])
    build_store(bundle_wheel, store_copy)
    with connect(store_copy) as con:
        carried = con.execute("select value from meta where key='carried_imports'").fetchone()
        log = con.execute("select step from build_log where source_id = 'critmin'").fetchall()
    if previous in DATA_COMPATIBLE:
        assert _counts(store_copy) == before
        assert carried == ("wb-pinksheet-monthly",)
    else:
        assert carried == ("",)
        assert any("imports not carried over" in step for (step,) in log)


def test_truncated_csvs_are_refused(store_copy, shared_data, tmp_path):
    data = (shared_data / "usgs_mcs2025" / "world_data" / "MCS2025_World_Data.csv"
            ).read_bytes()
    cut = tmp_path / "MCS2025_World_Data.csv"
    cut.write_bytes(data[: len(data) // 2 + 7])
    before = _counts(store_copy)
    with pytest.raises(CritminError, match="looks truncated"):
        import_file(store_copy, "usgs-mcs", cut)
    baci = tmp_path / "BACI_HS92_Y2022_V202501.csv"
    baci.write_text("t,i,j,k,v,q\n2022,156,392,284690,100.5,10\n2022,156,39")
    with pytest.raises(CritminError, match="malformed CSV|not a number"):
        import_file(store_copy, "baci", baci)
    assert _counts(store_copy) == before
