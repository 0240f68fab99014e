"""Content bases: what a quantity measures, and the factors between bases.

Every production, reserves, capacity and world-total row and every HS code of the
catalog carries a content code (``catalog/data/production_series.csv``,
``sources/maps/usgs_mcs_series.csv``, ``catalog/data/commodity_stages.csv``):

- a chemical formula — an element (``Li``, ``Sn``) or a compound (``Li2O``, ``P2O5``,
  ``Li2CO3``): tonnes of that substance;
- ``REO``: rare-earth oxide equivalent (a mixture: converts to nothing else);
- ``gross:<material>``: gross weight of an ore, concentrate, mineral or product as
  traded or mined (``gross:phosphate_rock``, ``gross:chromite``);
- ``volume:<material>`` (million m³), ``carats:<material>`` (not masses);
- ``group:<group>``: a figure for a group of commodities (USGS reserves of all PGMs);
- ``mixed:<series>``: a published series whose rows measure different things
  (USGS "Boron all types": crude ore, ulexite, B2O3, refined borates by country).

Each commodity stage has one canonical basis (``catalog/data/content_basis.csv``).
Between two formulas the factor is the ratio of the commodity's element mass fractions,
from formula masses (IUPAC standard atomic weights, via the ``molmass`` library):

    factor(A → B) = w_E(A) / w_E(B),   w_E(X) = n_E · M_E / M_X

e.g. Li2O → Li: 2 · 6.94 / 29.88 = 0.4645. Gross weights, REO, volumes and carats
convert to nothing (no grade table is applied: methods.md §1; DESIGN "Content basis"):
a computation that would combine them with another basis returns missing with the
reason "mixed basis".
"""

from __future__ import annotations

from functools import cache

from molmass import Formula, FormulaError

#: prefixes of content codes that are not chemical formulas
NON_FORMULA = ("gross:", "volume:", "carats:", "mixed:", "group:")


def is_formula(code: str) -> bool:
    """Whether ``code`` is a chemical formula (element or compound)."""
    if not code or code == "REO" or code.startswith(NON_FORMULA):
        return False
    try:
        Formula(code).mass  # noqa: B018 (parses and checks the formula)
    except (FormulaError, ValueError):
        return False
    return True


@cache
def element_fraction(formula: str, element: str) -> float:
    """Mass fraction of ``element`` in ``formula`` (0–1), from formula masses.

    ``w_E = n_E · M_E / M_formula`` (molmass: IUPAC standard atomic weights). 0 when the
    formula has no such element.
    """
    composition = Formula(formula).composition()
    if element not in composition.keys():
        return 0.0
    return float(composition[element].fraction)


def conversion_factor(source: str, target: str, element: str | None) -> float | None:
    """Factor that turns tonnes of content ``source`` into tonnes of ``target``.

    1 for equal codes; ``w_E(source) / w_E(target)`` for two formulas sharing the
    commodity's ``element``; None (not convertible: "mixed basis") otherwise.
    """
    if source == target:
        return 1.0
    if not element or not (is_formula(source) and is_formula(target)) \
            or not is_formula(element):
        return None
    a, b = element_fraction(source, element), element_fraction(target, element)
    if a <= 0 or b <= 0:
        return None
    return a / b


@cache
def canonical_basis() -> dict[tuple[str, str], str]:
    """The canonical content code of each commodity stage."""
    from critmin.catalog.tables import read_table

    return {(r["commodity_id"], r["stage"]): r["content"] for r in read_table("content_basis")}


def factor_table() -> list[tuple[str, str, str, str, float | None]]:
    """``(commodity_id, stage, content, canonical, factor)`` for every content code the
    catalog's series and HS codes use, to the stage's canonical basis (factor None where
    not convertible). Loaded into the store as ``content_factor``."""
    from critmin.catalog.tables import read_table
    from critmin.sources.usgs_mcs import series_map

    symbols = {r["commodity_id"]: r["symbol"] for r in read_table("commodities")}
    seen: set[tuple[str, str, str]] = set()
    for r in read_table("production_series"):
        seen.add((r["commodity_id"], r["stage"], r["content_code"]))
    for r in series_map().itertuples():
        seen.add((r.commodity_id, r.stage, r.content_code))
        if r.reserves == "yes":
            seen.add((r.commodity_id, "mining", r.content_code))
    for r in read_table("commodity_stages"):
        if r["content"]:
            seen.add((r["commodity_id"], r["stage"], r["content"]))
    canon = canonical_basis()
    seen |= {(commodity, stage, code) for (commodity, stage), code in canon.items()}
    out = []
    for commodity, stage, code in sorted(seen):
        target = canon.get((commodity, stage))
        if target is None:
            continue
        out.append((commodity, stage, code, target,
                    conversion_factor(code, target, symbols.get(commodity))))
    return out
