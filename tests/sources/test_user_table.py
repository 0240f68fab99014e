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
    for part in ("row 3: commodity 'cobolt'", "closest valid choices: cobalt",
                 "row 3: country 'Atlantis'", "row 3: year '20x5'", "row 3: quantity 'lots'",
                 "row 4: stage 'smelting'", "row 4: unit 'lb'", "nothing imported"):
        assert part in msg
    with connect(store_copy) as con:
        assert con.execute("select count(*) from source where source_id='user-bad'"
                           ).fetchone()[0] == 0


def test_missing_columns_and_unknown_table(store_copy, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("commodity,year\ncobalt,2025\n")
    with pytest.raises(CritminError, match="missing columns .*expected commodity, stage"):
        import_file(store_copy, "table", path, table="production")
    with pytest.raises(CritminError, match="valid: production"):
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
