"""Countries (ISO 3166 via pycountry, with Japanese names) and country groups.

Input names are accepted as ISO3, ISO2, English (official, common or short name),
Japanese (pycountry's ISO 3166 translation), the names in ``data/country_names.csv``, or the
spellings and codes of each source's alias file.
"""

from __future__ import annotations

import gettext
from functools import cache
from typing import Literal

import pandas as pd

from critmin.catalog.tables import lookup_name, normalise_name, read_table
from critmin.errors import UnknownNameError
from critmin.sources.countries import EXTRA_ISO3, alias_table

ALIAS_SOURCES = ("wmd", "baci", "wgi")


@cache
def country_table() -> pd.DataFrame:
    """Every country critmin knows: ``iso3, name_en, name_ja, status``.

    status is ``current`` (ISO 3166-1), ``user_assigned`` (Kosovo, XKX) or ``historic``
    (ISO 3166-3 codes such as SUN, CSK, used by historical trade).
    """
    import pycountry

    ja1 = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"],
                              fallback=True)
    ja3 = gettext.translation("iso3166-3", pycountry.LOCALES_DIR, languages=["ja"],
                              fallback=True)
    names = read_table("country_names")
    display = {r["iso3"]: r["name"] for r in names
               if r["kind"] == "display" and r["lang"] == "ja"}
    display_en = {r["iso3"]: r["name"] for r in names
                  if r["kind"] == "display" and r["lang"] == "en"}
    rows = []
    for c in pycountry.countries:
        name_en = display_en.get(c.alpha_3) or getattr(c, "common_name", None) or c.name
        rows.append((c.alpha_3, name_en, display.get(c.alpha_3, ja1.gettext(c.name)), "current"))
    for iso3, name in EXTRA_ISO3.items():
        rows.append((iso3, name, display.get(iso3, name), "user_assigned"))
    for c in pycountry.historic_countries:
        rows.append((c.alpha_3, c.name, ja3.gettext(c.name), "historic"))
    frame = pd.DataFrame(rows, columns=["iso3", "name_en", "name_ja", "status"])
    return frame.drop_duplicates("iso3").reset_index(drop=True)


@cache
def _index() -> dict[str, str]:
    import pycountry

    index: dict[str, str] = {}

    def add(name: str | None, iso3: str) -> None:
        key = normalise_name(name or "")
        if key:
            index.setdefault(key, iso3)

    table = country_table()
    current = table[table["status"] != "historic"]
    for iso3, name_en, name_ja in current[["iso3", "name_en", "name_ja"]].itertuples(index=False):
        add(iso3, iso3)
        add(name_en, iso3)
        add(name_ja, iso3)
    for c in pycountry.countries:
        for attr in ("alpha_2", "name", "official_name", "common_name"):
            add(getattr(c, attr, None), c.alpha_3)
    for r in read_table("country_names"):
        add(r["name"], r["iso3"])
    for source in ALIAS_SOURCES:
        for code, (iso3, _status, _note) in alias_table(source).items():
            if iso3 and not code.isdigit():
                add(code, iso3)
    historic = table[table["status"] == "historic"]
    for iso3, name_en in historic[["iso3", "name_en"]].itertuples(index=False):
        add(iso3, iso3)
        add(name_en, iso3)
    return index


def resolve_country(name: str) -> str:
    """ISO3 for a country given as ISO3/ISO2 code, English or Japanese name.

    >>> resolve_country("日本")
    'JPN'

    Raises :class:`UnknownNameError` listing the closest valid choices.
    """
    def choices() -> list[str]:
        table = country_table()
        return [*table["name_en"].tolist(), *table["name_ja"].tolist(), *table["iso3"].tolist()]
    return lookup_name(_index(), name, "country", choices)


def group_table() -> pd.DataFrame:
    """Country groups ``group_id, iso3, joined, left, source`` (membership years)."""
    frame = pd.DataFrame(read_table("country_groups"))
    for col in ("joined", "left"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    return frame


def group_ids() -> list[str]:
    """Ids of the catalog's country groups."""
    return list(dict.fromkeys(r["group_id"] for r in read_table("country_groups")))


def resolve_group(name: str) -> str | None:
    """The catalog group id ``name`` stands for (``EU27``, ``eu27``, ``G7`` …), or None."""
    return {normalise_name(g): g for g in group_ids()}.get(normalise_name(name))


def resolve_place(name: str) -> tuple[Literal["group", "country"], str]:
    """``("group", group id)`` or ``("country", ISO3)`` for a group id or a country name
    (:func:`resolve_group` first, then :func:`resolve_country`): an importer or an
    exporter. An unknown name's error lists the groups among the closest choices
    (``EU`` → EU27)."""
    gid = resolve_group(name)
    if gid is not None:
        return "group", gid
    iso3 = _index().get(normalise_name(name))
    if iso3 is not None:
        return "country", iso3

    def choices() -> list[str]:
        table = country_table()
        return [*group_ids(), *table["name_en"].tolist(), *table["name_ja"].tolist(),
                *table["iso3"].tolist()]
    # unknown: the error, its parts looked up among countries and groups ('JPN,EU27')
    index = {**_index(), **{normalise_name(g): g for g in group_ids()}}
    return "country", lookup_name(index, name, "country", choices)


def group_members(group_id: str, year: int | None = None) -> list[str]:
    """ISO3 members of ``group_id`` (in ``year`` when given: joined ≤ year < left)."""
    gid = resolve_group(group_id)
    if gid is None:
        raise UnknownNameError("country group", group_id, group_ids())
    out = []
    for r in read_table("country_groups"):
        if r["group_id"] != gid:
            continue
        if year is not None and (int(r["joined"]) > year or (r["left"] and int(r["left"]) <= year)):
            continue
        out.append(r["iso3"])
    return out
