"""Inputs every command shares, parsed once: importers, commodities, years, language.

One :class:`Importer` type stands for a country, a catalog group with dated members
(EU27 joined/left years) or a user's group; :func:`resolve_importers` turns the names a
user typed (ISO3, English or Japanese name, group id) into importers once, and every
analysis takes them in the form it needs (:meth:`Importer.member_years`,
:func:`members_by_name`, :func:`iso3_sets`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from critmin.errors import CritminError, UnknownNameError

STAGES = ("mining", "refining", "scrap")
YEAR_BOUNDS = (1800, 2200)
YEAR_FORMS = (f"YYYY, YYYY-YYYY (first ≤ last), YYYY,YYYY or all; years "
              f"{YEAR_BOUNDS[0]}–{YEAR_BOUNDS[1]}")


class Member(BaseModel):
    """An importer's member country and the years it belongs (joined ≤ year < left)."""

    model_config = ConfigDict(frozen=True)

    iso3: str
    joined: int | None = None
    left: int | None = None


class Importer(BaseModel):
    """A country, a catalog group (dated members) or a user-defined group of countries."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["country", "group", "user_group"]
    members: tuple[Member, ...]

    def member_years(self) -> list[tuple[str, int | None, int | None]]:
        """``[(iso3, joined, left), ...]``: the form the indicator engine takes."""
        return [(m.iso3, m.joined, m.left) for m in self.members]

    def iso3_in(self, year: int | None = None) -> set[str]:
        """Member ISO3 codes (in ``year`` when given: joined ≤ year < left)."""
        return {m.iso3 for m in self.members if year is None or member_in_year(
            m.joined, m.left, year)}


def member_in_year(joined: int | None, left: int | None, year: int) -> bool:
    """Membership in ``year``: ``joined ≤ year < left`` (open ends when missing)."""
    return (joined is None or joined <= year) and (left is None or year < left)


def resolve_importers(con: Any, names: list[str] | None,
                      user_groups: dict[str, list[str]] | None = None) -> list[Importer]:
    """Importers for ``names`` (ISO3, English/Japanese name or group id; every importing
    country in the store when empty) plus ``user_groups`` ({name: [ISO3 or name]})."""
    from critmin.catalog.countries import resolve_country, resolve_place
    from critmin.store.read import group_memberships, importing_countries

    groups: dict[str, list[Member]] = {}
    for gid, iso3, joined, left in group_memberships(con):
        groups.setdefault(gid, []).append(Member(iso3=iso3, joined=joined, left=left))
    out: list[Importer] = []
    for name in names or importing_countries(con):
        kind, ident = resolve_place(name)
        members = tuple(groups.get(ident, ())) if kind == "group" else (Member(iso3=ident),)
        out.append(Importer(name=ident, kind=kind, members=members))
    for name, members in (user_groups or {}).items():
        out.append(Importer(name=name, kind="user_group", members=tuple(
            Member(iso3=resolve_country(m)) for m in members)))
    return list({i.name: i for i in out}.values())


def members_by_name(importers: list[Importer]) -> dict[str, list[tuple[str, int | None,
                                                                        int | None]]]:
    """``{name: [(iso3, joined, left)]}`` (:data:`critmin.indicators.trade.Members`)."""
    return {i.name: i.member_years() for i in importers}


def iso3_sets(importers: list[Importer], year: int | None = None) -> dict[str, set[str]]:
    """``{name: {iso3}}`` of the members in ``year`` (all members when None)."""
    return {i.name: i.iso3_in(year) for i in importers}


def resolve_commodities(names: list[str] | None) -> list[str] | None:
    """Commodity ids for ids, symbols, English or Japanese names (None: all)."""
    from critmin.catalog.commodities import resolve_commodity

    return [resolve_commodity(n) for n in names] if names else None


def parse_years(spec: str | int | None) -> list[int] | None:
    """Years of a specification: ``2022``, ``'2018-2023'``, ``'2018,2020'`` or ``'all'``
    / None (→ None: every year)."""
    if spec is None or spec == "all":
        return None
    if isinstance(spec, int):
        return [spec]
    years: list[int] = []
    try:
        for part in str(spec).split(","):
            lo, _, hi = part.strip().partition("-")
            first, last = int(lo), int(hi or lo)
            if last < first:
                raise CritminError(f"year range {part.strip()!r} is reversed (it holds no "
                                   f"year); valid: {YEAR_FORMS}, e.g. '{last}-{first}'")
            if first < YEAR_BOUNDS[0] or last > YEAR_BOUNDS[1]:
                raise ValueError(part)
            years += range(first, last + 1)
    except ValueError:
        raise UnknownNameError("year", str(spec), [], valid=YEAR_FORMS,
                               basis="forms") from None
    return list(dict.fromkeys(years))


def check_years(years: list[int] | None, have: list[int], what: str) -> list[int] | None:
    """``years`` if every one is in ``have`` (the store's years of ``what``), else an
    error naming the valid range."""
    if not have:
        raise CritminError(f"the store has no {what}: run 'critmin data build' (and the "
                           "imports) first")
    for y in years or []:
        if y not in have:
            raise UnknownNameError("year", str(y), [str(v) for v in have],
                                   valid=f"{have[0]}–{have[-1]} ({what})",
                                   span=(have[0], have[-1]), basis=what)
    return years


def check_stage(stage: str | None) -> str | None:
    """``stage`` if it is a value-chain stage (or None), else an error naming them."""
    if stage is not None and stage not in STAGES:
        raise UnknownNameError("stage", stage, list(STAGES))
    return stage


def default_year(con: Any) -> int:
    """The default year of every command that takes one year: the latest year with both
    trade and production in the store (an error on an empty store)."""
    from critmin.store.read import trade_and_production_years

    years = trade_and_production_years(con)
    if not years:
        raise UnknownNameError("year", "default", [], valid="none (the store has no year "
                               "with both trade and production: run critmin data build)",
                               basis="none")
    return years[-1]


