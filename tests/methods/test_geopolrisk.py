import numpy as np
import pandas as pd

from critmin.catalog.reasons import code_of
from critmin.methods.geopolrisk import CU_REFERENCE, geopolrisk
from critmin.service.common import members_by_name, resolve_importers


def importer_members(con, names):
    """The engine's member lists of ``names``, resolved by the request layer."""
    return members_by_name(resolve_importers(con, names))


def test_hand_computed_cell(mini):
    out = geopolrisk(mini, importer_members(mini, ["JPN"])).iloc[0]
    hhi = (80**2 + 20**2 + 5**2) / 105**2
    assert np.isclose(out["hhi"], hhi)
    # import risk = Σ g·f / (p + F) = (0.6·60 + 0.3·40) / (5 + 100)
    assert np.isclose(out["import_risk"], 48 / 105)
    assert np.isclose(out["score"], hhi * 48 / 105)
    # price over rows with a quantity: (120 + 100) / 100 kUSD/t
    assert np.isclose(out["price"], 2.2)
    assert np.isclose(out["cf"], out["score"] * 2.2 / CU_REFERENCE)


def test_no_imports_is_missing_not_zero(mini):
    out = geopolrisk(mini, importer_members(mini, ["AUS"])).iloc[0]
    assert np.isnan(out["score"]) and "no imports" in out["missing"]


def test_no_trade_in_store_told_apart_from_no_imports(mini):
    """A year with production but no trade in the store at all (2021) is missing for
    every importer as "no trade in the store"; in a year with trade (2022) an importer
    without imports is "no imports" and the one with imports has a score."""
    from critmin.store.production import refresh_own_production

    mini.register("p21", pd.DataFrame({
        "commodity_id": "graphite", "stage": "mining", "iso3": ["CHN", "AUS"],
        "year": 2021, "quantity": [70.0, 30.0], "unit": "t", "flag": None,
        "source_id": "wmd-bundle", "content": "gross:natural_graphite",
        "unit_printed": "t"}))
    mini.execute("insert into production by name select * from p21")
    refresh_own_production(mini)
    out = geopolrisk(mini, importer_members(mini, ["JPN", "AUS"]))
    got = {(r.importer, r.year): code_of(r.missing) if r.missing else None
           for r in out.itertuples()}
    assert got == {("JPN", 2021): "no_trade_in_store", ("AUS", 2021): "no_trade_in_store",
                   ("JPN", 2022): None, ("AUS", 2022): "no_imports"}
    assert np.isclose(out.loc[out["year"] == 2021, "hhi"], 0.7**2 + 0.3**2).all()


def test_group_with_parity_switch(mini):
    eu = geopolrisk(mini, importer_members(mini, ["EU27"])).iloc[0]
    assert np.isclose(eu["import_risk"], 0.6)  # only CHN 10 t
    keep = geopolrisk(mini, importer_members(mini, ["EU27"]), intra_group="keep").iloc[0]
    assert np.isclose(keep["import_risk"], 0.6 * 10 / 40)  # FRA counted with g = 0
