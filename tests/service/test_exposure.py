"""``exposure`` saves a BOM only when asked; ``exposure --list`` shows the saved ones."""

from __future__ import annotations

import json

import pytest

from critmin.errors import CritminError
from critmin.service.exposure import (
    ExposureRequest,
    SavedBomsRequest,
    SavedBomsResponse,
    exposure,
    saved_boms,
)
from critmin.store.bom import has_bom_table
from critmin.store.io import connect

MOTOR = "example:ev_traction_motor"


def test_nothing_saved_unless_asked(store_copy):
    with connect(store_copy, read_only=False) as con:
        response = exposure(ExposureRequest(bom=MOTOR), con)
        assert response.stored_rows is None and response.bom_id == "ev_traction_motor"
        assert not has_bom_table(con)
        listed = saved_boms(SavedBomsRequest(), con)
    assert listed.frame.empty and json.loads(listed.json_text())["rows"] == []


def test_save_then_list(store_copy):
    with connect(store_copy, read_only=False) as con:
        response = exposure(ExposureRequest(bom=MOTOR, save="motor2025"), con)
        assert response.stored_rows == 16 and response.bom_id == "motor2025"
        exposure(ExposureRequest(bom="example:power_module", save="pm"), con)
        exposure(ExposureRequest(bom=MOTOR, save="motor2025"), con)   # replaced
    with connect(store_copy) as con:                                    # read-only
        listed = saved_boms(SavedBomsRequest(), con)
    payload = json.loads(listed.json_text())
    assert payload["command"] == "exposure --list"
    SavedBomsResponse.validate_rows(payload["rows"])
    rows = {r["name"]: r for r in payload["rows"]}
    assert sorted(rows) == ["motor2025", "pm"]
    assert rows["motor2025"]["rows"] == 16 and rows["pm"]["rows"] == 8
    assert rows["motor2025"]["source_file"].endswith("ev_traction_motor.csv")
    assert rows["motor2025"]["saved_at"].endswith("+00:00")


def test_blank_save_name_is_refused(store_copy):
    with connect(store_copy, read_only=False) as con, pytest.raises(CritminError,
                                                                     match="--save"):
        exposure(ExposureRequest(bom=MOTOR, save="  "), con)


def test_price_shock_per_commodity_adds_up_to_the_products(imported_store):
    """CSV has one table: the price shock result is also given per commodity, and the
    commodities' cost changes add up to the products' (hand check: 0.5 × material cost)."""
    import pytest

    from critmin.service.exposure import ExposureRequest, exposure
    from critmin.store.io import connect

    with connect(imported_store) as con:
        r = exposure(ExposureRequest(bom="example:ev_traction_motor", price_shock=["0.5"]),
                     con)
    per_product = sum(p["cost_change"] for p in r.price_sensitivity)
    assert r.frame["cost_change"].sum() == pytest.approx(per_product)
    assert per_product == pytest.approx(0.5 * sum(p["material_cost"]
                                                  for p in r.price_sensitivity))
    assert set(r.frame["price_shock"]) == {0.5}
    assert "cost_change" in r.columns


def test_price_shocks_are_finite_relative_changes_of_at_least_minus_one() -> None:
    """A price falls at most to zero (−1); inf was an internal error and NaN a cost change
    of 0, and −2 a negative price."""
    from critmin.errors import FormatError, NumberError
    from critmin.service.exposure import price_shocks

    assert price_shocks(["0.5", "cobalt=-1"], ["cobalt", "nickel"]) == {
        "cobalt": -1.0, "nickel": 0.5}
    for bad, rule in (("inf", "finite"), ("nan", "finite"), ("cobalt=-2", "at_least")):
        with pytest.raises(NumberError) as info:
            price_shocks([bad], ["cobalt"])
        assert info.value.rule == rule
    assert "must be at least -1 (got -2.0)" in str(info.value)
    with pytest.raises(FormatError, match="'cobalt=x': write SHARE / MATERIAL=SHARE"):
        price_shocks(["cobalt=x"], ["cobalt"])
