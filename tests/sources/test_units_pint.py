"""Unit strings the sources print, parsed with pint (hand-checked conversions)."""

import math

import pandas as pd
import pytest

from critmin.sources.units import UNIT_MAP, convert, normalise_prices, normalise_unit

LB_KG = 0.45359237          # kg per avoirdupois pound (exact)
TROY_OZ_KG = 0.0311034768   # kg per troy ounce (exact)


@pytest.mark.parametrize("printed, unit, factor", [
    ("cents per pound", "USD/t", 0.01 / LB_KG * 1000),        # 22.0462262
    ("USc/lb", "USD/t", 22.0462262),
    ("dollars per pound", "USD/t", 1000 / LB_KG),
    ("USD/lb", "USD/t", 2204.62262),
    ("dollars per short ton", "USD/t", 1000 / (2000 * LB_KG)),  # 1.10231131
    ("dollars per metric ton", "USD/t", 1.0),
    ("$/mt", "USD/t", 1.0),
    ("dollars per ton", "USD/t", 1.0),                           # MCS: ton = metric ton
    ("dollars per ton of K2O equivalent", "USD/t", 1.0),
    ("dollars per metric ton, gross weight", "USD/t", 1.0),
    ("dollars per metric ton unit", "USD/t", 100.0),             # 1 mtu = 10 kg
    ("dollars per dry metric ton unit of tungsten trioxide", "USD/t", 100.0),
    ("$/dmtu", "USD/t", 100.0),
    ("dollars per kilogram", "USD/kg", 1.0),
    ("Dollars per kilogram", "USD/kg", 1.0),
    ("dollars/kilogram", "USD/kg", 1.0),
    ("dollars per kilogram of contained beryllium", "USD/kg", 1.0),
    ("$/kg", "USD/kg", 1.0),
    ("dollars per gram", "USD/kg", 1000.0),
    ("dollars per troy ounce", "USD/troy oz", 1.0),
    ("$/troy oz", "USD/troy oz", 1.0),
    ("dollars per carat", "USD/ct", 1.0),
    ("metric tons", "t", 1.0),
    ("kilograms", "t", 1e-3),
    ("thousand metric tons", "t", 1e3),
    ("thousand metric dry tons", "t", 1e3),
    ("thousand metric tons, MgO", "t", 1e3),
    ("metric tons contained selenium", "t", 1.0),
    ("million metric tons", "t", 1e6),
    ("Million carats", "ct", 1e6),
    ("million cubic meters", "Mio m3", 1.0),
    ("million dollars", "million USD", 1.0),
    ("percentage", "%", 1.0),
    ("Pecent", "%", 1.0),
    ("percent of metric tons", "%", 1.0),
    ("Percent of quantity (kg)", "%", 1.0),
    ("percentage of apparent consumption tonnage", "%", 1.0),
    ("number", "count", 1.0),
])
def test_printed_units_parse_to_normalised(printed, unit, factor):
    got = normalise_unit(printed)
    assert got.unit == unit
    assert math.isclose(got.factor, factor, rel_tol=1e-8)
    assert got.printed == printed


def test_hand_checked_conversions():
    assert math.isclose(convert(1.0, "USc/lb", "USD/t"), 22.0462262, rel_tol=1e-8)
    assert math.isclose(convert(1.0, "USD/troy oz", "USD/kg"), 1 / TROY_OZ_KG, rel_tol=1e-9)
    assert math.isclose(convert(4.58, "dollars per metric ton unit", "USD/kg"), 0.458)
    assert math.isclose(convert(2.0, "USD/kg", "USD/t"), 2000.0)


def test_a_printed_unit_is_parsed_once():
    """Kept per text (a release compares ~900 pairs of printed units); a refusal is
    not kept: it is raised again each time."""
    assert normalise_unit("cents per pound") is normalise_unit("cents per pound")
    assert normalise_unit("Cents per pound").printed == "Cents per pound"
    for _ in range(2):
        with pytest.raises(ValueError, match="unknown unit"):
            normalise_unit("furlongs per fortnight")


def test_unknown_or_incompatible_units_are_refused():
    with pytest.raises(ValueError, match="unknown unit"):
        normalise_unit("furlongs per fortnight")
    with pytest.raises(ValueError, match="cannot convert"):
        convert(1.0, "USD/t", "percent")


def test_unit_map_keeps_its_published_behaviour():
    assert UNIT_MAP["kg"] == ("t", 1e-3)
    assert UNIT_MAP["thousand metric tons"] == ("t", 1e3)
    assert UNIT_MAP["thousand carats"] == ("ct", 1e3)
    assert UNIT_MAP["Mio m3"] == ("Mio m3", 1.0)
    assert UNIT_MAP["million cubic meters"] == ("Mio m3", 1.0)
    assert "lb" not in UNIT_MAP  # production spellings only


def test_normalise_prices_keeps_units_it_cannot_convert():
    values, units = normalise_prices(pd.Series([100.0, 80.0, 2.0]),
                                     pd.Series(["cents/kg", "$/bbl", "kg"]))
    assert list(units) == ["USD/kg", "$/bbl", "kg"]  # a mass is no price: kept as printed
    assert list(values) == [1.0, 80.0, 2.0]
