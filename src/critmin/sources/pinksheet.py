"""World Bank Commodity Price Data (the Pink Sheet), monthly prices.

Sheet "Monthly Prices": title rows, then series names (row 5) and units (row 6), data
from row 7 with the month as "1960M01" in column A; "…" marks a missing value. Names
ending in "**" have footnotes (methodology or source changes) and are flagged. Each
series maps to a catalog commodity through ``maps/pinksheet_series.csv`` where one
fits; the others are kept with no commodity. Units ("$/mt", "$/dmtu"…) are parsed with
pint into the normalised price units of :mod:`critmin.sources.units` (iron ore's "$/dmtu"
is per dry metric tonne: see :data:`UNITS`); the printed unit is kept in ``unit_printed``.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from critmin.errors import CritminError
from critmin.sources.provenance import Extract, Report, Source
from critmin.sources.units import normalise_prices
from critmin.sources.values import open_workbook, parse_cells

SHEET = "Monthly Prices"
#: printed unit → the unit read (then normalised with pint). "$/dmtu" of iron ore is per dry
#: metric tonne of ore, not per 1 % Fe unit (values about 100–130 $ in 2024 for 62 % Fe
#: fines; per mtu they would be 100× the ore price): read as USD/t, printed unit kept
UNITS = {"$/mt": "USD/t", "$/kg": "USD/kg", "$/troy oz": "USD/troy oz", "$/bbl": "USD/bbl",
         "$/mmbtu": "USD/mmbtu", "$/dmtu": "USD/t", "$/cubic meter": "USD/m3",
         "cents/sheet": "USc/sheet", "2010=100": "index 2010=100"}


@cache
def series_map() -> dict[str, str]:
    """Pink Sheet series name (without "**") → catalog commodity id."""
    text = resources.files("critmin.sources").joinpath("maps", "pinksheet_series.csv"
                                                       ).read_text(encoding="utf-8")
    rows = csv.DictReader(x for x in text.splitlines() if not x.startswith("#"))
    return {r["series"]: r["commodity_id"] for r in rows}


def read_monthly(path: Path, sha256: str) -> Extract:
    """Monthly prices into ``price`` rows (basis ``market``, nominal USD)."""
    path = Path(path)
    book = open_workbook(path)
    if SHEET not in book.sheet_names:
        raise CritminError(f"{path.name} is not the Pink Sheet monthly file: no sheet "
                           f"'{SHEET}' (sheets: {', '.join(book.sheet_names)})")
    grid = pd.read_excel(book, sheet_name=SHEET, header=None, dtype=str)
    header = grid.index[grid[0].fillna("").str.fullmatch(r"\d{4}M\d{2}")]
    if len(header) == 0 or header[0] < 2:
        raise CritminError(f"{path.name}, sheet '{SHEET}': no months like '1960M01' in "
                           "column A below a row of series names and a row of units")
    first = header[0]
    names, units = grid.iloc[first - 2], grid.iloc[first - 1]
    updated = next((v for v in grid[0].iloc[:first].dropna() if "Updated" in v), "")
    source = Source("wb-pinksheet-monthly", "World Bank Commodity Price Data (Pink Sheet), "
                    "monthly prices in nominal US dollars", "World Bank, Prospects Group",
                    updated.strip() or "monthly", "https://www.worldbank.org/en/research/"
                    "commodity-markets", "CC BY 4.0", sha256, path.name)
    report = Report(source.source_id)
    data = grid.iloc[first:]
    months = data[0].str.strip()
    ok = months.str.fullmatch(r"\d{4}M\d{2}")
    if (~ok).any():
        report.add("rows below the data without a month (kept out)", int((~ok).sum()))
    data, months = data[ok], months[ok]
    period = months.str[:4] + "-" + months.str[5:7]
    cmap = series_map()
    frames = []
    for col in grid.columns[1:]:
        name = str(names[col]).strip() if pd.notna(names[col]) else ""
        if not name:
            continue
        unit_text = str(units[col]).strip().strip("()")
        try:
            cells = parse_cells(data[col])
        except ValueError as exc:
            raise CritminError(f"{path.name}, series {name!r}: {exc}") from None
        footnote = name.endswith("**")
        clean = re.sub(r"\s*\*+$", "", name)
        frames.append(pd.DataFrame({
            "commodity_id": cmap.get(clean), "period": period.to_numpy(),
            "value": cells["value"].to_numpy(), "unit": UNITS.get(unit_text, unit_text),
            "unit_printed": unit_text,
            "currency": "USD" if unit_text.startswith(("$", "cents")) else None,
            "basis": "market", "series": f"pinksheet:{clean}",
            "flag": "footnote" if footnote else None, "marker": cells["flag"].to_numpy()}))
    rows = pd.concat(frames, ignore_index=True)
    missing = rows["value"].isna()
    report.add("series read", len(frames))
    report.add("month cells missing ('…'), not zero", int(missing.sum()))
    rows = rows[~missing].drop(columns="marker")
    rows["value"], rows["unit"] = normalise_prices(rows["value"], rows["unit"])
    report.add("series mapped to a catalog commodity",
               rows.loc[rows["commodity_id"].notna(), "series"].nunique(),
               ", ".join(sorted(rows.loc[rows["commodity_id"].notna(), "series"].unique())))
    report.add("values of footnoted series (**)", int(rows["flag"].notna().sum()))
    return Extract(source, report, {"price": rows})
