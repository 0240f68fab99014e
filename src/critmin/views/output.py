"""Render records as a Rich table, CSV or JSON on standard output."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Any


class Format(StrEnum):
    """Output formats of list commands."""

    table = "table"
    csv = "csv"
    json = "json"


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def records_of(frame: Any) -> list[dict[str, Any]]:
    """JSON-ready records of a DataFrame (NaN → None)."""
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def emit(records: list[dict[str, Any]], fmt: Format, columns: list[str] | None = None,
         title: str | None = None, note: str | None = None) -> None:
    """Write ``records`` in ``fmt``; ``columns`` picks and orders the table/CSV columns.
    A table is for people (:func:`critmin.views.tables.people_table`: the current
    language, significant figures, fitted to the terminal), with ``note`` under it."""
    cols = columns or (list(records[0]) if records else [])
    if fmt is Format.json:
        # one write: json.dump to a text stream makes a system call per fragment
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        import pandas as pd

        frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in records], columns=cols)
        sys.stdout.write(localised(frame).to_csv(index=False))
    else:
        print_table(records, cols, title, note)


def print_table(records: list[dict[str, Any]], columns: list[str], title: str | None,
                note: str | None = None) -> None:
    """``records`` as a table for people on standard output, in the current language;
    the columns that do not fit are named under it."""
    from rich.console import Console

    from critmin.views.app import current_lang
    from critmin.views.i18n import join_words, text
    from critmin.views.tables import people_table

    console = Console()
    lang = current_lang()
    heading, table, hidden = people_table(records, columns, lang, title, console.width)
    if heading:
        say(heading, console)
    console.print(table)
    if hidden:
        say(text("hidden_columns", lang).format(
            columns=join_words(hidden, lang)), console)
    if note:
        say(note, console)


def say(message: str, console: Any) -> None:
    """Lines of prose under or above a table, Japanese broken between characters
    (:func:`critmin.views.tables.wrap_japanese`), Latin words never cut."""
    from critmin.views.tables import wrap_japanese

    for line in message.splitlines():
        console.print(wrap_japanese(line, console.width), highlight=False, markup=False)


def write_csv(frame: Any) -> None:
    """A DataFrame as CSV on standard output (:func:`critmin.indicators.relational.csv_text`:
    DuckDB's CSV writer, full float precision, empty for missing), its headers in the
    current language (:func:`localised`)."""
    from critmin.indicators.relational import csv_text

    sys.stdout.write(csv_text(localised(frame)))


def localised(frame: Any, lang: str | None = None) -> Any:
    """``frame`` for a CSV in ``lang`` (default: the command's): in English as it is
    (column ids as headers); in Japanese with Japanese headers, every value kept as it
    is (ids stay in their column, numbers at full precision), and after each column of
    ids or reasons a column of their Japanese names (``<header>（名称）``)."""
    from critmin.views.app import current_lang
    from critmin.views.tables import header, translator

    lang = lang or current_lang()
    if lang == "en" or frame.empty and not len(frame.columns):
        return frame
    import pandas as pd

    out = {}
    for c in frame.columns:
        out[header(str(c), lang)] = frame[c]
        tr = translator(str(c))
        if tr is None or pd.api.types.is_numeric_dtype(frame[c]):
            continue
        names = frame[c].map(lambda v, f=tr: f(v, lang) if isinstance(v, str) and v else v)
        same = names.astype(object).fillna("") == frame[c].astype(object).fillna("")
        if not same.all():  # a column the language changes
            out[f"{header(str(c), lang)}（名称）"] = names
    return pd.DataFrame(out)


def render(response: Any, fmt: Format, title: str | None = None,
           table_columns: list[str] | None = None) -> None:
    """Print a request-layer response: JSON is the response model serialised
    (:meth:`critmin.service.base.Response.json_text`); a tabular response prints its rows
    as CSV (full precision) or a table of ``table_columns`` (default: its columns)."""
    if fmt is Format.json:
        sys.stdout.write(response.json_text())
        return
    frame = response.frame[response.columns]
    if fmt is Format.csv:
        write_csv(frame)
    else:
        emit(records_of(frame), fmt, table_columns or response.columns, title)


@contextmanager
def atomic_write(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path`` (same folder and suffix) to write to; renamed over
    ``path`` when the block ends, deleted if it fails or is interrupted, so a command
    never leaves a partial output file. Creates the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        if exc.filename == str(tmp):  # name the file the user asked for
            raise type(exc)(exc.errno, exc.strerror, str(path)) from None
        raise
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: Path) -> None:
    """Delete ``tmp`` if it is there (on a read-only folder even a missing file's unlink
    fails, and must not hide the error that brought us here)."""
    with suppress(OSError):
        tmp.unlink(missing_ok=True)
