"""Import behaviour: atomic, idempotent, replaceable, kept across rebuilds, clear errors."""

import duckdb
import pytest

from critmin.errors import CritminError
from critmin.pipeline.build import _carry_imports, build_store
from critmin.pipeline.imports import import_file
from critmin.store.io import atomic_store, connect
from critmin.store.schema import DATA_COMPATIBLE, SCHEMA_VERSION


def _counts(path):
    with connect(path) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("production", "reserves", "world_total", "governance", "price",
                          "trade", "source", "build_log")}


def test_same_file_twice_changes_nothing(imported_copy, shared_data):
    """The imported store already holds this WGI release (imported by the fixture)."""
    before = _counts(imported_copy)
    again = import_file(imported_copy, "wgi", shared_data / "worldbank_wgi" / "wgidataset.xlsx")
    assert not again.sources and again.unchanged == ["wgi-release"]
    assert _counts(imported_copy) == before


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


WRONG_AFTER_IMPORT = [
    ("usgs-mcs", "worldbank_wgi/wgidataset.xlsx", "not a CSV text file .*USGS MCS"),
    ("wgi", "worldbank_pinksheet/CMO-Historical-Data-Monthly.xlsx",
     "not the WGI full release"),
    ("pinksheet", "worldbank_wgi/wgidataset.xlsx", "no sheet 'Monthly Prices'"),
    ("baci", "usgs_mcs2025/world_data/MCS2025_World_Data.csv", "not a BACI release file"),
    ("wgi", "usgs_mcs2025/world_data/MCS2025_World_Data.csv", "cannot be read as an Excel"),
]


def test_wrong_file_already_imported_by_another_adapter(imported_copy, shared_data):
    """The store holds these files' sha256 (the fixture imported them): the format is
    checked first, so the wrong adapter is refused, not "already imported" (issue 17)."""
    before = _counts(imported_copy)
    for adapter, path, expected in WRONG_AFTER_IMPORT:
        with pytest.raises(CritminError, match=expected):
            import_file(imported_copy, adapter, shared_data / path)
    assert _counts(imported_copy) == before


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


def test_failure_mid_write_rolls_back(tradeless_copy, tmp_path, monkeypatch):
    # an unknown ISO3 in a trade file is caught by the foreign-key check after rows were
    # written inside the transaction: everything is rolled back
    path = tmp_path / "trade.csv"
    path.write_text("hs6,year,exporter,importer,value_kusd,quantity_t\n"
                    "284690,2025,CHN,JPN,1,1\n")
    content = _content_id(tradeless_copy)
    import_file(tradeless_copy, "table", path, table="trade")  # valid: lands
    before, landed = _counts(tradeless_copy), _content_id(tradeless_copy)
    assert landed != content     # a new content: kept reads of the old one are not used
    from critmin.pipeline import imports

    real = imports.check_foreign_keys

    def fail(con, table, sid):
        real(con, table, sid)
        raise CritminError("simulated failure after insert")

    monkeypatch.setattr(imports, "check_foreign_keys", fail)
    path.write_text("hs6,year,exporter,importer,value_kusd,quantity_t\n"
                    "284690,2025,CHN,JPN,2,2\n")
    with pytest.raises(CritminError, match="simulated"):
        import_file(tradeless_copy, "table", path, table="trade")
    assert _counts(tradeless_copy) == before and _content_id(tradeless_copy) == landed


def _content_id(path) -> str | None:
    with connect(path) as con:
        rows = con.execute("select value from meta where key = 'content_id'").fetchall()
    return rows[0][0] if rows else None


IMPORTED = ["usgs-mcs2025-salient", "usgs-mcs2025-world", "wb-pinksheet-monthly",
            "wgi-release"]
REBUILT = {"wmd-bundle", "baci-bundle", "wgi-bundle", "geopolrisk-hsmap", "critmin-catalog"}


def test_rebuild_keeps_imports_and_saved_boms(imported_copy, bundle_wheel):
    """A full rebuild over a store of this schema carries its imports and the BOMs saved
    by ``exposure --save`` over unchanged (the one end-to-end rebuild of the suite; the
    carrying steps alone are tested from every schema version below and in test_build)."""
    import pandas as pd

    from critmin.service.exposure import ExposureRequest, exposure
    from critmin.store.bom import read_bom

    with connect(imported_copy, read_only=False) as con:
        exposure(ExposureRequest(bom="example:ev_traction_motor", save="motor"), con)
        saved = read_bom(con, "motor")
    before = _counts(imported_copy)
    build_store(bundle_wheel, imported_copy)
    with connect(imported_copy) as con:
        carried = con.execute("select value from meta where key='carried_imports'").fetchone()
        boms = con.execute("select value from meta where key = 'carried_bom_rows'").fetchone()
        after = read_bom(con, "motor")
    assert _counts(imported_copy) == before
    assert sorted(carried[0].split(",")) == IMPORTED
    pd.testing.assert_frame_equal(after, saved)
    assert boms == (str(len(saved)),)


@pytest.mark.parametrize("previous", sorted({*DATA_COMPATIBLE, "5", "4"} - {SCHEMA_VERSION}))
def test_imports_carried_only_from_compatible_schemas(imported_copy, tmp_path, previous):
    """Imports are carried over from a store of an earlier schema whose data tables are
    laid out as now (``DATA_COMPATIBLE``), not from others (then the log says so). The
    rebuild's carrying step on its own: the full rebuild is tested above."""
    with duckdb.connect(str(imported_copy)) as con:
        con.execute("update meta set value = ? where key = 'schema_version'", [previous])
    new = tmp_path / "new.duckdb"
    with atomic_store(new) as con:
        carried = _carry_imports(con, imported_copy, REBUILT)
    with connect(new) as con:
        log = [step for (step,) in con.execute(
            "select step from build_log where source_id = 'critmin'").fetchall()]
        rows = {t: n for t, n in _counts(new).items() if n}
    if previous in DATA_COMPATIBLE:
        assert sorted(carried) == IMPORTED and not log
        with duckdb.connect(str(imported_copy), read_only=True) as old:
            assert rows == {t: old.execute(f"select count(*) from {t} where source_id in "
                                           "(select unnest(?))", [IMPORTED]).fetchone()[0]
                            for t in rows}
        assert rows["governance"] > 0 and rows["price"] > 0 and rows["production"] > 0
    else:
        assert carried == [] and rows == {"build_log": 1}
        assert any("imports not carried over" in step for step in log)


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
