import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.indicators.governance import country_risk, risk_for_years
from critmin.indicators.importers import importer_members
from critmin.indicators.imports import import_cells
from critmin.indicators.trade import multi_member


def _risk(con):
    gov = con.execute("select * from governance").df()
    return risk_for_years(country_risk(gov, ("PV",)), [2022])


def test_hand_computed_import_indicators(mini):
    cells = import_cells(mini, importer_members(mini, ["JPN"]), _risk(mini))
    row = cells.set_index("importer").loc["JPN"]
    # shares 0.6 / 0.4 (the row with no quantity is left out and counted)
    assert row["imports"] == 100.0 and row["n_partners"] == 2
    assert np.isclose(row["import_hhi"], 0.6**2 + 0.4**2)
    # g = (2.5 − PV)/5: CHN 0.6, AUS 0.3 → G = 0.6·0.6 + 0.4·0.3 = 0.48
    assert np.isclose(row["governance_weighted"], 0.48)
    # WGI* = 5 − 2·PV: CHN 6, AUS 3 → HHI_WGI = 0.36·6 + 0.16·3 = 2.64
    assert np.isclose(row["hhi_wgi"], 2.64)
    assert row["n_rows_no_quantity"] == 1


def test_value_basis_and_missing_governance_rule(mini):
    risk = _risk(mini)
    cells = import_cells(mini, importer_members(mini, ["JPN"]), risk, basis="value")
    row = cells.iloc[0]
    # value basis keeps the 'nes' partner (5 kUSD of 225): imputed g = 0.5, counted
    assert row["imports"] == 225.0 and row["n_partners"] == 3
    assert row["n_missing_governance"] == 1
    assert np.isclose(row["missing_governance_share"], 5 / 225)
    g = (120 * 0.6 + 100 * 0.3 + 5 * 0.5) / 225
    assert np.isclose(row["governance_weighted"], g)
    excl = import_cells(mini, importer_members(mini, ["JPN"]), risk, basis="value",
                        missing_governance="exclude").iloc[0]
    assert excl["n_partners"] == 2 and np.isclose(excl["governance_weighted"],
                                                  (120 * 0.6 + 100 * 0.3) / 220)


def test_group_excludes_intra_group_trade(mini):
    risk = _risk(mini)
    eu = import_cells(mini, importer_members(mini, ["EU27"]), risk).iloc[0]
    assert eu["imports"] == 10.0 and eu["n_partners"] == 1  # FRA→DEU excluded
    keep = import_cells(mini, importer_members(mini, ["EU27"]), risk,
                        intra_group="keep").iloc[0]
    assert keep["imports"] == 40.0


def test_membership_years_of_a_one_member_importer(mini):
    """An importer of one member with membership years takes the group path (the
    years are checked there); without years it is a plain country."""
    dated = {"DEU since 2023": [("DEU", 2023, None)], "DEU": [("DEU", None, None)]}
    assert multi_member(dated) == [0]
    cells = import_cells(mini, dated, _risk(mini))
    assert list(cells["importer"]) == ["DEU"]  # DEU's 2022 imports; none before 2023
    assert cells.iloc[0]["imports"] == 40.0


@pytest.fixture(scope="module")
def one_stage():
    """An in-memory store with one commodity stage (the schema is made once: ~0.2 s)."""
    import duckdb

    from critmin.store.schema import DDL

    con = duckdb.connect()
    con.execute(DDL)
    con.execute("insert into commodity_stage values ('x','mining','111111','','gross:x','',"
                "'','')")
    con.execute("insert into stage_basis values ('x','mining','gross:x','gross:x',1.0)")
    yield con
    con.close()


# each example refreshes trade_stage and runs two queries (~0.2 s): 30 examples, not 100
@settings(max_examples=30)
@given(st.lists(st.tuples(st.floats(0.01, 1e6), st.floats(-2.5, 2.5)), min_size=1,
                max_size=12), st.floats(0.1, 1000))
def test_properties(one_stage, partners, scale):
    from critmin.store.derived import refresh_trade_stage

    con = one_stage
    rows = [("111111", 2020, f"P{i:02d}", "IMP", i, 0, q, q * scale)
            for i, (q, _w) in enumerate(partners)]
    con.register("t", pd.DataFrame(rows, columns=["hs6", "year", "exporter", "importer",
                                                  "exporter_code", "importer_code",
                                                  "value_kusd", "quantity_t"]))
    con.execute("delete from trade")
    con.execute("insert into trade select *, 'baci-bundle' from t")
    con.unregister("t")
    refresh_trade_stage(con)
    risk = pd.DataFrame({"iso3": [f"P{i:02d}" for i in range(len(partners))], "year": 2020,
                         "risk": [(2.5 - w) / 5 for _q, w in partners], "wgi_star": 1.0,
                         "wgi_mean": 0.0, "lag": 0})
    row = import_cells(con, {"IMP": [("IMP", None, None)]}, risk).iloc[0]
    n = len(partners)
    assert row["n_partners"] == n
    assert 1 / n - 1e-9 <= row["import_hhi"] <= 1 + 1e-9
    assert min(risk["risk"]) - 1e-9 <= row["governance_weighted"] <= max(risk["risk"]) + 1e-9
    reversed_rows = import_cells(con, {"IMP": [("IMP", None, None)]},
                                 risk.iloc[::-1].reset_index(drop=True)).iloc[0]
    assert np.isclose(reversed_rows["import_hhi"], row["import_hhi"])
