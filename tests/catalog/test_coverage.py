from critmin.catalog.coverage import stage_coverage


def test_stage_coverage_reports_production_and_trade(store):
    cov = stage_coverage(store).set_index(["commodity_id", "stage"])
    assert cov.loc[("rare_earths", "mining"), "production_years"] == "2018–2024"
    assert cov.loc[("rare_earths", "refining"), "trade_rows"] > 0
    assert cov.loc[("gallium", "refining"), "production_years"] == "2018–2024"
    # HS 811291 (Ga, In, ...) is not in the bundle's BACI extract: no trade rows
    assert cov.loc[("gallium", "refining"), "trade_rows"] == 0
    assert cov.loc[("cobalt", "refining"), "trade_rows"] > 0
