"""Excel workbooks of the reports: one sheet per table, laid out for reading.

Pure layout over frames the reports already build (no number is computed here): a bold,
frozen header row with an autofilter, column widths fitted to the content (a CJK
character counts double), number formats per column (``0.000`` for 0–1 values,
``#,##0`` for tonnes and money, given or inferred), booleans shown as ✓ (never
TRUE/FALSE), missing values left blank, and radar charts (openpyxl's native
``RadarChart``) drawn from a data block on their own sheet, a missing axis left blank,
never 0.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

CHECK = "✓"
UNIT_FORMAT = "0.000"
"""Values on 0–1 (indicators, shares, HHI, G)."""
LARGE_FORMAT = "#,##0"
"""Tonnes, money and other large quantities."""
MIXED_FORMAT = "#,##0.0##"
"""Large quantities beside small ones (1.7 t of boron, 2,500 t of iron ore)."""
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_FILL = "F2F5F9"
CHART_COLUMNS, CHART_WIDTH, CHART_HEIGHT = 3, 9, 17
"""Radar charts per row of the grid, and each chart's size in columns and rows."""


@dataclass(frozen=True)
class RadarSheet:
    """A sheet of radar charts: ``frame`` holds one row per series (a label column, then
    one column per axis, NaN where an axis is missing); ``charts`` lists each chart's
    title and the positions (0-based rows of ``frame``) of its series."""

    frame: pd.DataFrame
    charts: list[tuple[str, list[int]]]
    colours: list[str] = field(default_factory=lambda: ["1F77B4", "D62728"])


def display_width(value: str) -> int:
    """Width of ``value`` in character cells: East Asian wide and full-width characters
    (CJK) count 2, every other character 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def is_bool_column(col: pd.Series) -> bool:
    """Whether ``col`` holds booleans (bool dtype, or objects that are all bool/NA)."""
    if pd.api.types.is_bool_dtype(col):
        return True
    present = col.dropna()
    return col.dtype == object and len(present) > 0 and all(
        isinstance(v, bool) for v in present)


def column_format(col: pd.Series) -> str | None:
    """Number format inferred for ``col``: floats ``0.000`` (all |x| < 1000), ``#,##0``
    (large, and none under 100 but 0, so rounding hides < 0.5 %) or ``#,##0.0##``
    (large beside small); integers and text: none (years stay 2024, not 2,024)."""
    if is_bool_column(col) or not pd.api.types.is_float_dtype(col):
        return None
    size = col.abs()
    if not size.max() >= 1000:
        return UNIT_FORMAT
    return LARGE_FORMAT if not (size[size > 0] < 100).any() else MIXED_FORMAT


def cell_value(value: Any, boolean: bool) -> Any:
    """What a cell holds: ✓ or blank for booleans, None for missing, Python scalars."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if boolean:
        return CHECK if bool(value) else None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    return value if isinstance(value, (int, float, str)) else str(value)


def shown_text(value: Any, number_format: str | None) -> str:
    """The text a cell shows (for fitting its column's width)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if number_format == LARGE_FORMAT:
            return f"{value:,.0f}"
        if number_format == MIXED_FORMAT:
            shown = f"{value:,.3f}".rstrip("0")
            return shown + "0" if shown.endswith(".") else shown
        if number_format == UNIT_FORMAT:
            return f"{value:.3f}"
        if number_format == "0%":
            return f"{value:.0%}"
    return str(value)


def fitted_width(header: str, shown: list[str]) -> float:
    """Column width: the widest line of the header or of any cell, CJK counting double,
    plus padding (the filter button), within [MIN_WIDTH, MAX_WIDTH]."""
    lines = [ln for s in [header, *shown] for ln in str(s).split("\n")]
    widest = max((display_width(ln) for ln in lines), default=0)
    return float(min(MAX_WIDTH, max(MIN_WIDTH, widest + 3)))


def write_table(ws: Any, frame: pd.DataFrame, formats: dict[str, str] | None = None) -> None:
    """``frame`` on the sheet ``ws``: header row (bold, frozen, filtered), one row per
    record, number formats (``formats`` by column, else inferred), ✓ booleans, fitted
    widths (long text wrapped)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    columns = _columns(frame, formats or {})
    for row in zip(*(values for values, _, _ in columns), strict=True):
        ws.append(list(row))
    for i, (values, fmt, boolean) in enumerate(columns, start=1):
        _style_column(ws, i, values, fmt, boolean, str(frame.columns[i - 1]))
    ws.freeze_panes = "A2"
    last = get_column_letter(max(1, frame.shape[1]))
    ws.auto_filter.ref = f"A1:{last}{len(frame) + 1}"


def _columns(frame: pd.DataFrame, formats: dict[str, str]
             ) -> list[tuple[list[Any], str | None, bool]]:
    out = []
    for i, name in enumerate(frame.columns):
        col = frame.iloc[:, i]
        boolean = is_bool_column(col)
        fmt = formats.get(str(name), column_format(col))
        out.append(([cell_value(v, boolean) for v in col.tolist()], fmt, boolean))
    return out


def _style_column(ws: Any, index: int, values: list[Any], fmt: str | None, boolean: bool,
                  header: str) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(index)
    shown = [shown_text(v, fmt) for v in values]
    width = fitted_width(header, shown)
    ws.column_dimensions[letter].width = width
    wrap = width >= MAX_WIDTH
    for row, value in enumerate(values, start=2):
        cell = ws.cell(row=row, column=index)
        if fmt and isinstance(value, (int, float)):
            cell.number_format = fmt
        if boolean:
            cell.alignment = Alignment(horizontal="center")
        elif wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def radar_chart(ws: Any, radar: RadarSheet, title: str, rows: list[int]) -> Any:
    """One radar chart over the axes of ``radar`` (categories: the header's axis names,
    as text), one series per row position in ``rows``, 0–1 scale, blanks as gaps."""
    from openpyxl.chart import RadarChart, Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.utils import get_column_letter, quote_sheetname

    last = get_column_letter(radar.frame.shape[1])
    chart = RadarChart(radarStyle="marker")
    chart.title, chart.display_blanks = title, "gap"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0.0, 1.0
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.width, chart.height = 15.0, 9.0
    for s, pos in enumerate(rows):
        chart.add_data(Reference(ws, min_col=2, max_col=radar.frame.shape[1],
                                 min_row=pos + 2, max_row=pos + 2),
                       from_rows=True, titles_from_data=False)
        series = chart.series[-1]
        series.tx = SeriesLabel(v=str(radar.frame.iloc[pos, 0]))
        series.graphicalProperties.line.solidFill = radar.colours[s % len(radar.colours)]
        series.cat = AxDataSource(strRef=StrRef(
            f=f"{quote_sheetname(ws.title)}!$B$1:${last}$1"))
    if len(rows) < 2:
        chart.legend = None
    return chart


def add_radar_charts(ws: Any, radar: RadarSheet) -> None:
    """The radar charts of ``radar`` on ``ws`` (its data block already written from row
    1), in a grid below the data: categories are the header's axis names, each series
    one row; blank cells (missing axes) are gaps, not 0."""
    from openpyxl.utils import get_column_letter

    top = len(radar.frame) + 3
    for k, (title, rows) in enumerate(radar.charts):
        col = get_column_letter(1 + (k % CHART_COLUMNS) * CHART_WIDTH)
        ws.add_chart(radar_chart(ws, radar, title, rows),
                     f"{col}{top + (k // CHART_COLUMNS) * CHART_HEIGHT}")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet title (≤ 31 characters, no ``[]:*?/\\``)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    title, n = clean, 2
    while title.lower() in taken:
        title = f"{clean[:28]} {n}"
        n += 1
    taken.add(title.lower())
    return title


def write_book(path: Path | str, sheets: dict[str, pd.DataFrame | RadarSheet],
               formats: dict[str, dict[str, str]] | None = None) -> None:
    """A workbook at ``path``, one sheet per entry of ``sheets`` in order: a frame is a
    table (:func:`write_table`, ``formats[sheet][column]`` overriding the inferred
    number formats), a :class:`RadarSheet` its data block and charts."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for name, content in sheets.items():
        ws = wb.create_sheet(sheet_title(name, taken))
        frame = content.frame if isinstance(content, RadarSheet) else content
        write_table(ws, frame, (formats or {}).get(name))
        if isinstance(content, RadarSheet):
            add_radar_charts(ws, content)
    if not wb.sheetnames:
        wb.create_sheet("Sheet")
    wb.save(path)
