"""The workbook layout (views/excel.py) on small hand-made frames: frozen, filtered
header, widths fitted to the content with CJK characters counted double, number formats,
✓ booleans, blank missing values, native radar charts with gaps, unique sheet titles."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from critmin.views import excel
from critmin.views.report import write_book


def test_display_width_counts_cjk_double():
    assert excel.display_width("abc") == 3
    assert excel.display_width("鉱種") == 4
    assert excel.display_width("バイプロ型（リサイクル）") == 24  # full-width brackets too
    assert excel.display_width("σ_ann 0–1") == 9  # Greek and the en dash are narrow


def test_fitted_width():
    assert excel.fitted_width("ab", ["1"]) == excel.MIN_WIDTH
    assert excel.fitted_width("類型", ["鉱山寡占型"]) == 10 + 3
    assert excel.fitted_width("x", ["y" * 500]) == excel.MAX_WIDTH
    assert excel.fitted_width("two\nlines", []) == 5 + 3


def test_inferred_formats():
    assert excel.column_format(pd.Series([0.1, np.nan, 0.9])) == "0.000"
    assert excel.column_format(pd.Series([12_000.5, 300.0, 0.0])) == "#,##0"
    assert excel.column_format(pd.Series([2_500.0, 1.7])) == "#,##0.0##"  # 1.7 t, not 2
    assert excel.shown_text(1.7, "#,##0.0##") == "1.7"
    assert excel.shown_text(2500.0, "#,##0.0##") == "2,500.0"
    assert excel.column_format(pd.Series([2023, 2024])) is None  # years stay 2024
    assert excel.column_format(pd.Series([True, False])) is None
    assert excel.column_format(pd.Series(["a"])) is None


@pytest.fixture
def book(tmp_path):
    frame = pd.DataFrame({
        "鉱種": ["コバルト", "レアアース"], "value": [0.12345, np.nan],
        "tonnes": [1_234_567.0, 890.0], "year": [2023, 2024], "閾値付近": [True, False],
        "share": [0.25, 1.0], "note": ["x" * 100, None]})
    radar = excel.RadarSheet(pd.DataFrame({
        "name": ["A", "A (after)", "B"], **{f"ax{i}": [0.5, 0.4, np.nan if i == 2 else 0.3]
                                           for i in range(1, 7)}}),
        charts=[("A", [0, 1]), ("B", [2])])
    path = tmp_path / "book.xlsx"
    excel.write_book(path, {"表": frame, "radar": radar, "bad/name:" + "z" * 40: frame[:0]},
                     formats={"表": {"share": "0%"}})
    return openpyxl.load_workbook(path)


def test_table_sheet_layout(book):
    ws = book["表"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    assert [c.value for c in ws[1]] == ["鉱種", "value", "tonnes", "year", "閾値付近", "share",
                                        "note"]
    assert all(c.font.b for c in ws[1])
    row = {ws.cell(1, c.column).value: c for c in ws[2]}
    assert row["value"].number_format == "0.000" and row["value"].value == pytest.approx(0.12345)
    assert row["tonnes"].number_format == "#,##0"
    assert row["year"].number_format == "General" and row["year"].value == 2023
    assert row["share"].number_format == "0%"
    assert [ws.cell(r, 5).value for r in (2, 3)] == ["✓", None]  # never TRUE/FALSE
    assert ws.cell(3, 2).value is None  # NaN: blank
    widths = {ws.cell(1, c).value: ws.column_dimensions[ws.cell(1, c).column_letter].width
              for c in range(1, 8)}
    assert widths["鉱種"] == 10 + 3  # レアアース: 5 wide characters
    assert widths["tonnes"] == len("1,234,567") + 3
    assert widths["note"] == excel.MAX_WIDTH and ws.cell(2, 7).alignment.wrap_text


def test_radar_charts(book):
    ws = book["radar"]
    assert len(ws._charts) == 2
    chart = ws._charts[0]
    assert chart.tagname == "radarChart" or type(chart).__name__ == "RadarChart"
    assert len(chart.series) == 2
    assert chart.series[0].cat.strRef.f == "'radar'!$B$1:$G$1"  # six axis names, as text
    assert chart.series[1].val.numRef.f.endswith("$B$3:$G$3")
    assert ws.cell(4, 3).value is None  # B's missing axis 2: blank, not 0
    assert chart.display_blanks == "gap"
    assert chart.legend is not None and ws._charts[1].legend is None  # one series: no legend
    assert [s.tx.v for s in chart.series] == ["A", "A (after)"]


def test_sheet_titles_are_valid_and_unique(book):
    assert book.sheetnames[2] == "bad_name_" + "z" * 22
    taken = {"a"}
    assert excel.sheet_title("A", taken) == "A 2"


def test_report_write_book_keeps_its_signature(tmp_path):
    path = tmp_path / "exposure.xlsx"
    write_book(path, {"Summary": pd.DataFrame({"mass_t": [125.0, 3_000.0], "ok": [True, False]})})
    ws = openpyxl.load_workbook(path)["Summary"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:B3"
    assert ws["A2"].number_format == "#,##0" and ws["B2"].value == "✓"
