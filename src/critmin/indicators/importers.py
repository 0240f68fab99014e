"""Importers as the indicator engine takes them: ``{name: [(iso3, joined, left)]}``.

The request layer resolves what a user typed once (:func:`critmin.service.common.
resolve_importers`, :func:`critmin.service.common.members_by_name`); this helper gives the
same member lists from ISO3 codes and group ids (tests, benchmarks, analyses), reading
the store through :mod:`critmin.store.read`.
"""

from __future__ import annotations

from typing import Any

from critmin.indicators.trade import Members, MemberYears


def importer_members(con: Any, names: list[str] | None = None,
                     groups: dict[str, list[str]] | None = None) -> Members:
    """Member sets for ``names`` (ISO3 codes or group ids; every importing country in
    the store if None) plus user-defined ``groups`` ({name: [ISO3, ...]}, members for
    every year)."""
    from critmin.store.read import group_memberships, importing_countries

    catalog: dict[str, MemberYears] = {}
    for gid, iso3, joined, left in group_memberships(con):
        catalog.setdefault(gid, []).append((iso3, joined, left))
    out: Members = {}
    for name in importing_countries(con) if names is None else names:
        out[name] = catalog.get(name, [(name, None, None)])
    for name, members in (groups or {}).items():
        out[name] = [(iso3, None, None) for iso3 in members]
    return out
