"""A company's bill of materials (BOM) as a user gives it: a CSV or Excel file read
within limits, its headers mapped to the canonical columns (English or Japanese
spellings, :data:`SYNONYMS`), every row checked. All problems are listed at once, each a
:class:`~critmin.errors.FileProblem` (row, column, and a code with its values, so that
a view words it in the reader's language), and nothing is imported while one remains.
A validated BOM is saved in the store only on request (:func:`store_bom`: all rows or
none).

One BOM row is a part's material bought from one supplier: :data:`REQUIRED` columns,
:data:`OPTIONAL` ones; ``mass_t = mass_per_unit · unit factor · units_per_year · share``
(t/yr), ``value = mass_t · 1000 · price`` (price per kg). Used by
:mod:`critmin.analysis.exposure`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from critmin.errors import CritminError, FileProblem, FileProblemsError, require_file
from critmin.sources.encoding import canonical_headers, read_csv_any
from critmin.sources.values import read_excel
from critmin.store.bom import replace_bom

REQUIRED = ["product", "part", "commodity", "mass_per_unit", "mass_unit", "units_per_year",
            "supplier", "supplier_country", "share"]
OPTIONAL = ["price", "inventory_days", "recycled_content", "substitutability"]
#: accepted header spellings → canonical column (after :func:`header_key`: NFKC, spaces as
#: ``_``, lower case); the canonical names themselves always work. Japanese headers as a
#: Japanese procurement sheet names them (製品 product, 部品 part, 鉱種/材料 material…)
SYNONYMS: dict[str, str] = {
    # English variants
    "material": "commodity", "mineral": "commodity", "country": "supplier_country",
    "unit": "mass_unit", "vendor": "supplier",
    # Japanese
    "製品": "product", "製品名": "product", "品名": "product",
    "部品": "part", "部品名": "part", "部材": "part",
    "鉱種": "commodity", "材料": "commodity", "素材": "commodity", "元素": "commodity",
    "鉱物": "commodity", "金属": "commodity", "鉱種/材料": "commodity",
    "量": "mass_per_unit", "数量": "mass_per_unit", "質量": "mass_per_unit",
    "重量": "mass_per_unit", "使用量": "mass_per_unit", "含有量": "mass_per_unit",
    "1台当たり質量": "mass_per_unit", "1台あたり質量": "mass_per_unit",
    "単位": "mass_unit", "質量単位": "mass_unit",
    "生産台数": "units_per_year", "年間生産台数": "units_per_year", "台数": "units_per_year",
    "年間生産量": "units_per_year",
    "サプライヤー": "supplier", "サプライヤ": "supplier", "供給者": "supplier",
    "仕入先": "supplier", "調達先": "supplier", "供給元": "supplier",
    "国": "supplier_country", "供給国": "supplier_country", "調達国": "supplier_country",
    "サプライヤー国": "supplier_country", "国名": "supplier_country",
    "シェア": "share", "比率": "share", "調達比率": "share", "割合": "share",
    "調達シェア": "share",
    "価格": "price", "単価": "price", "価格(usd/kg)": "price",
    "在庫日数": "inventory_days", "在庫": "inventory_days",
    "リサイクル材比率": "recycled_content", "再生材比率": "recycled_content",
    "リサイクル率": "recycled_content", "再生材含有率": "recycled_content",
    "代替可能性": "substitutability", "代替性": "substitutability",
    "代替可能度": "substitutability",
}
MASS_UNITS = {"mg": 1e-9, "g": 1e-6, "kg": 1e-3, "t": 1.0}   # → tonnes
MAX_BYTES = 200_000_000
MAX_ROWS = 2_000_000
FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
"""The file types read: text (UTF-8, cp932 or UTF-16, separated by commas or tabs, see
:mod:`critmin.sources.encoding`) and Excel workbooks. Semicolons are refused, not
guessed: the files that use them write numbers with a decimal comma ("2,5" kg), which
read as thousands would be 25 kg."""


class BomError(FileProblemsError):
    """A BOM that cannot be imported (every problem, in file order)."""


def file_type_error(source: str) -> BomError:
    """The error for a file ``source`` whose type is not one of :data:`FILE_SUFFIXES`."""
    return BomError(source, [FileProblem(None, "file", "file_type",
                                        {"suffixes": ", ".join(FILE_SUFFIXES)})],
                    list(FILE_SUFFIXES))


def read_bom_file(path: Path, sheet: str | None = None, max_bytes: int = MAX_BYTES,
                  max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """The raw BOM table of a file of :data:`FILE_SUFFIXES` (all columns as text),
    within ``max_bytes`` and ``max_rows``."""
    path = require_file(path, "BOM")

    def refused(code: str, **values: Any) -> BomError:
        return BomError(str(path), [FileProblem(None, "file", code, values)])

    size = path.stat().st_size
    if size == 0:
        raise refused("file_empty")
    if size > max_bytes:
        raise refused("file_too_big", size=size, limit=max_bytes)
    suffix = path.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise file_type_error(str(path))
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = read_excel(path, sheet_name=sheet or 0, dtype=str, nrows=max_rows + 1)
        else:  # UTF-8 (± BOM), cp932 or UTF-16; the separator sniffed (sources.encoding)
            frame, _encoding = read_csv_any(path, "BOM", dtype=str, nrows=max_rows + 1,
                                            keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise refused("file_unreadable", detail=str(exc)) from None
    if len(frame) > max_rows:
        raise refused("file_too_long", limit=max_rows)
    if frame.empty:
        raise refused("file_no_rows")
    return frame


def validate_bom(raw: pd.DataFrame, source: str = "BOM", resolve_commodity: Any = None,
                 resolve_country: Any = None) -> pd.DataFrame:
    """The BOM with ``commodity_id``, ``iso3``, numbers and ``mass_t`` (t/yr), or a
    :class:`BomError` listing every bad row (row numbers as in the file, header = 1)."""
    if len(raw.columns) == 1 and ";" in str(raw.columns[0]):
        raise BomError(source, [FileProblem(None, "columns", "columns_semicolon", {})])
    names, headers = canonical_headers(list(raw.columns), SYNONYMS, source, BomError)
    raw = raw.set_axis(names, axis=1)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise BomError(source, [FileProblem(None, "columns", "columns_missing", {
            "missing": ", ".join(missing), "required": ", ".join(REQUIRED),
            "optional": ", ".join(OPTIONAL), "japanese": "製品, 部品, 鉱種, 数量, 単位, "
            "生産台数, サプライヤー, 国, シェア, 価格"})])
    problems: list[FileProblem] = []
    rows = np.arange(len(raw)) + 2
    out = pd.DataFrame({"row": rows})
    for c in ("product", "part", "supplier"):
        text = raw[c].fillna("").astype(str).str.strip()
        bad = text == ""
        problems += [FileProblem(int(r), c, "empty", {}) for r in rows[bad.to_numpy()]]
        out[c] = text.to_numpy()
    out["commodity_id"] = _resolve(raw["commodity"], "commodity", resolve_commodity, rows,
                                   problems)
    out["iso3"] = _resolve(raw["supplier_country"], "supplier_country", resolve_country, rows,
                           problems)
    unit = raw["mass_unit"].fillna("").astype(str).str.strip().str.lower()
    bad = ~unit.isin(list(MASS_UNITS))
    problems += [FileProblem(int(r), "mass_unit", "unit",
                            {"unit": u, "units": ", ".join(MASS_UNITS)})
                 for r, u in zip(rows[bad.to_numpy()], unit[bad], strict=True)]
    out["mass_unit"] = unit.to_numpy()
    for c, lo, hi, required in (("mass_per_unit", 0.0, None, True),
                                ("units_per_year", 0.0, None, True),
                                ("share", 0.0, 1.0, True), ("price", 0.0, None, False),
                                ("inventory_days", 0.0, None, False),
                                ("recycled_content", 0.0, 1.0, False),
                                ("substitutability", 0.0, 1.0, False)):
        out[c] = _number(raw, c, lo, hi, required, rows, problems)
    # shares of one part's material sum to 1
    key = ["product", "part", "commodity_id"]
    ok = out[out["share"].notna() & out["commodity_id"].notna()]
    tot = ok.groupby(key)["share"].sum()
    off = tot[(tot - 1.0).abs() > 0.01]
    if len(off):
        first = ok.set_index(key).loc[off.index].groupby(level=[0, 1, 2])["row"].min()
        problems += [FileProblem(int(first[k]), "share", "share_sum", {
            "commodity": k[2], "part": k[1], "product": k[0], "total": v})
            for k, v in off.items()]
    if problems:
        raise BomError(source, sorted(problems, key=lambda p: (p.row or 0, p.column)),
                       headers=headers)
    out["mass_t"] = (out["mass_per_unit"] * out["mass_unit"].map(MASS_UNITS)
                     * out["units_per_year"] * out["share"])
    out["value"] = out["mass_t"] * 1000.0 * out["price"]
    return out


def _resolve(col: pd.Series, name: str, resolver: Any, rows: np.ndarray,
             problems: list[FileProblem]) -> np.ndarray:
    """Resolve each distinct name once; unknown names are row problems."""
    text = col.fillna("").astype(str).str.strip()
    mapping: dict[str, str | None] = {}
    causes: dict[str, CritminError | None] = {}
    for value in text.unique():
        if value == "":
            mapping[value], causes[value] = None, None
            continue
        try:
            mapping[value] = resolver(value) if resolver else value
        except CritminError as exc:
            mapping[value], causes[value] = None, exc
    out = text.map(mapping)
    bad = out.isna().to_numpy()
    problems += [FileProblem(int(r), name, "empty", {}) if causes[v] is None
                 else FileProblem(int(r), name, "name", {"name": v}, causes[v])
                 for r, v in zip(rows[bad], text[bad], strict=True)]
    return out.to_numpy(dtype=object)


def _number(raw: pd.DataFrame, col: str, lo: float, hi: float | None, required: bool,
            rows: np.ndarray, problems: list[FileProblem]) -> np.ndarray:
    if col not in raw.columns:
        return np.full(len(raw), np.nan)
    text = raw[col].fillna("").astype(str).str.strip().str.replace(",", "", regex=False)
    value = pd.to_numeric(text, errors="coerce")
    empty = text == ""
    bad_text = value.isna() & ~empty
    problems += [FileProblem(int(r), col, "not_number", {"text": t})
                 for r, t in zip(rows[bad_text.to_numpy()], text[bad_text], strict=True)]
    if required:
        problems += [FileProblem(int(r), col, "empty", {}) for r in rows[empty.to_numpy()]]
    out_of = value.notna() & ((value < lo) | ((value > hi) if hi is not None else False))
    code, bounds = ("out_of_range", {"low": lo, "high": hi}) if hi is not None else (
        "below", {"low": lo})
    problems += [FileProblem(int(r), col, code, {"value": float(v), **bounds})
                 for r, v in zip(rows[out_of.to_numpy()], value[out_of], strict=True)]
    return value.to_numpy(dtype=float)


BOM_COLUMNS = ["row", "product", "part", "commodity_id", "iso3", "supplier", "mass_per_unit",
               "mass_unit", "units_per_year", "share", "price", "inventory_days",
               "recycled_content", "substitutability", "mass_t"]


def store_bom(con: Any, bom: pd.DataFrame, bom_id: str, source_file: str) -> int:
    """Replace BOM ``bom_id`` in the store in one transaction (all rows or none)."""
    from datetime import UTC, datetime

    frame = bom[BOM_COLUMNS].assign(
        bom_id=bom_id, source_file=source_file,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"))
    frame = frame[["bom_id", *BOM_COLUMNS, "source_file", "imported_at"]]
    return replace_bom(con, frame, bom_id)


def examples() -> dict[str, Any]:
    """{example id: resource} of the shipped example BOMs."""
    from importlib import resources

    folder = resources.files("critmin.analysis").joinpath("data", "bom")
    return {p.name.removesuffix(".csv"): p for p in folder.iterdir() if p.name.endswith(".csv")}
