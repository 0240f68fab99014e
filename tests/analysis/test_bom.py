"""Reading and checking a company's BOM (:mod:`critmin.analysis.bom`): every problem
listed by row, nothing stored while one remains, the files spreadsheet programs write
(encodings, separators, Excel), and each problem worded in Japanese by its code."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from critmin.analysis.bom import BomError, read_bom_file, store_bom, validate_bom
from critmin.catalog.commodities import resolve_commodity
from critmin.catalog.countries import resolve_country
from critmin.errors import CritminError
from critmin.views.errors import error_message

HEADER = ("product,part,commodity,mass_per_unit,mass_unit,units_per_year,supplier,"
          "supplier_country,share,price,inventory_days,recycled_content,substitutability\n")
# 1 000 motors: 2 kg magnet Nd from CHN (75 %) and JPN (25 %); 10 kg copper from Chile
SMALL = HEADER + (
    "motor,magnet,ネオジム,2,kg,1000,A,中国,0.75,100,30,0,0.2\n"
    "motor,magnet,Nd,2000,g,1000,B,Japan,0.25,100,60,0,0.2\n"
    "motor,winding,copper,10,kg,1000,C,CHL,1,10,30,0.5,0.5\n")


def bom(text=SMALL):
    return validate_bom(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False),
                        "small.csv", resolve_commodity, resolve_country)


BAD = [
    ("product,part,commodity\nx,y,z\n", "missing mass_per_unit"),
    (SMALL.replace("10,kg,1000,C", "-10,kg,1000,C"), "row 4: mass_per_unit: -10 must be"),
    (SMALL.replace("copper", "unobtainium"), "row 4: commodity: unknown mineral"),
    (SMALL.replace("CHL", "Atlantis"), "row 4: supplier_country: unknown country"),
    (SMALL.replace(",10,kg", ",ten,kg"), "row 4: mass_per_unit: 'ten' is not a number"),
    (SMALL.replace("0.25,100", "0.35,100"), "sum to 1.100"),
    (SMALL.replace(",kg,1000,C", ",lb,1000,C"), "row 4: mass_unit"),
    (SMALL.replace("1,10,30,0.5,0.5", "1,10,30,1.5,0.5"), "recycled_content"),
]


@pytest.mark.parametrize("text, words", BAD)
def test_malformed_boms_fail_clearly_and_store_nothing(text, words, tmp_path, store_copy):
    from critmin.store.io import connect

    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BomError) as err:
        validate_bom(read_bom_file(path), str(path), resolve_commodity, resolve_country)
    assert words in str(err.value) and "nothing imported" in str(err.value)
    with connect(store_copy) as con:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
    assert "bom" not in tables


def test_every_bad_row_is_listed():
    text = SMALL.replace("copper", "unobtainium").replace(",2,kg", ",-2,kg")
    with pytest.raises(BomError) as err:
        bom(text)
    rows = {p[0] for p in err.value.problems}
    assert {2, 4} <= rows


def test_empty_huge_and_wrong_type_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BomError, match="empty"):
        read_bom_file(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    with pytest.raises(BomError, match="no data rows"):
        read_bom_file(header_only)
    big = tmp_path / "big.csv"
    big.write_text(SMALL, encoding="utf-8")
    with pytest.raises(BomError, match="over the limit"):
        read_bom_file(big, max_bytes=100)
    with pytest.raises(BomError, match="more than 2 rows"):
        read_bom_file(big, max_rows=2)
    other = tmp_path / "bom.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(BomError, match=r"use a \.csv, \.tsv, \.txt, \.xlsx, \.xlsm file"):
        read_bom_file(other)


def test_store_is_all_or_nothing(store_copy):
    import duckdb

    b = bom()
    with duckdb.connect(str(store_copy)) as con:
        assert store_bom(con, b, "small", "small.csv") == 3
        assert store_bom(con, b, "small", "small.csv") == 3   # replaced, not doubled
        assert con.execute("select count(*) from bom").fetchall()[0][0] == 3
        broken = b.assign(mass_t="not a number")
        with pytest.raises(duckdb.Error):
            store_bom(con, broken, "small", "small.csv")
        assert con.execute("select count(*) from bom").fetchall()[0][0] == 3


def test_undecodable_bom_names_file_and_encodings(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(HEADER.encode() + b"motor,\xff\xfe\x81,copper\n")
    with pytest.raises(CritminError) as err:
        read_bom_file(path)
    text = str(err.value)
    assert "broken.csv" in text and "UTF-8" in text and "cp932" in text
    assert "codec can't decode" not in text


@pytest.mark.parametrize("name, encoding", [("unicode.txt", "utf-16"), ("bom.tsv", "utf-8")])
def test_tab_separated_boms(tmp_path, name, encoding):
    """Excel's "Unicode テキスト" (UTF-16 with a byte-order mark, tab-separated, .txt) and
    a UTF-8 .tsv read as the comma-separated original."""
    path = tmp_path / name
    path.write_text(SMALL.replace(",", "\t"), encoding=encoding)
    got = validate_bom(read_bom_file(path), str(path), resolve_commodity, resolve_country)
    pd.testing.assert_frame_equal(got, bom())


def test_two_headers_for_one_column_are_refused():
    text = SMALL.replace("supplier_country", "国", 1).replace(
        "substitutability\n", "supplier_country\n")
    with pytest.raises(BomError, match="both mean supplier_country"):
        bom(text)


def test_a_damaged_workbook_is_a_bom_error_not_a_fault(tmp_path):
    bad = tmp_path / "bom.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(BomError, match="cannot be read"):
        read_bom_file(bad)


def test_a_semicolon_separated_bom_is_refused_with_the_way_out(tmp_path):
    """A CSV saved with semicolons (a decimal-comma setting) is not guessed at: "2,5" kg
    read with the comma as a thousands mark would be 25 kg."""
    path = tmp_path / "semicolon.csv"
    path.write_text(SMALL.replace(",", ";").replace(";2;kg", ";2,5;kg"), encoding="utf-8")
    with pytest.raises(BomError) as err:
        validate_bom(read_bom_file(path), str(path), resolve_commodity, resolve_country)
    assert [p.code for p in err.value.problems] == ["columns_semicolon"]
    assert "separated by semicolons" in str(err.value) and "commas" in str(err.value)
    assert "セミコロン" in error_message(err.value, "ja")


def test_each_problem_in_japanese_by_row_and_column():
    """Hand-written expectations: the row, the column's Japanese header, and the problem
    in Japanese — no English words of the validator left."""
    text = (SMALL.replace(",10,kg", ",ten,kg").replace(",kg,1000,C", ",lb,1000,C")
            .replace("copper", "unobtainium").replace("1,10,30,0.5,0.5", "1,10,30,1.5,0.5")
            .replace("0.25,100", "0.35,100"))
    with pytest.raises(BomError) as err:
        bom(text)
    ja = error_message(err.value, "ja")
    lines = ja.splitlines()
    assert lines[0] == "small.csv：5 件の問題があり、何も取り込んでいません"
    assert "  2 行目：シェア：製品「motor」の部品「magnet」のレアアースのシェアの合計が " \
           "1.100 で、1 になっていません" in lines
    assert "  4 行目：鉱種：鉱種「unobtainium」は不明です。" in "\n".join(lines)
    assert "  4 行目：製品1台あたりの質量：「ten」は数値ではありません" in lines
    assert "  4 行目：質量の単位：「lb」は mg, g, kg, t のいずれでもありません" in lines
    assert "  4 行目：リサイクル材比率：1.5 は 0～1 の範囲で指定してください" in lines
    for english in ("is not a number", "must be", "sum to", "is not one of", "empty"):
        assert english not in ja
    assert error_message(err.value, "en") == str(err.value)
    assert "row 4: mass_per_unit: 'ten' is not a number" in str(err.value)


def test_file_problems_in_japanese(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BomError) as err:
        read_bom_file(empty)
    assert error_message(err.value, "ja").endswith("ファイル：ファイルが空です")
    big = tmp_path / "big.csv"
    big.write_text(SMALL, encoding="utf-8")
    with pytest.raises(BomError) as err:
        read_bom_file(big, max_rows=2)
    assert error_message(err.value, "ja").endswith("ファイル：2 行を超えています")
    with pytest.raises(BomError) as err:
        bom("product,part,commodity\nx,y,z\n")
    ja = error_message(err.value, "ja")
    assert "列：mass_per_unit, mass_unit, units_per_year, supplier, supplier_country, " \
           "share の列がありません。必須の列：" in ja
