"""The catalog's reference tables: CSV data files in ``catalog/data`` with a source column.

Read with the standard library so that listing commodities stays fast; callers that
need frames build them from these rows.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

TABLES = ("commodities", "commodity_stages", "production_series", "country_groups",
          "country_names", "meti6_axes", "criticality_types", "policy_measures",
          "policy_levels", "policy_packages", "byproduct_fraction", "demand_surge",
          "events", "demand_reference", "company_actions", "content_basis")
STAGES = ("mining", "refining", "scrap")


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of the reference table ``name`` (lines starting with ``#`` are comments)."""
    if name not in TABLES:
        raise ValueError(f"unknown catalog table {name!r}; tables: {', '.join(TABLES)}")
    text = resources.files("critmin.catalog").joinpath("data", f"{name}.csv").read_text(
        encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return tuple(csv.DictReader(lines))


def lookup_name(index: dict[str, str], name: str, kind: str, choices: list[str]) -> str:
    """The value ``index`` holds for ``name`` (normalised), or :class:`UnknownNameError`."""
    from critmin.errors import UnknownNameError

    hit = index.get(normalise_name(name))
    if hit is None:
        raise UnknownNameError(kind, name, choices)
    return hit


def normalise_name(text: str) -> str:
    """Key for name matching: NFKC, case-folded, without spaces and punctuation."""
    import unicodedata

    key = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in key if ch.isalnum())
