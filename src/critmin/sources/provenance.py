"""Provenance records and import reports returned by every source adapter."""

from __future__ import annotations

from dataclasses import dataclass, field


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
