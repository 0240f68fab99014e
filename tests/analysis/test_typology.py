"""Typology rules R1–R6 by hand, reasons in words, thresholds and the package table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.analysis.typology import (
    TYPES,
    TypologyThresholds,
    assign_types,
    byproduct_fractions,
    demand_surge_flags,
    policy_packages,
)
from critmin.catalog.commodities import commodity_ids
from critmin.catalog.tables import read_table

NAN = np.nan


def raw(rows):
    return pd.DataFrame(rows, columns=["commodity_id", "production_concentration",
                                       "reserve_concentration",
                                       "import_governance_concentrate",
                                       "import_governance_refined"]).assign(importer="JPN")


B = pd.Series({"bp": 0.9, "bp_low": 0.3})
D = pd.Series({"surge": True})


def test_each_rule_by_hand():
    t = assign_types(raw([
        ("surge", 0.9, 0.9, 0.9, 0.9),        # R1: the flag wins over everything
        ("bp", 0.67, 0.1, 0.2, 0.62),         # R2, S → by-product smelting
        ("bp", 0.30, 0.1, 0.2, 0.40),         # R2, not S → by-product recycling
        ("bp", 0.10, 0.1, 0.2, 0.90),         # b high but no upstream risk → R5
        ("m+s", 0.67, 0.1, 0.2, 0.62),        # R3
        ("mine", 0.10, 0.30, 0.2, 0.1),       # R4 by reserves
        ("mine2", 0.10, 0.10, 0.55, NAN),     # R4 by concentrate governance
        ("smelt", 0.10, 0.10, 0.2, 0.5),      # R5 (≥ is over)
        ("none", 0.24, 0.10, 0.2, 0.49),      # R6
        ("bp_low", 0.9, 0.1, 0.2, 0.1),       # b below θ_bp → R4
    ]), B, D)
    assert t["type"].tolist() == [
        "demand_surge", "byproduct_smelting", "byproduct_recycling", "smelter_oligopoly",
        "mine_and_smelter_oligopoly", "mine_oligopoly", "mine_oligopoly",
        "smelter_oligopoly", "none", "mine_oligopoly"]
    assert t["rule"].tolist() == ["R1", "R2", "R2", "R5", "R3", "R4", "R4", "R5", "R6", "R4"]
    assert t.loc[4, "type_reason"] == ("production HHI 0.67 ≥ 0.25 and refined import "
                                       "governance 0.62 ≥ 0.5 → Mine and smelter oligopoly")
    assert t.loc[1, "type_reason"].startswith("by-product fraction 0.90 ≥ 0.5 and")
    assert "refined import governance missing" not in t.loc[6, "type_reason"]
    assert t.loc[8, "type_reason"].endswith("→ No type (monitor)")
    assert "生産HHI 0.67 ≥ 0.25 かつ" in t.loc[4, "type_reason_ja"]
    assert t.loc[4, "type_reason_ja"].endswith("→ 鉱山＋製錬寡占型")
    # whole texts: the surge alone; the by-product fraction first, the refined
    # comparison named even below its threshold; R6 lists all four with commas
    assert t.loc[0, "type_reason"].startswith("demand surge in the reference forecast")
    assert "HHI" not in t.loc[0, "type_reason"] and np.isnan(t.loc[0, "min_margin"])
    assert t.loc[2, "type_reason"] == (
        "by-product fraction 0.90 ≥ 0.5 and production HHI 0.30 ≥ 0.25 and refined import "
        "governance 0.40 < 0.5 → By-product (recycling)")
    assert t.loc[2, "min_margin"] == pytest.approx(0.05)
    assert t.loc[8, "type_reason_ja"] == (
        "生産HHI 0.24 < 0.25、埋蔵HHI 0.10 < 0.25、輸入ガバナンス（精鉱） 0.20 < 0.5、"
        "輸入ガバナンス（製錬品） 0.49 < 0.5 → 類型なし（監視）")
    assert t.loc[8, "min_margin"] == pytest.approx(0.01)
    assert t.loc[6, "type_reason"] == ("concentrate import governance 0.55 ≥ 0.5 → "
                                       "Mine oligopoly")


def test_near_threshold_and_missing_values():
    t = assign_types(raw([("x", 0.26, NAN, NAN, NAN), ("y", NAN, NAN, NAN, NAN)]), B, D)
    assert t.loc[0, "type"] == "mine_oligopoly"
    assert t.loc[0, "min_margin"] == pytest.approx(0.01)
    assert bool(t.loc[0, "near_threshold"])
    assert t.loc[1, "type"] == "none"
    assert "production HHI missing" in t.loc[1, "type_reason"]
    assert np.isnan(t.loc[1, "min_margin"])


def test_thresholds_are_configurable():
    row = raw([("x", 0.20, 0.1, 0.1, 0.1)])
    assert assign_types(row, B, D)["type"].iloc[0] == "none"
    strict = TypologyThresholds(hhi=0.15)
    assert assign_types(row, B, D, strict)["type"].iloc[0] == "mine_oligopoly"
    no_gate = TypologyThresholds(byproduct_requires_upstream_risk=False)
    assert assign_types(raw([("bp", 0.1, 0.1, 0.1, 0.1)]), B, D, no_gate
                        )["type"].iloc[0] == "byproduct_recycling"


def test_catalog_flags_and_fractions_name_catalog_commodities():
    ids = set(commodity_ids())
    assert set(byproduct_fractions().index) <= ids
    assert set(demand_surge_flags()[demand_surge_flags()].index) == {
        "graphite", "cobalt", "rare_earths", "gallium"}
    assert byproduct_fractions().between(0, 1).all()


def test_package_table_covers_every_type_and_measure():
    rows = read_table("policy_packages")
    measures = [r["measure_id"] for r in read_table("policy_measures")]
    levels = {r["level"] for r in read_table("policy_levels")}
    assert {(r["type_id"], r["measure_id"]) for r in rows} == {
        (t, m) for t in TYPES for m in measures}
    assert {r["level"] for r in rows} <= levels
    assert all(r["source"] for r in rows)
    p = policy_packages(pd.Series(["mine_oligopoly", "byproduct_recycling"]))
    mine = dict(zip(p.loc[p["type"] == "mine_oligopoly", "measure_id"],
                    p.loc[p["type"] == "mine_oligopoly", "level"], strict=True))
    assert mine["mine_investment"] == "focus"
    bp = p[p["type"] == "byproduct_recycling"].set_index("measure_id")
    assert bp.loc["recycling_technology", "level"] == "focus"
    assert bp.loc["mine_investment", "level_class"] == "not_suitable"


def test_policy_scope_names_catalog_commodities_with_known_reasons():
    from critmin.analysis.typology import policy_scope

    reasons = {r["code"] for r in read_table("policy_scope_reasons")}
    rows = read_table("policy_scope")
    assert {r["scope_reason"] for r in rows} <= reasons
    assert {r["commodity_id"] for r in rows} <= set(commodity_ids())
    assert all(r["source"] for r in rows)
    got = policy_scope(["asbestos", "lithium", "oil_shales", "diamonds_gem",
                        "diamonds_industrial", "gypsum"]).tolist()
    assert got == ["banned_use", "", "fuel", "gem", "", "construction"]
