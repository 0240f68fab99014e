"""Volatility never mixes price units nor takes a shared HS code's unit value as a price."""

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from critmin.catalog.reasons import code_of
from critmin.indicators.volatility import (
    market_volatility,
    price_unit_conflicts,
    unit_value_volatility,
)


@pytest.fixture()
def con():
    c = duckdb.connect()
    c.execute("create table price (commodity_id varchar, period varchar, value double, "
              "unit varchar, currency varchar, basis varchar, series varchar, flag varchar, "
              "source_id varchar, unit_printed varchar)")
    c.execute("create table commodity_stage (commodity_id varchar, stage varchar, "
              "hs6 varchar, basis varchar, role varchar)")
    c.execute("create table unit_value (hs6 varchar, year smallint, price double, "
              "n_flows integer)")
    yield c
    c.close()


def test_units_of_one_series_converted_before_returns(con):
    rng = np.random.default_rng(1)
    usd_t = 5000 * np.exp(np.cumsum(rng.normal(0, 0.2, 12)))
    rows = [("copper", str(2000 + i), v, "USD/t", "s") for i, v in enumerate(usd_t)]
    # the last three years printed in cents per pound: the same prices, converted back
    rows[-3:] = [(c, p, v / 22.0462262, "USc/lb", s) for c, p, v, _, s in rows[-3:]]
    # and one row in a unit pint cannot compare with USD/t: left out, not mixed
    rows.append(("copper", "2012", 70.0, "USD/bbl", "s"))
    frame = pd.DataFrame(rows, columns=["commodity_id", "period", "value", "unit", "series"])
    con.register("frame_in", frame)
    con.execute("insert into price select commodity_id, period, value, unit, 'USD', "
                "'market', series, null, 'x', unit from frame_in")
    vol = market_volatility(con, window_years=10).set_index("year")
    r = np.diff(np.log(usd_t))
    assert math.isclose(vol.loc[2011, "volatility"], r[1:].std(ddof=1), rel_tol=1e-6)
    assert 2012 not in vol.index or vol.loc[2012, "n_returns"] <= 10
    out = price_unit_conflicts(con)
    assert list(out["unit"]) == ["USD/bbl"] and "not convertible" in out["reason"][0]


def test_shared_hs_code_is_never_one_metals_price(con):
    con.execute("""insert into commodity_stage values
        ('palladium', 'mining', '261690', 'ore', 'shared'),
        ('platinum', 'mining', '261690', 'ore', 'shared'),
        ('gold', 'mining', '261690', 'ore', 'shared'),
        ('palladium', 'refining', '711021', 'metal', 'main')""")
    years = range(2000, 2012)
    rng = np.random.default_rng(2)
    for hs6 in ("261690", "711021"):
        for y, p in zip(years, 10.49 * np.exp(rng.normal(0, 0.1, len(years))), strict=True):
            con.execute("insert into unit_value values (?, ?, ?, 10)", [hs6, y, p])
    uv = unit_value_volatility(con, window_years=10)
    pd_mine = uv[(uv["commodity_id"] == "palladium") & (uv["stage"] == "mining")]
    assert len(pd_mine) and pd_mine["volatility"].isna().all()
    assert {code_of(d) for d in pd_mine["detail"]} == {"shared_hs_code"}
    assert pd_mine["detail"].iloc[0] == ("HS 261690 is shared with other commodities (gold, "
                                         "platinum): its trade is not palladium's alone")
    refined = uv[(uv["commodity_id"] == "palladium") & (uv["stage"] == "refining")]
    assert refined["volatility"].notna().any()
    assert set(refined["series"]) == {"uv:711021"}
    assert set(uv.loc[uv["volatility"].notna(), "series"]) == {"uv:711021"}


def test_imported_store_palladium_price_is_its_own(imported_store):
    from critmin.store.io import connect

    c = connect(imported_store)
    try:
        series = {r[0] for r in c.execute(
            "select distinct series from price where commodity_id = 'palladium'").fetchall()}
        assert series == {"usgs:Platinum-Group Metals:Price_Palladium_dto"}
        assert c.execute("select count(*) from price where unit_printed is null"
                         ).fetchall()[0][0] == 0
        uv = unit_value_volatility(c)
    finally:
        c.close()
    mine = uv[(uv["commodity_id"] == "palladium") & (uv["stage"] == "mining")]
    assert mine["volatility"].isna().all()
    assert {code_of(d) for d in mine["detail"]} <= {"shared_hs_code"}
    assert not uv[uv["volatility"].notna()]["series"].eq("uv:261690").any()


def test_market_volatility_has_the_same_bits_on_every_run(imported_store):
    """The returns' standard deviation is taken in time order, not in the order DuckDB's
    threads happen to combine partial sums: repeated runs give the same bits (they
    differed in the last bit in most runs before)."""
    from critmin.store.io import connect

    with connect(imported_store) as c:
        first = market_volatility(c, 5)
        runs = [market_volatility(c, 5) for _ in range(5)]
    assert len(first) > 500 and first["volatility"].notna().all()
    for run in runs:
        assert run["volatility"].to_numpy().tobytes() == first["volatility"].to_numpy().tobytes()
