"""USGS MCS 2025 imported in place from ../shared/data, checked against the release."""

import pytest

from critmin.store.io import connect


@pytest.fixture()
def con(imported_store):
    c = connect(imported_store)
    yield c
    c.close()


def _q(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


def test_rare_earths_2023_as_printed(con):
    # MCS 2025: world 376,000 t REO, China 255,000 t
    (china,), = _q(con, "select quantity from production where source_id='usgs-mcs2025-world'"
                   " and commodity_id='rare_earths' and year=2023 and iso3='CHN'")
    (world,), = _q(con, "select quantity from world_total where source_id='usgs-mcs2025-world'"
                   " and measure='production' and commodity_id='rare_earths' and year=2023")
    assert (china, world) == (255_000, 376_000)


def test_cobalt_reserves_as_printed(con):
    (drc,), = _q(con, "select quantity from reserves where source_id='usgs-mcs2025-world' "
                 "and commodity_id='cobalt' and iso3='COD'")
    (world,), = _q(con, "select quantity from world_total where measure='reserves' and "
                   "commodity_id='cobalt' and source_id='usgs-mcs2025-world'")
    assert (drc, world) == (6_000_000, 11_000_000)


def test_units_converted_to_tonnes(con):
    # lithium 2023: Australia 91,700 t Li (metric tons); gallium China 621,000 kg → 621 t;
    # copper mine, thousand metric tons; titanium concentrates printed in thousand t
    rows = dict(((c, i), q) for c, i, q in _q(con, """
        select commodity_id, iso3, quantity from production
        where source_id='usgs-mcs2025-world' and year=2023
          and (commodity_id, stage, iso3) in (('lithium','mining','AUS'),
               ('gallium','refining','CHN'), ('titanium','mining','CHN'),
               ('cobalt','mining','COD'))"""))
    assert rows[("lithium", "AUS")] == 91_700
    assert rows[("gallium", "CHN")] == 621
    assert rows[("titanium", "CHN")] == 3_250_000
    assert rows[("cobalt", "COD")] == 175_000


def test_no_aggregate_row_is_a_country(con):
    # "World total" rows live only in world_total; "Other countries" is a NULL-ISO3
    # remainder flagged as such; every ISO3 is a known country
    bad = _q(con, """select count(*) from production p left join country c using (iso3)
                     where p.source_id like 'usgs%' and p.iso3 is not null and c.iso3 is null""")
    assert bad == [(0,)]
    rem = _q(con, "select count(*), count(*) filter (where flag like '%remainder%') "
             "from production where source_id like 'usgs%' and iso3 is null")
    assert rem[0][0] > 0 and rem[0][0] == rem[0][1]
    world = _q(con, "select count(*) from world_total where source_id='usgs-mcs2025-world'")
    assert world[0][0] > 100


def test_lower_bounds_flagged_and_withheld_missing(con):
    (q, flag), = _q(con, "select quantity, flag from world_total where measure='reserves' "
                    "and commodity_id='rare_earths' and source_id='usgs-mcs2025-world'")
    assert q == 90_000_000 and "lower_bound" in flag
    # germanium: all withheld → no production rows at all, and the blanks are counted
    assert _q(con, "select count(*) from production where commodity_id='germanium' and "
              "source_id like 'usgs%'") == [(0,)]
    (blank,), = _q(con, "select count from build_log where source_id='usgs-mcs2025-world' "
                   "and step like 'cells blank%'")
    assert blank > 1000


def test_estimates_and_summed_series(con):
    flags = _q(con, "select distinct flag from production where source_id='usgs-mcs2025-world'"
               " and year=2024 and iso3='CHN' and commodity_id='rare_earths'")
    assert flags == [("estimated",)]
    # ilmenite + rutile TiO2 for South Africa: 1,260 + 100 thousand t
    assert _q(con, "select quantity from production where commodity_id='titanium' and "
              "stage='mining' and iso3='ZAF' and year=2023 and source_id like 'usgs%'"
              ) == [(1_360_000,)]


def test_salient_nir_and_prices(con):
    (nir, flag), = _q(con, "select value, flag from salient where commodity_id='cobalt' "
                      "and item='NIR_pct' and year=2023")
    assert nir == 69 and flag is None
    assert _q(con, "select count(*) from salient where flag='net_exporter'")[0][0] > 0
    assert _q(con, "select count(*) from salient where flag='withheld' and value is null"
              )[0][0] > 0
    prices = _q(con, "select count(*) from price where source_id='usgs-mcs2025-salient' "
                "and commodity_id='cobalt'")
    assert prices[0][0] >= 5


def test_series_of_one_country_year_sum_and_join_flags():
    """Hand-made cells: two series of one country-year sum, their flags joined once and
    sorted; a country-year whose every value is withheld stays missing, never 0."""
    import math

    import pandas as pd

    from critmin.sources.provenance import Report
    from critmin.sources.usgs_mcs import _world_tables

    key = {"measure": "production", "commodity_id": "titanium", "stage": "mining",
           "year": 2023, "unit": "t", "content": "TiO2", "unit_printed": "thousand t",
           "kind": "country", "label": ""}
    cells = pd.DataFrame([
        key | {"iso3": "ZAF", "quantity": 1_260_000.0, "flag": "estimated"},
        key | {"iso3": "ZAF", "quantity": 100_000.0, "flag": "lower_bound;estimated"},
        key | {"iso3": "MOZ", "quantity": math.nan, "flag": "withheld"},
        key | {"iso3": "MOZ", "quantity": math.nan, "flag": None},
    ])
    report = Report("test")
    rows = _world_tables(cells, report)["production"].set_index("iso3")
    assert rows.loc["ZAF", "quantity"] == 1_360_000
    assert rows.loc["ZAF", "flag"] == "estimated;lower_bound"
    assert math.isnan(rows.loc["MOZ", "quantity"]) and rows.loc["MOZ", "flag"] == "withheld"
    assert ("country-years summed over several series (e.g. ilmenite + rutile)", 2, "") \
        in [tuple(r[:3]) for r in report.rows]
