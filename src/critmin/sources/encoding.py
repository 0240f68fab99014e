"""Users' CSV files in the encodings spreadsheet programs save them in.

A strict try-order, not a statistical guess: UTF-8 (with or without the byte-order mark
Excel's "CSV UTF-8" writes), then cp932 (Shift-JIS with Microsoft's extensions, what
Japanese Excel's "CSV (コンマ区切り)" writes). UTF-8 is self-checking — Shift-JIS text
with any Japanese in it is practically never valid UTF-8 — so the order cannot
mistake one for the other, and pure ASCII reads the same either way. A file with a
UTF-16 byte-order mark (Excel's "Unicode テキスト", tab-separated) is read as UTF-16.
Anything else is refused with one message naming the file and the encodings tried,
never a raw ``'utf-8' codec can't decode``.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.errors import CritminError, FileProblem, FileProblemsError

#: tried in this order (see module doc)
ENCODINGS = ("utf-8-sig", "cp932")
NAMES = {"utf-8-sig": "UTF-8", "cp932": "Shift-JIS (cp932)", "utf-16": "UTF-16"}


def _sniff(path: Path) -> tuple[tuple[str, ...], str]:
    """(encodings to try, separator) from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(65536)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        first = head.decode("utf-16", errors="ignore").split("\n", 1)[0]
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        first = head.split(b"\n", 1)[0].decode("latin-1")
        encodings = ENCODINGS
    sep = "\t" if "\t" in first and "," not in first else ","
    return encodings, sep


def read_csv_any(path: Path, what: str = "file", **options: Any) -> tuple[pd.DataFrame, str]:
    """``pd.read_csv`` of ``path`` in the first encoding of :data:`ENCODINGS` that
    decodes the whole file (see module doc), and that encoding. ``options`` go to
    ``pd.read_csv`` (parser errors are the caller's to report)."""
    path = Path(path)
    encodings, sep = _sniff(path)
    options.setdefault("sep", sep)
    failures: list[str] = []
    for encoding in encodings:
        try:
            return pd.read_csv(path, encoding=encoding, **options), encoding
        except UnicodeError as exc:
            failures.append(f"{NAMES[encoding]} ({_where(exc)})")
    raise CritminError(
        f"{path.name}: the {what} is not text in a known encoding; tried "
        + ", ".join(failures) + ". Save it from Excel as 'CSV UTF-8 (コンマ区切り)' "
        "or 'CSV (コンマ区切り)', or as .xlsx")


def _where(exc: UnicodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        bad = exc.object[exc.start:exc.start + 2]
        return f"byte {bytes(bad).hex(' ')} at position {exc.start:,} is not valid"
    return "cannot be decoded"


def header_key(name: object) -> str:
    """A column header as looked up in synonym tables: Unicode NFKC (full-width letters,
    digits and brackets to ASCII), runs of spaces as one ``_``, lower case."""
    return "_".join(unicodedata.normalize("NFKC", str(name)).split()).lower()


def canonical_headers(headers: Sequence[object], synonyms: Mapping[str, str], source: str,
                      error: type[FileProblemsError]) -> tuple[list[str], dict[str, str]]:
    """(the canonical column of each header, {column: the header as the file writes it,
    where the two differ}): each header by its :func:`header_key` in ``synonyms``, else
    that key. Two headers meaning one column are ``error`` (every such pair)."""
    names = [synonyms.get(header_key(h), header_key(h)) for h in headers]
    seen: dict[str, object] = {}
    problems: list[FileProblem] = []
    for original, name in zip(headers, names, strict=True):
        if name in seen:
            problems.append(FileProblem(None, "columns", "columns_same", {
                "first": str(seen[name]), "second": str(original), "column": name}))
        seen.setdefault(name, original)
    if problems:
        raise error(source, problems)
    return names, {n: str(h) for n, h in zip(names, headers, strict=True) if str(h) != n}
