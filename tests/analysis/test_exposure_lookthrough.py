"""Look-through of tier-1 supplier countries to the origin of their material
(critmin.analysis.lookthrough): hand-computed mixes from a tiny trade table, the reasons
of partial mixes, and a Korean cobalt refiner on the real store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.analysis.lookthrough import (
    LookThrough,
    company_origins,
    material_stages,
    origin_mix,
    own_supply,
    supplier_summary,
)
from critmin.catalog.reasons import code_of, reason, split_phrases

# KOR imports 60 t of refined cobalt from COD, 30 t from CHN, 10 t from JPN and refines
# none of its own; JPN imports 50 t from FIN and 50 t from CHN; CHN imports 10 t of
# graphite from MOZ and mines 90 t itself (same basis)
IMPORTS = pd.DataFrame(
    [("KOR", "cobalt", "COD", 60.0), ("KOR", "cobalt", "CHN", 30.0),
     ("KOR", "cobalt", "JPN", 10.0), ("JPN", "cobalt", "FIN", 50.0),
     ("JPN", "cobalt", "CHN", 50.0), ("CHN", "graphite", "MOZ", 10.0)],
    columns=["supplier_country", "commodity_id", "origin", "quantity_t"])
UNKNOWN = reason("own_production_unknown", importer="JPN", commodity="cobalt",
                 stage="refining", years=2024)
OWN = pd.DataFrame([("KOR", "cobalt", 0.0, ""), ("JPN", "cobalt", np.nan, UNKNOWN),
                    ("CHN", "graphite", 90.0, "")],
                   columns=["supplier_country", "commodity_id", "own_production_t",
                            "own_missing"])


def test_origin_mix_hand_computed():
    mix = origin_mix(IMPORTS, OWN).set_index(["supplier_country", "commodity_id", "origin"])
    share = mix["origin_share"]
    assert share[("KOR", "cobalt", "COD")] == pytest.approx(0.6)
    assert share[("KOR", "cobalt", "CHN")] == pytest.approx(0.3)
    assert share[("KOR", "cobalt", "JPN")] == pytest.approx(0.1)
    # own production unknown: the mix of the imports only
    assert share[("JPN", "cobalt", "FIN")] == pytest.approx(0.5)
    # own production counted as an origin: 90 / (90 + 10)
    assert share[("CHN", "graphite", "CHN")] == pytest.approx(0.9)
    assert mix.loc[("CHN", "graphite", "CHN"), "origin_kind"] == "own_production"
    assert share[("CHN", "graphite", "MOZ")] == pytest.approx(0.1)
    sums = share.groupby(level=[0, 1]).sum()
    assert np.allclose(sums, 1.0)


def test_own_supply_reasons():
    own = pd.DataFrame(
        [("KOR", "cobalt", "refining", np.nan, np.nan, None, "Co", "Co", 1.0),
         ("CHN", "graphite", "mining", 90.0, 90.0, 0, "g", "g", 1.0),
         ("AUS", "graphite", "mining", 2.0, 8.0, 1, "g", "g", 1.0),
         ("BRA", "graphite", "mining", None, None, 2, "g", "g", 1.0),
         ("IND", "graphite", "mining", 5.0, 5.0, 5, "g", "g", 1.0),
         ("MOZ", "graphite", "mining", 40.0, 40.0, 0, "g", "h", 2.0),
         ("LKA", "graphite", "mining", 0.0, 0.0, 0, "g", "h", np.nan),
         ("TZA", "graphite", "mining", 7.0, 7.0, 0, "g", "h", np.nan),
         ("CHN", "graphite", "refining", 1.0, 1.0, 0, "C", "h", np.nan)],
        columns=["iso3", "commodity_id", "stage", "domestic_lo", "domestic_hi", "status",
                 "canonical", "trade_content", "trade_factor"])
    got = own_supply(own, {"cobalt": "refining", "graphite": "mining"}, 2024).set_index(
        "supplier_country")
    assert len(got) == 8                      # only the material stage's rows
    assert code_of(got.loc["KOR", "own_missing"]) == "production_unknown"
    assert got.loc["CHN", "own_production_t"] == 90.0 and got.loc["CHN", "own_missing"] == ""
    assert code_of(got.loc["AUS", "own_missing"]) == "own_production_unknown"  # bounded
    assert code_of(got.loc["BRA", "own_missing"]) == "own_production_unknown"  # withheld
    assert code_of(got.loc["IND", "own_missing"]) == "own_production_other_basis"
    assert got.loc["MOZ", "own_production_t"] == 20.0   # 40 on the canonical basis / 2
    assert got.loc["LKA", "own_production_t"] == 0.0    # 0 needs no factor
    assert code_of(got.loc["TZA", "own_missing"]) == "own_production_other_basis"
    for who in ("KOR", "AUS", "BRA", "IND", "TZA"):
        assert np.isnan(got.loc[who, "own_production_t"])   # missing, never 0


def _look() -> LookThrough:
    stages = {"cobalt": "refining", "graphite": "mining"}
    pairs = pd.DataFrame({"supplier_country": ["KOR", "JPN", "TWN", "CHN"],
                          "commodity_id": ["cobalt", "cobalt", "cobalt", "graphite"]})
    mix = origin_mix(IMPORTS, OWN)
    suppliers = supplier_summary(pairs, mix, IMPORTS, OWN, stages,
                                 {"cobalt": "", "graphite": ""}, 2024)
    return LookThrough(2024, stages, mix, suppliers)


def test_supplier_summary():
    s = _look().suppliers.set_index(["supplier_country", "commodity_id"])
    kor = s.loc[("KOR", "cobalt")]
    assert kor["origin_top_country"] == "COD" and kor["origin_top_share"] == pytest.approx(0.6)
    assert kor["imports_t"] == 100.0 and kor["own_share"] == 0.0
    assert kor["mix_covers"] == "imports_and_own_production" and kor["missing"] == ""
    jpn = s.loc[("JPN", "cobalt")]
    assert jpn["mix_covers"] == "imports_only" and jpn["missing"] == UNKNOWN
    twn = s.loc[("TWN", "cobalt")]           # neither imports nor own production
    assert twn["mix_covers"] == "none" and code_of(twn["missing"]) == "no_imports"
    assert s.loc[("CHN", "graphite"), "own_share"] == pytest.approx(0.9)


def test_company_origins_hand_computed():
    """The company buys cobalt 50 % from KOR, 30 % from JPN, 20 % from TWN (no mix):
    ω_COD = 0.5·0.6 = 0.30, ω_CHN = 0.5·0.3 + 0.3·0.5 = 0.30, ω_FIN = 0.15, ω_JPN = 0.05;
    coverage 0.8; origin risk (0.3·0.8 + 0.3·0.6 + 0.15·0.1 + 0.05·0.2) / 0.8."""
    shares = pd.DataFrame({"commodity_id": "cobalt", "iso3": ["KOR", "JPN", "TWN"],
                           "sigma": [0.5, 0.3, 0.2]})
    risk = pd.Series({"COD": 0.8, "CHN": 0.6, "FIN": 0.1, "JPN": 0.2})
    o = company_origins(shares, _look(), risk).set_index("commodity_id").loc["cobalt"]
    mix = {m["country"]: m["share"] for m in o["origin_mix"]}
    assert mix == pytest.approx({"COD": 0.30, "CHN": 0.30, "FIN": 0.15, "JPN": 0.05})
    assert o["origin_top_country"] == "CHN"     # tie at 0.30: alphabetical
    assert o["origin_top_share"] == pytest.approx(0.30)
    assert o["origin_top_risk"] == pytest.approx(0.6)
    assert o["lookthrough_coverage"] == pytest.approx(0.8)
    assert o["origin_risk"] == pytest.approx((0.24 + 0.18 + 0.015 + 0.01) / 0.8)
    assert o["origin_missing_governance_share"] == 0.0
    risk = risk.drop("FIN")                    # FIN without WGI: 0.5, and counted
    o = company_origins(shares, _look(), risk).set_index("commodity_id").loc["cobalt"]
    assert o["origin_risk"] == pytest.approx((0.24 + 0.18 + 0.075 + 0.01) / 0.8)
    assert o["origin_missing_governance_share"] == pytest.approx(0.15 / 0.8)
    reasons = split_phrases(o["lookthrough_missing"])
    assert UNKNOWN in reasons and any(code_of(r) == "no_imports" for r in reasons)


def test_material_stages():
    traded = {("cobalt", "refining"), ("graphite", "mining"), ("graphite", "refining"),
              ("iron", "mining")}
    got = material_stages(traded, ["cobalt", "graphite", "iron", "rare_earths"])
    assert got == {"cobalt": "refining", "graphite": "refining", "iron": "mining",
                   "rare_earths": "refining"}   # rare earths: no trade, refining coded


def test_korean_cobalt_refiner_on_the_real_store(store):
    """KOR's refined cobalt comes mostly from DR Congo, some from China: the shares are
    its imports by partner over their total (no refined production in the store)."""
    from critmin.analysis.lookthrough import read_lookthrough

    year = 2024
    look = read_lookthrough(store, pd.DataFrame({"supplier_country": ["KOR"],
                                                 "commodity_id": ["cobalt"]}), year)
    assert look.stages["cobalt"] == "refining"
    by_partner = store.execute(
        "select exporter, sum(quantity_t) from trade_stage where importer = 'KOR' and "
        "commodity_id = 'cobalt' and stage = 'refining' and year = ? and quantity_t > 0 "
        "group by 1", [year]).fetchall()
    total = sum(q for _, q in by_partner)
    expected = {e: q / total for e, q in by_partner}
    got = look.mix.set_index("origin")["origin_share"]
    assert got["COD"] == pytest.approx(expected["COD"])
    assert got["CHN"] == pytest.approx(expected["CHN"])
    assert got["COD"] > 0.4 and got["CHN"] > 0.0
    row = look.suppliers.iloc[0]
    assert row["origin_top_country"] == "COD"
    assert row["mix_covers"] == "imports_only"
    assert code_of(row["missing"]) == "production_unknown"
