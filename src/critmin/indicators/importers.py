"""Importers: a country, a catalog group (EU27, OECD, G7) or a user-defined list.

Each importer is a set of ISO3 members with optional membership years, the input of
:func:`critmin.indicators.trade.flows`.
"""

from __future__ import annotations

from typing import Any

Members = list[tuple[str, int | None, int | None]]


def importer_members(con: Any, names: list[str] | None = None,
                     groups: dict[str, list[str]] | None = None) -> dict[str, Members]:
    """Member sets for ``names`` (ISO3 codes or group ids; all countries if None) plus
    user-defined ``groups`` ({name: [ISO3, ...]}, members for every year)."""
    catalog = {}
    for gid, iso3, joined, left in con.execute(
            'select group_id, iso3, joined, "left" from country_group').fetchall():
        catalog.setdefault(gid, []).append((iso3, joined, left))
    out: dict[str, Members] = {}
    if names is None:
        names = [r[0] for r in con.execute(
            "select distinct importer from trade where importer is not null").fetchall()]
    for name in names:
        out[name] = catalog.get(name, [(name, None, None)])
    for name, members in (groups or {}).items():
        out[name] = [(iso3, None, None) for iso3 in members]
    return out
