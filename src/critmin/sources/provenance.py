"""Provenance records and import reports returned by every source adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """One row of the store's ``source`` table."""

    source_id: str
    name: str
    publisher: str
    version: str
    url: str
    licence: str
    sha256: str
    file: str
    retrieved: str = ""


@dataclass
class Report:
    """What an adapter skipped, converted or flagged, with counts (``build_log`` rows)."""

    source_id: str
    rows: list[tuple[str, int, str]] = field(default_factory=list)

    def add(self, step: str, count: int, detail: str = "") -> None:
        """Record ``count`` items for ``step`` (zero counts are kept: they show a check ran)."""
        self.rows.append((step, int(count), detail))


@dataclass
class Extract:
    """What an import adapter read: rows per store table, the source and its report.

    ``tables`` maps a store table name to a frame with that table's columns except
    ``source_id`` (the importer adds it), or to a callable ``(connection, source_id)``
    that inserts the rows itself (for files streamed by DuckDB); ``country_map`` is how
    the file's country codes or names were mapped (code, iso3, status, note, n_rows).
    """

    source: Source
    report: Report
    tables: dict[str, Any] = field(default_factory=dict)
    country_map: Any = None
