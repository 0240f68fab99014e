"""Signals entered by people (methods.md §18): a register file of qualitative signals —
project delays, policy announcements, ESG rules — read per run, never stored.

A register is a CSV file with the header ``date,commodity,country,source,tier,text`` or a
YAML file ``signals: [{date: …, commodity: …, country: …, source: …, tier: …, text: …}]``.
``date`` is ``YYYY-MM-DD``; ``commodity`` an id, symbol, English or Japanese name;
``country`` (may be empty: every country) an ISO3 code or a name; ``tier`` one of
``immediate``, ``medium_term``, ``watch`` (or 即時対応, 中期対応, ウォッチ); ``source``
and ``text`` are required. Every faulty entry is reported with its line; a register with
any fault is refused whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.analysis.signal_config import TIERS
from critmin.errors import CritminError

REGISTER_FIELDS = ("date", "commodity", "country", "source", "tier", "text")
TIER_WORDS = {**{t: t for t in TIERS}, "即時対応": "immediate", "中期対応": "medium_term",
              "ウォッチ": "watch"}
MAX_REGISTER_BYTES = 1_000_000
"""Largest register read [C]: a register of qualitative signals is a few kB."""


def read_register(path: str | Path) -> pd.DataFrame:
    """The entries of the register at ``path``: ``line, date, commodity_id, country,
    source, tier, text`` (``date`` as ``YYYY-MM-DD`` text, ``country`` ISO3 or "").

    Raises :class:`CritminError` listing every faulty line (unknown commodity or
    country, bad date, unknown tier, missing field) — the register is then not used."""
    path = Path(path)
    if not path.is_file():
        raise CritminError(f"register {path}: no such file")
    if path.stat().st_size > MAX_REGISTER_BYTES:
        raise CritminError(f"register {path}: larger than {MAX_REGISTER_BYTES:,} bytes")
    entries = (_yaml_entries(path) if path.suffix.lower() in (".yaml", ".yml")
               else _csv_entries(path))
    rows, errors = [], []
    for line, entry in entries:
        row, problems = check_entry(entry)
        errors += [f"line {line}: {p}" for p in problems]
        rows.append({"line": line, **row})
    if errors:
        raise CritminError(f"register {path} refused ({len(errors)} error"
                           f"{'s' if len(errors) > 1 else ''}):\n  " + "\n  ".join(errors))
    return pd.DataFrame(rows, columns=["line", "date", "commodity_id", "country", "source",
                                       "tier", "text"])


def _csv_entries(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, fields) of each data line of a CSV register (header on line 1)."""
    try:
        body = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CritminError(f"register {path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(body))
    missing = [f for f in REGISTER_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise CritminError(f"register {path} refused (1 error):\n  line 1: missing column"
                           f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                           f"(header: {','.join(REGISTER_FIELDS)})")
    out = []
    for r in reader:
        if any((v or "").strip() for v in r.values() if isinstance(v, str)):
            out.append((reader.line_num, r))
    return out


def _yaml_entries(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, fields) of each entry of a YAML register (``signals:`` list)."""
    from critmin.catalog.tables import read_yaml_mapping

    doc = read_yaml_mapping(path, f"register {path}", "register", with_lines=True)
    items = doc.get("signals")
    if not isinstance(items, list):
        raise CritminError(f"register {path} refused (1 error):\n  line "
                           f"{doc.get('__line__', 1)}: 'signals' must be a list of entries")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise CritminError(f"register {path} refused (1 error):\n  an entry of "
                               f"'signals' is not a mapping: {item!r}")
        out.append((int(item.get("__line__", 0)), item))
    return out


def check_entry(entry: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One entry's fields resolved, and what is wrong with it (empty: nothing)."""
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country

    def field(name: str) -> str:
        value = entry.get(name)
        return "" if value is None else str(value).strip()

    problems: list[str] = []
    row: dict[str, Any] = {}
    try:
        row["date"] = dt.date.fromisoformat(field("date")).isoformat()
    except ValueError:
        row["date"] = None
        problems.append(f"bad date {field('date')!r} (YYYY-MM-DD)")
    for name, resolve, key in (("commodity", resolve_commodity, "commodity_id"),
                               ("country", resolve_country, "country")):
        row[key] = ""
        if not field(name):
            if name == "commodity":
                problems.append("no commodity")
            continue
        try:
            row[key] = resolve(field(name))
        except CritminError as exc:
            problems.append(str(exc).splitlines()[0])
    row["tier"] = TIER_WORDS.get(field("tier"))
    if row["tier"] is None:
        problems.append(f"unknown tier {field('tier')!r} (one of "
                        f"{', '.join(TIER_WORDS)})")
    for name in ("source", "text"):
        row[name] = field(name)
        if not row[name]:
            problems.append(f"no {name}")
    return row, problems


def register_signals(register: pd.DataFrame, importer: str,
                     years: list[int] | None = None) -> pd.DataFrame:
    """The register's entries of ``years`` (None: all) as signal rows
    (:data:`critmin.analysis.signals.SIGNAL_COLUMNS`, rule ``register``: no value or
    threshold; the explanation is the entry's text)."""
    from critmin.analysis.signals import SIGNAL_COLUMNS

    r = register
    if years is not None:
        r = r[pd.to_datetime(r["date"]).dt.year.isin(years)]
    return pd.DataFrame({
        "importer": importer, "tier": r["tier"].to_numpy(object), "rule": "register",
        "commodity_id": r["commodity_id"].to_numpy(object), "stage": None,
        "series": "register", "partner": r["country"].replace("", None).to_numpy(object),
        "date": r["date"].to_numpy(object), "seen": r["date"].to_numpy(object),
        "value": float("nan"), "threshold": float("nan"),
        "explanation": r["text"].to_numpy(object), "source_ids": r["source"].to_numpy(object),
    }, columns=SIGNAL_COLUMNS)
