"""The whole engine on the real store, before and after the official imports."""


from critmin.indicators.engine import INDICATORS, compute_indicators
from critmin.indicators.importers import importer_members
from critmin.store.io import connect


def test_bundle_store_world_run(store):
    out = compute_indicators(store, importer_members(store, ["JPN", "EU27"]))
    assert set(out["indicator"]) >= {"production_hhi", "import_governance", "import_hhi",
                                     "hhi_wgi", "volatility", "eol_rir", "import_reliance"}
    assert set(out["indicator"]) <= set(INDICATORS)
    g = out[out["indicator"] == "import_governance"]["value"]
    assert g.between(0, 1).all()
    hhi = out[out["indicator"].isin(["production_hhi", "import_hhi"])]["value"].dropna()
    assert hhi.between(0, 1 + 1e-12).all()
    # the bundle has PV only: that is what 'auto' uses
    assert out[out["indicator"] == "import_governance"]["basis"].str.endswith("WGI PV").all()
    # no reserves without USGS
    assert "reserves_hhi" not in set(out["indicator"])


def test_imports_switch_on_reserves_refining_and_six_dimensions(imported_store):
    with connect(imported_store) as con:
        out = compute_indicators(con, importer_members(con, ["JPN"]), years=[2023, 2024])
    ind = set(out["indicator"])
    assert {"reserves_hhi", "reserve_life"} <= ind
    g = out[out["indicator"] == "import_governance"]
    assert g["basis"].str.contains("VA\\+PV\\+GE\\+RQ\\+RL\\+CC").all()
    cu = out[(out["indicator"] == "volatility") & (out["commodity_id"] == "copper")]
    assert (cu["basis"] == "market").all() and cu["value"].between(0.05, 1).all()
    co = out[(out["indicator"] == "volatility") & (out["commodity_id"] == "cobalt")]
    # USGS prints 5 annual cobalt prices: too few for a 10-year window → trade unit values
    assert (co["basis"] == "unit_value").all()
    # refinery stage from USGS: copper refining production concentration exists for 2023
    ref = out[(out["indicator"] == "production_hhi") & (out["commodity_id"] == "copper")
              & (out["year"] == 2023)
              & (out["stage"] == "refining")]
    assert len(ref) == 1 and ref["source_ids"].iloc[0] == "usgs-mcs2025-world"
    rl = out[(out["indicator"] == "reserve_life") & (out["commodity_id"] == "cobalt")]
    assert len(rl) == 1 and 10 < rl["value"].iloc[0] < 100  # 11 Mt / ~0.25 Mt a year
