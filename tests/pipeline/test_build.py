"""The store built from the real bundle: tables, coverage, harmonisation."""

import pandas as pd
import pytest


def test_all_canonical_tables_exist(store):
    tables = {r[0] for r in store.execute("show tables").fetchall()}
    assert {"source", "country", "country_group", "commodity", "commodity_stage",
            "production", "trade", "governance", "recycling", "reserves", "price",
            "event"} <= tables
    for empty in ("reserves", "price"):
        assert store.execute(f"select count(*) from {empty}").fetchone()[0] == 0
    # the catalog's dated export controls (seed 004), e.g. the April 2025 rare-earth licences
    events = store.execute("select date, iso3, commodity_id, measure from event "
                           "order by date").fetchall()
    assert len(events) >= 13
    assert (str(events[-1][0]), events[-1][1], events[-1][2]) == ("2025-04-04", "CHN",
                                                                   "rare_earths")


def test_production_coverage(store):
    n, y0, y1 = store.execute("select count(distinct commodity_id), min(year), max(year) "
                              "from production").fetchone()
    assert n >= 60 and (y0, y1) == (2018, 2024)


def test_trade_coverage(store):
    n, y0, y1 = store.execute("select count(*), min(year), max(year) from trade").fetchone()
    assert n >= 1_200_000 and (y0, y1) == (1995, 2024)


def test_governance_coverage_with_standard_errors(store):
    y0, y1, n, se = store.execute("select min(year), max(year), count(*), count(std_error) "
                                  "from governance").fetchone()
    assert (y0, y1) == (1996, 2024) and se == n > 5000


def test_no_aggregate_rows_as_countries(store):
    bad = store.execute("""
        select count(*) from production p left join country c using (iso3)
        where c.iso3 is null or p.iso3 in ('WLD', 'TOT', '')""").fetchone()[0]
    assert bad == 0
    # each sheet's "Total" row was dropped, and logged
    logged = store.execute("select count from build_log where step like 'aggregate%'"
                           ).fetchone()[0]
    assert logged > 0


def test_kg_converted_to_tonnes(store):
    # WMD publishes gold in kg; China mined about 370,000 kg (370 t) in 2023
    q, unit = store.execute("select quantity, unit from production where commodity_id='gold'"
                            " and iso3='CHN' and year=2023").fetchone()
    assert unit == "t" and 200 < q < 600


def test_missing_quantities_stay_missing(store):
    nulls = store.execute("select count(*) from trade where quantity_t is null").fetchone()[0]
    logged = store.execute("select count from build_log where step like 'quantity missing%'"
                           ).fetchone()[0]
    assert nulls == logged > 0


def test_taiwan_and_unallocated_partners(store):
    # BACI 490 'Other Asia, nes' is Taiwan; SACU (711) is kept with no ISO3, and reported
    assert store.execute("select count(*) from trade where exporter_code = 490 and "
                         "exporter = 'TWN'").fetchone()[0] > 0
    sacu = store.execute("select count(*) from trade where importer_code = 711 or "
                         "exporter_code = 711").fetchone()[0]
    reported = store.execute("select n_rows from country_map where source_id='baci-bundle' "
                             "and code='711'").fetchone()[0]
    assert sacu == reported > 0


def test_sources_carry_provenance(store):
    rows = store.execute("select source_id, publisher, version, licence, sha256 from source"
                         ).fetchall()
    assert {r[0] for r in rows} >= {"wmd-bundle", "baci-bundle", "wgi-bundle"}
    for r in rows:
        assert all(r) and len(r[4]) == 64


def test_recycling_zero_values_are_flagged(store):
    flagged = store.execute("select count(*) from recycling where value = 0 and "
                            "flag = 'zero_as_published'").fetchone()[0]
    zeros = store.execute("select count(*) from recycling where value = 0").fetchone()[0]
    assert flagged == zeros
    assert store.execute("select value from recycling where commodity_id='tungsten'"
                         ).fetchone()[0] == 0.42


def test_trade_stage_integer_keys_match_the_text(store):
    """Each trade_stage row's cs_ix, importer_key and exporter_key point at its own
    commodity stage and countries (stage_index, country_key); no key without a country."""
    bad = store.execute("""
        select count(*) from trade_stage t
        left join stage_index s on s.cs_ix = t.cs_ix
        left join country_key i on i.country_key = t.importer_key
        left join country_key e on e.country_key = t.exporter_key
        where s.commodity_id is distinct from t.commodity_id
           or s.stage is distinct from t.stage
           or i.iso3 is distinct from t.importer or e.iso3 is distinct from t.exporter
        """).fetchall()[0][0]
    assert bad == 0
    n_stages, first, last = store.execute(
        "select count(*), min(cs_ix), max(cs_ix) from stage_index").fetchall()[0]
    assert (first, last) == (0, n_stages - 1)
    assert n_stages == store.execute("select count(*) from (select distinct commodity_id, "
                                     "stage from commodity_stage)").fetchall()[0][0]


# --- user data survives a rebuild (issue 17) ------------------------------------------

def _save_motor(path, name="motor"):
    from critmin.service.exposure import ExposureRequest, exposure
    from critmin.store.bom import read_bom
    from critmin.store.io import connect

    with connect(path, read_only=False) as con:
        response = exposure(ExposureRequest(bom="example:ev_traction_motor", save=name), con)
        assert response.stored_rows == 16
        return read_bom(con, name)


BUNDLE_SOURCES = {"wmd-bundle", "baci-bundle", "wgi-bundle", "geopolrisk-hsmap",
                  "critmin-catalog"}


@pytest.mark.parametrize("previous", ["4", "7"])
def test_boms_carried_across_schema_versions(store_copy, tmp_path, previous):
    """Saved BOMs are carried from a store of any schema version (their table keeps its
    own layout) — the carrying step of a rebuild; the full rebuild is tested above."""
    import duckdb

    from critmin.pipeline.build import _carry_imports
    from critmin.store.bom import carry_boms, read_bom
    from critmin.store.io import atomic_store, attach_previous, connect

    saved = _save_motor(store_copy)
    with duckdb.connect(str(store_copy)) as con:
        con.execute("update meta set value = ? where key = 'schema_version'", [previous])
    new = tmp_path / "new.duckdb"
    with atomic_store(new) as con:
        assert attach_previous(con, store_copy)
        assert _carry_imports(con, store_copy, BUNDLE_SOURCES) == []
        assert con.execute("select count(*) from duckdb_databases() where "
                           "database_name = 'old'").fetchone() == (1,)   # still attached
        assert carry_boms(con) == 16
    with connect(new) as con:
        pd.testing.assert_frame_equal(read_bom(con, "motor"), saved)
