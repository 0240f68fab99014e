"""A user's own CSV or Excel table in the canonical schema of a store table.

For private or newer data: production, reserves, capacity, trade, price, recycling or
event rows. Commodities and countries may be given by any name critmin accepts (the
caller passes the resolvers). Every bad row is reported with its row number; nothing
is stored unless every row is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from critmin.errors import CritminError, FileProblem, FileProblemsError, UnknownNameError
from critmin.sources.encoding import canonical_headers, read_csv_any
from critmin.sources.provenance import Extract, Report, Source
from critmin.sources.units import UNIT_MAP, harmonise_units, normalise_prices
from critmin.sources.values import read_excel

MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 2_000_000
JAPANESE_HEADERS = "鉱種, 段階, 国, 年, 数量, 単位"
"""Examples of the Japanese headers :data:`SYNONYMS` accepts, named by a header error."""

#: table → (required columns, optional columns with defaults)
SCHEMAS: dict[str, tuple[list[str], dict[str, object]]] = {
    "production": (["commodity", "stage", "country", "year", "quantity", "unit"],
                   {"flag": None, "content": None}),
    "reserves": (["commodity", "country", "year", "quantity", "unit"],
                 {"flag": None, "content": None}),
    "capacity": (["commodity", "stage", "country", "year", "quantity", "unit"],
                 {"flag": None, "content": None}),
    "trade": (["hs6", "year", "exporter", "importer", "value_kusd", "quantity_t"],
              {"exporter_code": None, "importer_code": None}),
    "price": (["commodity", "period", "value", "unit", "currency"],
              {"basis": "market", "series": None, "flag": None}),
    "recycling": (["commodity", "metric", "value", "year"], {"flag": None}),
    "event": (["date", "country", "commodity", "measure", "detail", "source"], {"hs6": None}),
}
#: accepted header spellings → canonical (the store's own column names work too), looked up
#: after :func:`critmin.sources.encoding.header_key` (NFKC, spaces as ``_``, lower case)
SYNONYMS = {
    "commodity_id": "commodity", "iso3": "country",
    # Japanese headers
    "鉱種": "commodity", "鉱物": "commodity", "材料": "commodity", "品目": "commodity",
    "鉱種/材料": "commodity", "段階": "stage", "工程": "stage", "国": "country",
    "国名": "country", "年": "year", "年次": "year", "数量": "quantity", "量": "quantity",
    "生産量": "quantity", "単位": "unit", "フラグ": "flag", "注記": "flag",
    "含有基準": "content", "基準": "content", "hsコード": "hs6", "hs": "hs6",
    "輸出国": "exporter", "輸入国": "importer", "期間": "period", "年月": "period",
    "価格": "value", "値": "value", "通貨": "currency", "価格基準": "basis",
    "系列": "series", "指標": "metric", "日付": "date", "措置": "measure",
    "詳細": "detail", "内容": "detail", "出典": "source",
}
#: per-table spellings that mean another column in that table
TABLE_SYNONYMS: dict[str, dict[str, str]] = {
    "trade": {"数量": "quantity_t", "量": "quantity_t", "数量(t)": "quantity_t",
              "金額": "value_kusd", "金額(千ドル)": "value_kusd",
              "金額(千usd)": "value_kusd"},
}
STAGES = ("mining", "refining", "scrap")
#: Japanese stage names → stage
STAGE_NAMES = {"採掘": "mining", "鉱石": "mining", "鉱山": "mining", "製錬": "refining",
               "精錬": "refining", "精製": "refining", "スクラップ": "scrap"}


def read_table_file(path: Path, sha256: str, table: str,
                    resolve_commodity: Callable[[str], str],
                    resolve_country: Callable[[str], str],
                    canonical_basis: dict[tuple[str, str], str] | None = None,
                    source_id: str | None = None,
                    publisher: str = "user", licence: str = "private", version: str = "",
                    sheet: str | None = None) -> Extract:
    """Validate the whole file and return its rows for ``table`` (see module doc).

    ``resolve_commodity`` / ``resolve_country`` map names to ids (the catalog's, passed in
    by the pipeline: sources sit above the catalog); ``canonical_basis`` gives a blank
    ``content`` its commodity stage's canonical basis ({(commodity, stage): content})."""
    path = Path(path)
    if table not in SCHEMAS:
        raise UnknownNameError("store table", table, list(SCHEMAS), n=len(SCHEMAS))

    def refused(column: str, code: str, **values: object) -> TableError:
        return TableError(path.name, [FileProblem(None, column, code, values)])

    size = path.stat().st_size
    if size > MAX_BYTES:
        raise refused("file", "file_too_big", size=size, limit=MAX_BYTES)
    raw = _read(path, sheet)
    if len(raw) > MAX_ROWS:
        raise refused("file", "file_too_long", limit=MAX_ROWS)
    names, headers = canonical_headers(
        list(raw.columns), {**SYNONYMS, **TABLE_SYNONYMS.get(table, {})}, path.name,
        TableError)
    raw.columns = names
    required, optional = SCHEMAS[table]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise refused("columns", "columns_missing", missing=", ".join(missing),
                      required=", ".join(required), optional=", ".join(optional) or "none",
                      japanese=JAPANESE_HEADERS)
    for col, default in optional.items():
        if col not in raw.columns:
            raw[col] = default
    sid = source_id or "user-" + re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    source = Source(sid, f"user table {path.name} ({table})", publisher, version or "user",
                    "", licence, sha256, path.name)
    report = Report(sid)
    report.add("rows read", len(raw), f"table {table}")
    problems: list[FileProblem] = []
    rows = _validate(raw, table, resolve_commodity, resolve_country, problems,
                     canonical_basis or {})
    if problems:
        raise TableError(path.name, sorted(problems, key=lambda p: (
            p.row or 0, list(raw).index(p.column))), headers=headers)
    return Extract(source, report, {table: rows})


class TableError(FileProblemsError):
    """A user's table that cannot be imported (every problem, in file order)."""


def _read(path: Path, sheet: str | None) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return read_excel(path, sheet_name=sheet or 0, dtype=str).fillna("")
        # UTF-8 (± BOM), else cp932 as Japanese Excel saves CSV (sources.encoding)
        return read_csv_any(path, "table", dtype=str, keep_default_na=False)[0]
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise TableError(path.name, [FileProblem(None, "file", "file_unreadable",
                                                 {"detail": str(exc)})]) from None


class _Bad(ValueError):
    """A cell a check refuses: the problem's code and values (see :data:`PROBLEM_TEXT`
    of :mod:`critmin.errors`)."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code, self.values = code, values


def _validate(raw: pd.DataFrame, table: str, resolve_commodity: Callable[[str], str],
              resolve_country: Callable[[str], str], problems: list[FileProblem],
              canon: dict[tuple[str, str], str]) -> pd.DataFrame:
    out = raw.copy()
    line = raw.index + 2  # header is line 1

    def check(col: str, fn: Callable[[str], object], blank_ok: bool = False) -> None:
        cache: dict[str, object] = {}
        values = []
        for n, text in zip(line, raw[col].astype(str).str.strip(), strict=True):
            if text in ("", "nan", "None"):
                if not blank_ok:
                    problems.append(FileProblem(int(n), col, "empty", {}))
                values.append(None)
                continue
            if text not in cache:
                try:
                    cache[text] = fn(text)
                except _Bad as bad:
                    cache[text] = FileProblem(int(n), col, bad.code, {"text": text,
                                                                      **bad.values})
                except CritminError as exc:
                    cache[text] = FileProblem(int(n), col, "name", {"name": text}, exc)
            got = cache[text]
            if isinstance(got, FileProblem):
                problems.append(got._replace(row=int(n)))
                values.append(None)
            else:
                values.append(got)
        out[col] = values

    def number(text: str) -> float:
        try:
            return float(text.replace(",", ""))
        except ValueError:
            raise _Bad("not_number") from None

    def year(text: str) -> int:
        if not re.fullmatch(r"\d{4}", text):
            raise _Bad("year")
        return int(text)

    def unit(text: str) -> str:
        if text not in UNIT_MAP:
            raise _Bad("unit", unit=text, units=", ".join(UNIT_MAP))
        return text

    def stage(text: str) -> str:
        text = STAGE_NAMES.get(text, text.lower())
        if text not in STAGES:
            raise _Bad("stage", stages=", ".join(STAGES))
        return text

    def hs6(text: str) -> str:
        if not re.fullmatch(r"\d{4,6}", text):
            raise _Bad("hs6")
        return text.zfill(6)

    def period(text: str) -> str:
        if not re.fullmatch(r"\d{4}(-\d{2})?", text):
            raise _Bad("period")
        return text

    def date(text: str) -> object:
        try:
            return pd.Timestamp(text).date()
        except ValueError:
            raise _Bad("date") from None

    if "commodity" in raw:
        check("commodity", resolve_commodity, blank_ok=table == "event")
    for col in ("country", "exporter", "importer"):
        if col in raw:
            check(col, resolve_country, blank_ok=table in ("event", "trade"))
    if "stage" in raw:
        check("stage", stage)
    if "year" in raw:
        check("year", year)
    for col in ("quantity", "value", "value_kusd", "quantity_t"):
        if col in raw:
            check(col, number, blank_ok=col == "quantity_t")
    if "unit" in raw and table != "price":
        check("unit", unit)
    if "hs6" in raw:
        check("hs6", hs6, blank_ok=table == "event")
    if "period" in raw:
        check("period", period)
    if "date" in raw:
        check("date", date)
    if problems:
        return out
    if table == "price":  # printed unit kept; prices per quantity normalised (units.py)
        out["unit_printed"] = out["unit"].astype(str).str.strip()
        out["value"], out["unit"] = normalise_prices(out["value"].astype(float),
                                                     out["unit_printed"])
    if "quantity" in out and "unit" in out and table != "price":
        out["unit_printed"] = out["unit"]
        out["quantity"], out["unit"] = harmonise_units(out["quantity"].astype(float),
                                                       out["unit"])
    if "content" in out:  # blank: the commodity stage's canonical basis (catalog)
        stages = out["stage"] if "stage" in out else pd.Series("mining", index=out.index)
        default = [canon.get((c, s), "") for c, s in zip(out["commodity"], stages,
                                                         strict=True)]
        out["content"] = out["content"].where(out["content"].notna() & (out["content"] != ""),
                                              pd.Series(default, index=out.index))
    return out.rename(columns={"commodity": "commodity_id", "country": "iso3"})
