"""Commodities of the catalog and name resolution (id, symbol, English or Japanese)."""

from __future__ import annotations

from functools import cache

from critmin.catalog.tables import STAGES, lookup_name, normalise_name, read_table


def commodity_ids() -> list[str]:
    """All commodity ids, in catalog order."""
    return [r["commodity_id"] for r in read_table("commodities")]


def meti13_ids() -> list[str]:
    """The 13 minerals of the METI FY2020 study (seed 001), in catalog order."""
    return [r["commodity_id"] for r in read_table("commodities") if r["meti13"] == "true"]


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in read_table("commodities"):
        cid = row["commodity_id"]
        names = [cid, row["name_en"], row["name_ja"], row["symbol"], *row["aliases"].split(";")]
        for name in names:
            key = normalise_name(name)
            if not key:
                continue
            other = index.setdefault(key, cid)
            if other != cid:
                raise ValueError(f"catalog name {name!r} names both {other} and {cid}")
    return index


def resolve_commodity(name: str) -> str:
    """The commodity id for an id, symbol, English or Japanese name or alias.

    >>> resolve_commodity("レアアース")
    'rare_earths'

    Raises :class:`UnknownNameError` listing the closest valid choices.
    """
    def choices() -> list[str]:
        rows = read_table("commodities")
        return [r[k] for k in ("commodity_id", "name_en", "name_ja") for r in rows]
    return lookup_name(_index(), name, "mineral", choices)


def stages_of(commodity_id: str) -> list[str]:
    """Value-chain stages the catalog defines for a commodity (HS codes or production)."""
    have = {r["stage"] for r in read_table("commodity_stages") if r["commodity_id"] == commodity_id}
    have |= {r["stage"] for r in read_table("production_series")
             if r["commodity_id"] == commodity_id}
    return [s for s in STAGES if s in have]
