"""Units: printed unit strings parsed once, with ``pint``, into a normalised unit.

Quantities: every mass is stored in metric tonnes (``t``); carats (``ct``) and million
cubic metres of gas (``Mio m3``) are kept as published units and named in the ``unit``
column; nothing is converted silently (:func:`harmonise_units`).

Prices (:func:`normalise_unit`): the printed unit ("cents per pound", "$/mt", "dollars
per metric ton unit of tungsten trioxide") is kept beside the value (``unit_printed``)
and the value is converted to a normalised unit that :func:`convert` can convert again:

=====================================  =======================================
printed per-unit                       normalised price unit
=====================================  =======================================
metric ton, pound, short ton, mtu      ``USD/t``
kilogram, gram                         ``USD/kg``
troy ounce                             ``USD/troy oz``
carat                                  ``USD/ct``
=====================================  =======================================

Definitions (pint's default registry, plus):

- ``USD`` a currency dimension, ``USc`` = 0.01 USD (US cent).
- ``mtu`` (metric ton unit) = 10 kg: 1 % of a tonne, priced per tonne of ore per 1 % of
  contained metal or oxide, so "$ per mtu" is "$ per 10 kg contained" (×100 → $/t
  contained). ``dmtu`` (dry metric ton unit) is the same mass on a dry basis.
- "ton" in USGS MCS means the metric ton (MCS: "t, metric ton"), not pint's short ton;
  "short ton" is 2,000 lb.
- lb = 0.45359237 kg, troy oz = 31.1034768 g, ct = 0.2 g (pint's definitions): 1 USc/lb
  = 22.0462262 USD/t, 1 USD/troy oz = 32,150.7466 USD/kg.

Qualifiers of the content basis ("of contained beryllium", "K2O equivalent", ", gross
weight", "dry") do not change the unit; they stay in the printed unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd

#: production spellings accepted by :func:`harmonise_units` (user tables, WMD, USGS)
PRODUCTION_SPELLINGS = (
    "t", "metr. t", "metric tons", "kg", "kilograms", "thousand metric tons",
    "thousand metric dry tons", "million metric tons", "ct", "thousand carats",
    "million carats", "Mio m3", "million cubic meters",
)

#: words of printed units → pint expressions (longest first when applied)
_WORDS: dict[str, str] = {
    "dry metric ton unit": "mtu", "metric ton unit": "mtu", "dmtu": "mtu", "mtu": "mtu",
    "metric tons": "t", "metric ton": "t", "metric dry tons": "t", "metric dry ton": "t",
    "short tons": "short_ton", "short ton": "short_ton", "tons": "t", "ton": "t",
    "metr. t": "t", "mt": "t", "tonnes": "t", "tonne": "t", "t": "t",
    "kilograms": "kg", "kilogram": "kg", "kg": "kg", "grams": "g", "gram": "g", "g": "g",
    "pounds": "lb", "pound": "lb", "lb": "lb",
    "troy ounces": "troy_ounce", "troy ounce": "troy_ounce", "troy oz": "troy_ounce",
    "toz": "troy_ounce", "carats": "carat", "carat": "carat", "ct": "carat",
    "cubic meters": "m**3", "cubic meter": "m**3", "cubic metres": "m**3", "m3": "m**3",
    "square feet": "ft**2", "sq ft": "ft**2",
    "dollars": "USD", "dollar": "USD", "usd": "USD", "$": "USD", "cents": "USc",
    "cent": "USc", "usc": "USc",
    "thousand": "1e3 *", "million": "1e6 *", "mio": "1e6 *", "billion": "1e9 *",
    "percentage": "percent", "percent": "percent", "pecent": "percent", "pct": "percent",
    "%": "percent",
}
#: printed units that are not physical quantities → stored unit
_COUNTS = {"number": "count", "count": "count", "num": "count", "index": "index"}
#: strip content-basis qualifiers: ", gross weight", "of K2O equivalent", "(kg)", "dry"
_QUALIFIER = re.compile(r"\s*(,.*|\(.*\)|\bof\b.*|\bcontained\b.*|\bequivalent\b.*"
                        r"|\bcontent\b.*)$")


@cache
def registry() -> Any:
    """pint's default registry with USD, USc and the metric ton unit (module docstring);
    pint is imported here, on first use (it takes most of a second)."""
    import pint

    ureg = pint.UnitRegistry()
    ureg.define("USD = [currency]")
    ureg.define("USc = 0.01 USD")
    ureg.define("mtu = 10 * kilogram = metric_ton_unit")
    return ureg


@dataclass(frozen=True)
class Unit:
    """A printed unit parsed: ``value_printed * factor`` is the value in ``unit``."""

    unit: str
    factor: float
    printed: str


def _expression(text: str) -> str:
    """The pint expression of a printed unit string (qualifiers stripped)."""
    s = text.strip().replace("\xa0", " ")
    s = re.sub(r"\s+", " ", s).lower()
    s = re.sub(r"^\$\s*", "$ ", s)
    s = s.replace("/", " per ")
    head, _, rest = s.partition(" per ")
    parts = [head] + ([rest] if rest else [])
    out = []
    for part in parts:
        part = _QUALIFIER.sub("", part).strip()
        part = re.sub(r"\s+", " ", re.sub(r"\bdry\b", "", part)).strip()
        tokens, i = [], 0
        words = sorted(_WORDS, key=len, reverse=True)
        while i < len(part):
            if part[i] == " ":
                i += 1
                continue
            hit = next((w for w in words if part.startswith(w, i) and (
                i + len(w) == len(part) or not part[i + len(w)].isalnum()
                or not w[-1].isalnum())), None)
            if hit is None:
                raise ValueError(f"unknown unit {text!r}")
            tokens.append(_WORDS[hit])
            i += len(hit)
        if not tokens:
            raise ValueError(f"unknown unit {text!r}")
        out.append(" ".join(tokens).replace("* ", "* ").rstrip(" *"))
    expr = f"({out[0]})" + (f" / ({out[1]})" if len(out) > 1 else "")
    return expr.replace("( ", "(")


def _quantity(text: str) -> Any:
    """The printed unit as a pint Quantity (magnitude carries thousand/million)."""
    from pint.errors import PintError

    ureg = registry()
    expr = _expression(text)
    try:
        q = ureg.parse_expression(expr)
    except (PintError, SyntaxError, TypeError, AttributeError) as exc:
        raise ValueError(f"unknown unit {text!r} ({exc})") from None
    return q if isinstance(q, ureg.Quantity) else ureg.Quantity(1.0, q)


#: price per-unit (denominator) → normalised price unit (module docstring table)
_PRICE_TARGET = {"kilogram": "USD/kg", "gram": "USD/kg", "troy_ounce": "USD/troy oz",
                 "carat": "USD/ct"}
#: normalised unit spellings → pint expressions (for :func:`convert`)
_CANONICAL = {"t": "t", "ct": "carat", "Mio m3": "1e6 * m**3", "%": "percent",
              "USD/t": "USD / t", "USD/kg": "USD / kg", "USD/troy oz": "USD / troy_ounce",
              "USD/ct": "USD / carat", "million USD": "1e6 * USD",
              "million m2": "1e6 * m**2"}


@lru_cache(maxsize=1024)
def normalise_unit(text: str) -> Unit:
    """Parse a printed unit once into its normalised unit and conversion factor (kept
    for the next call with the same text: a salient-statistics release compares ~900
    pairs of printed units, each parsed by pint in ~0.5 ms).

    Masses → ``t`` (carats kept as ``ct``); volumes → ``Mio m3``; areas → ``million m2``;
    percentages → ``%``; money → ``million USD``; prices → the module docstring's table.
    Raises ``ValueError`` for a string it cannot parse (never guesses).
    """
    key = text.strip().lower()
    if key in _COUNTS:
        return Unit(_COUNTS[key], 1.0, text)
    if text in _CANONICAL:  # already normalised
        return Unit(text, 1.0, text)
    q = _quantity(text)
    ureg = registry()
    names = {n for n, _ in q.unit_items()}
    dim = q.dimensionality
    if dim == ureg.carat.dimensionality and "carat" in names:
        target = "ct"
    elif dim == ureg.kg.dimensionality:
        target = "t"
    elif dim == (ureg.m ** 3).dimensionality:
        target = "Mio m3"
    elif dim == (ureg.m ** 2).dimensionality:
        target = "million m2"
    elif dim == ureg.USD.dimensionality:
        target = "million USD"
    elif dim == (ureg.USD / ureg.kg).dimensionality:
        per = [n for n, p in q.unit_items() if p < 0]
        target = _PRICE_TARGET.get(per[0], "USD/t") if len(per) == 1 else "USD/t"
    elif dim == ureg.percent.dimensionality and names == {"percent"}:
        target = "%"
    else:
        raise ValueError(f"unit {text!r} ({q.units}) has no normalised unit")
    return Unit(target, _ratio(q, _CANONICAL[target]), text)


def _ratio(q: Any, canonical: str) -> float:
    """How many ``canonical`` (a pint expression, possibly scaled) make up ``q``."""
    ureg = registry()
    ref = ureg.Quantity(ureg.parse_expression(canonical))
    return float(q.to(ref.units).magnitude / ref.magnitude)


def convert(values: pd.Series | np.ndarray | float, from_unit: str,
            to_unit: str) -> Any:
    """``values`` in ``from_unit`` expressed in ``to_unit`` (printed or normalised units).

    Raises ``ValueError`` when the two units have different dimensions (e.g. USD/t and
    USD/m3): such values are never combined.
    """
    a, b = normalise_unit(from_unit), normalise_unit(to_unit)
    if a.unit == b.unit:
        return values * (a.factor / b.factor)
    if a.unit not in _CANONICAL or b.unit not in _CANONICAL:
        raise ValueError(f"cannot convert {from_unit!r} to {to_unit!r}")
    from pint.errors import DimensionalityError

    ureg = registry()
    try:
        factor = _ratio(ureg.Quantity(ureg.parse_expression(_CANONICAL[a.unit])),
                        _CANONICAL[b.unit])
    except DimensionalityError:
        raise ValueError(f"cannot convert {from_unit!r} to {to_unit!r}: different "
                         "dimensions") from None
    return values * (a.factor * factor / b.factor)


class _UnitMap(Mapping[str, tuple[str, float]]):
    """:data:`PRODUCTION_SPELLINGS` → (stored unit, factor), parsed with pint on first use
    (building the registry takes about a second; imports that need no unit skip it)."""

    @cached_property
    def _table(self) -> dict[str, tuple[str, float]]:
        return {s: (u.unit, u.factor) for s in PRODUCTION_SPELLINGS
                for u in [normalise_unit(s)]}

    def __getitem__(self, key: str) -> tuple[str, float]:
        return self._table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(PRODUCTION_SPELLINGS)

    def __len__(self) -> int:
        return len(PRODUCTION_SPELLINGS)

    def __contains__(self, key: object) -> bool:
        return key in PRODUCTION_SPELLINGS


#: published production unit spelling → (stored unit, factor to multiply by), from pint
UNIT_MAP: Mapping[str, tuple[str, float]] = _UnitMap()


def harmonise_units(values: pd.Series, units: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert ``values`` given in ``units`` to stored units; return (values, units).

    Raises ``ValueError`` naming any unit not in :data:`UNIT_MAP` (never guesses).
    """
    unknown = sorted(set(units.dropna().unique()) - UNIT_MAP.keys())
    if unknown:
        raise ValueError(f"unknown units {unknown}; known: {sorted(UNIT_MAP)}")
    target = units.map(lambda u: UNIT_MAP[u][0])
    factor = units.map(lambda u: UNIT_MAP[u][1]).astype(float)
    return values.astype(float) * factor.to_numpy(np.float64), target


#: normalised units of prices per quantity
PRICE_UNITS = frozenset({"USD/t", "USD/kg", "USD/troy oz", "USD/ct"})


def normalise_prices(values: pd.Series, printed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Price ``values`` in ``printed`` units → (values, normalised units); a unit that
    is not a price per quantity pint can parse keeps its value and printed spelling
    (e.g. "USD/bbl", "EUR/t")."""
    parsed = {u: _try(u) for u in printed.dropna().unique()}
    parsed = {u: p for u, p in parsed.items() if p and p.unit in PRICE_UNITS}
    unit = printed.map(lambda u: parsed[u].unit if parsed.get(u) else u)
    factor = printed.map(lambda u: parsed[u].factor if parsed.get(u) else 1.0).astype(float)
    return values.astype(float) * factor.to_numpy(np.float64), unit


def _try(text: str) -> Unit | None:
    try:
        return normalise_unit(text)
    except ValueError:
        return None
