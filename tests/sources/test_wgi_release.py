from critmin.store.io import connect


def test_six_dimensions_with_standard_errors(imported_store):
    with connect(imported_store) as con:
        dims = con.execute("select dimension, count(*), count(std_error), min(year), max(year)"
                           " from governance where source_id='wgi-release' group by 1 "
                           "order by 1").fetchall()
        assert [d[0] for d in dims] == ["CC", "GE", "PV", "RL", "RQ", "VA"]
        for _dim, n, se, y0, y1 in dims:
            assert n == se > 5000 and (y0, y1) == (1996, 2023)
        # World Bank codes ZAR (Congo DR) and ROM (Romania) map to ISO3
        assert con.execute("select count(*) from governance where source_id='wgi-release' "
                           "and iso3 in ('COD','ROU') and year=2023").fetchone()[0] == 12
        # ".." cells are missing, not zero; the count is in the log
        (n,) = con.execute("select count from build_log where source_id='wgi-release' and "
                           "step like 'estimates missing%'").fetchone()
        assert n == 1126


def test_bundle_and_release_pv_are_close_vintages(imported_store):
    # two WGI updates: past years are revised a little, never wholesale
    with connect(imported_store) as con:
        n, dups, median = con.execute("""
            select count(*), count(*) - count(distinct (iso3, year)),
                   median(abs(a.estimate - b.estimate))
            from governance a join governance b using (iso3, year, dimension)
            where a.source_id='wgi-bundle' and b.source_id='wgi-release' and year <= 2021
        """).fetchone()
        assert n > 4000 and dups == 0 and median < 0.02
        # the bundle lists Guyana twice with different values: dropped and logged
        assert con.execute("select count(*) from governance where source_id='wgi-bundle' "
                           "and iso3='GUY' and year <= 2021").fetchone()[0] == 0
        assert con.execute("select count(*) from governance where source_id='wgi-release' "
                           "and iso3='GUY' and dimension='PV'").fetchone()[0] > 20
