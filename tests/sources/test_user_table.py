import pytest

from critmin.errors import CritminError
from critmin.pipeline.imports import import_file
from critmin.store.io import connect


def test_private_production_rows_with_any_names(store_copy, tmp_path):
    path = tmp_path / "our_survey.csv"
    path.write_text("commodity,stage,country,year,quantity,unit\n"
                    "レアアース,mining,中国,2025,280,kt\n"
                    "rare earths,mining,United States,2025,51000,t\n"
                    "Ga,refining,JPN,2025,2500,kg\n".replace("kt", "thousand metric tons"))
    summary = import_file(store_copy, "table", path, table="production", source_id="survey",
                          publisher="our team")
    assert summary.sources["survey"]["production"] == 3
    with connect(store_copy) as con:
        rows = con.execute("select commodity_id, iso3, quantity, unit from production where "
                           "source_id='survey' order by iso3").fetchall()
    assert rows == [("rare_earths", "CHN", 280_000.0, "t"), ("gallium", "JPN", 2.5, "t"),
                    ("rare_earths", "USA", 51_000.0, "t")]


def test_every_bad_row_is_numbered_and_nothing_lands(store_copy, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("commodity,stage,country,year,quantity,unit\n"
                    "cobalt,mining,COD,2025,170000,t\n"
                    "cobolt,mining,Atlantis,20x5,lots,t\n"
                    "cobalt,smelting,COD,2025,1,lb\n")
    with pytest.raises(CritminError) as info:
        import_file(store_copy, "table", path, table="production")
    msg = str(info.value)
    for part in ("row 3: commodity: unknown mineral 'cobolt'", "closest valid choices: cobalt",
                 "row 3: country: unknown country 'Atlantis'",
                 "row 3: year: '20x5' is not a four-digit year",
                 "row 3: quantity: 'lots' is not a number",
                 "row 4: stage: 'smelting' is not a stage; valid: mining, refining, scrap",
                 "row 4: unit: 'lb' is not one of t, ", "6 problem(s), nothing imported"):
        assert part in msg
    # in file order: by row, then by column as the file has them
    assert [(p.row, p.column) for p in info.value.problems] == [
        (3, "commodity"), (3, "country"), (3, "year"), (3, "quantity"), (4, "stage"),
        (4, "unit")]
    with connect(store_copy) as con:
        assert con.execute("select count(*) from source where source_id='user-bad'"
                           ).fetchone()[0] == 0


def test_missing_columns_and_unknown_table(store_copy, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("commodity,year\ncobalt,2025\n")
    with pytest.raises(CritminError, match="missing stage, country, quantity, unit; "
                                           "required: commodity, stage"):
        import_file(store_copy, "table", path, table="production")
    with pytest.raises(CritminError, match="valid choices: production"):
        import_file(store_copy, "table", path, table="nonsense")


def test_excel_reserves(store_copy, tmp_path):
    import pandas as pd

    path = tmp_path / "reserves.xlsx"
    pd.DataFrame({"commodity_id": ["cobalt"], "iso3": ["AUS"], "year": [2025],
                  "quantity": [1.8], "unit": ["million metric tons"]}).to_excel(path, index=False)
    import_file(store_copy, "table", path, table="reserves")
    with connect(store_copy) as con:
        assert con.execute("select quantity, unit from reserves where source_id='user-reserves'"
                           ).fetchone() == (1_800_000.0, "t")


# --- encodings and Japanese headers (issue 17) ----------------------------------------

JA_PRODUCTION = ("鉱種,段階,国,年,数量,単位\n"
                 "レアアース,採掘,中国,2025,280000,t\n"
                 "コバルト,製錬,日本,2025,2500,kg\n")
EN_PRODUCTION = ("commodity,stage,country,year,quantity,unit\n"
                 "rare_earths,mining,CHN,2025,280000,t\n"
                 "cobalt,refining,JPN,2025,2500,kg\n")


def _rows(path, table="production"):
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.contents import canonical_basis
    from critmin.catalog.countries import resolve_country
    from critmin.sources.user_table import read_table_file

    extract = read_table_file(path, "0" * 64, table, resolve_commodity, resolve_country,
                              canonical_basis(), source_id="t")
    return extract.tables[table].reset_index(drop=True)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_japanese_headers_in_every_excel_encoding(tmp_path, encoding):
    import pandas as pd

    ja, en = tmp_path / "ja.csv", tmp_path / "en.csv"
    ja.write_bytes(JA_PRODUCTION.encode(encoding))
    en.write_text(EN_PRODUCTION, encoding="utf-8")
    pd.testing.assert_frame_equal(_rows(ja), _rows(en))


def test_trade_headers_in_japanese(tmp_path):
    path = tmp_path / "trade.csv"
    path.write_bytes("HSコード,年,輸出国,輸入国,金額（千ドル）,数量\n"
                     "810520,2024,コンゴ民主共和国,日本,1200,150\n".encode("cp932"))
    row = _rows(path, "trade").iloc[0]
    assert (row["hs6"], row["exporter"], row["importer"], row["value_kusd"],
            row["quantity_t"]) == ("810520", "COD", "JPN", 1200.0, 150.0)


def test_undecodable_table_names_file_and_encodings(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(EN_PRODUCTION.encode() + b"cobalt,mining,\xff\xfe\x81,2025,1,t\n")
    with pytest.raises(CritminError) as info:
        _rows(path)
    msg = str(info.value)
    assert "latin.csv" in msg and "UTF-8" in msg and "cp932" in msg
    assert "codec can't decode" not in msg


def test_two_headers_for_one_column(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(EN_PRODUCTION.replace("unit\n", "unit,国\n").replace("t\n", "t,CHN\n"),
                    encoding="utf-8")
    with pytest.raises(CritminError, match="both mean country"):
        _rows(path)
